"""Reads for the configuration pages (system administrator).

The system administrator configures the tree down to communities and assigns
people to it. To assign building heads they need the names of compounds and
the numbers of buildings, which ``visible_to`` hides from them (they see no
residents' data); the functions below read exactly those names and ids and
nothing below the building.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from beatbook.accounts.models import Role, User
from beatbook.core.scoping import scope_of
from beatbook.registry.addresses import building_label, normalize_building_number
from beatbook.registry.models import Beat, Building, Community, Compound, Station


def _administers(user: Any) -> bool:
    return scope_of(user).administers


def station_list(*, user: Any) -> QuerySet[Station]:
    return Station.objects.visible_to(user).annotate(
        beat_count=Count("beats", distinct=True), user_count=Count("users", distinct=True)
    )


def beat_list(*, user: Any) -> QuerySet[Beat]:
    return (
        Beat.objects.visible_to(user)
        .select_related("station")
        .annotate(community_count=Count("communities", distinct=True))
        .order_by("station__name", "name")
    )


def community_list(*, user: Any) -> QuerySet[Community]:
    return (
        Community.objects.visible_to(user)
        .select_related("beat__station")
        .order_by("beat__station__name", "beat__name", "name")
    )


def beat_get(*, user: Any, pk: Any) -> Beat:
    try:
        return Beat.objects.visible_to(user).select_related("station").get(pk=pk)
    except (Beat.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def community_get(*, user: Any, pk: Any) -> Community:
    try:
        return Community.objects.visible_to(user).select_related("beat__station").get(pk=pk)
    except (Community.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


@dataclass
class BeatNode:
    beat: Beat
    communities: list[Community] = field(default_factory=list)


@dataclass
class StationNode:
    station: Station
    beats: list[BeatNode] = field(default_factory=list)


def structure_tree(*, user: Any) -> list[StationNode]:
    """Stations → beats → communities, in three queries."""
    nodes = {s.pk: StationNode(s) for s in station_list(user=user).order_by("name")}
    beat_nodes: dict[int, BeatNode] = {}
    for beat in beat_list(user=user):
        beat_nodes[beat.pk] = BeatNode(beat)
        if beat.station_id in nodes:
            nodes[beat.station_id].beats.append(beat_nodes[beat.pk])
    for community in community_list(user=user):
        if community.beat_id in beat_nodes:
            beat_nodes[community.beat_id].communities.append(community)
    return list(nodes.values())


def _with_assignments(qs: QuerySet[User]) -> QuerySet[User]:
    return qs.select_related("station").prefetch_related(
        Prefetch("beats", Beat.objects.order_by("name")),
        Prefetch("communities", Community.objects.order_by("name")),
        Prefetch(
            "head_of_buildings",
            Building.objects.select_related("compound").order_by(
                "compound__name", "sort_key", "number"
            ),
        ),
    )


def user_list(
    *,
    user: Any,
    q: str = "",
    role: str = "",
    station: int | None = None,
    active: bool | None = None,
) -> QuerySet[User]:
    """Users with their station and assignments prefetched (a fixed number of queries)."""
    if not _administers(user):
        return User.objects.none()
    qs = User.objects.all()
    if q.strip():
        term = q.strip()
        qs = qs.filter(Q(username__icontains=term) | Q(display_name__icontains=term))
    if role:
        qs = qs.filter(role=role)
    if station:
        qs = qs.filter(station_id=station)
    if active is not None:
        qs = qs.filter(is_active=active)
    return _with_assignments(qs).order_by("-is_active", "username")


def user_get(*, user: Any, pk: Any) -> User:
    if not _administers(user):
        raise Http404
    try:
        return _with_assignments(User.objects.all()).get(pk=pk)
    except (User.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def user_role_counts(*, user: Any) -> list[tuple[str, str, int]]:
    """(role, label, number of active users) for every role, in the order of Role."""
    if not _administers(user):
        return []
    rows = User.objects.filter(is_active=True).values("role").annotate(n=Count("id")).order_by()
    counts = {row["role"]: row["n"] for row in rows}
    return [(role.value, str(role.label), counts.get(role.value, 0)) for role in Role]


# --- names of compounds and buildings, for assigning building heads --------


def compound_names(*, user: Any, station: int | None = None) -> list[str]:
    """Compound names (nothing else), limited to a station when given."""
    if not _administers(user):
        return []
    qs = Compound.objects.all()
    if station:
        qs = qs.filter(community__beat__station_id=station)
    return list(qs.order_by("name").values_list("name", flat=True))


def building_numbers(*, user: Any, compound_name: str) -> list[str]:
    """The building numbers of one compound, in natural order."""
    if not _administers(user) or not compound_name.strip():
        return []
    return list(
        Building.objects.filter(compound__name=compound_name.strip())
        .order_by("sort_key", "number")
        .values_list("number", flat=True)
    )


@dataclass(frozen=True)
class BuildingRef:
    id: int
    compound_name: str
    number: str
    label: str

    def __str__(self) -> str:
        return self.label


def buildings_by_number(
    *, user: Any, compound_name: str, numbers: list[str]
) -> tuple[list[int], list[str]]:
    """Resolve building numbers of a compound to ids; returns (ids, numbers not found)."""
    if not _administers(user):
        return [], list(numbers)
    wanted = {normalize_building_number(n): n for n in numbers if n.strip()}
    found = dict(
        Building.objects.filter(
            compound__name=compound_name.strip(), number__in=list(wanted)
        ).values_list("number", "id")
    )
    missing = [typed for norm, typed in wanted.items() if norm not in found]
    return [found[n] for n in wanted if n in found], missing


def buildings_by_ids(*, user: Any, ids: list[int]) -> QuerySet[Building]:
    """Buildings to assign (the service needs model instances; only ids are read)."""
    if not _administers(user):
        return Building.objects.none()
    return Building.objects.filter(id__in=ids).only("id")


def building_refs(*, user: Any, ids: list[int]) -> list[BuildingRef]:
    if not _administers(user) or not ids:
        return []
    rows = (
        Building.objects.filter(id__in=ids)
        .order_by("compound__name", "sort_key", "number")
        .values_list("id", "compound__name", "number", "name")
    )
    return [
        BuildingRef(pk, compound, number, f"{compound}{name or building_label(number)}")
        for pk, compound, number, name in rows
    ]


ASSIGNABLE = {
    Role.OFFICER: ("beats", "buildings"),
    Role.BUILDING_HEAD: ("buildings",),
    Role.WORKER: ("communities",),
}


def assignable_kinds(role: str) -> tuple[str, ...]:
    """Which assignment sets matter for a role (the chief covers the station)."""
    return ASSIGNABLE.get(Role(role), ()) if role in Role.values else ()
