"""The sweeps API: answers posted for a visit, observations, checks and the
observation period (scoping of every endpoint is in url_scoping.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from beatbook.core.models import AuditEntry
from beatbook.registry.tests import factories as rf
from beatbook.sweeps.models import Answer, Observation
from beatbook.sweeps.tests.factories import QuestionFactory, world_sweeps
from beatbook.visits.tests.factories import VisitFactory


@pytest.fixture
def sw(world: Any) -> Any:
    world_sweeps(world)
    return world


def api(user: Any) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_post_answers_for_a_visit(sw: Any) -> None:
    people = QuestionFactory(
        round=sw.sweep_a, text="在家人数", kind="number", per_person=False, observe_days=None
    )
    flat = rf.FlatFactory(building=sw.building_a, entrance=sw.entrance_a, room="501", floor=5)
    person = rf.ResidentFactory(flat=flat, name="周八")
    visit = VisitFactory(flat=flat, round=sw.sweep_a, author=sw.worker_a)
    body = {
        "visit": visit.pk,
        "answers": [
            {"question": sw.question_a.pk, "resident": person.pk, "value": True},
            {"question": people.pk, "value": 3},
        ],
    }
    r = api(sw.worker_a).post(reverse("api:sweep-answer-list"), body, format="json")
    assert r.status_code == 201, r.json()
    data = r.json()
    assert sorted((a["question"], a["resident"], a["value"]) for a in data["answers"]) == sorted(
        [(sw.question_a.pk, person.pk, True), (people.pk, None, 3)]
    )
    obs = Observation.objects.get(resident=person)
    assert data["observations"] == [obs.pk]
    listed = api(sw.worker_a).get(reverse("api:sweep-answer-list"), {"visit": visit.pk}).json()
    assert {a["value"] for a in listed["results"]} == {True, 3}


@pytest.mark.parametrize(
    ("who", "change", "status"),
    [
        ("officer_b", {}, 400),  # the visit is out of their scope: "does not exist"
        ("worker_a", {"question": "other"}, 400),  # a question of another sweep
        ("worker_a", {"value": "maybe"}, 400),
        ("worker_a", {"resident": None}, 400),  # a per-person question without a person
    ],
)
def test_post_answers_refused(sw: Any, who: str, change: dict[str, Any], status: int) -> None:
    item: dict[str, Any] = {
        "question": sw.question_a.pk,
        "resident": sw.resident_a.pk,
        "value": True,
    }
    if change.get("question") == "other":
        item["question"] = sw.question_b.pk
    for key in ("value", "resident"):
        if key in change:
            item[key] = change[key]
    before = Answer.objects.count()
    r = api(getattr(sw, who)).post(
        reverse("api:sweep-answer-list"),
        {"visit": sw.sweepvisit_a.pk, "answers": [item]},
        format="json",
    )
    assert r.status_code == status, r.content
    assert Answer.objects.count() == before


def test_observation_api_start_check_extend_shorten(sw: Any) -> None:
    c = api(sw.officer_a)
    person = rf.ResidentFactory(flat=sw.flat_a, name="吴九")
    r = c.post(
        reverse("api:observation-list"),
        {"resident": person.pk, "days": 14, "reason": "密切接触者", "round": sw.sweep_a.pk},
        format="json",
    )
    assert r.status_code == 201, r.json()
    obs = r.json()
    today = timezone.localdate()
    assert obs["start_date"] == today.isoformat()
    assert obs["end_date"] == (today + dt.timedelta(days=13)).isoformat()
    assert (obs["state"], obs["day_number"], obs["days"], obs["checked_today"]) == (
        "active",
        1,
        14,
        False,
    )
    url = reverse("api:observation-check", args=[obs["id"]])
    r = c.post(url, {"well": True, "temperature": "36.8"}, format="json")
    assert r.status_code == 201 and r.json()["checked_today"] is True
    assert r.json()["checks"][0]["temperature"] == "36.8"

    period = reverse("api:observation-period", args=[obs["id"]])
    shorter = (today + dt.timedelta(days=6)).isoformat()
    r = c.post(period, {"end_date": shorter}, format="json")
    assert r.status_code == 400 and "reason" in r.json()
    r = c.post(period, {"end_date": shorter, "reason": "排除接触"}, format="json")
    assert r.status_code == 200 and r.json()["end_date"] == shorter
    longer = (today + dt.timedelta(days=20)).isoformat()
    assert c.post(period, {"end_date": longer}, format="json").json()["end_date"] == longer
    actions = list(
        AuditEntry.objects.filter(object_id=str(obs["id"]), action__startswith="sweeps.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "sweeps.observation.start",
        "sweeps.observation.check",
        "sweeps.observation.shorten",
        "sweeps.observation.extend",
    ]


def test_lost_filter_and_derived_fields(sw: Any) -> None:
    # the world's observations started ten days ago without a check: lost
    rows = api(sw.chief).get(reverse("api:observation-list"), {"state": "lost"}).json()["results"]
    assert {r["id"] for r in rows} == {
        sw.observation_a.pk,
        sw.observation_b.pk,
        sw.observation_b2.pk,
    }
    row = next(r for r in rows if r["id"] == sw.observation_a.pk)
    assert row["missed_in_a_row"] == 10 and len(row["missed_days"]) == 10
    mine = api(sw.head).get(reverse("api:observation-list"), {"state": "lost"}).json()["results"]
    assert [r["id"] for r in mine] == [sw.observation_b2.pk]
    assert api(sw.chief).get(reverse("api:observation-list"), {"state": "nope"}).status_code == 400
