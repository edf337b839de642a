"""Every write of the sweeps app: atomic, scope-checked, audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from beatbook.accounts.models import Role
from beatbook.core import audit
from beatbook.core.scoping import scope_of
from beatbook.registry.models import Flat, Resident
from beatbook.sweeps import days
from beatbook.sweeps.models import (
    Answer,
    DailyCheck,
    Observation,
    ObservationChange,
    Question,
    QuestionKind,
)
from beatbook.visits.models import Outcome, Round, RoundKind, Visit
from beatbook.visits.services import (
    LoggedVisit,
    _now,
    _require_flat,
    _require_visitor,
    round_buildings,
    visit_log,
)
from beatbook.visits.services import _clean_text as _text

#: a phone's clock may run a little fast
FUTURE_SLACK = dt.timedelta(minutes=10)
MAX_NUMBER = 10_000
#: roles that set a sweep's questions (community workers answer them)
ORGANISERS = (Role.OFFICER, Role.CHIEF)


def may_organise(actor: Any, round_: Round) -> bool:
    """Officers and chiefs whose jurisdiction holds the whole round set its questions."""
    scope = scope_of(actor)
    if not scope.sees_residents or getattr(actor, "role", None) not in ORGANISERS:
        return False
    return not round_buildings(round_).exclude(scope.building_q("")).exists()


def _require_sweep(round_: Round) -> None:
    if round_.kind != RoundKind.SWEEP:
        raise ValidationError({"round": _("Only an emergency sweep asks questions.")})


# --- questions -------------------------------------------------------------------------


def question_create(
    *,
    actor: Any,
    round_: Round,
    text: str,
    kind: str = QuestionKind.YES_NO,
    choices: Sequence[str] = (),
    per_person: bool = False,
    observe_days: int | None = None,
    flag_choices: Sequence[str] = (),
) -> Question:
    """Add a question to a sweep (at the end of its list)."""
    _require_sweep(round_)
    if not may_organise(actor, round_):
        raise PermissionDenied(_("Only the sweep's officers and the chief set its questions."))
    text = _text(text, "text", 200)
    if not text:
        raise ValidationError({"text": _("Write the question.")})
    if kind not in QuestionKind.values:
        raise ValidationError({"kind": _("Unknown kind of answer.")})
    options = [c for c in dict.fromkeys(_text(c, "choices", 50) for c in choices) if c]
    if kind == QuestionKind.CHOICE and len(options) < 2:
        raise ValidationError({"choices": _("A choice needs at least two options.")})
    if kind != QuestionKind.CHOICE:
        options = []
    flags = [c for c in dict.fromkeys(flag_choices) if c]
    if any(c not in options for c in flags):
        raise ValidationError({"flag_choices": _("Only options of the question can flag.")})
    if observe_days is not None:
        if not 1 <= observe_days <= days.MAX_DAYS:
            raise ValidationError(
                {"observe_days": _("Between 1 and %(n)d days.") % {"n": days.MAX_DAYS}}
            )
        if not per_person or kind not in (QuestionKind.YES_NO, QuestionKind.CHOICE):
            raise ValidationError(
                {
                    "observe_days": _(
                        "Only a yes/no or choice question asked of each person puts people "
                        "under observation."
                    )
                }
            )
        if kind == QuestionKind.CHOICE and not flags:
            raise ValidationError({"flag_choices": _("Say which options flag a person.")})
    with transaction.atomic():
        last = Question.objects.filter(round=round_).aggregate(p=Max("position"))["p"]
        question = Question.objects.create(
            round=round_,
            position=(last or 0) + 1,
            text=text,
            kind=kind,
            choices=options,
            per_person=per_person,
            observe_days=observe_days,
            flag_choices=flags,
            created_by=actor,
        )
        audit.record(
            actor=actor,
            action="sweeps.question.create",
            obj=question,
            after={
                "round": round_.pk,
                "text": text,
                "kind": kind,
                "choices": options,
                "per_person": per_person,
                "observe_days": observe_days,
                "flag_choices": flags,
            },
        )
    return question


# --- answers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerInput:
    """One answer to save: ``resident`` for questions asked of each person.
    ``value`` None removes an earlier answer."""

    question: Question
    value: Any
    resident: Resident | None = None


@dataclass
class SavedAnswers:
    answers: list[Answer] = field(default_factory=list)
    #: observations started because of a flagging answer
    observations: list[Observation] = field(default_factory=list)


def clean_value(question: Question, value: Any) -> Any:
    """An answer as stored: True/False, an integer, text, or one of the options."""
    if value is None or value == "":
        return None
    if question.kind == QuestionKind.YES_NO:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("yes", "true", "1", "y", "是"):
            return True
        if text in ("no", "false", "0", "n", "否"):
            return False
        raise ValidationError({"value": _("Answer yes or no.")})
    if question.kind == QuestionKind.NUMBER:
        if isinstance(value, bool):
            raise ValidationError({"value": _("Answer with a number.")})
        try:
            number = int(str(value).strip())
        except ValueError as exc:
            raise ValidationError({"value": _("Answer with a number.")}) from exc
        if not 0 <= number <= MAX_NUMBER:
            raise ValidationError({"value": _("A number from 0 to %(n)d.") % {"n": MAX_NUMBER}})
        return number
    text = _text(str(value), "value", 500)
    if question.kind == QuestionKind.CHOICE and text not in question.choices:
        raise ValidationError({"value": _("Choose one of the options.")})
    return text or None


def answers_save(
    *,
    actor: Any,
    visit: Visit,
    answers: Iterable[AnswerInput],
    now: dt.datetime | None = None,
) -> SavedAnswers:
    """Record (or replace) the answers given on a visit of a sweep. A flagging
    answer about a person with ``observe_days`` starts their home observation
    from the visit's day, checked by the actor (unless one already runs)."""
    scope = _require_visitor(actor)
    _require_flat(scope, visit.flat)
    round_ = visit.round
    if round_ is None or round_.kind != RoundKind.SWEEP:
        raise ValidationError({"visit": _("This visit is not part of an emergency sweep.")})
    if visit.superseded:
        raise ValidationError({"visit": _("This visit was corrected; answer on the correction.")})
    if visit.outcome != Outcome.VISITED:
        raise ValidationError({"visit": _("Nobody answered on this visit.")})
    items = list(answers)
    seen: set[tuple[int, int | None]] = set()
    cleaned: list[tuple[AnswerInput, Any]] = []
    for item in items:
        q = item.question
        if q.round_id != round_.pk:
            raise ValidationError({"question": _("This question belongs to another sweep.")})
        if q.per_person:
            if item.resident is None or item.resident.flat_id != visit.flat_id:
                raise ValidationError(
                    {"resident": _("Say which person of this household the answer is about.")}
                )
        elif item.resident is not None:
            raise ValidationError({"resident": _("This question is asked once per household.")})
        key = (q.pk, getattr(item.resident, "pk", None))
        if key in seen:
            raise ValidationError({"question": _("The same question is answered twice.")})
        seen.add(key)
        cleaned.append((item, clean_value(q, item.value)))
    result = SavedAnswers()
    day = days.local_date(visit.visited_at)
    with transaction.atomic():
        existing = {
            (a.question_id, a.resident_id): a
            for a in Answer.objects.select_for_update().filter(visit=visit)
        }
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        for item, value in cleaned:
            key = (item.question.pk, getattr(item.resident, "pk", None))
            label = f"{key[0]}" if key[1] is None else f"{key[0]}/{key[1]}"
            old = existing.get(key)
            if value is None:
                if old is not None:
                    before[label] = old.value
                    after[label] = None
                    old.delete()
                continue
            if old is None:
                answer = Answer.objects.create(
                    visit=visit,
                    question=item.question,
                    resident=item.resident,
                    value=value,
                    answered_by=actor,
                )
                after[label] = value
            else:
                answer = old
                if old.value != value:
                    before[label] = old.value
                    after[label] = value
                    old.value = value
                    old.answered_by = actor
                    old.save(update_fields=["value", "answered_by", "answered_at"])
            result.answers.append(answer)
            q = item.question
            if item.resident is not None and q.observe_days and q.flags(value):
                running = Observation.objects.filter(
                    resident=item.resident, end_date__gte=day
                ).exists()
                if not running:
                    result.observations.append(
                        observation_start(
                            actor=actor,
                            resident=item.resident,
                            days_=q.observe_days,
                            reason=q.text,
                            round_=round_,
                            visit=visit,
                            start_date=day,
                            now=now,
                        )
                    )
        if after:
            audit.record(
                actor=actor,
                action="sweeps.answers.save",
                obj=visit,
                object_type="visits.visit",
                before=before or None,
                after=after,
                extra={"round": round_.pk},
            )
    return result


def sweep_visit_log(
    *,
    actor: Any,
    round_: Round,
    flat: Flat,
    outcome: str,
    people_met: str = "",
    notes: str = "",
    answers: Iterable[AnswerInput] = (),
    now: dt.datetime | None = None,
) -> tuple[LoggedVisit, SavedAnswers]:
    """Log a sweep visit of a household and, when it reached the household, its
    answers: both or neither."""
    with transaction.atomic():
        logged = visit_log(
            actor=actor,
            flat=flat,
            round_=round_,
            outcome=outcome,
            people_met=people_met,
            notes=notes,
            now=now,
        )
        saved = SavedAnswers()
        if outcome == Outcome.VISITED:
            saved = answers_save(actor=actor, visit=logged.visit, answers=answers, now=now)
    return logged, saved


# --- home observation -------------------------------------------------------------------------


def _require_assignee(flat: Flat, assignee: Any) -> None:
    if not scope_of(assignee).covers_building(
        flat.building_id, flat.building.compound.community_id
    ):
        raise ValidationError({"assignee": _("The person checking does not cover this household.")})


def observation_start(
    *,
    actor: Any,
    resident: Resident,
    days_: int,
    reason: str,
    round_: Round | None = None,
    visit: Visit | None = None,
    start_date: dt.date | None = None,
    assignee: Any = None,
    now: dt.datetime | None = None,
) -> Observation:
    """Put a person under home observation for ``days_`` days from ``start_date``
    (today in Asia/Shanghai when not given)."""
    scope = _require_visitor(actor)
    flat = resident.flat
    _require_flat(scope, flat)
    if resident.moved_out_on is not None:
        raise ValidationError({"resident": _("This person has moved out.")})
    reason = _text(reason, "reason", 300)
    if not reason:
        raise ValidationError({"reason": _("Say why the person is observed.")})
    if not 1 <= days_ <= days.MAX_DAYS:
        raise ValidationError({"days": _("Between 1 and %(n)d days.") % {"n": days.MAX_DAYS}})
    today = days.local_date(_now(now))
    start = start_date or today
    if start > today + dt.timedelta(days=1):
        raise ValidationError(
            {"start_date": _("An observation starts today or tomorrow at the latest.")}
        )
    if round_ is not None and round_.kind != RoundKind.SWEEP:
        raise ValidationError(
            {"round": _("Only an emergency sweep keeps people under observation.")}
        )
    who = assignee or actor
    _require_assignee(flat, who)
    end = days.period_end(start, days_)
    with transaction.atomic():
        if Observation.objects.filter(resident=resident, end_date__gte=start).exists():
            raise ValidationError({"resident": _("This person is already under observation.")})
        observation = Observation.objects.create(
            round=round_,
            resident=resident,
            flat=flat,
            visit=visit,
            reason=reason,
            start_date=start,
            end_date=end,
            assignee=who,
            created_by=actor,
        )
        audit.record(
            actor=actor,
            action="sweeps.observation.start",
            obj=observation,
            object_repr=f"{resident.name} {flat.address}",
            after={
                "resident": resident.pk,
                "round": getattr(round_, "pk", None),
                "visit": getattr(visit, "pk", None),
                "reason": reason,
                "start_date": start,
                "end_date": end,
                "assignee": who.pk,
            },
        )
    return observation


def _clean_temperature(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        t = Decimal(str(value)).quantize(Decimal("0.1"))
    except InvalidOperation as exc:
        raise ValidationError({"temperature": _("A temperature such as 36.5.")}) from exc
    if not Decimal("34.0") <= t <= Decimal("43.0"):
        raise ValidationError({"temperature": _("A temperature from 34.0 to 43.0 °C.")})
    return t


def observation_check(
    *,
    actor: Any,
    observation: Observation,
    well: bool = True,
    temperature: Any = None,
    note: str = "",
    checked_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> DailyCheck:
    """Record today's (or a late entry of an earlier day's) check of a person."""
    scope = _require_visitor(actor)
    _require_flat(scope, observation.flat)
    moment = _now(now)
    when = checked_at if checked_at is not None else moment
    if when.tzinfo is None:
        when = when.replace(tzinfo=days.ZONE)
    if when > moment + FUTURE_SLACK:
        raise ValidationError({"checked_at": _("The check time is in the future.")})
    day = days.local_date(when)
    if not observation.start_date <= day <= observation.end_date:
        raise ValidationError({"checked_at": _("That day is outside the observation period.")})
    t = _clean_temperature(temperature)
    text = _text(note, "note", 300)
    with transaction.atomic():
        check = DailyCheck.objects.create(
            observation=observation,
            checked_at=when,
            well=bool(well),
            temperature=t,
            note=text,
            by=actor,
        )
        audit.record(
            actor=actor,
            action="sweeps.observation.check",
            obj=observation,
            after={
                "checked_at": when,
                "day": day,
                "well": bool(well),
                "temperature": t,
                "note": text,
            },
        )
    return check


def observation_set_end(
    *, actor: Any, observation: Observation, end_date: dt.date, reason: str = ""
) -> Observation:
    """Extend the observation (any time) or shorten it (only with a reason)."""
    scope = _require_visitor(actor)
    _require_flat(scope, observation.flat)
    reason = _text(reason, "reason", 300)
    try:
        change = days.period_change(
            start=observation.start_date, end=observation.end_date, new_end=end_date, reason=reason
        )
    except days.PeriodError as exc:
        messages = {
            "unchanged": _("The last day is unchanged."),
            "before_start": _("The last day cannot be before the first."),
            "too_long": _("An observation lasts at most %(n)d days.") % {"n": days.MAX_DAYS},
            "reason_required": _("Say why the observation is shortened."),
        }
        field_name = "reason" if exc.code == "reason_required" else "end_date"
        raise ValidationError({field_name: messages[exc.code]}, code=exc.code) from exc
    with transaction.atomic():
        locked = Observation.objects.select_for_update().get(pk=observation.pk)
        old = locked.end_date
        locked.end_date = end_date
        locked.save(update_fields=["end_date"])
        ObservationChange.objects.create(
            observation=locked, old_end=old, new_end=end_date, reason=reason, by=actor
        )
        audit.record(
            actor=actor,
            action=f"sweeps.observation.{change}",
            obj=locked,
            before={"end_date": old},
            after={"end_date": end_date},
            extra={"reason": reason} if reason else None,
        )
    observation.end_date = end_date
    return observation
