"""How the alerts app's URLs are scoped, merged into
beatbook/tests_scoping/test_url_scoping.py (read its docstring).

Four alerts: on a device of building A (beat A), of building B and of
building B2 (beat B; the building head heads B2), and on a device placed on
compound B as a whole (beat B; no building, so no building head sees it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone


@dataclass(frozen=True)
class Check:
    """The shape of test_url_scoping.Check (not imported: that module imports this one)."""

    kind: str
    objects: tuple[str, ...] = ()
    writers: frozenset[str] = frozenset({"officer_a", "officer_b", "head"})
    config: bool = False
    query: str = ""


CHECKS: dict[str, Any] = {}
UNSCOPED: dict[str, str] = {}
ROLE_PAGES: dict[str, str] = {
    # aggregate times of the chief's own station (notify.selectors.response_times)
    "alerts:response-times": "chief",
}
TESTED_IN: dict[str, str] = {
    "alerts:silence-list": "beatbook/alerts/tests/test_views.py::test_silence_list_is_scoped_for_every_role",
}
SEES: dict[str, set[str]] = {
    "alert_a": {"officer_a", "worker_a", "chief"},
    "alert_b": {"officer_b", "chief"},
    "alert_b2": {"officer_b", "head", "chief"},
    "alert_cb": {"officer_b", "chief"},
    "picture_a": {"officer_a", "worker_a", "chief"},
    "picture_b2": {"officer_b", "head", "chief"},
    "silence_a": {"officer_a", "worker_a", "chief"},
    "silence_b2": {"officer_b", "head", "chief"},
}
DETAIL_PAGE: dict[str, str] = {"alert": "alerts:alert-detail"}

ALERTS = ("alert_a", "alert_b", "alert_b2", "alert_cb")
PICTURES = ("picture_a", "picture_b2")

CHECKS.update(
    {
        "alerts:alert-list": Check("list", ALERTS),
        "alerts:alert-detail": Check("detail", ALERTS),
        "alerts:alert-ack": Check("post", ALERTS),
        "alerts:alert-clear": Check("post", ALERTS),
        "alerts:phone": Check("list", ALERTS),
        "alerts:phone-cards": Check("list", ALERTS),
        "alerts:picture": Check("detail", PICTURES),
        "alerts:silence-end": Check("post", ("silence_a", "silence_b2")),
        "alerts:compound-rules": Check(
            "form",
            ("compound_a", "compound_b"),
            writers=frozenset({"officer_a", "officer_b", "chief"}),
        ),
        "api:alert-list": Check("api-list", ALERTS),
        "api:alert-detail": Check("api-detail", ALERTS),
        "api:alert-ack": Check("post", ALERTS),
        "api:alert-clear": Check("post", ALERTS),
    }
)


def extend_world(world: Any) -> None:
    """Add this app's objects to the scoping world (called once per test)."""
    from beatbook.alerts.models import Silence
    from beatbook.alerts.tests.factories import make_alert, make_device, make_event
    from beatbook.sensing.models import EventPicture

    now = timezone.now()
    device_a = make_device(flat=world.flat_a, person=world.resident_a, key="scope-dev-a")
    device_b = make_device(building=world.building_b, kind="camera", key="scope-dev-b")
    device_b2 = make_device(flat=world.flat_b2, key="scope-dev-b2")
    device_cb = make_device(compound=world.compound_b, kind="manhole_cover", key="scope-dev-cb")
    world.alert_a = make_alert(device_a, rule="absence", event_type="door_open", at=now)
    world.alert_b = make_alert(device_b, at=now)
    world.alert_b2 = make_alert(device_b2, event_type="smoke", at=now)
    world.alert_cb = make_alert(device_cb, event_type="manhole_open", at=now)
    for key, device in (("picture_a", device_a), ("picture_b2", device_b2)):
        event = make_event(device, "object_thrown", now)
        picture = EventPicture.objects.create(
            event=event, filename=f"{key}.jpg", content=b"\xff\xd8\xff", size=3
        )
        setattr(world, key, picture)
    for key, device, by in (
        ("silence_a", device_a, world.officer_a),
        ("silence_b2", device_b2, world.head),
    ):
        silence = Silence.objects.create(
            device=device,
            starts_at=now,
            ends_at=now + dt.timedelta(hours=2),
            reason="维修",
            created_by=by,
        )
        setattr(world, key, silence)
