"""factory_boy factories for sweeps (rows written directly, not through the
services; tests of behaviour use the services)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
from django.utils import timezone

from beatbook.sweeps import models
from beatbook.visits.models import RoundKind, RoundScope
from beatbook.visits.tests.factories import RoundFactory, VisitFactory


class SweepFactory(RoundFactory):
    name = factory.Sequence(lambda n: f"专项排查{n}")
    kind = RoundKind.SWEEP
    daily_target = 200


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Question

    text = factory.Sequence(lambda n: f"近14天是否从重点地区返回{n}")
    kind = models.QuestionKind.YES_NO
    per_person = True
    observe_days = 14
    position = factory.Sequence(lambda n: n)


class ObservationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Observation

    reason = "近14天从重点地区返回"
    start_date = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=10))
    end_date = factory.LazyAttribute(lambda o: o.start_date + dt.timedelta(days=13))
    flat = factory.LazyAttribute(lambda o: o.resident.flat)


def world_sweeps(world: Any) -> None:
    """Sweeps, questions, answered visits and observations over the `world`
    fixture (see url_scoping.py for who sees what)."""
    world.sweep_a = SweepFactory(scope=RoundScope.COMPOUND, compound=world.compound_a)
    world.sweep_b = SweepFactory(scope=RoundScope.BEAT, beat=world.beat_b)
    world.question_a = QuestionFactory(round=world.sweep_a)
    world.question_b = QuestionFactory(round=world.sweep_b)
    for key, flat, resident, sweep, question, author in (
        ("a", world.flat_a, world.resident_a, world.sweep_a, world.question_a, world.worker_a),
        ("b", world.flat_b, world.resident_b, world.sweep_b, world.question_b, world.officer_b),
        ("b2", world.flat_b2, world.resident_b2, world.sweep_b, world.question_b, world.head),
    ):
        visit = VisitFactory(flat=flat, round=sweep, author=author)
        visit.visitors.set([author])
        setattr(world, f"sweepvisit_{key}", visit)
        setattr(
            world,
            f"answer_{key}",
            models.Answer.objects.create(
                visit=visit, question=question, resident=resident, value=True, answered_by=author
            ),
        )
        setattr(
            world,
            f"observation_{key}",
            ObservationFactory(
                round=sweep, resident=resident, visit=visit, assignee=author, created_by=author
            ),
        )
