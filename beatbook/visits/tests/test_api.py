"""The visits API: create with the duplicate warning, filters, coverage, 24-hour edits."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from beatbook.registry.tests import factories as f
from beatbook.visits import services
from beatbook.visits.models import Outcome, Round, Visit

pytestmark = pytest.mark.django_db
API = "/api/v1"


def login(user: Any) -> APIClient:
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_create_visit_with_duplicate_warning(world: Any, round_a: Round) -> None:
    body = {
        "flat": world.flat_a.pk,
        "round": round_a.pk,
        "outcome": "visited",
        "visited_at": "2026-01-01T19:30:00",
        "notes": "独居老人，身体尚可",
    }
    round_a.start_date = dt.date(2025, 12, 1)
    round_a.save()
    first = login(world.worker_a).post(f"{API}/visits/", body, format="json")
    assert first.status_code == 201, first.content
    assert first.json()["duplicate_of"] == []
    assert first.json()["visited_at"].startswith("2026-01-01T19:30:00+08:00")
    second = login(world.officer_a).post(f"{API}/visits/", body, format="json")
    assert second.status_code == 201
    assert second.json()["duplicate_of"] == [first.json()["id"]]
    assert Visit.objects.count() == 2


def test_create_visit_rejects_out_of_scope_and_bad_values(world: Any, round_a: Round) -> None:
    client = login(world.officer_b)
    response = client.post(
        f"{API}/visits/", {"flat": world.flat_a.pk, "outcome": "visited"}, format="json"
    )
    assert response.status_code == 400 and "flat" in response.json()
    response = client.post(
        f"{API}/visits/",
        {"flat": world.flat_b.pk, "round": round_a.pk, "outcome": "visited"},
        format="json",
    )
    assert response.status_code == 400 and "round" in response.json()
    response = login(world.officer_a).post(
        f"{API}/visits/", {"flat": world.flat_a.pk, "outcome": "maybe"}, format="json"
    )
    assert response.status_code == 400 and "outcome" in response.json()
    response = login(world.auditor).post(
        f"{API}/visits/", {"flat": world.flat_a.pk, "outcome": "visited"}, format="json"
    )
    assert response.status_code == 400  # the auditor sees no flat at all


def test_visit_filters(world: Any, round_a: Round, round_b: Round) -> None:
    a = services.visit_log(
        actor=world.officer_a, flat=world.flat_a, round_=round_a, outcome="visited"
    ).visit
    b = services.visit_log(
        actor=world.chief, flat=world.flat_b, round_=round_b, outcome="refused"
    ).visit
    outside = services.visit_log(actor=world.chief, flat=world.flat_b2, outcome="visited").visit
    client = login(world.chief)

    def ids(query: str) -> set[int]:
        response = client.get(f"{API}/visits/{query}")
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids("") == {a.pk, b.pk, outside.pk}
    assert ids(f"?round={round_a.pk}") == {a.pk}
    assert ids(f"?flat={world.flat_b.pk}") == {b.pk}
    assert ids(f"?building={world.building_b2.pk}") == {outside.pk}
    assert client.get(f"{API}/visits/?round=abc").status_code == 400
    assert {r["id"] for r in login(world.officer_a).get(f"{API}/visits/").json()["results"]} == {
        a.pk
    }


def test_visit_list_constant_queries(world: Any, round_a: Round) -> None:
    client = login(world.officer_a)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"{API}/visits/").status_code == 200
        return len(ctx.captured_queries)

    services.visit_log(actor=world.officer_a, flat=world.flat_a, round_=round_a, outcome="visited")
    small = count()
    for i in range(6):
        flat = f.FlatFactory(building=world.building_a, room=f"5{i:02d}")
        services.visit_log(
            actor=world.officer_a,
            flat=flat,
            round_=round_a,
            outcome="visited",
            visitors=[world.officer_a, world.worker_a],
        )
    assert count() == small


def test_patch_by_author_within_a_day_then_403(world: Any, round_a: Round) -> None:
    visit = services.visit_log(
        actor=world.officer_a, flat=world.flat_a, round_=round_a, outcome="nobody_home"
    ).visit
    url = f"{API}/visits/{visit.pk}/"
    assert (
        login(world.officer_a).patch(url, {"outcome": "visited"}, format="json").status_code == 200
    )
    assert login(world.worker_a).patch(url, {"notes": "x"}, format="json").status_code == 403
    Visit.objects.filter(pk=visit.pk).update(created_at=timezone.now() - dt.timedelta(hours=25))
    assert login(world.officer_a).patch(url, {"notes": "x"}, format="json").status_code == 403
    response = login(world.officer_a).post(
        f"{url}correct/", {"reason": "更正", "outcome": "refused"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["corrects"] == visit.pk
    assert login(world.officer_b).patch(url, {"notes": "x"}, format="json").status_code == 404


def test_coverage_endpoint(world: Any, round_a: Round, round_b: Round) -> None:
    services.visit_log(actor=world.officer_a, flat=world.flat_a, round_=round_a, outcome="visited")
    client = login(world.officer_a)
    url = f"{API}/rounds/{round_a.pk}/coverage/"
    assert client.get(f"{url}?building={world.building_a.pk}").json() == {
        "households": 2,
        "vacant": 1,
        "visited": 1,
        "tried": 0,
        "refused": 0,
        "not_yet": 0,
        "coverage": 1.0,
    }
    assert client.get(f"{url}?compound={world.compound_a.pk}").json()["coverage"] == 1.0
    assert client.get(f"{url}?community={world.community_a.pk}").json()["households"] == 2
    assert client.get(f"{url}?beat={world.beat_a.pk}").json()["households"] == 2
    assert client.get(f"{url}?building={world.building_b.pk}").status_code == 404
    assert client.get(f"{url}?building=x").status_code == 400
    assert (
        client.get(f"{url}?building={world.building_a.pk}&beat={world.beat_a.pk}").status_code
        == 400
    )
    assert client.get(f"{API}/rounds/{round_b.pk}/coverage/").status_code == 404
    empty = login(world.chief).get(
        f"{API}/rounds/{round_b.pk}/coverage/?building={world.building_a.pk}"
    )
    assert empty.json()["households"] == 0 and empty.json()["coverage"] is None


def test_followups_api(world: Any) -> None:
    client = login(world.officer_a)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    response = client.post(
        f"{API}/followups/",
        {
            "flat": world.flat_a.pk,
            "task": "送药",
            "due_date": yesterday.isoformat(),
            "assignee": world.worker_a.pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["overdue"] is True
    fid = response.json()["id"]
    assert [r["id"] for r in client.get(f"{API}/followups/?overdue=true").json()["results"]] == [
        fid
    ]
    assert client.get(f"{API}/followups/?overdue=false").json()["results"] == []
    assert login(world.officer_b).get(f"{API}/followups/{fid}/").status_code == 404
    done = login(world.worker_a).post(
        f"{API}/followups/{fid}/complete/", {"note": "已送"}, format="json"
    )
    assert (
        done.status_code == 200
        and done.json()["status"] == "done"
        and done.json()["overdue"] is False
    )


def test_rounds_api(world: Any, round_a: Round, round_b: Round) -> None:
    rows = login(world.head).get(f"{API}/rounds/").json()["results"]
    assert [r["id"] for r in rows] == [round_b.pk]
    assert login(world.head).get(f"{API}/rounds/{round_a.pk}/").status_code == 404
    assert login(world.sysadmin).get(f"{API}/rounds/").json()["results"] == []
    assert login(world.chief).get(f"{API}/rounds/?kind=sweep").json()["results"] == []


def test_outcome_values_match_the_issue() -> None:
    assert set(Outcome.values) == {"visited", "nobody_home", "refused", "vacant", "moved"}


def test_create_round(world: Any) -> None:
    today = timezone.localdate()
    body = {
        "name": "专项排查",
        "kind": "sweep",
        "scope": "community",
        "community": world.community_a.pk,
        "start_date": today.isoformat(),
        "end_date": (today + dt.timedelta(days=6)).isoformat(),
        "daily_target": 200,
    }
    response = login(world.officer_a).post(f"{API}/rounds/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["daily_target"] == 200 and response.json()["kind"] == "sweep"
    # another beat's community is not even there; the head may not cover a whole beat
    assert login(world.officer_b).post(f"{API}/rounds/", body, format="json").status_code == 400
    beat_wide = {**body, "scope": "beat", "beat": world.beat_b.pk}
    del beat_wide["community"]
    assert login(world.head).post(f"{API}/rounds/", beat_wide, format="json").status_code == 403
    buildings = {**body, "scope": "buildings", "buildings": [world.building_b2.pk]}
    del buildings["community"]
    assert login(world.head).post(f"{API}/rounds/", buildings, format="json").status_code == 201
