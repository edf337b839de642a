"""Date rules and talking points, plain (no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from beatbook.visits import rules

UTC = dt.UTC


def test_overdue_from_midnight_shanghai_the_day_after() -> None:
    due = dt.date(2026, 3, 10)
    # 2026-03-10 23:59:59 in Shanghai is 15:59:59 UTC: not yet overdue
    assert not rules.is_overdue(due, dt.datetime(2026, 3, 10, 15, 59, 59, tzinfo=UTC))
    # 00:00 Shanghai on the 11th = 16:00 UTC on the 10th: overdue
    assert rules.is_overdue(due, dt.datetime(2026, 3, 10, 16, 0, tzinfo=UTC))
    assert rules.overdue_from(due) == dt.datetime(2026, 3, 10, 16, 0, tzinfo=UTC)


def test_local_date_needs_an_aware_time() -> None:
    assert rules.local_date(dt.datetime(2026, 3, 10, 16, 30, tzinfo=UTC)) == dt.date(2026, 3, 11)
    with pytest.raises(ValueError):
        rules.local_date(dt.datetime(2026, 3, 10, 16, 30))


def test_naive_times_are_shanghai_times() -> None:
    moment = rules.as_aware(dt.datetime(2026, 3, 10, 19, 0))
    assert moment.astimezone(UTC) == dt.datetime(2026, 3, 10, 11, 0, tzinfo=UTC)


def test_care_cadence() -> None:
    last = dt.date(2026, 3, 1)
    assert rules.care_due(last_visited=last, since=None, every_days=14) == dt.date(2026, 3, 15)
    kw = {"last_visited": last, "since": None, "every_days": 14}
    assert not rules.care_lapsed(**kw, today=dt.date(2026, 3, 15))
    assert rules.care_lapsed(**kw, today=dt.date(2026, 3, 16))
    # never visited: due from the day it joined the list
    assert rules.care_lapsed(
        last_visited=None, since=dt.date(2026, 3, 1), every_days=14, today=dt.date(2026, 3, 2)
    )


def test_evening_window() -> None:
    starts, ends = rules.evening_window(dt.date(2026, 3, 10))
    assert (starts.hour, ends.hour, (ends - starts).seconds) == (17, 21, 4 * 3600)
    starts, ends = rules.evening_window(dt.date(2026, 3, 10), dt.time(22), dt.time(1))
    assert ends.date() == dt.date(2026, 3, 11)


def test_talking_points_from_recent_notes() -> None:
    visits = [
        rules.PastVisit(
            dt.date(2026, 3, 1), "visited", "儿子外出务工；腿伤，行动不便", ["needs_help"]
        ),
        rules.PastVisit(
            dt.date(2026, 2, 1), "visited", "儿子外出务工。想了解养老补贴", ["opinion"]
        ),
        rules.PastVisit(dt.date(2026, 1, 1), "nobody_home", "", []),
    ]
    points = rules.talking_points(visits)
    said = [p for p in points if p.kind == "said"]
    assert said[0].day == dt.date(2026, 3, 1)
    assert "儿子外出务工" in said[0].text and "腿伤" in said[0].text
    # what was already said on a later visit is not repeated
    assert said[1].text == "想了解养老补贴"
    assert [p.tag for p in points if p.kind == "tag"] == ["needs_help", "opinion"]


def test_age() -> None:
    assert rules.age_on(dt.date(1950, 6, 2), dt.date(2026, 6, 1)) == 75
    assert rules.age_on(dt.date(1950, 6, 2), dt.date(2026, 6, 2)) == 76
    assert rules.age_on(None, dt.date(2026, 6, 2)) is None
