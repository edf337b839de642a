"""Officer A on a 360 px phone: from the worklist, "nobody home" then "visited"
for one household in at most three taps each; the building grid changes
colour and the round's coverage figure changes. Then a visit logged with the
network down is kept by the service worker and sent when it returns."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings
from django.urls import reverse

from beatbook.registry import demo as registry_demo
from beatbook.registry.models import Flat
from beatbook.tests_browser.conftest import log_in, new_page
from beatbook.visits import demo as visits_demo
from beatbook.visits.models import Round, Visit

PASSWORD = "browser-visits-pass-1"


@pytest.fixture
def visits_demo_password(transactional_db: Any) -> str:
    """The registry demo and the visits demo only (the other apps' demos are theirs)."""
    with override_settings(FEATURE_APPS=("visits",)):
        registry_demo.load(password=PASSWORD)
    return PASSWORD


def test_officer_logs_nobody_home_then_visited_from_the_worklist(
    browser: Any, live_server: Any, visits_demo_password: str, screenshot_dir: Any
) -> None:
    base = live_server.url
    round_ = Round.objects.get(name=visits_demo.ROUND_NAME)
    page = new_page(browser, 360, 780)
    taps = 0

    def tap(selector: str) -> None:
        nonlocal taps
        taps += 1
        page.locator(selector).first.tap()

    def shot(name: str, full_page: bool = True) -> None:
        page.screenshot(path=str(screenshot_dir / f"360-visits-{name}.png"), full_page=full_page)

    def coverage_on_page() -> str:
        page.wait_for_selector("#round-coverage[data-coverage]")  # loaded after the list
        return page.locator("#round-coverage").get_attribute("data-coverage") or ""

    log_in(page, base, "officer-a", visits_demo_password)
    page.goto(base + reverse("visits:worklist"))
    page.wait_for_load_state("networkidle")
    assert page.locator(".nav-pills .active").inner_text().strip() == round_.name
    shot("01-worklist", full_page=False)

    # the first household of the round still to visit, in stairs order
    row = page.locator(".visit-row:has(form.quick-log input[name=round])").first
    flat_id = int(row.get_attribute("data-flat") or 0)
    flat = Flat.objects.select_related("building").get(pk=flat_id)
    row_selector = f".visit-row[data-flat='{flat_id}']:has(input[name=round])"
    coverage_before = coverage_on_page()

    # "nobody home": one tap
    taps = 0
    tap(f"{row_selector} button[value=nobody_home]")
    page.wait_for_selector(f".visit-row.logged[data-flat='{flat_id}']")
    assert taps == 1
    visit = Visit.objects.get(flat=flat, round=round_)
    assert (visit.outcome, visit.author.username) == ("nobody_home", "officer-a")
    assert coverage_on_page() == coverage_before  # tried is not visited
    row_box = page.locator(f".visit-row.logged[data-flat='{flat_id}']").first
    row_box.scroll_into_view_if_needed()
    shot("02-nobody-home-logged", full_page=False)

    grid_url = (
        base + reverse("registry:building-detail", args=[flat.building_id]) + f"?round={round_.pk}"
    )
    page.goto(grid_url)
    page.wait_for_load_state("networkidle")
    cell = page.locator(f"a.flat-cell[href='{reverse('registry:flat-detail', args=[flat.pk])}']")
    assert "visit-tried" in (cell.get_attribute("class") or "")
    grid_coverage_before = coverage_on_page()
    shot("03-grid-tried")

    # back on the worklist the household is marked tried; "visited" with a note: three taps
    page.goto(base + reverse("visits:worklist"))
    page.wait_for_load_state("networkidle")
    assert page.locator(f"{row_selector} .badge.visit-tried").count() == 1
    taps = 0
    tap(f"{row_selector} button.note-toggle")
    page.locator(f"{row_selector} input[name=notes]").fill("户主在家，一切正常")
    tap(f"{row_selector} button[value=visited]")
    page.wait_for_selector(f".visit-row.logged[data-flat='{flat_id}']")
    assert taps == 2
    visited = Visit.objects.get(flat=flat, round=round_, outcome="visited")
    assert visited.notes == "户主在家，一切正常"
    page.wait_for_function(
        "before => document.querySelector('#round-coverage').dataset.coverage !== before",
        arg=coverage_before,
    )
    assert float(coverage_on_page()) > float(coverage_before)
    page.locator(f".visit-row.logged[data-flat='{flat_id}']").first.scroll_into_view_if_needed()
    shot("04-visited-logged", full_page=False)

    page.goto(grid_url)
    page.wait_for_load_state("networkidle")
    assert "visit-visited" in (cell.get_attribute("class") or "")
    assert float(coverage_on_page()) > float(grid_coverage_before)
    shot("05-grid-visited")

    # building 6 as in the reports
    page.goto(
        base
        + reverse(
            "registry:building-detail", args=[flat.building.compound.buildings.get(number="6").pk]
        )
    )
    page.wait_for_load_state("networkidle")
    assert page.locator("a.flat-cell.visit-visited").count() == 45
    assert page.locator("a.flat-cell.visit-vacant").count() == 3
    assert coverage_on_page() == "1.0000"
    shot("06-building-6")

    # the household's page: classification, talking points, last visits
    page.goto(base + reverse("registry:flat-detail", args=[flat.pk]))
    page.wait_for_load_state("networkidle")
    assert "户主在家，一切正常" in page.content()
    shot("07-household")

    # tonight's plan: overdue follow-ups first, then the lapsed care visit, then the round
    page.goto(base + reverse("visits:tonight"))
    page.wait_for_load_state("networkidle")
    stops = page.locator(".plan-stop")
    assert 0 < stops.count() <= 20
    assert page.locator(".plan-stop .badge.text-bg-danger").count() >= 2
    shot("10-tonight", full_page=False)

    # the round's coverage per building, and the full visit form
    page.goto(base + reverse("visits:round-detail", args=[round_.pk]))
    page.wait_for_load_state("networkidle")
    assert page.locator("table tbody tr").count() == 3
    shot("11-round")
    page.goto(base + reverse("visits:visit-create", args=[flat.pk]))
    page.wait_for_load_state("networkidle")
    shot("12-visit-form")
    page.context.close()


def test_visit_logged_offline_is_sent_when_the_network_returns(
    browser: Any, live_server: Any, visits_demo_password: str, screenshot_dir: Any
) -> None:
    base = live_server.url
    round_ = Round.objects.get(name=visits_demo.ROUND_NAME)
    page = new_page(browser, 360, 780)
    log_in(page, base, "officer-a", visits_demo_password)
    page.goto(base + reverse("visits:worklist"))
    page.wait_for_load_state("networkidle")
    # the service worker controls the page once it is active (it claims open pages)
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller !== null")
    row = page.locator(".visit-row:has(form.quick-log input[name=round])").first
    flat_id = int(row.get_attribute("data-flat") or 0)
    before = Visit.objects.filter(round=round_).count()

    page.context.set_offline(True)
    page.locator(
        f".visit-row[data-flat='{flat_id}']:has(input[name=round]) button[value=visited]"
    ).first.tap()
    page.wait_for_selector(".visit-row.queued")
    assert Visit.objects.filter(round=round_).count() == before
    page.locator(".visit-row.queued").first.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_dir / "360-visits-08-offline-queued.png"))

    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_function(
        "() => !document.querySelector('#offline-status').classList.contains('d-none')"
        " && document.querySelector('#offline-status').textContent.includes('已提交')"
    )
    assert Visit.objects.filter(round=round_, flat_id=flat_id, outcome="visited").count() == 1
    page.screenshot(path=str(screenshot_dir / "360-visits-09-offline-sent.png"))
    page.context.close()
