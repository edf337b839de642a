"""Officer A's phone (360 px): an object thrown from height in building 6 is
ingested during the test, the worker jobs run, the alert appears live on the
phone page, and one tap acknowledges it."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string

from beatbook.accounts.models import User
from beatbook.alerts.models import Alert
from beatbook.registry.models import Building
from beatbook.sensing import services as sensing
from beatbook.tests_browser.conftest import log_in, new_page


def _run_worker_jobs() -> int:
    done = 0
    for path in settings.WORKER_JOBS:
        done += import_string(path)()
    return done


def test_officer_a_sees_a_new_alert_live_and_acknowledges_it_in_one_tap(
    browser: Any, live_server: Any, demo_password: str, screenshot_dir: Any
) -> None:
    base = live_server.url
    while _run_worker_jobs():  # whatever the demo left waiting
        pass
    building = Building.objects.get(compound__name="富贵佳园", number="6")
    camera = sensing.device_create(
        actor=None, key="browser-cam-6", kind="camera", place=building, name="6号楼高空抛物摄像机"
    )

    page = new_page(browser, 360)

    def shot(name: str) -> None:
        page.screenshot(path=str(screenshot_dir / f"360-alerts-{name}.png"), full_page=True)

    log_in(page, base, "officer-a", demo_password)
    page.goto(base + reverse("alerts:phone"))
    page.wait_for_selector("#live-dot.on")  # the live feed is connected
    before = page.locator("[data-alert]").count()
    shot("01-phone-connected")

    # the camera pushes an event through the HTTP ingestion endpoint
    body = {
        "events": [
            {
                "msg_id": "browser-1",
                "type": "object_thrown",
                "ts": timezone.now().isoformat(),
                "data": {"floor_estimate": 12},
            }
        ]
    }
    response = page.context.request.post(
        base + reverse("sensing:ingest-events"),
        data=json.dumps(body),
        headers={"Authorization": f"Bearer {camera.token}", "Content-Type": "application/json"},
    )
    assert response.status == 202 and response.json()["accepted"] == 1
    assert _run_worker_jobs() >= 1
    alert = Alert.objects.get(device=camera.obj)
    assert (alert.rule, alert.event_type, alert.state) == ("instant", "object_thrown", "active")

    # it arrives on the phone without reloading the page
    card = page.locator(f"[data-alert='{alert.pk}']")
    card.wait_for(state="visible", timeout=10_000)
    assert page.locator("[data-alert]").count() == before + 1
    assert "6号楼" in card.inner_text()
    shot("02-new-alert-live")

    # one tap
    card.locator("[data-test=ack]").tap()
    card.locator("[data-test=ack]").wait_for(state="detached")
    alert.refresh_from_db()
    officer_a = User.objects.get(username="officer-a")
    assert alert.acknowledged and alert.acknowledged_by == officer_a
    assert officer_a.label in page.locator(f"[data-alert='{alert.pk}']").inner_text()
    shot("03-acknowledged")

    # the alert's own page: where, who was told, the event
    page.goto(base + reverse("alerts:alert-detail", args=[alert.pk]))
    assert page.locator("text=6号楼").first.is_visible()
    shot("04-alert-detail")

    # the demo's waiting alert: the elderly person's door has not opened for a day
    absence = Alert.objects.filter(rule="absence", state="active").first()
    if absence is not None:
        page.goto(base + reverse("alerts:alert-detail", args=[absence.pk]))
        assert absence.person is not None
        assert page.locator(f"text={absence.person.name}").first.is_visible()
        shot("05-absence-detail")
    page.context.close()


def test_the_chief_reads_response_times(
    browser: Any, live_server: Any, demo_password: str, screenshot_dir: Any
) -> None:
    page = new_page(browser, 1280)
    log_in(page, live_server.url, "chief", demo_password)
    page.goto(live_server.url + reverse("alerts:response-times"))
    rows = page.locator("tbody tr")
    assert rows.count() >= 2  # the station and at least one officer
    page.screenshot(path=str(screenshot_dir / "1280-alerts-response-times.png"), full_page=True)
    page.goto(live_server.url + reverse("alerts:alert-list"))
    page.screenshot(path=str(screenshot_dir / "1280-alerts-list.png"), full_page=True)
    page.context.close()
