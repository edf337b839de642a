"""The chief's station view and the no-one-missed list of the demo sweep;
an officer's daily check on the phone in one tap."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from beatbook.sweeps import demo
from beatbook.sweeps.models import DailyCheck
from beatbook.tests_browser.conftest import log_in, new_page


@pytest.mark.parametrize("width", [1280, 360])
def test_chief_opens_station_view_and_no_one_missed_list(
    browser: Any, live_server: Any, demo_password: str, screenshot_dir: Any, width: int
) -> None:
    sweep = demo.find_sweep()
    assert sweep is not None, "the visits demo's sweep on 余岗社区"
    base = live_server.url
    page = new_page(browser, width, height=900)

    def shot(name: str) -> None:
        page.screenshot(path=str(screenshot_dir / f"{width}-sweeps-{name}.png"), full_page=True)
        # what the screen shows first, as the person holding it sees it
        page.screenshot(path=str(screenshot_dir / f"{width}-sweeps-{name}-top.png"))

    log_in(page, base, "chief", demo_password)
    page.goto(f"{base}{reverse('sweeps:station')}?round={sweep.pk}")
    page.wait_for_load_state("networkidle")
    # the charts are drawn (ECharts renders SVG into each chart box)
    for chart in ("chart-progress", "chart-beats", "chart-visitors"):
        page.wait_for_selector(f"#{chart} svg")
    assert page.locator("#table-beats tbody tr").count() == 1  # the sweep is in one beat
    assert page.locator("#table-visitors tbody tr").count() >= 1
    lost = page.locator("#lost-list li")
    assert lost.count() == 1
    shot("01-station")

    # the sweep's page, then its no-one-missed list
    page.goto(f"{base}{reverse('sweeps:sweep-detail', args=[sweep.pk])}")
    page.wait_for_selector("#chart-progress svg")
    shot("02-sweep")
    page.click(f"a[href='{reverse('sweeps:missed', args=[sweep.pk])}']")
    page.wait_for_load_state("networkidle")
    chips = page.locator("a.flat-chip")
    assert chips.count() > 0
    assert page.locator("a.flat-chip.reach-tried").count() > 0
    shot("03-no-one-missed")


def test_officer_checks_a_person_in_one_tap_on_the_phone(
    browser: Any, live_server: Any, demo_password: str, screenshot_dir: Any
) -> None:
    base = live_server.url
    page = new_page(browser, 360, height=780)
    log_in(page, base, "officer-b", demo_password)
    page.goto(f"{base}{reverse('sweeps:observation-list')}?state=lost")
    page.wait_for_load_state("networkidle")
    rows = page.locator("[data-state=lost]")
    assert rows.count() == 1
    page.screenshot(path=str(screenshot_dir / "360-sweeps-04-lost.png"), full_page=True)
    before = DailyCheck.objects.count()
    rows.first.locator("button[type=submit]").click()  # the one tap
    page.wait_for_selector("[data-state=active] .btn-success.disabled")
    assert DailyCheck.objects.count() == before + 1
    page.screenshot(path=str(screenshot_dir / "360-sweeps-05-checked.png"), full_page=True)
    page.locator("[data-state=active] a.fw-semibold").first.click()
    page.wait_for_load_state("networkidle")
    assert page.locator(".day-cell.day-missed").count() == 3
    assert page.locator(".day-cell.day-checked").count() == 4
    page.screenshot(path=str(screenshot_dir / "360-sweeps-08-observation.png"), full_page=True)


def test_officer_logs_a_sweep_visit_with_answers_on_the_phone(
    browser: Any, live_server: Any, demo_password: str, screenshot_dir: Any
) -> None:
    from beatbook.sweeps.models import Answer
    from beatbook.visits.models import Visit

    sweep = demo.find_sweep()
    assert sweep is not None
    base = live_server.url
    page = new_page(browser, 360, height=780)
    log_in(page, base, "officer-b", demo_password)
    page.goto(f"{base}{reverse('sweeps:missed', args=[sweep.pk])}?state=not_yet")
    page.wait_for_load_state("networkidle")
    chip = page.locator("a.flat-chip").first
    flat_id = int(chip.get_attribute("data-flat") or 0)
    chip.click()
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(screenshot_dir / "360-sweeps-06-visit-form.png"), full_page=True)
    # "visited" is preselected; "nothing to report" answers every question: 3 taps in all
    page.locator("[data-all-normal]").click()
    page.locator("button[type=submit]", has_text="保存").click()
    page.wait_for_load_state("networkidle")
    visit = Visit.objects.get(flat_id=flat_id, round=sweep)
    assert visit.outcome == "visited"
    people = Answer.objects.filter(visit=visit, resident__isnull=False)
    assert people.exists() and not people.filter(value=True).exists()
    assert set(people.values_list("value", flat=True)) <= {False, "未外出"}
    # back on the filtered list it came from
    assert page.url.endswith("?state=not_yet")
    assert page.locator(f"a.flat-chip[data-flat='{flat_id}']").count() == 0
    page.screenshot(path=str(screenshot_dir / "360-sweeps-07-after-visit.png"))
