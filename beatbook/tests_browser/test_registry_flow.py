"""An officer's round trip through the registry, as on a phone and a desk."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from beatbook.core.models import AuditEntry
from beatbook.registry.idnumbers import check_character
from beatbook.registry.models import Building, Flat, FlatStatus, Resident
from beatbook.tests_browser.conftest import log_in, new_page


def _valid_id(first17: str) -> str:
    return first17 + check_character(first17)


def _wrong_check(number: str) -> str:
    last = number[-1]
    return number[:-1] + ("1" if last != "1" else "2")


@pytest.mark.parametrize("width", [360, 1280])
def test_officer_adds_a_resident_from_the_building_grid(
    browser: Any, live_server: Any, demo_password: str, screenshot_dir: Any, width: int
) -> None:
    base = live_server.url
    page = new_page(browser, width)

    def shot(name: str) -> None:
        page.screenshot(path=str(screenshot_dir / f"{width}-{name}.png"), full_page=True)

    log_in(page, base, "officer-a", demo_password)
    assert page.url.rstrip("/").endswith(reverse("registry:my-beat").rstrip("/"))
    assert page.locator("text=富贵佳园").first.is_visible()
    shot("01-my-beat")

    # my beat → the compound → building 6's grid, by clicking
    building = Building.objects.get(compound__name="富贵佳园", number="6")
    page.click(f"a[href='{reverse('registry:compound-detail', args=[building.compound_id])}']")
    page.wait_for_load_state("networkidle")
    page.click(f"a[href='{reverse('registry:building-detail', args=[building.pk])}']")
    page.wait_for_load_state("networkidle")
    cells = page.locator("a.flat-cell")
    assert cells.count() == 48
    assert page.locator("a.flat-cell.flat-vacant").count() == 3
    shot("02-building-6-grid")

    # open a household with a head of household
    flat = (
        Flat.objects.filter(building=building, residents__is_head=True)
        .exclude(status=FlatStatus.VACANT)
        .order_by("entrance__sort_key", "room")
        .first()
    )
    assert flat is not None
    head = Resident.objects.get(flat=flat, is_head=True)
    flat_url = reverse("registry:flat-detail", args=[flat.pk])
    page.click(f"a.flat-cell[href='{flat_url}']")
    page.wait_for_load_state("networkidle")
    assert head.name in page.content()
    assert flat.address in page.content()
    shot("03-household")

    # add a resident with a bad ID number: the error is shown, what was typed is kept
    page.click(f"a[href='{reverse('registry:resident-create', args=[flat.pk])}']")
    page.wait_for_load_state("networkidle")
    good_id = _valid_id(f"42010519{90 + width % 7:02d}0612" + f"{width % 1000:03d}")
    bad_id = _wrong_check(good_id)
    name = f"测试新人{width}"
    page.fill("#id_name", name)
    page.fill("#id_id_number", bad_id)
    page.fill("#id_phones", "138-1234-5678")
    page.fill("#id_occupation", "快递员")
    page.select_option("#id_relation", "tenant")
    # leaving the field checks it inline (htmx)
    page.click("#id_phones")
    page.wait_for_load_state("networkidle")
    page.click("#resident-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator(".invalid-feedback, .text-danger").first.is_visible()
    assert page.input_value("#id_name") == name
    assert page.input_value("#id_id_number") == bad_id
    assert page.input_value("#id_phones") == "138-1234-5678"
    assert page.input_value("#id_occupation") == "快递员"
    assert page.input_value("#id_relation") == "tenant"
    assert not Resident.objects.filter(name=name).exists()
    shot("04-bad-id-number")

    # fix it and save
    page.fill("#id_id_number", good_id.lower())
    page.click("#resident-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    resident = Resident.objects.get(name=name)
    assert resident.id_number == good_id
    assert resident.flat_id == flat.pk
    assert resident.phones == ["+8613812345678"]
    assert resident.relation == "tenant"
    assert name in page.content()
    assert (
        AuditEntry.objects.filter(action="resident.create", object_id=str(resident.pk)).count() == 1
    )
    shot("05-saved")

    # the resident's page shows the full number, and that read is audited
    page.goto(f"{base}{reverse('registry:resident-detail', args=[resident.pk])}")
    page.wait_for_load_state("networkidle")
    assert good_id in page.content()
    assert AuditEntry.objects.filter(action="resident.read", object_id=str(resident.pk)).exists()
    shot("06-resident")
    page.context.close()


def test_language_switch_and_other_beat_is_not_found(
    browser: Any, live_server: Any, demo_password: str, screenshot_dir: Any
) -> None:
    base = live_server.url
    page = new_page(browser, 1280)
    log_in(page, base, "officer-a", demo_password)
    html_lang = page.get_attribute("html", "lang")
    assert html_lang == "zh-hans"
    other = Resident.objects.filter(flat__building__compound__name="新市民公寓").first()
    response = page.goto(f"{base}{reverse('registry:resident-detail', args=[other.pk])}")
    assert response is not None and response.status == 404
    assert other.name not in page.content()
    page.screenshot(path=str(screenshot_dir / "1280-07-other-beat-404.png"), full_page=True)
    page.goto(f"{base}{reverse('registry:my-beat')}")
    page.click("button[name=language][value=en]")
    page.wait_for_load_state("networkidle")
    assert page.get_attribute("html", "lang") == "en"
    page.screenshot(path=str(screenshot_dir / "1280-08-english.png"), full_page=True)
    page.context.close()
