"""The visits pages: rendering, quick logging (htmx and plain), forms, scoping
of the pages the generic URL-scoping table cannot express, constant queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from beatbook.registry.tests import factories as f
from beatbook.visits import services
from beatbook.visits.models import FollowUp, Household, Outcome, Round, Visit
from beatbook.visits.tests.factories import FollowUpFactory
from beatbook.visits.views import WORKLIST_PAGE

pytestmark = pytest.mark.django_db
ROLES = ("officer_a", "officer_b", "head", "worker_a", "chief", "sysadmin", "auditor")


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_worklist_and_quick_log_by_htmx(world: Any, round_a: Round) -> None:
    client = client_for(world.officer_a)
    page = client.get(reverse("visits:worklist"))
    assert page.status_code == 200
    html = page.content.decode()
    assert reverse("visits:quick-log", args=[world.flat_a.pk]) in html
    assert world.resident_a.name in html  # the head of household
    response = client.post(
        reverse("visits:quick-log", args=[world.flat_a.pk]),
        {"outcome": "nobody_home", "round": round_a.pk, "notes": ""},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert 'id="round-coverage"' in response.content.decode()  # the figure, swapped out of band
    visit = Visit.objects.get()
    assert (visit.outcome, visit.round, visit.author) == ("nobody_home", round_a, world.officer_a)
    box = client.get(reverse("visits:round-coverage", args=[round_a.pk])).content.decode()
    assert 'data-coverage="0.0000"' in box  # flat_a tried, the other vacant: 0 of 1
    # still on the worklist, marked as tried
    assert "visit-tried" in client.get(reverse("visits:worklist")).content.decode()
    client.post(
        reverse("visits:quick-log", args=[world.flat_a.pk]),
        {"outcome": "visited", "round": round_a.pk, "notes": "一切正常"},
        HTTP_HX_REQUEST="true",
    )
    html = client.get(reverse("visits:worklist")).content.decode()
    assert (
        reverse("visits:quick-log", args=[world.flat_a.pk]) + '" hx-post' not in html
        or "一切正常" not in html
    )
    assert Visit.objects.filter(outcome="visited", notes="一切正常").exists()


def test_quick_log_without_js_redirects_and_keeps_tap_time(world: Any, round_a: Round) -> None:
    client = client_for(world.worker_a)
    tapped = timezone.now() - dt.timedelta(minutes=40)
    response = client.post(
        reverse("visits:quick-log", args=[world.flat_a.pk]),
        {
            "outcome": "visited",
            "round": round_a.pk,
            "tapped_at": tapped.isoformat(),
            "next": "/visits/?round=1",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/visits/?round=1"
    assert Visit.objects.get().visited_at == tapped.replace(microsecond=tapped.microsecond)


def test_quick_log_duplicate_warning_shown(world: Any, round_a: Round) -> None:
    first = services.visit_log(
        actor=world.worker_a, flat=world.flat_a, round_=round_a, outcome=Outcome.VISITED
    )
    response = client_for(world.officer_a).post(
        reverse("visits:quick-log", args=[world.flat_a.pk]),
        {"outcome": "visited", "round": round_a.pk},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert (
        "duplicate-warning" in html
        and reverse("visits:visit-detail", args=[first.visit.pk]) in html
    )


def test_quick_log_out_of_scope_is_404(world: Any, round_a: Round) -> None:
    url = reverse("visits:quick-log", args=[world.flat_a.pk])
    for role in ("officer_b", "head", "sysadmin", "auditor"):
        assert client_for(getattr(world, role)).post(url, {"outcome": "visited"}).status_code == 404
    assert not Visit.objects.exists()


def test_full_visit_form_with_followup(world: Any, round_a: Round) -> None:
    client = client_for(world.officer_a)
    url = reverse("visits:visit-create", args=[world.flat_a.pk])
    assert client.get(url).status_code == 200
    due = timezone.localdate() + dt.timedelta(days=7)
    response = client.post(
        url,
        {
            "round": round_a.pk,
            "outcome": "visited",
            "visited_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "with_colleagues": [world.worker_a.pk],
            "people_met": "户主",
            "notes": "反映楼道堆物",
            "tags": ["hazard"],
            "followup_task": "联系物业清理楼道",
            "followup_due": due.isoformat(),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    visit = Visit.objects.get()
    assert set(visit.visitors.all()) == {world.officer_a, world.worker_a}
    assert visit.tags == ["hazard"]
    assert FollowUp.objects.get().due_date == due


@pytest.mark.parametrize(
    ("kind", "outcome", "to_answers"),
    [
        ("sweep", "visited", True),
        ("sweep", "nobody_home", False),
        ("routine", "visited", False),
    ],
)
def test_a_sweep_visit_goes_on_to_the_sweep_questions(
    world: Any, round_a: Round, kind: str, outcome: str, to_answers: bool
) -> None:
    Round.objects.filter(pk=round_a.pk).update(kind=kind)
    response = client_for(world.officer_a).post(
        reverse("visits:visit-create", args=[world.flat_a.pk]),
        {
            "round": round_a.pk,
            "outcome": outcome,
            "visited_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    answers = reverse("sweeps:visit-answers", args=[Visit.objects.get().pk])
    assert (response["Location"] == answers) == to_answers


def test_edit_then_correct(world: Any, round_a: Round) -> None:
    visit = services.visit_log(
        actor=world.officer_a, flat=world.flat_a, round_=round_a, outcome=Outcome.VISITED
    ).visit
    assert (
        client_for(world.officer_a).get(reverse("visits:visit-edit", args=[visit.pk])).status_code
        == 200
    )
    assert (
        client_for(world.worker_a).get(reverse("visits:visit-edit", args=[visit.pk])).status_code
        == 403
    )
    assert (
        client_for(world.officer_b).get(reverse("visits:visit-edit", args=[visit.pk])).status_code
        == 404
    )
    response = client_for(world.worker_a).post(
        reverse("visits:visit-correct", args=[visit.pk]),
        {
            "outcome": "refused",
            "visited_at": timezone.localtime(visit.visited_at).strftime("%Y-%m-%dT%H:%M"),
            "reason": "户主拒绝交谈",
        },
    )
    assert response.status_code == 302
    correction = Visit.objects.get(corrects=visit)
    assert correction.outcome == "refused" and correction.author == world.worker_a
    page = client_for(world.officer_a).get(reverse("visits:visit-detail", args=[visit.pk]))
    assert reverse("visits:visit-detail", args=[correction.pk]) in page.content.decode()


def test_household_section_and_edit(world: Any) -> None:
    services.visit_log(
        actor=world.officer_a,
        flat=world.flat_a,
        outcome=Outcome.VISITED,
        notes="儿子外出务工；腿伤",
    )
    client = client_for(world.worker_a)
    page = client.get(reverse("registry:flat-detail", args=[world.flat_a.pk])).content.decode()
    assert "talking-points" in page and "腿伤" in page
    response = client.post(
        reverse("visits:household-edit", args=[world.flat_a.pk]),
        {"elderly_alone": "on", "care_every_days": "14"},
    )
    assert response.status_code == 302
    assert Household.objects.get(flat=world.flat_a).care_every_days == 14
    assert (
        client_for(world.officer_b)
        .get(reverse("visits:household-edit", args=[world.flat_a.pk]))
        .status_code
        == 404
    )


def test_building_grid_coloured_by_round(world: Any, round_a: Round) -> None:
    services.visit_log(
        actor=world.officer_a, flat=world.flat_a, round_=round_a, outcome=Outcome.VISITED
    )
    client = client_for(world.officer_a)
    html = client.get(
        reverse("registry:building-detail", args=[world.building_a.pk])
    ).content.decode()
    assert "visit-cell visit-visited" in html and "visit-cell visit-vacant" in html
    assert 'id="grid-round"' in html and 'data-coverage="1.0000"' in html
    # an unknown round id falls back to the default round
    assert (
        client.get(
            reverse("registry:building-detail", args=[world.building_a.pk]) + "?round=999999"
        ).status_code
        == 200
    )
    # no round reaches building B2 for officer B: the plain grid
    html = (
        client_for(world.officer_b)
        .get(reverse("registry:building-detail", args=[world.building_b2.pk]))
        .content.decode()
    )
    assert "visit-cell" not in html


def test_round_pages_and_create(world: Any, round_a: Round) -> None:
    client = client_for(world.officer_a)
    assert round_a.name in client.get(reverse("visits:round-list")).content.decode()
    page = client.get(reverse("visits:round-detail", args=[round_a.pk])).content.decode()
    assert str(world.building_a) in page
    assert client.get(reverse("visits:round-create")).status_code == 200
    today = timezone.localdate()
    response = client.post(
        reverse("visits:round-create"),
        {
            "name": "关爱走访",
            "kind": "care",
            "scope": "buildings",
            "buildings": [world.building_a.pk],
            "start_date": today.isoformat(),
            "end_date": (today + dt.timedelta(days=10)).isoformat(),
        },
    )
    assert response.status_code == 302
    assert list(Round.objects.get(name="关爱走访").buildings.all()) == [world.building_a]
    # a building outside the officer's area is not even a choice
    response = client.post(
        reverse("visits:round-create"),
        {
            "name": "越界",
            "kind": "routine",
            "scope": "buildings",
            "buildings": [world.building_b.pk],
            "start_date": today.isoformat(),
            "end_date": today.isoformat(),
        },
    )
    assert response.status_code == 200 and not Round.objects.filter(name="越界").exists()
    assert client_for(world.sysadmin).get(reverse("visits:round-create")).status_code == 403


def test_tonight_plan_page(world: Any, round_a: Round) -> None:
    FollowUpFactory(
        flat=world.flat_a,
        assignee=world.officer_a,
        created_by=world.officer_a,
        due_date=timezone.localdate() - dt.timedelta(days=3),
        task="送药上门",
    )
    html = (
        client_for(world.officer_a)
        .get(reverse("visits:tonight") + "?start=18:00&end=20:30")
        .content.decode()
    )
    assert "送药上门" in html and "18:00" in html and "20:30" in html


def test_followup_pages(world: Any) -> None:
    followup = FollowUpFactory(
        flat=world.flat_a, assignee=world.worker_a, created_by=world.officer_a, task="回访独居老人"
    )
    client = client_for(world.worker_a)
    assert (
        "回访独居老人" in client.get(reverse("visits:followup-list") + "?mine=1").content.decode()
    )
    response = client.post(
        reverse("visits:followup-complete", args=[followup.pk]), {"note": "已回访"}
    )
    assert response.status_code == 302
    followup.refresh_from_db()
    assert followup.status == "done"


def test_service_worker_served_from_the_visits_folder(world: Any) -> None:
    response = Client().get(reverse("visits:service-worker"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert reverse("visits:service-worker").startswith(reverse("visits:worklist"))
    assert b"visit-queue" in response.content


@pytest.mark.parametrize("role", ROLES)
def test_worklist_and_plan_scoping(world: Any, round_a: Round, role: str) -> None:
    """Every role: only households and follow-ups in its area appear."""
    due = timezone.localdate() - dt.timedelta(days=2)
    FollowUpFactory(
        flat=world.flat_a, assignee=world.officer_a, created_by=world.officer_a, due_date=due
    )
    FollowUpFactory(
        flat=world.flat_b, assignee=world.officer_b, created_by=world.officer_b, due_date=due
    )
    client = client_for(getattr(world, role))
    a_link = reverse("registry:flat-detail", args=[world.flat_a.pk])
    b_link = reverse("registry:flat-detail", args=[world.flat_b.pk])
    for name in ("visits:worklist", "visits:tonight"):
        response = client.get(reverse(name))
        assert response.status_code == 200
        html = response.content.decode()
        assert (f'href="{a_link}"' in html) == (role in ("officer_a", "worker_a", "chief"))
        assert f'href="{b_link}"' in html if role == "officer_b" else f'href="{b_link}"' not in html
    assert client.get(reverse("visits:worklist") + f"?round={round_a.pk}").status_code == (
        200 if role in ("officer_a", "worker_a", "chief") else 404
    )


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_pages_constant_queries(world: Any, round_a: Round) -> None:
    client = client_for(world.officer_a)
    urls = [
        reverse("visits:worklist"),
        reverse("visits:tonight"),
        reverse("visits:visit-list"),
        reverse("visits:followup-list"),
        reverse("visits:round-list"),
        reverse("visits:round-detail", args=[round_a.pk]),
        reverse("visits:round-coverage", args=[round_a.pk]),
        reverse("registry:building-detail", args=[world.building_a.pk]),
        reverse("registry:flat-detail", args=[world.flat_a.pk]),
    ]

    def add(i: int) -> None:
        flat = f.FlatFactory(
            building=world.building_a, entrance=world.entrance_a, room=f"7{i:02d}", floor=7
        )
        f.ResidentFactory(flat=flat, is_head=True)
        services.visit_log(
            actor=world.officer_a,
            flat=flat,
            round_=round_a,
            outcome=Outcome.NOBODY_HOME,
            visitors=[world.officer_a, world.worker_a],
            notes=f"第{i}户",
        )
        services.visit_log(
            actor=world.officer_a, flat=world.flat_a, outcome=Outcome.VISITED, notes=f"回访{i}"
        )
        FollowUpFactory(flat=flat, assignee=world.officer_a, created_by=world.officer_a)
        services.household_update(
            actor=world.officer_a, flat=flat, elderly_alone=True, care_every_days=7
        )

    add(0)  # one of everything, so that every list has rows to prefetch for
    before = {url: _queries(client, url) for url in urls}
    for i in range(1, 9):
        add(i)
    after = {url: _queries(client, url) for url in urls}
    assert after == before


def test_quick_log_error_is_shown_in_the_row(world: Any, round_a: Round) -> None:
    round_a.status = "closed"
    round_a.save()
    response = client_for(world.officer_a).post(
        reverse("visits:quick-log", args=[world.flat_a.pk]),
        {"outcome": "visited", "round": round_a.pk},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200  # htmx swaps only 2xx answers
    assert "text-danger" in response.content.decode()
    assert not Visit.objects.exists()


def test_worklist_pages_without_counting(world: Any, round_a: Round) -> None:
    for i in range(34):
        f.FlatFactory(
            building=world.building_a, entrance=world.entrance_a, room=f"8{i:02d}", floor=8
        )
    client = client_for(world.officer_a)
    marker = f'name="round" value="{round_a.pk}"'
    first = client.get(reverse("visits:worklist")).content.decode()
    second = client.get(reverse("visits:worklist") + f"?round={round_a.pk}&page=2").content.decode()
    assert first.count(marker) == WORKLIST_PAGE  # flat_a and 34 more: two pages
    assert second.count(marker) == 35 - WORKLIST_PAGE
    assert "page=2" in first and "page=3" not in second
