"""Residents for the search tests, beside the ``world`` fixture's."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from beatbook.registry.models import Resident
from beatbook.registry.tests import factories as f
from beatbook.registry.tests.helpers import make_id, make_id_ending_in_x


@dataclass
class People:
    zhang_wei: Resident  # 张伟 in beat A, two phones
    zhang_wei_moved: Resident  # another 张伟 in beat A, moved out
    zhang_wei_hua: Resident  # 張偉華, written in traditional characters
    zeng: Resident  # 曾小明: 曾 read zeng as a surname
    ouyang: Resident  # 欧阳修文, ID number ending in X
    zhang_wei_b: Resident  # 张伟 in beat B


def _resident(flat: Any, name: str, id_number: str, phones: list[str], **kw: Any) -> Resident:
    return f.ResidentFactory(flat=flat, name=name, id_number=id_number, phones=phones, **kw)


@pytest.fixture
def people(world: Any) -> People:
    return People(
        zhang_wei=_resident(
            world.flat_a,
            "张伟",
            make_id("330106", "19800101", "123"),
            ["+8613812345678", "+8657188886666"],
        ),
        zhang_wei_moved=_resident(
            world.flat_a,
            "张伟",
            make_id("330106", "19700505", "357"),
            [],
            moved_out_on=dt.date(2024, 1, 1),
        ),
        zhang_wei_hua=_resident(
            world.flat_a, "張偉華", make_id("330106", "19900101", "111"), ["+8613900001111"]
        ),
        zeng=_resident(
            world.flat_a, "曾小明", make_id("330106", "19910101", "222"), ["+8613900002222"]
        ),
        ouyang=_resident(
            world.flat_a_vacant, "欧阳修文", make_id_ending_in_x("330106", "19920202"), []
        ),
        zhang_wei_b=_resident(
            world.flat_b, "张伟", make_id("420606", "19800101", "123"), ["+8613812345679"]
        ),
    )
