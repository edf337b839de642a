"""The demo visits: the reports' building 6, partly visited buildings, overdue
follow-ups, one lapsed care household and a sweep in progress."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings
from rest_framework.test import APIClient

from beatbook.accounts.models import User
from beatbook.registry import demo as registry_demo
from beatbook.registry.models import Building
from beatbook.visits import demo, selectors
from beatbook.visits.models import Round, RoundKind, Visit

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def _loaded(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """The registry demo and this app's part only (other apps' demos are theirs)."""
    fast = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"], FEATURE_APPS=("visits",)
    )
    with django_db_blocker.unblock(), fast, transaction.atomic():
        registry_demo.load(password="demo-password")
        yield
        transaction.set_rollback(True)


def _building(number: str) -> Building:
    return Building.objects.get(compound__name=demo.COMPOUND, number=number)


def test_building_6_as_in_the_reports(_loaded: None) -> None:
    round_ = Round.objects.get(name=demo.ROUND_NAME)
    officer = User.objects.get(username="officer-a")
    client = APIClient()
    client.force_authenticate(officer)
    response = client.get(f"/api/v1/rounds/{round_.pk}/coverage/", {"building": _building("6").pk})
    assert response.status_code == 200
    body = response.json()
    assert (body["households"], body["vacant"], body["visited"], body["coverage"]) == (
        48,
        3,
        45,
        1.0,
    )


def test_buildings_3_and_5_partly_visited_and_worker_visits(_loaded: None) -> None:
    round_ = Round.objects.get(name=demo.ROUND_NAME)
    chief = User.objects.get(username="chief")
    for number in ("3", "5"):
        tally = selectors.coverage(
            user=chief, round_=round_, level="building", target=_building(number).pk
        )
        assert tally.coverage is not None and 0 < tally.coverage < 1
        assert tally.counts["tried"] > 0
    assert Visit.objects.filter(round=round_, author__username="worker-a").exists()


def test_overdue_followups_and_one_lapsed_care_household(_loaded: None) -> None:
    officer = User.objects.get(username="officer-a")
    work = selectors.worklist(user=officer)
    assert sum(1 for f in work.followups if f.overdue) >= 2
    assert len(work.care) == 1
    assert work.round is not None and work.pending is not None and work.pending.exists()


def test_sweep_in_progress(_loaded: None) -> None:
    sweep = Round.objects.get(name=demo.SWEEP_NAME)
    assert sweep.kind == RoundKind.SWEEP and sweep.daily_target == 200
    tally = selectors.coverage(user=User.objects.get(username="officer-b"), round_=sweep)
    assert 0 < tally.counts["visited"] < tally.households


def test_loading_again_adds_nothing(_loaded: None) -> None:
    count = Visit.objects.count()
    demo.load(password=None, result=None)
    assert Visit.objects.count() == count
