"""HTTP ingestion (JSON and ISAPI) through real requests into the database."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from beatbook.sensing import ingest
from beatbook.sensing.models import Device, Event, EventPicture
from beatbook.sensing.tests.factories import make_device, make_gateway
from beatbook.sensing.tests.test_parsing import NAMESPACES, isapi_xml

pytestmark = pytest.mark.django_db

URL = "/ingest/events"


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    ingest.forget()


def post(client: Client, token: str, body: Any, *, raw: bool = False) -> Any:
    data = body if raw else json.dumps(body)
    return client.post(
        URL, data=data, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )


def test_url_names() -> None:
    assert reverse("sensing:ingest-events") == URL
    assert reverse("sensing:ingest-isapi", args=["t"]) == "/ingest/isapi/t"


def test_device_token_events(world: Any, client: Client) -> None:
    device, token = make_device(place=world.flat_a)
    response = post(
        client,
        token,
        {
            "events": [
                {
                    "msg_id": "1",
                    "type": "door_open",
                    "ts": "2020-01-01T00:00:00Z",
                    "data": {"a": 1},
                },
                {"device": device.key, "msg_id": "2", "type": "door_close"},
                {"msg_id": "3", "type": "teleport"},
                {"msg_id": "4"},
                {"device": "someone-else", "msg_id": "5", "type": "door_open"},
            ]
        },
    )
    assert response.status_code == 202
    assert response.json() == {
        "accepted": 3,
        "duplicates": 0,
        "rejected": [
            {"index": 3, "reason": "type missing"},
            {"index": 4, "reason": "device does not match the token"},
        ],
    }
    events = {e.msg_id: e for e in Event.objects.filter(device=device)}
    assert set(events) == {"1", "2", "3"}
    assert events["1"].type == "door_open" and events["1"].data == {"a": 1}
    assert events["1"].clock_skew  # 2020 is far from now
    assert not events["2"].clock_skew and events["2"].device_ts is None
    assert events["3"].type == "other" and events["3"].vendor_type == "teleport"
    assert json.loads(events["3"].raw) == {"msg_id": "3", "type": "teleport"}
    assert not events["1"].evaluated
    device.refresh_from_db()
    assert device.last_seen_at == events["1"].received_at


def test_duplicates_make_one_event(world: Any, client: Client) -> None:
    _, token = make_device(place=world.flat_a)
    body = {"events": [{"msg_id": "m", "type": "door_open"}, {"msg_id": "m", "type": "door_open"}]}
    first = post(client, token, body).json()
    second = post(client, token, body).json()
    assert first["accepted"] == 1 and first["duplicates"] == 1
    assert second["accepted"] == 0 and second["duplicates"] == 2
    assert Event.objects.count() == 1


def test_gateway_token(world: Any, client: Client) -> None:
    gateway, token = make_gateway(
        compound=world.compound_b, event_type_map={"EBIKE": "ebike_detected"}
    )
    cam, _ = make_device(place=world.building_b, kind="elevator_camera", gateway=gateway, channel=4)
    other, _ = make_device(place=world.building_b)  # not behind this gateway
    response = post(
        client,
        token,
        {
            "events": [
                {"device": cam.key, "msg_id": "1", "type": "EBIKE"},
                {"channel": 4, "msg_id": "2", "type": "VMD"},
                {"msg_id": "3", "type": "VMD"},
                {"device": other.key, "msg_id": "4", "type": "VMD"},
                {"device": "nope", "msg_id": "5", "type": "VMD"},
            ]
        },
    ).json()
    assert response["accepted"] == 2
    assert [r["index"] for r in response["rejected"]] == [2, 3, 4]
    assert response["rejected"][1]["reason"] == "unknown device"
    types = dict(Event.objects.values_list("msg_id", "type"))
    assert types == {"1": "ebike_detected", "2": "motion"}
    assert not Event.objects.filter(device=other).exists()


def test_bad_requests_store_nothing(world: Any, client: Client) -> None:
    _, token = make_device(place=world.flat_a)
    assert post(client, "wrong", {"events": []}).status_code == 401
    assert client.post(URL, data="{}", content_type="application/json").status_code == 401
    response = client.post(
        URL, data="{}", content_type="application/json", HTTP_AUTHORIZATION=f"Token {token}"
    )
    assert response.status_code == 401
    assert post(client, token, "not json{", raw=True).status_code == 400
    assert post(client, token, {"nothing": 1}).status_code == 400
    too_many = {"events": [{"msg_id": str(i), "type": "door_open"} for i in range(1001)]}
    assert post(client, token, too_many).status_code == 400
    assert client.get(URL).status_code == 405
    assert Event.objects.count() == 0


def test_exactly_1000_events(world: Any, client: Client) -> None:
    _, token = make_device(place=world.flat_a)
    body = {"events": [{"msg_id": str(i), "type": "heartbeat"} for i in range(1000)]}
    assert post(client, token, body).json()["accepted"] == 1000
    assert Event.objects.count() == 1000


def test_inactive_device_token_refused(world: Any, client: Client) -> None:
    device, token = make_device(place=world.flat_a)
    Device.objects.filter(pk=device.pk).update(active=False)
    assert post(client, token, {"events": []}).status_code == 401


# --- ISAPI ---------------------------------------------------------------


@pytest.mark.parametrize("ns", NAMESPACES)
def test_isapi_gateway_channel(world: Any, client: Client, ns: str) -> None:
    gateway, token = make_gateway(compound=world.compound_b, kind="hikvision")
    cam, _ = make_device(place=world.building_b, kind="camera", gateway=gateway, channel=3)
    xml = isapi_xml(ns)
    response = client.post(f"/ingest/isapi/{token}", data=xml, content_type="application/xml")
    assert response.status_code == 200
    again = client.post(f"/ingest/isapi/{token}", data=xml, content_type="application/xml")
    assert again.status_code == 200 and again.json()["duplicates"] == 1
    event = Event.objects.get()
    assert event.device == cam
    assert event.msg_id == "3|VMD|2026-11-23T10:00:00+08:00|1"
    assert (event.type, event.vendor_type) == ("motion", "VMD")
    assert event.data["eventState"] == "active"
    assert event.raw == xml.decode()


def test_isapi_device_token_multipart_picture(world: Any, client: Client) -> None:
    cam, token = make_device(place=world.building_b, kind="elevator_camera")
    jpeg = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4 + b"\xff\xd9"
    xml = isapi_xml(NAMESPACES[2], eventType="linedetection")
    body = (
        b"--b0undary\r\n"
        b'Content-Disposition: form-data; name="linedetection.xml"; filename="linedetection.xml"\r\n'
        b"Content-Type: application/xml\r\n\r\n" + xml + b"\r\n"
        b"--b0undary\r\n"
        b'Content-Disposition: form-data; name="image"; filename="pic.jpg"\r\n'
        b"Content-Type: image/jpeg\r\n\r\n" + jpeg + b"\r\n"
        b"--b0undary--\r\n"
    )
    response = client.post(
        f"/ingest/isapi/{token}", data=body, content_type="multipart/form-data; boundary=b0undary"
    )
    assert response.status_code == 200, response.content
    event = Event.objects.get(device=cam)
    picture = EventPicture.objects.get(event=event)
    assert bytes(picture.content) == jpeg and picture.size == len(jpeg)
    assert picture.content_type == "image/jpeg" and picture.filename == "pic.jpg"


def test_isapi_heartbeat_keeps_alive_without_event(world: Any, client: Client) -> None:
    cam, token = make_device(place=world.building_b, kind="camera")
    xml = isapi_xml(NAMESPACES[1], eventType="videoloss", eventState="inactive")
    response = client.post(f"/ingest/isapi/{token}", data=xml, content_type="application/xml")
    assert response.status_code == 200
    assert Event.objects.count() == 0
    cam.refresh_from_db()
    assert cam.last_seen_at is not None


def test_isapi_errors_store_nothing(world: Any, client: Client) -> None:
    gateway, token = make_gateway(compound=world.compound_b)
    make_device(place=world.building_b, gateway=gateway, channel=1)
    url = f"/ingest/isapi/{token}"
    assert client.post(url, data=b"<broken", content_type="application/xml").status_code == 400
    assert (
        client.post(
            "/ingest/isapi/bad", data=isapi_xml(NAMESPACES[0]), content_type="application/xml"
        ).status_code
        == 401
    )
    # channel 3 has no device behind this gateway
    assert (
        client.post(url, data=isapi_xml(NAMESPACES[0]), content_type="application/xml").status_code
        == 404
    )
    bad_multipart = b"--x\r\nContent-Type: image/jpeg\r\n\r\nabc\r\n--x--\r\n"
    response = client.post(url, data=bad_multipart, content_type="multipart/mixed; boundary=x")
    assert response.status_code == 400
    assert Event.objects.count() == 0


@pytest.mark.postgres_only
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite's in-memory test database locks tables without waiting; concurrent "
    "writers on a SQLite file are covered by test_two_workers_share_the_subscription",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_over_the_same_devices(world: Any) -> None:
    """Two senders storing batches over the same devices at once (the HTTP
    server's threads, several workers): no deadlock, every event stored once."""
    import threading

    from django.utils import timezone

    gateway, _ = make_gateway(compound=world.compound_b)
    cams = [
        make_device(place=world.building_b, kind="camera", gateway=gateway, channel=n)[0]
        for n in range(1, 41)
    ]
    holder = ingest.Holder("gateway", gateway.pk, gateway.name)
    errors: list[BaseException] = []

    def sender(name: str, order: list[Any]) -> None:
        try:
            for round_ in range(15):
                events = [
                    {"device": c.key, "msg_id": f"{name}-{round_}-{i}", "type": "VMD"}
                    for i, c in enumerate(order)
                ]
                ingest.ingest_batch(
                    source="test", token_holder=holder, events=events, received_at=timezone.now()
                )
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=sender, args=("a", cams)),
        threading.Thread(target=sender, args=("b", cams[::-1])),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert Event.objects.filter(device__gateway=gateway).count() == 2 * 15 * 40
