"""What turns device events into alerts, and when timers fire (no Django here).

Four kinds of rule:

- ``instant``: an event type that always alerts (object thrown from height,
  door forced, smoke, manhole opened, an e-bike in an elevator, ...);
- ``count``: N events of a type from one device within a window (5 failed
  access attempts in 10 minutes);
- ``absence``: a watched device (one with an absence window) that reports no
  door or motion activity within the window since its last activity;
- ``offline``: a device with a heartbeat window that sends nothing at all
  (not even a heartbeat) within it. A device offline inhibits its absence
  alert: a dead sensor is a maintenance job, not an elderly person in danger.

Every deadline is computed from the server's receive time, never from the
device's clock, and every function takes ``now``: tests check the boundaries
without sleeping. A deadline is due at the instant it is reached
(``now >= deadline``); a deadline found more than ``LATE_AFTER`` past due
(the worker was not running) fires on the next check, marked late.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

INSTANT = "instant"
COUNT = "count"
ABSENCE = "absence"
OFFLINE = "offline"
RULE_KINDS = (INSTANT, COUNT, ABSENCE, OFFLINE)

LOW, MEDIUM, HIGH, CRITICAL = "low", "medium", "high", "critical"
SEVERITIES = (LOW, MEDIUM, HIGH, CRITICAL)

#: event types that show a person is moving: they reset (and clear) absence
ACTIVITY_TYPES = frozenset({"door_open", "door_close", "motion"})

#: a timer that fires this long after its deadline fired late (no worker ran)
LATE_AFTER = dt.timedelta(seconds=60)

#: the event type absence and offline alerts are filed under
ABSENCE_EVENT_TYPE = "door_open"
OFFLINE_EVENT_TYPE = "heartbeat"


@dataclass(frozen=True)
class Rule:
    """One event-type rule: ``instant`` (alert on every event) or ``count``
    (alert once ``threshold`` events fall within ``window``)."""

    kind: str
    severity: str
    threshold: int = 1
    window: dt.timedelta | None = None

    def __post_init__(self) -> None:
        if self.kind not in (INSTANT, COUNT):
            raise ValueError(f"not an event rule: {self.kind}")
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity: {self.severity}")
        if self.kind == COUNT and (self.threshold < 1 or not self.window):
            raise ValueError("a count rule needs a threshold ≥ 1 and a window")


#: defaults, per event type; an officer adjusts them per compound (overrides)
DEFAULT_RULES: Mapping[str, Rule] = {
    "object_thrown": Rule(INSTANT, HIGH),
    "door_forced": Rule(INSTANT, HIGH),
    "smoke": Rule(INSTANT, CRITICAL),
    "manhole_open": Rule(INSTANT, MEDIUM),
    "ebike_detected": Rule(INSTANT, MEDIUM),
    "illegal_parking": Rule(INSTANT, LOW),
    "access_denied": Rule(COUNT, MEDIUM, threshold=5, window=dt.timedelta(minutes=10)),
}
ABSENCE_SEVERITY = HIGH
OFFLINE_SEVERITY = LOW


def rulebook(overrides: Mapping[str, Rule | None] | None = None) -> dict[str, Rule]:
    """The defaults with a compound's overrides applied (None switches a rule off)."""
    book = dict(DEFAULT_RULES)
    for event_type, rule in (overrides or {}).items():
        if rule is None:
            book.pop(event_type, None)
        else:
            book[event_type] = rule
    return book


def best_window(times: Sequence[dt.datetime], at: dt.datetime, window: dt.timedelta) -> int:
    """The most events of ``times`` (``at`` among them) that fall in one
    window containing ``at``: windows ending at ``at`` or at a later event
    up to ``window`` after it (events evaluated out of order still count).
    The window is closed at both ends: events exactly ``window`` apart count."""
    ordered = sorted(times)
    best = 0
    for end in ordered[bisect.bisect_left(ordered, at) :]:
        if end - at > window:
            break
        start = end - window
        best = max(best, bisect.bisect_right(ordered, end) - bisect.bisect_left(ordered, start))
    return best


# --- event evaluation ------------------------------------------------------------


@dataclass(frozen=True)
class Incoming:
    """One event to evaluate (what the worker read from storage)."""

    event_id: int
    device_id: int
    type: str
    received_at: dt.datetime


@dataclass
class Hit:
    """An alert to raise or fold into: ``count`` events, first and last."""

    device_id: int
    rule: str
    event_type: str
    severity: str
    count: int
    first_event_id: int | None
    last_event_id: int | None
    first_at: dt.datetime
    last_at: dt.datetime
    late: bool = False


def evaluate_events(
    events: Sequence[Incoming],
    rules_of: Mapping[int, Mapping[str, Rule]],
    *,
    active: set[tuple[int, str, str]],
    history: Mapping[tuple[int, str], Sequence[dt.datetime]] | None = None,
) -> list[Hit]:
    """The alert hits of a batch of events, in order of arrival.

    ``rules_of`` gives each device's rulebook; ``active`` holds the
    (device, rule, event type) whose alert is already active (a repeat folds
    in); ``history`` gives, per (device, count-rule type), the receive times
    of that type's events evaluated before this batch (within a window either
    side), which were counted into no alert.
    Hits for the same key are merged: one hit per (device, rule, event type).
    """
    history = history or {}
    hits: dict[tuple[int, str, str], Hit] = {}
    seen: dict[tuple[int, str], list[dt.datetime]] = {}
    for event in sorted(events, key=lambda e: (e.received_at, e.event_id)):
        rule = rules_of.get(event.device_id, {}).get(event.type)
        if rule is None:
            continue
        key = (event.device_id, rule.kind, event.type)
        hit = hits.get(key)
        if hit is not None:
            hit.count += 1
            hit.last_event_id = event.event_id
            hit.last_at = event.received_at
            continue
        count = 1
        if rule.kind == COUNT and key not in active:
            assert rule.window is not None
            times = seen.setdefault(
                (event.device_id, event.type), list(history.get((event.device_id, event.type), ()))
            )
            times.append(event.received_at)
            count = best_window(times, event.received_at, rule.window)
            if count < rule.threshold:
                continue
        hits[key] = Hit(
            device_id=event.device_id,
            rule=rule.kind,
            event_type=event.type,
            severity=rule.severity,
            count=count,
            first_event_id=event.event_id,
            last_event_id=event.event_id,
            first_at=event.received_at,
            last_at=event.received_at,
        )
    return list(hits.values())


# --- timers ---------------------------------------------------------------------


@dataclass(frozen=True)
class Timer:
    """A device's timer state: when it was last heard from, when it last
    showed activity, its windows, and which timer alerts are standing."""

    last_seen_at: dt.datetime
    last_activity_at: dt.datetime
    absence_window: dt.timedelta | None = None
    heartbeat_window: dt.timedelta | None = None
    absence_fired: bool = False
    offline_fired: bool = False

    @property
    def absence_deadline(self) -> dt.datetime | None:
        if not self.absence_window:
            return None
        return self.last_activity_at + self.absence_window

    @property
    def offline_deadline(self) -> dt.datetime | None:
        if not self.heartbeat_window:
            return None
        return self.last_seen_at + self.heartbeat_window

    @property
    def absence_inhibited(self) -> bool:
        """The device was (or will be) offline by the absence deadline, so its
        silence says nothing about the person."""
        absence, offline = self.absence_deadline, self.offline_deadline
        return absence is not None and offline is not None and offline <= absence

    @property
    def next_deadline(self) -> dt.datetime | None:
        """The earliest deadline still to fire (what the indexed column holds)."""
        candidates = []
        if self.offline_deadline is not None and not self.offline_fired:
            candidates.append(self.offline_deadline)
        if (
            self.absence_deadline is not None
            and not self.absence_fired
            and not self.absence_inhibited
        ):
            candidates.append(self.absence_deadline)
        return min(candidates, default=None)


@dataclass(frozen=True)
class Fire:
    rule: str
    deadline: dt.datetime
    late: bool


def is_late(deadline: dt.datetime, now: dt.datetime) -> bool:
    return now - deadline > LATE_AFTER


def due(timer: Timer, now: dt.datetime) -> tuple[list[Fire], Timer]:
    """The timer alerts due at ``now`` and the timer state after firing them."""
    fires: list[Fire] = []
    offline = timer.offline_deadline
    if offline is not None and not timer.offline_fired and now >= offline:
        fires.append(Fire(OFFLINE, offline, is_late(offline, now)))
        timer = replace(timer, offline_fired=True)
    absence = timer.absence_deadline
    if (
        absence is not None
        and not timer.absence_fired
        and not timer.absence_inhibited
        and now >= absence
    ):
        fires.append(Fire(ABSENCE, absence, is_late(absence, now)))
        timer = replace(timer, absence_fired=True)
    return fires, timer


def heard(timer: Timer, received_at: dt.datetime, *, activity: bool) -> tuple[Timer, list[str]]:
    """A message from the device at ``received_at``: the new timer state and
    the timer alerts it clears (offline on any message, absence on activity)."""
    clears: list[str] = []
    last_seen = max(timer.last_seen_at, received_at)
    last_activity = max(timer.last_activity_at, received_at) if activity else timer.last_activity_at
    offline_fired, absence_fired = timer.offline_fired, timer.absence_fired
    if offline_fired and (timer.offline_deadline is None or last_seen > timer.last_seen_at):
        clears.append(OFFLINE)
        offline_fired = False
    if activity and absence_fired and last_activity > timer.last_activity_at:
        clears.append(ABSENCE)
        absence_fired = False
    new = replace(
        timer,
        last_seen_at=last_seen,
        last_activity_at=last_activity,
        offline_fired=offline_fired,
        absence_fired=absence_fired,
    )
    return new, clears
