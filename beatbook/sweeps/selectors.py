"""Every scoped read of the sweeps app starts here, from ``visible_to(user)``."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import (
    Count,
    Exists,
    F,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Window,
)
from django.db.models.functions import RowNumber
from django.http import Http404

from beatbook.accounts.models import Role
from beatbook.core.scoping import scope_of
from beatbook.core.shortcuts import get_visible_or_404
from beatbook.registry.models import Beat, Building, Flat, FlatStatus, Resident
from beatbook.sweeps import days
from beatbook.sweeps.models import Answer, DailyCheck, Observation, Question
from beatbook.visits import coverage as cov
from beatbook.visits import selectors as visits
from beatbook.visits.models import FollowUp, Outcome, Round, RoundKind, RoundStatus, Visit
from beatbook.visits.selectors import _now

# --- sweeps ------------------------------------------------------------------------------


def sweep_list(*, user: Any) -> QuerySet[Round]:
    return (
        Round.objects.visible_to(user)
        .filter(kind=RoundKind.SWEEP)
        .select_related("beat", "community", "compound")
        .order_by("-status", "-start_date", "name")
    )


def sweep_get(*, user: Any, pk: Any) -> Round:
    return get_visible_or_404(sweep_list(user=user), pk)


def round_get(*, user: Any, pk: Any) -> Round:
    """Any round (routine, care or sweep) the user sees (station view, no-one-missed)."""
    return visits.round_get(user=user, pk=pk)


def rounds_for_station(*, user: Any) -> list[Round]:
    """Rounds to choose from on the station view: active ones first, newest first."""
    return list(
        Round.objects.visible_to(user)
        .exclude(status=RoundStatus.PLANNED)
        .order_by("status", "-start_date", "name")
    )


def questions(*, round_: Round) -> list[Question]:
    return list(Question.objects.filter(round=round_).order_by("position", "id"))


def question_list(*, user: Any, round: int | None = None) -> QuerySet[Question]:  # noqa: A002
    qs = Question.objects.visible_to(user).order_by("round_id", "position", "id")
    if round:
        qs = qs.filter(round_id=round)
    return qs


# --- answers ------------------------------------------------------------------------------


def answer_list(
    *,
    user: Any,
    visit: int | None = None,
    round: int | None = None,  # noqa: A002
    question: int | None = None,
) -> QuerySet[Answer]:
    qs = Answer.objects.visible_to(user).select_related("question", "visit")
    if visit:
        qs = qs.filter(visit_id=visit)
    if round:
        qs = qs.filter(question__round_id=round)
    if question:
        qs = qs.filter(question_id=question)
    return qs


def visit_for_answers(*, user: Any, pk: Any) -> Visit:
    """A visit of a sweep the user sees (404 otherwise)."""
    if not scope_of(user).sees_residents:
        raise Http404
    return get_visible_or_404(
        Visit.objects.visible_to(user)
        .filter(round__kind=RoundKind.SWEEP)
        .select_related("round", "flat__building__compound__community", "flat__entrance"),
        pk,
    )


def household_residents(*, flat: Flat) -> list[Resident]:
    """The people living in a household already in the user's scope (the
    caller fetched it scoped), head first: whom a sweep's questions ask about."""
    return list(
        Resident.objects.filter(flat=flat).current().order_by("-is_head", "birth_date", "id")
    )


def answers_of(*, visit: Visit) -> dict[tuple[int, int | None], Any]:
    """The answers given on a visit, by (question id, resident id)."""
    return {(a.question_id, a.resident_id): a.value for a in Answer.objects.filter(visit=visit)}


def unanswered_visits(*, user: Any, round_: Round, limit: int = 10) -> tuple[int, list[Visit]]:
    """Visits of a sweep that found someone at home but have no answers yet
    (how many, and the latest few): two queries."""
    qs = (
        Visit.objects.visible_to(user)
        .current()
        .filter(round_id=round_.pk, outcome=Outcome.VISITED)
        .exclude(Exists(Answer.objects.filter(visit_id=OuterRef("pk"))))
    )
    latest = list(qs.select_related("flat").order_by("-visited_at", "-id")[:limit])
    return qs.count(), latest


# --- no one missed ----------------------------------------------------------------------------

#: stairs order: one trip up each stairwell
STAIRS = visits.STAIRS
NOT_REACHED = (cov.NOT_YET, cov.TRIED, cov.REFUSED)
_LATEST_STATE: dict[str | None, str] = {
    None: cov.NOT_YET,
    Outcome.NOBODY_HOME: cov.TRIED,
    Outcome.REFUSED: cov.REFUSED,
}


def _latest_in_round(round_: Round) -> QuerySet[Visit]:
    """Each household's latest current visit of the round (window function)."""
    return (
        Visit.objects.current()
        .filter(round_id=round_.pk)
        .annotate(
            rn=Window(
                RowNumber(),
                partition_by=[F("flat_id")],
                order_by=[F("visited_at").desc(), F("id").desc()],
            )
        )
        .filter(rn=1)
    )


def not_reached(*, user: Any, round_: Round, state: str | None = None) -> QuerySet[Flat]:
    """Every household of the round (among those the user sees) nobody has
    reached yet: not yet tried, nobody home, or refused, from the visit log
    (the coverage rule in ``visits.coverage``), in stairs order. Give the
    rows of a page their latest attempt with ``with_latest``."""
    in_round = Visit.objects.current().filter(round_id=round_.pk)
    latest = _latest_in_round(round_)
    qs = (
        visits.round_flats(user=user, round_=round_)
        .exclude(status=FlatStatus.VACANT)
        .exclude(id__in=in_round.filter(outcome=Outcome.VISITED).values("flat_id"))
        .exclude(
            id__in=latest.filter(outcome__in=[Outcome.VACANT, Outcome.MOVED]).values("flat_id")
        )
    )
    if state == cov.NOT_YET:
        qs = qs.exclude(id__in=in_round.values("flat_id"))
    elif state == cov.TRIED:
        qs = qs.filter(id__in=latest.filter(outcome=Outcome.NOBODY_HOME).values("flat_id"))
    elif state == cov.REFUSED:
        qs = qs.filter(id__in=latest.filter(outcome=Outcome.REFUSED).values("flat_id"))
    return qs.select_related("building__compound", "entrance").order_by(*STAIRS)


def with_latest(round_: Round, flats: Iterable[Flat]) -> list[Flat]:
    """Set ``latest`` (outcome, None when never tried) and ``last_at`` on each
    household from its latest visit of the round (one query per 2,000)."""
    rows = list(flats)
    for i in range(0, len(rows), 2000):
        chunk = rows[i : i + 2000]
        found = {
            v["flat_id"]: v
            for v in _latest_in_round(round_)
            .filter(flat_id__in=[f.pk for f in chunk])
            .values("flat_id", "outcome", "visited_at")
        }
        for flat in chunk:
            v = found.get(flat.pk)
            flat.latest = v["outcome"] if v else None  # type: ignore[attr-defined]
            flat.last_at = v["visited_at"] if v else None  # type: ignore[attr-defined]
    return rows


def reach_state(latest: str | None) -> str:
    return _LATEST_STATE.get(latest, cov.NOT_YET)


@dataclass
class FloorGroup:
    building: Building
    entrance: Any
    floor: int | None
    flats: list[Flat]


def group_by_stairs(flats: list[Flat]) -> list[FloorGroup]:
    """Consecutive households (already in stairs order) by building, entrance and floor."""
    groups: list[FloorGroup] = []
    for flat in flats:
        flat.reach_state = reach_state(getattr(flat, "latest", None))  # type: ignore[attr-defined]
        last = groups[-1] if groups else None
        if (
            last is None
            or last.building.pk != flat.building_id
            or getattr(last.entrance, "pk", None) != flat.entrance_id
            or last.floor != flat.floor
        ):
            groups.append(
                FloorGroup(
                    building=flat.building, entrance=flat.entrance, floor=flat.floor, flats=[]
                )
            )
        groups[-1].flats.append(flat)
    return groups


def reached_by_day(*, user: Any, round_: Round) -> dict[dt.date, int]:
    """Households first found at home per Asia/Shanghai day: one query for
    each household's first "visited" time, counted by day here."""
    firsts = (
        Visit.objects.visible_to(user)
        .current()
        .filter(round_id=round_.pk, outcome=Outcome.VISITED)
        .order_by()
        .values("flat_id")
        .annotate(first=Min("visited_at"))
        .values_list("first", flat=True)
    )
    return dict(Counter(days.local_date(t) for t in firsts))


def daily_progress(
    *, user: Any, round_: Round, now: dt.datetime | None = None
) -> list[days.DayProgress]:
    today = days.local_date(_now(now))
    last = today if round_.status == RoundStatus.ACTIVE else min(round_.end_date, today)
    return days.progress(
        start=round_.start_date,
        end=max(last, round_.start_date),
        today=today,
        reached=reached_by_day(user=user, round_=round_),
        target=round_.daily_target,
    )


# --- home observation ---------------------------------------------------------------------------

OBSERVATION_STATES = (days.ACTIVE, days.LOST, days.UPCOMING, days.FINISHED)


def _with_checks(qs: QuerySet[Observation]) -> QuerySet[Observation]:
    return qs.select_related(
        "resident", "flat__building__compound", "flat__entrance", "assignee", "round"
    ).prefetch_related(Prefetch("checks", queryset=DailyCheck.objects.order_by("checked_at", "id")))


def standing_of(observation: Observation, today: dt.date) -> days.Standing:
    """Where the observation stands (its checks prefetched or fetched)."""
    return days.standing(
        start=observation.start_date,
        end=observation.end_date,
        checked=days.check_days(c.checked_at for c in observation.checks.all()),
        today=today,
    )


def observation_list(
    *,
    user: Any,
    round: int | None = None,  # noqa: A002
    state: str | None = None,
    assignee: int | None = None,
    resident: int | None = None,
    now: dt.datetime | None = None,
) -> QuerySet[Observation]:
    """Observations the user sees, with their checks; ``state`` (active, lost,
    upcoming, finished) is worked out from the checks and the clock."""
    qs = Observation.objects.visible_to(user)
    if round:
        qs = qs.filter(round_id=round)
    if assignee:
        qs = qs.filter(assignee_id=assignee)
    if resident:
        qs = qs.filter(resident_id=resident)
    if state:
        today = days.local_date(_now(now))
        ids = [
            o.pk
            for o in qs.only("id", "start_date", "end_date").prefetch_related(
                Prefetch("checks", queryset=DailyCheck.objects.only("observation_id", "checked_at"))
            )
            if standing_of(o, today).state == state
        ]
        qs = Observation.objects.filter(pk__in=ids)
    return _with_checks(qs).order_by("end_date", "id")


def observation_get(*, user: Any, pk: Any) -> Observation:
    if not scope_of(user).sees_residents:
        raise Http404
    return get_visible_or_404(
        _with_checks(Observation.objects.visible_to(user)).prefetch_related("changes__by"), pk
    )


def with_standing(rows: list[Observation], now: dt.datetime | None = None) -> list[Observation]:
    today = days.local_date(_now(now))
    for row in rows:
        row.standing = standing_of(row, today)  # type: ignore[attr-defined]
    return rows


def count_by_state(rows: Iterable[Observation]) -> dict[str, int]:
    """How many observations (``with_standing`` already run) are in each state."""
    counts: dict[str, int] = dict.fromkeys(OBSERVATION_STATES, 0)
    for row in rows:
        counts[row.standing.state] += 1  # type: ignore[attr-defined]
    return counts


def lost_to_follow_up(
    *, user: Any, round_: Round | None = None, now: dt.datetime | None = None
) -> list[Observation]:
    """People missed three days in a row (for the chief)."""
    qs = observation_list(user=user, round=round_.pk if round_ else None, state=days.LOST, now=now)
    return with_standing(list(qs), now)


# --- the station's view -----------------------------------------------------------------------


@dataclass
class BeatRow:
    beat: Beat
    officers: list[Any]
    tally: cov.Tally


@dataclass
class VisitorRow:
    user: Any
    visits: int
    visited: int
    tried: int
    refused: int


@dataclass
class OverdueRow:
    user: Any
    overdue: int
    in_round: int
    oldest: dt.date | None


@dataclass
class BuildingRow:
    building: Building
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class StationView:
    round: Round
    now: dt.datetime
    tally: cov.Tally
    beats: list[BeatRow]
    visitors: list[VisitorRow]
    overdue: list[OverdueRow]
    buildings: list[BuildingRow]
    lost: list[Observation]
    progress: list[days.DayProgress] = field(default_factory=list)


def _users(ids: set[Any]) -> dict[Any, Any]:
    return {u.pk: u for u in get_user_model().objects.filter(pk__in=[i for i in ids if i])}


def visitors_of(*, user: Any, round_: Round) -> list[VisitorRow]:
    """Visits of the round by each visitor (police or community worker), two queries."""
    rows = (
        Visit.objects.visible_to(user)
        .current()
        .filter(round_id=round_.pk)
        .values("visitors")
        .annotate(
            n=Count("id", distinct=True),
            visited=Count("flat_id", filter=Q(outcome=Outcome.VISITED), distinct=True),
            tried=Count("id", filter=Q(outcome=Outcome.NOBODY_HOME), distinct=True),
            refused=Count("id", filter=Q(outcome=Outcome.REFUSED), distinct=True),
        )
        .order_by()
    )
    data = list(rows)
    users = _users({r["visitors"] for r in data})
    out = [
        VisitorRow(
            user=users[r["visitors"]],
            visits=r["n"],
            visited=r["visited"],
            tried=r["tried"],
            refused=r["refused"],
        )
        for r in data
        if r["visitors"] in users
    ]
    return sorted(out, key=lambda r: (-r.visited, r.user.username))


def overdue_by_officer(*, user: Any, round_: Round, now: dt.datetime) -> list[OverdueRow]:
    """Open follow-ups past their due date per assignee (all the user sees,
    and how many came from this round's visits), two queries."""
    rows = list(
        FollowUp.objects.visible_to(user)
        .filter(visits.overdue_q(now))
        .values("assignee")
        .annotate(
            n=Count("id"),
            in_round=Count("id", filter=Q(visit__round_id=round_.pk)),
            oldest=Min("due_date"),
        )
        .order_by()
    )
    users = _users({r["assignee"] for r in rows})
    out = [
        OverdueRow(
            user=users[r["assignee"]], overdue=r["n"], in_round=r["in_round"], oldest=r["oldest"]
        )
        for r in rows
        if r["assignee"] in users
    ]
    return sorted(out, key=lambda r: (-r.overdue, r.user.username))


def beats_of(*, user: Any, round_: Round) -> list[BeatRow]:
    """Coverage per beat of the round, with each beat's officers (three queries)."""
    tallies = visits.coverage_by(user=user, round_=round_, level="beat")
    beats = {b.pk: b for b in Beat.objects.filter(pk__in=list(tallies)).order_by("name")}
    officers: dict[int, list[Any]] = defaultdict(list)
    for u in (
        get_user_model()
        .objects.filter(role=Role.OFFICER, is_active=True, beats__in=list(beats))
        .values("pk", "display_name", "username", "beats")
        .order_by("username")
    ):
        officers[u["beats"]].append(u["display_name"] or u["username"])
    return [BeatRow(beat=b, officers=officers[b.pk], tally=tallies[b.pk]) for b in beats.values()]


def not_reached_by_building(*, user: Any, round_: Round) -> list[BuildingRow]:
    """Households not reached per building (two queries)."""
    tallies = visits.coverage_by(user=user, round_=round_, level="building")
    pending = {pk: {s: t.counts[s] for s in NOT_REACHED} for pk, t in tallies.items()}
    pending = {pk: c for pk, c in pending.items() if sum(c.values())}
    buildings = Building.objects.filter(pk__in=list(pending)).select_related("compound")
    rows = [BuildingRow(building=b, counts=pending[b.pk]) for b in buildings]
    return sorted(
        rows, key=lambda r: (r.building.compound.name, r.building.sort_key, r.building.number)
    )


def station_view(*, user: Any, round_: Round, now: dt.datetime | None = None) -> StationView:
    """A round seen from the station: coverage by beat and by visitor,
    overdue follow-ups by officer, households not reached by building and the
    people lost to follow-up; an officer sees their own beat's part of it."""
    moment = _now(now)
    return StationView(
        round=round_,
        now=moment,
        tally=visits.coverage(user=user, round_=round_),
        beats=beats_of(user=user, round_=round_),
        visitors=visitors_of(user=user, round_=round_),
        overdue=overdue_by_officer(user=user, round_=round_, now=moment),
        buildings=not_reached_by_building(user=user, round_=round_),
        lost=lost_to_follow_up(user=user, round_=round_, now=moment)
        if round_.kind == RoundKind.SWEEP
        else [],
        progress=daily_progress(user=user, round_=round_, now=moment)
        if round_.kind == RoundKind.SWEEP
        else [],
    )
