"""The alerts demo: past alerts with response times, the waiting absence alert."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from beatbook.accounts.models import Role
from beatbook.accounts.tests.factories import UserFactory
from beatbook.alerts import demo
from beatbook.alerts.models import Alert
from beatbook.alerts.tests.factories import make_device, make_event
from beatbook.notify.models import Page
from beatbook.notify.selectors import response_times
from beatbook.registry.tests import factories as rf


def test_demo_alerts_and_the_silent_door_sensor(world: Any) -> None:
    officer_a = UserFactory(
        username="officer-a", role=Role.OFFICER, station=world.station, beats=[world.beat_a]
    )
    UserFactory(
        username="officer-b", role=Role.OFFICER, station=world.station, beats=[world.beat_b]
    )
    fugui = rf.CompoundFactory(community=world.community_a, name="富贵佳园")
    xinshimin = rf.CompoundFactory(community=world.community_b, name="新市民公寓")
    building = rf.BuildingFactory(compound=fugui, number="6")
    flat = rf.FlatFactory(building=building, room="101")
    elder = rf.ResidentFactory(flat=flat, name="孤老", is_head=True)
    silent = make_device(flat=flat, person=elder, absence_window=dt.timedelta(hours=24))
    make_device(building=building, kind="door_sensor")
    make_device(compound=xinshimin, kind="elevator_camera")
    make_device(compound=xinshimin, kind="manhole_cover")
    make_event(silent, "door_close", timezone.now() - dt.timedelta(hours=30))

    demo.load(password=None, result=None)
    demo.load(password=None, result=None)  # idempotent

    past = Alert.objects.filter(state="cleared")
    assert past.count() == 4  # two door sensors, the elevator camera, the manhole
    assert all(a.outcome and a.acknowledged_at and a.cleared_at for a in past)
    waiting = Alert.objects.get(state="active")
    assert (waiting.rule, waiting.person_id, waiting.device_id) == ("absence", elder.pk, silent.pk)
    assert Page.objects.filter(subject_id=waiting.pk, closed_at__isnull=True).exists()
    chief = world.chief
    times = response_times(chief)
    assert times is not None and times.station.acknowledged == 4
    labels = " ".join(row.label for row in times.officers)
    assert officer_a.username in labels and "officer-b" in labels
    assert times.station.breached == 1  # the manhole, acknowledged after 6.5 minutes
