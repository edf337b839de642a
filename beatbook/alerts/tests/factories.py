"""Devices, events and alerts for the alerts tests (written directly: the
alerts app reads these tables, it does not ingest)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

from beatbook.alerts.models import Alert, subject_of
from beatbook.sensing.models import Device, Event, hash_token

_seq = itertools.count(1)


def make_device(
    *,
    flat: Any = None,
    building: Any = None,
    compound: Any = None,
    kind: str = "door_sensor",
    person: Any = None,
    absence_window: dt.timedelta | None = None,
    heartbeat_window: dt.timedelta | None = None,
    created_at: dt.datetime | None = None,
    key: str | None = None,
) -> Device:
    n = next(_seq)
    if flat is not None:
        level, building = "flat", flat.building
    elif building is not None:
        level = "building"
    else:
        level = "compound"
    compound = compound or building.compound
    device = Device.objects.create(
        key=key or f"t-dev-{n}",
        kind=kind,
        level=level,
        flat=flat,
        building=building,
        compound=compound,
        address=flat.address if flat is not None else str(building or compound),
        person=person,
        absence_window=absence_window,
        heartbeat_window=heartbeat_window,
        token_hash=hash_token(f"token-{n}-{key}"),
    )
    if created_at is not None:
        Device.objects.filter(pk=device.pk).update(created_at=created_at)
        device.created_at = created_at
    return device


def make_event(
    device: Device, type_: str, at: dt.datetime | None = None, msg_id: str | None = None
) -> Event:
    at = at or timezone.now()
    event = Event.objects.create(
        device=device,
        msg_id=msg_id or f"m-{next(_seq)}",
        type=type_,
        received_at=at,
        device_ts=at,
    )
    Device.objects.filter(pk=device.pk).update(last_seen_at=at)
    return event


def make_alert(
    device: Device,
    *,
    rule: str = "instant",
    event_type: str = "object_thrown",
    at: dt.datetime | None = None,
    **kwargs: Any,
) -> Alert:
    at = at or timezone.now()
    fields: dict[str, Any] = {
        "device": device,
        "person": device.person,
        "subject": subject_of(device_id=device.pk, person_id=device.person_id, rule=rule),
        "rule": rule,
        "event_type": event_type,
        "severity": "high",
        "created_at": at,
        "last_seen_at": at,
        "page_pending": False,
    }
    fields.update(kwargs)
    return Alert.objects.create(**fields)
