"""Realistic device traffic for demos and benchmarks (``beatbook simulate``).

A simulated fleet is a gateway (``<prefix>-gateway``) pushing for N devices of
one compound: door sensors, elevator and other cameras, access control,
parking sensors, manhole covers and smoke detectors, each on its own channel.
Every run gives the gateway a fresh token (only its hash is stored) and sends
through one of the three ingestion paths: batched HTTP JSON, MQTT (QoS 1) or
one ISAPI alert per request, paced to the asked rate.
"""

from __future__ import annotations

import http.client
import json
import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction

from beatbook.registry.models import Compound
from beatbook.sensing import ingest
from beatbook.sensing.models import (
    Device,
    DeviceKind,
    Gateway,
    GatewayKind,
    PlaceLevel,
    hash_token,
    new_token,
)

#: share of each kind in a simulated fleet
FLEET_MIX = [
    (DeviceKind.DOOR_SENSOR, 40),
    (DeviceKind.CAMERA, 20),
    (DeviceKind.ELEVATOR_CAMERA, 10),
    (DeviceKind.ACCESS_CONTROL, 10),
    (DeviceKind.PARKING_SENSOR, 8),
    (DeviceKind.MANHOLE_COVER, 6),
    (DeviceKind.SMOKE_DETECTOR, 6),
]

#: per kind: (vendor or vocabulary type, weight); heartbeats everywhere
TRAFFIC: dict[str, list[tuple[str, int]]] = {
    DeviceKind.DOOR_SENSOR: [("door_open", 40), ("door_close", 40), ("heartbeat", 20)],
    DeviceKind.CAMERA: [("VMD", 60), ("linedetection", 15), ("heartbeat", 25)],
    DeviceKind.ELEVATOR_CAMERA: [("VMD", 70), ("heartbeat", 28), ("ebike_detected", 2)],
    DeviceKind.ACCESS_CONTROL: [("door_open", 70), ("access_denied", 10), ("heartbeat", 20)],
    DeviceKind.PARKING_SENSOR: [("motion", 60), ("heartbeat", 39), ("illegal_parking", 1)],
    DeviceKind.MANHOLE_COVER: [("heartbeat", 100)],
    DeviceKind.SMOKE_DETECTOR: [("heartbeat", 100)],
}


@dataclass(frozen=True)
class SimDevice:
    key: str
    kind: str
    channel: int


@dataclass
class Fleet:
    gateway: str
    token: str
    devices: list[SimDevice]


def ensure_fleet(*, devices: int, compound: Compound, prefix: str = "sim") -> Fleet:
    """The simulated gateway with ``devices`` devices on ``compound`` (created
    as needed, in bulk), with a fresh gateway token."""
    token = new_token()
    name = f"{prefix}-gateway"
    with transaction.atomic():
        gateway, created = Gateway.objects.get_or_create(
            name=name,
            defaults={
                "compound": compound,
                "kind": GatewayKind.HIKVISION,
                "token_hash": hash_token(token),
            },
        )
        if not created:
            Gateway.objects.filter(pk=gateway.pk).update(token_hash=hash_token(token), active=True)
        existing = set(Device.objects.filter(gateway=gateway).values_list("channel", flat=True))
        kinds = [k for k, weight in FLEET_MIX for _ in range(weight)]
        random.Random(0).shuffle(kinds)  # noqa: S311 - every kind among the first few
        new = [
            Device(
                key=f"{prefix}-{n:06d}",
                kind=kinds[n % len(kinds)],
                level=PlaceLevel.COMPOUND,
                compound=gateway.compound,
                address=gateway.compound.name,
                gateway=gateway,
                channel=n,
                token_hash=hash_token(new_token()),
            )
            for n in range(1, devices + 1)
            if n not in existing
        ]
        Device.objects.bulk_create(new, batch_size=2000)
    ingest.forget()
    rows = (
        Device.objects.filter(gateway=gateway, channel__lte=devices)
        .order_by("channel")
        .values_list("key", "kind", "channel")
    )
    return Fleet(name, token, [SimDevice(*row) for row in rows])


@dataclass
class Traffic:
    """An endless stream of plausible events over a fleet."""

    fleet: Fleet
    seed: int | None = None
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)  # noqa: S311 - simulation, not secrets
        self._seq = 0
        self._choices = {
            kind: ([t for t, _ in mix], [w for _, w in mix]) for kind, mix in TRAFFIC.items()
        }

    def next(self) -> tuple[SimDevice, str, str]:
        """(device, event type as the device names it, msg_id)."""
        device = self._random.choice(self.fleet.devices)
        types, weights = self._choices[device.kind]
        self._seq += 1
        return device, self._random.choices(types, weights)[0], f"{self.run_id}-{self._seq}"

    def events(self, n: int) -> list[dict[str, Any]]:
        now = time.time()
        ts = time.strftime("%Y-%m-%dT%H:%M:%S+08:00", time.localtime(now))
        out = []
        for _ in range(n):
            device, type_, msg_id = self.next()
            out.append({"device": device.key, "msg_id": msg_id, "type": type_, "ts": ts})
        return out

    def isapi(self) -> bytes:
        device, type_, msg_id = self.next()
        state = "active"
        if type_ == "heartbeat":
            type_, state = "videoloss", "inactive"
        ts = time.strftime("%Y-%m-%dT%H:%M:%S+08:00")
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<EventNotificationAlert version="2.0" '
            'xmlns="http://www.hikvision.com/ver20/XMLSchema">'
            f"<ipAddress>10.0.0.{device.channel % 250 + 1}</ipAddress>"
            f"<channelID>{device.channel}</channelID><dateTime>{ts}</dateTime>"
            f"<activePostCount>{msg_id.rsplit('-', 1)[1]}</activePostCount>"
            f"<eventType>{type_}</eventType><eventState>{state}</eventState>"
            f"<eventDescription>{type_} alarm</eventDescription></EventNotificationAlert>"
        ).encode()


@dataclass
class SendStats:
    sent: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    errors: int = 0
    requests: int = 0
    elapsed: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "elapsed": round(self.elapsed, 3)}


def paced(rate: float | None, total: int, batch: int) -> Iterator[int]:
    """Batch sizes adding up to ``total`` events, sent at ``rate`` events/s
    (None: as fast as possible); sleeps while ahead, never bursts."""
    start = time.monotonic()
    sent = 0
    while sent < total:
        if rate is None:
            n = min(batch, total - sent)
        else:
            due = min(total, int((time.monotonic() - start) * rate) + 1)
            if due <= sent:
                time.sleep(min(0.05, (sent + 1) / rate - (time.monotonic() - start)))
                continue
            n = min(batch, total - sent, due - sent)
        yield n
        sent += n


class HttpSender:
    """Batched JSON to ``POST /ingest/events`` over one kept-alive connection."""

    def __init__(self, url: str, token: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.base = parts.path.rstrip("/")
        self.token = token
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)

    def post(self, path: str, body: bytes, content_type: str, stats: SendStats) -> Any:
        """POST, retrying (as devices do) after a lost connection or a 5xx;
        the events are idempotent by msg_id, so a retry stores nothing twice."""
        headers = {"Content-Type": content_type, "Authorization": f"Bearer {self.token}"}
        for attempt in range(4):
            if attempt:
                time.sleep(0.2 * attempt)
            try:
                self.conn.request("POST", self.base + path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
                continue
            stats.requests += 1
            if response.status >= 500:
                continue
            if response.status >= 300:
                break
            return json.loads(data)
        stats.errors += 1
        return None

    def close(self) -> None:
        self.conn.close()


def run_http(
    traffic: Traffic, url: str, *, total: int, rate: float | None = None, batch: int = 100
) -> SendStats:
    stats = SendStats()
    sender = HttpSender(url, traffic.fleet.token)
    start = time.monotonic()
    for n in paced(rate, total, batch):
        body = json.dumps({"events": traffic.events(n)}).encode()
        stats.sent += n
        result = sender.post("/ingest/events", body, "application/json", stats)
        if result:
            stats.accepted += result["accepted"]
            stats.duplicates += result["duplicates"]
            stats.rejected += len(result["rejected"])
    sender.close()
    stats.elapsed = time.monotonic() - start
    return stats


def run_isapi(traffic: Traffic, url: str, *, total: int, rate: float | None = None) -> SendStats:
    stats = SendStats()
    sender = HttpSender(url, "")
    path = f"/ingest/isapi/{traffic.fleet.token}"
    start = time.monotonic()
    for _ in paced(rate, total, 1):
        stats.sent += 1
        result = sender.post(path, traffic.isapi(), "application/xml", stats)
        if result:
            stats.accepted += result.get("accepted", 0)
            stats.duplicates += result.get("duplicates", 0)
    sender.close()
    stats.elapsed = time.monotonic() - start
    return stats


def mqtt_publisher(host: str, port: int, client_id: str | None = None) -> Any:
    import paho.mqtt.client as mqtt

    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2,
        client_id=client_id or f"beatbook-sim-{uuid.uuid4().hex[:8]}",
    )
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    client.connect(host, port)
    client.loop_start()
    return client


def run_mqtt(
    traffic: Traffic,
    *,
    host: str,
    port: int,
    total: int,
    rate: float | None = None,
    batch: int = 1,
    topic_prefix: str = "beatbook",
) -> SendStats:
    """Publish QoS 1 messages of ``batch`` events each to the gateway's topic;
    returns once the broker has acknowledged every message."""
    stats = SendStats()
    client = mqtt_publisher(host, port)
    topic = f"{topic_prefix}/{traffic.fleet.gateway}/events"
    start = time.monotonic()
    infos = []
    for n in paced(rate, total, batch):
        body = json.dumps({"token": traffic.fleet.token, "events": traffic.events(n)})
        infos.append(client.publish(topic, body, qos=1))
        stats.sent += n
        stats.requests += 1
    for info in infos:
        info.wait_for_publish(timeout=60)
    stats.elapsed = time.monotonic() - start
    client.disconnect()
    client.loop_stop()
    return stats
