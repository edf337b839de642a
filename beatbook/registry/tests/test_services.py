"""Registry services: every write is scope-checked, validated, and audited once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from beatbook.core import audit
from beatbook.core.models import AuditEntry
from beatbook.registry import services
from beatbook.registry.models import (
    Building,
    Compound,
    DocumentType,
    Entrance,
    Flat,
    FlatStatus,
    PopulationType,
    Premises,
    PremisesKind,
    Relation,
    Residence,
    Resident,
    TransferRequest,
    TransferStatus,
)
from beatbook.registry.selectors import resident_list
from beatbook.registry.tests.helpers import make_id, make_id_ending_in_x

# --- helpers ----------------------------------------------------------------------


pytestmark = pytest.mark.usefixtures("audit_chain_stays_valid")


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)


def last_audit_id() -> int:
    return AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


def entries_after(mark: int) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(id__gt=mark).order_by("id"))


def one_entry_after(mark: int, action: str, obj: Any, actor: Any) -> AuditEntry:
    entries = entries_after(mark)
    assert [e.action for e in entries] == [action]
    entry = entries[0]
    assert entry.object_type == obj._meta.label_lower
    assert entry.object_id == str(obj.pk)
    assert entry.actor_id == actor.pk
    assert entry.actor_username == actor.username
    return entry


def error_dict(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[ValidationError]]:
    assert hasattr(exc.value, "error_dict"), "service errors are keyed by field"
    return exc.value.error_dict


def codes(exc: pytest.ExceptionInfo[ValidationError], field: str) -> list[str | None]:
    return [e.code for e in error_dict(exc)[field]]


def register(world: Any, actor: Any = None, flat: Any = None, **kwargs: Any) -> Resident:
    kwargs.setdefault("name", "赵六")
    kwargs.setdefault("id_number", make_id())
    return services.resident_register(
        actor=actor or world.officer_a, flat=flat or world.flat_a_vacant, **kwargs
    )


# --- who may write what --------------------------------------------------------------

# Each operation targets beat A (community A, compound A, building 6 of 富贵佳园T).
OPS_ON_BEAT_A: dict[str, Callable[[Any, Any], Any]] = {
    "compound_create": lambda w, u: services.compound_create(
        actor=u, community=w.community_a, name="新建小区"
    ),
    "compound_update": lambda w, u: services.compound_update(
        actor=u, compound=w.compound_a, address="新地址"
    ),
    "building_create": lambda w, u: services.building_create(
        actor=u, compound=w.compound_a, number="9"
    ),
    "building_update": lambda w, u: services.building_update(
        actor=u, building=w.building_a, floors=18
    ),
    "flat_create": lambda w, u: services.flat_create(actor=u, building=w.building_a, room="901"),
    "flat_update": lambda w, u: services.flat_update(
        actor=u, flat=w.flat_a, status=FlatStatus.RENTED
    ),
    "resident_register": lambda w, u: services.resident_register(
        actor=u, flat=w.flat_a_vacant, name="赵六", id_number=make_id()
    ),
    "resident_update": lambda w, u: services.resident_update(
        actor=u, resident=w.resident_a, occupation="教师"
    ),
    "resident_move_out": lambda w, u: services.resident_move_out(actor=u, resident=w.resident_a),
    "resident_move": lambda w, u: services.resident_move(
        actor=u, resident=w.resident_a, flat=w.flat_a_vacant
    ),
    "premises_create": lambda w, u: services.premises_create(
        actor=u, community=w.community_a, name="新店"
    ),
    "premises_update": lambda w, u: services.premises_update(
        actor=u, premises=w.premises_a, notes="x"
    ),
    "transfer_request_create": lambda w, u: services.transfer_request_create(
        actor=u, to_flat=w.flat_a_vacant, id_number=w.resident_b.id_number, reason="搬来"
    ),
}
NOT_OF_BEAT_A = ["officer_b", "head", "worker_a", "chief", "sysadmin", "auditor"]


@pytest.mark.parametrize("op", sorted(OPS_ON_BEAT_A))
def test_beat_officer_may_do_everything_on_their_beat(world: Any, op: str) -> None:
    mark = last_audit_id()
    OPS_ON_BEAT_A[op](world, world.officer_a)
    assert len(entries_after(mark)) == 1


@pytest.mark.parametrize("who", NOT_OF_BEAT_A)
@pytest.mark.parametrize("op", sorted(OPS_ON_BEAT_A))
def test_nobody_else_writes_on_beat_a(world: Any, op: str, who: str) -> None:
    counts = (
        Compound.objects.count(),
        Building.objects.count(),
        Flat.objects.count(),
        Resident.objects.count(),
        Premises.objects.count(),
        TransferRequest.objects.count(),
    )
    mark = last_audit_id()
    with pytest.raises(PermissionDenied):
        OPS_ON_BEAT_A[op](world, world.users()[who])
    assert entries_after(mark) == []
    assert counts == (
        Compound.objects.count(),
        Building.objects.count(),
        Flat.objects.count(),
        Resident.objects.count(),
        Premises.objects.count(),
        TransferRequest.objects.count(),
    )
    for obj in (
        world.compound_a,
        world.building_a,
        world.flat_a,
        world.resident_a,
        world.premises_a,
    ):
        before = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
        obj.refresh_from_db()
        assert before == {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


# The building head of building B2 (compound B, beat B).
HEAD_ALLOWED: dict[str, Callable[[Any, Any], Any]] = {
    "flat_create": lambda w, u: services.flat_create(actor=u, building=w.building_b2, room="202"),
    "flat_update": lambda w, u: services.flat_update(
        actor=u, flat=w.flat_b2, status=FlatStatus.RENTED
    ),
    "building_update": lambda w, u: services.building_update(
        actor=u, building=w.building_b2, floors=6
    ),
    "resident_register": lambda w, u: services.resident_register(
        actor=u, flat=w.flat_b2, name="赵六", id_number=make_id()
    ),
    "resident_update": lambda w, u: services.resident_update(
        actor=u, resident=w.resident_b2, occupation="司机"
    ),
    "resident_move_out": lambda w, u: services.resident_move_out(actor=u, resident=w.resident_b2),
    "premises_create": lambda w, u: services.premises_create(
        actor=u, community=w.community_b, building=w.building_b2, name="楼下小卖部"
    ),
}
HEAD_DENIED: dict[str, Callable[[Any, Any], Any]] = {
    "compound_create": lambda w, u: services.compound_create(
        actor=u, community=w.community_b, name="新建小区"
    ),
    "compound_update": lambda w, u: services.compound_update(
        actor=u, compound=w.compound_b, address="x"
    ),
    "building_create": lambda w, u: services.building_create(
        actor=u, compound=w.compound_b, number="3"
    ),
    "building_renumber": lambda w, u: services.building_update(
        actor=u, building=w.building_b2, number="9"
    ),
    "building_update_other": lambda w, u: services.building_update(
        actor=u, building=w.building_b, floors=6
    ),
    "flat_create_other": lambda w, u: services.flat_create(
        actor=u, building=w.building_b, room="202"
    ),
    "flat_update_other": lambda w, u: services.flat_update(actor=u, flat=w.flat_b, notes="x"),
    "resident_register_other": lambda w, u: services.resident_register(
        actor=u, flat=w.flat_b, name="赵六", id_number=make_id()
    ),
    "resident_update_other": lambda w, u: services.resident_update(
        actor=u, resident=w.resident_b, notes="x"
    ),
    "resident_move_to_other": lambda w, u: services.resident_move(
        actor=u, resident=w.resident_b2, flat=w.flat_b
    ),
    "premises_create_community": lambda w, u: services.premises_create(
        actor=u, community=w.community_b, name="店"
    ),
    "premises_update_other": lambda w, u: services.premises_update(
        actor=u, premises=w.premises_b, notes="x"
    ),
}


@pytest.mark.parametrize("op", sorted(HEAD_ALLOWED))
def test_building_head_writes_in_their_building(world: Any, op: str) -> None:
    mark = last_audit_id()
    HEAD_ALLOWED[op](world, world.head)
    assert len(entries_after(mark)) == 1


@pytest.mark.parametrize("op", sorted(HEAD_DENIED))
def test_building_head_cannot_write_structure_or_outside(world: Any, op: str) -> None:
    mark = last_audit_id()
    with pytest.raises(PermissionDenied):
        HEAD_DENIED[op](world, world.head)
    assert entries_after(mark) == []


# --- compounds --------------------------------------------------------------------------


def test_compound_create(world: Any) -> None:
    mark = last_audit_id()
    compound = services.compound_create(
        actor=world.officer_a,
        community=world.community_a,
        name=" 幸福里 ",
        address="幸福路1号",
        property_manager="安居物业",
        property_phone="+86 138-1234-5678",
    )
    compound.refresh_from_db()
    assert (compound.community, compound.name, compound.property_phone) == (
        world.community_a,
        "幸福里",
        "+8613812345678",
    )
    entry = one_entry_after(mark, "compound.create", compound, world.officer_a)
    assert entry.before is None
    assert entry.after == {
        "community": world.community_a.pk,
        "name": "幸福里",
        "address": "幸福路1号",
        "property_manager": "安居物业",
        "property_phone": "+8613812345678",
    }


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "长" * 101}, "name"),
        ({"name": "富贵佳园T"}, "name"),  # exists already
        ({"name": "幸福里", "property_phone": "12345"}, "property_phone"),
    ],
)
def test_compound_create_validation(world: Any, kwargs: dict[str, Any], field: str) -> None:
    mark = last_audit_id()
    with pytest.raises(ValidationError) as exc:
        services.compound_create(actor=world.officer_a, community=world.community_a, **kwargs)
    assert field in error_dict(exc)
    assert entries_after(mark) == []


def test_compound_rename_readdresses_flats(world: Any) -> None:
    flat = services.flat_create(
        actor=world.officer_a, building=world.building_a, room="301", entrance_number="2"
    )
    mark = last_audit_id()
    services.compound_update(
        actor=world.officer_a, compound=world.compound_a, name="富贵新园", address=""
    )
    entry = one_entry_after(mark, "compound.update", world.compound_a, world.officer_a)
    assert entry.before == {"name": "富贵佳园T"}
    assert entry.after == {"name": "富贵新园"}
    flat.refresh_from_db()
    world.flat_a.refresh_from_db()
    assert flat.address == "富贵新园6号楼2单元301"
    assert world.flat_a.address == "富贵新园6号楼1单元101"
    assert world.flat_b.address == Flat.objects.get(pk=world.flat_b.pk).address  # untouched


def test_compound_update_without_change_writes_nothing(world: Any) -> None:
    mark = last_audit_id()
    services.compound_update(
        actor=world.officer_a, compound=world.compound_a, name=" 富贵佳园T ", address=""
    )
    assert entries_after(mark) == []


def test_compound_update_validation(world: Any) -> None:
    other = services.compound_create(
        actor=world.officer_a, community=world.community_a, name="幸福里"
    )
    with pytest.raises(ValidationError) as exc:
        services.compound_update(actor=world.officer_a, compound=other, name="富贵佳园T")
    assert "name" in error_dict(exc)
    with pytest.raises(ValidationError) as exc:
        services.compound_update(actor=world.officer_a, compound=other, community=world.community_b)
    assert "__all__" in error_dict(exc)


# --- buildings --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "number"), [("七号楼", "7"), ("07", "7"), ("7栋", "7"), ("A座", "A座")]
)
def test_building_create(world: Any, raw: str, number: str) -> None:
    mark = last_audit_id()
    building = services.building_create(
        actor=world.officer_a, compound=world.compound_a, number=raw, floors=18
    )
    building.refresh_from_db()
    assert (building.number, building.floors, building.compound) == (number, 18, world.compound_a)
    entry = one_entry_after(mark, "building.create", building, world.officer_a)
    assert entry.after == {
        "compound": world.compound_a.pk,
        "number": number,
        "name": "",
        "floors": 18,
    }


@pytest.mark.parametrize("raw", ["6", "六号楼", "06", "6.0", "", "  "])
def test_building_create_validation(world: Any, raw: str) -> None:
    with pytest.raises(ValidationError) as exc:
        services.building_create(actor=world.officer_a, compound=world.compound_a, number=raw)
    assert list(error_dict(exc)) == ["number"]


def test_building_renumber_readdresses_flats(world: Any) -> None:
    mark = last_audit_id()
    services.building_update(
        actor=world.officer_a, building=world.building_a, number="十六号楼", floors=None
    )
    entry = one_entry_after(mark, "building.update", world.building_a, world.officer_a)
    assert (entry.before, entry.after) == ({"number": "6"}, {"number": "16"})
    world.building_a.refresh_from_db()
    assert world.building_a.sort_key == 16
    assert set(
        Flat.objects.filter(building=world.building_a).values_list("address", flat=True)
    ) == {"富贵佳园T16号楼1单元101", "富贵佳园T16号楼1单元102"}


def test_building_update_diff_and_noop(world: Any) -> None:
    mark = last_audit_id()
    services.building_update(actor=world.head, building=world.building_b2, name=" 南楼 ", floors=6)
    entry = one_entry_after(mark, "building.update", world.building_b2, world.head)
    assert entry.before == {"name": "", "floors": None}
    assert entry.after == {"name": "南楼", "floors": 6}
    mark = last_audit_id()
    services.building_update(actor=world.head, building=world.building_b2, name="南楼", floors=6)
    assert entries_after(mark) == []


def test_building_renumber_to_existing_number(world: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        services.building_update(actor=world.officer_b, building=world.building_b2, number="1号楼")
    assert list(error_dict(exc)) == ["number"]


# --- flats ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entrance", "room", "address", "floor"),
    [
        ("2单元", "301室", "富贵佳园T6号楼2单元301", 3),
        ("二单元", "1201", "富贵佳园T6号楼2单元1201", 12),
        (None, "301", "富贵佳园T6号楼301", 3),
        ("", "301室", "富贵佳园T6号楼301", 3),
        ("1", "A01", "富贵佳园T6号楼1单元A01", None),
    ],
)
def test_flat_create(
    world: Any, entrance: str | None, room: str, address: str, floor: int | None
) -> None:
    mark = last_audit_id()
    flat = services.flat_create(
        actor=world.officer_a,
        building=world.building_a,
        room=room,
        entrance_number=entrance,
        status=FlatStatus.OCCUPIED,
        area_m2=Decimal("89.50"),
    )
    flat.refresh_from_db()
    assert (flat.address, flat.floor, flat.area_m2) == (address, floor, Decimal("89.50"))
    if entrance:
        assert flat.entrance is not None and flat.entrance.building == world.building_a
    else:
        assert flat.entrance is None
    entry = one_entry_after(mark, "flat.create", flat, world.officer_a)
    assert entry.after == {
        "building": world.building_a.pk,
        "entrance": flat.entrance_id,
        "room": flat.room,
        "floor": floor,
        "status": "occupied",
        "area_m2": "89.50",
        "notes": "",
    }


def test_flat_create_reuses_entrance(world: Any) -> None:
    flat = services.flat_create(
        actor=world.officer_a, building=world.building_a, room="201", entrance_number="一单元"
    )
    assert flat.entrance == world.entrance_a
    assert Entrance.objects.filter(building=world.building_a).count() == 1


def test_flat_create_explicit_floor(world: Any) -> None:
    flat = services.flat_create(
        actor=world.officer_a, building=world.building_a, room="A01", floor=1
    )
    assert flat.floor == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"room": "101", "entrance_number": "1单元"}, "room"),  # 富贵佳园T6号楼1单元101 exists
        ({"room": "101室", "entrance_number": "1"}, "room"),
        ({"room": ""}, "room"),
        ({"room": "301", "status": "burnt"}, "status"),
    ],
)
def test_flat_create_validation(world: Any, kwargs: dict[str, Any], field: str) -> None:
    before = Flat.objects.count(), Entrance.objects.count()
    mark = last_audit_id()
    with pytest.raises(ValidationError) as exc:
        services.flat_create(actor=world.officer_a, building=world.building_a, **kwargs)
    assert list(error_dict(exc)) == [field]
    assert (Flat.objects.count(), Entrance.objects.count()) == before
    assert entries_after(mark) == []


@pytest.mark.parametrize("area", ["abc", Decimal("-1"), Decimal("100000"), Decimal("NaN"), 1e9])
def test_flat_area_validation(world: Any, area: Any) -> None:
    mark = last_audit_id()
    with pytest.raises(ValidationError) as exc:
        services.flat_create(
            actor=world.officer_a, building=world.building_a, room="301", area_m2=area
        )
    assert list(error_dict(exc)) == ["area_m2"]
    with pytest.raises(ValidationError) as exc:
        services.flat_update(actor=world.officer_a, flat=world.flat_a, area_m2=area)
    assert list(error_dict(exc)) == ["area_m2"]
    assert entries_after(mark) == []


@pytest.mark.parametrize(
    ("area", "stored"),
    [
        ("89.5", Decimal("89.50")),
        (90, Decimal("90.00")),
        (Decimal("75.456"), Decimal("75.46")),
        ("", None),
        (None, None),
    ],
)
def test_flat_area_accepted(world: Any, area: Any, stored: Decimal | None) -> None:
    flat = services.flat_create(
        actor=world.officer_a, building=world.building_a, room="301", area_m2=area
    )
    flat.refresh_from_db()
    assert flat.area_m2 == stored


def test_flat_update_room_readdresses(world: Any) -> None:
    mark = last_audit_id()
    services.flat_update(
        actor=world.officer_a, flat=world.flat_a, room="1101室", status=FlatStatus.RENTED
    )
    entry = one_entry_after(mark, "flat.update", world.flat_a, world.officer_a)
    assert entry.before == {"room": "101", "floor": 1, "status": "occupied"}
    assert entry.after == {"room": "1101", "floor": 11, "status": "rented"}
    world.flat_a.refresh_from_db()
    assert world.flat_a.address == "富贵佳园T6号楼1单元1101"


def test_flat_update_noop_and_same_decimal(world: Any) -> None:
    services.flat_update(actor=world.officer_a, flat=world.flat_a, area_m2=Decimal("80.00"))
    flat = Flat.objects.get(pk=world.flat_a.pk)
    mark = last_audit_id()
    services.flat_update(
        actor=world.officer_a,
        flat=flat,
        room="101室",
        status="occupied",
        notes=" ",
        area_m2=Decimal("80"),
    )
    assert entries_after(mark) == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"room": "102"}, "room"),
        ({"room": " "}, "room"),
        ({"status": "x"}, "status"),
        ({"address": "x"}, "__all__"),
    ],
)
def test_flat_update_validation(world: Any, changes: dict[str, Any], field: str) -> None:
    mark = last_audit_id()
    with pytest.raises(ValidationError) as exc:
        services.flat_update(actor=world.officer_a, flat=world.flat_a, **changes)
    assert list(error_dict(exc)) == [field]
    assert entries_after(mark) == []
    assert Flat.objects.get(pk=world.flat_a.pk).address == "富贵佳园T6号楼1单元101"


# --- residents: registering ----------------------------------------------------------------


def test_resident_register(world: Any) -> None:
    number = make_id_ending_in_x(birth="19850312")
    mark = last_audit_id()
    resident = services.resident_register(
        actor=world.officer_a,
        flat=world.flat_a_vacant,
        name=" 赵六 ",
        id_number=number.lower(),
        phones=["+86 138-1234-5678", "010-88886666", "13812345678"],
        relation=Relation.TENANT,
        population_type=PopulationType.FLOATING,
        is_head=True,
        occupation="快递员",
        moved_in_on=dt.date(2024, 3, 1),
    )
    resident.refresh_from_db()
    assert resident.name == "赵六"
    assert resident.id_number == number and number.endswith("X")
    assert resident.document_type == DocumentType.ID_CARD
    assert resident.birth_date == dt.date(1985, 3, 12)
    assert resident.sex == ("M" if int(number[16]) % 2 else "F")
    assert resident.phones == ["+8613812345678", "+861088886666"]
    assert resident.phones_text == "+8613812345678 +861088886666"
    assert resident.flat == world.flat_a_vacant and resident.is_head
    residence = Residence.objects.get(resident=resident)
    assert (
        residence.flat,
        residence.relation,
        residence.is_head,
        residence.moved_in_on,
        residence.moved_out_on,
    ) == (world.flat_a_vacant, "tenant", True, dt.date(2024, 3, 1), None)
    entry = one_entry_after(mark, "resident.create", resident, world.officer_a)
    assert entry.before is None
    assert entry.after == {
        "flat": world.flat_a_vacant.pk,
        "name": "赵六",
        "document_type": "id_card",
        "id_number": number,
        "passport_country": "",
        "sex": resident.sex,
        "birth_date": "1985-03-12",
        "phones": ["+8613812345678", "+861088886666"],
        "population_type": "floating",
        "relation": "tenant",
        "is_head": True,
        "ethnicity": "",
        "occupation": "快递员",
        "notes": "",
        "moved_in_on": "2024-03-01",
        "moved_out_on": None,
    }


ID_CASES = [
    # (label, typed, document_type given, stored number, stored type, birth date, sex)
    (
        "18 digits",
        make_id(seq="123"),
        "id_card",
        make_id(seq="123"),
        "id_card",
        dt.date(1985, 3, 12),
        "M",
    ),
    (
        "female",
        make_id(seq="124"),
        "id_card",
        make_id(seq="124"),
        "id_card",
        dt.date(1985, 3, 12),
        "F",
    ),
    (
        "lower-case x",
        make_id_ending_in_x().lower(),
        "id_card",
        make_id_ending_in_x(),
        "id_card",
        dt.date(1985, 3, 12),
        None,
    ),
    (
        "full-width",
        full_width(make_id(seq="123")),
        "id_card",
        make_id(seq="123"),
        "id_card",
        dt.date(1985, 3, 12),
        "M",
    ),
    (
        "spaces",
        "110105 19850312 " + make_id(seq="123")[-4:],
        "id_card",
        make_id(seq="123"),
        "id_card",
        dt.date(1985, 3, 12),
        "M",
    ),
    (
        "15 digits",
        "110105850312123",
        "id_card",
        make_id(seq="123"),
        "id_card",
        dt.date(1985, 3, 12),
        "M",
    ),
    (
        "Hong Kong permit",
        make_id("810000", "19900101", "001"),
        "id_card",
        make_id("810000", "19900101", "001"),
        "residence_permit",
        dt.date(1990, 1, 1),
        "M",
    ),
    (
        "Macao permit",
        make_id("820000", "19910202", "002"),
        "residence_permit",
        make_id("820000", "19910202", "002"),
        "residence_permit",
        dt.date(1991, 2, 2),
        "F",
    ),
    (
        "Taiwan permit",
        make_id("830000", "19920303", "003"),
        "residence_permit",
        make_id("830000", "19920303", "003"),
        "residence_permit",
        dt.date(1992, 3, 3),
        "M",
    ),
    (
        "foreigner",
        make_id("911156", "19800505", "004"),
        "foreigner_pr",
        make_id("911156", "19800505", "004"),
        "foreigner_pr",
        dt.date(1980, 5, 5),
        "F",
    ),
]


@pytest.mark.parametrize(
    ("typed", "given_type", "number", "doc_type", "birth", "sex"),
    [case[1:] for case in ID_CASES],
    ids=[case[0] for case in ID_CASES],
)
def test_register_id_numbers(
    world: Any,
    typed: str,
    given_type: str,
    number: str,
    doc_type: str,
    birth: dt.date,
    sex: str | None,
) -> None:
    resident = register(world, id_number=typed, document_type=given_type)
    resident.refresh_from_db()
    assert (resident.id_number, resident.document_type, resident.passport_country) == (
        number,
        doc_type,
        "",
    )
    assert resident.birth_date == birth
    assert resident.sex == (sex or ("M" if int(number[16]) % 2 else "F"))


def test_register_passport(world: Any) -> None:
    mark = last_audit_id()
    resident = register(
        world,
        id_number="m1234 5678",
        document_type=DocumentType.PASSPORT,
        passport_country="kor",
        sex="F",
        birth_date=dt.date(1990, 7, 1),
        population_type=PopulationType.FOREIGN,
    )
    resident.refresh_from_db()
    assert (resident.document_type, resident.id_number, resident.passport_country) == (
        "passport",
        "M12345678",
        "KOR",
    )
    assert (resident.sex, resident.birth_date) == ("F", dt.date(1990, 7, 1))
    entry = one_entry_after(mark, "resident.create", resident, world.officer_a)
    assert entry.after["passport_country"] == "KOR"
    # the same passport number from another country is another person
    other = register(
        world,
        name="Kim",
        id_number="M12345678",
        document_type=DocumentType.PASSPORT,
        passport_country="PRK",
        flat=world.flat_a,
    )
    assert other.pk != resident.pk
    # the same passport again is a duplicate
    with pytest.raises(ValidationError) as exc:
        register(
            world,
            id_number="M1234-5678".replace("-", ""),
            document_type=DocumentType.PASSPORT,
            passport_country="KOR",
            flat=world.flat_a,
        )
    assert codes(exc, "id_number") == ["duplicate"]


@pytest.mark.parametrize(
    ("kwargs", "fields"),
    [
        ({"name": ""}, {"name"}),
        ({"name": "长" * 65}, {"name"}),
        ({"id_number": ""}, {"id_number"}),
        ({"id_number": "11010519850312123"}, {"id_number"}),  # 17 digits
        (
            {"id_number": make_id()[:-1] + ("0" if make_id()[-1] != "0" else "1")},
            {"id_number"},
        ),  # checksum
        ({"id_number": "110105198502301235"}, {"id_number"}),  # 30 February
        ({"id_number": make_id(birth="20990101")}, {"id_number"}),  # future
        ({"id_number": make_id(region="990105")}, {"id_number"}),  # region
        ({"phones": "12345"}, {"phones"}),
        ({"phones": ["13812345678", "88886666"]}, {"phones"}),  # landline without area code
        ({"phones": "abc"}, {"phones"}),
        ({"relation": "cousin"}, {"relation"}),
        ({"population_type": "tourist"}, {"population_type"}),
        ({"document_type": "driving_licence"}, {"document_type"}),
        ({"document_type": "passport", "id_number": "12"}, {"id_number", "passport_country"}),
        (
            {"document_type": "passport", "id_number": "M12345678", "passport_country": "Korea"},
            {"passport_country"},
        ),
        (
            {
                "document_type": "passport",
                "id_number": "M12345678",
                "passport_country": "KOR",
                "sex": "X",
            },
            {"sex"},
        ),
        ({"name": "", "id_number": "1", "phones": "1"}, {"name", "id_number", "phones"}),
    ],
)
def test_register_validation(world: Any, kwargs: dict[str, Any], fields: set[str]) -> None:
    before = Resident.objects.count(), Residence.objects.count()
    mark = last_audit_id()
    with pytest.raises(ValidationError) as exc:
        register(world, **kwargs)
    assert set(error_dict(exc)) == fields
    for messages in exc.value.message_dict.values():
        assert all(messages)
    assert (Resident.objects.count(), Residence.objects.count()) == before
    assert entries_after(mark) == []


@pytest.mark.parametrize(
    ("bad", "code"),
    [
        ("11010519850312123", "id_length"),
        ("11010519850312123A", "id_characters"),
        ("110105198502301235", "id_birth_date"),
    ],
)
def test_register_id_error_codes(world: Any, bad: str, code: str) -> None:
    with pytest.raises(ValidationError) as exc:
        register(world, id_number=bad)
    assert codes(exc, "id_number") == [code]


def test_register_id_checksum_code(world: Any) -> None:
    good = make_id()
    bad = good[:-1] + ("1" if good[-1] != "1" else "2")
    with pytest.raises(ValidationError) as exc:
        register(world, id_number=bad)
    assert codes(exc, "id_number") == ["id_checksum"]


@pytest.mark.parametrize(
    ("phone", "e164"),
    [
        ("+86 138-1234-5678", "+8613812345678"),
        ("138 1234 5678", "+8613812345678"),
        ("(010) 8888-6666", "+861088886666"),
        ("010-88886666", "+861088886666"),
        ("１３８１２３４５６７８", "+8613812345678"),
        ("+852 2123 4567", "+85221234567"),
    ],
)
def test_register_phones_e164(world: Any, phone: str, e164: str) -> None:
    assert register(world, phones=phone).phones == [e164]


def test_register_several_phones_in_one_string(world: Any) -> None:
    resident = register(world, phones="13812345678，010-88886666、13812345678")
    assert resident.phones == ["+8613812345678", "+861088886666"]


def test_register_without_phones(world: Any) -> None:
    assert register(world, phones=None).phones == []
    assert register(world, id_number=make_id(seq="125"), phones="").phones == []


# --- residents: duplicates -------------------------------------------------------------------


def test_duplicate_in_scope(world: Any) -> None:
    mark = last_audit_id()
    with pytest.raises(ValidationError) as exc:
        register(world, id_number=world.resident_a.id_number)
    [error] = error_dict(exc)["id_number"]
    assert error.code == "duplicate"
    assert error.params is not None
    assert error.params["resident_id"] == world.resident_a.pk
    assert error.params["url"] == reverse("registry:resident-detail", args=[world.resident_a.pk])
    assert entries_after(mark) == []
    assert Resident.objects.filter(id_number=world.resident_a.id_number).count() == 1


def test_duplicate_out_of_scope_says_nothing_about_the_person(world: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        register(world, id_number=world.resident_b.id_number)
    [error] = error_dict(exc)["id_number"]
    assert error.code == "registered_elsewhere"
    text = " ".join(exc.value.messages) + " " + repr(error.params)
    for secret in (
        world.resident_b.name,
        world.flat_b.address,
        world.compound_b.name,
        world.beat_b.name,
        str(world.resident_b.pk),
    ):
        assert secret not in text


def test_duplicate_for_building_head_outside_their_building(world: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        register(world, actor=world.head, flat=world.flat_b2, id_number=world.resident_b.id_number)
    assert codes(exc, "id_number") == ["registered_elsewhere"]
    with pytest.raises(ValidationError) as exc:
        register(world, actor=world.head, flat=world.flat_b2, id_number=world.resident_b2.id_number)
    assert codes(exc, "id_number") == ["duplicate"]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("110105850312123", make_id(seq="123")),  # 15 then 18 digits
        (make_id(seq="123"), "110105850312123"),  # 18 then 15 digits
        (make_id_ending_in_x(), make_id_ending_in_x().lower()),  # X then x
        (make_id_ending_in_x().lower(), make_id_ending_in_x()),
        (make_id(seq="123"), full_width(make_id(seq="123"))),
        (make_id("810000", "19900101", "001"), make_id("810000", "19900101", "001")),
    ],
)
def test_same_document_after_normalisation_is_a_duplicate(
    world: Any, first: str, second: str
) -> None:
    register(world, id_number=first)
    with pytest.raises(ValidationError) as exc:
        register(world, name="另一人", id_number=second, flat=world.flat_a)
    assert codes(exc, "id_number") == ["duplicate"]


def test_moved_out_person_is_still_a_duplicate(world: Any) -> None:
    services.resident_move_out(actor=world.officer_a, resident=world.resident_a)
    with pytest.raises(ValidationError) as exc:
        register(world, id_number=world.resident_a.id_number)
    assert codes(exc, "id_number") == ["duplicate"]


def test_second_head_of_household_rejected(world: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        register(world, flat=world.flat_a, is_head=True)
    assert list(error_dict(exc)) == ["is_head"]
    # not a head: fine
    register(world, flat=world.flat_a, is_head=False)
    with pytest.raises(ValidationError) as exc:
        services.resident_update(
            actor=world.officer_a, resident=Resident.objects.get(name="赵六"), is_head=True
        )
    assert list(error_dict(exc)) == ["is_head"]


# --- residents: updating -------------------------------------------------------------------


def test_resident_update_diff(world: Any) -> None:
    resident = Resident.objects.get(pk=world.resident_a.pk)
    old_phones = list(resident.phones)
    mark = last_audit_id()
    services.resident_update(
        actor=world.officer_a,
        resident=resident,
        name="张三",
        phones=["+86 138-1234-5678"],
        occupation=" 教师 ",
    )
    entry = one_entry_after(mark, "resident.update", resident, world.officer_a)
    assert entry.before == {"phones": old_phones, "occupation": ""}
    assert entry.after == {"phones": ["+8613812345678"], "occupation": "教师"}
    resident.refresh_from_db()
    assert resident.phones_text == "+8613812345678"


def test_resident_update_relation_follows_into_current_residence(world: Any) -> None:
    resident = register(world, flat=world.flat_a, relation=Relation.TENANT)
    services.resident_move(actor=world.officer_a, resident=resident, flat=world.flat_a_vacant)
    services.resident_update(
        actor=world.officer_a, resident=resident, relation=Relation.OWNER, is_head=True
    )
    old, new = Residence.objects.filter(resident=resident).order_by("id")
    assert (old.relation, old.is_head) == ("tenant", False)
    assert (new.relation, new.is_head) == ("owner", True)


def test_resident_update_noop(world: Any) -> None:
    resident = register(world, phones="13812345678", occupation="教师")
    mark = last_audit_id()
    services.resident_update(
        actor=world.officer_a,
        resident=resident,
        name=" 赵六 ",
        phones="138-1234-5678",
        occupation="教师",
        id_number=resident.id_number.lower(),
    )
    assert entries_after(mark) == []


def test_resident_update_id_number_rederives_birth_and_sex(world: Any) -> None:
    resident = register(world, id_number=make_id(birth="19850312", seq="123"))
    mark = last_audit_id()
    services.resident_update(actor=world.officer_a, resident=resident, id_number="110105900101124")
    entry = one_entry_after(mark, "resident.update", resident, world.officer_a)
    new_number = make_id(birth="19900101", seq="124")
    assert entry.after == {"id_number": new_number, "sex": "F", "birth_date": "1990-01-01"}
    assert entry.before == {
        "id_number": make_id(birth="19850312", seq="123"),
        "sex": "M",
        "birth_date": "1985-03-12",
    }


def test_resident_update_to_someone_elses_number(world: Any) -> None:
    resident = register(world)
    with pytest.raises(ValidationError) as exc:
        services.resident_update(
            actor=world.officer_a, resident=resident, id_number=world.resident_a.id_number
        )
    assert codes(exc, "id_number") == ["duplicate"]
    with pytest.raises(ValidationError) as exc:
        services.resident_update(
            actor=world.officer_a, resident=resident, id_number=world.resident_b.id_number
        )
    assert codes(exc, "id_number") == ["registered_elsewhere"]
    assert Resident.objects.get(pk=resident.pk).id_number == make_id()


def test_resident_update_passport_details(world: Any) -> None:
    resident = register(
        world, id_number="M12345678", document_type="passport", passport_country="KOR", sex="M"
    )
    mark = last_audit_id()
    services.resident_update(
        actor=world.officer_a, resident=resident, sex="F", birth_date=dt.date(1990, 1, 1)
    )
    entry = one_entry_after(mark, "resident.update", resident, world.officer_a)
    assert entry.after == {"sex": "F", "birth_date": "1990-01-01"}


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"name": ""}, {"name"}),
        ({"phones": "x"}, {"phones"}),
        ({"id_number": "123"}, {"id_number"}),
        ({"relation": "x", "population_type": "y"}, {"relation", "population_type"}),
        ({"flat": 1}, {"__all__"}),
        ({"moved_out_on": dt.date(2024, 1, 1)}, {"__all__"}),
    ],
)
def test_resident_update_validation(world: Any, changes: dict[str, Any], fields: set[str]) -> None:
    mark = last_audit_id()
    with pytest.raises(ValidationError) as exc:
        services.resident_update(actor=world.officer_a, resident=world.resident_a, **changes)
    assert set(error_dict(exc)) == fields
    assert entries_after(mark) == []


# --- residents: moving out and moving ----------------------------------------------------------


def test_move_out_keeps_the_record(world: Any) -> None:
    resident = register(world, is_head=True, moved_in_on=dt.date(2020, 1, 1))
    mark = last_audit_id()
    services.resident_move_out(
        actor=world.officer_a, resident=resident, on=dt.date(2024, 5, 1), reason="回老家"
    )
    entry = one_entry_after(mark, "resident.move_out", resident, world.officer_a)
    assert entry.before == {"moved_out_on": None, "is_head": True}
    assert entry.after == {"moved_out_on": "2024-05-01", "is_head": False}
    assert entry.extra == {"reason": "回老家"}
    resident.refresh_from_db()
    assert resident.moved_out_on == dt.date(2024, 5, 1)
    assert resident.flat == world.flat_a_vacant
    [residence] = Residence.objects.filter(resident=resident)
    assert (residence.moved_out_on, residence.reason) == (dt.date(2024, 5, 1), "回老家")
    assert resident in resident_list(user=world.officer_a, include_moved_out=True)
    assert resident in resident_list(user=world.officer_a, moved_out=True)
    assert resident not in resident_list(user=world.officer_a, include_moved_out=False)
    assert resident in resident_list(user=world.officer_a, search=resident.id_number)
    # the flat can have a new head now
    register(world, name="新户主", id_number=make_id(seq="125"), is_head=True)
    with pytest.raises(ValidationError) as exc:
        services.resident_move_out(actor=world.officer_a, resident=resident)
    assert list(error_dict(exc)) == ["moved_out_on"]


def test_move_out_from_a_stale_copy_is_refused(world: Any) -> None:
    tab_1, tab_2 = (
        Resident.objects.get(pk=world.resident_a.pk),
        Resident.objects.get(pk=world.resident_a.pk),
    )
    services.resident_move_out(actor=world.officer_a, resident=tab_1, on=dt.date(2024, 5, 1))
    mark = last_audit_id()
    with pytest.raises(ValidationError) as exc:
        services.resident_move_out(actor=world.officer_a, resident=tab_2, on=dt.date(2024, 6, 1))
    assert list(error_dict(exc)) == ["moved_out_on"]
    assert entries_after(mark) == []
    assert Resident.objects.get(pk=world.resident_a.pk).moved_out_on == dt.date(2024, 5, 1)


def test_move_out_defaults_to_today(world: Any) -> None:
    from django.utils import timezone

    services.resident_move_out(actor=world.officer_a, resident=world.resident_a)
    world.resident_a.refresh_from_db()
    assert world.resident_a.moved_out_on == timezone.localdate()


def test_resident_move_keeps_history(world: Any) -> None:
    resident = register(world, flat=world.flat_a, relation=Relation.OWNER_FAMILY)
    mark = last_audit_id()
    services.resident_move(
        actor=world.officer_a,
        resident=resident,
        flat=world.flat_a_vacant,
        relation=Relation.OWNER,
        is_head=True,
    )
    entry = one_entry_after(mark, "resident.move", resident, world.officer_a)
    assert entry.before == {"flat": world.flat_a.pk, "address": world.flat_a.address}
    assert entry.after == {
        "flat": world.flat_a_vacant.pk,
        "address": world.flat_a_vacant.address,
        "relation": "owner",
        "is_head": True,
    }
    resident.refresh_from_db()
    assert (resident.flat, resident.relation, resident.is_head, resident.moved_out_on) == (
        world.flat_a_vacant,
        "owner",
        True,
        None,
    )
    old, new = Residence.objects.filter(resident=resident).order_by("id")
    assert (old.flat, old.relation) == (world.flat_a, "owner_family")
    assert old.moved_out_on is not None
    assert (new.flat, new.relation, new.is_head, new.moved_out_on) == (
        world.flat_a_vacant,
        "owner",
        True,
        None,
    )


def test_resident_move_validation(world: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        services.resident_move(
            actor=world.officer_a,
            resident=world.resident_a,
            flat=world.flat_a_vacant,
            relation="cousin",
        )
    assert list(error_dict(exc)) == ["relation"]
    other = register(world)
    with pytest.raises(ValidationError) as exc:  # flat_a_vacant has a head now
        services.resident_move(
            actor=world.officer_a, resident=other, flat=world.flat_a, is_head=True
        )
    assert list(error_dict(exc)) == ["is_head"]
    other.refresh_from_db()
    assert other.flat == world.flat_a_vacant
    assert Residence.objects.get(resident=other).moved_out_on is None


def test_resident_move_to_another_beat_is_denied(world: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.resident_move(actor=world.officer_a, resident=world.resident_a, flat=world.flat_b)
    with pytest.raises(PermissionDenied):
        services.resident_move(
            actor=world.officer_a, resident=world.resident_b, flat=world.flat_a_vacant
        )


# --- transfers --------------------------------------------------------------------------------


@pytest.fixture
def registered_in_b(world: Any) -> Resident:
    """A person registered through the service in beat B (so with a Residence row)."""
    return register(
        world,
        actor=world.officer_b,
        flat=world.flat_b,
        name="钱七",
        id_number=make_id(seq="321"),
        relation=Relation.TENANT,
    )


def test_transfer_request_create(world: Any, registered_in_b: Resident) -> None:
    mark = last_audit_id()
    req = services.transfer_request_create(
        actor=world.officer_a,
        to_flat=world.flat_a_vacant,
        id_number="110105850312321",
        relation=Relation.TENANT,
        reason=" 租住本小区 ",
    )
    entry = one_entry_after(mark, "transfer.request", req, world.officer_a)
    assert entry.after == {
        "resident": registered_in_b.pk,
        "to_flat": world.flat_a_vacant.pk,
        "reason": "租住本小区",
    }
    req.refresh_from_db()
    assert (req.resident, req.to_flat, req.requested_by, req.status, req.reason) == (
        registered_in_b,
        world.flat_a_vacant,
        world.officer_a,
        TransferStatus.PENDING,
        "租住本小区",
    )
    registered_in_b.refresh_from_db()
    assert registered_in_b.flat == world.flat_b  # nothing moves before the chief decides
    with pytest.raises(ValidationError) as exc:  # one pending request per person
        services.transfer_request_create(
            actor=world.officer_a,
            to_flat=world.flat_a,
            id_number=registered_in_b.id_number,
            reason="again",
        )
    assert list(error_dict(exc)) == ["id_number"]


def test_building_head_may_request_someone_from_their_own_beat(world: Any) -> None:
    req = services.transfer_request_create(
        actor=world.head,
        to_flat=world.flat_b2,
        id_number=world.resident_b.id_number,
        reason="搬到2号楼",
    )
    assert req.resident == world.resident_b


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"id_number": "__resident_a__"}, "id_number"),  # already in scope: move them directly
        ({"id_number": make_id(seq="999")}, "id_number"),  # nobody has it: register instead
        ({"id_number": "123"}, "id_number"),
        ({"reason": "  "}, "reason"),
        ({"relation": "cousin"}, "relation"),
    ],
)
def test_transfer_request_validation(world: Any, kwargs: dict[str, Any], field: str) -> None:
    args: dict[str, Any] = {"id_number": world.resident_b.id_number, "reason": "搬来"} | kwargs
    if args["id_number"] == "__resident_a__":
        args["id_number"] = world.resident_a.id_number
    mark = last_audit_id()
    with pytest.raises(ValidationError) as exc:
        services.transfer_request_create(actor=world.officer_a, to_flat=world.flat_a_vacant, **args)
    assert list(error_dict(exc)) == [field]
    assert not TransferRequest.objects.exists()
    assert entries_after(mark) == []


def test_transfer_approved_moves_the_person(world: Any, registered_in_b: Resident) -> None:
    req = services.transfer_request_create(
        actor=world.officer_a,
        to_flat=world.flat_a_vacant,
        id_number=registered_in_b.id_number,
        relation=Relation.OWNER,
        reason="买了房",
    )
    mark = last_audit_id()
    services.transfer_request_decide(actor=world.chief, request=req, approve=True, note=" 同意 ")
    entries = entries_after(mark)
    assert [e.action for e in entries] == ["resident.transfer", "transfer.decide"]
    moved, decided = entries
    assert (moved.object_id, moved.actor_id) == (str(registered_in_b.pk), world.chief.pk)
    assert moved.before == {"flat": world.flat_b.pk, "address": world.flat_b.address}
    assert moved.after == {"flat": world.flat_a_vacant.pk, "address": world.flat_a_vacant.address}
    assert moved.extra == {"transfer_request": req.pk}
    assert (decided.object_id, decided.after) == (
        str(req.pk),
        {"status": "approved", "note": "同意"},
    )
    req.refresh_from_db()
    assert (req.status, req.decided_by, req.decision_note) == (
        TransferStatus.APPROVED,
        world.chief,
        "同意",
    )
    assert req.decided_at is not None
    registered_in_b.refresh_from_db()
    assert (registered_in_b.flat, registered_in_b.relation, registered_in_b.moved_out_on) == (
        world.flat_a_vacant,
        "owner",
        None,
    )
    old, new = Residence.objects.filter(resident=registered_in_b).order_by("id")
    assert (old.flat, old.relation) == (world.flat_b, "tenant")
    assert old.moved_out_on is not None
    assert (new.flat, new.relation, new.moved_out_on) == (world.flat_a_vacant, "owner", None)
    # now officer A sees the person and officer B no longer does
    assert registered_in_b in resident_list(user=world.officer_a)
    assert registered_in_b not in resident_list(user=world.officer_b)
    with pytest.raises(ValidationError) as exc:  # decided once only
        services.transfer_request_decide(actor=world.chief, request=req, approve=False)
    assert list(error_dict(exc)) == ["status"]


def test_transfer_rejected_leaves_the_person(world: Any, registered_in_b: Resident) -> None:
    req = services.transfer_request_create(
        actor=world.officer_a,
        to_flat=world.flat_a_vacant,
        id_number=registered_in_b.id_number,
        reason="搬来",
    )
    mark = last_audit_id()
    services.transfer_request_decide(actor=world.chief, request=req, approve=False, note="材料不全")
    entry = one_entry_after(mark, "transfer.decide", req, world.chief)
    assert entry.after == {"status": "rejected", "note": "材料不全"}
    registered_in_b.refresh_from_db()
    assert registered_in_b.flat == world.flat_b
    assert Residence.objects.filter(resident=registered_in_b).count() == 1
    # a new request can be made after a rejection
    services.transfer_request_create(
        actor=world.officer_a,
        to_flat=world.flat_a_vacant,
        id_number=registered_in_b.id_number,
        reason="补齐材料",
    )


def test_transfer_decided_from_a_stale_copy_is_refused(
    world: Any, registered_in_b: Resident
) -> None:
    """Two chiefs (or two tabs) on the same request: the second decision is refused."""
    req = services.transfer_request_create(
        actor=world.officer_a,
        to_flat=world.flat_a_vacant,
        id_number=registered_in_b.id_number,
        reason="搬来",
    )
    tab_1, tab_2 = TransferRequest.objects.get(pk=req.pk), TransferRequest.objects.get(pk=req.pk)
    services.transfer_request_decide(actor=world.chief, request=tab_1, approve=True)
    mark = last_audit_id()
    with pytest.raises(ValidationError) as exc:
        services.transfer_request_decide(actor=world.chief, request=tab_2, approve=False, note="no")
    assert list(error_dict(exc)) == ["status"]
    assert entries_after(mark) == []
    req.refresh_from_db()
    assert (req.status, req.decision_note) == (TransferStatus.APPROVED, "")
    assert Residence.objects.filter(resident=registered_in_b).count() == 2


def test_transfer_approval_uses_the_current_record(world: Any, registered_in_b: Resident) -> None:
    """The person moved inside beat B after the request was made: history stays linear."""
    req = services.transfer_request_create(
        actor=world.officer_a,
        to_flat=world.flat_a_vacant,
        id_number=registered_in_b.id_number,
        reason="搬来",
    )
    req = TransferRequest.objects.select_related("resident").get(pk=req.pk)  # caches the resident
    services.resident_move(
        actor=world.officer_b,
        resident=Resident.objects.get(pk=registered_in_b.pk),
        flat=world.flat_b2,
    )
    mark = last_audit_id()
    services.transfer_request_decide(actor=world.chief, request=req, approve=True)
    moved = entries_after(mark)[0]
    assert moved.before == {"flat": world.flat_b2.pk, "address": world.flat_b2.address}
    flats = list(
        Residence.objects.filter(resident=registered_in_b)
        .order_by("id")
        .values_list("flat", flat=True)
    )
    assert flats == [world.flat_b.pk, world.flat_b2.pk, world.flat_a_vacant.pk]
    assert (
        Residence.objects.filter(resident=registered_in_b, moved_out_on__isnull=True).count() == 1
    )


@pytest.mark.parametrize(
    "who", ["officer_a", "officer_b", "head", "worker_a", "sysadmin", "auditor"]
)
def test_only_the_chief_decides(world: Any, who: str) -> None:
    req = services.transfer_request_create(
        actor=world.officer_a,
        to_flat=world.flat_a_vacant,
        id_number=world.resident_b.id_number,
        reason="搬来",
    )
    mark = last_audit_id()
    with pytest.raises(PermissionDenied):
        services.transfer_request_decide(actor=world.users()[who], request=req, approve=True)
    req.refresh_from_db()
    assert req.status == TransferStatus.PENDING
    assert entries_after(mark) == []
    world.resident_b.refresh_from_db()
    assert world.resident_b.flat == world.flat_b


def test_chief_of_another_station_cannot_decide(world: Any) -> None:
    from beatbook.accounts.models import Role
    from beatbook.accounts.tests.factories import UserFactory
    from beatbook.registry.tests import factories as f

    other_chief = UserFactory(
        username="t-chief-2", role=Role.CHIEF, station=f.StationFactory(name="另一派出所")
    )
    req = services.transfer_request_create(
        actor=world.officer_a,
        to_flat=world.flat_a_vacant,
        id_number=world.resident_b.id_number,
        reason="搬来",
    )
    with pytest.raises(PermissionDenied):
        services.transfer_request_decide(actor=other_chief, request=req, approve=True)


# --- premises ------------------------------------------------------------------------------------


def test_premises_create(world: Any) -> None:
    mark = last_audit_id()
    premises = services.premises_create(
        actor=world.officer_a,
        community=world.community_a,
        compound=world.compound_a,
        name=" 富贵药店 ",
        kind=PremisesKind.HOSPITAL,
        contact_name="孙八",
        contact_phone="010-88886666",
        licence_number=" L1 ",
    )
    premises.refresh_from_db()
    assert (premises.name, premises.contact_phone, premises.licence_number) == (
        "富贵药店",
        "+861088886666",
        "L1",
    )
    entry = one_entry_after(mark, "premises.create", premises, world.officer_a)
    assert entry.after == {
        "community": world.community_a.pk,
        "name": "富贵药店",
        "kind": "hospital",
        "address": "",
        "contact_name": "孙八",
        "contact_phone": "+861088886666",
        "licence_number": "L1",
        "notes": "",
        "compound_id": world.compound_a.pk,
        "building_id": None,
    }


def test_premises_in_a_building_takes_its_compound_and_community(world: Any) -> None:
    premises = services.premises_create(
        actor=world.head, community=world.community_a, building=world.building_b2, name="楼下小卖部"
    )
    assert (premises.community, premises.compound, premises.building) == (
        world.community_b,
        world.compound_b,
        world.building_b2,
    )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": ""}, "name"),
        ({"kind": "casino"}, "kind"),
        ({"contact_phone": "123"}, "contact_phone"),
        ({"compound": "__compound_b__"}, "compound"),
    ],
)
def test_premises_create_validation(world: Any, kwargs: dict[str, Any], field: str) -> None:
    args: dict[str, Any] = {"name": "新店"} | kwargs
    if args.get("compound") == "__compound_b__":
        args["compound"] = world.compound_b
    mark = last_audit_id()
    with pytest.raises(ValidationError) as exc:
        services.premises_create(actor=world.officer_a, community=world.community_a, **args)
    assert list(error_dict(exc)) == [field]
    assert entries_after(mark) == []


def test_premises_update_diff_and_noop(world: Any) -> None:
    mark = last_audit_id()
    services.premises_update(
        actor=world.officer_a,
        premises=world.premises_a,
        name="富贵大超市",
        contact_phone="+86 138-1234-5678",
        notes="",
    )
    entry = one_entry_after(mark, "premises.update", world.premises_a, world.officer_a)
    assert entry.before == {"name": "富贵超市", "contact_phone": ""}
    assert entry.after == {"name": "富贵大超市", "contact_phone": "+8613812345678"}
    mark = last_audit_id()
    services.premises_update(
        actor=world.officer_a,
        premises=world.premises_a,
        name=" 富贵大超市",
        contact_phone="13812345678",
    )
    assert entries_after(mark) == []
    with pytest.raises(ValidationError) as exc:
        services.premises_update(
            actor=world.officer_a, premises=world.premises_a, community=world.community_b
        )
    assert list(error_dict(exc)) == ["__all__"]


# --- document_check (the forms' inline check) -------------------------------------------------------


def test_document_check(world: Any) -> None:
    mark = last_audit_id()
    doc = services.document_check(actor=world.officer_a, id_number="110105850312123")
    assert (doc.id_number, doc.birth_date, doc.sex) == (
        make_id(seq="123"),
        dt.date(1985, 3, 12),
        "M",
    )
    with pytest.raises(ValidationError) as exc:
        services.document_check(actor=world.officer_a, id_number=world.resident_b.id_number)
    assert codes(exc, "id_number") == ["registered_elsewhere"]
    services.document_check(
        actor=world.officer_a, id_number=world.resident_a.id_number, resident=world.resident_a
    )
    with pytest.raises(PermissionDenied):
        services.document_check(actor=world.worker_a, id_number=make_id())
    assert entries_after(mark) == []


# --- the whole story, then the chain -------------------------------------------------------------------


def test_audit_chain_valid_after_a_day_of_work(world: Any) -> None:
    compound = services.compound_create(
        actor=world.officer_a, community=world.community_a, name="富贵佳园"
    )
    building = services.building_create(
        actor=world.officer_a, compound=compound, number="6号楼", floors=6
    )
    flats = [
        services.flat_create(
            actor=world.officer_a, building=building, entrance_number=f"{e}单元", room=f"{fl}0{r}"
        )
        for e in (1, 2)
        for fl in range(1, 7)
        for r in (1, 2)
    ]
    assert len(flats) == 24
    people = [
        register(world, flat=flat, name=f"居民{i}", id_number=make_id(seq=f"{i:03d}"), is_head=True)
        for i, flat in enumerate(flats[:10])
    ]
    services.resident_update(actor=world.officer_a, resident=people[0], occupation="退休")
    services.resident_move_out(actor=world.officer_a, resident=people[1])
    services.resident_move(actor=world.officer_a, resident=people[2], flat=flats[20])
    services.building_update(actor=world.officer_a, building=building, number="7")
    services.compound_update(actor=world.officer_a, compound=compound, name="富贵嘉园")
    req = services.transfer_request_create(
        actor=world.officer_a,
        to_flat=flats[23],
        id_number=world.resident_b.id_number,
        reason="搬来",
    )
    services.transfer_request_decide(actor=world.chief, request=req, approve=True)
    assert Flat.objects.get(pk=flats[23].pk).address == "富贵嘉园7号楼2单元602"
    result = audit.verify()
    assert result.ok, result
    assert result.checked == AuditEntry.objects.count() >= 24 + 10 + 8


def test_premises_place_is_derived_from_the_most_precise_one(world: Any) -> None:
    in_compound = services.premises_create(
        actor=world.officer_a, name="小区便利店", compound=world.compound_a
    )
    assert (in_compound.community, in_compound.compound) == (world.community_a, world.compound_a)
    in_building = services.premises_create(
        actor=world.officer_a, name="楼下理发店", building=world.building_a
    )
    assert (in_building.community, in_building.compound) == (world.community_a, world.compound_a)
    with pytest.raises(ValidationError) as exc:
        services.premises_create(actor=world.officer_a, name="无处可放")
    assert set(exc.value.error_dict) == {"community"}


@pytest.mark.parametrize("floors", [0, -3, 201, "many"])
def test_building_floors_out_of_range_is_a_field_error(world: Any, floors: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        services.building_create(
            actor=world.officer_a, compound=world.compound_a, number="99", floors=floors
        )
    assert set(exc.value.error_dict) == {"floors"}
    with pytest.raises(ValidationError) as exc:
        services.building_update(actor=world.officer_a, building=world.building_a, floors=floors)
    assert set(exc.value.error_dict) == {"floors"}


@pytest.mark.parametrize("floor", [-11, 201, "x"])
def test_flat_floor_out_of_range_is_a_field_error(world: Any, floor: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        services.flat_create(
            actor=world.officer_a, building=world.building_a, room="909", floor=floor
        )
    assert set(exc.value.error_dict) == {"floor"}
    with pytest.raises(ValidationError) as exc:
        services.flat_update(actor=world.officer_a, flat=world.flat_a, floor=floor)
    assert set(exc.value.error_dict) == {"floor"}
