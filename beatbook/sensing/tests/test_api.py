"""/api/v1/devices/ and /api/v1/gateways/: scoping, creation with a token, updates."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from beatbook.sensing import ingest
from beatbook.sensing.models import Device, Gateway
from beatbook.sensing.tests.factories import make_device
from beatbook.tests_scoping.test_url_scoping import ROLES

# imported through the scoping tests (which import every app's table first)
url_scoping = importlib.import_module("beatbook.sensing.tests.url_scoping")

pytestmark = pytest.mark.django_db


def api(user: Any) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def scoped(world: Any) -> Any:
    url_scoping.extend_world(world)
    return world


def test_device_list_scoping(scoped: Any) -> None:
    world = scoped
    for role in ROLES:
        response = api(getattr(world, role)).get(
            "/api/v1/devices/", {"q": "sens-", "page_size": 500}
        )
        assert response.status_code == 200
        ids = {row["id"] for row in response.json()["results"]}
        expected = {
            getattr(world, key).pk for key in url_scoping.DEVICES if role in url_scoping.SEES[key]
        }
        assert ids == expected, role


def test_device_detail_shows_person_only_to_who_sees_them(scoped: Any) -> None:
    world = scoped
    row = api(world.officer_a).get(f"/api/v1/devices/{world.device_a.pk}/").json()
    assert row["person"] == world.resident_a.pk and row["person_name"] == world.resident_a.name
    assert row["absence_window"] == "1d" and row["level"] == "flat"
    assert row["address"] == world.flat_a.address
    assert "token" not in row and "token_hash" not in row
    assert api(world.officer_b).get(f"/api/v1/devices/{world.device_a.pk}/").status_code == 404


def test_device_list_queries_constant(scoped: Any) -> None:
    world = scoped
    client = api(world.chief)
    client.get("/api/v1/devices/")
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/devices/")
    for n in range(10):
        make_device(place=world.flat_a, key=f"more-{n}", person=world.resident_a)
    with CaptureQueriesContext(connection) as many:
        client.get("/api/v1/devices/")
    assert len(many) == len(few)


def test_create_device_by_address_and_by_id(scoped: Any) -> None:
    world = scoped
    client = api(world.officer_a)
    response = client.post(
        "/api/v1/devices/",
        {
            "key": "api-door",
            "kind": "door_sensor",
            "level": "flat",
            "address": world.flat_a.address,
            "person": world.resident_a.pk,
            "absence_window": "24h",
            "heartbeat_window": "30m",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["key"] == "api-door" and body["address"] == world.flat_a.address
    assert body["absence_window"] == "1d" and body["heartbeat_window"] == "30m"
    ingest.forget()
    assert ingest.authenticate(body["token"]).key == "api-door"  # type: ignore[union-attr]
    by_id = client.post(
        "/api/v1/devices/",
        {"key": "api-smoke", "kind": "smoke_detector", "building": world.building_a.pk},
        format="json",
    )
    assert by_id.status_code == 201
    assert Device.objects.get(key="api-smoke").level == "building"


@pytest.mark.parametrize(
    ("role", "status"),
    [("officer_b", 400), ("worker_a", 403), ("head", 403), ("sysadmin", 403), ("auditor", 403)],
)
def test_create_device_refused(scoped: Any, role: str, status: int) -> None:
    """Out of scope the place is not found (400, as if missing); roles that
    manage no devices are refused (403)."""
    world = scoped
    response = api(getattr(world, role)).post(
        "/api/v1/devices/",
        {"key": "x", "kind": "door_sensor", "flat": world.flat_a.pk},
        format="json",
    )
    assert response.status_code == status
    assert not Device.objects.filter(key="x").exists()


def test_create_device_needs_one_place_and_visible_person(scoped: Any) -> None:
    world = scoped
    client = api(world.officer_a)
    two = client.post(
        "/api/v1/devices/",
        {
            "key": "x",
            "kind": "door_sensor",
            "flat": world.flat_a.pk,
            "building": world.building_a.pk,
        },
        format="json",
    )
    assert two.status_code == 400
    foreign = client.post(
        "/api/v1/devices/",
        {"key": "x", "kind": "door_sensor", "flat": world.flat_a.pk, "person": world.resident_b.pk},
        format="json",
    )
    assert foreign.status_code == 400 and "person" in foreign.json()
    assert not Device.objects.filter(key="x").exists()


def test_patch_device(scoped: Any) -> None:
    world = scoped
    url = f"/api/v1/devices/{world.device_a.pk}/"
    response = api(world.chief).patch(url, {"absence_window": "12h", "person": None}, format="json")
    assert response.status_code == 200
    assert response.json()["absence_window"] == "12h" and response.json()["person"] is None
    assert api(world.officer_b).patch(url, {"active": False}, format="json").status_code == 404
    assert api(world.worker_a).patch(url, {"active": False}, format="json").status_code == 403
    assert Device.objects.get(pk=world.device_a.pk).active


def test_gateway_create_and_mapping(scoped: Any) -> None:
    world = scoped
    client = api(world.officer_b)
    response = client.post(
        "/api/v1/gateways/",
        {"name": "平台", "compound": world.compound_b.pk, "kind": "hikvision"},
        format="json",
    )
    assert response.status_code == 201
    gateway_id, token = response.json()["id"], response.json()["token"]
    assert (
        api(world.officer_a)
        .post("/api/v1/gateways/", {"name": "x", "compound": world.compound_b.pk}, format="json")
        .status_code
        == 400
    )
    patch = client.patch(
        f"/api/v1/gateways/{gateway_id}/",
        {"event_type_map": {"EBIKE": "ebike_detected"}},
        format="json",
    )
    assert patch.status_code == 200 and patch.json()["event_type_map"] == {
        "EBIKE": "ebike_detected"
    }
    bad = client.patch(
        f"/api/v1/gateways/{gateway_id}/", {"event_type_map": {"EBIKE": "fire"}}, format="json"
    )
    assert bad.status_code == 400
    assert Gateway.objects.get(pk=gateway_id).event_type_map == {"EBIKE": "ebike_detected"}
    ingest.forget()
    assert ingest.authenticate(token).type_map == {"EBIKE": "ebike_detected"}  # type: ignore[union-attr]
