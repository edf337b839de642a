from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from beatbook.sensing import services


def test_find_place_finds_buildings_and_entrances_only_in_scope(world: Any) -> None:
    a, b = world.compound_a.name, world.compound_b.name
    assert services.find_place("building", f"{a}6号楼", actor=world.officer_a) == world.building_a
    entrance = services.find_place("entrance", f"{a}6号楼1单元", actor=world.officer_a)
    assert entrance == world.entrance_a
    assert services.find_place("building", f"{b}2号楼", actor=world.head) == world.building_b2
    for actor, level, address in [
        (world.officer_b, "building", f"{a}6号楼"),
        (world.officer_b, "entrance", f"{a}6号楼1单元"),
        (world.head, "building", f"{b}1号楼"),  # the head's compound, not their building
    ]:
        with pytest.raises(ValidationError):
            services.find_place(level, address, actor=actor)
    assert services.find_place("building", f"{b}1号楼") == world.building_b  # command line
