"""/api/v1/alerts/: fields, filters, scoping, acknowledge and clear, queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from beatbook.alerts import worker
from beatbook.alerts.models import Alert
from beatbook.alerts.tests.factories import make_alert, make_device, make_event
from beatbook.notify.models import Page

FIELDS = {
    "id",
    "device",
    "rule",
    "event_type",
    "severity",
    "state",
    "acknowledged",
    "count",
    "created_at",
    "last_seen_at",
    "escalation_step",
    "breached",
    "late",
}


def client_for(user: Any) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def alerts(world: Any, django_capture_on_commit_callbacks: Any) -> dict[str, Alert]:
    camera = make_device(building=world.building_a, kind="camera", key="cam-a")
    door = make_device(flat=world.flat_a, person=world.resident_a, key="door-a")
    gate = make_device(building=world.building_b, kind="access_control", key="gate-b")
    t0 = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)
    make_event(camera, "object_thrown", t0)
    make_event(camera, "object_thrown", t0 + dt.timedelta(seconds=3))
    with django_capture_on_commit_callbacks(execute=True):
        worker.run_once(now=t0)
    thrown = Alert.objects.get()
    # escalated to the breach by the notify worker
    from beatbook.notify.services import escalate_due

    escalate_due(now=t0 + dt.timedelta(minutes=5, seconds=1))
    absent = make_alert(
        door,
        rule="absence",
        event_type="door_open",
        late=True,
        acknowledged=True,
        acknowledged_by=world.officer_a,
        acknowledged_at=t0,
    )
    cleared = make_alert(gate, rule="count", event_type="access_denied", state="cleared")
    return {"thrown": thrown, "absent": absent, "cleared": cleared}


def test_list_fields_are_exactly_those_of_the_issue(alerts: dict[str, Alert], world: Any) -> None:
    response = client_for(world.officer_a).get(reverse("api:alert-list"))
    assert response.status_code == 200
    rows = {row["id"]: row for row in response.json()["results"]}
    assert set(rows) == {alerts["thrown"].pk, alerts["absent"].pk}
    thrown = rows[alerts["thrown"].pk]
    assert set(thrown) == FIELDS
    assert {k: thrown[k] for k in FIELDS - {"id", "created_at", "last_seen_at"}} == {
        "device": "cam-a",
        "rule": "instant",
        "event_type": "object_thrown",
        "severity": "high",
        "state": "active",
        "acknowledged": False,
        "count": 2,
        "escalation_step": 5,
        "breached": True,
        "late": False,
    }
    absent = rows[alerts["absent"].pk]
    assert (absent["rule"], absent["late"], absent["escalation_step"], absent["breached"]) == (
        "absence",
        True,
        0,
        False,
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"state": "active"}, {"thrown", "absent"}),
        ({"state": "cleared"}, {"cleared"}),
        ({"acknowledged": "true"}, {"absent"}),
        ({"acknowledged": "false"}, {"thrown", "cleared"}),
        ({"state": "active", "acknowledged": "false"}, {"thrown"}),
    ],
)
def test_filters(
    alerts: dict[str, Alert], world: Any, query: dict[str, str], expected: set[str]
) -> None:
    response = client_for(world.chief).get(reverse("api:alert-list"), query)
    ids = {row["id"] for row in response.json()["results"]}
    assert ids == {alerts[k].pk for k in expected}


def test_bad_filter_values_answer_400(alerts: dict[str, Alert], world: Any) -> None:
    client = client_for(world.chief)
    assert client.get(reverse("api:alert-list"), {"state": "open"}).status_code == 400
    assert client.get(reverse("api:alert-list"), {"acknowledged": "maybe"}).status_code == 400


def test_detail_and_404_out_of_scope(alerts: dict[str, Alert], world: Any) -> None:
    url = reverse("api:alert-detail", args=[alerts["thrown"].pk])
    assert client_for(world.officer_a).get(url).json()["escalation_step"] == 5
    for role in ("officer_b", "head", "sysadmin", "auditor"):
        assert client_for(getattr(world, role)).get(url).status_code == 404
    assert client_for(world.chief).get(reverse("api:alert-detail", args=[10**9])).status_code == 404


def test_ack_and_clear(
    alerts: dict[str, Alert], world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(world.officer_a)
    pk = alerts["thrown"].pk
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("api:alert-ack", args=[pk]))
    assert response.status_code == 200 and response.json()["acknowledged"] is True
    assert Page.objects.get(subject_id=pk).acknowledged_at is not None
    bad = client.post(reverse("api:alert-clear", args=[pk]), {"note": " "}, format="json")
    assert bad.status_code == 400 and "note" in bad.json()
    missing = client.post(reverse("api:alert-clear", args=[pk]), {}, format="json")
    assert missing.status_code == 400
    done = client.post(reverse("api:alert-clear", args=[pk]), {"note": "已处置"}, format="json")
    assert done.status_code == 200 and done.json()["state"] == "cleared"
    assert Alert.objects.get(pk=pk).outcome == "已处置"


def test_ack_and_clear_out_of_scope_are_404(alerts: dict[str, Alert], world: Any) -> None:
    client = client_for(world.officer_b)
    pk = alerts["thrown"].pk
    assert client.post(reverse("api:alert-ack", args=[pk])).status_code == 404
    assert (
        client.post(reverse("api:alert-clear", args=[pk]), {"note": "x"}, format="json").status_code
        == 404
    )
    assert not Alert.objects.get(pk=pk).acknowledged


def _list_queries(client: APIClient) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("api:alert-list"))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_list_queries_do_not_grow_with_the_alerts(world: Any) -> None:
    client = client_for(world.officer_a)
    device = make_device(flat=world.flat_a, person=world.resident_a)
    for i in range(2):
        make_alert(device, event_type=f"smoke{i}"[:20], rule="instant")
    small = _list_queries(client)
    for i in range(2, 20):
        make_alert(device, rule="count", event_type=f"t{i}")
    assert _list_queries(client) == small
