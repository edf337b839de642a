"""An officer uploads a resident list with errors, reads the preview, downloads
the rejected rows, then stores the valid ones; and exports a list."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook

from beatbook.exchange.tests.files import HEADER, make_id, write_xlsx
from beatbook.registry.models import Resident
from beatbook.tests_browser.conftest import log_in, new_page


def _file(tmp_path: Path) -> Path:
    def row(name: str, id_number: Any, room: Any, **kw: Any) -> list[Any]:
        values = dict(
            zip(
                HEADER,
                [name, id_number, "", "", "", "富贵社区", "富贵佳园", "9号楼", 1, room, "", "", ""],
                strict=True,
            )
        )
        values.update(kw)
        return list(values.values())

    return write_xlsx(
        tmp_path / "九号楼住户.xlsx",
        [
            ["九号楼住户名单（社区提供）"],
            HEADER,
            row(
                "韩梅梅",
                make_id("19880808", 202),
                101,
                **{"与户主关系": "户主", "联系电话": "13912345678"},
            ),
            row("李雷", make_id("19870707", 301), 101, **{"与户主关系": "配偶"}),
            row("错号码", make_id("19900101", 11)[:-1] + "0", 102),
            row("重复人", make_id("19880808", 202), 103),
            row("坏电话", make_id("19910101", 13), 104, **{"联系电话": "1391234"}),
            row(
                "外社区", make_id("19920101", 15), 105, **{"社区": "余岗社区", "小区": "新市民公寓"}
            ),
        ],
    )


def test_import_with_errors_preview_and_error_report(
    browser: Any, live_server: Any, demo_password: str, screenshot_dir: Path, tmp_path: Path
) -> None:
    page = new_page(browser, 1280)
    log_in(page, live_server.url, "officer-a", demo_password)
    page.goto(f"{live_server.url}/exchange/import/")
    page.set_input_files("#id_file", str(_file(tmp_path)))
    page.click("main form button[type=submit]")
    try:
        page.wait_for_selector("#rejected-rows")
    finally:
        page.screenshot(path=str(screenshot_dir / "1280-exchange-01-preview.png"), full_page=True)
    page.screenshot(path=str(screenshot_dir / "1280-exchange-01-preview.png"), full_page=True)
    assert page.inner_text("[data-count=created]") == "2"
    assert page.inner_text("[data-count=rejected]") == "4"
    rows = page.locator("#rejected-rows tbody tr")
    assert rows.count() == 4
    # row numbers are the spreadsheet's (a title row above the header): the
    # duplicate in row 6 names row 3
    assert rows.nth(1).inner_text().startswith("6") and "第 3 行" in rows.nth(1).inner_text()
    assert not Resident.objects.filter(name="韩梅梅").exists()

    with page.expect_download() as info:
        page.click("#download-rejected")
    report = tmp_path / "rejected.xlsx"
    info.value.save_as(str(report))
    sheet = CalamineWorkbook.from_path(str(report)).get_sheet_by_index(0).to_python()
    assert "社区" in sheet[4][-1]  # 余岗社区 is beat B's
    assert sheet[0][-1] == "错误原因" and [r[0] for r in sheet[1:]] == [
        "错号码",
        "重复人",
        "坏电话",
        "外社区",
    ]
    _render(sheet, page, screenshot_dir / "1280-exchange-02-error-report.png")

    page.goto(live_server.url + "/exchange/import/")
    page.go_back()
    page.check("#skip-invalid")
    page.click("#confirm-import")
    page.wait_for_selector(".alert-success")
    page.screenshot(path=str(screenshot_dir / "1280-exchange-03-result.png"), full_page=True)
    assert Resident.objects.get(name="韩梅梅").is_head
    assert Resident.objects.get(name="李雷").flat.address == "富贵佳园9号楼1单元101"


def _render(sheet: list[list[Any]], page: Any, path: Path) -> None:
    """Show the downloaded workbook as a table, to look at it in a screenshot."""
    from html import escape

    cells = "".join(
        "<tr>"
        + "".join(
            f"<td>{escape(str(int(c) if isinstance(c, float) and c.is_integer() else c))}</td>"
            for c in row
        )
        + "</tr>"
        for row in sheet
    )
    page.set_content(
        "<style>td{border:1px solid #999;padding:2px 6px;font:13px sans-serif}"
        "tr:first-child td{font-weight:bold;background:#eee}td:last-child{color:#b02a37}</style>"
        f"<table style='border-collapse:collapse'>{cells}</table>"
    )
    page.screenshot(path=str(path), full_page=True)
