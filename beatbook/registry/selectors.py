"""Every scoped read of the registry starts here, from ``visible_to(user)``."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    CharField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404

from beatbook.core import audit
from beatbook.core.scoping import scope_of
from beatbook.core.shortcuts import get_visible_or_404, subquery_count
from beatbook.registry import addresses
from beatbook.registry.idnumbers import mask_id_number
from beatbook.registry.models import (
    Beat,
    Building,
    Community,
    Compound,
    Flat,
    FlatStatus,
    Premises,
    Residence,
    Resident,
    TransferRequest,
)
from beatbook.search.selectors import resident_q


def _with_counts(qs: QuerySet[Any], user: Any, flat_path: str, resident_path: str) -> QuerySet[Any]:
    return qs.annotate(
        household_count=subquery_count(Flat.objects.visible_to(user), flat_path),
        resident_count=subquery_count(
            Resident.objects.visible_to(user).filter(moved_out_on__isnull=True), resident_path
        ),
    )


def beat_list(*, user: Any) -> QuerySet[Beat]:
    return Beat.objects.visible_to(user).select_related("station")


def community_list(*, user: Any, beat: int | None = None) -> QuerySet[Community]:
    qs = Community.objects.visible_to(user).select_related("beat")
    if beat:
        qs = qs.filter(beat_id=beat)
    return qs


def community_get(*, user: Any, pk: Any) -> Community:
    """A community's registry page: only for roles that see residents (the
    system administrator configures communities elsewhere)."""
    if not scope_of(user).sees_residents:
        raise Http404
    return get_visible_or_404(Community.objects.visible_to(user).select_related("beat"), pk)


def compound_list(
    *, user: Any, community: int | None = None, beat: int | None = None, with_counts: bool = False
) -> QuerySet[Compound]:
    qs = Compound.objects.visible_to(user).select_related("community")
    if community:
        qs = qs.filter(community_id=community)
    if beat:
        qs = qs.filter(community__beat_id=beat)
    if with_counts:
        qs = _with_counts(qs, user, "building__compound", "flat__building__compound").annotate(
            building_count=subquery_count(Building.objects.visible_to(user), "compound")
        )
    return qs


def compound_get(*, user: Any, pk: Any) -> Compound:
    return get_visible_or_404(
        Compound.objects.visible_to(user).select_related("community__beat"), pk
    )


def building_list(
    *,
    user: Any,
    compound: int | None = None,
    with_counts: bool = False,
    compound_name: str | None = None,
    number: str | None = None,
    community: int | None = None,
    beat: int | None = None,
) -> QuerySet[Building]:
    qs = Building.objects.visible_to(user).select_related("compound__community")
    if compound:
        qs = qs.filter(compound_id=compound)
    if community:
        qs = qs.filter(compound__community_id=community)
    if beat:
        qs = qs.filter(compound__community__beat_id=beat)
    if compound_name:
        qs = qs.filter(compound__name=compound_name)
    if number:
        qs = qs.filter(number=addresses.normalize_building_number(number))
    if with_counts:
        # A building in scope is in scope whole (scopes are per building), so
        # its counts need no scope filter of their own.
        qs = qs.annotate(
            household_count=subquery_count(Flat.objects.all(), "building"),
            vacant_count=subquery_count(Flat.objects.filter(status=FlatStatus.VACANT), "building"),
            resident_count=subquery_count(
                Resident.objects.filter(moved_out_on__isnull=True), "flat__building"
            ),
        )
    return qs


def building_get(*, user: Any, pk: Any) -> Building:
    return get_visible_or_404(
        Building.objects.visible_to(user).select_related("compound__community__beat"), pk
    )


@dataclass
class GridCell:
    flat: Flat
    head_name: str
    resident_count: int


@dataclass
class GridEntrance:
    label: str
    entrance_id: int | None
    floors: list[tuple[int | None, list[GridCell]]] = field(default_factory=list)
    width: int = 0


@dataclass
class BuildingGrid:
    building: Building
    entrances: list[GridEntrance]
    household_count: int
    vacant_count: int
    resident_count: int
    status_counts: dict[str, int]


def building_grid(*, user: Any, building: Building) -> BuildingGrid:
    """Floors × flats per entrance, top floor first, in two queries."""
    flats = list(
        Flat.objects.visible_to(user)
        .filter(building=building)
        .select_related("entrance")
        .order_by(
            # NULLs placed explicitly: SQLite and PostgreSQL disagree by default
            F("entrance__sort_key").asc(nulls_last=True),
            F("entrance__number").asc(nulls_last=True),
            F("floor").desc(nulls_last=True),
            "room",
        )
    )
    heads: dict[int, str] = {}
    counts: dict[int, int] = defaultdict(int)
    residents = Resident.objects.visible_to(user).filter(
        flat__building=building, moved_out_on__isnull=True
    )
    for flat_id, name, is_head in residents.values_list("flat_id", "name", "is_head"):
        counts[flat_id] += 1
        if is_head:
            heads[flat_id] = name
    by_entrance: dict[int | None, GridEntrance] = {}
    status_counts: dict[str, int] = defaultdict(int)
    for flat in flats:
        status_counts[flat.status] += 1
        key = flat.entrance_id
        if key not in by_entrance:
            by_entrance[key] = GridEntrance(
                label=flat.entrance.label if flat.entrance else "", entrance_id=key
            )
        ge = by_entrance[key]
        cell = GridCell(
            flat=flat, head_name=heads.get(flat.pk, ""), resident_count=counts.get(flat.pk, 0)
        )
        if ge.floors and ge.floors[-1][0] == flat.floor:
            ge.floors[-1][1].append(cell)
        else:
            ge.floors.append((flat.floor, [cell]))
    for ge in by_entrance.values():
        ge.width = max((len(cells) for _f, cells in ge.floors), default=0)
    return BuildingGrid(
        building=building,
        entrances=list(by_entrance.values()),
        household_count=len(flats),
        vacant_count=status_counts.get(FlatStatus.VACANT, 0),
        resident_count=sum(counts.values()),
        status_counts=dict(status_counts),
    )


def flat_list(
    *,
    user: Any,
    building: int | None = None,
    compound: int | None = None,
    community: int | None = None,
    beat: int | None = None,
    status: str | None = None,
    with_counts: bool = False,
) -> QuerySet[Flat]:
    """Flats in scope; ``with_counts`` adds ``resident_count`` (current residents)
    and ``head_name`` (the current head of household, '' if none)."""
    qs = Flat.objects.visible_to(user).select_related("building__compound", "entrance")
    if building:
        qs = qs.filter(building_id=building)
    if compound:
        qs = qs.filter(building__compound_id=compound)
    if community:
        qs = qs.filter(building__compound__community_id=community)
    if beat:
        qs = qs.filter(building__compound__community__beat_id=beat)
    if status:
        qs = qs.filter(status=status)
    if with_counts:
        # A flat in scope means its whole household is in scope (scopes are per building).
        current = Resident.objects.filter(moved_out_on__isnull=True)
        head = current.filter(flat=OuterRef("pk"), is_head=True).order_by().values("name")[:1]
        qs = qs.annotate(
            resident_count=subquery_count(current, "flat"),
            head_name=Coalesce(Subquery(head, output_field=CharField()), Value("")),
        )
    return qs


def flat_get(*, user: Any, pk: Any) -> Flat:
    return get_visible_or_404(
        Flat.objects.visible_to(user).select_related("building__compound__community", "entrance"),
        pk,
    )


def flat_residents(*, user: Any, flat: Flat, include_moved_out: bool = True) -> QuerySet[Resident]:
    qs = (
        Resident.objects.visible_to(user)
        .filter(flat=flat)
        # current residents first on every database (NULLs sort first on SQLite, last on PostgreSQL)
        .order_by(F("moved_out_on").asc(nulls_first=True), "-is_head", "id")
    )
    if not include_moved_out:
        qs = qs.filter(moved_out_on__isnull=True)
    return qs


def _search_q(term: str) -> Q:
    """The one-box search's matching (beatbook.search): ID number, phone, name
    (simplified or traditional), given name, pinyin, initials, ID and phone
    tails, address."""
    return resident_q(term) or Q()


def resident_list(
    *,
    user: Any,
    search: str = "",
    flat: int | None = None,
    building: int | None = None,
    compound: int | None = None,
    community: int | None = None,
    beat: int | None = None,
    include_moved_out: bool = True,
    moved_out: bool | None = None,
) -> QuerySet[Resident]:
    qs = Resident.objects.visible_to(user).select_related("flat")
    if flat:
        qs = qs.filter(flat_id=flat)
    if building:
        qs = qs.filter(flat__building_id=building)
    if compound:
        qs = qs.filter(flat__building__compound_id=compound)
    if community:
        qs = qs.filter(flat__building__compound__community_id=community)
    if beat:
        qs = qs.filter(flat__building__compound__community__beat_id=beat)
    if moved_out is not None:
        qs = qs.filter(moved_out_on__isnull=not moved_out)
    elif not include_moved_out:
        qs = qs.filter(moved_out_on__isnull=True)
    if search.strip():
        qs = qs.filter(_search_q(search))
    return qs.order_by("id")


def resident_get(*, user: Any, pk: Any) -> Resident:
    """A resident without recording a read (for edit forms that show masked data)."""
    return get_visible_or_404(
        Resident.objects.visible_to(user).select_related("flat__building__compound__community"), pk
    )


def resident_read(*, user: Any, pk: Any, purpose: str = "view") -> Resident:
    """A resident's record (a sensitive file); every read is audited, saying
    whether the full ID number was shown."""
    resident = resident_get(user=user, pk=pk)
    audit.record(
        actor=user,
        action="resident.read",
        obj=resident,
        extra={
            "purpose": purpose,
            "id_number": "full" if scope_of(user).sees_full_id_numbers else "masked",
        },
    )
    return resident


def residence_history(*, user: Any, resident: Resident) -> QuerySet[Residence]:
    """Where a visible resident has lived, oldest first (earlier flats may lie
    outside the user's scope: only their addresses are shown)."""
    return (
        Residence.objects.filter(resident=resident, resident__in=Resident.objects.visible_to(user))
        .select_related("flat")
        .order_by("id")
    )


def id_number_for(user: Any, resident: Resident, *, full: bool) -> str:
    """The ID number as this user may see it: full only where asked and allowed."""
    if full and scope_of(user).sees_full_id_numbers:
        return resident.id_number
    return mask_id_number(resident.id_number)


def premises_list(
    *,
    user: Any,
    community: int | None = None,
    compound: int | None = None,
    building: int | None = None,
    beat: int | None = None,
    search: str = "",
) -> QuerySet[Premises]:
    qs = Premises.objects.visible_to(user).select_related("community", "compound", "building")
    if community:
        qs = qs.filter(community_id=community)
    if compound:
        qs = qs.filter(compound_id=compound)
    if building:
        qs = qs.filter(building_id=building)
    if beat:
        qs = qs.filter(community__beat_id=beat)
    if search.strip():
        qs = qs.filter(
            Q(name__icontains=search.strip()) | Q(contact_name__icontains=search.strip())
        )
    return qs


def premises_get(*, user: Any, pk: Any) -> Premises:
    return get_visible_or_404(premises_list(user=user), pk)


def transfer_list(*, user: Any, status: str | None = None) -> QuerySet[TransferRequest]:
    qs = TransferRequest.objects.visible_to(user).select_related(
        "to_flat__building__compound", "requested_by", "decided_by", "resident"
    )
    if status:
        qs = qs.filter(status=status)
    return qs


def transfer_get(*, user: Any, pk: Any) -> TransferRequest:
    return get_visible_or_404(transfer_list(user=user), pk)


@dataclass
class BeatSummary:
    """My beat: communities with their compounds, each compound with its visible
    buildings (``compound.visible_buildings``) and counts summed from them."""

    groups: list[tuple[Community, list[Compound]]] = field(default_factory=list)
    communities: list[Community] = field(default_factory=list)
    compounds: list[Compound] = field(default_factory=list)
    #: the buildings the user is building head of
    my_buildings: list[Building] = field(default_factory=list)
    building_count: int = 0
    household_count: int = 0
    resident_count: int = 0


def my_beat(*, user: Any) -> BeatSummary:
    """My communities, compounds and buildings with counts, in three queries.

    Shows nothing to roles that see no residents (not even the communities a
    system administrator configures)."""
    scope = scope_of(user)
    if not scope.sees_residents:
        return BeatSummary()
    buildings = list(building_list(user=user, with_counts=True))
    by_compound: dict[int, list[Building]] = defaultdict(list)
    for building in buildings:
        by_compound[building.compound_id].append(building)
    compounds = list(compound_list(user=user).order_by("community__name", "name"))
    for c in compounds:
        mine = by_compound[c.pk]
        c.visible_buildings = mine  # type: ignore[attr-defined]
        c.building_count = len(mine)  # type: ignore[attr-defined]
        c.household_count = sum(b.household_count for b in mine)  # type: ignore[attr-defined]
        c.resident_count = sum(b.resident_count for b in mine)  # type: ignore[attr-defined]
    communities = list(community_list(user=user))
    return BeatSummary(
        groups=[(m, [c for c in compounds if c.community_id == m.pk]) for m in communities],
        communities=communities,
        compounds=compounds,
        my_buildings=[b for b in buildings if b.pk in scope.building_ids],
        building_count=len(buildings),
        household_count=sum(b.household_count for b in buildings),  # type: ignore[attr-defined]
        resident_count=sum(b.resident_count for b in buildings),  # type: ignore[attr-defined]
    )
