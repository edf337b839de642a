"""The one ingestion pipeline behind HTTP JSON, Hikvision ISAPI and MQTT.

``authenticate(token)`` finds the device or gateway a secret belongs to;
``ingest_batch`` (one sender) and ``ingest_many`` (many senders, one
transaction: what the MQTT intake commits per batch) validate each event,
resolve its device, map its type onto the vocabulary and store it once per
(device, msg_id) with ``INSERT … ON CONFLICT DO NOTHING RETURNING`` (SQLite ≥
3.35 and PostgreSQL), then move the devices' ``last_seen_at`` forward, once
per batch.

Devices and tokens are cached in the process for ``CACHE_SECONDS`` (a device
added meanwhile is found by a query for the keys the cache misses);
``forget()`` empties the cache (services call it on changes).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction

from beatbook.sensing import parsing
from beatbook.sensing.models import Device, Event, EventPicture, Gateway, hash_token

CACHE_SECONDS = 30.0
#: rows per INSERT statement (10 parameters each)
CHUNK = 500
#: events per request or MQTT message
MAX_EVENTS = 1000


@dataclass(frozen=True)
class Holder:
    """Who a token belongs to: a device or a gateway."""

    kind: str  # "device" | "gateway"
    id: int
    #: the device key or the gateway name (the MQTT topic segment)
    key: str
    type_map: dict[str, str] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class _DeviceInfo:
    id: int
    key: str
    gateway_id: int | None
    channel: int | None
    active: bool


@dataclass
class IngestResult:
    accepted: int = 0
    duplicates: int = 0
    #: (index in the batch, reason)
    rejected: list[tuple[int, str]] = field(default_factory=list)
    #: per index: the id of the event stored now (None: duplicate or rejected)
    event_ids: list[int | None] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": [{"index": i, "reason": r} for i, r in self.rejected],
        }


# --- caches ------------------------------------------------------------------

_lock = threading.Lock()
_holders: dict[str, tuple[float, Holder | None]] = {}
_devices_by_key: dict[str, tuple[float, _DeviceInfo]] = {}
_devices_by_channel: dict[tuple[int, int], tuple[float, _DeviceInfo]] = {}
_gateway_maps: dict[int, tuple[float, dict[str, str]]] = {}


def forget() -> None:
    """Drop every cached token, device and mapping (after a change)."""
    with _lock:
        _holders.clear()
        _devices_by_key.clear()
        _devices_by_channel.clear()
        _gateway_maps.clear()


def _gateway_map(gateway_id: int | None) -> dict[str, str]:
    if gateway_id is None:
        return {}
    now = time.monotonic()
    cached = _gateway_maps.get(gateway_id)
    if cached and cached[0] > now:
        return cached[1]
    raw = Gateway.objects.filter(pk=gateway_id).values_list("event_type_map", flat=True).first()
    mapping = {str(k): str(v) for k, v in (raw or {}).items()}
    with _lock:
        _gateway_maps[gateway_id] = (now + CACHE_SECONDS, mapping)
    return mapping


def authenticate(token: str) -> Holder | None:
    """The active device or gateway holding this secret, or None."""
    if not token or len(token) > 200:
        return None
    digest = hash_token(token)
    now = time.monotonic()
    cached = _holders.get(digest)
    if cached and cached[0] > now:
        return cached[1]
    holder: Holder | None = None
    device = (
        Device.objects.filter(token_hash=digest, active=True)
        .values_list("id", "key", "gateway_id")
        .first()
    )
    if device:
        holder = Holder("device", device[0], device[1], _gateway_map(device[2]))
    else:
        gateway = (
            Gateway.objects.filter(token_hash=digest, active=True)
            .values_list("id", "name", "event_type_map")
            .first()
        )
        if gateway:
            mapping = {str(k): str(v) for k, v in (gateway[2] or {}).items()}
            holder = Holder("gateway", gateway[0], gateway[1], mapping)
    with _lock:
        _holders[digest] = (now + CACHE_SECONDS, holder)
    return holder


def _load_devices(keys: set[str], channels: set[tuple[int, int]]) -> None:
    """Fill the cache for these keys and (gateway, channel) pairs in one query each."""
    from django.db.models import Q

    q = Q(pk__in=[])
    if keys:
        q |= Q(key__in=sorted(keys))
    for gateway_id, channel in channels:
        q |= Q(gateway_id=gateway_id, channel=channel)
    expires = time.monotonic() + CACHE_SECONDS
    rows = Device.objects.filter(q).values_list("id", "key", "gateway_id", "channel", "active")
    with _lock:
        for row in rows:
            info = _DeviceInfo(*row)
            _devices_by_key[info.key] = (expires, info)
            if info.gateway_id is not None and info.channel is not None:
                _devices_by_channel[(info.gateway_id, info.channel)] = (expires, info)


def _cached_key(key: str, now: float) -> _DeviceInfo | None:
    hit = _devices_by_key.get(key)
    return hit[1] if hit and hit[0] > now else None


def _cached_channel(pair: tuple[int, int], now: float) -> _DeviceInfo | None:
    hit = _devices_by_channel.get(pair)
    return hit[1] if hit and hit[0] > now else None


# --- the pipeline ------------------------------------------------------------


@dataclass
class Batch:
    """One sender's events: ``events`` as sent (JSON objects); ``raws`` the
    raw text to keep per event (default: the event re-serialised);
    ``pictures`` per event index (ISAPI)."""

    holder: Holder
    events: Sequence[Any]
    raws: Sequence[str] | None = None
    pictures: dict[int, list[parsing.Part]] = field(default_factory=dict)


def ingest_batch(
    *,
    source: str,
    token_holder: Holder,
    events: Sequence[Any],
    received_at: dt.datetime,
    raws: Sequence[str] | None = None,
    pictures: dict[int, list[parsing.Part]] | None = None,
) -> IngestResult:
    """Store one sender's events in one transaction."""
    batch = Batch(token_holder, events, raws, pictures or {})
    return ingest_many([batch], source=source, received_at=received_at)[0]


def _skew_threshold() -> dt.timedelta:
    return getattr(settings, "SENSING_CLOCK_SKEW", parsing.CLOCK_SKEW)


def ingest_many(
    batches: Sequence[Batch],
    *,
    source: str,
    received_at: dt.datetime,
    alive: Sequence[int] = (),
) -> list[IngestResult]:
    """Store the events of several senders in one transaction (the MQTT
    intake's commit); ``alive`` are device ids seen without an event (ISAPI
    keep-alives). Returns one result per batch."""
    results = [IngestResult(event_ids=[None] * len(b.events)) for b in batches]
    threshold = _skew_threshold()
    parsed: list[tuple[int, int, parsing.ParsedEvent]] = []  # (batch, index, event)
    keys: set[str] = set()
    channels: set[tuple[int, int]] = set()
    for b_index, batch in enumerate(batches):
        for index, obj in enumerate(batch.events):
            try:
                event = parsing.validate_event(obj)
            except parsing.InvalidInput as exc:
                results[b_index].rejected.append((index, str(exc)))
                continue
            parsed.append((b_index, index, event))
            if batch.holder.kind == "gateway":
                if event.device_key is not None:
                    keys.add(event.device_key)
                elif event.channel is not None:
                    channels.add((batch.holder.id, event.channel))
    now = time.monotonic()
    missing_keys = {k for k in keys if _cached_key(k, now) is None}
    missing_channels = {c for c in channels if _cached_channel(c, now) is None}
    if missing_keys or missing_channels:
        _load_devices(missing_keys, missing_channels)

    rows: list[tuple[Any, ...]] = []
    owners: dict[tuple[int, str], tuple[int, int]] = {}
    seen_devices: set[int] = set(alive)
    prep_dt, prep_json = _adapters()
    empty_data = prep_json({})
    received_db = prep_dt(received_at)
    for b_index, index, event in parsed:
        batch = batches[b_index]
        holder = batch.holder
        result = results[b_index]
        if holder.kind == "device":
            if event.device_key is not None and event.device_key != holder.key:
                result.rejected.append((index, "device does not match the token"))
                continue
            device_id = holder.id
        else:
            info = (
                _cached_key(event.device_key, now)
                if event.device_key is not None
                else _cached_channel((holder.id, event.channel), now)
                if event.channel is not None
                else None
            )
            if event.device_key is None and event.channel is None:
                result.rejected.append((index, "device missing"))
                continue
            if info is None or info.gateway_id != holder.id:
                result.rejected.append((index, "unknown device"))
                continue
            if not info.active:
                result.rejected.append((index, "device inactive"))
                continue
            device_id = info.id
        seen_devices.add(device_id)
        pair = (device_id, event.msg_id)
        if pair in owners:
            result.duplicates += 1
            continue
        owners[pair] = (b_index, index)
        type_, vendor = parsing.map_type(event.type_name, holder.type_map)
        raw = batch.raws[index] if batch.raws is not None else _compact_json(batch.events[index])
        rows.append(
            (
                device_id,
                event.msg_id,
                type_,
                vendor,
                prep_dt(event.device_ts) if event.device_ts else None,
                received_db,
                prep_json(event.data) if event.data else empty_data,
                raw,
                parsing.is_skewed(event.device_ts, received_at, threshold),
                False,
            )
        )

    # inside the MQTT intake's own transaction no savepoint is needed: a
    # failure rolls the whole batch back and nothing is acknowledged
    with transaction.atomic(savepoint=False):
        inserted = _insert(rows)
        for event_id, device_id, msg_id in inserted:
            b_index, index = owners[(device_id, msg_id)]
            results[b_index].event_ids[index] = event_id
            results[b_index].accepted += 1
        pictures: list[EventPicture] = []
        for b_index, batch in enumerate(batches):
            for index, parts in batch.pictures.items():
                stored_id = results[b_index].event_ids[index]
                if stored_id is None:
                    continue
                pictures.extend(
                    EventPicture(
                        event_id=stored_id,
                        filename=part.filename[:200],
                        content_type=part.content_type[:100] or "image/jpeg",
                        content=part.data,
                        size=len(part.data),
                    )
                    for part in parts
                )
        if pictures:
            EventPicture.objects.bulk_create(pictures)
        if seen_devices:
            _touch(sorted(seen_devices), received_at)
    # rows the database already held (sent before, by a retry or another worker)
    for b_index, index in owners.values():
        if results[b_index].event_ids[index] is None:
            results[b_index].duplicates += 1
    return results


def _adapters() -> tuple[Callable[[dt.datetime], Any], Callable[[Any], Any]]:
    """How datetimes and JSON go into this database as parameters (what the
    fields' get_db_prep_save does, without its per-row overhead)."""
    ops = connections[DEFAULT_DB_ALIAS].ops
    if connection.vendor == "sqlite":
        utc = dt.UTC

        def sqlite_dt(value: dt.datetime) -> str:
            # Django's own SQLite format: naive UTC, 'YYYY-MM-DD HH:MM:SS[.ffffff]'
            return str(value.astimezone(utc).replace(tzinfo=None))

        return sqlite_dt, _compact_json
    return ops.adapt_datetimefield_value, lambda v: ops.adapt_json_value(v, None)


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _compact_json(value: Any) -> str:
    return _ENCODER.encode(value)


_COLUMNS = (
    "device_id, msg_id, type, vendor_type, device_ts, received_at, data, raw, clock_skew, evaluated"
)


def _insert(rows: list[tuple[Any, ...]]) -> list[tuple[int, int, str]]:
    """INSERT … ON CONFLICT DO NOTHING RETURNING: (id, device_id, msg_id) of
    the rows stored now."""
    table = Event._meta.db_table
    out: list[tuple[int, int, str]] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            placeholders = ",".join(["(%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)"] * len(chunk))
            params = [value for row in chunk for value in row]
            # table, columns and placeholders are constants; values are parameters
            sql = f"INSERT INTO {table} ({_COLUMNS}) VALUES {placeholders} "  # noqa: S608
            sql += "ON CONFLICT (device_id, msg_id) DO NOTHING RETURNING id, device_id, msg_id"
            cursor.execute(sql, params)
            out.extend((int(r[0]), int(r[1]), str(r[2])) for r in cursor.fetchall())
    return out


def _touch(device_ids: list[int], received_at: dt.datetime) -> None:
    """Move last_seen_at forward (never back) for these devices (raw SQL: the
    ORM's IN lookup costs more than the update for a thousand ids). On
    PostgreSQL the rows are locked in id order first, so concurrent batches
    touching the same devices wait for each other instead of deadlocking. The
    lock is FOR NO KEY UPDATE (what the UPDATE itself takes): FOR UPDATE would
    also conflict with the FOR KEY SHARE locks other batches' event inserts hold
    on the same devices (their foreign-key checks) and deadlock with them."""
    table = Device._meta.db_table
    when = _adapters()[0](received_at)
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        for start in range(0, len(device_ids), CHUNK):
            chunk = device_ids[start : start + CHUNK]
            marks = ",".join(["%s"] * len(chunk))
            due = f"id IN ({marks}) AND (last_seen_at IS NULL OR last_seen_at < %s)"
            if postgres:
                due = f"id IN (SELECT id FROM {table} WHERE {due} ORDER BY id FOR NO KEY UPDATE)"  # noqa: S608
            sql = f"UPDATE {table} SET last_seen_at = %s WHERE {due}"  # noqa: S608 - constants
            cursor.execute(sql, [when, *chunk, when])


def resolve_channel(holder: Holder, channel: int | None) -> int | None:
    """The device id an ISAPI message names: the token's own device, or the
    gateway's device on that channel."""
    if holder.kind == "device":
        return holder.id
    if channel is None:
        return None
    now = time.monotonic()
    info = _cached_channel((holder.id, channel), now)
    if info is None:
        _load_devices(set(), {(holder.id, channel)})
        info = _cached_channel((holder.id, channel), time.monotonic())
    return info.id if info and info.active else None
