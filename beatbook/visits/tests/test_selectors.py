from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from beatbook.registry.models import FlatStatus
from beatbook.registry.tests import factories as f
from beatbook.visits import selectors, services
from beatbook.visits.models import Outcome, Round
from beatbook.visits.tests.factories import FollowUpFactory

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def _log(actor: Any, flat: Any, round_: Round, outcome: str, minutes_ago: int = 0) -> Any:
    return services.visit_log(
        actor=actor,
        flat=flat,
        round_=round_,
        outcome=outcome,
        visited_at=timezone.now() - dt.timedelta(minutes=minutes_ago),
    ).visit


def test_coverage_states_from_visits(world: Any, round_a: Round) -> None:
    more = [
        f.FlatFactory(building=world.building_a, entrance=world.entrance_a, room=f"2{i:02d}")
        for i in range(5)
    ]
    visited, tried, refused, moved_then_home, visited_late = more
    _log(world.officer_a, world.flat_a, round_a, Outcome.NOBODY_HOME, 60)
    _log(world.worker_a, world.flat_a, round_a, Outcome.VISITED, 30)
    _log(world.officer_a, world.flat_a, round_a, Outcome.NOBODY_HOME, 10)  # visited stays
    _log(world.officer_a, visited, round_a, Outcome.VISITED)
    _log(world.officer_a, tried, round_a, Outcome.REFUSED, 30)
    _log(world.officer_a, tried, round_a, Outcome.NOBODY_HOME, 5)  # latest: tried
    _log(world.officer_a, refused, round_a, Outcome.REFUSED)
    _log(world.officer_a, moved_then_home, round_a, Outcome.MOVED)
    # a visit outside the round does not count
    services.visit_log(actor=world.officer_a, flat=visited_late, outcome=Outcome.VISITED)
    tally = selectors.coverage(user=world.officer_a, round_=round_a)
    assert tally.as_dict() == {
        "households": 7,
        "vacant": 2,  # flat_a_vacant by status, moved_then_home by its latest visit
        "visited": 2,
        "tried": 1,
        "refused": 1,
        "not_yet": 1,
        "coverage": 0.4,
    }
    states = selectors.flat_states(
        user=world.officer_a, round_=round_a, flats=world.building_a.flats.all()
    )
    assert states[world.flat_a.pk] == "visited"
    assert states[world.flat_a_vacant.pk] == "vacant"
    assert states[tried.pk] == "tried" and states[visited_late.pk] == "not_yet"
    by_building = selectors.coverage_by(user=world.officer_a, round_=round_a, level="building")
    assert by_building[world.building_a.pk].households == 7


def test_corrections_replace_the_visit_in_coverage(world: Any, round_a: Round) -> None:
    visit = _log(world.officer_a, world.flat_a, round_a, Outcome.VISITED)
    assert selectors.coverage(user=world.officer_a, round_=round_a).counts["visited"] == 1
    services.visit_correct(
        actor=world.officer_a, visit=visit, reason="错", outcome=Outcome.NOBODY_HOME
    )
    tally = selectors.coverage(user=world.officer_a, round_=round_a)
    assert tally.counts["visited"] == 0 and tally.counts["tried"] == 1


def test_coverage_of_a_target_is_scoped(world: Any, round_a: Round, round_b: Round) -> None:
    _log(world.officer_b, world.flat_b2, round_b, Outcome.VISITED)
    assert (
        selectors.coverage(
            user=world.chief, round_=round_b, level="beat", target=world.beat_b.pk
        ).as_dict()["coverage"]
        == 0.5
    )
    # the building head sees only their building of the beat-wide round
    head = selectors.coverage(user=world.head, round_=round_b)
    assert head.households == 1 and head.coverage == 1
    with pytest.raises(Http404):
        selectors.coverage(
            user=world.head, round_=round_b, level="building", target=world.building_b.pk
        )
    with pytest.raises(Http404):
        selectors.round_get(user=world.officer_a, pk=round_b.pk)
    empty = selectors.coverage(
        user=world.chief, round_=round_a, level="compound", target=world.compound_b.pk
    )
    assert empty.households == 0 and empty.coverage is None


def test_coverage_is_one_aggregate_query(world: Any, round_a: Round) -> None:
    _log(world.officer_a, world.flat_a, round_a, Outcome.VISITED)
    user = world.officer_a
    selectors.coverage(user=user, round_=round_a)  # scope computed and cached
    with CaptureQueriesContext(connection) as ctx:
        selectors.coverage(user=user, round_=round_a)
    # the round's buildings' ids, then the figures
    assert len(ctx.captured_queries) == 2
    assert "COUNT(*)" in ctx.captured_queries[-1]["sql"]
    with CaptureQueriesContext(connection) as ctx:
        selectors.coverage(user=user, round_=round_a, level="building", target=world.building_a.pk)
    assert len(ctx.captured_queries) == 3  # the building's lookup first


def test_followups_overdue_at_the_shanghai_day_boundary(world: Any) -> None:
    due = dt.date(2026, 3, 10)
    followup = FollowUpFactory(
        flat=world.flat_a, assignee=world.officer_a, created_by=world.officer_a, due_date=due
    )
    before = dt.datetime(2026, 3, 10, 23, 59, tzinfo=SHANGHAI)
    after = dt.datetime(2026, 3, 11, 0, 0, tzinfo=SHANGHAI)
    assert not selectors.followup_list(user=world.officer_a, overdue=True, now=before).exists()
    assert list(selectors.followup_list(user=world.officer_a, overdue=True, now=after)) == [
        followup
    ]
    assert list(selectors.followup_list(user=world.officer_a, overdue=False, now=before)) == [
        followup
    ]
    [mine], total = selectors.my_followups(user=world.officer_a, now=after)
    assert total == 1
    assert mine.overdue


def test_worklist(world: Any, round_a: Round) -> None:
    now = timezone.now()
    today = timezone.localdate()
    tried = f.FlatFactory(building=world.building_a, entrance=world.entrance_a, room="301", floor=3)
    done = f.FlatFactory(building=world.building_a, entrance=world.entrance_a, room="302", floor=3)
    refused = f.FlatFactory(
        building=world.building_a, entrance=world.entrance_a, room="303", floor=3
    )
    _log(world.officer_a, tried, round_a, Outcome.NOBODY_HOME)
    _log(world.worker_a, done, round_a, Outcome.VISITED)
    _log(world.worker_a, refused, round_a, Outcome.REFUSED)
    later = FollowUpFactory(
        flat=world.flat_a, assignee=world.officer_a, created_by=world.officer_a, due_date=today
    )
    overdue = FollowUpFactory(
        flat=tried,
        assignee=world.officer_a,
        created_by=world.officer_a,
        due_date=today - dt.timedelta(days=2),
    )
    FollowUpFactory(
        flat=world.flat_a, assignee=world.worker_a, created_by=world.officer_a, due_date=today
    )
    services.household_update(
        actor=world.officer_a,
        flat=world.flat_a,
        elderly_alone=True,
        care_every_days=14,
        today=today - dt.timedelta(days=20),
    )
    services.household_update(
        actor=world.officer_a,
        flat=done,
        elderly_alone=True,
        care_every_days=14,
        today=today - dt.timedelta(days=20),
    )
    work = selectors.worklist(user=world.officer_a, now=now)
    assert [x.pk for x in work.followups] == [overdue.pk, later.pk]
    assert [h.flat_id for h in work.care] == [world.flat_a.pk]  # `done` was visited just now
    assert work.round == round_a
    pending = selectors.mark_tried(round_a, list(work.pending))
    assert [p.pk for p in pending] == [world.flat_a.pk, tried.pk]
    assert [p.tried for p in pending] == [False, True]
    assert selectors.worklist(user=world.officer_b, now=now).round is None
    with pytest.raises(Http404):
        selectors.worklist(user=world.officer_b, round_id=round_a.pk, now=now)


def test_pending_households_constant_queries(world: Any, round_a: Round) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            list(selectors.pending_households(user=world.officer_a, round_=round_a)[:50])
        return len(ctx.captured_queries)

    count()  # the user's scope is computed once
    small = count()
    for i in range(10):
        flat = f.FlatFactory(building=world.building_a, entrance=world.entrance_a, room=f"9{i:02d}")
        _log(world.officer_a, flat, round_a, Outcome.NOBODY_HOME)
    assert count() == small


def test_tonight_plan(world: Any, round_a: Round) -> None:
    today = timezone.localdate()
    floors = [
        f.FlatFactory(building=world.building_a, entrance=world.entrance_a, room=f"{n}01", floor=n)
        for n in (2, 3)
    ]
    FollowUpFactory(
        flat=floors[1],
        assignee=world.officer_a,
        created_by=world.officer_a,
        due_date=today - dt.timedelta(days=1),
    )
    plan = selectors.tonight_plan(user=world.officer_a, limit=2)
    assert plan.count == 2
    stops = [s for b in plan.buildings for fl in b.floors for s in fl.stops]
    assert {s.reason for s in stops} == {"followup", "round"}
    assert stops[-1].flat == floors[1]  # grouped by floor, upwards
    assert plan.starts.hour == 17 and plan.ends.hour == 21


def test_household_profile(world: Any) -> None:
    services.visit_log(
        actor=world.officer_a,
        flat=world.flat_a,
        outcome=Outcome.VISITED,
        notes="儿子外出务工；腿伤",
        tags=["needs_help"],
    )
    services.household_update(
        actor=world.officer_a, flat=world.flat_a, elderly_alone=True, care_every_days=14
    )
    profile = selectors.household_profile(user=world.worker_a, flat=world.flat_a)
    assert [m.resident for m in profile.members] == [world.resident_a]
    assert profile.points[0].text == "儿子外出务工；腿伤"
    assert profile.household.elderly_alone and not profile.care_lapsed
    with pytest.raises(Http404):
        selectors.household_profile(user=world.officer_b, flat=world.flat_a)


def test_vacant_flat_status_counts_even_without_visits(world: Any, round_a: Round) -> None:
    world.flat_a.status = FlatStatus.VACANT
    world.flat_a.save()
    assert selectors.coverage(user=world.chief, round_=round_a).as_dict()["coverage"] is None


@pytest.mark.django_db
def test_with_overdue_marks_open_followups_due_before_today(world: Any) -> None:
    # 10:00 on 2026-03-05 in Asia/Shanghai
    now = dt.datetime(2026, 3, 5, 2, 0, tzinfo=dt.UTC)
    common = {"flat": world.flat_a, "assignee": world.officer_a, "created_by": world.officer_a}
    late = FollowUpFactory(due_date=dt.date(2026, 3, 4), **common)
    today = FollowUpFactory(due_date=dt.date(2026, 3, 5), **common)
    done = FollowUpFactory(due_date=dt.date(2026, 3, 1), status="done", **common)
    selectors.with_overdue([late, today, done], now)
    assert (late.overdue, today.overdue, done.overdue) == (True, False, False)  # type: ignore[attr-defined]
