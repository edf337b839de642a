"""Selectors: households reached per Asia/Shanghai day, the no-one-missed
list's states, visits without answers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from beatbook.registry.tests import factories as rf
from beatbook.sweeps import selectors
from beatbook.sweeps.tests.factories import SweepFactory, world_sweeps
from beatbook.visits.models import Outcome, RoundScope, RoundStatus
from beatbook.visits.tests.factories import VisitFactory

UTC = dt.UTC


@pytest.fixture
def sweep(world: Any) -> Any:
    return SweepFactory(
        scope=RoundScope.COMPOUND,
        compound=world.compound_a,
        start_date=dt.date(2026, 3, 1),
        end_date=dt.date(2026, 3, 7),
        daily_target=2,
    )


def _visit(world: Any, flat: Any, sweep: Any, at: dt.datetime, outcome: str = "visited") -> Any:
    v = VisitFactory(flat=flat, round=sweep, author=world.officer_a, outcome=outcome, visited_at=at)
    v.visitors.set([world.officer_a])
    return v


def test_reached_per_shanghai_day(world: Any, sweep: Any) -> None:
    flats = [
        rf.FlatFactory(building=world.building_a, entrance=world.entrance_a, room=f"3{i}")
        for i in range(4)
    ]
    # 23:59 Shanghai on the 1st, and 00:00 Shanghai on the 2nd
    _visit(world, flats[0], sweep, dt.datetime(2026, 3, 1, 15, 59, tzinfo=UTC))
    _visit(world, flats[1], sweep, dt.datetime(2026, 3, 1, 16, 0, tzinfo=UTC))
    # a second visit of a household already reached does not count again
    _visit(world, flats[0], sweep, dt.datetime(2026, 3, 2, 3, 0, tzinfo=UTC))
    # nobody home is not reached; reached the day after
    _visit(world, flats[2], sweep, dt.datetime(2026, 3, 2, 3, 0, tzinfo=UTC), Outcome.NOBODY_HOME)
    _visit(world, flats[2], sweep, dt.datetime(2026, 3, 3, 3, 0, tzinfo=UTC))
    assert selectors.reached_by_day(user=world.chief, round_=sweep) == {
        dt.date(2026, 3, 1): 1,
        dt.date(2026, 3, 2): 1,
        dt.date(2026, 3, 3): 1,
    }
    assert selectors.reached_by_day(user=world.officer_b, round_=sweep) == {}
    rows = selectors.daily_progress(
        user=world.chief, round_=sweep, now=dt.datetime(2026, 3, 4, 1, 0, tzinfo=UTC)
    )
    assert [(r.day.day, r.reached, r.total, r.met) for r in rows] == [
        (1, 1, 1, False),
        (2, 1, 2, False),
        (3, 1, 3, False),
        (4, 0, 3, False),
    ]
    # a closed round's chart stops at its end date
    sweep.status = RoundStatus.CLOSED
    rows = selectors.daily_progress(
        user=world.chief, round_=sweep, now=dt.datetime(2026, 3, 20, 1, 0, tzinfo=UTC)
    )
    assert rows[-1].day == dt.date(2026, 3, 7)


def test_not_reached_states_and_vacancy(world: Any, sweep: Any) -> None:
    tried = rf.FlatFactory(building=world.building_a, entrance=world.entrance_a, room="41")
    moved = rf.FlatFactory(building=world.building_a, entrance=world.entrance_a, room="42")
    _visit(world, tried, sweep, dt.datetime(2026, 3, 1, 3, tzinfo=UTC), Outcome.NOBODY_HOME)
    _visit(world, moved, sweep, dt.datetime(2026, 3, 1, 3, tzinfo=UTC), Outcome.MOVED)
    rows = {
        f.pk: selectors.reach_state(f.latest)
        for f in selectors.with_latest(
            sweep, selectors.not_reached(user=world.officer_a, round_=sweep)
        )
    }
    # flat_a never tried; the vacant flat and the household that moved away are not listed
    assert rows == {world.flat_a.pk: "not_yet", tried.pk: "tried"}
    assert [
        f.pk for f in selectors.not_reached(user=world.officer_a, round_=sweep, state="tried")
    ] == [tried.pk]
    assert list(selectors.not_reached(user=world.officer_b, round_=sweep)) == []


def test_unanswered_visits(world: Any) -> None:
    world_sweeps(world)
    extra = rf.FlatFactory(building=world.building_a, entrance=world.entrance_a, room="51")
    v = VisitFactory(flat=extra, round=world.sweep_a, author=world.worker_a)
    v.visitors.set([world.worker_a])
    n, latest = selectors.unanswered_visits(user=world.worker_a, round_=world.sweep_a)
    assert (n, [x.pk for x in latest]) == (1, [v.pk])
    assert selectors.unanswered_visits(user=world.officer_b, round_=world.sweep_a) == (0, [])
