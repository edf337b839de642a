"""How the visits app's URLs are scoped, merged into
beatbook/tests_scoping/test_url_scoping.py (read its docstring).

- CHECKS: url name -> Check(...) over objects of the `world` fixture (extend
  the world in ``extend_world`` and say who sees each new object in SEES)
- UNSCOPED: url name -> why it holds no residents' data
- ROLE_PAGES: url name -> the one role allowed (everybody else 403/404)
- TESTED_IN: url name -> the test (path::name) in this app that checks its
  scoping for every role, when the generic checks above can't express it
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from beatbook.tests_scoping.test_url_scoping import Check

A = {"officer_a", "worker_a", "chief"}
B = {"officer_b", "chief"}
B2 = {"officer_b", "head", "chief"}
ROUNDS = ("round_a", "round_b")
VISITS = ("visit_a", "visit_b", "visit_b2")
FOLLOWUPS = ("followup_a", "followup_b", "followup_b2")
#: everyone who visits households may log visits and close follow-ups
VISITORS = frozenset({"officer_a", "officer_b", "head", "worker_a", "chief"})

FLATS = ("flat_a", "flat_b", "flat_b2")
# The sweeps app's world adds sweeps (rounds of kind sweep) and visits of them;
# the API lists all rounds and visits, so its exact-set checks count them too.
if "sweeps" in settings.FEATURE_APPS:
    ALL_ROUNDS = (*ROUNDS, "sweep_a", "sweep_b")
    ALL_VISITS = (*VISITS, "sweepvisit_a", "sweepvisit_b", "sweepvisit_b2")
else:
    ALL_ROUNDS, ALL_VISITS = ROUNDS, VISITS

CHECKS: dict[str, Any] = {
    # --- pages ---------------------------------------------------------------
    "visits:visit-list": Check("list", VISITS),
    "visits:visit-detail": Check("detail", VISITS),
    # only the author, within 24 hours (tested in test_views); out of scope 404
    "visits:visit-edit": Check("post", VISITS, writers=VISITORS),
    "visits:visit-correct": Check("form", VISITS, writers=VISITORS),
    "visits:quick-log": Check("post", FLATS, writers=VISITORS),
    "visits:visit-create": Check("form", FLATS, writers=VISITORS),
    "visits:household-edit": Check("form", FLATS, writers=VISITORS),
    "visits:followup-list": Check("list", FOLLOWUPS),
    "visits:followup-detail": Check("detail", FOLLOWUPS),
    "visits:followup-complete": Check("post", FOLLOWUPS, writers=VISITORS),
    "visits:round-list": Check("list", ROUNDS),
    "visits:round-detail": Check("detail", ROUNDS),
    "visits:round-coverage": Check("detail", ROUNDS),
    # --- API -----------------------------------------------------------------
    "api:round-list": Check("api-list", ALL_ROUNDS),
    "api:round-detail": Check("api-detail", ROUNDS),
    "api:round-coverage": Check("api-detail", ROUNDS),
    "api:visit-list": Check("api-list", ALL_VISITS),
    "api:visit-detail": Check("api-detail", VISITS),
    "api:visit-correct": Check("post", VISITS, writers=VISITORS),
    "api:followup-list": Check("api-list", FOLLOWUPS),
    "api:followup-detail": Check("api-detail", FOLLOWUPS),
    "api:followup-complete": Check("post", FOLLOWUPS, writers=VISITORS),
}
UNSCOPED: dict[str, str] = {
    "visits:service-worker": "the offline queue's script, no data",
    "visits:round-create": "form; the places offered are the user's own, the service checks "
    "every building of the round (tested in test_views and test_services)",
}
ROLE_PAGES: dict[str, str] = {}
TESTED_IN: dict[str, str] = {
    "visits:worklist": "beatbook/visits/tests/test_views.py::test_worklist_and_plan_scoping",
    "visits:tonight": "beatbook/visits/tests/test_views.py::test_worklist_and_plan_scoping",
}
SEES: dict[str, set[str]] = {
    "round_a": A,
    # a beat-wide round: the head of building B2 sees it (and only B2's households in it)
    "round_b": B2,
    "visit_a": A,
    "visit_b": B,
    "visit_b2": B2,
    "followup_a": A,
    "followup_b": B,
    "followup_b2": B2,
}
DETAIL_PAGE: dict[str, str] = {
    "visit": "visits:visit-detail",
    "followup": "visits:followup-detail",
    "round": "visits:round-detail",
}


def extend_world(world: Any) -> None:
    """Add this app's objects to the scoping world (called once per test)."""
    from beatbook.visits.models import RoundScope
    from beatbook.visits.tests.factories import FollowUpFactory, RoundFactory, VisitFactory

    world.round_a = RoundFactory(scope=RoundScope.COMPOUND, compound=world.compound_a)
    world.round_b = RoundFactory(scope=RoundScope.BEAT, beat=world.beat_b)
    for key, flat, round_, author in (
        ("a", world.flat_a, world.round_a, world.worker_a),
        ("b", world.flat_b, world.round_b, world.officer_b),
        ("b2", world.flat_b2, world.round_b, world.head),
    ):
        visit = VisitFactory(flat=flat, round=round_, author=author)
        visit.visitors.set([author])
        setattr(world, f"visit_{key}", visit)
        setattr(
            world,
            f"followup_{key}",
            FollowUpFactory(flat=flat, visit=visit, assignee=author, created_by=author),
        )
