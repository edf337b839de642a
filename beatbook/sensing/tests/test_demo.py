"""The sensing demo: 新市民公寓's cameras on a gateway, watched elderly people's
door sensors in 富贵佳园 (one silent for more than 24 h); idempotent."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db.models import Max
from django.utils import timezone

from beatbook.registry import demo as registry_demo
from beatbook.registry.models import Resident
from beatbook.sensing import demo
from beatbook.sensing.models import Device, Event, Gateway

pytestmark = pytest.mark.django_db


def test_demo(settings: Any) -> None:
    settings.FEATURE_APPS = ["sensing"]  # this app's part only
    registry_demo.load(password="demo-password-1")
    platform = Gateway.objects.get(name=demo.CAMERA_PLATFORM)
    cameras = Device.objects.filter(gateway=platform)
    assert cameras.count() == 136
    assert cameras.filter(kind="elevator_camera").count() == 22
    assert cameras.filter(compound__name="新市民公寓").count() == 136
    assert sorted(cameras.values_list("channel", flat=True)) == list(range(1, 137))
    assert Device.objects.filter(kind="access_control", compound__name="新市民公寓").count() == 11
    assert Device.objects.filter(kind="manhole_cover").exists()

    sensors = list(Device.objects.filter(kind="door_sensor").select_related("person", "flat"))
    alone = Resident.objects.filter(
        flat__building__compound__name="富贵佳园", notes=registry_demo.ELDERLY_ALONE_NOTE
    ).count()
    assert len(sensors) == min(alone, demo.WATCHED) >= 2
    now = timezone.now()
    last_activity = {}
    for sensor in sensors:
        assert sensor.person is not None
        assert sensor.person.notes == registry_demo.ELDERLY_ALONE_NOTE
        assert sensor.person.flat_id == sensor.flat_id
        assert sensor.compound.name == "富贵佳园"
        assert sensor.absence_window == dt.timedelta(hours=24)
        last_activity[sensor.key] = Event.objects.filter(
            device=sensor, type__in=["door_open", "door_close", "motion"]
        ).aggregate(at=Max("received_at"))["at"]
        assert sensor.last_seen_at is not None and now - sensor.last_seen_at < dt.timedelta(hours=2)
    silent = [k for k, at in last_activity.items() if now - at > dt.timedelta(hours=24)]
    assert len(silent) == 1
    assert Event.objects.filter(evaluated=False).exists()  # left for the alert rules

    counts = (Device.objects.count(), Event.objects.count(), Gateway.objects.count())
    registry_demo.load(password="demo-password-1")
    assert (Device.objects.count(), Event.objects.count(), Gateway.objects.count()) == counts
