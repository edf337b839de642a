"""Demo devices (``beatbook demo``, after the registry demo).

- 新市民公寓: its 136 cameras on the camera platform gateway 新市民公寓视频平台
  (Hikvision ISAPI, channels 1-136): 22 in the elevators (two per building),
  two per entrance hall, two watching each building's façade for objects
  thrown from height, the rest on gates, the perimeter and the bike shed;
  and on the property management system 新市民公寓物业平台: an access control
  per building, manhole covers, parking sensors, smoke detectors.
- 富贵佳园: a door sensor for each elderly person living alone (registry
  note 独居老人; up to six), each watching that person with a 24 h absence
  window; their recent door events are stored, and one of them has not
  opened the door for 26 hours (heartbeats only since), so an absence alert
  is waiting once the alert rules run.

Tokens are not shown (only their hashes are stored): ``beatbook gateway
token NAME`` or ``beatbook device token KEY`` issues a new one.
Idempotent: devices are created once; events have fixed message ids.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from beatbook.core import audit
from beatbook.registry.demo import ELDERLY_ALONE_NOTE
from beatbook.registry.models import Building, Compound, Entrance, Resident
from beatbook.sensing import ingest
from beatbook.sensing.models import (
    Device,
    DeviceKind,
    Gateway,
    GatewayKind,
    PlaceLevel,
    hash_token,
    new_token,
    place_address,
)

CAMERA_PLATFORM = "新市民公寓视频平台"
PROPERTY_SYSTEM = "新市民公寓物业平台"
CAMERAS = 136
ELEVATOR_CAMERAS = 22
WATCHED = 6
SILENT_HOURS = 26


def _device(
    key: str, kind: str, place: Any, *, name: str, gateway: Gateway | None, channel: int | None
) -> Device:
    fields: dict[str, Any] = {"level": PlaceLevel.COMPOUND, "compound": place}
    if isinstance(place, Building):
        fields = {"level": PlaceLevel.BUILDING, "building": place, "compound": place.compound}
    elif isinstance(place, Entrance):
        fields = {
            "level": PlaceLevel.ENTRANCE,
            "entrance": place,
            "building": place.building,
            "compound": place.building.compound,
        }
    return Device(
        key=key,
        kind=kind,
        name=name,
        address=place_address(place),
        gateway=gateway,
        channel=channel,
        token_hash=hash_token(new_token()),
        **fields,
    )


def _gateway(name: str, compound: Compound, kind: str, mapping: dict[str, str]) -> Gateway:
    gateway, _ = Gateway.objects.get_or_create(
        name=name,
        defaults={
            "compound": compound,
            "kind": kind,
            "event_type_map": mapping,
            "token_hash": hash_token(new_token()),
        },
    )
    return gateway


def _new_citizens(compound: Compound) -> list[Device]:
    platform = _gateway(
        CAMERA_PLATFORM,
        compound,
        GatewayKind.HIKVISION,
        # names this platform's analytics use for what the vocabulary has
        {"ebikeDetection": "ebike_detected", "throwingObjectDetection": "object_thrown"},
    )
    system = _gateway(PROPERTY_SYSTEM, compound, GatewayKind.GENERIC, {})
    buildings = list(compound.buildings.order_by("sort_key", "number"))
    cameras: list[tuple[str, Any, str]] = []  # (kind, place, name)
    for b in buildings:
        for n in (1, 2):
            cameras.append((DeviceKind.ELEVATOR_CAMERA, b, f"{b.label}{n}号电梯轿厢"))
    for b in buildings:
        for e in b.entrances.order_by("sort_key", "number"):
            cameras.append((DeviceKind.CAMERA, e, f"{b.label}{e.label}门厅"))
            cameras.append((DeviceKind.CAMERA, e, f"{b.label}{e.label}楼梯间"))
        for side in ("南", "北"):
            cameras.append((DeviceKind.CAMERA, b, f"{b.label}{side}立面高空抛物"))
    spots = [
        "东大门",
        "西大门",
        "北门",
        "地下车库入口",
        "非机动车棚",
        "充电棚",
        "垃圾站",
        "中心广场",
    ]
    n = 0
    while len(cameras) < CAMERAS:
        spot = spots[n % len(spots)]
        cameras.append((DeviceKind.CAMERA, compound, f"{spot}{n // len(spots) + 1}号"))
        n += 1
    devices = [
        _device(f"xsm-cam-{i:03d}", kind, place, name=name, gateway=platform, channel=i)
        for i, (kind, place, name) in enumerate(cameras[:CAMERAS], start=1)
    ]
    others: list[tuple[str, Any, str]] = [
        (DeviceKind.ACCESS_CONTROL, b, f"{b.label}单元门禁") for b in buildings
    ]
    others += [(DeviceKind.MANHOLE_COVER, compound, f"{i}号井盖") for i in range(1, 5)]
    others += [(DeviceKind.PARKING_SENSOR, compound, f"消防通道{i}号车位检测") for i in range(1, 3)]
    others += [(DeviceKind.SMOKE_DETECTOR, b, f"{b.label}配电间烟感") for b in buildings[:4]]
    for channel, (kind, place, name) in enumerate(others, start=1):
        devices.append(
            _device(
                f"xsm-{kind.replace('_', '-')}-{channel:02d}",
                kind,
                place,
                name=name,
                gateway=system,
                channel=channel,
            )
        )
    return devices


def _watched_people(compound: Compound) -> list[Resident]:
    return list(
        Resident.objects.filter(
            flat__building__compound=compound,
            notes=ELDERLY_ALONE_NOTE,
            moved_out_on__isnull=True,
        )
        .select_related("flat__building__compound", "flat__entrance")
        .order_by("flat__building__sort_key", "flat__address")[:WATCHED]
    )


def _door_sensors(people: list[Resident]) -> list[Device]:
    out = []
    for i, person in enumerate(people, start=1):
        flat = person.flat
        out.append(
            Device(
                key=f"fg-door-{i:02d}",
                kind=DeviceKind.DOOR_SENSOR,
                name=f"{flat.address}入户门磁",
                level=PlaceLevel.FLAT,
                flat=flat,
                entrance=None,
                building=flat.building,
                compound=flat.building.compound,
                address=flat.address,
                person=person,
                absence_window=dt.timedelta(hours=24),
                token_hash=hash_token(new_token()),
            )
        )
    return out


def _history(now: dt.datetime) -> None:
    """Recent door events for the watched people (the first one silent for
    SILENT_HOURS, heartbeats since) and some motion on the cameras."""
    sensors = list(Device.objects.filter(key__startswith="fg-door-").order_by("key"))
    for i, device in enumerate(sensors):
        holder = ingest.Holder("device", device.pk, device.key)
        silent = i == 0
        times = (
            [now - dt.timedelta(hours=SILENT_HOURS, minutes=m) for m in (40, 39)]
            if silent
            else [now - dt.timedelta(hours=h, minutes=7 * i) for h in (20, 19.9, 9, 8.9, 2, 1.9)]
        )
        for n, at in enumerate(times):
            kind = "door_open" if n % 2 == 0 else "door_close"
            _store(holder, f"demo-{n}", kind, at)
        for h in range(SILENT_HOURS if silent else 3, 0, -1):  # hourly heartbeats
            _store(holder, f"demo-hb-{h}", "heartbeat", now - dt.timedelta(hours=h, minutes=5))
    platform = Gateway.objects.filter(name=CAMERA_PLATFORM).first()
    if platform is not None:
        holder = ingest.Holder("gateway", platform.pk, platform.name, platform.event_type_map)
        for channel in (3, 24, 60, 101):
            for m in (50, 20):
                at = now - dt.timedelta(minutes=m + channel % 7)
                _store(holder, f"demo-{channel}-{m}", "VMD", at, channel=channel)


def _store(
    holder: ingest.Holder, msg_id: str, type_: str, at: dt.datetime, channel: int | None = None
) -> None:
    event: dict[str, Any] = {"msg_id": msg_id, "type": type_, "ts": at.isoformat()}
    if channel is not None:
        event["channel"] = channel
    ingest.ingest_batch(source="demo", token_holder=holder, events=[event], received_at=at)


def load(*, password: str | None, result: Any) -> None:
    """Add the demo's gateways, devices and recent events (idempotent)."""
    now = timezone.now()
    new_citizens = Compound.objects.filter(name="新市民公寓").first()
    fugui = Compound.objects.filter(name="富贵佳园").first()
    with transaction.atomic():
        planned: list[Device] = []
        if new_citizens is not None:
            planned += _new_citizens(new_citizens)
        if fugui is not None:
            planned += _door_sensors(_watched_people(fugui))
        existing = set(
            Device.objects.filter(key__in=[d.key for d in planned]).values_list("key", flat=True)
        )
        new = [d for d in planned if d.key not in existing]
        Device.objects.bulk_create(new)
        if new:
            audit.record(
                actor=None,
                action="sensing.demo_load",
                obj=new_citizens or fugui,
                extra={"devices": len(new), "gateways": [CAMERA_PLATFORM, PROPERTY_SYSTEM]},
            )
            result.created["devices"] = len(new)
    ingest.forget()
    _history(now)
