"""Devices as an officer sees them: the compound's cameras, a new door sensor
added through the page, and its first event arriving over real HTTP."""

from __future__ import annotations

import json
import re
import urllib.request
from typing import Any

import pytest
from django.urls import reverse

from beatbook.registry.models import Resident
from beatbook.sensing.models import Device, Event
from beatbook.tests_browser.conftest import log_in, new_page


@pytest.mark.parametrize("width", [360, 1280])
def test_officer_adds_a_door_sensor_and_sees_its_events(
    browser: Any, live_server: Any, demo_password: str, screenshot_dir: Any, width: int
) -> None:
    base = live_server.url
    page = new_page(browser, width)

    def shot(name: str) -> None:
        page.screenshot(path=str(screenshot_dir / f"{width}-sensing-{name}.png"), full_page=True)

    # officer-b: 新市民公寓's elevator cameras
    log_in(page, base, "officer-b", demo_password)
    page.goto(f"{base}{reverse('sensing:device-list')}?kind=elevator_camera")
    rows = page.locator("a.list-group-item[href*='/devices/']")
    assert rows.count() == 22
    shot("01-elevator-cameras")
    camera = Device.objects.get(key="xsm-cam-001")
    page.click(f"a[href='{reverse('sensing:device-detail', args=[camera.pk])}']")
    page.wait_for_load_state("networkidle")
    assert "新市民公寓视频平台" in page.content()
    shot("02-camera")

    # officer-a adds a door sensor for an elderly resident living alone
    context = page.context
    context.clear_cookies()
    log_in(page, base, "officer-a", demo_password)
    person = (
        Resident.objects.filter(flat__building__compound__name="富贵佳园", notes="独居老人")
        .exclude(devices__isnull=False)
        .first()
    ) or Resident.objects.filter(flat__building__compound__name="富贵佳园").first()
    assert person is not None
    page.goto(f"{base}{reverse('sensing:device-create')}?person={person.pk}")
    page.fill("#id_key", f"browser-door-{width}")
    page.select_option("#id_kind", "door_sensor")
    page.select_option("#id_level", "flat")
    page.fill("#id_address", person.flat.address)
    page.fill("#id_absence_window", "24h")
    page.fill("#id_heartbeat_window", "30m")
    shot("03-new-door-sensor")
    page.click("form:has(#id_key) button[type=submit]")
    page.wait_for_load_state("networkidle")
    shot("04-token-once")
    token = page.locator("[data-token]").inner_text().strip()
    assert re.fullmatch(r"[A-Za-z0-9_-]{30,}", token)

    # the sensor reports over real HTTP; its page shows the event
    body = json.dumps({"events": [{"msg_id": "first", "type": "door_open"}]}).encode()
    request = urllib.request.Request(  # noqa: S310 - the local test server
        f"{base}/ingest/events",
        data=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        assert response.status == 202
        assert json.loads(response.read())["accepted"] == 1
    device = Device.objects.get(key=f"browser-door-{width}")
    assert Event.objects.filter(device=device, type="door_open").count() == 1
    page.click("main a.btn-primary, .form-page a.btn-primary")  # on to the device page
    page.wait_for_load_state("networkidle")
    assert person.name in page.content()
    assert page.locator("table tbody tr").count() == 1
    shot("05-door-sensor-with-event")
