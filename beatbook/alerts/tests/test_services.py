"""Acknowledge and clear: scope, audit, notify told, escalation stopped."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from beatbook.alerts import services, worker
from beatbook.alerts.models import Alert
from beatbook.alerts.tests.factories import make_alert, make_device, make_event
from beatbook.core.models import AuditEntry
from beatbook.notify.models import Page

T0 = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def raised(world: Any, django_capture_on_commit_callbacks: Any) -> Alert:
    """An alert raised by the worker in building A, paged to officer A."""
    camera = make_device(building=world.building_a, kind="camera", created_at=T0)
    make_event(camera, "object_thrown", T0)
    with django_capture_on_commit_callbacks(execute=True):
        worker.run_once(now=T0)
    return Alert.objects.get()


def test_acknowledge_records_who_and_when_and_stops_escalation(
    raised: Alert, world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        alert = services.alert_acknowledge(
            actor=world.officer_a, alert=raised, now=T0 + dt.timedelta(seconds=42)
        )
    assert alert.acknowledged and alert.acknowledged_by == world.officer_a
    entry = AuditEntry.objects.get(action="alerts.acknowledge")
    assert entry.actor == world.officer_a and entry.extra["seconds_to_ack"] == 42.0
    page = Page.objects.get(subject_id=alert.pk)
    assert page.acknowledged_at == T0 + dt.timedelta(seconds=42) and page.next_step_at is None
    # a second tap changes nothing and writes no second entry
    services.alert_acknowledge(actor=world.chief, alert=alert)
    alert.refresh_from_db()
    assert alert.acknowledged_by == world.officer_a
    assert AuditEntry.objects.filter(action="alerts.acknowledge").count() == 1


def test_clear_needs_the_outcome(raised: Alert, world: Any) -> None:
    for note in ("", "   "):
        with pytest.raises(ValidationError) as exc:
            services.alert_clear(actor=world.officer_a, alert=raised, note=note)
        assert "note" in exc.value.error_dict
    raised.refresh_from_db()
    assert raised.state == "active"


def test_clear_closes_the_page_and_acknowledges(
    raised: Alert, world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        alert = services.alert_clear(
            actor=world.officer_a,
            alert=raised,
            note=" 已到场，系物业清理杂物 ",
            now=T0 + dt.timedelta(minutes=7),
        )
    assert (alert.state, alert.outcome, alert.cleared_by) == (
        "cleared",
        "已到场，系物业清理杂物",
        world.officer_a,
    )
    assert alert.acknowledged and alert.acknowledged_at == T0 + dt.timedelta(minutes=7)
    entry = AuditEntry.objects.get(action="alerts.clear")
    assert entry.after["outcome"] == "已到场，系物业清理杂物"
    assert Page.objects.get(subject_id=alert.pk).closed_at == T0 + dt.timedelta(minutes=7)
    with pytest.raises(ValidationError):
        services.alert_clear(actor=world.officer_a, alert=alert, note="again")


@pytest.mark.parametrize("role", ["officer_b", "head", "sysadmin", "auditor"])
def test_out_of_scope_users_cannot_act(raised: Alert, world: Any, role: str) -> None:
    actor = getattr(world, role)
    with pytest.raises(PermissionDenied):
        services.alert_acknowledge(actor=actor, alert=raised)
    with pytest.raises(PermissionDenied):
        services.alert_clear(actor=actor, alert=raised, note="x")
    raised.refresh_from_db()
    assert not raised.acknowledged and raised.state == "active"


def test_the_chief_and_the_building_head_act_where_they_see(world: Any) -> None:
    device = make_device(flat=world.flat_b2)
    alert = make_alert(device, event_type="smoke")
    services.alert_acknowledge(actor=world.head, alert=alert)
    services.alert_clear(actor=world.chief, alert=alert, note="误报")
    alert.refresh_from_db()
    assert (alert.acknowledged_by, alert.cleared_by) == (world.head, world.chief)
