"""Each role's own pages in a real browser: what they see and what they don't."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from beatbook.registry.idnumbers import mask_id_number
from beatbook.registry.models import Resident
from beatbook.tests_browser.conftest import log_in, new_page


def test_worker_sees_masked_id_numbers(
    browser: Any, live_server: Any, demo_password: str, screenshot_dir: Any
) -> None:
    page = new_page(browser, 360)
    log_in(page, live_server.url, "worker-a", demo_password)
    resident = (
        Resident.objects.filter(flat__building__compound__name="富贵佳园").order_by("id").first()
    )
    page.goto(f"{live_server.url}{reverse('registry:resident-detail', args=[resident.pk])}")
    html = page.content()
    assert resident.name in html
    assert resident.id_number not in html
    assert mask_id_number(resident.id_number) in html
    page.screenshot(path=str(screenshot_dir / "360-10-worker-masked.png"), full_page=True)
    page.context.close()


def test_chief_searches_both_beats(
    browser: Any, live_server: Any, demo_password: str, screenshot_dir: Any
) -> None:
    page = new_page(browser, 1280)
    log_in(page, live_server.url, "chief", demo_password)
    other = Resident.objects.filter(flat__building__compound__name="新市民公寓").order_by("id")[10]
    page.goto(f"{live_server.url}{reverse('registry:resident-list')}")
    page.fill("input[name=q]", other.id_number.lower())
    page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    assert other.name in page.content()
    page.screenshot(path=str(screenshot_dir / "1280-11-chief-search.png"), full_page=True)
    page.context.close()


def test_auditor_reads_the_log_and_admin_sees_no_residents(
    browser: Any, live_server: Any, demo_password: str, screenshot_dir: Any
) -> None:
    page = new_page(browser, 1280)
    log_in(page, live_server.url, "admin", demo_password)
    assert "/config/" in page.url
    html = page.content()
    for resident in Resident.objects.order_by("id")[:50]:
        assert resident.id_number not in html
    page.screenshot(path=str(screenshot_dir / "1280-12-admin-config.png"), full_page=True)
    page.context.close()

    page = new_page(browser, 360)
    log_in(page, live_server.url, "auditor", demo_password)
    assert "/audit/" in page.url
    assert "auth.login" in page.content()
    page.screenshot(path=str(screenshot_dir / "360-13-audit-log.png"), full_page=True)
    page.context.close()


def test_api_docs_render_from_local_assets(
    browser: Any, live_server: Any, screenshot_dir: Any, db: Any
) -> None:
    page = new_page(browser, 1280)
    outside: list[str] = []
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None,
    )
    page.goto(f"{live_server.url}{reverse('api-docs')}")
    page.wait_for_selector(".swagger-ui .opblock", timeout=20_000)
    assert page.locator(".opblock").count() > 10
    assert not [u for u in outside if not u.startswith("data:")], outside
    page.screenshot(path=str(screenshot_dir / "1280-14-api-docs.png"))
    page.context.close()
