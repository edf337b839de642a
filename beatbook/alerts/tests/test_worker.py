"""The worker over real storage: events → alerts (folded), timers, restart,
paging after commit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from beatbook.alerts import rules, worker
from beatbook.alerts.models import Alert, DeviceTimer, RuleSetting, Silence
from beatbook.alerts.tests.factories import make_device, make_event
from beatbook.notify.models import Page
from beatbook.sensing.models import Event

T0 = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)
H24 = dt.timedelta(hours=24)
S1 = dt.timedelta(seconds=1)

pytestmark = pytest.mark.django_db(transaction=True)


def drain(now: dt.datetime) -> None:
    while worker.run_once(now=now):
        pass


@pytest.fixture
def camera(world: Any) -> Any:
    return make_device(building=world.building_a, kind="camera", created_at=T0)


@pytest.fixture
def door(world: Any) -> Any:
    """The door sensor of an elderly person living alone (张三, flat A)."""
    return make_device(
        flat=world.flat_a,
        person=world.resident_a,
        absence_window=H24,
        heartbeat_window=dt.timedelta(minutes=30),
        created_at=T0,
    )


def test_an_instant_event_raises_one_alert_and_pages_it(camera: Any, world: Any) -> None:
    event = make_event(camera, "object_thrown", T0)
    assert worker.run_once(now=T0 + S1) >= 1
    alert = Alert.objects.get()
    assert (alert.rule, alert.event_type, alert.severity, alert.state) == (
        "instant",
        "object_thrown",
        "high",
        "active",
    )
    assert (alert.count, alert.first_event_id, alert.last_event_id) == (1, event.pk, event.pk)
    assert Event.objects.get().evaluated
    page = Page.objects.get(subject_type="alert", subject_id=alert.pk)
    assert page.building_id == world.building_a.pk and not alert.page_pending
    assert set(page.told.values_list("user_id", flat=True)) == {world.officer_a.pk}


def test_repeats_fold_into_the_active_alert(camera: Any) -> None:
    make_event(camera, "object_thrown", T0)
    make_event(camera, "object_thrown", T0 + S1)
    worker.run_once(now=T0 + S1)
    last = make_event(camera, "object_thrown", T0 + 10 * S1)
    worker.run_once(now=T0 + 10 * S1)
    alert = Alert.objects.get()
    assert (alert.count, alert.last_event_id, alert.last_seen_at) == (3, last.pk, T0 + 10 * S1)
    assert Page.objects.count() == 1


def test_a_cleared_alert_does_not_absorb_the_next_occurrence(camera: Any, world: Any) -> None:
    from beatbook.alerts.services import alert_clear

    make_event(camera, "object_thrown", T0)
    worker.run_once(now=T0)
    alert_clear(actor=world.officer_a, alert=Alert.objects.get(), note="已处置")
    make_event(camera, "object_thrown", T0 + 60 * S1)
    worker.run_once(now=T0 + 60 * S1)
    assert list(Alert.objects.order_by("id").values_list("state", "count")) == [
        ("cleared", 1),
        ("active", 1),
    ]


def test_count_rule_across_batches(world: Any) -> None:
    gate = make_device(building=world.building_a, kind="access_control", created_at=T0)
    for i in range(4):
        make_event(gate, "access_denied", T0 + i * 60 * S1)
        worker.run_once(now=T0 + i * 60 * S1)
    assert not Alert.objects.exists()
    make_event(gate, "access_denied", T0 + 240 * S1)
    worker.run_once(now=T0 + 240 * S1)
    alert = Alert.objects.get()
    assert (alert.rule, alert.count) == ("count", 5)
    make_event(gate, "access_denied", T0 + 300 * S1)
    worker.run_once(now=T0 + 300 * S1)
    assert Alert.objects.get().count == 6


def test_compound_settings_change_the_rules(world: Any, camera: Any) -> None:
    RuleSetting.objects.create(compound=world.compound_a, event_type="object_thrown", kind="")
    RuleSetting.objects.create(
        compound=world.compound_a, event_type="motion", kind="instant", severity="low"
    )
    make_event(camera, "object_thrown", T0)
    make_event(camera, "motion", T0)
    worker.run_once(now=T0)
    assert list(Alert.objects.values_list("event_type", "severity")) == [("motion", "low")]


def test_a_silenced_device_raises_nothing(world: Any, camera: Any) -> None:
    Silence.objects.create(
        device=camera,
        starts_at=T0 - H24,
        ends_at=T0 + H24,
        reason="maintenance",
        created_by=world.officer_a,
    )
    make_event(camera, "object_thrown", T0)
    worker.run_once(now=T0)
    assert not Alert.objects.exists() and Event.objects.get().evaluated


def test_absence_fires_at_the_deadline_and_clears_on_the_next_event(door: Any, world: Any) -> None:
    make_event(door, "door_close", T0)
    for minute in range(0, 24 * 60, 20):  # heartbeats keep it online, not active
        make_event(door, "heartbeat", T0 + dt.timedelta(minutes=minute))
    drain(T0 + dt.timedelta(hours=23, minutes=59, seconds=59))
    assert not Alert.objects.exists()
    worker.run_once(now=T0 + H24 + S1)
    alert = Alert.objects.get()
    assert (alert.rule, alert.person_id, alert.late, alert.state) == (
        "absence",
        world.resident_a.pk,
        False,
        "active",
    )
    assert alert.subject == f"p{world.resident_a.pk}"
    # a heartbeat changes nothing; the door opening clears it
    make_event(door, "heartbeat", T0 + H24 + 60 * S1)
    worker.run_once(now=T0 + H24 + 60 * S1)
    assert Alert.objects.get().state == "active"
    make_event(door, "door_open", T0 + H24 + 120 * S1)
    worker.run_once(now=T0 + H24 + 120 * S1)
    alert.refresh_from_db()
    assert alert.state == "cleared" and alert.cleared_by is None and alert.cleared_at
    assert Page.objects.get(subject_id=alert.pk).closed_at is not None
    timer = DeviceTimer.objects.get(device=door)
    assert timer.next_due_at == T0 + H24 + 120 * S1 + dt.timedelta(minutes=30)


def test_offline_inhibits_absence_and_clears_when_heard_again(door: Any) -> None:
    make_event(door, "door_open", T0)
    worker.run_once(now=T0)
    worker.run_once(now=T0 + dt.timedelta(minutes=30, seconds=1))
    (offline,) = Alert.objects.all()
    assert (offline.rule, offline.event_type, offline.person_id) == ("offline", "heartbeat", None)
    drain(T0 + 2 * H24)
    assert Alert.objects.count() == 1  # no absence: the sensor is dead, not the person
    # heard again (a heartbeat): offline clears, and the long silence now counts
    make_event(door, "heartbeat", T0 + 2 * H24)
    worker.run_once(now=T0 + 2 * H24)
    offline.refresh_from_db()
    assert offline.state == "cleared"
    absence = Alert.objects.get(rule="absence")
    assert absence.state == "active"


def test_offline_clears_on_a_heartbeat_without_an_event(door: Any) -> None:
    from beatbook.sensing.models import Device

    make_event(door, "door_open", T0)
    worker.run_once(now=T0 + dt.timedelta(hours=1))
    assert Alert.objects.get().rule == "offline"
    Device.objects.filter(pk=door.pk).update(last_seen_at=T0 + dt.timedelta(hours=2))
    worker.run_once(now=T0 + dt.timedelta(hours=2))
    assert Alert.objects.get().state == "cleared"


def test_restart_fires_overdue_deadlines_marked_late(door: Any) -> None:
    make_event(door, "door_open", T0)
    make_event(door, "heartbeat", T0 + dt.timedelta(hours=23, minutes=50))
    worker.run_once(now=T0)  # the worker evaluates, then "stops"
    # back 3 hours later: the absence deadline passed while nothing ran
    worker.run_once(now=T0 + H24 + dt.timedelta(hours=3))
    alerts = {a.rule: a for a in Alert.objects.all()}
    assert alerts["absence"].late and alerts["offline"].late
    assert alerts["absence"].last_seen_at == T0 + H24


def test_a_new_device_gets_a_timer_without_sending_anything(world: Any) -> None:
    worker.run_once(now=T0)
    silent = make_device(
        building=world.building_a, heartbeat_window=dt.timedelta(minutes=10), created_at=T0
    )
    worker.run_once(now=T0 + 60 * S1)
    assert DeviceTimer.objects.get(device=silent).next_due_at == T0 + dt.timedelta(minutes=10)
    worker.run_once(now=T0 + dt.timedelta(minutes=10))
    assert Alert.objects.get().rule == "offline"


def test_a_killed_batch_leaves_no_alert_and_is_evaluated_again(
    camera: Any, monkeypatch: Any
) -> None:
    make_event(camera, "smoke", T0)

    def die(*args: Any, **kwargs: Any) -> None:
        raise SystemExit("killed")

    monkeypatch.setattr(worker, "_clear", die)
    with pytest.raises(SystemExit):
        worker.run_once(now=T0)
    assert not Alert.objects.exists() and not Event.objects.get().evaluated
    monkeypatch.undo()
    worker.run_once(now=T0)
    assert Alert.objects.count() == 1 and Event.objects.get().evaluated


def test_an_alert_committed_but_not_paged_is_paged_on_the_next_call(
    camera: Any, monkeypatch: Any
) -> None:
    from beatbook.alerts import paging

    monkeypatch.setattr(paging, "sync", lambda **kwargs: 0)
    make_event(camera, "smoke", T0)
    worker.run_once(now=T0)
    assert Alert.objects.get().page_pending and not Page.objects.exists()
    monkeypatch.undo()
    worker.run_once(now=T0)
    assert not Alert.objects.get().page_pending and Page.objects.count() == 1


def _timer_check_queries(now: dt.datetime) -> int:
    with CaptureQueriesContext(connection) as ctx:
        worker.fire_due_timers(now=now)
    return len(
        [q for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    )


def test_a_timer_check_with_nothing_due_is_one_query_at_any_size(world: Any) -> None:
    from beatbook.sensing.models import Device

    make_device(building=world.building_a, absence_window=H24, created_at=T0)
    worker.run_once(now=T0)
    small = _timer_check_queries(T0 + S1)
    Device.objects.bulk_create(
        [
            Device(
                key=f"bulk-{i}",
                kind="door_sensor",
                level="building",
                building=world.building_a,
                compound=world.compound_a,
                absence_window=H24,
                token_hash=f"h{i}",
            )
            for i in range(300)
        ]
    )
    worker.sync_new_devices(now=T0)
    assert DeviceTimer.objects.count() == 301
    assert _timer_check_queries(T0 + S1) == small <= 3


def test_rules_vocabulary_matches_sensing() -> None:
    from beatbook.sensing.models import EventType

    assert set(rules.DEFAULT_RULES) <= set(EventType.values)
    assert set(EventType.values) >= rules.ACTIVITY_TYPES


def test_skipped_timer_writes_never_fire_early(door: Any) -> None:
    """Messages within TIMER_SLACK of the stored deadline are not written to
    the timer row; the timer check re-reads them before firing."""
    assert worker.TIMER_SLACK >= 30 * S1
    make_event(door, "door_open", T0)
    worker.run_once(now=T0)
    make_event(door, "door_close", T0 + 30 * S1)  # activity and a message, 30 s later
    worker.run_once(now=T0 + 30 * S1)
    timer = DeviceTimer.objects.get(device=door)
    assert timer.next_due_at == T0 + dt.timedelta(minutes=30)  # not rewritten
    worker.run_once(now=T0 + dt.timedelta(minutes=30, seconds=1))
    assert not Alert.objects.exists()
    timer.refresh_from_db()
    assert timer.next_due_at == T0 + dt.timedelta(minutes=30, seconds=30)
    worker.run_once(now=T0 + dt.timedelta(minutes=30, seconds=31))
    assert Alert.objects.get().rule == "offline"


def test_skipped_activity_writes_never_fire_absence_early(world: Any) -> None:
    door = make_device(flat=world.flat_a, person=world.resident_a, absence_window=H24)
    make_event(door, "door_open", T0)
    worker.run_once(now=T0)
    make_event(door, "motion", T0 + 40 * S1)
    worker.run_once(now=T0 + 40 * S1)
    worker.run_once(now=T0 + H24 + 10 * S1)
    assert not Alert.objects.exists()
    worker.run_once(now=T0 + H24 + 40 * S1)
    assert Alert.objects.get().rule == "absence"


def test_a_muted_absence_fires_once_the_silence_ends(door: Any, world: Any) -> None:
    Silence.objects.create(
        device=door,
        rule="absence",
        starts_at=T0,
        ends_at=T0 + H24 + dt.timedelta(hours=2),
        reason="resident away",
        created_by=world.officer_a,
    )
    make_event(door, "door_open", T0)
    for hour in range(0, 27):  # heartbeats: the sensor is alive
        make_event(door, "heartbeat", T0 + dt.timedelta(hours=hour, minutes=1))
        worker.run_once(now=T0 + dt.timedelta(hours=hour, minutes=1))
    fired = list(Alert.objects.values_list("rule", "created_at"))
    assert [r for r, _ in fired] == ["absence"]
    assert fired[0][1] >= T0 + H24 + dt.timedelta(hours=2)
