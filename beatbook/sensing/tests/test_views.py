"""Device and gateway pages: lists, details with events, forms showing the token once."""

from __future__ import annotations

import importlib
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from beatbook.core.models import AuditEntry
from beatbook.sensing import ingest
from beatbook.sensing.models import Device, Gateway
from beatbook.sensing.tests.factories import make_device
from beatbook.tests_scoping.test_url_scoping import ROLES

url_scoping = importlib.import_module("beatbook.sensing.tests.url_scoping")

pytestmark = pytest.mark.django_db


@pytest.fixture
def scoped(world: Any) -> Any:
    url_scoping.extend_world(world)
    return world


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_device_detail_shows_events_and_links(scoped: Any) -> None:
    world = scoped
    ingest.ingest_batch(
        source="test",
        token_holder=ingest.Holder("device", world.device_a.pk, world.device_a.key),
        events=[
            {"msg_id": "1", "type": "door_open", "ts": "2020-01-01T00:00:00Z"},
            {"msg_id": "2", "type": "weird"},
        ],
        received_at=world.device_a.created_at,
    )
    response = login(world.officer_a).get(
        reverse("sensing:device-detail", args=[world.device_a.pk])
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("registry:resident-detail", args=[world.resident_a.pk]) in html
    assert reverse("registry:building-detail", args=[world.building_a.pk]) in html
    assert '<code class="small">weird</code>' in html
    assert "clock skew" in html or "时钟" in html


def test_lists_constant_queries(scoped: Any) -> None:
    world = scoped
    client = login(world.chief)
    url = reverse("sensing:device-list")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(8):
        make_device(place=world.flat_b, key=f"extra-{n}", person=world.resident_b)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_device_create_page_shows_token_once(scoped: Any) -> None:
    world = scoped
    client = login(world.officer_a)
    url = reverse("sensing:device-create")
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "key": "page-door",
            "kind": "door_sensor",
            "level": "flat",
            "address": world.flat_a.address,
            "person": world.resident_a.pk,
            "absence_window": "24h",
        },
    )
    assert response.status_code == 200
    token = re.search(r"<pre[^>]*data-token>([^<]+)</pre>", response.content.decode()).group(1)  # type: ignore[union-attr]
    device = Device.objects.get(key="page-door")
    assert device.person == world.resident_a and device.flat == world.flat_a
    ingest.forget()
    assert ingest.authenticate(token).id == device.pk  # type: ignore[union-attr]
    assert (
        token not in client.get(reverse("sensing:device-detail", args=[device.pk])).content.decode()
    )
    assert AuditEntry.objects.filter(action="device.create").exists()


def test_device_create_errors_stay_on_form(scoped: Any) -> None:
    world = scoped
    client = login(world.officer_a)
    url = reverse("sensing:device-create")
    for data in (
        {"level": "flat", "address": world.flat_b.address},  # another beat: not found
        {"level": "flat", "address": world.flat_a.address, "person": world.resident_b.pk},
        {"level": "flat", "address": world.flat_a.address, "absence_window": "forever"},
    ):
        response = client.post(url, {"key": "k", "kind": "door_sensor", **data})
        assert response.status_code == 200
        assert (
            "is-invalid" in response.content.decode() or "alert-danger" in response.content.decode()
        )
    assert not Device.objects.filter(key="k").exists()


@pytest.mark.parametrize("role", ROLES)
def test_create_pages_only_for_managers(scoped: Any, role: str) -> None:
    client = login(getattr(scoped, role))
    expected = 200 if role in {"officer_a", "officer_b", "chief"} else 403
    assert client.get(reverse("sensing:device-create")).status_code == expected
    assert client.get(reverse("sensing:gateway-create")).status_code == expected


def test_gateway_create_and_map(scoped: Any) -> None:
    world = scoped
    client = login(world.officer_b)
    response = client.post(
        reverse("sensing:gateway-create"),
        {"name": "新平台", "compound": world.compound_b.pk, "kind": "hikvision"},
    )
    assert response.status_code == 200 and "data-token" in response.content.decode()
    gateway = Gateway.objects.get(name="新平台")
    # officer_b cannot put a gateway on compound A: it is not among the choices
    bad = client.post(
        reverse("sensing:gateway-create"),
        {"name": "x", "compound": world.compound_a.pk, "kind": "generic"},
    )
    assert bad.status_code == 200 and not Gateway.objects.filter(name="x").exists()
    map_url = reverse("sensing:gateway-map", args=[gateway.pk])
    client.post(map_url, {"vendor": "EBIKE", "type": "ebike_detected"})
    gateway.refresh_from_db()
    assert gateway.event_type_map == {"EBIKE": "ebike_detected"}
    assert (
        "EBIKE" in client.get(reverse("sensing:gateway-detail", args=[gateway.pk])).content.decode()
    )
    client.post(map_url, {"remove": "EBIKE"})
    gateway.refresh_from_db()
    assert gateway.event_type_map == {}
    # a worker of community A sees gateway A but may not change it
    other = login(world.worker_a).post(
        reverse("sensing:gateway-map", args=[world.gateway_a.pk]), {"vendor": "A", "type": "smoke"}
    )
    assert other.status_code == 403
