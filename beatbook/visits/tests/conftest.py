from __future__ import annotations

from typing import Any

import pytest

from beatbook.visits.models import Round, RoundScope
from beatbook.visits.tests.factories import RoundFactory


@pytest.fixture
def round_a(world: Any) -> Round:
    """An active routine round over compound A (flat_a and flat_a_vacant)."""
    return RoundFactory(
        scope=RoundScope.COMPOUND, compound=world.compound_a, created_by=world.officer_a
    )


@pytest.fixture
def round_b(world: Any) -> Round:
    """An active round over beat B (flat_b, flat_b2)."""
    return RoundFactory(scope=RoundScope.BEAT, beat=world.beat_b, created_by=world.officer_b)
