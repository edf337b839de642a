"""Pure parsing: JSON events, ISAPI XML of every namespace, multipart, durations."""

from __future__ import annotations

import datetime as dt

import pytest

from beatbook.sensing import parsing

UTC = dt.UTC


def isapi_xml(ns: str, **over: str) -> bytes:
    fields = {
        "ipAddress": "192.168.1.64",
        "portNo": "80",
        "protocol": "HTTP",
        "macAddress": "44:19:b6:00:00:01",
        "channelID": "3",
        "dateTime": "2026-11-23T10:00:00+08:00",
        "activePostCount": "1",
        "eventType": "VMD",
        "eventState": "active",
        "eventDescription": "Motion alarm",
    }
    fields.update(over)
    body = "".join(f"<{k}>{v}</{k}>" for k, v in fields.items())
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<EventNotificationAlert version="2.0" xmlns="{ns}">{body}</EventNotificationAlert>'
    ).encode()


NAMESPACES = [
    "http://www.hikvision.com/ver10/XMLSchema",
    "http://www.hikvision.com/ver20/XMLSchema",
    "http://www.isapi.org/ver20/XMLSchema",
]


@pytest.mark.parametrize("ns", NAMESPACES)
def test_isapi_any_namespace(ns: str) -> None:
    alert = parsing.parse_isapi(isapi_xml(ns))
    assert alert.channel == 3
    assert alert.event_type == "VMD"
    assert alert.event_state == "active"
    assert alert.msg_id == "3|VMD|2026-11-23T10:00:00+08:00|1"
    assert alert.fields["ipAddress"] == "192.168.1.64"
    assert not alert.is_heartbeat
    event = alert.as_event()
    assert event["channel"] == 3 and event["type"] == "VMD"
    assert parsing.map_type(event["type"]) == ("motion", "VMD")


def test_isapi_without_namespace_and_nested() -> None:
    body = (
        b"<EventNotificationAlert><channelID>1</channelID><eventType>linedetection</eventType>"
        b"<eventState>active</eventState><dateTime>2026-11-23T10:00:00+08:00</dateTime>"
        b"<DetectionRegionList><DetectionRegionEntry><regionID>1</regionID></DetectionRegionEntry>"
        b"</DetectionRegionList></EventNotificationAlert>"
    )
    alert = parsing.parse_isapi(body)
    assert alert.fields["DetectionRegionList"] == {"DetectionRegionEntry": {"regionID": "1"}}
    assert alert.msg_id == "1|linedetection|2026-11-23T10:00:00+08:00|"


def test_videoloss_inactive_is_heartbeat() -> None:
    alert = parsing.parse_isapi(
        isapi_xml(NAMESPACES[1], eventType="videoloss", eventState="inactive")
    )
    assert alert.is_heartbeat
    active = parsing.parse_isapi(isapi_xml(NAMESPACES[1], eventType="videoloss"))
    assert not active.is_heartbeat


@pytest.mark.parametrize(
    "body",
    [
        b"<EventNotificationAlert><eventType>VMD",
        b"not xml at all",
        b"<Other><eventType>VMD</eventType></Other>",
        b"<EventNotificationAlert><channelID>1</channelID></EventNotificationAlert>",
        b'<!DOCTYPE x [<!ENTITY a "aaaa">]><EventNotificationAlert>&a;</EventNotificationAlert>',
    ],
)
def test_isapi_rejects(body: bytes) -> None:
    with pytest.raises(parsing.InvalidInput):
        parsing.parse_isapi(body)


def test_multipart_xml_and_picture() -> None:
    xml = isapi_xml(NAMESPACES[0])
    jpeg = b"\xff\xd8\xff\xe0picture-bytes\xff\xd9"
    body = (
        b"--BOUNDARY\r\n"
        b'Content-Disposition: form-data; name="MoveDetection.xml"; filename="MoveDetection.xml"\r\n'
        b"Content-Type: application/xml\r\n\r\n" + xml + b"\r\n"
        b"--BOUNDARY\r\n"
        b'Content-Disposition: form-data; name="intrusionImage"; filename="intrusionImage.jpg"\r\n'
        b"Content-Type: image/jpeg\r\n\r\n" + jpeg + b"\r\n"
        b"--BOUNDARY--\r\n"
    )
    parts = parsing.parse_multipart(body, 'multipart/form-data; boundary="BOUNDARY"')
    assert [p.name for p in parts] == ["MoveDetection.xml", "intrusionImage"]
    found_xml, pictures = parsing.split_isapi_multipart(parts)
    assert found_xml == xml
    assert len(pictures) == 1 and pictures[0].data == jpeg
    assert pictures[0].filename == "intrusionImage.jpg"
    assert pictures[0].content_type == "image/jpeg"


def test_multipart_without_boundary_or_xml() -> None:
    with pytest.raises(parsing.InvalidInput):
        parsing.parse_multipart(b"x", "multipart/mixed")
    with pytest.raises(parsing.InvalidInput):
        parsing.split_isapi_multipart(
            [parsing.Part(name="p", filename="a.jpg", content_type="image/jpeg", data=b"x")]
        )


def test_validate_event() -> None:
    event = parsing.validate_event(
        {"device": "d1", "msg_id": 7, "type": "door_open", "ts": "2026-11-23T02:00:00Z"}
    )
    assert event.msg_id == "7" and event.device_key == "d1"
    assert event.device_ts == dt.datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    assert event.data == {}
    naive = parsing.validate_event({"msg_id": "a", "type": "x", "ts": "2026-11-23T10:00:00"})
    assert naive.device_ts == dt.datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("obj", "reason"),
    [
        ([], "object"),
        ({"type": "door_open"}, "msg_id"),
        ({"msg_id": "", "type": "door_open"}, "msg_id"),
        ({"msg_id": "x" * 201, "type": "door_open"}, "msg_id"),
        ({"msg_id": "1"}, "type"),
        ({"msg_id": "1", "type": "door_open", "ts": "yesterday"}, "ts"),
        ({"msg_id": "1", "type": "door_open", "data": [1]}, "data"),
        ({"msg_id": "1", "type": "door_open", "device": 5}, "device"),
        ({"msg_id": "1", "type": "door_open", "channel": "2"}, "channel"),
    ],
)
def test_validate_event_rejects(obj: object, reason: str) -> None:
    with pytest.raises(parsing.InvalidInput, match=reason):
        parsing.validate_event(obj)


def test_map_type() -> None:
    assert parsing.map_type("door_open") == ("door_open", "")
    assert parsing.map_type("fielddetection") == ("motion", "fielddetection")
    assert parsing.map_type("VMD") == ("motion", "VMD")
    assert parsing.map_type("somethingNew") == ("other", "somethingNew")
    assert parsing.map_type("somethingNew", {"somethingNew": "ebike_detected"}) == (
        "ebike_detected",
        "somethingNew",
    )
    # a gateway's mapping overrides the built-in one; a bad target is ignored
    assert parsing.map_type("VMD", {"VMD": "object_thrown"}) == ("object_thrown", "VMD")
    assert parsing.map_type("VMD", {"VMD": "nonsense"}) == ("motion", "VMD")


def test_clean_vendor_map() -> None:
    assert parsing.clean_vendor_map({" x ": "smoke"}) == {"x": "smoke"}
    with pytest.raises(parsing.InvalidInput):
        parsing.clean_vendor_map({"x": "fire"})
    with pytest.raises(parsing.InvalidInput):
        parsing.clean_vendor_map(["x"])


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("30s", dt.timedelta(seconds=30)),
        ("30m", dt.timedelta(minutes=30)),
        ("24h", dt.timedelta(hours=24)),
        ("1d", dt.timedelta(days=1)),
        (" 2 h ", dt.timedelta(hours=2)),
    ],
)
def test_duration(text: str, value: dt.timedelta) -> None:
    assert parsing.parse_duration(text) == value


@pytest.mark.parametrize("text", ["", "24", "0h", "-1h", "1w", "h"])
def test_duration_rejects(text: str) -> None:
    with pytest.raises(parsing.InvalidInput):
        parsing.parse_duration(text)


def test_format_duration() -> None:
    assert parsing.format_duration(dt.timedelta(hours=24)) == "1d"
    assert parsing.format_duration(dt.timedelta(minutes=90)) == "90m"
    assert parsing.format_duration(dt.timedelta(seconds=45)) == "45s"
    assert parsing.format_duration(None) == ""


def test_clock_skew() -> None:
    now = dt.datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    assert not parsing.is_skewed(None, now)
    assert not parsing.is_skewed(now - dt.timedelta(minutes=4), now)
    assert parsing.is_skewed(now - dt.timedelta(minutes=6), now)
    assert parsing.is_skewed(now + dt.timedelta(hours=1), now)
