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

from beatbook.accounts.models import Role, User
from beatbook.core.scoping import scope_of
from beatbook.core.shortcuts import get_visible_or_404, subquery_count
from beatbook.registry import selectors as registry_selectors
from beatbook.registry.addresses import normalize_building_number
from beatbook.registry.models import Beat, Building, Community, Compound, Station


def _administers(user: Any) -> bool:
    return scope_of(user).administers


def station_list(*, user: Any) -> QuerySet[Station]:
    return Station.objects.visible_to(user)


@dataclass
class BeatNode:
    beat: Beat
    communities: list[Community] = field(default_factory=list)


@dataclass
class StationNode:
    station: Station
    beats: list[BeatNode] = field(default_factory=list)


def structure_tree(*, user: Any) -> list[StationNode]:
    """Stations (with ``user_count``) → beats → communities, in three queries."""
    stations = station_list(user=user).annotate(
        user_count=subquery_count(User.objects.all(), "station")
    )
    nodes = {s.pk: StationNode(s) for s in stations.order_by("name")}
    beat_nodes: dict[int, BeatNode] = {}
    for beat in registry_selectors.beat_list(user=user):
        beat_nodes[beat.pk] = BeatNode(beat)
        if beat.station_id in nodes:
            nodes[beat.station_id].beats.append(beat_nodes[beat.pk])
    for community in registry_selectors.community_list(user=user):
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


def community_get(*, user: Any, pk: Any) -> Community:
    """A community to configure (``registry.selectors.community_get`` is its
    registry page, which the system administrator does not see)."""
    return get_visible_or_404(
        Community.objects.visible_to(user).select_related("beat__station"), pk
    )


def user_get(*, user: Any, pk: Any) -> User:
    qs = User.objects.all() if _administers(user) else User.objects.none()
    return get_visible_or_404(_with_assignments(qs), pk)


def user_role_counts(*, user: Any) -> list[tuple[str, str, int]]:
    """(role, label, number of active users) for every role, in the order of Role."""
    if not _administers(user):
        return []
    rows = User.objects.filter(is_active=True).values("role").annotate(n=Count("id")).order_by()
    counts = {row["role"]: row["n"] for row in rows}
    return [(role.value, str(role.label), counts.get(role.value, 0)) for role in Role]


# --- names of compounds and buildings, for assigning building heads --------


@dataclass(frozen=True)
class CompoundRef:
    """A compound as the administrator names it. Compound names repeat across
    communities (they are unique only within one), hence the community."""

    id: int
    name: str
    community: str

    def __str__(self) -> str:
        return f"{self.community} / {self.name}"


def _compound_refs(qs: QuerySet[Compound]) -> list[CompoundRef]:
    rows = qs.order_by("name", "community__name").values_list("id", "name", "community__name")
    return [CompoundRef(pk, name, community) for pk, name, community in rows]


def compound_refs(*, user: Any, station: int | None = None) -> list[CompoundRef]:
    """Every compound (names only), limited to a station when given."""
    if not _administers(user):
        return []
    qs = Compound.objects.all()
    if station:
        qs = qs.filter(community__beat__station_id=station)
    return _compound_refs(qs)


@dataclass(frozen=True)
class CompoundBuildings:
    """What a compound typed on the assignment form stands for."""

    #: the compounds the text names: one, none, or several (a bare name
    #: shared by compounds of several communities)
    matches: list[CompoundRef]
    #: building number → id, in natural order, when the text names one compound
    numbers: dict[str, int]

    @property
    def compound(self) -> CompoundRef | None:
        return self.matches[0] if len(self.matches) == 1 else None

    def resolve(self, typed: list[str]) -> tuple[list[int], list[str]]:
        """Building numbers as typed ("6", "6号楼") → (ids found, numbers not found)."""
        wanted = {normalize_building_number(n): n for n in typed if n.strip()}
        missing = [n for norm, n in wanted.items() if norm not in self.numbers]
        return [self.numbers[norm] for norm in wanted if norm in self.numbers], missing


def compound_buildings(*, user: Any, text: str) -> CompoundBuildings:
    """The compound named by ``text`` and its building numbers (nothing below).

    "community / compound" names one compound; a bare compound name names
    every compound so called.
    """
    text = text.strip()
    if not _administers(user) or not text:
        return CompoundBuildings([], {})
    q = Q(name=text)
    community, slash, name = text.partition("/")
    if slash:
        q |= Q(community__name=community.strip(), name=name.strip())
    matches = _compound_refs(Compound.objects.filter(q))
    if len(matches) != 1:
        return CompoundBuildings(matches, {})
    numbers = (
        Building.objects.filter(compound_id=matches[0].id)
        .order_by("sort_key", "number")
        .values_list("number", "id")
    )
    return CompoundBuildings(matches, dict(numbers))


def buildings_by_ids(*, user: Any, ids: list[int]) -> QuerySet[Building]:
    """Buildings to assign (the service needs model instances; only ids are read)."""
    if not _administers(user):
        return Building.objects.none()
    return Building.objects.filter(id__in=ids).only("id")
