"""factory_boy factories for visits (rows written directly, not through the
services; tests of behaviour use the services)."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from beatbook.visits import models


class RoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Round

    name = factory.Sequence(lambda n: f"测试走访{n}")
    kind = models.RoundKind.ROUTINE
    scope = models.RoundScope.COMPOUND
    start_date = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=7))
    end_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=21))
    status = models.RoundStatus.ACTIVE


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Visit

    visited_at = factory.LazyFunction(timezone.now)
    outcome = models.Outcome.VISITED


class FollowUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.FollowUp

    task = factory.Sequence(lambda n: f"回访事项{n}")
    due_date = factory.LazyFunction(timezone.localdate)
