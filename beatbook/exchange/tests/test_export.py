"""Exports: scope, masking, reason, audit, round trip."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from python_calamine import CalamineWorkbook

from beatbook.core.models import AuditEntry
from beatbook.exchange.selectors import ExportScope, export_xlsx
from beatbook.exchange.services import ImportFile, flats_import, premises_import, residents_import
from beatbook.exchange.tests.files import make_id
from beatbook.registry.idnumbers import mask_id_number
from beatbook.registry.tests import factories as f


def read(path: Path) -> list[list[Any]]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


def export(
    world_user: Any,
    tmp_path: Path,
    kind: str = "residents",
    scope: str = "mine",
    full: bool = False,
) -> list[list[Any]]:
    path = tmp_path / f"{kind}.xlsx"
    export_xlsx(
        user=world_user,
        kind=kind,
        scope=ExportScope.parse(scope),
        reason="走访",
        full_ids=full,
        path=path,
    )
    return read(path)


def test_officer_sees_only_their_beat_with_full_ids(world: Any, tmp_path: Path) -> None:
    rows = export(world.officer_a, tmp_path, full=True)
    assert rows[0][:2] == ["姓名", "公民身份号码"]
    assert [r[0] for r in rows[1:]] == [world.resident_a.name]
    assert rows[1][1] == world.resident_a.id_number
    assert rows[1][6:11] == ["富贵社区T", "富贵佳园T", "6", "1", "101"]
    assert rows[1][12] == "户主"
    entry = AuditEntry.objects.get(action="residents.export")
    assert entry.extra == {"scope": "mine", "reason": "走访", "rows": 1, "id_numbers": "full"}


def test_masked_by_default_and_for_workers(world: Any, tmp_path: Path) -> None:
    rows = export(world.officer_a, tmp_path)
    assert rows[1][1] == mask_id_number(world.resident_a.id_number) and rows[1][3] == ""
    with pytest.raises(PermissionDenied):
        export(world.worker_a, tmp_path, full=True)
    assert export(world.worker_a, tmp_path)[1][1].count("*") == 10


def test_scopes(world: Any, tmp_path: Path) -> None:
    chief = export(world.chief, tmp_path)
    assert {r[0] for r in chief[1:]} == {"张三", "李四", "王五"}
    assert {
        r[0] for r in export(world.chief, tmp_path, scope=f"building:{world.building_b2.pk}")[1:]
    } == {"王五"}
    assert {r[0] for r in export(world.head, tmp_path)[1:]} == {"王五"}
    for user, scope in (
        (world.officer_a, f"beat:{world.beat_b.pk}"),
        (world.head, f"building:{world.building_b.pk}"),
        (world.sysadmin, "mine"),
        (world.auditor, "mine"),
    ):
        with pytest.raises(Http404):
            export(user, tmp_path, scope=scope)
    with pytest.raises(ValidationError):
        export_xlsx(
            user=world.chief,
            kind="residents",
            scope=ExportScope.parse("mine"),
            reason=" ",
            full_ids=False,
            path=tmp_path / "x.xlsx",
        )
    with pytest.raises(ValidationError):
        ExportScope.parse("street:1")


def test_round_trip_imports_unchanged(world: Any, tmp_path: Path) -> None:
    flat = world.flat_a
    head = world.resident_a  # the factory's sex does not follow its ID number; the services' does
    head.sex = "M" if int(head.id_number[16]) % 2 else "F"
    head.save()
    f.ResidentFactory(
        flat=flat,
        name="配偶甲",
        relation="owner_family",
        id_number=make_id("19800101", 11),
        phones=["+8613812345678", "+861088886666"],
    )
    f.ResidentFactory(
        flat=flat,
        name="租客乙",
        relation="tenant",
        population_type="floating",
        ethnicity="回族",
        id_number=make_id("19900101", 13),
        phones=["+861088886666"],
    )
    path = tmp_path / "out.xlsx"
    export_xlsx(
        user=world.officer_a,
        kind="residents",
        scope=ExportScope.parse("mine"),
        reason="核对",
        full_ids=True,
        path=path,
    )
    report = residents_import(actor=world.officer_a, rows_source=ImportFile.of(path))
    assert (report.rows, report.created, report.updated, report.unchanged, report.rejected) == (
        3,
        0,
        0,
        3,
        [],
    )
    for kind, importer in (("households", flats_import), ("premises", premises_import)):
        out = tmp_path / f"{kind}.xlsx"
        export_xlsx(
            user=world.officer_a,
            kind=kind,
            scope=ExportScope.parse("mine"),
            reason="核对",
            full_ids=False,
            path=out,
        )
        again = importer(actor=world.officer_a, rows_source=ImportFile.of(out))
        assert (again.created, again.updated, again.rejected) == (0, 0, []), kind
        assert again.unchanged == again.rows > 0


def test_constant_queries(world: Any, tmp_path: Path) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            for kind in ("residents", "households", "premises"):
                export(world.chief, tmp_path, kind=kind)
        return len(ctx.captured_queries)

    count()  # the chief's scope and the audit chain head, once
    before = count()
    for i in range(30):
        flat = f.FlatFactory(building=world.building_b, room=f"9{i:02d}")
        f.ResidentFactory(flat=flat, is_head=True)
        f.PremisesFactory(community=world.community_b)
    assert count() == before


def test_command(world: Any, tmp_path: Path) -> None:
    out = tmp_path / "c.xlsx"
    call_command(
        "export",
        "households",
        "--as",
        world.officer_b.username,
        "--scope",
        f"community:{world.community_b.pk}",
        "--reason",
        "普查",
        "-o",
        str(out),
        stdout=StringIO(),
    )
    rows = read(out)
    assert rows[0] == ["社区", "小区", "楼栋", "单元", "房号", "状态", "户主", "人数"]
    assert {r[6] for r in rows[1:]} == {"李四", "王五"}
    with pytest.raises(SystemExit) as info:
        call_command(
            "export",
            "residents",
            "--as",
            world.worker_a.username,
            "--reason",
            "x",
            "--full-ids",
            "-o",
            str(out),
            stdout=StringIO(),
            stderr=StringIO(),
        )
    assert info.value.code == 2
