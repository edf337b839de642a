"""The demo sweep extras on top of the visits demo's sweep on 余岗社区."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings

from beatbook.accounts.models import User
from beatbook.registry import demo as registry_demo
from beatbook.sweeps import demo, selectors
from beatbook.sweeps.models import Answer, Observation, Question

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def _loaded(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """The registry demo, the visits demo and this app's part."""
    fast = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        FEATURE_APPS=("visits", "sweeps"),
    )
    with django_db_blocker.unblock(), fast, transaction.atomic():
        registry_demo.load(password="demo-password")
        yield
        transaction.set_rollback(True)


def test_questions_answers_and_one_person_lost(_loaded: None) -> None:
    sweep = demo.find_sweep()
    assert sweep is not None
    assert Question.objects.filter(round=sweep).count() == 4
    assert Answer.objects.filter(question__round=sweep).values("visit").distinct().count() >= 3
    chief = User.objects.get(username="chief")
    observed = selectors.with_standing(list(selectors.observation_list(user=chief, round=sweep.pk)))
    assert sorted(o.standing.state for o in observed) == ["active", "active", "lost"]
    lost = selectors.lost_to_follow_up(user=chief)
    assert len(lost) == 1 and lost[0].standing.streak == 3
    # officer-a (the other beat) sees none of it
    assert selectors.lost_to_follow_up(user=User.objects.get(username="officer-a")) == []


def test_idempotent(_loaded: None) -> None:
    before = (Question.objects.count(), Answer.objects.count(), Observation.objects.count())
    demo.load(password=None, result=None)
    assert (Question.objects.count(), Answer.objects.count(), Observation.objects.count()) == before
