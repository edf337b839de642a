"""The 1-3-5 escalation, driven by a clock (no sleeping)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from beatbook.accounts.models import Role
from beatbook.accounts.tests.factories import UserFactory
from beatbook.notify import selectors, services
from beatbook.notify.models import Notification, Page, StationPolicy
from beatbook.notify.worker import run_once

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


@pytest.fixture
def duty(world: Any) -> Any:
    user = UserFactory(username="t-duty", role=Role.OFFICER, station=world.station)
    StationPolicy.objects.create(station=world.station, duty_officer=user)
    return user


def open_page(world: Any, building: Any = None, subject_id: int = 1) -> int:
    building = building or world.building_b2
    return services.page_open(
        subject_type="alert",
        subject_id=subject_id,
        station_id=world.station.pk,
        building_id=building.pk,
        title="电梯内电动车",
        body="新市民公寓T 2幢",
        url="/alerts/1/",
        severity="high",
        now=T0,
    )


def told(subject_id: int = 1) -> set[tuple[str, int]]:
    info = selectors.pages_for("alert", [subject_id])[subject_id]
    return {(t.label, t.step) for t in info.told if t.channel == "app"}


def test_step_0_tells_beat_officer_and_building_head(world: Any, duty: Any) -> None:
    open_page(world)
    assert told() == {(world.officer_b.label, 0), (world.head.label, 0)}
    assert Notification.objects.filter(user=world.officer_b, kind="page").count() == 1
    assert not Notification.objects.filter(user=world.officer_a).exists()
    info = selectors.pages_for("alert", [1])[1]
    assert info.step == 0 and not info.breached and info.acknowledged_at is None


def test_page_open_is_idempotent(world: Any) -> None:
    assert open_page(world) == open_page(world)
    assert Page.objects.count() == 1


@pytest.mark.parametrize(
    ("seconds", "step", "duty_told", "chief_told", "breached"),
    [
        (59, 0, False, False, False),
        (61, 1, True, False, False),
        (179, 1, True, False, False),
        (181, 3, True, True, False),
        (299, 3, True, True, False),
        (301, 5, True, True, True),
    ],
)
def test_escalation_steps(
    world: Any,
    duty: Any,
    seconds: int,
    step: int,
    duty_told: bool,
    chief_told: bool,
    breached: bool,
) -> None:
    open_page(world)
    # the worker runs every so often; each run takes the steps then due
    for s in range(0, seconds + 1, 20):
        run_once(now=at(s))
    run_once(now=at(seconds))
    info = selectors.pages_for("alert", [1])[1]
    assert info.step == step
    assert info.breached is breached
    assert ((duty.label, 1) in told()) is duty_told
    assert ((world.chief.label, 3) in told()) is chief_told


def test_steps_overdue_after_an_outage_are_all_taken(world: Any, duty: Any) -> None:
    open_page(world)
    assert run_once(now=at(400)) >= 1
    info = selectors.pages_for("alert", [1])[1]
    assert info.step == 5 and info.breached
    assert {s for _, s in told()} == {0, 1, 3}
    assert info.next_step_at is None


def test_acknowledgement_stops_escalation(world: Any, duty: Any) -> None:
    open_page(world)
    run_once(now=at(61))
    assert services.page_acknowledge(
        subject_type="alert", subject_id=1, actor=world.officer_b, now=at(100)
    )
    run_once(now=at(1000))
    info = selectors.pages_for("alert", [1])[1]
    assert info.step == 1 and not info.breached
    assert info.acknowledged_at == at(100)
    assert (world.chief.label, 3) not in told()
    page = Page.objects.get()
    assert page.seconds_to_ack == 100
    # the others told learn who acknowledged
    assert Notification.objects.filter(user=duty, kind="ack").exists()
    assert not Notification.objects.filter(user=world.officer_b, kind="ack").exists()
    # a second acknowledgement changes nothing
    assert not services.page_acknowledge(
        subject_type="alert", subject_id=1, actor=world.head, now=at(120)
    )


def test_close_records_time_to_clear_and_stops(world: Any, duty: Any) -> None:
    open_page(world)
    services.page_close(subject_type="alert", subject_id=1, actor=world.officer_b, now=at(30))
    run_once(now=at(400))
    page = Page.objects.get()
    assert page.step == 0 and page.seconds_to_clear == 30 and page.next_step_at is None


def test_station_policy_delays(world: Any, duty: Any) -> None:
    StationPolicy.objects.filter(station=world.station).update(
        duty_after=30, chief_after=90, breach_after=120
    )
    open_page(world)
    run_once(now=at(31))
    assert selectors.pages_for("alert", [1])[1].step == 1
    run_once(now=at(121))
    assert selectors.pages_for("alert", [1])[1].breached


def test_idle_check_is_one_query(world: Any, duty: Any, django_assert_max_num_queries: Any) -> None:
    open_page(world)
    with django_assert_max_num_queries(1):
        assert services.escalate_due(now=at(10)) == 0


def test_pages_for_constant_queries(world: Any, duty: Any, django_assert_num_queries: Any) -> None:
    open_page(world, subject_id=1)
    with django_assert_num_queries(2):
        one = selectors.pages_for("alert", [1, 99])
    for i in range(2, 6):
        open_page(world, subject_id=i)
    with django_assert_num_queries(2):
        many = selectors.pages_for("alert", range(1, 6))
    assert set(one) == {1} and set(many) == {1, 2, 3, 4, 5}


def specs(world: Any, ids: range) -> list[services.PageSpec]:
    buildings = [world.building_a, world.building_b, world.building_b2]
    return [
        services.PageSpec(
            subject_type="alert",
            subject_id=i,
            station_id=world.station.pk,
            building_id=buildings[i % 3].pk,
            title=f"t{i}",
            body="",
            url="",
            severity="high",
        )
        for i in ids
    ]


def test_pages_open_in_constant_queries(
    world: Any, duty: Any, django_assert_max_num_queries: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        services.pages_open(specs(world, range(1, 2)), now=T0)
    with django_assert_max_num_queries(len(one.captured_queries) + 2):
        ids = services.pages_open(specs(world, range(2, 32)), now=T0)
    assert len(set(ids)) == 30
    # each page told its own building's people
    told_b2 = {lab for lab, _ in told(2)}  # subject 2 → building_b2
    assert told_b2 == {world.officer_b.label, world.head.label}
    assert {lab for lab, _ in told(3)} == {world.officer_a.label}  # building_a
    assert {lab for lab, _ in told(4)} == {world.officer_b.label}  # building_b
    # again: the same pages, nothing new
    assert services.pages_open(specs(world, range(2, 32)), now=T0) == ids


def test_escalation_in_constant_queries(
    world: Any, duty: Any, django_assert_max_num_queries: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    services.pages_open(specs(world, range(1, 2)), now=T0)
    with CaptureQueriesContext(connection) as one:
        assert services.escalate_due(now=at(400)) == 1
    services.pages_open(specs(world, range(2, 42)), now=T0)
    with django_assert_max_num_queries(len(one.captured_queries) + 2):
        assert services.escalate_due(now=at(400)) == 40
    assert {s for _, s in told(41)} == {0, 1, 3}
    assert selectors.pages_for("alert", [41])[41].breached
