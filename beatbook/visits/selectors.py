"""Every scoped read of the visits app starts here, from ``visible_to(user)``."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    Case,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber
from django.http import Http404
from django.utils import timezone

from beatbook.core.scoping import scope_of
from beatbook.core.shortcuts import get_visible_or_404
from beatbook.registry.models import Beat, Building, Community, Compound, Flat, FlatStatus, Resident
from beatbook.visits import coverage as cov
from beatbook.visits import rules
from beatbook.visits.models import (
    FollowUp,
    FollowUpStatus,
    Household,
    Outcome,
    Round,
    RoundStatus,
    Visit,
)


def _now(now: dt.datetime | None) -> dt.datetime:
    return now if now is not None else timezone.now()


# --- rounds -----------------------------------------------------------------------


def round_list(
    *,
    user: Any,
    status: str | None = None,
    kind: str | None = None,
    active_on: dt.date | None = None,
) -> QuerySet[Round]:
    qs = Round.objects.visible_to(user).select_related("beat", "community", "compound")
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if active_on:
        qs = qs.active_on(active_on)
    return qs.prefetch_related("buildings__compound")


def round_get(*, user: Any, pk: Any) -> Round:
    return get_visible_or_404(
        Round.objects.visible_to(user).select_related("beat", "community", "compound"), pk
    )


def round_building_ids(*, user: Any, round_: Round, within: Q | None = None) -> list[int]:
    """Ids of the round's buildings the user sees (``within``: a Building filter)."""
    qs = Building.objects.visible_to(user).filter(round_.building_q())
    if within is not None:
        qs = qs.filter(within)
    return list(qs.order_by().values_list("id", flat=True))


def round_flats(*, user: Any, round_: Round, within: Q | None = None) -> QuerySet[Flat]:
    """The households of a round the user sees, by their buildings' ids: a
    list the planner can count, where joins through compound, community and
    beat made PostgreSQL guess a handful of rows and scan every flat."""
    ids = round_building_ids(user=user, round_=round_, within=within)
    return Flat.objects.filter(building_id__in=ids)


# --- coverage --------------------------------------------------------------------------


def _facts_sql(
    round_: Round, flats: QuerySet[Flat], group: str | None, narrow: bool = True
) -> tuple[str, list[Any]]:
    """One query: households grouped by (group, flat vacant, any visit said
    visited, latest outcome). The rule that turns these into states is in
    ``coverage``. The latest visit is the one at each household's latest
    time (found by grouping, then joining back on the index: faster than a
    window function on SQLite and PostgreSQL alike); two visits of one
    household at the very same microsecond count the greater outcome code.
    ``narrow``: read only these households' visits
    (a building, a compound) rather than the whole round's, which the outer
    join then restricts (cheaper when the households are most of the round)."""
    qn = connection.ops.quote_name
    flats = flats.order_by().annotate(
        g=F(group) if group else Value(0, output_field=IntegerField()),
        vac=Case(When(status=FlatStatus.VACANT, then=1), default=0, output_field=IntegerField()),
    )
    flat_sql, flat_params = flats.values("id", "g", "vac").query.sql_with_params()
    ids_sql, ids_params = flats.values("id").query.sql_with_params()
    v = Visit._meta
    flat_col = qn(v.get_field("flat").column)
    restrict = f"AND {flat_col} IN ({ids_sql})" if narrow else ""
    if not narrow:
        ids_params = ()
    time_col = qn(v.get_field("visited_at").column)
    outcome_col = qn(v.get_field("outcome").column)
    table = qn(v.db_table)
    round_col = qn(v.get_field("round").column)
    superseded_col = qn(v.get_field("superseded").column)
    # only quoted names and ORM-compiled SQL (with its params) are interpolated
    sql = f"""
        SELECT f.g, f.vac, COALESCE(s.any_visited, 0), s.latest, COUNT(*)
        FROM ({flat_sql}) f
        LEFT JOIN (
            SELECT a.flat_id, a.any_visited, MAX(v2.{outcome_col}) AS latest
            FROM (
                SELECT {flat_col} AS flat_id,
                       MAX(CASE WHEN {outcome_col} = %s THEN 1 ELSE 0 END) AS any_visited,
                       MAX({time_col}) AS last_at
                FROM {table}
                WHERE {round_col} = %s AND {superseded_col} = %s {restrict}
                GROUP BY {flat_col}
            ) a
            JOIN {table} v2
              ON v2.{round_col} = %s AND v2.{superseded_col} = %s
             AND v2.{flat_col} = a.flat_id AND v2.{time_col} = a.last_at
            GROUP BY a.flat_id, a.any_visited
        ) s ON s.flat_id = f.id
        GROUP BY f.g, f.vac, COALESCE(s.any_visited, 0), s.latest
    """  # noqa: S608
    params = [*flat_params, Outcome.VISITED, round_.pk, False, *ids_params, round_.pk, False]
    return sql, params


def _facts(
    round_: Round, flats: QuerySet[Flat], group: str | None, narrow: bool = True
) -> dict[Any, list[cov.Facts]]:
    try:
        sql, params = _facts_sql(round_, flats, group, narrow)
    except EmptyResultSet:  # no building of the round in sight: no households
        return {}
    grouped: dict[Any, list[cov.Facts]] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for g, vac, visited, latest, count in cursor.fetchall():
            grouped[g].append(cov.Facts(bool(vac), bool(visited), latest, int(count)))
    return grouped


#: where a coverage figure may be asked for, the building lookup to it, the flat lookup to it
LEVELS = {
    "building": (Building, "id", "building_id"),
    "compound": (Compound, "compound_id", "building__compound_id"),
    "community": (Community, "compound__community_id", "building__compound__community_id"),
    "beat": (Beat, "compound__community__beat_id", "building__compound__community__beat_id"),
}


def coverage(
    *, user: Any, round_: Round, level: str | None = None, target: Any = None
) -> cov.Tally:
    """The round's coverage among the households the user sees, in the whole
    round or in one building / compound / community / beat (404 when the
    user does not see it). One aggregate query, after the target's lookup
    and the ids of the buildings concerned."""
    within = None
    if level is not None:
        model, building_lookup, _ = LEVELS[level]
        obj = get_visible_or_404(model.objects.visible_to(user), target)  # type: ignore[attr-defined]
        within = Q(**{building_lookup: obj.pk})
    flats = round_flats(user=user, round_=round_, within=within)
    narrow = level in ("building", "compound")
    return cov.tally(_facts(round_, flats, None, narrow).get(0, []))


def coverage_by(
    *, user: Any, round_: Round, level: str, within: Q | None = None
) -> dict[int, cov.Tally]:
    """Coverage per building / compound / community / beat of the round, in
    one aggregate query (``within``: a Building filter)."""
    _, _, lookup = LEVELS[level]
    flats = round_flats(user=user, round_=round_, within=within)
    facts = _facts(round_, flats, lookup, narrow=within is not None)
    return {g: cov.tally(f) for g, f in facts.items()}


def coverage_per_building(*, user: Any, round_: Round) -> list[tuple[Building, cov.Tally]]:
    """Each building of the round the user sees, with its coverage (two queries)."""
    per_building = coverage_by(user=user, round_=round_, level="building")
    buildings = (
        Building.objects.visible_to(user)
        .filter(pk__in=list(per_building))
        .select_related("compound")
    )
    return [(b, per_building[b.pk]) for b in buildings]


def flat_states(*, user: Any, round_: Round, flats: QuerySet[Flat]) -> dict[int, str]:
    """Each of these households' state in the round, in one query."""
    scoped = round_flats(user=user, round_=round_).filter(pk__in=flats.values("pk"))
    return {fid: _single_state(facts) for fid, facts in _facts(round_, scoped, "id").items()}


def _single_state(facts: list[cov.Facts]) -> str:
    fact = facts[0]
    return cov.state_of(
        flat_vacant=fact.flat_vacant,
        any_visited=fact.any_visited,
        latest_outcome=fact.latest_outcome,
    )


@dataclass
class GridRounds:
    """The round selector of a building grid and its households' states."""

    rounds: list[Round]
    selected: Round | None
    states: dict[int, str] = field(default_factory=dict)
    tally: cov.Tally | None = None


def building_grid_rounds(*, user: Any, building: Building, round_id: Any = None) -> GridRounds:
    """Rounds covering this building (newest first), the chosen one (else the
    first active), and its households' states: two queries."""
    rounds = list(
        Round.objects.visible_to(user)
        .exclude(status=RoundStatus.PLANNED)
        .filter(
            Q(beat_id=building.compound.community.beat_id)
            | Q(community_id=building.compound.community_id)
            | Q(compound_id=building.compound_id)
            | Q(
                id__in=Round.buildings.through.objects.filter(building_id=building.pk).values(
                    "round_id"
                )
            )
        )
        .order_by("-status", "-start_date", "name")
    )
    selected = None
    if round_id not in (None, ""):
        selected = next((r for r in rounds if str(r.pk) == str(round_id)), None)
        if selected is None:
            raise Http404
    elif rounds:
        selected = next((r for r in rounds if r.status == RoundStatus.ACTIVE), rounds[0])
    result = GridRounds(rounds=rounds, selected=selected)
    if selected is not None:
        flats = Flat.objects.visible_to(user).filter(building=building)
        facts = _facts(selected, flats, "id")
        result.states = {fid: _single_state(f) for fid, f in facts.items()}
        result.tally = cov.tally(f for fs in facts.values() for f in fs)
    return result


# --- visits ----------------------------------------------------------------------------------


def visit_list(
    *,
    user: Any,
    round: int | None = None,  # noqa: A002 - the API's parameter name
    flat: int | None = None,
    building: int | None = None,
    outcome: str | None = None,
    include_superseded: bool = False,
) -> QuerySet[Visit]:
    qs = Visit.objects.visible_to(user).select_related(
        "flat__building__compound", "round", "author", "corrects"
    )
    if not include_superseded:
        qs = qs.current()
    if round:
        qs = qs.filter(round_id=round)
    if flat:
        qs = qs.filter(flat_id=flat)
    if building:
        qs = qs.filter(flat__building_id=building)
    if outcome:
        qs = qs.filter(outcome=outcome)
    return qs.prefetch_related("visitors")


def visit_get(*, user: Any, pk: Any) -> Visit:
    return get_visible_or_404(
        Visit.objects.visible_to(user)
        .select_related("flat__building__compound__community", "round", "author", "corrects")
        .prefetch_related("visitors", "corrections"),
        pk,
    )


# --- follow-ups -----------------------------------------------------------------------------


def with_overdue(rows: Iterable[FollowUp], now: dt.datetime) -> None:
    """Mark each follow-up ``overdue`` (open, and due before today at ``now``)."""
    for row in rows:
        row.overdue = (  # type: ignore[attr-defined]
            row.status == FollowUpStatus.OPEN and rules.is_overdue(row.due_date, now)
        )


def overdue_q(now: dt.datetime) -> Q:
    """Open follow-ups overdue at ``now`` (due before today in Asia/Shanghai)."""
    return Q(status=FollowUpStatus.OPEN, due_date__lt=rules.local_date(now))


def followup_list(
    *,
    user: Any,
    assignee: int | None = None,
    status: str | None = None,
    flat: int | None = None,
    overdue: bool | None = None,
    now: dt.datetime | None = None,
) -> QuerySet[FollowUp]:
    moment = _now(now)
    qs = FollowUp.objects.visible_to(user).select_related(
        "flat__building__compound", "flat__entrance", "assignee", "resident"
    )
    if assignee:
        qs = qs.filter(assignee_id=assignee)
    if status:
        qs = qs.filter(status=status)
    if flat:
        qs = qs.filter(flat_id=flat)
    if overdue is True:
        qs = qs.filter(overdue_q(moment))
    elif overdue is False:
        qs = qs.exclude(overdue_q(moment))
    return qs


def followup_get(*, user: Any, pk: Any) -> FollowUp:
    return get_visible_or_404(
        FollowUp.objects.visible_to(user).select_related("flat__building__compound", "assignee"),
        pk,
    )


# --- worklist ---------------------------------------------------------------------------------

#: stairs order: one trip up each stairwell
STAIRS = (
    "building__compound_id",
    "building__sort_key",
    "building__number",
    "entrance__sort_key",
    "floor",
    "room",
)


def _last_visited_at() -> Subquery:
    return Subquery(
        Visit.objects.current()
        .filter(flat_id=OuterRef("flat_id"), outcome=Outcome.VISITED)
        .order_by("-visited_at")
        .values("visited_at")[:1]
    )


def care_lapsed(*, user: Any, now: dt.datetime | None = None) -> list[Household]:
    """Households on the care list whose cadence has lapsed, in stairs order,
    each with ``last_visited`` (a date or None) and ``care_due``."""
    today = rules.local_date(_now(now))
    rows = (
        Household.objects.visible_to(user)
        .on_care_list()
        .select_related("flat__building__compound", "flat__entrance")
        .annotate(last_at=_last_visited_at())
        .order_by(*(f"flat__{f}" for f in STAIRS))
    )
    lapsed = []
    for row in rows:
        row.last_visited = rules.local_date(row.last_at) if row.last_at else None
        row.care_due = rules.care_due(  # type: ignore[attr-defined]
            last_visited=row.last_visited, since=row.care_since, every_days=row.care_every_days or 0
        )
        if today > row.care_due:
            lapsed.append(row)
    return lapsed


def pending_households(*, user: Any, round_: Round) -> QuerySet[Flat]:
    """Households of the round not yet visited (never tried, or nobody home),
    in stairs order (``mark_tried`` says which of a page were knocked at)."""
    in_round = Visit.objects.current().filter(round_id=round_.pk)
    done = in_round.filter(outcome=Outcome.VISITED).values("flat_id")
    closed_by_latest = (
        in_round.annotate(
            rn=Window(
                RowNumber(),
                partition_by=[F("flat_id")],
                order_by=[F("visited_at").desc(), F("id").desc()],
            )
        )
        .filter(rn=1, outcome__in=[Outcome.VACANT, Outcome.MOVED, Outcome.REFUSED])
        .values("flat_id")
    )
    return (
        round_flats(user=user, round_=round_)
        .exclude(status=FlatStatus.VACANT)
        .exclude(id__in=done)
        .exclude(id__in=closed_by_latest)
        .select_related("building__compound", "entrance")
        .order_by(*STAIRS)
    )


def mark_tried(round_: Round, flats: list[Flat]) -> list[Flat]:
    """Set ``tried`` on these households of the round: someone knocked and
    nobody was home. One query for a page of rows (computing it inside the
    list's query would evaluate it for every pending household before sorting)."""
    knocked = set(
        Visit.objects.current()
        .filter(round_id=round_.pk, flat_id__in=[f.pk for f in flats])
        .values_list("flat_id", flat=True)
    )
    for flat in flats:
        flat.tried = flat.pk in knocked  # type: ignore[attr-defined]
    return flats


@dataclass
class Worklist:
    followups: list[FollowUp]
    followup_count: int
    care: list[Household]
    care_count: int
    rounds: list[Round]
    round: Round | None
    #: the selected round's households still to visit (paginate it)
    pending: QuerySet[Flat] | None
    now: dt.datetime


def my_followups(
    *, user: Any, now: dt.datetime, limit: int | None = None
) -> tuple[list[FollowUp], int]:
    """My open follow-ups, overdue first, then in stairs order (at most
    ``limit``), and how many there are in all."""
    today = rules.local_date(now)
    qs = (
        followup_list(user=user, assignee=user.pk, status=FollowUpStatus.OPEN, now=now)
        .annotate(
            late=Case(When(due_date__lt=today, then=0), default=1, output_field=IntegerField())
        )
        .order_by("late", *(f"flat__{f}" for f in STAIRS), "due_date")
    )
    rows: list[FollowUp] = list(qs[:limit] if limit is not None else qs)
    for row in rows:
        row.overdue = rules.is_overdue(row.due_date, now)  # type: ignore[attr-defined]
    total = len(rows) if limit is None or len(rows) < limit else qs.count()
    return rows, total


#: how many follow-ups and care households the worklist shows (the rest: their lists)
WORKLIST_SHOWS = 10


def worklist(*, user: Any, round_id: Any = None, now: dt.datetime | None = None) -> Worklist:
    moment = _now(now)
    today = rules.local_date(moment)
    rounds = list(Round.objects.visible_to(user).active_on(today).order_by("end_date", "name"))
    selected = None
    if round_id not in (None, ""):
        selected = next((r for r in rounds if str(r.pk) == str(round_id)), None)
        if selected is None:
            raise Http404
    elif rounds:
        selected = rounds[0]
    followups, followup_count = my_followups(user=user, now=moment, limit=WORKLIST_SHOWS)
    care = care_lapsed(user=user, now=moment)
    return Worklist(
        followups=followups,
        followup_count=followup_count,
        care=care[:WORKLIST_SHOWS],
        care_count=len(care),
        rounds=rounds,
        round=selected,
        pending=pending_households(user=user, round_=selected) if selected else None,
        now=moment,
    )


# --- tonight's plan ------------------------------------------------------------------------------


@dataclass
class PlanStop:
    flat: Flat
    reason: str  # 'followup' | 'care' | 'round'
    detail: Any = None
    due: dt.date | None = None


@dataclass
class PlanFloor:
    floor: int | None
    stops: list[PlanStop]


@dataclass
class PlanBuilding:
    building: Building
    floors: list[PlanFloor]


@dataclass
class Plan:
    starts: dt.datetime
    ends: dt.datetime
    buildings: list[PlanBuilding]
    count: int


def tonight_plan(
    *,
    user: Any,
    now: dt.datetime | None = None,
    start: dt.time = dt.time(17),
    end: dt.time = dt.time(21),
    limit: int = 20,
) -> Plan:
    """The ``limit`` most urgent households for the evening window: overdue
    follow-ups, then lapsed care visits, then unvisited households of active
    rounds by their due date; grouped by building and floor for the route."""
    moment = _now(now)
    today = rules.local_date(moment)
    starts, ends = rules.evening_window(today, start, end)
    stops: list[PlanStop] = []
    taken: set[int] = set()

    def take(stop: PlanStop) -> None:
        if stop.flat.pk not in taken and len(stops) < limit:
            taken.add(stop.flat.pk)
            stops.append(stop)

    overdue = followup_list(
        user=user, assignee=user.pk, status=FollowUpStatus.OPEN, overdue=True, now=moment
    ).order_by("due_date", "id")[:limit]
    for f in overdue:
        take(PlanStop(flat=f.flat, reason="followup", detail=f, due=f.due_date))
    lapsed = care_lapsed(user=user, now=moment)
    for h in sorted(lapsed, key=lambda h: h.care_due):  # type: ignore[attr-defined]
        take(PlanStop(flat=h.flat, reason="care", detail=h, due=h.care_due))  # type: ignore[attr-defined]
    if len(stops) < limit:
        rounds = sorted(
            Round.objects.visible_to(user).active_on(today), key=lambda r: (r.due_date, r.pk)
        )
        for round_ in rounds:
            if len(stops) >= limit:
                break
            candidates = list(pending_households(user=user, round_=round_)[: limit + len(taken)])
            for flat in mark_tried(round_, candidates):
                take(PlanStop(flat=flat, reason="round", detail=round_, due=round_.due_date))
    by_building: dict[int, PlanBuilding] = {}
    for stop in sorted(
        stops,
        key=lambda s: (
            s.flat.building.compound.name,
            s.flat.building.sort_key,
            s.flat.building.number,
            s.flat.floor if s.flat.floor is not None else -9999,
            s.flat.room,
        ),
    ):
        group = by_building.setdefault(
            stop.flat.building_id, PlanBuilding(building=stop.flat.building, floors=[])
        )
        if not group.floors or group.floors[-1].floor != stop.flat.floor:
            group.floors.append(PlanFloor(floor=stop.flat.floor, stops=[]))
        group.floors[-1].stops.append(stop)
    return Plan(starts=starts, ends=ends, buildings=list(by_building.values()), count=len(stops))


# --- the household profile -----------------------------------------------------------------------


@dataclass
class Member:
    resident: Resident
    age: int | None


@dataclass
class Profile:
    flat: Flat
    household: Household | None
    members: list[Member]
    visits: list[Visit]
    followups: list[FollowUp]
    points: list[rules.TalkingPoint]
    care_due: dt.date | None
    care_lapsed: bool


def household_profile(*, user: Any, flat: Flat, now: dt.datetime | None = None) -> Profile:
    """What a visitor reads before knocking (the flat must be visible)."""
    if (
        not scope_of(user).sees_residents
        or not Flat.objects.visible_to(user).filter(pk=flat.pk).exists()
    ):
        raise Http404
    moment = _now(now)
    today = rules.local_date(moment)
    household = Household.objects.filter(flat=flat).first()
    members = [
        Member(resident=r, age=rules.age_on(r.birth_date, today))
        for r in Resident.objects.filter(flat=flat)
        .current()
        .order_by("-is_head", "birth_date", "id")
    ]
    visits = list(
        Visit.objects.current()
        .filter(flat=flat)
        .select_related("author", "round")
        .prefetch_related("visitors")
        .order_by("-visited_at", "-id")[:5]
    )
    followups = list(
        FollowUp.objects.open().filter(flat=flat).select_related("assignee", "resident")
    )
    for f in followups:
        f.overdue = rules.is_overdue(f.due_date, moment)  # type: ignore[attr-defined]
    recent = Visit.objects.current().filter(flat=flat).order_by("-visited_at")[:10]
    points = rules.talking_points(
        rules.PastVisit(
            day=rules.local_date(v.visited_at), outcome=v.outcome, notes=v.notes, tags=v.tags
        )
        for v in recent
    )
    care_due = None
    lapsed = False
    if household and household.care_every_days:
        last = (
            Visit.objects.current()
            .filter(flat=flat, outcome=Outcome.VISITED)
            .aggregate(at=Max("visited_at"))["at"]
        )
        last_day = rules.local_date(last) if last else None
        care_due = rules.care_due(
            last_visited=last_day, since=household.care_since, every_days=household.care_every_days
        )
        lapsed = today > care_due
    return Profile(
        flat=flat,
        household=household,
        members=members,
        visits=visits,
        followups=followups,
        points=points,
        care_due=care_due,
        care_lapsed=lapsed,
    )


def flat_for_visit(*, user: Any, pk: Any) -> Flat:
    """A household the user may log a visit for."""
    if not scope_of(user).sees_residents:
        raise Http404
    return get_visible_or_404(
        Flat.objects.visible_to(user).select_related("building__compound__community", "entrance"),
        pk,
    )


def rounds_for_flat(*, user: Any, flat: Flat, now: dt.datetime | None = None) -> list[Round]:
    """Active rounds the household is in (for the visit form)."""
    today = rules.local_date(_now(now))
    building = flat.building
    return list(
        Round.objects.visible_to(user)
        .active_on(today)
        .filter(
            Q(beat_id=building.compound.community.beat_id)
            | Q(community_id=building.compound.community_id)
            | Q(compound_id=building.compound_id)
            | Q(
                id__in=Round.buildings.through.objects.filter(building_id=building.pk).values(
                    "round_id"
                )
            )
        )
        .order_by("end_date", "name")
    )


def colleagues_for(*, user: Any, flat: Flat) -> list[Any]:
    """Who else covers this household (to say who went along)."""
    from django.contrib.auth import get_user_model

    building = flat.building
    return list(
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(beats=building.compound.community.beat_id)
            | Q(communities=building.compound.community_id)
            | Q(head_of_buildings=building.pk)
        )
        .exclude(pk=user.pk)
        .distinct()
        .order_by("username")
    )


def heads_of(flat_ids: list[int]) -> dict[int, str]:
    """The head of household's name per flat (one query for a page of rows)."""
    return dict(
        Resident.objects.current()
        .filter(flat_id__in=flat_ids, is_head=True)
        .values_list("flat_id", "name")
    )


def household_choices(*, user: Any) -> dict[str, list[tuple[int, str]]]:
    """Where a round may take place, among what the user sees (round form)."""
    scope = scope_of(user)
    return {
        "beat": [(b.pk, b.name) for b in Beat.objects.filter(id__in=sorted(scope.beat_ids))],
        "community": [(c.pk, c.name) for c in Community.objects.visible_to(user)],
        "compound": [(c.pk, c.name) for c in Compound.objects.visible_to(user)],
        "buildings": [
            (b.pk, str(b)) for b in Building.objects.visible_to(user).select_related("compound")
        ],
    }
