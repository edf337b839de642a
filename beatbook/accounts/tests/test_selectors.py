"""Configuration reads: the tree with its counts, compounds named by the administrator."""

from __future__ import annotations

import pytest

from beatbook.accounts import selectors
from beatbook.accounts.models import Role
from beatbook.accounts.tests.factories import UserFactory
from beatbook.registry.tests import factories as f

pytestmark = pytest.mark.django_db


def test_structure_tree_counts_users_without_multiplying_them(world, django_assert_num_queries):
    other = f.StationFactory(name="另一派出所")
    f.BeatFactory(station=other, name="C警务区")
    UserFactory(username="t-other", role=Role.OFFICER, station=other)
    with django_assert_num_queries(3):
        tree = selectors.structure_tree(user=world.sysadmin)
    nodes = {node.station.name: node for node in tree}
    # officer A, officer B, the head, the worker and the chief (two beats, two communities)
    assert {name: n.station.user_count for name, n in nodes.items()} == {
        world.station.name: 5,
        other.name: 1,
    }
    ours = nodes[world.station.name]
    assert [bn.beat.name for bn in ours.beats] == [world.beat_a.name, world.beat_b.name]
    assert [c.name for c in ours.beats[0].communities] == [world.community_a.name]


def test_structure_tree_is_empty_for_other_roles(world):
    assert selectors.structure_tree(user=world.auditor) == []
    assert selectors.compound_refs(user=world.officer_a) == []
    assert (
        selectors.compound_buildings(user=world.officer_a, text=world.compound_a.name).matches == []
    )


def test_compound_buildings_resolves_one_compound(world):
    twin = f.CompoundFactory(community=world.community_a, name=world.compound_b.name)
    f.BuildingFactory(compound=twin, number="7")
    bare = selectors.compound_buildings(user=world.sysadmin, text=world.compound_b.name)
    assert bare.compound is None
    assert {m.community for m in bare.matches} == {world.community_a.name, world.community_b.name}
    assert bare.numbers == {}

    found = selectors.compound_buildings(
        user=world.sysadmin, text=f" {world.community_b.name} / {world.compound_b.name} "
    )
    assert found.compound is not None and found.compound.id == world.compound_b.pk
    assert found.numbers == {"1": world.building_b.pk, "2": world.building_b2.pk}
    assert found.resolve(["2号楼", "1", "99"]) == (
        [world.building_b2.pk, world.building_b.pk],
        ["99"],
    )

    unique = selectors.compound_buildings(user=world.sysadmin, text=world.compound_a.name)
    assert unique.compound is not None and str(unique.compound) == (
        f"{world.community_a.name} / {world.compound_a.name}"
    )
    assert selectors.compound_buildings(user=world.sysadmin, text="没有这个小区").matches == []


def test_compound_refs_limited_to_a_station(world):
    other = f.StationFactory(name="另一派出所")
    f.CompoundFactory(community=f.CommunityFactory(beat=f.BeatFactory(station=other)))
    refs = selectors.compound_refs(user=world.sysadmin, station=world.station.pk)
    assert {r.id for r in refs} == {world.compound_a.pk, world.compound_b.pk}
    assert len(selectors.compound_refs(user=world.sysadmin)) == 3
