"""Notifications in the browser: the live feed on an officer's phone, the
administrator's channels and dead letters."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from beatbook.conftest import PASSWORD
from beatbook.notify import services
from beatbook.notify.models import Channel, OutboxMessage, Status
from beatbook.tests_browser.conftest import log_in, new_page


@pytest.mark.django_db(transaction=True)
def test_officer_sees_a_new_page_live_on_the_phone(
    browser: Any, live_server: Any, world: Any, screenshot_dir: Any
) -> None:
    page = new_page(browser, 360)
    log_in(page, live_server.url, world.officer_b.username, PASSWORD)
    page.goto(live_server.url + reverse("notify:inbox"))
    page.wait_for_selector("#notifications")
    page.wait_for_timeout(500)  # the stream is open
    services.page_open(
        subject_type="alert",
        subject_id=42,
        station_id=world.station.pk,
        building_id=world.building_b2.pk,
        title="电梯内发现电动车",
        body="新市民公寓T 2幢 1单元电梯",
        url="/",
        severity="high",
    )
    item = page.wait_for_selector("#notifications a:has-text('电梯内发现电动车')", timeout=10_000)
    assert item is not None and "2幢" in item.inner_text()
    # nobody acknowledged within 5 minutes: the breach arrives live too
    services.escalate_due(now=timezone.now() + dt.timedelta(minutes=5, seconds=1))
    page.wait_for_selector("#notifications a:has-text('响应超时')", timeout=10_000)
    page.screenshot(path=str(screenshot_dir / "notify-360-live-inbox.png"), full_page=True)
    # the push button is there; this test browser has no push service to subscribe to
    assert page.locator("[data-push-enable]").count() == 1
    page.context.close()


@pytest.mark.django_db(transaction=True)
def test_administrator_channels_and_dead_letters(
    browser: Any, live_server: Any, world: Any, screenshot_dir: Any
) -> None:
    channel = Channel.objects.create(
        station=world.station,
        name="短信网关",
        kind="webhook",
        url="http://127.0.0.1:9/hook",
        secret="s",
        failures=10,
        paused_at=timezone.now(),
        last_error="ConnectionError: refused",
    )
    Channel.objects.create(
        station=world.station,
        name="值班钉钉群",
        kind="dingtalk",
        url="https://oapi.dingtalk.com/robot/send?access_token=abc",
        from_step=1,
    )
    now = timezone.now() - dt.timedelta(minutes=5)
    OutboxMessage.objects.create(
        kind="webhook",
        channel=channel,
        endpoint=channel.url,
        payload={"title": "x"},
        status=Status.DEAD,
        attempts=5,
        last_error="HTTP 502: Bad Gateway",
        next_attempt_at=now,
        created_at=now,
    )
    page = new_page(browser, 1280)
    log_in(page, live_server.url, world.sysadmin.username, PASSWORD)
    page.goto(live_server.url + reverse("notify:channel-list"))
    assert page.locator("text=短信网关").first.is_visible()
    page.screenshot(path=str(screenshot_dir / "notify-1280-channels.png"), full_page=True)
    page.click("text=死信")
    page.wait_for_selector("text=HTTP 502")
    page.screenshot(path=str(screenshot_dir / "notify-1280-dead-letters.png"), full_page=True)
    page.click("button:has-text('重试')")
    page.wait_for_load_state("load")
    assert OutboxMessage.objects.get().status == Status.PENDING
    page.context.close()
