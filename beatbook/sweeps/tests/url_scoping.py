"""How the sweeps app's URLs are scoped, merged into
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

from beatbook.tests_scoping.test_url_scoping import Check

A = {"officer_a", "worker_a", "chief"}
B = {"officer_b", "chief"}
B2 = {"officer_b", "head", "chief"}
SWEEPS = ("sweep_a", "sweep_b")
OBSERVATIONS = ("observation_a", "observation_b", "observation_b2")
SWEEP_VISITS = ("sweepvisit_a", "sweepvisit_b", "sweepvisit_b2")
ANSWERS = ("answer_a", "answer_b", "answer_b2")
QUESTIONS = ("question_a", "question_b")
VISITORS = frozenset({"officer_a", "officer_b", "head", "worker_a", "chief"})
ORGANISERS = frozenset({"officer_a", "officer_b", "chief"})
VIEWS = "beatbook/sweeps/tests/test_views.py"

CHECKS: dict[str, Any] = {
    "sweeps:index": Check("list", SWEEPS),
    "sweeps:sweep-detail": Check("detail", SWEEPS),
    "sweeps:missed": Check("detail", SWEEPS),
    "sweeps:question-create": Check("form", SWEEPS, writers=ORGANISERS),
    "sweeps:visit-answers": Check("form", SWEEP_VISITS, writers=VISITORS),
    "sweeps:observation-list": Check("list", OBSERVATIONS),
    "sweeps:observation-detail": Check("detail", OBSERVATIONS),
    "sweeps:observation-create": Check(
        "form", ("resident_a", "resident_b", "resident_b2"), writers=VISITORS
    ),
    "sweeps:observation-check": Check("post", OBSERVATIONS, writers=VISITORS),
    "sweeps:observation-period": Check("post", OBSERVATIONS, writers=VISITORS),
    "api:sweep-question-list": Check("api-list", QUESTIONS),
    "api:sweep-question-detail": Check("api-detail", QUESTIONS),
    "api:sweep-answer-list": Check("api-list", ANSWERS),
    "api:sweep-answer-detail": Check("api-detail", ANSWERS),
    "api:observation-list": Check("api-list", OBSERVATIONS),
    "api:observation-detail": Check("api-detail", OBSERVATIONS),
    "api:observation-check": Check("post", OBSERVATIONS, writers=VISITORS),
    "api:observation-period": Check("post", OBSERVATIONS, writers=VISITORS),
}
UNSCOPED: dict[str, str] = {}
ROLE_PAGES: dict[str, str] = {}
TESTED_IN: dict[str, str] = {
    "sweeps:household-visit": f"{VIEWS}::test_household_visit_scoping_for_every_role",
    "sweeps:station": f"{VIEWS}::test_station_view_scoping_for_every_role",
    "sweeps:station-export": f"{VIEWS}::test_station_export_scoping_for_every_role",
}
SEES: dict[str, set[str]] = {
    "sweep_a": A,
    # a beat-wide sweep: the head of building B2 sees it (B2's households only)
    "sweep_b": B2,
    "question_a": A,
    "question_b": B2,
    "sweepvisit_a": A,
    "sweepvisit_b": B,
    "sweepvisit_b2": B2,
    "answer_a": A,
    "answer_b": B,
    "answer_b2": B2,
    "observation_a": A,
    "observation_b": B,
    "observation_b2": B2,
}
DETAIL_PAGE: dict[str, str] = {
    "sweep": "sweeps:sweep-detail",
    "observation": "sweeps:observation-detail",
}


def extend_world(world: Any) -> None:
    """Add this app's objects to the scoping world (called once per test):
    a sweep on compound A and one on beat B, a visit with an answer and a
    person under observation in flats A, B and B2 (all lost to follow-up:
    they started ten days ago and nobody checked them)."""
    from beatbook.sweeps.tests.factories import world_sweeps

    world_sweeps(world)
