"""Demo visits (runs after the registry demo), dated from today so that what is
overdue or lapsed is so now:

- the routine round 富贵佳园常规走访 (active): building 6 as in the reports —
  48 households, 3 long vacant, the other 45 visited (coverage 100%), mostly
  by its building head officer-a, some by worker-a; buildings 3 and 5 partly
  visited, with households tried (nobody home) and one refusal; one household
  visited by both the officer and the community worker (the duplicate case);
- follow-ups from those visits, a few of them overdue;
- a care list of the compound's elderly people living alone (every 14 days),
  all visited in time but one;
- on 余岗社区 an emergency sweep in progress, 200 households a day.

Like the registry demo this is a bulk system operation described by one audit
entry (``visits.demo_load``); it runs once (the round's name marks it).
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from typing import Any

from django.db import transaction
from django.utils import timezone

from beatbook.accounts.models import User
from beatbook.core import audit
from beatbook.registry import demo as registry_demo
from beatbook.registry.models import Building, Community, Compound, Flat, FlatStatus, Resident
from beatbook.visits import rules
from beatbook.visits.models import (
    FollowUp,
    Household,
    Outcome,
    Round,
    RoundKind,
    RoundScope,
    RoundStatus,
    Visit,
)

ROUND_NAME = "富贵佳园常规走访"
SWEEP_NAME = "余岗社区专项排查"
COMPOUND = "富贵佳园"
SWEEP_COMMUNITY = "余岗社区"
CARE_EVERY_DAYS = 14

NOTES_VISITED = (
    "家中一切正常，宣传了反诈知识",
    "户主在家，了解了家庭人员情况；留了警民联系卡",
    "儿子外出务工；老人腿伤，行动不便",
    "反映楼道堆放杂物，存在消防隐患",
    "询问养老补贴办理流程",
    "租户刚搬来，已登记信息",
    "对社区民警工作表示满意",
    "邻里因噪音有矛盾，已劝解",
    "",
    "",
    "",
)
TAGS_BY_NOTE = {
    "儿子外出务工；老人腿伤，行动不便": ["needs_help"],
    "反映楼道堆放杂物，存在消防隐患": ["hazard"],
    "对社区民警工作表示满意": ["opinion"],
    "邻里因噪音有矛盾，已劝解": ["dispute"],
}


def _evening(day: dt.date, rng: random.Random) -> dt.datetime:
    """An evening visit time (18:00–20:59 Asia/Shanghai) on ``day``."""
    return dt.datetime.combine(
        day, dt.time(18 + rng.randrange(3), rng.randrange(60)), tzinfo=rules.ZONE
    )


class _Log:
    """Visits written in bulk, their visitors set afterwards."""

    def __init__(self) -> None:
        self.visits: list[Visit] = []
        self.visitors: list[list[User]] = []

    def add(
        self,
        flat: Flat,
        round_: Round | None,
        outcome: str,
        at: dt.datetime,
        visitors: list[User],
        notes: str = "",
        people_met: str = "",
    ) -> Visit:
        visit = Visit(
            flat=flat,
            round=round_,
            outcome=outcome,
            visited_at=at,
            notes=notes,
            tags=TAGS_BY_NOTE.get(notes, []),
            people_met=people_met,
            author=visitors[0],
        )
        self.visits.append(visit)
        self.visitors.append(visitors)
        return visit

    def save(self) -> int:
        Visit.objects.bulk_create(self.visits, batch_size=500)
        through = Visit.visitors.through
        through.objects.bulk_create(
            [
                through(visit_id=v.pk, user_id=u.pk)
                for v, users in zip(self.visits, self.visitors, strict=True)
                for u in users
            ],
            batch_size=1000,
        )
        return len(self.visits)


def load(*, password: str | None, result: Any) -> None:
    """Load the demo visits once (idempotent)."""
    if Round.objects.filter(name=ROUND_NAME).exists():
        return
    users = {
        u.username: u
        for u in User.objects.filter(username__in=["officer-a", "officer-b", "worker-a"])
    }
    compound = Compound.objects.filter(name=COMPOUND).first()
    community = Community.objects.filter(name=SWEEP_COMMUNITY).first()
    if len(users) < 3 or compound is None or community is None:
        return
    now = timezone.now()
    today = rules.local_date(now)
    with transaction.atomic():
        created: Counter[str] = Counter()
        created.update(_routine_round(compound, users, today, now))
        created.update(_sweep(community, users["officer-b"], today, now))
        audit.record(
            actor=None,
            action="visits.demo_load",
            object_type="visits.round",
            object_repr=ROUND_NAME,
            extra={"created": dict(sorted(created.items())), "today": today},
        )


def _flats(compound: Compound, number: str) -> list[Flat]:
    building = Building.objects.get(compound=compound, number=number)
    return list(
        Flat.objects.filter(building=building)
        .select_related("entrance")
        .order_by("entrance__sort_key", "floor", "room")
    )


def _routine_round(
    compound: Compound, users: dict[str, User], today: dt.date, now: dt.datetime
) -> Counter[str]:
    rng = random.Random("beatbook-demo:visits")
    officer, worker = users["officer-a"], users["worker-a"]
    counts: Counter[str] = Counter()
    start = today - dt.timedelta(days=20)
    round_ = Round.objects.create(
        name=ROUND_NAME,
        kind=RoundKind.ROUTINE,
        scope=RoundScope.COMPOUND,
        compound=compound,
        start_date=start,
        end_date=today + dt.timedelta(days=10),
        household_due_date=today + dt.timedelta(days=5),
        status=RoundStatus.ACTIVE,
        notes="每户必到，不漏一户、不漏一人",
        created_by=officer,
    )
    counts["rounds"] += 1
    log = _Log()
    visited_on: dict[int, dt.date] = {}

    def day_in_round() -> dt.date:
        # visits on the 19 days before today (none today, so times are in the past)
        return start + dt.timedelta(days=1 + rng.randrange(19))

    # building 6: every household visited, vacant flats left
    for i, flat in enumerate(_flats(compound, "6")):
        if flat.status == FlatStatus.VACANT:
            continue
        day = day_in_round()
        if i % 7 == 3:  # nobody home the first time, visited a few days later
            first = max(start, day - dt.timedelta(days=3))
            log.add(flat, round_, Outcome.NOBODY_HOME, _evening(first, rng), [officer])
        by = [worker] if i % 5 == 2 else ([officer, worker] if i % 9 == 0 else [officer])
        note = rng.choice(NOTES_VISITED)
        log.add(flat, round_, Outcome.VISITED, _evening(day, rng), by, note, "户主")
        visited_on[flat.pk] = day
    # buildings 3 and 5: part of the way
    plan = {"3": (14, 3, 1), "5": (9, 2, 0)}
    duplicate_done = False
    for number, (n_visited, n_tried, n_refused) in plan.items():
        flats = [f for f in _flats(compound, number) if f.status != FlatStatus.VACANT]
        rng.shuffle(flats)
        for flat in flats[:n_visited]:
            day = day_in_round()
            by = [worker] if rng.random() < 0.4 else [officer]
            note = rng.choice(NOTES_VISITED)
            log.add(flat, round_, Outcome.VISITED, _evening(day, rng), by, note, "户主")
            visited_on[flat.pk] = day
            if number == "5" and not duplicate_done and by == [worker]:
                # the officer went again, not knowing: the duplicate warning's case
                log.add(
                    flat,
                    round_,
                    Outcome.VISITED,
                    _evening(min(day + dt.timedelta(days=1), today - dt.timedelta(days=1)), rng),
                    [officer],
                    "住户反映社区已来过",
                )
                duplicate_done = True
        for flat in flats[n_visited : n_visited + n_tried]:
            log.add(flat, round_, Outcome.NOBODY_HOME, _evening(day_in_round(), rng), [officer])
        for flat in flats[n_visited + n_tried : n_visited + n_tried + n_refused]:
            log.add(
                flat,
                round_,
                Outcome.REFUSED,
                _evening(day_in_round(), rng),
                [officer],
                "不愿配合登记",
            )

    # the care list: elderly people living alone in the compound, every 14 days
    alone = list(
        Resident.objects.filter(
            flat__building__compound=compound,
            notes=registry_demo.ELDERLY_ALONE_NOTE,
            moved_out_on__isnull=True,
        )
        .select_related("flat__building")
        .order_by("flat__building__sort_key", "flat_id")
    )
    # one household left to lapse: outside building 6 and not seen in the round
    lapsed = next(
        (r.flat for r in alone if r.flat.building.number != "6" and r.flat_id not in visited_on),
        None,
    )
    for resident in alone:
        flat = resident.flat
        Household.objects.get_or_create(
            flat=flat,
            defaults={
                "elderly_alone": True,
                "needs_care": rng.random() < 0.3,
                "care_every_days": CARE_EVERY_DAYS,
                "care_since": today - dt.timedelta(days=90),
                "updated_by": worker,
            },
        )
        counts["care_list"] += 1
        last = visited_on.get(flat.pk)
        if flat == lapsed:
            # last seen 18 days ago: the care visit is overdue
            log.add(
                flat,
                None,
                Outcome.VISITED,
                _evening(today - dt.timedelta(days=18), rng),
                [worker],
                "老人独居，身体尚可；女儿每月来一次",
            )
        elif last is None or (today - last).days > CARE_EVERY_DAYS - 3:
            log.add(
                flat,
                None,
                Outcome.VISITED,
                _evening(today - dt.timedelta(days=rng.randint(2, 8)), rng),
                [worker],
                "关爱走访：老人身体尚可，药已备足",
            )
    counts["visits"] += log.save()

    # follow-ups from visits that heard of something to do
    todo = [
        ("联系物业清理楼道杂物", -4, officer),
        ("协助办理养老补贴", -2, worker),
        ("回访邻里噪音纠纷", -1, officer),
        ("上门送反诈宣传资料", 3, officer),
        ("帮助腿伤老人联系社区医生", 0, worker),
    ]
    with_notes = [v for v in log.visits if v.notes and v.round_id]
    for (task, due_in, assignee), visit in zip(todo, with_notes, strict=False):
        FollowUp.objects.create(
            flat_id=visit.flat_id,
            visit=visit,
            task=task,
            due_date=today + dt.timedelta(days=due_in),
            assignee=assignee,
            created_by=visit.author,
        )
        counts["followups"] += 1
    return counts


def _sweep(community: Community, officer: User, today: dt.date, now: dt.datetime) -> Counter[str]:
    """The sweep on 余岗社区: day 3 of 7, a little behind its 200 a day."""
    rng = random.Random("beatbook-demo:sweep")
    counts: Counter[str] = Counter()
    start = today - dt.timedelta(days=2)
    sweep = Round.objects.create(
        name=SWEEP_NAME,
        kind=RoundKind.SWEEP,
        scope=RoundScope.COMMUNITY,
        community=community,
        start_date=start,
        end_date=start + dt.timedelta(days=6),
        household_due_date=start + dt.timedelta(days=6),
        daily_target=200,
        status=RoundStatus.ACTIVE,
        notes="专项排查：逐户核实在家人数、近14天外出情况",
        created_by=officer,
    )
    counts["rounds"] += 1
    flats = list(
        Flat.objects.filter(building__compound__community=community)
        .exclude(status=FlatStatus.VACANT)
        .order_by("building__sort_key", "entrance__sort_key", "floor", "room")
    )
    log = _Log()
    done = 0
    midnight = dt.datetime.combine(today, dt.time(0), tzinfo=rules.ZONE)
    for day_index, per_day in enumerate((195, 182, 60)):
        day = start + dt.timedelta(days=day_index)
        for flat in flats[done : done + per_day]:
            if day == today:
                minutes = max(1, int((now - midnight).total_seconds() // 60) - 5)
                at = midnight + dt.timedelta(minutes=rng.randrange(minutes))
            else:
                at = dt.datetime.combine(
                    day, dt.time(9 + rng.randrange(11), rng.randrange(60)), tzinfo=rules.ZONE
                )
            outcome = Outcome.NOBODY_HOME if rng.random() < 0.12 else Outcome.VISITED
            log.add(
                flat,
                sweep,
                outcome,
                at,
                [officer],
                "" if outcome != Outcome.VISITED else "在家2人，近14天无外出",
            )
        done += per_day
    counts["visits"] += log.save()
    return counts
