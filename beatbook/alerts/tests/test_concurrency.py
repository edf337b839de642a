"""Several workers at once on PostgreSQL: every event evaluated exactly once,
one alert per subject, counts adding up."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connection, connections

from beatbook.alerts import worker
from beatbook.alerts.models import Alert
from beatbook.alerts.tests.factories import make_device
from beatbook.sensing.models import Event

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SKIP LOCKED claims need PostgreSQL"
    ),
]

T0 = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)


def _run_workers(*, limit: int, workers: int = 4) -> None:
    """Run ``workers`` threads of the alert worker at once until all are idle."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(workers)

    def run() -> None:
        try:
            barrier.wait()
            while worker.run_once(now=T0 + dt.timedelta(minutes=1), limit=limit):
                pass
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors


def test_concurrent_workers_raise_no_duplicate_alerts(world: Any) -> None:
    devices = [make_device(building=world.building_a, kind="camera") for _ in range(4)]
    gate = make_device(building=world.building_a, kind="access_control")
    events = []
    for i in range(400):
        device = devices[i % len(devices)]
        events.append(
            Event(
                device=device,
                msg_id=f"c-{i}",
                type="object_thrown",
                received_at=T0 + dt.timedelta(milliseconds=i),
            )
        )
    for i in range(40):
        events.append(
            Event(
                device=gate,
                msg_id=f"g-{i}",
                type="access_denied",
                received_at=T0 + dt.timedelta(seconds=i),
            )
        )
    Event.objects.bulk_create(events)
    _run_workers(limit=7)
    assert not Event.objects.filter(evaluated=False).exists()
    alerts = list(Alert.objects.all())
    by_subject = {(a.subject, a.rule, a.event_type): a for a in alerts}
    assert len(by_subject) == len(alerts) == 5
    thrown = [a for a in alerts if a.rule == "instant"]
    assert sorted(a.count for a in thrown) == [100, 100, 100, 100]
    (count_alert,) = [a for a in alerts if a.rule == "count"]
    # 5 within 10 minutes raise it at the fifth; the 35 after it fold in
    assert count_alert.count == 40


def test_two_sensors_of_one_person_fold_into_one_alert_across_workers(world: Any) -> None:
    sensors = [
        make_device(flat=world.flat_a, person=world.resident_a, kind="smoke_detector")
        for _ in range(2)
    ]
    Event.objects.bulk_create(
        [
            Event(
                device=sensors[i % 2],
                msg_id=f"p-{i}",
                type="smoke",
                received_at=T0 + dt.timedelta(milliseconds=i),
            )
            for i in range(120)
        ]
    )
    _run_workers(limit=3)
    (alert,) = Alert.objects.all()
    assert (alert.subject, alert.count) == (f"p{world.resident_a.pk}", 120)
