"""Alert pages: what an alert shows, the phone page's one-tap acknowledge,
clearing with the outcome, response times, constant queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from beatbook.alerts import worker
from beatbook.alerts.models import Alert
from beatbook.alerts.tests.factories import make_alert, make_device, make_event
from beatbook.core.models import AuditEntry
from beatbook.registry.tests import factories as rf
from beatbook.sensing.models import EventPicture


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def absence(world: Any, django_capture_on_commit_callbacks: Any) -> Alert:
    """张三 (flat A, lives with a relative) has not opened the door for 24 h."""
    rf.ResidentFactory(flat=world.flat_a, name="张小三", is_head=False, phones=["13800000001"])
    door = make_device(
        flat=world.flat_a,
        person=world.resident_a,
        absence_window=dt.timedelta(hours=24),
        key="door-zs",
    )
    now = timezone.now()
    event = make_event(door, "door_close", now - dt.timedelta(hours=25))
    EventPicture.objects.create(event=event, filename="snap.jpg", content=b"\xff\xd8jpeg", size=6)
    with django_capture_on_commit_callbacks(execute=True):
        worker.run_once(now=now)
    return Alert.objects.get()


def test_the_alert_page_shows_place_person_household_events_and_who_was_told(
    absence: Alert, world: Any
) -> None:
    response = login(world.officer_a).get(reverse("alerts:alert-detail", args=[absence.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert world.flat_a.address in html
    assert "张三" in html and "张小三" in html and "13800000001" in html
    assert reverse("registry:building-detail", args=[world.building_a.pk]) in html
    picture = EventPicture.objects.get()
    assert reverse("alerts:picture", args=[picture.pk]) in html
    assert world.officer_a.label in html  # told at step 0
    # opening the person's file through the alert is audited
    entry = AuditEntry.objects.get(action="resident.read")
    assert entry.object_id == str(world.resident_a.pk) and entry.extra["purpose"] == "alert"


def test_the_picture_is_served_to_those_who_see_it(absence: Alert, world: Any) -> None:
    picture = EventPicture.objects.get()
    url = reverse("alerts:picture", args=[picture.pk])
    response = login(world.officer_a).get(url)
    assert response.status_code == 200 and response.content == b"\xff\xd8jpeg"
    assert login(world.officer_b).get(url).status_code == 404


def test_the_phone_page_lists_active_alerts_and_acknowledges_in_one_tap(
    absence: Alert, world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = login(world.officer_a)
    page = client.get(reverse("alerts:phone")).content.decode()
    assert reverse("alerts:alert-ack", args=[absence.pk]) in page
    assert reverse("notify:live-stream") in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("alerts:alert-ack", args=[absence.pk]), HTTP_HX_REQUEST="true"
        )
    assert response.status_code == 200
    assert reverse("alerts:alert-ack", args=[absence.pk]) not in response.content.decode()
    absence.refresh_from_db()
    assert absence.acknowledged and absence.acknowledged_by == world.officer_a


def test_clearing_from_the_page_requires_the_outcome(absence: Alert, world: Any) -> None:
    client = login(world.officer_a)
    url = reverse("alerts:alert-clear", args=[absence.pk])
    assert client.post(url, {"note": ""}).status_code == 400
    response = client.post(url, {"note": "电话联系家属，老人外出探亲"})
    assert response.status_code == 302
    absence.refresh_from_db()
    assert absence.state == "cleared" and absence.outcome == "电话联系家属，老人外出探亲"


def test_ack_from_the_page_redirects_back(absence: Alert, world: Any) -> None:
    client = login(world.officer_a)
    response = client.post(
        reverse("alerts:alert-ack", args=[absence.pk]), {"next": reverse("alerts:alert-list")}
    )
    assert response.status_code == 302 and response["Location"] == reverse("alerts:alert-list")
    response = client.post(
        reverse("alerts:alert-ack", args=[absence.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("alerts:alert-detail", args=[absence.pk])


def test_list_filters(absence: Alert, world: Any) -> None:
    client = login(world.chief)
    url = reverse("alerts:alert-list")
    detail = reverse("alerts:alert-detail", args=[absence.pk])
    assert detail in client.get(url, {"state": "active"}).content.decode()
    assert detail not in client.get(url, {"state": "cleared"}).content.decode()
    assert detail in client.get(url, {"acknowledged": "false"}).content.decode()
    assert detail not in client.get(url, {"acknowledged": "true"}).content.decode()


def test_response_times_for_the_chief_only(absence: Alert, world: Any) -> None:
    from beatbook.alerts import services

    services.alert_acknowledge(actor=world.officer_a, alert=absence)
    response = login(world.chief).get(reverse("alerts:response-times"))
    assert response.status_code == 200
    for role in ("officer_a", "head", "worker_a", "sysadmin", "auditor"):
        assert login(getattr(world, role)).get(reverse("alerts:response-times")).status_code == 403


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", ["alerts:alert-list", "alerts:phone", "alerts:phone-cards"])
def test_pages_take_constant_queries(world: Any, name: str) -> None:
    client = login(world.officer_a)
    device = make_device(flat=world.flat_a, person=world.resident_a)
    make_alert(device, event_type="smoke")
    url = reverse(name)
    small = _queries(client, url)
    for i in range(15):
        make_alert(make_device(building=world.building_a), event_type="smoke")
        del i
    assert _queries(client, url) == small


# --- silences and compound rules -------------------------------------------------------


def test_silence_list_is_scoped_for_every_role(world: Any) -> None:
    from beatbook.alerts.models import Silence

    now = timezone.now()
    muted = {}
    for key, device in (
        ("a", make_device(building=world.building_a, key="mute-a")),
        ("b", make_device(building=world.building_b, key="mute-b")),
        ("b2", make_device(flat=world.flat_b2, key="mute-b2")),
    ):
        muted[key] = Silence.objects.create(
            device=device,
            starts_at=now,
            ends_at=now + dt.timedelta(hours=1),
            reason="维修",
            created_by=world.officer_a,
        )
    sees = {
        "officer_a": {"a"},
        "officer_b": {"b", "b2"},
        "head": {"b2"},
        "worker_a": {"a"},
        "chief": {"a", "b", "b2"},
        "sysadmin": set(),
        "auditor": set(),
    }
    for role, expected in sees.items():
        html = login(getattr(world, role)).get(reverse("alerts:silence-list")).content.decode()
        shown = {k for k, s in muted.items() if f'data-silence="{s.pk}"' in html}
        assert shown == expected, role


def test_muting_a_device_from_the_page(world: Any) -> None:
    from beatbook.alerts.models import Silence

    make_device(building=world.building_a, key="cam-mute")
    client = login(world.officer_a)
    url = reverse("alerts:silence-list")
    assert (
        client.post(url, {"device": "cam-mute", "rule": "", "hours": 2, "reason": ""}).status_code
        == 400
    )
    other = make_device(building=world.building_b, key="cam-b")
    response = client.post(url, {"device": other.key, "hours": 2, "reason": "维修"})
    assert response.status_code == 400 and not Silence.objects.exists()
    response = client.post(
        url, {"device": "cam-mute", "rule": "instant", "hours": 2, "reason": "摄像头维修"}
    )
    assert response.status_code == 302
    silence = Silence.objects.get()
    assert (silence.rule, silence.reason, silence.created_by) == (
        "instant",
        "摄像头维修",
        world.officer_a,
    )
    assert AuditEntry.objects.filter(action="alerts.silence_create").count() == 1
    assert client.post(reverse("alerts:silence-end", args=[silence.pk])).status_code == 302
    silence.refresh_from_db()
    assert silence.ends_at <= timezone.now()
    assert AuditEntry.objects.filter(action="alerts.silence_end").count() == 1


def test_adjusting_a_compound_rule(world: Any) -> None:
    from beatbook.alerts.models import RuleSetting

    client = login(world.officer_a)
    url = reverse("alerts:compound-rules", args=[world.compound_a.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "event_type": "access_denied",
            "kind": "count",
            "severity": "high",
            "threshold": 3,
            "window_minutes": 5,
        },
    )
    assert response.status_code == 302
    setting = RuleSetting.objects.get()
    assert (setting.kind, setting.threshold, setting.window) == (
        "count",
        3,
        dt.timedelta(minutes=5),
    )
    client.post(
        url,
        {
            "event_type": "access_denied",
            "kind": "default",
            "severity": "low",
            "threshold": 1,
            "window_minutes": 1,
        },
    )
    assert not RuleSetting.objects.exists()
    assert AuditEntry.objects.filter(action="alerts.rule_setting").count() == 2
    # the building head and the community worker see the compound but may not tune it
    assert login(world.worker_a).get(url).status_code == 403
    assert login(world.officer_b).get(url).status_code == 404
