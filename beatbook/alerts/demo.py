"""Demo alerts (runs after the sensing demo, which adds the devices and events).

- a few past alerts, acknowledged and cleared with their outcome, paged
  through notify so the chief's response-time report has something to show;
- one run of the worker over the sensing demo's events and timers, so the
  door sensor that has been silent for more than 24 hours raises its
  waiting absence alert.

Idempotent: the past alerts are written once (an audit entry marks it); the
worker run only does what is still to do.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from beatbook.accounts.models import User
from beatbook.alerts import paging, worker
from beatbook.alerts.models import Alert, AlertState, subject_of
from beatbook.core import audit
from beatbook.core.models import AuditEntry
from beatbook.sensing.models import Device

DEMO_ACTION = "alerts.demo_load"


@dataclass(frozen=True)
class PastAlert:
    kind: str  # device kind to find one of
    compound: str
    rule: str
    event_type: str
    severity: str
    days_ago: float
    count: int
    ack_after: int  # seconds
    clear_after: int  # seconds
    by: str  # username who acknowledged and cleared
    outcome: str


PAST = [
    PastAlert(
        "elevator_camera",
        "新市民公寓",
        "instant",
        "ebike_detected",
        "medium",
        3.2,
        1,
        48,
        360,
        "officer-b",
        "电梯已停运，劝离电动车车主并登记，车辆移至集中充电棚",
    ),
    PastAlert(
        "camera",
        "新市民公寓",
        "instant",
        "object_thrown",
        "high",
        2.1,
        2,
        100,
        1500,
        "officer-b",
        "查看录像确定楼层，上门对住户进行教育并签订承诺书",
    ),
    PastAlert(
        "access_control",
        "新市民公寓",
        "count",
        "access_denied",
        "medium",
        1.4,
        6,
        35,
        720,
        "officer-b",
        "核实为新租户未录入门禁，已登记并通知物业开通",
    ),
    PastAlert(
        "manhole_cover",
        "新市民公寓",
        "instant",
        "manhole_open",
        "medium",
        5.3,
        1,
        390,
        2400,
        "officer-b",
        "施工方作业打开井盖，已设置警示围挡并督促复位",
    ),
    PastAlert(
        "door_sensor",
        "富贵佳园",
        "absence",
        "door_open",
        "high",
        4.1,
        1,
        95,
        1800,
        "officer-a",
        "上门查看，老人身体不适卧床，已联系子女送医",
    ),
    PastAlert(
        "door_sensor",
        "富贵佳园",
        "absence",
        "door_open",
        "high",
        9.0,
        1,
        52,
        900,
        "officer-a",
        "老人到女儿家小住未告知，电话核实平安",
    ),
]


def load(*, password: str | None, result: Any) -> None:
    """Add the demo alerts (idempotent), then run the alert worker until idle."""
    if not AuditEntry.objects.filter(action=DEMO_ACTION).exists():
        _past_alerts()
    run_worker()


def run_worker(*, now: dt.datetime | None = None) -> int:
    """Evaluate every waiting event and fire every due timer (one pass to idle)."""
    done = 0
    worker.sync_new_devices(now=now)
    while True:
        n = worker.run_once(now=now, limit=2000)
        done += n
        if not n:
            return done


def _past_alerts() -> None:
    from beatbook.notify import services as notify

    now = timezone.now()
    users = {u.username: u for u in User.objects.filter(username__in={p.by for p in PAST})}
    used: set[int] = set()
    made = 0
    with transaction.atomic():
        for spec in PAST:
            device = (
                Device.objects.filter(kind=spec.kind, compound__name=spec.compound)
                .exclude(pk__in=used)
                .select_related("compound__community__beat")
                .order_by("id")
                .first()
            )
            actor = users.get(spec.by)
            if device is None or actor is None:
                continue
            used.add(device.pk)
            raised = now - dt.timedelta(days=spec.days_ago)
            acked = raised + dt.timedelta(seconds=spec.ack_after)
            cleared = raised + dt.timedelta(seconds=spec.clear_after)
            alert = Alert.objects.create(
                device=device,
                person_id=device.person_id if spec.rule != "offline" else None,
                subject=subject_of(device_id=device.pk, person_id=device.person_id, rule=spec.rule),
                rule=spec.rule,
                event_type=spec.event_type,
                severity=spec.severity,
                state=AlertState.CLEARED,
                acknowledged=True,
                acknowledged_by=actor,
                acknowledged_at=acked,
                count=spec.count,
                created_at=raised,
                last_seen_at=raised,
                cleared_at=cleared,
                cleared_by=actor,
                outcome=spec.outcome,
                page_pending=False,
            )
            notify.page_open(
                subject_type=paging.SUBJECT_TYPE,
                subject_id=alert.pk,
                station_id=device.compound.community.beat.station_id,
                building_id=device.building_id,
                compound_id=device.compound_id,
                title=paging.title_of(alert),
                body=paging.body_of(alert),
                url=reverse("alerts:alert-detail", args=[alert.pk]),
                severity=alert.severity,
                now=raised,
            )
            # the escalation steps that came before the acknowledgement
            notify.escalate_due(now=acked - dt.timedelta(seconds=1))
            notify.page_acknowledge(
                subject_type=paging.SUBJECT_TYPE, subject_id=alert.pk, actor=actor, now=acked
            )
            notify.page_close(
                subject_type=paging.SUBJECT_TYPE, subject_id=alert.pk, actor=actor, now=cleared
            )
            made += 1
        audit.record(
            actor=None, action=DEMO_ACTION, object_type="alerts.alert", extra={"past": made}
        )
