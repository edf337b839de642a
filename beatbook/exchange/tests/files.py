"""Writing real import files in tests: xlsx (xlsxwriter) and csv in several encodings."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import xlsxwriter

from beatbook.registry.idnumbers import check_character

HEADER = [
    "姓名",
    "身份证号",
    "性别",
    "出生日期",
    "联系电话",
    "社区",
    "小区",
    "楼栋",
    "单元",
    "房号",
    "人员类型",
    "与户主关系",
    "备注",
]


def make_id(birth: str = "19850312", seq: int = 123, region: str = "110105") -> str:
    first17 = f"{region}{birth}{seq:03d}"
    return first17 + check_character(first17)


def write_xlsx(path: Path, rows: Sequence[Sequence[Any]], *, title_rows: int = 0) -> Path:
    """Cells keep their Python type: numbers become number cells, dates date cells."""
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("名单")
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for r in range(title_rows):
        sheet.write(r, 0, f"标题行 {r + 1}")
    for r, values in enumerate(rows, start=title_rows):
        for c, value in enumerate(values):
            if isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date_format)
            elif value is None:
                continue
            else:
                sheet.write(r, c, value)
    workbook.close()
    return path


def write_csv(path: Path, rows: Sequence[Sequence[Any]], *, encoding: str = "utf-8") -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for values in rows:
        writer.writerow(["" if v is None else v for v in values])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path
