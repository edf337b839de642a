"""The notify demo: the duty user, the policy naming them, a disabled webhook."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from beatbook.core.scoping import scope_of
from beatbook.notify import demo, services
from beatbook.notify.models import Channel, Notification, StationPolicy
from beatbook.registry.tests import factories as f


def test_demo_duty_user_policy_and_channel(world: Any) -> None:
    world.station.name = demo.STATION
    world.station.save()
    result = SimpleNamespace(logins=[])
    demo.load(password="correct-horse-battery", result=result)
    demo.load(password=None, result=result)  # idempotent
    policy = StationPolicy.objects.get(station=world.station)
    duty = policy.duty_officer
    assert duty is not None and duty.username == "duty"
    assert (policy.duty_after, policy.chief_after, policy.breach_after) == (60, 180, 300)
    assert [login[0] for login in result.logins] == ["duty", "duty"]
    assert duty.check_password(result.logins[1][1])
    # the duty officer sees every beat of the station
    assert scope_of(duty).beat_ids == {world.beat_a.pk, world.beat_b.pk}
    channel = Channel.objects.get(station=world.station)
    assert not channel.enabled and channel.url.startswith("http://127.0.0.1:9/")
    # ... but is not told at step 0 (the beat's officer is), only at step 1
    services.page_open(
        subject_type="alert",
        subject_id=5,
        station_id=world.station.pk,
        building_id=world.building_a.pk,
        title="t",
        body="",
        url="",
        severity="high",
    )
    assert set(Notification.objects.values_list("user__username", flat=True)) == {
        world.officer_a.username
    }


def test_demo_without_the_demo_station_does_nothing(db: Any) -> None:
    f.StationFactory(name="别的派出所")
    result = SimpleNamespace(logins=[])
    demo.load(password=None, result=result)
    assert result.logins == [] and not StationPolicy.objects.exists()
