"""The reading layer on real files (no database)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from beatbook.exchange.readers import UnusableFile, open_table
from beatbook.exchange.rows import RESIDENTS
from beatbook.exchange.tests.files import write_csv, write_xlsx

ROWS = [
    ["序号", " 姓名 ", "身份证号", "社区", "小区", "楼栋", "房号"],
    [1, "张三", "110105198503121237", "余岗社区", "新园", "6号楼", "301"],
    ["", "", "", "", "", "", ""],
    [2, "李四", "110105198503121245", "余岗社区", "新园", 6, 302],
]


def test_xlsx_title_rows_blank_rows_and_row_numbers(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "f.xlsx", ROWS, title_rows=2)
    table = open_table(path, RESIDENTS)
    assert table.header_row == 3
    rows = list(table.rows())
    assert [n for n, _ in rows] == [4, 6]  # the blank row 5 is skipped, numbers kept
    assert rows[0][1]["name"] == "张三"
    assert rows[1][1]["building"] == 6.0 and rows[1][1]["room"] == 302.0
    assert table.unknown_columns == ["序号"]
    assert table.written["name"] == "姓名"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings(tmp_path: Path, encoding: str) -> None:
    path = write_csv(tmp_path / "f.csv", ROWS, encoding=encoding)
    table = open_table(path, RESIDENTS)
    rows = list(table.rows())
    assert [n for n, _ in rows] == [2, 4]
    assert rows[1][1]["name"] == "李四" and rows[1][1]["building"] == "6"
    assert table.written["name"] == "姓名"


def test_typed_cells(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "f.xlsx",
        [
            ["姓名", "身份证号", "出生日期", "社区", "小区", "楼栋", "房号"],
            ["王五", 110105198503121237, dt.date(1985, 3, 12), "c", "x", 3.0, 301],
        ],
    )
    ((_, cells),) = list(open_table(path, RESIDENTS).rows())
    assert isinstance(cells["id_number"], float)
    assert cells["birth_date"] == dt.date(1985, 3, 12)


def test_missing_required_columns(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "f.csv", [["姓名", "社区", "备注"], ["张三", "x", ""]])
    with pytest.raises(UnusableFile) as info:
        open_table(path, RESIDENTS)
    assert info.value.missing_columns == ["公民身份号码", "小区", "楼栋", "房号"]


def test_no_header_in_first_ten_rows(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "f.csv", [["x"]] * 10 + [["姓名", "身份证号"]])
    with pytest.raises(UnusableFile):
        open_table(path, RESIDENTS)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("f.xlsx", "姓名,身份证号\n张三,1\n".encode()),  # CSV text named .xlsx
        ("f.xlsx", b"PK\x03\x04garbage that is not a zip"),
        ("f.csv", b"\x00\x01\x02\xff\xfe binary"),
        ("f.csv", b"PK\x03\x04zip named csv"),
        ("f.txt", b"whatever"),
        ("f.csv", bytes(range(128, 256)) * 10),
    ],
)
def test_unusable_files(tmp_path: Path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnusableFile):
        table = open_table(path, RESIDENTS)
        list(table.rows())


def test_csv_cell_with_a_line_break_is_one_row(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text(
        '姓名,身份证号,社区,小区,楼栋,房号,备注\n甲,1,c,x,1,101,"两行\n备注"\n乙,2,c,x,1,102,\n'
    )
    rows = list(open_table(path, RESIDENTS).rows())
    assert [n for n, _ in rows] == [2, 3]
