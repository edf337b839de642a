"""Imports on real files against the database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from beatbook.core.models import AuditEntry
from beatbook.exchange.services import (
    ImportFile,
    UnusableFile,
    flats_import,
    premises_import,
    residents_import,
    system_account,
)
from beatbook.exchange.tests.files import HEADER, make_id, write_csv, write_xlsx
from beatbook.registry.models import (
    Building,
    Compound,
    Flat,
    FlatStatus,
    Premises,
    Residence,
    Resident,
)
from beatbook.registry.tests import factories as f

TODAY = dt.date(2026, 1, 1)
A = "富贵社区T"
B = "余岗社区T"


def person(
    name: str,
    seq: int,
    *,
    community: str = A,
    compound: str = "富贵佳园T",
    building: Any = "6",
    entrance: Any = "1",
    room: Any = "301",
    relation: str = "",
    phone: Any = "",
    sex: str = "",
    birth: Any = "",
    population: str = "",
    notes: str = "",
    id_number: Any = None,
) -> list[Any]:
    return [
        name,
        make_id("19850312", seq) if id_number is None else id_number,
        sex,
        birth,
        phone,
        community,
        compound,
        building,
        entrance,
        room,
        population,
        relation,
        notes,
    ]


def run(path: Path, actor: Any = None, **kw: Any) -> Any:
    kw.setdefault("today", TODAY)
    return residents_import(actor=actor, rows_source=ImportFile.of(path), **kw)


def test_creates_tree_and_residents(world: Any, tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "名单.xlsx",
        [
            HEADER,
            person(
                "赵一",
                101,
                compound="新园",
                building="3号楼",
                entrance=2.0,
                room="501室",
                relation="户主",
                phone=13812345678.0,
            ),
            person(
                "赵二",
                102,
                compound="新园",
                building=3.0,
                entrance="2单元",
                room=501,
                relation="配偶",
            ),
            person("钱三", 103, building="六号楼", entrance="1", room="302", relation="租客"),
        ],
        title_rows=1,
    )
    report = run(path, world.officer_a)
    assert report.as_json() == {
        "rows": 3,
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "stored": True,
        "rejected": [],
        "warnings": [],
    }
    compound = Compound.objects.get(community=world.community_a, name="新园")
    building = Building.objects.get(compound=compound)
    assert (building.number, building.sort_key) == ("3", 3)
    flat = Flat.objects.get(building=building)
    assert (flat.room, flat.floor, flat.address, flat.entrance.number) == (
        "501",
        5,
        "新园3号楼2单元501",
        "2",
    )
    head = Resident.objects.get(name="赵一")
    assert (head.flat, head.is_head, head.relation, head.phones, head.sex) == (
        flat,
        True,
        "owner",
        ["+8613812345678"],
        "M",
    )
    assert head.phones_text == "+8613812345678"
    assert head.birth_date == dt.date(1985, 3, 12)
    assert (
        Residence.objects.filter(resident=head, flat=flat, moved_out_on__isnull=True).count() == 1
    )
    assert Resident.objects.get(name="钱三").flat.address == "富贵佳园T6号楼1单元302"
    entry = AuditEntry.objects.get(action="residents.import")
    assert (
        entry.extra["created"] == 3
        and entry.extra["file"] == "名单.xlsx"
        and len(entry.extra["sha256"]) == 64
    )
    assert not AuditEntry.objects.filter(action="resident.create").exists()
    # ids were taken the database's way: a resident registered afterwards gets a new one
    later = f.ResidentFactory(flat=flat)
    assert later.pk > max(r.pk for r in Resident.objects.exclude(pk=later.pk))


def test_idempotent_and_updates(world: Any, tmp_path: Path) -> None:
    rows = [
        HEADER,
        person("赵一", 101, relation="户主", room="401", phone="13812345678", notes="x"),
        person("赵二", 102, room="401"),
    ]
    path = write_csv(tmp_path / "a.csv", rows)
    assert run(path).created == 2
    again = run(path)
    assert (again.created, again.updated, again.unchanged, again.stored) == (0, 0, 2, True)
    # a changed name, a blank optional cell (notes) that keeps the stored value, another phone
    rows[1] = person("赵壹", 101, relation="户主", room="401", phone="13912345678", notes="")
    changed = run(write_csv(tmp_path / "b.csv", rows))
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 1)
    r = Resident.objects.get(id_number=make_id("19850312", 101))
    assert (r.name, r.notes, r.phones) == ("赵壹", "x", ["+8613912345678", "+8613812345678"])
    entry = AuditEntry.objects.filter(action="resident.update").get()
    assert entry.before["name"] == "赵一" and entry.after["name"] == "赵壹"
    assert "notes" not in entry.after


def test_every_kind_of_bad_row_all_or_nothing(world: Any, tmp_path: Path) -> None:
    good = person("好人", 201, room="501")
    rows = [
        ["序号", *HEADER],
        [1, *good],  # row 2: fine
        [2, *person("", 202)],  # 3: name missing
        [3, *person("坏号", 203, id_number="110105198503121230")],  # 4: checksum
        [4, *person("重复", 201)],  # 5: same ID as row 2
        [5, *person("性别", 204, sex="男")],  # 6: sex contradicts (even = female)
        [6, *person("生日", 205, birth="1990-01-01")],  # 7: birth contradicts
        [7, *person("电话", 206, phone="138abc")],  # 8: phone characters
        [8, *person("类型", 207, population="常住人口")],  # 9: population type
        [9, *person("关系", 208, relation="朋友")],  # 10: relation
        [10, *person("社区", 209, community="不存在社区")],  # 11: unknown community
        [11, *person("越界", 210, community=B, compound="新市民公寓T")],  # 12: beat B
        [12, *person("别处", 0, id_number=world.resident_b.id_number)],  # 13: registered in beat B
        [
            13,
            *person("户主二", 211, entrance="1", room="101", relation="户主"),
        ],  # 14: flat_a has a head
        [
            14,
            *person("旧号", 0, id_number=make_id("19850312", 202)[:6] + "850312202"),
        ],  # 15: 15-digit of row 3's
        ["", "", "", "", "", "", "", "", "", "", "", "", "", ""],  # 16: blank, skipped
    ]
    path = write_csv(tmp_path / "bad.csv", rows, encoding="gb18030")
    report = run(path, world.officer_a)
    got = {(r.row, r.column, r.code) for r in report.rejected}
    assert got == {
        (3, "姓名", "required"),
        (4, "身份证号", "id_invalid"),
        (5, "身份证号", "duplicate_in_file"),
        (6, "性别", "sex_contradicts"),
        (7, "出生日期", "birth_contradicts"),
        (8, "联系电话", "phone_invalid"),
        (9, "人员类型", "unknown_value"),
        (10, "与户主关系", "unknown_value"),
        (11, "社区", "community_unknown"),
        (12, "社区", "community_outside"),
        (13, "身份证号", "registered_elsewhere"),
        (14, "与户主关系", "second_head"),
        (15, "身份证号", "duplicate_in_file"),
    }
    dup = next(r for r in report.rejected if r.row == 15)
    assert "3" in dup.reason  # names the earlier row, itself rejected
    elsewhere = next(r for r in report.rejected if r.row == 13)
    assert world.resident_b.name not in elsewhere.reason
    assert (report.rows, report.created, report.stored, report.exit_code) == (14, 1, False, 1)
    assert report.warnings and "序号" in report.warnings[0]
    assert not Resident.objects.filter(name="好人").exists()
    assert not Compound.objects.filter(name="新园").exists()
    # --skip-invalid stores the good row only; nothing of the bad rows' places is created
    skipped = run(path, world.officer_a, skip_invalid=True)
    assert (skipped.created, skipped.stored, skipped.exit_code) == (1, True, 0)
    assert Resident.objects.filter(name="好人").exists()
    assert not Flat.objects.filter(room="301", building=world.building_a).exists()


def test_dry_run_stores_nothing(world: Any, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [HEADER, person("赵一", 101)], encoding="utf-8-sig")
    report = run(path, dry_run=True)
    assert (report.created, report.stored, report.exit_code) == (1, False, 0)
    assert not Resident.objects.filter(name="赵一").exists()
    assert AuditEntry.objects.get(action="residents.import").extra["dry_run"] is True


def test_second_head_in_the_same_file(world: Any, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "a.csv",
        [
            HEADER,
            person("甲", 1, room="909", relation="户主"),
            person("乙", 3, room="909室", relation="本人"),
        ],
    )
    report = run(path)
    assert [(r.row, r.code) for r in report.rejected] == [(3, "second_head_in_file")]


def test_chunks_see_each_other(world: Any, tmp_path: Path) -> None:
    rows = (
        [HEADER] + [person(f"人{i}", i, room=f"{100 + i}") for i in range(1, 8)] + [person("重", 2)]
    )
    path = write_csv(tmp_path / "a.csv", rows)
    report = run(path, chunk_rows=3)
    assert [(r.row, r.code) for r in report.rejected] == [(9, "duplicate_in_file")]
    assert "3" in report.rejected[0].reason


def test_jurisdiction_of_officer_b_file(world: Any, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "a.csv",
        [
            HEADER,
            person(
                "乙", 5, community=B, compound="新市民公寓T", building="1", entrance="", room="102"
            ),
        ],
    )
    report = run(path, world.officer_a)
    assert [(r.row, r.code) for r in report.rejected] == [(2, "community_outside")]
    assert run(path, world.officer_b).created == 1


def test_roles_that_cannot_import(world: Any, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [HEADER, person("甲", 5)])
    for user in (world.worker_a, world.chief, world.auditor, world.sysadmin):
        with pytest.raises(PermissionDenied):
            run(path, user)


def test_building_head_only_in_their_building(world: Any, tmp_path: Path) -> None:
    rows = [
        HEADER,
        person("甲", 5, community=B, compound="新市民公寓T", building="2", entrance="", room="202"),
        person("乙", 7, community=B, compound="新市民公寓T", building="1", entrance="", room="203"),
    ]
    report = run(write_csv(tmp_path / "a.csv", rows), world.head, skip_invalid=True)
    assert [(r.row, r.code) for r in report.rejected] == [(3, "building_outside")]
    assert Resident.objects.get(name="甲").flat.building == world.building_b2


def test_moving_within_the_beat(world: Any, tmp_path: Path) -> None:
    r = world.resident_a
    path = write_csv(
        tmp_path / "a.csv", [HEADER, person(r.name, 0, id_number=r.id_number, room="102")]
    )
    report = run(path, world.officer_a)
    assert report.updated == 1
    r.refresh_from_db()
    assert r.flat == world.flat_a_vacant
    assert (
        Residence.objects.filter(resident=r, moved_out_on__isnull=True).get().flat
        == world.flat_a_vacant
    )


def test_unusable_file(world: Any, tmp_path: Path) -> None:
    path = tmp_path / "a.xlsx"
    path.write_text("姓名,身份证号\n")
    with pytest.raises(UnusableFile):
        run(path)


def test_system_account_is_created_once(db: Any) -> None:
    assert system_account().pk == system_account().pk
    assert not system_account().has_usable_password()


def test_flats_import(world: Any, tmp_path: Path) -> None:
    rows = [
        ["社区", "小区", "楼栋", "单元", "房号", "状态"],
        [A, "富贵佳园T", "6号楼", "1单元", "101", "出租"],  # existing flat_a: status updated
        [A, "富贵佳园T", "6", "1", "102室", ""],  # existing, blank status: unchanged
        [A, "新园", "1", "", "101", "空置"],  # created
        [A, "新园", "1栋", "", "101", ""],  # duplicate address
        [B, "新市民公寓T", "1", "", "999", ""],
    ]  # outside
    path = write_xlsx(tmp_path / "flats.xlsx", rows)
    report = flats_import(actor=world.officer_a, rows_source=ImportFile.of(path), skip_invalid=True)
    assert (report.created, report.updated, report.unchanged) == (1, 1, 1)
    assert {(r.row, r.code) for r in report.rejected} == {
        (5, "duplicate_address"),
        (6, "community_outside"),
    }
    world.flat_a.refresh_from_db()
    assert world.flat_a.status == FlatStatus.RENTED
    assert Flat.objects.get(address="新园1号楼101").status == FlatStatus.VACANT
    again = flats_import(actor=world.officer_a, rows_source=ImportFile.of(path), skip_invalid=True)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_premises_import(world: Any, tmp_path: Path) -> None:
    rows = [
        ["名称", "类型", "社区", "小区", "地址", "联系人", "联系电话"],
        ["富贵超市", "商铺", A, "富贵佳园T", "", "老板", "13812345678"],
        ["新店", "餐饮", A, "", "路边1号", "", ""],
        ["新店", "餐饮", A, "", "", "", ""],
        ["远店", "", A, "不存在", "", "", ""],
        ["外店", "", B, "", "", "", ""],
    ]
    path = write_csv(tmp_path / "p.csv", rows)
    report = premises_import(
        actor=world.officer_a, rows_source=ImportFile.of(path), skip_invalid=True
    )
    assert (report.created, report.updated) == (1, 1)
    assert {(r.row, r.code) for r in report.rejected} == {
        (4, "duplicate_premises"),
        (5, "compound_unknown"),
        (6, "community_outside"),
    }
    assert Premises.objects.get(name="新店").kind == "restaurant"
    world.premises_a.refresh_from_db()
    assert world.premises_a.contact_phone == "+8613812345678"


def test_typed_xlsx_cells(world: Any, tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "typed.xlsx",
        [
            HEADER,
            person("数字号", 0, id_number=float(make_id("19850312", 301)[:15])),  # a number cell
            person(
                "日期格", 303, birth=dt.date(1985, 3, 12), building=7.0, entrance=2.0, room=1201.0
            ),
            person("错日期", 305, birth=dt.date(1985, 3, 13), room=1202.0),
        ],
    )
    report = run(path, skip_invalid=True)
    assert [(r.row, r.column, r.code) for r in report.rejected] == [
        (2, "身份证号", "id_as_number"),
        (4, "出生日期", "birth_contradicts"),
    ]
    flat = Resident.objects.get(name="日期格").flat
    assert (flat.building.number, flat.entrance.number, flat.room, flat.floor) == (
        "7",
        "2",
        "1201",
        12,
    )


def _resident_indexes() -> set[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        return set(connection.introspection.get_constraints(cursor, Resident._meta.db_table))


def test_large_file_rebuilds_search_indexes(world: Any, tmp_path: Path, monkeypatch: Any) -> None:
    from beatbook.exchange import services

    monkeypatch.setattr(services, "DEFER_INDEXES_ROWS", 1)
    monkeypatch.setattr(services, "_BYTES_PER_ROW", 1)
    before = _resident_indexes()
    path = write_csv(tmp_path / "a.csv", [HEADER, person("甲", 1), person("乙", 3, room="302")])
    assert run(path, dry_run=True).created == 2
    assert _resident_indexes() == before
    assert run(path).created == 2
    assert _resident_indexes() == before
    assert Resident.objects.filter(name="乙").exists()
