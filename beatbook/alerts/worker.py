"""The alerts app's share of `beatbook worker` (see beatbook/sensing/worker.py).

``run_once`` evaluates a batch of new events (rules → alerts, timer state),
then fires the absence and offline timers that are due. Each batch is one
transaction: the events it claims are marked evaluated in the same commit as
the alerts they raise, so a worker killed mid-batch leaves its events to be
evaluated again and duplicates nothing. Pages (notifications) are opened
after the commit.

Several workers on PostgreSQL claim events and timers with
``FOR UPDATE SKIP LOCKED`` and then lock the timer rows of the batch's
devices (in id order), so two batches touching one device queue instead of
both raising its alert. SQLite runs one writer at a time (IMMEDIATE transactions).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max, Q, QuerySet
from django.utils import timezone

from beatbook.alerts import paging, rules
from beatbook.alerts.models import (
    Alert,
    AlertState,
    DeviceTimer,
    RuleSetting,
    Silence,
    WorkerCursor,
    subject_of,
)
from beatbook.sensing.models import Device, Event

log = logging.getLogger(__name__)

#: how often (wall clock) a worker looks for new devices and for offline devices
#: heard again without an event (an ISAPI heartbeat); timers are checked every call
HOUSEKEEPING_EVERY = 2.0
_last_housekeeping = 0.0


def run_once(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Do up to ``limit`` items of due work; return how many were done (0 = idle).

    Safe to call from several processes at once (rows are claimed with
    SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL).
    """
    global _last_housekeeping
    done = _retrying(evaluate_events, now=now, limit=limit)
    clock = time.monotonic()
    if now is not None or clock - _last_housekeeping >= HOUSEKEEPING_EVERY:
        _last_housekeeping = clock
        sync_new_devices(now=now)
        done += clear_heard_offline(now=now, limit=limit)
    done += _retrying(fire_due_timers, now=now, limit=limit)
    done += paging.sync(limit=limit)
    return done


def _retrying(job: Any, **kwargs: Any) -> int:
    """Run a batch; if another worker raised the same subject's alert at the
    same moment (two devices watching one person), the batch was rolled back
    whole: run it again, and it folds into that alert."""
    try:
        return int(job(**kwargs))
    except IntegrityError:
        log.info("alert raised concurrently by another worker; batch retried")
        return int(job(**kwargs))


# --- helpers ----------------------------------------------------------------------


def _locked(qs: QuerySet[Any], *, skip_locked: bool = False) -> QuerySet[Any]:
    """``select_for_update`` where the database has it (PostgreSQL); SQLite
    serialises writers with its IMMEDIATE transactions instead."""
    if not connection.features.has_select_for_update:
        return qs
    if skip_locked and connection.features.has_select_for_update_skip_locked:
        return qs.select_for_update(skip_locked=True, of=("self",))
    return qs.select_for_update(of=("self",))


def _where_in(qs: QuerySet[Any], column: str, ids: list[Any]) -> QuerySet[Any]:
    """``column IN ids``; on PostgreSQL as ``= ANY(%s)`` with one array
    parameter (a thousand placeholders cost more to send than the query)."""
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(qs.model._meta.db_table)
        return qs.extra(  # noqa: S610 - a fixed column name, the ids as a parameter
            where=[f"{table}.{connection.ops.quote_name(column)} = ANY(%s)"], params=[ids]
        )
    return qs.filter(**{f"{column}__in": ids})


@dataclass
class DeviceInfo:
    id: int
    person_id: int | None
    compound_id: int
    building_id: int | None
    absence_window: dt.timedelta | None
    heartbeat_window: dt.timedelta | None
    last_seen_at: dt.datetime | None
    created_at: dt.datetime

    @classmethod
    def load(cls, ids: Iterable[int]) -> dict[int, DeviceInfo]:
        fields = [
            "id",
            "person_id",
            "compound_id",
            "building_id",
            "absence_window",
            "heartbeat_window",
            "last_seen_at",
            "created_at",
        ]
        qs = _where_in(Device.objects.all(), "id", sorted(set(ids)))
        return {row[0]: cls(*row) for row in qs.values_list(*fields)}

    @property
    def start(self) -> dt.datetime:
        """When watching began (no message yet): the device's creation."""
        return self.created_at


def _timer_of(row: DeviceTimer, device: DeviceInfo) -> rules.Timer:
    return rules.Timer(
        last_seen_at=row.last_seen_at,
        last_activity_at=row.last_activity_at,
        absence_window=device.absence_window,
        heartbeat_window=device.heartbeat_window,
        absence_fired=row.absence_fired,
        offline_fired=row.offline_fired,
    )


def _store_timer(row: DeviceTimer, timer: rules.Timer) -> bool:
    """Copy ``timer`` onto ``row``; True when something changed."""
    values = {
        "last_seen_at": timer.last_seen_at,
        "last_activity_at": timer.last_activity_at,
        "absence_fired": timer.absence_fired,
        "offline_fired": timer.offline_fired,
        "next_due_at": timer.next_deadline,
    }
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def _bulk_set(model: type[Any], rows: list[Any], fields: list[str]) -> None:
    """Write ``fields`` of ``rows`` back in one statement.

    Django's bulk_update builds a CASE per field with a branch per row, which
    grows with the square of the batch; PostgreSQL gets an UPDATE … FROM
    (VALUES …) join instead, SQLite one prepared UPDATE run per row.
    """
    if not rows:
        return
    meta = model._meta
    pk = meta.pk
    columns = [meta.get_field(f) for f in fields]
    table = connection.ops.quote_name(meta.db_table)
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":
        # psycopg adapts ints, bools and aware datetimes itself
        values = [[getattr(row, c.attname) for c in columns] + [row.pk] for row in rows]
    else:
        values = [
            [c.get_db_prep_save(getattr(row, c.attname), connection) for c in columns]
            + [pk.get_db_prep_save(row.pk, connection)]
            for row in rows
        ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            casts = [c.db_type(connection) for c in columns] + [
                pk.rel_db_type(connection) if pk.is_relation else pk.db_type(connection)
            ]
            names = [f"c{i}" for i in range(len(columns))] + ["pk"]
            sets = ", ".join(
                f"{quote(c.column)} = v.{name}" for c, name in zip(columns, names, strict=False)
            )
            arrays = ", ".join(f"%s::{cast}[]" for cast in casts)
            # table and column names come from the model; values are parameters
            cursor.execute(
                f"UPDATE {table} AS t SET {sets} FROM unnest({arrays}) "  # noqa: S608
                f"AS v({', '.join(names)}) WHERE t.{quote(pk.column)} = v.pk",
                [list(column) for column in zip(*values, strict=True)],
            )
        else:
            sets = ", ".join(f"{quote(c.column)} = %s" for c in columns)
            sql = f"UPDATE {table} SET {sets} WHERE {quote(pk.column)} = %s"  # noqa: S608
            cursor.executemany(sql, values)


#: a timer row is rewritten by event evaluation only when its deadline moves
#: by more than this (or a timer alert fires or clears): a busy device costs a
#: timer write a minute, not one per batch. A stored deadline is therefore up
#: to this much early; the timer check re-reads the device's latest message
#: and activity before firing, so nothing fires early.
TIMER_SLACK = dt.timedelta(seconds=60)


def _worth_writing(row: DeviceTimer, timer: rules.Timer) -> bool:
    if timer.absence_fired != row.absence_fired or timer.offline_fired != row.offline_fired:
        return True
    new, old = timer.next_deadline, row.next_due_at
    if new is None or old is None:
        return new != old
    return abs(new - old) > TIMER_SLACK


#: a muted device's due timer is looked at again this often until the silence ends
SILENCED_RECHECK = dt.timedelta(minutes=5)

TIMER_FIELDS = ["last_seen_at", "last_activity_at", "absence_fired", "offline_fired", "next_due_at"]


def _lock_timers(devices: dict[int, DeviceInfo]) -> dict[int, DeviceTimer]:
    """The timer rows of ``devices``, created where missing, locked in id order
    (a new row starts watching when the device was added)."""
    ids = sorted(devices)
    rows = {t.device_id: t for t in _locked(_where_in(DeviceTimer.objects.all(), "device_id", ids))}
    missing = [i for i in ids if i not in rows]
    if missing:
        DeviceTimer.objects.bulk_create(
            [
                DeviceTimer(
                    device_id=i,
                    last_seen_at=devices[i].start,
                    last_activity_at=devices[i].start,
                )
                for i in missing
            ],
            ignore_conflicts=True,
        )
        rows.update(
            {t.device_id: t for t in _locked(DeviceTimer.objects.filter(device_id__in=missing))}
        )
    return rows


def _rulebooks(devices: dict[int, DeviceInfo]) -> dict[int, dict[str, rules.Rule]]:
    """Each device's rules: the defaults with its compound's settings."""
    compounds = {d.compound_id for d in devices.values()}
    overrides: dict[int, dict[str, rules.Rule | None]] = defaultdict(dict)
    for setting in RuleSetting.objects.filter(compound_id__in=sorted(compounds)):
        overrides[setting.compound_id][setting.event_type] = setting.as_rule()
    books = {c: rules.rulebook(overrides.get(c)) for c in compounds}
    return {d.id: books[d.compound_id] for d in devices.values()}


def _silenced(device_ids: Iterable[int], now: dt.datetime) -> dict[int, set[str]]:
    """Device → the rule kinds muted at ``now`` ('' = all)."""
    wanted = set(device_ids)
    out: dict[int, set[str]] = defaultdict(set)
    # the silences in force are few: fetch them all rather than send the ids
    rows = Silence.objects.filter(starts_at__lte=now, ends_at__gt=now).values_list(
        "device_id", "rule"
    )
    for device_id, rule in rows:
        if device_id in wanted:
            out[device_id].add(rule)
    return out


def _is_silenced(silenced: dict[int, set[str]], device_id: int, rule: str) -> bool:
    muted = silenced.get(device_id)
    return bool(muted) and ("" in muted or rule in muted)  # type: ignore[operator]


def _raise_or_fold(
    hits: list[rules.Hit], devices: dict[int, DeviceInfo], now: dt.datetime
) -> list[int]:
    """Fold each hit into its subject's active alert or create one; returns
    the ids of the alerts created (to page after commit)."""
    if not hits:
        return []
    merged: dict[tuple[str, str, str], rules.Hit] = {}
    for hit in hits:
        device = devices[hit.device_id]
        key = (
            subject_of(device_id=device.id, person_id=device.person_id, rule=hit.rule),
            hit.rule,
            hit.event_type,
        )
        if key in merged:
            other = merged[key]
            other.count += hit.count
            if hit.last_at >= other.last_at:
                other.last_at, other.last_event_id = hit.last_at, hit.last_event_id
        else:
            merged[key] = hit
    # locked: a person's alert can be folded into from two devices' batches at
    # once (their timer locks differ); the second waits and reads the first's count
    existing = {
        (a.subject, a.rule, a.event_type): a
        for a in _locked(
            Alert.objects.filter(
                state=AlertState.ACTIVE, subject__in=sorted({k[0] for k in merged})
            )
            .only("id", "subject", "rule", "event_type", "count", "last_seen_at", "last_event_id")
            .order_by("id")
        )
    }
    folded: list[Alert] = []
    created: list[Alert] = []
    for key, hit in merged.items():
        alert = existing.get(key)
        if alert is not None:
            alert.count += hit.count
            if hit.last_at >= alert.last_seen_at:
                alert.last_seen_at = hit.last_at
                alert.last_event_id = hit.last_event_id
            folded.append(alert)
            continue
        device = devices[hit.device_id]
        created.append(
            Alert(
                device_id=device.id,
                person_id=device.person_id if hit.rule != rules.OFFLINE else None,
                subject=key[0],
                rule=hit.rule,
                event_type=hit.event_type,
                severity=hit.severity,
                count=hit.count,
                created_at=now,
                last_seen_at=hit.last_at,
                late=hit.late,
                first_event_id=hit.first_event_id,
                last_event_id=hit.last_event_id,
            )
        )
    if folded:
        _bulk_set(Alert, folded, ["count", "last_seen_at", "last_event_id"])
    if not created:
        return []
    if connection.features.can_return_rows_from_bulk_insert:
        Alert.objects.bulk_create(created)
        return [a.pk for a in created]
    ids = []
    for alert in created:
        alert.save(force_insert=True)
        ids.append(alert.pk)
    return ids


def _clear(clears: dict[str, set[str]], now: dt.datetime) -> list[int]:
    """Clear by themselves the active alerts of these (rule → subjects)."""
    ids: list[int] = []
    for rule, subjects in clears.items():
        qs = Alert.objects.filter(state=AlertState.ACTIVE, rule=rule, subject__in=sorted(subjects))
        found = list(qs.values_list("id", flat=True))
        if found:
            Alert.objects.filter(id__in=found).update(
                state=AlertState.CLEARED, cleared_at=now, page_pending=True
            )
            ids.extend(found)
    return ids


def _after_commit(created: list[int], cleared: list[int], now: dt.datetime) -> None:
    ids = [*created, *cleared]
    if ids:
        transaction.on_commit(lambda: paging.sync(ids=ids))


# --- evaluating events ------------------------------------------------------------


def evaluate_events(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Claim up to ``limit`` unevaluated events and run the rules over them."""
    now = now or timezone.now()
    with transaction.atomic():
        events = _claim_events(limit)
        if not events:
            return 0
        devices = DeviceInfo.load(e.device_id for e in events)
        first_heard: dict[int, dt.datetime] = {}
        for e in events:
            if e.device_id not in first_heard or e.received_at < first_heard[e.device_id]:
                first_heard[e.device_id] = e.received_at
        timers = _lock_timers(devices)
        books = _rulebooks(devices)
        silenced = _silenced(devices, now)

        subjects = {
            d.id: {
                rule: subject_of(device_id=d.id, person_id=d.person_id, rule=rule)
                for rule in (rules.INSTANT, rules.COUNT)
            }
            for d in devices.values()
        }
        active_rows = _where_in(
            Alert.objects.filter(state=AlertState.ACTIVE, rule__in=[rules.INSTANT, rules.COUNT]),
            "subject",
            sorted({s for m in subjects.values() for s in m.values()}),
        ).values_list("subject", "rule", "event_type")
        active_by_subject: dict[str, set[tuple[str, str]]] = defaultdict(set)
        for subject, rule, event_type in active_rows:
            active_by_subject[subject].add((rule, event_type))
        active = {
            (device_id, rule, event_type)
            for device_id, by_rule in subjects.items()
            for rule, subject in by_rule.items()
            for (r, event_type) in active_by_subject.get(subject, ())
            if r == rule
        }
        history = _count_history(events, books, active)
        hits = [
            h
            for h in rules.evaluate_events(events, books, active=active, history=history)
            if not _is_silenced(silenced, h.device_id, h.rule)
        ]
        created = _raise_or_fold(hits, devices, now)

        # timers: every message keeps the device alive; activity resets absence
        clears: dict[str, set[str]] = defaultdict(set)
        changed: list[DeviceTimer] = []
        changed_rows: set[int] = set()
        by_device: dict[int, list[rules.Incoming]] = defaultdict(list)
        for event in events:
            by_device[event.device_id].append(event)
        for device_id, device_events in by_device.items():
            device, row = devices[device_id], timers[device_id]
            if not row.heard:
                # watching began when the device was added, or earlier if
                # events from before then are only now being evaluated
                row.heard = True
                start = min(row.last_seen_at, first_heard[device_id])
                row.last_seen_at = row.last_activity_at = start
                changed_rows.add(device_id)
            timer = _timer_of(row, device)
            last_seen = max(e.received_at for e in device_events)
            if device.last_seen_at is not None:
                last_seen = max(last_seen, device.last_seen_at)
            activity = [e.received_at for e in device_events if e.type in rules.ACTIVITY_TYPES]
            timer, cleared = rules.heard(timer, last_seen, activity=False)
            if activity:
                timer, more = rules.heard(timer, max(activity), activity=True)
                cleared += more
            for rule in cleared:
                clears[rule].add(
                    subject_of(device_id=device_id, person_id=device.person_id, rule=rule)
                )
            if device_id in changed_rows or _worth_writing(row, timer):
                _store_timer(row, timer)
                changed.append(row)
        if changed:
            _bulk_set(DeviceTimer, changed, [*TIMER_FIELDS, "heard"])
        cleared_ids = _clear(clears, now)
        _after_commit(created, cleared_ids, now)
    return len(events)


def _claim_events(limit: int) -> list[rules.Incoming]:
    """Take up to ``limit`` unevaluated events, marking them evaluated in the
    caller's transaction (rolled back with it if the batch fails)."""
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(Event._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET evaluated = true WHERE id IN ("  # noqa: S608
                f"SELECT id FROM {table} WHERE NOT evaluated ORDER BY id LIMIT %s "
                "FOR UPDATE SKIP LOCKED) RETURNING id, device_id, type, received_at",
                [limit],
            )
            return [rules.Incoming(*row) for row in cursor.fetchall()]
    rows = list(
        Event.objects.filter(evaluated=False)
        .order_by("id")
        .values_list("id", "device_id", "type", "received_at")[:limit]
    )
    if rows:
        Event.objects.filter(id__in=[r[0] for r in rows]).update(evaluated=True)
    return [rules.Incoming(*row) for row in rows]


def _count_history(
    events: list[rules.Incoming],
    books: dict[int, dict[str, rules.Rule]],
    active: set[tuple[int, str, str]],
) -> dict[tuple[int, str], list[dt.datetime]]:
    """Receive times of earlier events of each count rule's type and device,
    within the window (one query for the batch)."""
    wanted: dict[tuple[int, str], rules.Rule] = {}
    for e in events:
        rule = books.get(e.device_id, {}).get(e.type)
        if (
            rule is not None
            and rule.kind == rules.COUNT
            and (e.device_id, rules.COUNT, e.type) not in active
        ):
            wanted[(e.device_id, e.type)] = rule
    if not wanted:
        return {}
    batch_ids = [e.event_id for e in events]
    longest = max(r.window or dt.timedelta(0) for r in wanted.values())
    start = min(e.received_at for e in events) - longest
    end = max(e.received_at for e in events) + longest
    q = Q()
    for device_id, type_ in wanted:
        q |= Q(device_id=device_id, type=type_)
    rows = (
        # evaluated ones only: events in another worker's batch are counted
        # by that batch (or fold in after), never twice
        Event.objects.filter(q, evaluated=True, received_at__gte=start, received_at__lte=end)
        .exclude(id__in=batch_ids)
        .values_list("device_id", "type", "received_at")
    )
    history: dict[tuple[int, str], list[dt.datetime]] = defaultdict(list)
    for device_id, type_, received_at in rows:
        history[(device_id, type_)].append(received_at)
    return history


# --- timers -------------------------------------------------------------------------


def fire_due_timers(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Raise the absence and offline alerts whose deadline has come (late when
    it passed while no worker ran). Nothing due: one indexed query."""
    now = now or timezone.now()
    with transaction.atomic():
        rows = list(
            _locked(
                DeviceTimer.objects.filter(next_due_at__lte=now).order_by("next_due_at"),
                skip_locked=True,
            )[:limit]
        )
        if not rows:
            return 0
        devices = DeviceInfo.load(r.device_id for r in rows)
        silenced = _silenced(devices, now)
        activity = _latest_activity(rows, devices)
        hits: list[rules.Hit] = []
        clears: dict[str, set[str]] = defaultdict(set)
        for row in rows:
            device = devices[row.device_id]
            timer = _timer_of(row, device)
            if device.last_seen_at is not None and device.last_seen_at > timer.last_seen_at:
                # heard since the row was written (a heartbeat without an event,
                # or a write skipped within TIMER_SLACK): alive after all
                timer, cleared = rules.heard(timer, device.last_seen_at, activity=False)
                for rule in cleared:
                    clears[rule].add(f"d{device.id}")
            latest = activity.get(row.device_id)
            if latest is not None and latest > timer.last_activity_at:
                timer, cleared = rules.heard(timer, latest, activity=True)
                for rule in cleared:
                    clears[rule].add(
                        subject_of(device_id=device.id, person_id=device.person_id, rule=rule)
                    )
            fires, timer = rules.due(timer, now)
            muted = False
            for fire in fires:
                if _is_silenced(silenced, device.id, fire.rule):
                    # not fired: looked at again until the silence ends
                    if fire.rule == rules.ABSENCE:
                        timer = replace(timer, absence_fired=False)
                    else:
                        timer = replace(timer, offline_fired=False)
                    muted = True
                    continue
                hits.append(
                    rules.Hit(
                        device_id=device.id,
                        rule=fire.rule,
                        event_type=rules.ABSENCE_EVENT_TYPE
                        if fire.rule == rules.ABSENCE
                        else rules.OFFLINE_EVENT_TYPE,
                        severity=rules.ABSENCE_SEVERITY
                        if fire.rule == rules.ABSENCE
                        else rules.OFFLINE_SEVERITY,
                        count=1,
                        first_event_id=None,
                        last_event_id=None,
                        first_at=fire.deadline,
                        last_at=fire.deadline,
                        late=fire.late,
                    )
                )
            _store_timer(row, timer)
            if muted:
                row.next_due_at = now + SILENCED_RECHECK
        _bulk_set(DeviceTimer, rows, TIMER_FIELDS)
        created = _raise_or_fold(hits, devices, now)
        cleared_ids = _clear(clears, now)
        _after_commit(created, cleared_ids, now)
    return len(rows)


def _latest_activity(
    rows: list[DeviceTimer], devices: dict[int, DeviceInfo]
) -> dict[int, dt.datetime]:
    """The latest door or motion event of each watched device since its row
    was written (rows are rewritten only every TIMER_SLACK), one query."""
    q = Q()
    for row in rows:
        if devices[row.device_id].absence_window:
            q |= Q(device_id=row.device_id, received_at__gt=row.last_activity_at)
    if not q:
        return {}
    found = (
        Event.objects.filter(q, type__in=sorted(rules.ACTIVITY_TYPES))
        .values("device_id")
        .annotate(latest=Max("received_at"))
        .order_by()
    )
    return {r["device_id"]: r["latest"] for r in found}


def sync_new_devices(*, now: dt.datetime | None = None) -> int:
    """Give devices added since the last look a timer row (by id, no scan)."""
    with transaction.atomic():
        cursor, _ = WorkerCursor.objects.get_or_create(pk=1)
        cursor = _locked(WorkerCursor.objects.filter(pk=1)).get()
        new = list(
            Device.objects.filter(id__gt=cursor.last_device_id)
            .order_by("id")
            .values_list("id", flat=True)[:5000]
        )
        if not new:
            return 0
        devices = DeviceInfo.load(new)
        rows = _lock_timers(devices)
        changed = []
        for device_id, row in rows.items():
            device = devices[device_id]
            timer = _timer_of(row, device)
            if device.last_seen_at is not None and device.last_seen_at > timer.last_seen_at:
                timer, _cleared = rules.heard(timer, device.last_seen_at, activity=False)
            if _store_timer(row, timer):
                changed.append(row)
        if changed:
            _bulk_set(DeviceTimer, changed, TIMER_FIELDS)
        cursor.last_device_id = max(new)
        cursor.save(update_fields=["last_device_id"])
    return 0


def clear_heard_offline(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Offline devices heard from again without an event (ISAPI heartbeats):
    clear their offline alerts. Cost follows the offline devices, not all."""
    now = now or timezone.now()
    with transaction.atomic():
        rows = list(
            _locked(
                DeviceTimer.objects.filter(
                    offline_fired=True, device__last_seen_at__gt=F("last_seen_at")
                ),
                skip_locked=True,
            )[:limit]
        )
        if not rows:
            return 0
        devices = DeviceInfo.load(r.device_id for r in rows)
        clears: dict[str, set[str]] = defaultdict(set)
        for row in rows:
            device = devices[row.device_id]
            assert device.last_seen_at is not None
            timer, cleared = rules.heard(
                _timer_of(row, device), device.last_seen_at, activity=False
            )
            for rule in cleared:
                clears[rule].add(f"d{device.id}")
            _store_timer(row, timer)
        _bulk_set(DeviceTimer, rows, TIMER_FIELDS)
        cleared_ids = _clear(clears, now)
        _after_commit([], cleared_ids, now)
    return len(rows)
