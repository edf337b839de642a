"""The navbar's search box: type, see suggestions, open one; Enter for the page."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from beatbook.registry.models import Resident
from beatbook.search import keys
from beatbook.tests_browser.conftest import log_in, new_page


@pytest.mark.parametrize("width", [360, 1280])
def test_officer_finds_a_resident_from_the_navbar(
    browser: Any, live_server: Any, demo_password: str, screenshot_dir: Any, width: int
) -> None:
    base = live_server.url
    page = new_page(browser, width)

    def shot(name: str) -> None:
        page.screenshot(path=str(screenshot_dir / f"{width}-search-{name}.png"), full_page=True)

    log_in(page, base, "officer-a", demo_password)
    resident = (
        Resident.objects.filter(flat__building__compound__name="富贵佳园", moved_out_on=None)
        .order_by("id")
        .first()
    )
    assert resident is not None
    if width < 768:  # the navbar is collapsed on a phone
        page.click("button.navbar-toggler")
    box = page.locator("#search-box input[name=q]")
    box.click()
    # the initials of the name, typed as an officer would
    box.type(keys.pinyin_keys(resident.name)[1], delay=60)
    link = page.locator(
        f"#search-suggestions a[href='{reverse('registry:resident-detail', args=[resident.pk])}']"
    )
    link.wait_for()
    assert resident.id_number not in page.locator("#search-suggestions").inner_text()
    shot("01-suggestions")
    box.press("Escape")  # closes the suggestions (and empties the search field)
    assert page.locator("#search-suggestions a").count() == 0
    box.type(keys.pinyin_keys(resident.name)[1], delay=60)  # typing again opens them
    link.wait_for()
    link.click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(reverse("registry:resident-detail", args=[resident.pk]))
    assert page.locator(f"text={resident.name}").first.is_visible()
    shot("02-resident")

    # Enter submits the box: the results page, with an address query
    if width < 768:
        page.click("button.navbar-toggler")
    box = page.locator("#search-box input[name=q]")
    box.fill("富贵佳园6栋301")
    box.press("Enter")
    page.wait_for_url("**/search/?q=*")
    page.wait_for_load_state("networkidle")
    flat = resident.flat.__class__.objects.get(
        building__compound__name="富贵佳园", building__number="6", room="301", entrance__number="1"
    )
    assert page.locator(
        f"#search-results a[href='{reverse('registry:flat-detail', args=[flat.pk])}']"
    ).is_visible()
    shot("03-results-page")
