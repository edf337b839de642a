"""Demo sweep extras (runs after the visits demo, which opens the emergency
sweep on 余岗社区):

- the sweep's questions (back from a listed area in the last 14 days, how
  many people at home, where from, fever or cough);
- answers on a few of its visits; three people who came back are under home
  observation since six days ago, two checked every day, one not checked
  for the last four days, so lost to follow-up on the chief's list.

Idempotent: nothing is added once the sweep has questions; tolerant: without
the sweep (visits demo not loaded) it does nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from beatbook.accounts.models import User
from beatbook.core import audit
from beatbook.registry.models import Resident
from beatbook.sweeps import days, services
from beatbook.sweeps.models import Question, QuestionKind
from beatbook.visits.models import Outcome, Round, RoundKind, Visit

COMMUNITY = "余岗社区"
#: observed people: (days ago the observation started, days ago of the last check):
#: checked up to today, up to yesterday (today still open), not for four days (lost)
OBSERVED = ((6, 0), (5, 1), (6, 4))


def find_sweep() -> Round | None:
    return (
        Round.objects.filter(kind=RoundKind.SWEEP)
        .filter(
            Q(community__name=COMMUNITY)
            | Q(compound__community__name=COMMUNITY)
            | Q(beat__communities__name=COMMUNITY)
        )
        .order_by("-start_date", "id")
        .first()
    )


def load(*, password: str | None, result: Any) -> None:
    sweep = find_sweep()
    officer = User.objects.filter(username="officer-b").first()
    if sweep is None or officer is None or Question.objects.filter(round=sweep).exists():
        return
    if not services.may_organise(officer, sweep):
        officer = User.objects.filter(username="chief").first() or officer
    now = timezone.now()
    today = days.local_date(now)
    with transaction.atomic():
        back = services.question_create(
            actor=officer,
            round_=sweep,
            text="近14天是否从重点地区返回",
            per_person=True,
            observe_days=14,
        )
        at_home = services.question_create(
            actor=officer, round_=sweep, text="在家人数", kind=QuestionKind.NUMBER
        )
        where = services.question_create(
            actor=officer,
            round_=sweep,
            text="近14天去过的地区",
            kind=QuestionKind.CHOICE,
            choices=["未外出", "本省其他城市", "重点地区"],
            per_person=True,
            observe_days=14,
            flag_choices=["重点地区"],
        )
        fever = services.question_create(
            actor=officer, round_=sweep, text="是否有发热、咳嗽等症状", per_person=True
        )
        visits = list(
            Visit.objects.current()
            .filter(round=sweep, outcome=Outcome.VISITED)
            .filter(flat__residents__moved_out_on__isnull=True)
            .select_related("flat__building__compound")
            .distinct()
            .order_by("visited_at", "id")[:12]
        )
        observed = 0
        for i, visit in enumerate(visits):
            people = list(
                Resident.objects.filter(flat=visit.flat).current().order_by("-is_head", "id")
            )
            flagged = people[0] if i < len(OBSERVED) and people else None
            if flagged is not None:
                started, silent = OBSERVED[i]
                obs = services.observation_start(
                    actor=officer,
                    resident=flagged,
                    days_=14,
                    reason=back.text,
                    round_=sweep,
                    visit=visit,
                    start_date=today - dt.timedelta(days=started),
                    now=now,
                )
                last = today - dt.timedelta(days=silent)
                for day in days.days_between(obs.start_date, last):
                    at = dt.datetime.combine(day, dt.time(9, 30), tzinfo=days.ZONE)
                    if at > now:
                        continue
                    services.observation_check(
                        actor=officer,
                        observation=obs,
                        temperature="36.5",
                        checked_at=at,
                        now=now,
                    )
                observed += 1
            answers = [services.AnswerInput(question=at_home, value=len(people))]
            for person in people:
                flag = person == flagged
                answers += [
                    services.AnswerInput(question=back, resident=person, value=flag),
                    services.AnswerInput(
                        question=where, resident=person, value="重点地区" if flag else "未外出"
                    ),
                    services.AnswerInput(question=fever, resident=person, value=False),
                ]
            services.answers_save(actor=officer, visit=visit, answers=answers, now=now)
        audit.record(
            actor=None,
            action="sweeps.demo_load",
            obj=sweep,
            object_type="visits.round",
            extra={"questions": 4, "answered_visits": len(visits), "observed": observed},
        )
