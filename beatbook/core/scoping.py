"""Jurisdiction: what a user covers, computed once per user object.

This is the only module that turns roles and assignments into sets of ids;
every model's ``visible_to(user)`` builds its filter from ``scope_of(user)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, Q
from django.db.models.lookups import In


@dataclass(frozen=True)
class Scope:
    role: str = ""
    beat_ids: frozenset[int] = field(default_factory=frozenset)
    #: communities seen in full (all their compounds, buildings, flats, people)
    community_ids: frozenset[int] = field(default_factory=frozenset)
    #: single buildings seen in full (building heads)
    building_ids: frozenset[int] = field(default_factory=frozenset)
    sees_residents: bool = False
    sees_full_id_numbers: bool = False
    #: may create and edit compounds, buildings, flats, residents, premises
    edits_registry: bool = False
    #: may create compounds and buildings (beat officers only)
    edits_structure: bool = False
    #: configuration of stations, beats, communities and users
    administers: bool = False
    reads_audit: bool = False
    approves_transfers: bool = False

    @property
    def empty(self) -> bool:
        return not (self.community_ids or self.building_ids)

    def covers_building(self, building_id: int, community_id: int) -> bool:
        """``building_q``'s rule for one building already in hand."""
        return self.sees_residents and (
            community_id in self.community_ids or building_id in self.building_ids
        )

    def builds_in(self, community_id: int) -> bool:
        """May create compounds and buildings, and renumber buildings, in this community."""
        return self.edits_structure and community_id in self.community_ids

    def decides_transfers_into(self, community_id: int) -> bool:
        return self.approves_transfers and community_id in self.community_ids

    def building_q(self, path: str, *, column: Callable[[F], Any] | None = None) -> Q:
        """Q selecting rows whose building (reached through ``path``) is in scope.

        ``path`` is the lookup from the model to its Building, '' for Building
        itself, e.g. 'flat__building' for a resident. ``column``, when given,
        wraps each column the rule compares (the search wraps them in an
        expression no index serves, so that a planner walks its own index).
        """
        prefix = f"{path}__" if path else ""

        def among(lookup: str, ids: frozenset[int]) -> Q:
            if column is None:
                return Q(**{f"{lookup}__in": sorted(ids)})
            return Q(In(column(F(lookup)), sorted(ids)))

        q = Q(pk__in=[])
        if not self.sees_residents:
            return q
        if self.community_ids:
            q |= among(f"{prefix}compound__community_id", self.community_ids)
        if self.building_ids:
            q |= among(f"{prefix}id", self.building_ids)
        return q


NO_SCOPE = Scope()


def scope_of(user: Any) -> Scope:
    """The user's scope, cached on the user object for the request."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NO_SCOPE
    cached = getattr(user, "_beatbook_scope", None)
    if cached is not None:
        return cached
    scope = _compute(user)
    user._beatbook_scope = scope
    return scope


def forget_scope(user: Any) -> None:
    """Drop the cached scope after the user's assignments change."""
    if hasattr(user, "_beatbook_scope"):
        del user._beatbook_scope


def _compute(user: Any) -> Scope:
    from beatbook.accounts.models import Role
    from beatbook.registry.models import Beat, Community

    role = user.role
    if role == Role.SYSADMIN:
        return Scope(role=role, administers=True)
    if role == Role.AUDITOR:
        return Scope(role=role, reads_audit=True)
    if role == Role.CHIEF:
        if user.station_id is None:
            return Scope(role=role)
        beat_ids = frozenset(
            Beat.objects.filter(station_id=user.station_id).values_list("id", flat=True)
        )
        community_ids = frozenset(
            Community.objects.filter(beat_id__in=beat_ids).values_list("id", flat=True)
        )
        return Scope(
            role=role,
            beat_ids=beat_ids,
            community_ids=community_ids,
            sees_residents=True,
            sees_full_id_numbers=True,
            approves_transfers=True,
        )
    if role == Role.WORKER:
        rows = list(user.communities.values_list("id", "beat_id"))
        return Scope(
            role=role,
            beat_ids=frozenset(beat_id for _, beat_id in rows),
            community_ids=frozenset(community_id for community_id, _ in rows),
            sees_residents=True,
        )
    if role in (Role.OFFICER, Role.BUILDING_HEAD):
        beat_ids = (
            frozenset(user.beats.values_list("id", flat=True))
            if role == Role.OFFICER
            else frozenset()
        )
        community_ids = frozenset(
            Community.objects.filter(beat_id__in=beat_ids).values_list("id", flat=True)
        )
        building_ids = frozenset(user.head_of_buildings.values_list("id", flat=True))
        return Scope(
            role=role,
            beat_ids=beat_ids,
            community_ids=community_ids,
            building_ids=building_ids,
            sees_residents=True,
            sees_full_id_numbers=True,
            edits_registry=True,
            edits_structure=bool(beat_ids),
        )
    return Scope(role=role)
