"""Helpers shared by the registry tests: ID numbers, and who sees what of ``world``."""

from __future__ import annotations

from beatbook.registry.idnumbers import check_character
from beatbook.registry.models import Beat, Building, Community, Compound, Flat, Premises, Resident

ROLES = ("officer_a", "officer_b", "head", "worker_a", "chief", "sysadmin", "auditor")


def make_id(region: str = "110105", birth: str = "19850312", seq: str = "123") -> str:
    """A checksum-valid 18-character number."""
    first17 = f"{region}{birth}{seq}"
    return first17 + check_character(first17)


def make_id_ending_in_x(region: str = "110105", birth: str = "19850312") -> str:
    for n in range(1000):
        number = make_id(region, birth, f"{n:03d}")
        if number.endswith("X"):
            return number
    raise AssertionError("no X check character found")


#: model → role → names of the ``world`` fixture's objects that role sees (and nothing else)
WORLD_VISIBLE: dict[type, dict[str, set[str]]] = {
    Beat: {
        "officer_a": {"beat_a"},
        "officer_b": {"beat_b"},
        "head": {"beat_b"},
        "worker_a": {"beat_a"},
        "chief": {"beat_a", "beat_b"},
        "sysadmin": {"beat_a", "beat_b"},
        "auditor": set(),
    },
    Community: {
        "officer_a": {"community_a"},
        "officer_b": {"community_b"},
        "head": {"community_b"},
        "worker_a": {"community_a"},
        "chief": {"community_a", "community_b"},
        "sysadmin": {"community_a", "community_b"},
        "auditor": set(),
    },
    Compound: {
        "officer_a": {"compound_a"},
        "officer_b": {"compound_b"},
        "head": {"compound_b"},
        "worker_a": {"compound_a"},
        "chief": {"compound_a", "compound_b"},
        "sysadmin": set(),
        "auditor": set(),
    },
    Building: {
        "officer_a": {"building_a"},
        "officer_b": {"building_b", "building_b2"},
        "head": {"building_b2"},
        "worker_a": {"building_a"},
        "chief": {"building_a", "building_b", "building_b2"},
        "sysadmin": set(),
        "auditor": set(),
    },
    Flat: {
        "officer_a": {"flat_a", "flat_a_vacant"},
        "officer_b": {"flat_b", "flat_b2"},
        "head": {"flat_b2"},
        "worker_a": {"flat_a", "flat_a_vacant"},
        "chief": {"flat_a", "flat_a_vacant", "flat_b", "flat_b2"},
        "sysadmin": set(),
        "auditor": set(),
    },
    Resident: {
        "officer_a": {"resident_a"},
        "officer_b": {"resident_b", "resident_b2"},
        "head": {"resident_b2"},
        "worker_a": {"resident_a"},
        "chief": {"resident_a", "resident_b", "resident_b2"},
        "sysadmin": set(),
        "auditor": set(),
    },
    Premises: {
        "officer_a": {"premises_a"},
        "officer_b": {"premises_b"},
        "head": set(),
        "worker_a": {"premises_a"},
        "chief": {"premises_a", "premises_b"},
        "sysadmin": set(),
        "auditor": set(),
    },
}
