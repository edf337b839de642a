"""Registry selectors: what every role sees, counts, the building grid, search."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import Http404

from beatbook.core import audit
from beatbook.core.models import AuditEntry
from beatbook.core.scoping import scope_of
from beatbook.registry import selectors, services
from beatbook.registry.idnumbers import mask_id_number
from beatbook.registry.models import (
    Beat,
    Building,
    Community,
    Compound,
    Entrance,
    Flat,
    FlatStatus,
    Premises,
    Resident,
    Station,
    TransferRequest,
)
from beatbook.registry.tests import factories as f
from beatbook.registry.tests.helpers import ROLES, WORLD_VISIBLE, make_id, make_id_ending_in_x

pytestmark = pytest.mark.usefixtures("audit_chain_stays_valid")


# --- visible_to for every model and every role -----------------------------------------------------


@pytest.fixture
def full_world(world: Any) -> Any:
    """The world plus entrances in beat B, premises in building B2 and two transfer requests."""
    world.entrance_b = f.EntranceFactory(building=world.building_b, number="1")
    world.entrance_b2 = f.EntranceFactory(building=world.building_b2, number="1")
    world.premises_b2 = f.PremisesFactory(
        community=world.community_b,
        compound=world.compound_b,
        building=world.building_b2,
        name="二号楼小卖部",
    )
    # officer A asks for resident B; the head of B2 asks for resident A
    world.request_a = services.transfer_request_create(
        actor=world.officer_a,
        to_flat=world.flat_a_vacant,
        id_number=world.resident_b.id_number,
        reason="搬来",
    )
    world.request_head = services.transfer_request_create(
        actor=world.head, to_flat=world.flat_b2, id_number=world.resident_a.id_number, reason="搬来"
    )
    return world


# model -> role -> names of world attributes visible (the full world adds some)
VISIBLE: dict[type, dict[str, set[str]]] = {
    Station: {
        "officer_a": {"station"},
        "officer_b": {"station"},
        "head": {"station"},
        "worker_a": {"station"},
        "chief": {"station"},
        "sysadmin": {"station"},
        "auditor": set(),
    },
    Beat: WORLD_VISIBLE[Beat],
    Community: WORLD_VISIBLE[Community],
    Compound: WORLD_VISIBLE[Compound],
    Building: WORLD_VISIBLE[Building],
    Entrance: {
        "officer_a": {"entrance_a"},
        "officer_b": {"entrance_b", "entrance_b2"},
        "head": {"entrance_b2"},
        "worker_a": {"entrance_a"},
        "chief": {"entrance_a", "entrance_b", "entrance_b2"},
        "sysadmin": set(),
        "auditor": set(),
    },
    Flat: WORLD_VISIBLE[Flat],
    Premises: {
        "officer_a": {"premises_a"},
        "officer_b": {"premises_b", "premises_b2"},
        "head": {"premises_b2"},
        "worker_a": {"premises_a"},
        "chief": {"premises_a", "premises_b", "premises_b2"},
        "sysadmin": set(),
        "auditor": set(),
    },
    Resident: WORLD_VISIBLE[Resident],
    TransferRequest: {
        "officer_a": {"request_a"},
        "officer_b": set(),
        "head": {"request_head"},
        "worker_a": set(),
        "chief": {"request_a", "request_head"},
        "sysadmin": set(),
        "auditor": set(),
    },
}


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("model", list(VISIBLE), ids=[m.__name__ for m in VISIBLE])
def test_visible_to(full_world: Any, model: type, who: str) -> None:
    w = full_world
    user = w.users()[who]
    expected = {getattr(w, name).pk for name in VISIBLE[model][who]}
    got = list(model.objects.visible_to(user).values_list("pk", flat=True))  # type: ignore[attr-defined]
    assert len(got) == len(set(got)), "no row twice"
    assert set(got) == expected


def test_every_registry_model_is_covered() -> None:
    from django.apps import apps

    scoped = {
        m for m in apps.get_app_config("registry").get_models() if hasattr(m.objects, "visible_to")
    }
    assert scoped == set(VISIBLE)


def test_inactive_and_anonymous_see_nothing(full_world: Any) -> None:
    from django.contrib.auth.models import AnonymousUser

    officer = full_world.officer_a
    officer.is_active = False
    for user in (officer, AnonymousUser(), None):
        for model in VISIBLE:
            assert not model.objects.visible_to(user).exists()  # type: ignore[attr-defined]


def test_worker_sees_residents_but_not_full_numbers(world: Any) -> None:
    scope = scope_of(world.worker_a)
    assert scope.sees_residents and not scope.sees_full_id_numbers
    assert selectors.id_number_for(world.worker_a, world.resident_a, full=True) == mask_id_number(
        world.resident_a.id_number
    )
    assert selectors.id_number_for(world.worker_a, world.resident_a, full=False) == mask_id_number(
        world.resident_a.id_number
    )
    assert (
        selectors.id_number_for(world.officer_a, world.resident_a, full=True)
        == world.resident_a.id_number
    )
    assert selectors.id_number_for(world.officer_a, world.resident_a, full=False) == mask_id_number(
        world.resident_a.id_number
    )
    assert "*" in mask_id_number(world.resident_a.id_number)


# --- list and get selectors ---------------------------------------------------------------------------


GETTERS = {
    "community_get": ("community", selectors.community_get),
    "compound_get": ("compound", selectors.compound_get),
    "building_get": ("building", selectors.building_get),
    "flat_get": ("flat", selectors.flat_get),
    "resident_get": ("resident", selectors.resident_get),
    "resident_read": ("resident", selectors.resident_read),
    "premises_get": ("premises", selectors.premises_get),
}


@pytest.mark.parametrize("getter", sorted(GETTERS))
def test_get_out_of_scope_is_404_like_missing(world: Any, getter: str) -> None:
    prefix, fn = GETTERS[getter]
    mine, theirs = getattr(world, f"{prefix}_a"), getattr(world, f"{prefix}_b")
    assert fn(user=world.officer_a, pk=mine.pk) == mine
    for pk in (theirs.pk, 999_999, "abc", None):
        with pytest.raises(Http404):
            fn(user=world.officer_a, pk=pk)
    if prefix != "community":
        for who in ("sysadmin", "auditor"):
            with pytest.raises(Http404):
                fn(user=world.users()[who], pk=mine.pk)


def test_head_lists_only_their_building(world: Any) -> None:
    head = world.head
    assert list(selectors.compound_list(user=head)) == [world.compound_b]
    assert list(selectors.building_list(user=head)) == [world.building_b2]
    assert list(selectors.building_list(user=head, compound=world.compound_b.pk)) == [
        world.building_b2
    ]
    assert list(selectors.flat_list(user=head)) == [world.flat_b2]
    assert list(selectors.flat_list(user=head, compound=world.compound_b.pk)) == [world.flat_b2]
    assert list(selectors.resident_list(user=head)) == [world.resident_b2]
    assert list(selectors.resident_list(user=head, compound=world.compound_b.pk)) == [
        world.resident_b2
    ]
    assert list(selectors.flat_residents(user=head, flat=world.flat_b)) == []
    with pytest.raises(Http404):
        selectors.building_get(user=head, pk=world.building_b.pk)
    with pytest.raises(Http404):
        selectors.resident_get(user=head, pk=world.resident_b.pk)
    assert selectors.compound_get(user=head, pk=world.compound_b.pk) == world.compound_b
    assert selectors.community_get(user=head, pk=world.community_b.pk) == world.community_b
    assert list(selectors.beat_list(user=head)) == [world.beat_b]


def test_list_filters(world: Any) -> None:
    chief = world.chief
    assert set(selectors.community_list(user=chief, beat=world.beat_a.pk)) == {world.community_a}
    assert set(selectors.compound_list(user=chief, community=world.community_b.pk)) == {
        world.compound_b
    }
    assert set(selectors.building_list(user=chief, compound=world.compound_b.pk)) == {
        world.building_b,
        world.building_b2,
    }
    assert set(selectors.building_list(user=chief, compound_name="富贵佳园T", number="六号楼")) == {
        world.building_a
    }
    assert set(selectors.flat_list(user=chief, status=FlatStatus.VACANT)) == {world.flat_a_vacant}
    assert set(selectors.flat_list(user=chief, beat=world.beat_b.pk)) == {
        world.flat_b,
        world.flat_b2,
    }
    assert set(selectors.flat_list(user=chief, building=world.building_a.pk)) == {
        world.flat_a,
        world.flat_a_vacant,
    }
    assert set(selectors.resident_list(user=chief, beat=world.beat_b.pk)) == {
        world.resident_b,
        world.resident_b2,
    }
    assert set(selectors.resident_list(user=chief, flat=world.flat_a.pk)) == {world.resident_a}
    assert set(selectors.resident_list(user=chief, building=world.building_b2.pk)) == {
        world.resident_b2
    }
    assert set(selectors.resident_list(user=chief, community=world.community_a.pk)) == {
        world.resident_a
    }
    assert set(selectors.premises_list(user=chief, beat=world.beat_a.pk)) == {world.premises_a}
    assert set(selectors.premises_list(user=chief, search="五金")) == {world.premises_b}
    # filters never widen the scope
    assert list(selectors.flat_list(user=world.officer_a, beat=world.beat_b.pk)) == []
    assert list(selectors.resident_list(user=world.officer_a, building=world.building_b.pk)) == []


def test_flat_residents_current_first_then_moved_out(world: Any) -> None:
    gone = services.resident_register(
        actor=world.officer_a, flat=world.flat_a, name="搬走的人", id_number=make_id(seq="125")
    )
    services.resident_move_out(actor=world.officer_a, resident=gone)
    member = services.resident_register(
        actor=world.officer_a, flat=world.flat_a, name="家人", id_number=make_id(seq="127")
    )
    rows = list(selectors.flat_residents(user=world.officer_a, flat=world.flat_a))
    assert rows == [world.resident_a, member, gone]  # head first, moved-out last, on every database
    current = selectors.flat_residents(
        user=world.officer_a, flat=world.flat_a, include_moved_out=False
    )
    assert list(current) == [world.resident_a, member]


def test_sysadmin_and_auditor_see_no_registry_data(world: Any) -> None:
    for user in (world.sysadmin, world.auditor):
        assert not selectors.compound_list(user=user).exists()
        assert not selectors.building_list(user=user).exists()
        assert not selectors.flat_list(user=user).exists()
        assert not selectors.resident_list(user=user).exists()
        assert not selectors.resident_list(user=user, search=world.resident_a.id_number).exists()
        assert not selectors.premises_list(user=user).exists()
        assert not selectors.transfer_list(user=user).exists()
        summary = selectors.my_beat(user=user)
        assert (summary.compounds, summary.household_count, summary.resident_count) == ([], 0, 0)


# --- counts ---------------------------------------------------------------------------------------------


def test_my_beat_counts(world: Any) -> None:
    services.resident_register(
        actor=world.officer_a, flat=world.flat_a, name="张小三", id_number=make_id()
    )
    moved = services.resident_register(
        actor=world.officer_a, flat=world.flat_a, name="张老三", id_number=make_id(seq="125")
    )
    services.resident_move_out(actor=world.officer_a, resident=moved)
    expected = {
        # who: (communities, compounds, households incl. vacant, current residents)
        "officer_a": ({world.community_a}, [world.compound_a], 2, 2),
        "officer_b": ({world.community_b}, [world.compound_b], 2, 2),
        "head": ({world.community_b}, [world.compound_b], 1, 1),
        "worker_a": ({world.community_a}, [world.compound_a], 2, 2),
        "chief": (
            {world.community_a, world.community_b},
            [world.compound_a, world.compound_b],
            4,
            4,
        ),
    }
    for who, (communities, compounds, households, residents) in expected.items():
        summary = selectors.my_beat(user=world.users()[who])
        assert set(summary.communities) == communities, who
        assert sorted(summary.compounds, key=lambda c: c.pk) == sorted(
            compounds, key=lambda c: c.pk
        ), who
        assert (summary.household_count, summary.resident_count) == (households, residents), who


def test_compound_and_building_counts(world: Any) -> None:
    [compound_b] = selectors.compound_list(user=world.officer_b, with_counts=True)
    assert (compound_b.building_count, compound_b.household_count, compound_b.resident_count) == (
        2,
        2,
        2,
    )
    [head_view] = selectors.compound_list(user=world.head, with_counts=True)
    assert (head_view.building_count, head_view.household_count, head_view.resident_count) == (
        1,
        1,
        1,
    )
    [building_a] = selectors.building_list(user=world.officer_a, with_counts=True)
    assert (building_a.household_count, building_a.vacant_count, building_a.resident_count) == (
        2,
        1,
        1,
    )


def test_flat_list_with_counts(world: Any) -> None:
    services.resident_register(
        actor=world.officer_a, flat=world.flat_a, name="张小三", id_number=make_id()
    )
    flats = {flat.pk: flat for flat in selectors.flat_list(user=world.officer_a, with_counts=True)}
    assert (flats[world.flat_a.pk].resident_count, flats[world.flat_a.pk].head_name) == (2, "张三")
    assert (
        flats[world.flat_a_vacant.pk].resident_count,
        flats[world.flat_a_vacant.pk].head_name,
    ) == (0, "")


def test_counted_lists_run_a_fixed_number_of_queries(
    world: Any, django_assert_max_num_queries: Any
) -> None:
    user = world.officer_a
    scope_of(user)
    building = f.BuildingFactory(compound=world.compound_a, number="8")
    for i in range(30):
        flat = f.FlatFactory(building=building, room=f"{i // 2 + 1}0{i % 2 + 1}")
        f.ResidentFactory(flat=flat, is_head=True)
    with django_assert_max_num_queries(1):
        assert (
            sum(c.resident_count for c in selectors.compound_list(user=user, with_counts=True))
            == 31
        )
    with django_assert_max_num_queries(1):
        assert (
            sum(b.household_count for b in selectors.building_list(user=user, with_counts=True))
            == 32
        )
    with django_assert_max_num_queries(1):
        assert (
            sum(fl.resident_count for fl in selectors.flat_list(user=user, with_counts=True)) == 31
        )
    with django_assert_max_num_queries(1):
        assert len([r.flat.address for r in selectors.resident_list(user=user)]) == 31


# --- the building grid ---------------------------------------------------------------------------------


def _build(world: Any, entrances: int, floors: int, per_floor: int) -> Building:
    """A building created through the services, with a head in every other flat."""
    actor = world.officer_a
    building = services.building_create(
        actor=actor, compound=world.compound_a, number="9", floors=floors
    )
    n = 0
    for e in range(1, entrances + 1):
        for fl in range(1, floors + 1):
            for r in range(1, per_floor + 1):
                flat = services.flat_create(
                    actor=actor,
                    building=building,
                    entrance_number=str(e),
                    room=f"{fl}{r:02d}",
                    status=FlatStatus.VACANT if (fl, r) == (1, 1) else FlatStatus.OCCUPIED,
                )
                if r == 1 and fl > 1:
                    n += 1
                    services.resident_register(
                        actor=actor,
                        flat=flat,
                        name=f"户主{e}-{fl}",
                        id_number=make_id(seq=f"{n:03d}"),
                        is_head=True,
                    )
    return building


def test_building_grid_layout(world: Any) -> None:
    building = _build(world, entrances=2, floors=3, per_floor=2)
    # one entrance numbered 10: natural order puts it after 2
    services.flat_create(actor=world.officer_a, building=building, entrance_number="10", room="101")
    grid = selectors.building_grid(user=world.officer_a, building=building)
    assert [e.label for e in grid.entrances] == ["1单元", "2单元", "10单元"]
    first = grid.entrances[0]
    assert [floor for floor, _cells in first.floors] == [3, 2, 1]
    assert [[c.flat.room for c in cells] for _floor, cells in first.floors] == [
        ["301", "302"],
        ["201", "202"],
        ["101", "102"],
    ]
    assert [[c.head_name for c in cells] for _floor, cells in first.floors] == [
        ["户主1-3", ""],
        ["户主1-2", ""],
        ["", ""],
    ]
    assert [[c.resident_count for c in cells] for _floor, cells in first.floors] == [
        [1, 0],
        [1, 0],
        [0, 0],
    ]
    assert first.width == 2
    assert grid.entrances[2].width == 1
    assert (grid.household_count, grid.vacant_count, grid.resident_count) == (13, 2, 4)
    assert grid.status_counts == {"vacant": 2, "occupied": 10, "unknown": 1}


def test_building_grid_flats_without_entrance_or_floor(world: Any) -> None:
    building = services.building_create(
        actor=world.officer_a, compound=world.compound_a, number="A座"
    )
    for room in ("201", "101", "车库", "202"):
        services.flat_create(actor=world.officer_a, building=building, room=room)
    services.flat_create(actor=world.officer_a, building=building, room="101", entrance_number="1")
    grid = selectors.building_grid(user=world.officer_a, building=building)
    assert [e.label for e in grid.entrances] == ["1单元", ""]  # flats without an entrance come last
    entrance = grid.entrances[1]
    assert entrance.entrance_id is None
    assert [floor for floor, _cells in entrance.floors] == [2, 1, None]
    assert [[c.flat.room for c in cells] for _floor, cells in entrance.floors] == [
        ["201", "202"],
        ["101"],
        ["车库"],
    ]


def test_building_grid_skips_moved_out_people(world: Any) -> None:
    services.resident_move_out(actor=world.officer_a, resident=world.resident_a)
    grid = selectors.building_grid(user=world.officer_a, building=world.building_a)
    [cell_101, cell_102] = grid.entrances[0].floors[0][1]
    assert (cell_101.flat, cell_101.head_name, cell_101.resident_count) == (world.flat_a, "", 0)
    assert grid.resident_count == 0


def test_building_grid_out_of_scope_shows_nothing(world: Any) -> None:
    for user in (world.officer_a, world.head, world.sysadmin):
        grid = selectors.building_grid(user=user, building=world.building_b)
        assert (grid.entrances, grid.household_count, grid.resident_count) == ([], 0, 0)


@pytest.mark.parametrize("size", [(1, 2, 1), (3, 6, 4)])
def test_building_grid_query_count_does_not_grow(
    world: Any, size: tuple[int, int, int], django_assert_max_num_queries: Any
) -> None:
    building = _build(world, *size)
    user = world.officer_a
    scope_of(user)
    with django_assert_max_num_queries(2):
        grid = selectors.building_grid(user=user, building=building)
        labels = [
            (c.flat.entrance.label if c.flat.entrance else "", c.flat.address)
            for e in grid.entrances
            for _floor, cells in e.floors
            for c in cells
        ]
    assert len(labels) == size[0] * size[1] * size[2]


# --- search ---------------------------------------------------------------------------------------------


@pytest.fixture
def searchable(world: Any) -> Resident:
    return services.resident_register(
        actor=world.officer_a,
        flat=world.flat_a_vacant,
        name="欧阳修文",
        id_number=make_id_ending_in_x(),
        phones=["13812345678", "010-88886666"],
    )


@pytest.mark.parametrize(
    "term",
    [
        "欧阳修文",
        "欧阳",
        "修文",
        " 欧阳 ",
        "__id__",
        "__id_lower__",
        "__id_spaced__",
        "__id_fullwidth__",
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+86 138-1234-5678",
        "+8613812345678",
        "8613812345678",
        "010-88886666",
        "(010) 8888 6666",
        "+86 10 8888 6666",
    ],
)
def test_resident_search_finds(world: Any, searchable: Resident, term: str) -> None:
    number = searchable.id_number
    term = {
        "__id__": number,
        "__id_lower__": number.lower(),
        "__id_spaced__": f"{number[:6]} {number[6:14]} {number[14:]}",
        "__id_fullwidth__": "".join(chr(ord(c) + 0xFEE0) for c in number),
    }.get(term, term)
    assert list(selectors.resident_list(user=world.officer_a, search=term)) == [searchable]


def test_resident_search_by_15_digit_number(world: Any) -> None:
    resident = services.resident_register(
        actor=world.officer_a, flat=world.flat_a_vacant, name="老卡", id_number=make_id(seq="123")
    )
    assert list(selectors.resident_list(user=world.officer_a, search="110105850312123")) == [
        resident
    ]


@pytest.mark.parametrize(
    "term",
    ["欧阳修武", "13812345679", "1381234567", "__other_id__", "110105", "12345678901234567X"],
)
def test_resident_search_misses(world: Any, searchable: Resident, term: str) -> None:
    if term == "__other_id__":
        term = world.resident_a.id_number
        assert list(selectors.resident_list(user=world.officer_a, search=term)) == [
            world.resident_a
        ]
        return
    assert list(selectors.resident_list(user=world.officer_a, search=term)) == []


@pytest.mark.parametrize("term", ["M12345678", "m12345678", "M1234 5678"])
def test_resident_search_by_passport_number(world: Any, term: str) -> None:
    resident = services.resident_register(
        actor=world.officer_a,
        flat=world.flat_a_vacant,
        name="Kim Minji",
        id_number="M12345678",
        document_type="passport",
        passport_country="KOR",
    )
    assert list(selectors.resident_list(user=world.officer_a, search=term)) == [resident]
    assert list(selectors.resident_list(user=world.officer_a, search="kim")) == [resident]


def test_resident_search_stays_in_scope(world: Any, searchable: Resident) -> None:
    for who in ("officer_b", "head", "sysadmin", "auditor"):
        user = world.users()[who]
        for term in ("欧阳", searchable.id_number, "13812345678"):
            assert list(selectors.resident_list(user=user, search=term)) == [], (who, term)
    assert list(selectors.resident_list(user=world.worker_a, search="13812345678")) == [searchable]
    assert list(selectors.resident_list(user=world.chief, search=searchable.id_number.lower())) == [
        searchable
    ]


def test_resident_search_includes_moved_out_unless_asked(world: Any, searchable: Resident) -> None:
    services.resident_move_out(actor=world.officer_a, resident=searchable)
    assert list(selectors.resident_list(user=world.officer_a, search="欧阳")) == [searchable]
    assert (
        list(selectors.resident_list(user=world.officer_a, search="欧阳", include_moved_out=False))
        == []
    )
    assert list(selectors.resident_list(user=world.officer_a, moved_out=False)) == [
        world.resident_a
    ]


def test_resident_list_is_one_query(
    world: Any, searchable: Resident, django_assert_max_num_queries: Any
) -> None:
    scope_of(world.officer_a)
    with django_assert_max_num_queries(1):
        rows = [
            (r.name, r.flat.address)
            for r in selectors.resident_list(user=world.officer_a, search="欧阳")
        ]
    assert rows == [("欧阳修文", world.flat_a_vacant.address)]


# --- audited reads ------------------------------------------------------------------------------------------


def test_resident_read_is_audited(world: Any) -> None:
    mark = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    resident = selectors.resident_read(
        user=world.officer_a, pk=world.resident_a.pk, purpose="visit"
    )
    assert resident == world.resident_a
    [entry] = AuditEntry.objects.filter(id__gt=mark)
    assert (entry.action, entry.object_type, entry.object_id, entry.actor_id) == (
        "resident.read",
        "registry.resident",
        str(world.resident_a.pk),
        world.officer_a.pk,
    )
    assert entry.extra == {"purpose": "visit", "id_number": "full"}
    assert entry.before is None and entry.after is None


def test_resident_get_and_failed_reads_are_not_audited(world: Any) -> None:
    count = AuditEntry.objects.count()
    selectors.resident_get(user=world.officer_a, pk=world.resident_a.pk)
    list(selectors.resident_list(user=world.officer_a))
    for user, pk in ((world.officer_a, world.resident_b.pk), (world.sysadmin, world.resident_a.pk)):
        with pytest.raises(Http404):
            selectors.resident_read(user=user, pk=pk)
    assert AuditEntry.objects.count() == count


# --- transfers and history ------------------------------------------------------------------------------------


def test_transfer_get(full_world: Any) -> None:
    w = full_world
    assert selectors.transfer_get(user=w.officer_a, pk=w.request_a.pk) == w.request_a
    assert selectors.transfer_get(user=w.chief, pk=w.request_head.pk) == w.request_head
    for user in (w.officer_b, w.worker_a, w.sysadmin, w.auditor, w.head):
        with pytest.raises(Http404):
            selectors.transfer_get(user=user, pk=w.request_a.pk)


def test_residence_history(world: Any) -> None:
    resident = services.resident_register(
        actor=world.officer_a, flat=world.flat_a, name="搬家人", id_number=make_id()
    )
    services.resident_move(actor=world.officer_a, resident=resident, flat=world.flat_a_vacant)
    history = list(selectors.residence_history(user=world.officer_a, resident=resident))
    assert [r.flat for r in history] == [world.flat_a, world.flat_a_vacant]
    assert history[0].moved_out_on is not None and history[1].moved_out_on is None
    assert list(selectors.residence_history(user=world.officer_b, resident=resident)) == []


def test_audit_chain_valid_after_reads(world: Any) -> None:
    for _ in range(3):
        selectors.resident_read(user=world.chief, pk=world.resident_b.pk)
    assert audit.verify().ok
    assert not Compound.objects.visible_to(world.auditor).exists()
