"""The sweeps pages: scoping for every role where the generic table can't say
it, the sweep visit with its answers, the one-tap check, the period form,
the station view and its xlsx export, and constant query counts."""

from __future__ import annotations

import datetime as dt
import io
import itertools
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from beatbook.registry.tests import factories as rf
from beatbook.sweeps.models import Answer, DailyCheck, Observation
from beatbook.sweeps.tests.factories import ObservationFactory, QuestionFactory, world_sweeps
from beatbook.visits.models import FollowUp, Outcome, Visit
from beatbook.visits.tests.factories import FollowUpFactory, VisitFactory

ROLES = ("officer_a", "officer_b", "head", "worker_a", "chief", "sysadmin", "auditor")


@pytest.fixture
def sw(world: Any) -> Any:
    world_sweeps(world)
    return world


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


# --- scoping of the pages the generic table can't express ------------------------------

HOUSEHOLD_SEES = {
    # (sweep, flat) -> roles that may log a sweep visit there
    ("sweep_a", "flat_a"): {"officer_a", "worker_a", "chief"},
    ("sweep_b", "flat_b"): {"officer_b", "chief"},
    ("sweep_b", "flat_b2"): {"officer_b", "head", "chief"},
}


def test_household_visit_scoping_for_every_role(sw: Any) -> None:
    for role in ROLES:
        c = client_for(getattr(sw, role))
        for (sweep, flat), allowed in HOUSEHOLD_SEES.items():
            url = reverse(
                "sweeps:household-visit", args=[getattr(sw, sweep).pk, getattr(sw, flat).pk]
            )
            assert c.get(url).status_code == (200 if role in allowed else 404), (role, url)
            if role not in allowed:
                assert c.post(url, {"outcome": "visited"}).status_code == 404
        # a flat outside the sweep's scope but in the user's area: refused, nothing logged
        if role == "officer_b":
            url = reverse("sweeps:household-visit", args=[sw.sweep_a.pk, sw.flat_b.pk])
            assert c.get(url).status_code == 404
    assert Visit.objects.filter(round__in=[sw.sweep_a, sw.sweep_b]).count() == 3


STATION_SEES = {
    "officer_a": {"sweep_a"},
    "worker_a": {"sweep_a"},
    "officer_b": {"sweep_b"},
    "head": {"sweep_b"},
    "chief": {"sweep_a", "sweep_b"},
}


def test_station_view_scoping_for_every_role(sw: Any) -> None:
    for role in ROLES:
        c = client_for(getattr(sw, role))
        if role not in STATION_SEES:
            assert c.get(reverse("sweeps:station")).status_code == 404, role
            continue
        for key in ("sweep_a", "sweep_b"):
            r = c.get(reverse("sweeps:station"), {"round": getattr(sw, key).pk})
            assert r.status_code == (200 if key in STATION_SEES[role] else 404), (role, key)
    # the head of building B2 sees only B2's part of the beat-wide sweep
    view = (
        client_for(sw.head).get(reverse("sweeps:station"), {"round": sw.sweep_b.pk}).context["view"]
    )
    assert view.tally.households == 1
    assert [o.pk for o in view.lost] == [sw.observation_b2.pk]
    chief = client_for(sw.chief).get(reverse("sweeps:station"), {"round": sw.sweep_b.pk})
    assert chief.context["view"].tally.households == 2
    assert {o.pk for o in chief.context["view"].lost} == {
        sw.observation_b.pk,
        sw.observation_b2.pk,
    }


def _sheets(content: bytes) -> dict[str, list[list[Any]]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def test_station_export_scoping_for_every_role(sw: Any) -> None:
    for role in ROLES:
        c = client_for(getattr(sw, role))
        for key in ("sweep_a", "sweep_b"):
            r = c.get(reverse("sweeps:station-export"), {"round": getattr(sw, key).pk})
            expected = 200 if key in STATION_SEES.get(role, set()) else 404
            assert r.status_code == expected, (role, key)
    r = client_for(sw.head).get(reverse("sweeps:station-export"), {"round": sw.sweep_b.pk})
    sheets = _sheets(r.content)
    addresses = [row[5] for row in sheets["未走到的住户"][1:]]
    assert addresses == []  # B2's one household was visited
    lost = sheets["失联人员"][1:]
    assert [row[0] for row in lost] == [sw.resident_b2.name]


# --- the station view's contents and its export -------------------------------------------------


def test_station_view_and_export_contents(sw: Any) -> None:
    a2 = rf.FlatFactory(building=sw.building_a, entrance=sw.entrance_a, room="201", floor=2)
    a3 = rf.FlatFactory(building=sw.building_a, entrance=sw.entrance_a, room="202", floor=2)
    rf.ResidentFactory(flat=a2, name="赵六", is_head=True)
    tried = VisitFactory(
        flat=a2, round=sw.sweep_a, author=sw.officer_a, outcome=Outcome.NOBODY_HOME
    )
    tried.visitors.set([sw.officer_a, sw.worker_a])
    FollowUpFactory(
        flat=sw.flat_a,
        assignee=sw.officer_a,
        created_by=sw.officer_a,
        visit=sw.sweepvisit_a,
        due_date=timezone.localdate() - dt.timedelta(days=3),
    )
    FollowUpFactory(
        flat=sw.flat_b,
        assignee=sw.officer_b,
        created_by=sw.officer_b,
        due_date=timezone.localdate() - dt.timedelta(days=1),
    )
    FollowUpFactory(  # due today: not overdue
        flat=sw.flat_b, assignee=sw.officer_b, created_by=sw.officer_b
    )
    c = client_for(sw.chief)
    view = c.get(reverse("sweeps:station"), {"round": sw.sweep_a.pk}).context["view"]
    assert view.tally.as_dict() | {"coverage": None} == {
        "households": 4,
        "vacant": 1,
        "visited": 1,
        "tried": 1,
        "refused": 0,
        "not_yet": 1,
        "coverage": None,
    }
    assert [(r.beat, r.tally.counts["visited"]) for r in view.beats] == [(sw.beat_a, 1)]
    assert view.beats[0].officers == [sw.officer_a.display_name or sw.officer_a.username]
    by_user = {r.user: (r.visits, r.visited, r.tried) for r in view.visitors}
    assert by_user == {sw.worker_a: (2, 1, 1), sw.officer_a: (1, 0, 1)}
    assert {(r.user, r.overdue, r.in_round) for r in view.overdue} == {
        (sw.officer_a, 1, 1),
        (sw.officer_b, 1, 0),
    }
    assert [(r.building, r.counts) for r in view.buildings] == [
        (sw.building_a, {"not_yet": 1, "tried": 1, "refused": 0})
    ]

    r = c.get(reverse("sweeps:station-export"), {"round": sw.sweep_a.pk})
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    sheets = _sheets(r.content)
    assert set(sheets) == {
        "按警务区",
        "按走访人",
        "逾期回访",
        "未走到的住户",
        "每日进度",
        "失联人员",
    }
    beat_rows = sheets["按警务区"]
    assert beat_rows[1][0] == sw.beat_a.name and beat_rows[1][2:8] == [4, 1, 1, 1, 0, 1]
    assert beat_rows[-1][0] == "合计" and beat_rows[-1][8] == pytest.approx(1 / 3, abs=1e-4)
    not_reached = {row[5]: row[6] for row in sheets["未走到的住户"][1:]}
    assert not_reached == {a2.address: "无人在家", a3.address: "未走访"}
    visitors = {row[0]: row[1:] for row in sheets["按走访人"][1:]}
    assert visitors[str(sw.worker_a)] == [2, 1, 1, 0]
    assert [row[0] for row in sheets["失联人员"][1:]] == [sw.resident_a.name]


# --- the no-one-missed list ------------------------------------------------------------------------


def test_missed_list_groups_and_filters(sw: Any) -> None:
    upstairs = rf.FlatFactory(building=sw.building_a, entrance=sw.entrance_a, room="301", floor=3)
    refused = rf.FlatFactory(building=sw.building_a, entrance=sw.entrance_a, room="302", floor=3)
    v = VisitFactory(flat=refused, round=sw.sweep_a, author=sw.officer_a, outcome=Outcome.REFUSED)
    v.visitors.set([sw.officer_a])
    c = client_for(sw.officer_a)
    r = c.get(reverse("sweeps:missed", args=[sw.sweep_a.pk]))
    assert r.status_code == 200
    groups = r.context["groups"]
    assert [(g.floor, [f.pk for f in g.flats]) for g in groups] == [(3, [upstairs.pk, refused.pk])]
    assert [f.reach_state for f in groups[0].flats] == ["not_yet", "refused"]
    only = c.get(reverse("sweeps:missed", args=[sw.sweep_a.pk]), {"state": "refused"})
    assert [f.pk for g in only.context["groups"] for f in g.flats] == [refused.pk]


ROOMS = itertools.count(900)


def _grow(sw: Any, n: int) -> None:
    for i in range(n):
        flat = rf.FlatFactory(
            building=sw.building_a, entrance=sw.entrance_a, room=str(next(ROOMS)), floor=9
        )
        head = rf.ResidentFactory(flat=flat, is_head=True)
        outcome = "nobody_home" if i % 2 else "visited"
        v = VisitFactory(flat=flat, round=sw.sweep_a, author=sw.officer_a, outcome=outcome)
        v.visitors.set([sw.officer_a, sw.worker_a][: 1 + i % 2])
        if outcome == "visited":
            Answer.objects.create(
                visit=v,
                question=sw.question_a,
                resident=head,
                value=False,
                answered_by=sw.officer_a,
            )
        obs = ObservationFactory(
            round=sw.sweep_a,
            resident=rf.ResidentFactory(flat=flat),
            assignee=sw.officer_a,
            created_by=sw.officer_a,
        )
        DailyCheck.objects.create(observation=obs, checked_at=timezone.now(), by=sw.officer_a)


def _count(c: Client, url: str, params: dict[str, Any] | None = None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert c.get(url, params or {}).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("name", "args", "params"),
    [
        ("sweeps:missed", "sweep", None),
        ("sweeps:observation-list", None, None),
        ("sweeps:observation-list", None, {"state": "lost"}),
        ("sweeps:station", None, "round"),
        ("sweeps:sweep-detail", "sweep", None),
        ("sweeps:index", None, None),
        ("api:observation-list", None, None),
        ("api:sweep-answer-list", None, None),
    ],
)
def test_lists_take_a_constant_number_of_queries(
    sw: Any, name: str, args: str | None, params: Any
) -> None:
    c = client_for(sw.chief)
    url = reverse(name, args=[sw.sweep_a.pk] if args else [])
    query = {"round": sw.sweep_a.pk} if params == "round" else params
    _grow(sw, 2)
    small = _count(c, url, query)
    _grow(sw, 12)
    assert _count(c, url, query) == small


# --- a sweep visit with answers, and answering afterwards ------------------------------------------


def test_household_visit_logs_the_visit_and_answers(sw: Any) -> None:
    people = QuestionFactory(
        round=sw.sweep_a, text="在家人数", kind="number", per_person=False, observe_days=None
    )
    flat = rf.FlatFactory(building=sw.building_a, entrance=sw.entrance_a, room="401", floor=4)
    person = rf.ResidentFactory(flat=flat, name="孙七")
    c = client_for(sw.worker_a)
    url = reverse("sweeps:household-visit", args=[sw.sweep_a.pk, flat.pk])
    page = c.get(url)
    assert (
        page.status_code == 200
        and f"q{sw.question_a.pk}_r{person.pk}" in page.context["form"].fields
    )
    r = c.post(
        url,
        {
            "outcome": "visited",
            f"q{sw.question_a.pk}_r{person.pk}": "yes",
            f"q{people.pk}": "2",
            "notes": "",
        },
    )
    assert r.status_code == 302 and r["Location"] == reverse("sweeps:missed", args=[sw.sweep_a.pk])
    visit = Visit.objects.get(flat=flat)
    assert visit.round == sw.sweep_a and visit.author == sw.worker_a
    assert {
        (a.question_id, a.resident_id): a.value for a in Answer.objects.filter(visit=visit)
    } == {
        (sw.question_a.pk, person.pk): True,
        (people.pk, None): 2,
    }
    obs = Observation.objects.get(resident=person)
    assert obs.assignee == sw.worker_a and (obs.end_date - obs.start_date).days == 13

    # a bad answer keeps the form and logs nothing
    other = rf.FlatFactory(building=sw.building_a, entrance=sw.entrance_a, room="402", floor=4)
    r = c.post(
        reverse("sweeps:household-visit", args=[sw.sweep_a.pk, other.pk]),
        {"outcome": "visited", f"q{people.pk}": "-3"},
    )
    assert r.status_code == 200 and not Visit.objects.filter(flat=other).exists()

    # nobody home: the visit without answers
    r = c.post(
        reverse("sweeps:household-visit", args=[sw.sweep_a.pk, other.pk]),
        {"outcome": "nobody_home", f"q{people.pk}": "2"},
    )
    assert r.status_code == 302
    assert Visit.objects.get(flat=other).outcome == "nobody_home"
    assert not Answer.objects.filter(visit__flat=other).exists()


def test_visit_answers_page_edits_answers(sw: Any) -> None:
    c = client_for(sw.worker_a)
    url = reverse("sweeps:visit-answers", args=[sw.sweepvisit_a.pk])
    page = c.get(url)
    field = f"q{sw.question_a.pk}_r{sw.resident_a.pk}"
    assert page.context["form"][field].value() == "yes"
    assert c.post(url, {field: "no"}).status_code == 302
    assert Answer.objects.get(pk=sw.answer_a.pk).value is False
    routine_visit = sw.visit_a if hasattr(sw, "visit_a") else None
    if routine_visit is not None:
        assert c.get(reverse("sweeps:visit-answers", args=[routine_visit.pk])).status_code == 404


# --- observation pages ---------------------------------------------------------------------------------


def test_one_tap_check_from_the_list(sw: Any) -> None:
    c = client_for(sw.worker_a)
    lost = c.get(reverse("sweeps:observation-list"), {"state": "lost"})
    assert [o.pk for o in lost.context["rows"]] == [sw.observation_a.pk]
    url = reverse("sweeps:observation-check", args=[sw.observation_a.pk])
    r = c.post(url, {"well": "1"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and b"obs-" in r.content
    check = DailyCheck.objects.get(observation=sw.observation_a)
    assert check.well and check.by == sw.worker_a
    lost = c.get(reverse("sweeps:observation-list"), {"state": "lost"})
    assert list(lost.context["rows"]) == []
    # without htmx: back to the page
    r = c.post(url, {"well": "0", "temperature": "38.2", "next": "/sweeps/observations/"})
    assert r.status_code == 302 and r["Location"] == "/sweeps/observations/"
    assert DailyCheck.objects.filter(observation=sw.observation_a, well=False).count() == 1


def test_period_form_extends_and_refuses_shortening_without_reason(sw: Any) -> None:
    c = client_for(sw.officer_b)
    obs = sw.observation_b
    url = reverse("sweeps:observation-period", args=[obs.pk])
    shorter = obs.end_date - dt.timedelta(days=2)
    r = c.post(url, {"end_date": shorter.isoformat(), "reason": ""})
    assert r.status_code == 200 and r.context["period_form"].errors
    obs.refresh_from_db()
    assert obs.end_date != shorter
    longer = obs.end_date + dt.timedelta(days=7)
    assert c.post(url, {"end_date": longer.isoformat()}).status_code == 302
    obs.refresh_from_db()
    assert obs.end_date == longer
    detail = c.get(reverse("sweeps:observation-detail", args=[obs.pk]))
    assert detail.status_code == 200 and len(detail.context["strip"]) == 21


def test_questions_page_for_organisers(sw: Any) -> None:
    url = reverse("sweeps:question-create", args=[sw.sweep_a.pk])
    assert client_for(sw.worker_a).get(url).status_code == 403
    c = client_for(sw.officer_a)
    r = c.post(
        url,
        {
            "text": "返回地区",
            "kind": "choice",
            "choices": "武汉\n其他",
            "per_person": "on",
            "observe_days": "14",
            "flag_choices": "武汉",
        },
    )
    assert r.status_code == 302
    q = sw.sweep_a.sweep_questions.get(text="返回地区")
    assert q.choices == ["武汉", "其他"] and q.flag_choices == ["武汉"] and q.observe_days == 14


def test_followups_untouched(sw: Any) -> None:
    # the station view reads follow-ups, never writes them
    client_for(sw.chief).get(reverse("sweeps:station"))
    assert not FollowUp.objects.exists()


def test_observation_started_by_hand(sw: Any) -> None:
    person = rf.ResidentFactory(flat=sw.flat_b2, name="郑十")
    url = reverse("sweeps:observation-create", args=[person.pk])
    assert client_for(sw.officer_a).get(url).status_code == 404
    c = client_for(sw.head)
    page = c.get(url)
    assert page.status_code == 200
    assert [v for v, _ in page.context["form"].fields["round"].choices] == ["", sw.sweep_b.pk]
    r = c.post(url, {"days": "7", "reason": "密切接触者", "round": str(sw.sweep_b.pk)})
    assert r.status_code == 302
    obs = Observation.objects.get(resident=person)
    assert (obs.round, obs.assignee, (obs.end_date - obs.start_date).days) == (
        sw.sweep_b,
        sw.head,
        6,
    )
    again = c.post(url, {"days": "7", "reason": "x"})
    assert again.status_code == 200 and again.context["form"].errors
