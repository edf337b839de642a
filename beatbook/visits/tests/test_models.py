from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction

from beatbook.visits.models import Household, Round, RoundScope, Visit
from beatbook.visits.tests.factories import RoundFactory, VisitFactory

pytestmark = pytest.mark.django_db


def test_round_scope_must_match_its_target(world: Any) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        RoundFactory(scope=RoundScope.COMPOUND, compound=None)
    RoundFactory(scope=RoundScope.COMPOUND, compound=world.compound_a)


def test_rounds_visible_where_their_scope_reaches(world: Any) -> None:
    by_beat = RoundFactory(scope=RoundScope.BEAT, beat=world.beat_b)
    by_compound = RoundFactory(scope=RoundScope.COMPOUND, compound=world.compound_a)
    by_building = RoundFactory(scope=RoundScope.BUILDINGS)
    by_building.buildings.set([world.building_b])
    seen = {
        role: set(Round.objects.visible_to(user).values_list("pk", flat=True))
        for role, user in world.users().items()
    }
    assert seen["officer_a"] == {by_compound.pk}
    assert seen["worker_a"] == {by_compound.pk}
    assert seen["officer_b"] == {by_beat.pk, by_building.pk}
    assert seen["head"] == {by_beat.pk}
    assert seen["chief"] == {by_beat.pk, by_compound.pk, by_building.pk}
    assert seen["sysadmin"] == seen["auditor"] == set()


def test_visits_and_households_scoped_by_flat(world: Any) -> None:
    visit = VisitFactory(flat=world.flat_b2, author=world.officer_b)
    Household.objects.create(flat=world.flat_b2, elderly_alone=True, care_every_days=14)
    assert list(Visit.objects.visible_to(world.head)) == [visit]
    assert not Visit.objects.visible_to(world.officer_a).exists()
    assert Household.objects.visible_to(world.head).on_care_list().count() == 1
