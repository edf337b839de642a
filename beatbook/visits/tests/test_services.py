from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from beatbook.core.models import AuditEntry
from beatbook.visits import services
from beatbook.visits.models import (
    FollowUp,
    FollowUpStatus,
    Household,
    Outcome,
    Round,
    RoundScope,
    Visit,
)

pytestmark = pytest.mark.django_db


def _audit(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


def test_round_create_audited_and_confined_to_jurisdiction(world: Any) -> None:
    today = timezone.localdate()
    round_ = services.round_create(
        actor=world.officer_a,
        name="春季走访",
        scope=RoundScope.COMMUNITY,
        community=world.community_a,
        start_date=today,
        end_date=today + dt.timedelta(days=30),
        daily_target=200,
    )
    entry = _audit("visits.round.create")[0]
    assert entry.object_id == str(round_.pk) and entry.after["daily_target"] == 200
    with pytest.raises(PermissionDenied):
        services.round_create(
            actor=world.officer_a,
            name="越界",
            scope=RoundScope.COMPOUND,
            compound=world.compound_b,
            start_date=today,
            end_date=today,
        )
    # a worker covers their community, the head only their building
    services.round_create(
        actor=world.head,
        name="本楼走访",
        scope=RoundScope.BUILDINGS,
        buildings=[world.building_b2],
        start_date=today,
        end_date=today,
    )
    with pytest.raises(PermissionDenied):
        services.round_create(
            actor=world.head,
            name="全区",
            scope=RoundScope.BEAT,
            beat=world.beat_b,
            start_date=today,
            end_date=today,
        )
    with pytest.raises(PermissionDenied):
        services.round_create(
            actor=world.sysadmin,
            name="x",
            scope=RoundScope.BEAT,
            beat=world.beat_a,
            start_date=today,
            end_date=today,
        )
    assert Round.objects.count() == 2
    with pytest.raises(ValidationError):
        services.round_create(
            actor=world.officer_a,
            name="倒序",
            scope=RoundScope.COMPOUND,
            compound=world.compound_a,
            start_date=today,
            end_date=today - dt.timedelta(days=1),
        )


def test_visit_log_audited(world: Any, round_a: Round) -> None:
    logged = services.visit_log(
        actor=world.officer_a,
        flat=world.flat_a,
        round_=round_a,
        outcome=Outcome.VISITED,
        notes="老人独居；腿伤",
        tags=["needs_help", "hazard"],
        visitors=[world.officer_a, world.worker_a],
        followup_task="送轮椅",
        followup_due=timezone.localdate() + dt.timedelta(days=3),
    )
    visit = logged.visit
    assert logged.duplicate_of == []
    assert set(visit.visitors.all()) == {world.officer_a, world.worker_a}
    assert visit.tags == ["needs_help", "hazard"]
    entry = _audit("visits.visit.log")[0]
    assert entry.object_id == str(visit.pk)
    assert entry.after["outcome"] == "visited" and entry.after["notes"] == "老人独居；腿伤"
    followup = FollowUp.objects.get()
    assert followup.visit == visit and followup.assignee == world.officer_a
    assert _audit("visits.followup.create")


def test_visit_log_refuses_out_of_scope_and_bad_input(
    world: Any, round_a: Round, round_b: Round
) -> None:
    with pytest.raises(PermissionDenied):
        services.visit_log(actor=world.officer_a, flat=world.flat_b, outcome=Outcome.VISITED)
    with pytest.raises(PermissionDenied):
        services.visit_log(actor=world.auditor, flat=world.flat_a, outcome=Outcome.VISITED)
    with pytest.raises(ValidationError):
        services.visit_log(actor=world.officer_a, flat=world.flat_a, outcome="chatted")
    with pytest.raises(ValidationError):  # the flat is not in beat B's round
        services.visit_log(
            actor=world.officer_a, flat=world.flat_a, round_=round_b, outcome=Outcome.VISITED
        )
    with pytest.raises(ValidationError):
        services.visit_log(
            actor=world.officer_a,
            flat=world.flat_a,
            outcome=Outcome.VISITED,
            visited_at=timezone.now() + dt.timedelta(hours=2),
        )
    assert not Visit.objects.exists()


def test_naive_visit_time_is_shanghai(world: Any) -> None:
    visit = services.visit_log(
        actor=world.officer_a,
        flat=world.flat_a,
        outcome=Outcome.NOBODY_HOME,
        visited_at=dt.datetime(2026, 1, 5, 19, 30),
    ).visit
    assert visit.visited_at == dt.datetime(2026, 1, 5, 11, 30, tzinfo=dt.UTC)
    assert visit.round is None


def test_duplicate_warning_across_police_and_worker(world: Any, round_a: Round) -> None:
    first = services.visit_log(
        actor=world.worker_a, flat=world.flat_a, round_=round_a, outcome=Outcome.VISITED
    )
    assert first.duplicate_of == []
    second = services.visit_log(
        actor=world.officer_a, flat=world.flat_a, round_=round_a, outcome=Outcome.VISITED
    )
    assert second.duplicate_of == [first.visit.pk]
    assert _audit("visits.visit.log")[-1].extra == {"duplicate_of": [first.visit.pk]}
    # and the other way round
    third = services.visit_log(
        actor=world.worker_a, flat=world.flat_a, round_=round_a, outcome=Outcome.VISITED
    )
    assert third.duplicate_of == [second.visit.pk]
    # one's own earlier visit, or a visit one went on, is no duplicate
    joint = services.visit_log(
        actor=world.officer_a,
        flat=world.flat_a_vacant,
        round_=round_a,
        outcome=Outcome.VISITED,
        visitors=[world.officer_a, world.worker_a],
    )
    again = services.visit_log(
        actor=world.worker_a, flat=world.flat_a_vacant, round_=round_a, outcome=Outcome.VISITED
    )
    assert joint.duplicate_of == [] and again.duplicate_of == []
    # outside a round there are no duplicates
    assert (
        services.visit_log(
            actor=world.officer_a, flat=world.flat_a, outcome=Outcome.VISITED
        ).duplicate_of
        == []
    )


def test_nobody_home_is_no_duplicate(world: Any, round_a: Round) -> None:
    services.visit_log(
        actor=world.worker_a, flat=world.flat_a, round_=round_a, outcome=Outcome.NOBODY_HOME
    )
    assert (
        services.visit_log(
            actor=world.officer_a, flat=world.flat_a, round_=round_a, outcome=Outcome.VISITED
        ).duplicate_of
        == []
    )


def test_author_edits_within_24_hours_only(world: Any, round_a: Round) -> None:
    t0 = timezone.now()
    visit = services.visit_log(
        actor=world.officer_a,
        flat=world.flat_a,
        round_=round_a,
        outcome=Outcome.NOBODY_HOME,
        now=t0,
    ).visit
    services.visit_update(
        actor=world.officer_a,
        visit=visit,
        outcome=Outcome.VISITED,
        notes="补记",
        now=t0 + dt.timedelta(hours=23),
    )
    visit.refresh_from_db()
    assert visit.outcome == Outcome.VISITED
    entry = _audit("visits.visit.update")[0]
    assert entry.before == {"outcome": "nobody_home", "notes": ""}
    assert entry.after == {"outcome": "visited", "notes": "补记"}
    with pytest.raises(PermissionDenied):
        services.visit_update(
            actor=world.worker_a, visit=visit, notes="别人改", now=t0 + dt.timedelta(hours=1)
        )
    with pytest.raises(PermissionDenied):
        services.visit_update(
            actor=world.officer_a,
            visit=visit,
            notes="太迟",
            now=visit.created_at + dt.timedelta(hours=24),
        )


def test_correction_appended_and_replaces_the_visit(world: Any, round_a: Round) -> None:
    visit = services.visit_log(
        actor=world.officer_a,
        flat=world.flat_a,
        round_=round_a,
        outcome=Outcome.VISITED,
        notes="原记录",
    ).visit
    correction = services.visit_correct(
        actor=world.officer_a, visit=visit, reason="记错了户", outcome=Outcome.NOBODY_HOME
    )
    visit.refresh_from_db()
    assert visit.superseded and visit.outcome == Outcome.VISITED
    assert correction.corrects == visit and correction.notes == "原记录"
    assert correction.outcome == Outcome.NOBODY_HOME and not correction.superseded
    assert list(Visit.objects.current()) == [correction]
    entry = _audit("visits.visit.correct")[0]
    assert entry.extra == {"corrects": visit.pk, "reason": "记错了户"}
    assert entry.before == {"outcome": "visited"} and entry.after == {"outcome": "nobody_home"}
    with pytest.raises(ValidationError):
        services.visit_correct(actor=world.officer_a, visit=visit, reason="again")
    with pytest.raises(ValidationError):
        services.visit_correct(actor=world.officer_a, visit=correction, reason="")
    with pytest.raises(PermissionDenied):
        services.visit_correct(actor=world.officer_b, visit=correction, reason="x")
    # a superseded visit is no longer editable
    with pytest.raises(PermissionDenied):
        services.visit_update(actor=world.officer_a, visit=visit, notes="x")


def test_followup_complete_and_assignee_in_scope(world: Any) -> None:
    due = timezone.localdate()
    with pytest.raises(ValidationError):
        services.followup_create(
            actor=world.officer_a,
            flat=world.flat_a,
            task="回访",
            due_date=due,
            assignee=world.officer_b,
        )
    followup = services.followup_create(
        actor=world.officer_a, flat=world.flat_a, task="回访", due_date=due, assignee=world.worker_a
    )
    services.followup_complete(actor=world.worker_a, followup=followup, note="已解决")
    followup.refresh_from_db()
    assert followup.status == FollowUpStatus.DONE and followup.done_by == world.worker_a
    assert _audit("visits.followup.complete")[0].after == {"status": "done", "note": "已解决"}
    with pytest.raises(ValidationError):
        services.followup_complete(actor=world.worker_a, followup=followup)


def test_household_classification_and_care_list(world: Any) -> None:
    today = dt.date(2026, 3, 1)
    household = services.household_update(
        actor=world.worker_a, flat=world.flat_a, elderly_alone=True, care_every_days=14, today=today
    )
    assert household.classification == ["elderly_alone"]
    assert household.care_since == today
    entry = _audit("visits.household.update")[0]
    assert entry.after == {"elderly_alone": True, "care_every_days": 14}
    services.household_update(actor=world.worker_a, flat=world.flat_a, care_every_days=None)
    assert Household.objects.get().care_since is None
    with pytest.raises(ValidationError):
        services.household_update(actor=world.worker_a, flat=world.flat_a, care_every_days=0)
    with pytest.raises(PermissionDenied):
        services.household_update(actor=world.worker_a, flat=world.flat_b, tenants=True)
