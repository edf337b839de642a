"""The sweeps services: questions, answers starting observation, daily checks,
extension and shortening (and their audit entries)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from beatbook.core.models import AuditEntry
from beatbook.registry.tests import factories as rf
from beatbook.sweeps import days, selectors, services
from beatbook.sweeps.models import Answer, Observation, ObservationChange, QuestionKind
from beatbook.sweeps.tests.factories import SweepFactory
from beatbook.visits import services as visit_services
from beatbook.visits.models import Outcome, RoundKind, RoundScope, Visit
from beatbook.visits.tests.factories import RoundFactory

UTC = dt.UTC
# 10:00 in Shanghai on 2026-03-05
NOW = dt.datetime(2026, 3, 5, 2, 0, tzinfo=UTC)
TODAY = dt.date(2026, 3, 5)


@pytest.fixture
def sweep(world: Any) -> Any:
    return SweepFactory(
        scope=RoundScope.COMPOUND,
        compound=world.compound_a,
        start_date=dt.date(2026, 3, 1),
        end_date=dt.date(2026, 3, 20),
    )


def _questions(world: Any, sweep: Any) -> tuple[Any, Any, Any]:
    back = services.question_create(
        actor=world.officer_a,
        round_=sweep,
        text="近14天是否从重点地区返回",
        per_person=True,
        observe_days=14,
    )
    people = services.question_create(
        actor=world.officer_a, round_=sweep, text="在家人数", kind=QuestionKind.NUMBER
    )
    where = services.question_create(
        actor=world.chief,
        round_=sweep,
        text="返回地区",
        kind=QuestionKind.CHOICE,
        choices=["武汉", "其他地区", "武汉"],
        per_person=True,
        observe_days=14,
        flag_choices=["武汉"],
    )
    return back, people, where


def _visit(world: Any, sweep: Any, actor: Any = None, outcome: str = Outcome.VISITED) -> Any:
    return visit_services.visit_log(
        actor=actor or world.officer_a,
        flat=world.flat_a,
        round_=sweep,
        outcome=outcome,
        visited_at=NOW - dt.timedelta(hours=1),
        now=NOW,
    ).visit


def test_question_create_rules_and_audit(world: Any, sweep: Any) -> None:
    back, people, where = _questions(world, sweep)
    assert [back.position, people.position, where.position] == [1, 2, 3]
    assert where.choices == ["武汉", "其他地区"]
    assert AuditEntry.objects.filter(action="sweeps.question.create").count() == 3
    with pytest.raises(ValidationError):
        services.question_create(
            actor=world.officer_a, round_=sweep, text="x", kind=QuestionKind.CHOICE, choices=["a"]
        )
    with pytest.raises(ValidationError):  # observation only for questions about a person
        services.question_create(actor=world.officer_a, round_=sweep, text="x", observe_days=14)
    routine = RoundFactory(scope=RoundScope.COMPOUND, compound=world.compound_a)
    with pytest.raises(ValidationError):
        services.question_create(actor=world.officer_a, round_=routine, text="x")


@pytest.mark.parametrize("role", ["worker_a", "officer_b", "head"])
def test_only_officers_and_chiefs_of_the_sweep_set_questions(
    world: Any, sweep: Any, role: str
) -> None:
    with pytest.raises(PermissionDenied):
        services.question_create(actor=getattr(world, role), round_=sweep, text="x")


def test_answers_save_and_flagged_person_goes_under_observation(world: Any, sweep: Any) -> None:
    back, people, where = _questions(world, sweep)
    spouse = rf.ResidentFactory(flat=world.flat_a, name="李梅")
    visit = _visit(world, sweep, actor=world.worker_a)
    saved = services.answers_save(
        actor=world.worker_a,
        visit=visit,
        answers=[
            services.AnswerInput(question=back, resident=world.resident_a, value=True),
            services.AnswerInput(question=back, resident=spouse, value="否"),
            services.AnswerInput(question=people, value="3"),
            services.AnswerInput(question=where, resident=world.resident_a, value="武汉"),
        ],
        now=NOW,
    )
    assert {(a.question_id, a.resident_id): a.value for a in Answer.objects.all()} == {
        (back.pk, world.resident_a.pk): True,
        (back.pk, spouse.pk): False,
        (people.pk, None): 3,
        (where.pk, world.resident_a.pk): "武汉",
    }
    # one observation for the flagged person, though two answers flag them
    assert len(saved.observations) == 1
    obs = saved.observations[0]
    assert (obs.resident, obs.start_date, obs.end_date) == (
        world.resident_a,
        TODAY,
        dt.date(2026, 3, 18),
    )
    assert obs.assignee == world.worker_a and obs.round == sweep and obs.visit == visit
    assert AuditEntry.objects.filter(action="sweeps.answers.save", object_id=str(visit.pk)).exists()
    assert AuditEntry.objects.filter(action="sweeps.observation.start").count() == 1

    # answering again replaces, and removes with None
    services.answers_save(
        actor=world.worker_a,
        visit=visit,
        answers=[
            services.AnswerInput(question=people, value=4),
            services.AnswerInput(question=back, resident=spouse, value=None),
        ],
        now=NOW,
    )
    assert Answer.objects.get(question=people).value == 4
    assert not Answer.objects.filter(question=back, resident=spouse).exists()
    assert Observation.objects.count() == 1


@pytest.mark.parametrize(
    ("value", "ok"),
    [(True, True), ("yes", True), ("maybe", False)],
)
def test_yes_no_values(world: Any, sweep: Any, value: Any, ok: bool) -> None:
    back, _, _ = _questions(world, sweep)
    visit = _visit(world, sweep)
    item = services.AnswerInput(question=back, resident=world.resident_a, value=value)
    if ok:
        services.answers_save(actor=world.officer_a, visit=visit, answers=[item], now=NOW)
    else:
        with pytest.raises(ValidationError):
            services.answers_save(actor=world.officer_a, visit=visit, answers=[item], now=NOW)


def test_answers_refused(world: Any, sweep: Any) -> None:
    back, people, where = _questions(world, sweep)
    visit = _visit(world, sweep)
    for bad in (
        services.AnswerInput(question=back, value=True),  # needs a person
        services.AnswerInput(question=people, resident=world.resident_a, value=1),
        services.AnswerInput(question=back, resident=world.resident_b, value=True),
        services.AnswerInput(question=people, value=-1),
        services.AnswerInput(question=where, resident=world.resident_a, value="上海"),
    ):
        with pytest.raises(ValidationError):
            services.answers_save(actor=world.officer_a, visit=visit, answers=[bad], now=NOW)
    nobody = _visit(world, sweep, outcome=Outcome.NOBODY_HOME)
    with pytest.raises(ValidationError):
        services.answers_save(
            actor=world.officer_a,
            visit=nobody,
            answers=[services.AnswerInput(question=people, value=1)],
            now=NOW,
        )
    with pytest.raises(PermissionDenied):
        services.answers_save(
            actor=world.officer_b,
            visit=visit,
            answers=[services.AnswerInput(question=people, value=1)],
            now=NOW,
        )
    assert not Answer.objects.exists()


def test_sweep_visit_log_keeps_the_visit_and_its_answers_together(world: Any, sweep: Any) -> None:
    back, people, _ = _questions(world, sweep)
    bad = services.AnswerInput(question=people, value=-1)
    with pytest.raises(ValidationError):
        services.sweep_visit_log(
            actor=world.officer_a,
            round_=sweep,
            flat=world.flat_a,
            outcome=Outcome.VISITED,
            answers=[bad],
            now=NOW,
        )
    assert not Visit.objects.exists() and not Answer.objects.exists()

    logged, saved = services.sweep_visit_log(
        actor=world.officer_a,
        round_=sweep,
        flat=world.flat_a,
        outcome=Outcome.VISITED,
        answers=[services.AnswerInput(question=back, resident=world.resident_a, value=True)],
        now=NOW,
    )
    assert logged.visit.round == sweep and len(saved.observations) == 1
    assert Answer.objects.get().visit == logged.visit

    # nobody home: the visit, no answers
    logged, saved = services.sweep_visit_log(
        actor=world.officer_a,
        round_=sweep,
        flat=world.flat_a,
        outcome=Outcome.NOBODY_HOME,
        answers=[services.AnswerInput(question=people, value=2)],
        now=NOW,
    )
    assert not logged.visit.sweep_answers.exists() and saved.answers == []


def _observation(world: Any, sweep: Any, start: dt.date = dt.date(2026, 3, 1)) -> Observation:
    return services.observation_start(
        actor=world.officer_a,
        resident=world.resident_a,
        days_=14,
        reason="武汉返回",
        round_=sweep,
        start_date=start,
        now=NOW,
    )


def test_observation_start_rules(world: Any, sweep: Any) -> None:
    obs = _observation(world, sweep)
    assert obs.end_date == dt.date(2026, 3, 14)
    with pytest.raises(ValidationError):  # already under observation
        _observation(world, sweep, start=dt.date(2026, 3, 5))
    with pytest.raises(PermissionDenied):
        services.observation_start(
            actor=world.officer_b, resident=world.resident_a, days_=14, reason="x", now=NOW
        )
    with pytest.raises(ValidationError):  # assignee outside the household's area
        services.observation_start(
            actor=world.chief,
            resident=world.resident_b,
            days_=14,
            reason="x",
            assignee=world.officer_a,
            now=NOW,
        )
    with pytest.raises(ValidationError):
        services.observation_start(
            actor=world.officer_b, resident=world.resident_b, days_=0, reason="x", now=NOW
        )


def test_extension_needs_no_reason_and_is_audited(world: Any, sweep: Any) -> None:
    obs = _observation(world, sweep)
    services.observation_set_end(
        actor=world.officer_a, observation=obs, end_date=dt.date(2026, 3, 21)
    )
    obs.refresh_from_db()
    assert obs.end_date == dt.date(2026, 3, 21)
    entry = AuditEntry.objects.get(action="sweeps.observation.extend")
    assert entry.before == {"end_date": "2026-03-14"} and entry.after == {"end_date": "2026-03-21"}
    change = ObservationChange.objects.get()
    assert (change.old_end, change.new_end, change.by) == (
        dt.date(2026, 3, 14),
        dt.date(2026, 3, 21),
        world.officer_a,
    )


def test_shortening_needs_a_reason_and_is_audited(world: Any, sweep: Any) -> None:
    obs = _observation(world, sweep)
    with pytest.raises(ValidationError) as exc:
        services.observation_set_end(
            actor=world.worker_a, observation=obs, end_date=dt.date(2026, 3, 7), reason="  "
        )
    assert "reason" in exc.value.message_dict
    obs.refresh_from_db()
    assert obs.end_date == dt.date(2026, 3, 14) and not ObservationChange.objects.exists()
    services.observation_set_end(
        actor=world.worker_a, observation=obs, end_date=dt.date(2026, 3, 7), reason="核酸检测阴性"
    )
    obs.refresh_from_db()
    assert obs.end_date == dt.date(2026, 3, 7)
    entry = AuditEntry.objects.get(action="sweeps.observation.shorten")
    assert entry.extra == {"reason": "核酸检测阴性"} and entry.actor == world.worker_a
    for bad in (dt.date(2026, 2, 28), dt.date(2026, 3, 7)):
        with pytest.raises(ValidationError):
            services.observation_set_end(
                actor=world.worker_a, observation=obs, end_date=bad, reason="x"
            )
    with pytest.raises(PermissionDenied):
        services.observation_set_end(
            actor=world.officer_b, observation=obs, end_date=dt.date(2026, 3, 30)
        )


def test_checks_missed_days_and_lost_at_the_day_boundary(world: Any, sweep: Any) -> None:
    obs = _observation(world, sweep)
    # checked on the 1st at 23:59 Shanghai time (15:59 UTC): counts for the 1st
    services.observation_check(
        actor=world.officer_a,
        observation=obs,
        checked_at=dt.datetime(2026, 3, 1, 15, 59, tzinfo=UTC),
        temperature="36.6",
        now=NOW,
    )
    assert AuditEntry.objects.filter(action="sweeps.observation.check").count() == 1

    def state(now: dt.datetime) -> days.Standing:
        row = selectors.observation_get(user=world.chief, pk=obs.pk)
        return selectors.standing_of(row, days.local_date(now))

    # 23:59:59 on the 4th in Shanghai: the 2nd and 3rd missed, not lost yet
    before = state(dt.datetime(2026, 3, 4, 15, 59, 59, tzinfo=UTC))
    assert before.missed == (dt.date(2026, 3, 2), dt.date(2026, 3, 3)) and not before.lost
    # 00:00 on the 5th in Shanghai: the 4th is missed too, three in a row
    after = dt.datetime(2026, 3, 4, 16, 0, tzinfo=UTC)
    assert state(after).lost
    assert [o.pk for o in selectors.lost_to_follow_up(user=world.chief, now=after)] == [obs.pk]
    assert selectors.lost_to_follow_up(user=world.officer_b, now=after) == []
    # found again: a check today ends it
    services.observation_check(
        actor=world.worker_a, observation=obs, checked_at=after + dt.timedelta(hours=1), now=NOW
    )
    assert not state(after + dt.timedelta(hours=2)).lost
    assert selectors.lost_to_follow_up(user=world.chief, now=after + dt.timedelta(hours=2)) == []


def test_check_rules(world: Any, sweep: Any) -> None:
    obs = _observation(world, sweep)
    for kwargs in (
        {"checked_at": NOW + dt.timedelta(hours=1)},  # future
        {"checked_at": dt.datetime(2026, 2, 28, 12, tzinfo=UTC)},  # before the period
        {"temperature": "50"},
        {"temperature": "hot"},
    ):
        with pytest.raises(ValidationError):
            services.observation_check(actor=world.officer_a, observation=obs, now=NOW, **kwargs)
    with pytest.raises(PermissionDenied):
        services.observation_check(actor=world.head, observation=obs, now=NOW)
    assert not obs.checks.exists()


def test_sweep_kind_required_for_observation_round(world: Any) -> None:
    routine = RoundFactory(scope=RoundScope.COMPOUND, compound=world.compound_a)
    assert routine.kind == RoundKind.ROUTINE
    with pytest.raises(ValidationError):
        services.observation_start(
            actor=world.officer_a,
            resident=world.resident_a,
            days_=14,
            reason="x",
            round_=routine,
            now=NOW,
        )


def test_demo_tolerates_a_missing_sweep(world: Any) -> None:
    from beatbook.sweeps import demo
    from beatbook.sweeps.models import Question

    demo.load(password=None, result=None)
    assert not Question.objects.exists()
