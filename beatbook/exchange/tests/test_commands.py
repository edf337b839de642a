"""``beatbook import``: JSON, summary and exit codes."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from beatbook.exchange.tests.files import HEADER, write_csv, write_xlsx
from beatbook.exchange.tests.test_services import A, person
from beatbook.registry.models import Resident


def run(*args: str) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("import", *args, stdout=out, stderr=StringIO())
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue()


def test_json_exit_0(world: Any, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [HEADER, person("甲", 1), person("乙", 3, room="302")])
    code, out = run("residents", str(path), "--json", "--as", world.officer_a.username)
    assert code == 0
    assert json.loads(out) == {
        "rows": 2,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "stored": True,
        "rejected": [],
        "warnings": [],
    }


def test_json_exit_1_and_skip_invalid(world: Any, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "a.xlsx", [HEADER, person("甲", 1), person("乙", 1, room="302")])
    code, out = run("residents", str(path), "--json")
    data = json.loads(out)
    assert code == 1 and data["stored"] is False and data["created"] == 1
    assert data["rejected"][0]["row"] == 3 and data["rejected"][0]["column"] == "身份证号"
    code, out = run("residents", str(path), "--json", "--skip-invalid")
    assert code == 0 and json.loads(out)["stored"] is True
    assert Resident.objects.filter(name="甲").exists()


def test_dry_run_exits_as_it_would(world: Any, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [HEADER, person("甲", 1), person("乙", 1)])
    code, out = run("residents", str(path), "--json", "--dry-run")
    assert code == 1 and json.loads(out)["stored"] is False
    code, _out = run("residents", str(path), "--dry-run", "--skip-invalid")
    assert code == 0 and not Resident.objects.filter(name="甲").exists()


@pytest.mark.parametrize(
    ("name", "content", "missing"),
    [
        ("a.csv", "姓名,社区\n张三,x\n".encode(), ["公民身份号码", "小区", "楼栋", "房号"]),
        ("a.xlsx", b"not a workbook", []),
    ],
)
def test_exit_2(db: Any, tmp_path: Path, name: str, content: bytes, missing: list[str]) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    code, out = run("residents", str(path), "--json")
    data = json.loads(out)
    assert (
        code == 2
        and set(data) == {"error", "missing_columns"}
        and data["missing_columns"] == missing
    )


def test_unknown_user_and_readable_summary(world: Any, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [HEADER, person("甲", 1, community=A), person("乙", 1)])
    code, _ = run("residents", str(path), "--as", "nobody")
    assert code == 2
    code, out = run("residents", str(path))
    assert code == 1 and "3" in out and "身份证号" in out
