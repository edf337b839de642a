"""The rule module alone: no database, no clock but the ``now`` passed in."""

from __future__ import annotations

import datetime as dt

import pytest

from beatbook.alerts import rules
from beatbook.alerts.rules import Incoming, Rule, Timer

T0 = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)
H24 = dt.timedelta(hours=24)
M30 = dt.timedelta(minutes=30)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def ev(event_id: int, type_: str, seconds: float, device: int = 1) -> Incoming:
    return Incoming(event_id=event_id, device_id=device, type=type_, received_at=at(seconds))


BOOK = {1: rules.rulebook(), 2: rules.rulebook()}


def test_instant_rule_alerts_on_the_first_event_and_folds_repeats() -> None:
    hits = rules.evaluate_events(
        [ev(1, "object_thrown", 0), ev(2, "object_thrown", 5), ev(3, "door_open", 6)],
        BOOK,
        active=set(),
    )
    assert len(hits) == 1
    hit = hits[0]
    assert (hit.rule, hit.event_type, hit.severity, hit.count) == (
        "instant",
        "object_thrown",
        "high",
        2,
    )
    assert (hit.first_event_id, hit.last_event_id) == (1, 2)


def test_ordinary_events_raise_nothing() -> None:
    types = ["door_open", "door_close", "heartbeat", "motion", "other"]
    assert (
        rules.evaluate_events([ev(i, t, i) for i, t in enumerate(types)], BOOK, active=set()) == []
    )


def test_count_rule_fires_at_the_threshold_within_the_window() -> None:
    four = [ev(i, "access_denied", i * 60) for i in range(4)]
    assert rules.evaluate_events(four, BOOK, active=set()) == []
    five = [*four, ev(9, "access_denied", 4 * 60)]
    (hit,) = rules.evaluate_events(five, BOOK, active=set())
    assert (hit.rule, hit.count, hit.first_event_id) == ("count", 5, 9)


def test_count_rule_window_boundary() -> None:
    # 5 events spanning exactly 10 minutes fire; 10 minutes and 1 second do not
    inside = [ev(i, "access_denied", s) for i, s in enumerate([0, 100, 200, 300, 600])]
    assert len(rules.evaluate_events(inside, BOOK, active=set())) == 1
    outside = [ev(i, "access_denied", s) for i, s in enumerate([0, 100, 200, 300, 601])]
    assert rules.evaluate_events(outside, BOOK, active=set()) == []


def test_count_rule_uses_history_from_earlier_batches_and_separates_devices() -> None:
    history = {(1, "access_denied"): [at(0), at(10), at(20), at(30)]}
    batch = [ev(10, "access_denied", 40, device=2), ev(11, "access_denied", 40, device=1)]
    (hit,) = rules.evaluate_events(batch, BOOK, active=set(), history=history)
    assert (hit.device_id, hit.count) == (1, 5)


def test_count_rule_with_an_active_alert_folds_every_event() -> None:
    (hit,) = rules.evaluate_events(
        [ev(1, "access_denied", 0)], BOOK, active={(1, "count", "access_denied")}
    )
    assert hit.count == 1


def test_overrides_change_and_switch_off_rules() -> None:
    book = rules.rulebook(
        {
            "access_denied": Rule("count", "high", threshold=3, window=dt.timedelta(minutes=5)),
            "illegal_parking": None,
        }
    )
    assert "illegal_parking" not in book
    three = [ev(i, "access_denied", i) for i in range(3)] + [ev(5, "illegal_parking", 9)]
    (hit,) = rules.evaluate_events(three, {1: book}, active=set())
    assert (hit.severity, hit.count) == ("high", 3)


def test_bad_rules_are_refused() -> None:
    with pytest.raises(ValueError):
        Rule("absence", "high")
    with pytest.raises(ValueError):
        Rule("count", "high", threshold=0, window=M30)
    with pytest.raises(ValueError):
        Rule("instant", "urgent")


# --- timers ----------------------------------------------------------------------


def watched(**kwargs: object) -> Timer:
    defaults: dict[str, object] = {
        "last_seen_at": T0,
        "last_activity_at": T0,
        "absence_window": H24,
        "heartbeat_window": None,
    }
    defaults.update(kwargs)
    return Timer(**defaults)  # type: ignore[arg-type]


def test_absence_fires_at_the_deadline_not_before() -> None:
    timer = watched()
    assert rules.due(timer, T0 + H24 - dt.timedelta(seconds=1)) == ([], timer)
    fires, after = rules.due(timer, T0 + H24 + dt.timedelta(seconds=1))
    assert [(f.rule, f.deadline, f.late) for f in fires] == [("absence", T0 + H24, False)]
    assert after.absence_fired and after.next_deadline is None
    # fired once: the next check finds nothing
    assert rules.due(after, T0 + 2 * H24)[0] == []


def test_activity_resets_the_deadline_and_clears_the_alert() -> None:
    timer = watched(absence_fired=True)
    later = T0 + dt.timedelta(hours=30)
    new, clears = rules.heard(timer, later, activity=True)
    assert clears == ["absence"]
    assert new.next_deadline == later + H24 and not new.absence_fired


def test_heartbeats_neither_reset_nor_clear_absence() -> None:
    timer = watched(absence_fired=True)
    new, clears = rules.heard(timer, T0 + dt.timedelta(hours=30), activity=False)
    assert clears == [] and new.absence_fired and new.last_activity_at == T0


def test_offline_fires_after_the_heartbeat_window_and_clears_on_any_message() -> None:
    timer = watched(absence_window=None, heartbeat_window=M30)
    assert rules.due(timer, T0 + M30 - dt.timedelta(seconds=1))[0] == []
    fires, after = rules.due(timer, T0 + M30 + dt.timedelta(seconds=1))
    assert [f.rule for f in fires] == ["offline"]
    new, clears = rules.heard(after, T0 + dt.timedelta(hours=1), activity=False)
    assert clears == ["offline"] and new.next_deadline == T0 + dt.timedelta(hours=1) + M30


def test_offline_inhibits_absence() -> None:
    # heard from last at 20:00 (a heartbeat); no door activity since 08:00
    timer = watched(
        heartbeat_window=M30, last_seen_at=T0 + dt.timedelta(hours=12), last_activity_at=T0
    )
    fires, after = rules.due(timer, T0 + dt.timedelta(hours=25))
    assert [f.rule for f in fires] == ["offline"]
    assert not after.absence_fired and after.absence_inhibited and after.next_deadline is None
    # back online (a heartbeat) with still no door activity: absence fires now
    back, clears = rules.heard(after, T0 + dt.timedelta(hours=26), activity=False)
    assert clears == ["offline"]
    fires, _ = rules.due(back, T0 + dt.timedelta(hours=26))
    assert [(f.rule, f.late) for f in fires] == [("absence", True)]


def test_a_live_sensor_raises_absence_and_offline_later() -> None:
    timer = watched(heartbeat_window=M30, last_seen_at=T0 + H24 - dt.timedelta(minutes=1))
    fires, after = rules.due(timer, T0 + H24)
    assert [f.rule for f in fires] == ["absence"]
    assert after.next_deadline == T0 + H24 + dt.timedelta(minutes=29)


def test_overdue_deadlines_fire_late_after_a_restart() -> None:
    timer = watched()
    fires, _ = rules.due(timer, T0 + H24 + rules.LATE_AFTER)
    assert fires[0].late is False
    fires, _ = rules.due(timer, T0 + H24 + rules.LATE_AFTER + dt.timedelta(seconds=1))
    assert fires[0].late is True


def test_out_of_order_messages_never_move_times_back() -> None:
    timer = watched(last_seen_at=at(100), last_activity_at=at(100))
    new, clears = rules.heard(timer, at(50), activity=True)
    assert (new.last_seen_at, new.last_activity_at, clears) == (at(100), at(100), [])


def test_count_rule_counts_later_events_evaluated_first() -> None:
    # another batch evaluated four later attempts before this earlier one
    history = {(1, "access_denied"): [at(10), at(20), at(30), at(40)]}
    (hit,) = rules.evaluate_events([ev(1, "access_denied", 0)], BOOK, active=set(), history=history)
    assert hit.count == 5
    far = {(1, "access_denied"): [at(601), at(620), at(630), at(640)]}
    assert rules.evaluate_events([ev(1, "access_denied", 0)], BOOK, active=set(), history=far) == []


def test_best_window() -> None:
    times = [at(s) for s in (0, 100, 200, 650, 700)]
    window = dt.timedelta(minutes=10)
    assert rules.best_window(times, at(0), window) == 3
    assert rules.best_window(times, at(200), window) == 4  # 100..700
    assert rules.best_window(times, at(700), window) == 4
