"""Roles and assignments turned into scopes."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from beatbook.accounts.models import Role
from beatbook.accounts.tests.factories import UserFactory
from beatbook.core.scoping import NO_SCOPE, Scope, forget_scope, scope_of
from beatbook.registry.models import Building, Resident, Station
from beatbook.registry.tests import factories as f

FLAGS = (
    "sees_residents",
    "sees_full_id_numbers",
    "edits_registry",
    "edits_structure",
    "administers",
    "reads_audit",
    "approves_transfers",
)

# role -> the flags that are True (all others False)
EXPECTED_FLAGS: dict[str, set[str]] = {
    "officer_a": {"sees_residents", "sees_full_id_numbers", "edits_registry", "edits_structure"},
    "officer_b": {"sees_residents", "sees_full_id_numbers", "edits_registry", "edits_structure"},
    "head": {"sees_residents", "sees_full_id_numbers", "edits_registry"},
    "worker_a": {"sees_residents"},
    "chief": {"sees_residents", "sees_full_id_numbers", "approves_transfers"},
    "sysadmin": {"administers"},
    "auditor": {"reads_audit"},
}


@pytest.mark.parametrize("who", sorted(EXPECTED_FLAGS))
def test_flags_per_role(world: Any, who: str) -> None:
    scope = scope_of(world.users()[who])
    assert {flag for flag in FLAGS if getattr(scope, flag)} == EXPECTED_FLAGS[who]
    assert scope.role == world.users()[who].role


def _assigned_station_ids(user: Any) -> set[int]:
    """The stations a user sees through their assignments (the system
    administrator sees every station by role, not by assignment)."""
    if scope_of(user).administers:
        return set()
    return set(Station.objects.visible_to(user).values_list("pk", flat=True))


def test_ids_per_role(world: Any) -> None:
    w = world
    expected = {
        # who: (station_ids, beat_ids, community_ids, building_ids)
        "officer_a": ({w.station.pk}, {w.beat_a.pk}, {w.community_a.pk}, set()),
        "officer_b": ({w.station.pk}, {w.beat_b.pk}, {w.community_b.pk}, set()),
        "head": ({w.station.pk}, set(), set(), {w.building_b2.pk}),
        "worker_a": ({w.station.pk}, {w.beat_a.pk}, {w.community_a.pk}, set()),
        "chief": (
            {w.station.pk},
            {w.beat_a.pk, w.beat_b.pk},
            {w.community_a.pk, w.community_b.pk},
            set(),
        ),
        "sysadmin": (set(), set(), set(), set()),
        "auditor": (set(), set(), set(), set()),
    }
    for who, (stations, beats, communities, buildings) in expected.items():
        scope = scope_of(w.users()[who])
        got = (
            _assigned_station_ids(w.users()[who]),
            set(scope.beat_ids),
            set(scope.community_ids),
            set(scope.building_ids),
        )
        assert got == (stations, beats, communities, buildings), who


def test_empty(world: Any) -> None:
    assert scope_of(world.sysadmin).empty
    assert scope_of(world.auditor).empty
    assert not scope_of(world.head).empty
    assert not scope_of(world.officer_a).empty


def test_anonymous_inactive_and_none_have_no_scope(world: Any) -> None:
    assert scope_of(None) is NO_SCOPE
    assert scope_of(AnonymousUser()) is NO_SCOPE
    world.officer_a.is_active = False
    forget_scope(world.officer_a)
    assert scope_of(world.officer_a) is NO_SCOPE
    assert not Resident.objects.visible_to(world.officer_a).exists()


def test_chief_without_station_sees_nothing(world: Any) -> None:
    chief = UserFactory(username="t-chief-nostation", role=Role.CHIEF, station=None)
    scope = scope_of(chief)
    assert scope.community_ids == frozenset()
    assert not scope.sees_residents
    assert not Resident.objects.visible_to(chief).exists()


def test_officer_without_beat_sees_nothing(world: Any) -> None:
    officer = UserFactory(username="t-officer-nobeat", role=Role.OFFICER, station=world.station)
    scope = scope_of(officer)
    assert scope.empty
    assert not scope.edits_structure
    assert not Resident.objects.visible_to(officer).exists()


def test_head_outside_own_beat_and_officer_in_another(world: Any) -> None:
    """An officer of beat A who is also head of a building in beat B sees both."""
    both = UserFactory(
        username="t-officer-head",
        role=Role.OFFICER,
        station=world.station,
        beats=[world.beat_a],
        head_of_buildings=[world.building_b],
    )
    scope = scope_of(both)
    assert scope.community_ids == {world.community_a.pk}
    assert scope.building_ids == {world.building_b.pk}
    assert set(Resident.objects.visible_to(both)) == {world.resident_a, world.resident_b}


def test_head_of_building_in_another_station(world: Any) -> None:
    other_station = f.StationFactory(name="另一派出所")
    building = f.BuildingFactory(
        compound=f.CompoundFactory(
            community=f.CommunityFactory(beat=f.BeatFactory(station=other_station))
        )
    )
    head = UserFactory(
        username="t-head-2",
        role=Role.BUILDING_HEAD,
        station=world.station,
        head_of_buildings=[world.building_b2, building],
    )
    stations = set(Station.objects.visible_to(head).values_list("pk", flat=True))
    assert stations == {world.station.pk, other_station.pk}


def test_scope_is_cached_until_forgotten(world: Any, django_assert_num_queries: Any) -> None:
    officer = world.officer_a
    first = scope_of(officer)
    with django_assert_num_queries(0):
        assert scope_of(officer) is first
    officer.beats.add(world.beat_b)
    assert scope_of(officer) is first  # still cached
    forget_scope(officer)
    assert scope_of(officer).community_ids == {world.community_a.pk, world.community_b.pk}
    forget_scope(officer)
    forget_scope(officer)  # forgetting twice is harmless


def test_building_q(world: Any) -> None:
    officer_q = scope_of(world.officer_a).building_q("")
    assert set(Building.objects.filter(officer_q)) == {world.building_a}
    head_q = scope_of(world.head).building_q("flat__building")
    assert set(Resident.objects.filter(head_q)) == {world.resident_b2}
    # a scope that does not see residents selects nothing, whatever its ids
    blind = Scope(community_ids=frozenset({world.community_a.pk}), sees_residents=False)
    assert not Building.objects.filter(blind.building_q("")).exists()


@pytest.mark.parametrize(
    ("who", "queries"),
    [("worker_a", 1), ("head", 1), ("officer_a", 3), ("chief", 2), ("sysadmin", 0), ("auditor", 0)],
)
def test_scope_costs_few_queries(
    world: Any, django_assert_num_queries: Any, who: str, queries: int
) -> None:
    user = world.users()[who]
    forget_scope(user)
    with django_assert_num_queries(queries):
        scope_of(user)
