"""Parsing and validating what devices send. No Django.

- JSON events (HTTP body and MQTT payload): ``validate_event``
- Hikvision ISAPI ``EventNotificationAlert`` XML, whatever its namespace
  (elements matched by local name, parsed with defusedxml): ``parse_isapi``
- multipart bodies carrying the XML and pictures: ``parse_multipart``
- vendor event names onto the fixed vocabulary: ``map_type``
- durations written 30s, 30m, 24h, 1d: ``parse_duration``
- clock skew between the device's clock and the server's: ``is_skewed``
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

#: the fixed event vocabulary (sensing.models.EventType mirrors it)
VOCABULARY = frozenset(
    {
        "door_open",
        "door_close",
        "heartbeat",
        "motion",
        "ebike_detected",
        "object_thrown",
        "manhole_open",
        "door_forced",
        "access_denied",
        "illegal_parking",
        "smoke",
        "other",
    }
)

#: vendor event names known out of the box (lower case) → vocabulary type;
#: a gateway's ``event_type_map`` adds to and overrides these
DEFAULT_VENDOR_MAP: dict[str, str] = {
    # Hikvision ISAPI eventType values
    "vmd": "motion",
    "pir": "motion",
    "linedetection": "motion",
    "fielddetection": "motion",
    "regionentrance": "motion",
    "regionexiting": "motion",
    "videoloss": "heartbeat",
    "smokedetection": "smoke",
    "fireandsmokedetection": "smoke",
    # plain words some management systems send
    "dooropen": "door_open",
    "doorclose": "door_close",
    "heartbeat": "heartbeat",
    "keepalive": "heartbeat",
}

MAX_MSG_ID = 200
MAX_KEY = 100
#: a device clock further than this from the server's is flagged, not trusted
CLOCK_SKEW = dt.timedelta(minutes=5)


class InvalidInput(ValueError):
    """Input that cannot be understood; the message says why."""


@dataclass(frozen=True)
class ParsedEvent:
    """One event as the pipeline stores it, before the device is resolved."""

    device_key: str | None
    channel: int | None
    msg_id: str
    type_name: str
    device_ts: dt.datetime | None
    data: dict[str, Any]


def map_type(name: str, extra: Mapping[str, str] | None = None) -> tuple[str, str]:
    """(vocabulary type, vendor name) for a type name as sent.

    A vocabulary word maps to itself with no vendor name; a vendor name maps
    through the gateway's own mapping, then the built-in one; anything else
    is ``other`` with the raw name kept.
    """
    if name in VOCABULARY:
        return name, ""
    if extra:
        mapped = extra.get(name) or extra.get(name.lower())
        if mapped in VOCABULARY:
            return str(mapped), name
    mapped = DEFAULT_VENDOR_MAP.get(name.lower())
    if mapped:
        return mapped, name
    return "other", name[:64]


def clean_vendor_map(value: Any) -> dict[str, str]:
    """Validate an administrator's vendor mapping: names → vocabulary types."""
    if not isinstance(value, dict):
        raise InvalidInput("the mapping must be an object of vendor name → event type")
    out: dict[str, str] = {}
    for key, target in value.items():
        if not isinstance(key, str) or not key.strip() or len(key) > 64:
            raise InvalidInput(f"bad vendor name: {key!r}")
        if target not in VOCABULARY:
            raise InvalidInput(f"{key}: unknown event type {target!r}")
        out[key.strip()] = target
    return out


# --- durations and clocks ----------------------------------------------------

_DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_duration(text: str) -> dt.timedelta:
    """'30s', '30m', '24h', '1d' → timedelta (positive)."""
    m = _DURATION.match(text or "")
    if not m or int(m.group(1)) <= 0:
        raise InvalidInput(f"not a duration (write e.g. 30s, 30m, 24h, 1d): {text!r}")
    return dt.timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})


def format_duration(value: dt.timedelta | None) -> str:
    """The inverse of parse_duration, in the largest whole unit."""
    if value is None:
        return ""
    seconds = int(value.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def parse_timestamp(value: Any) -> dt.datetime:
    """ISO 8601 with an offset (or Z) → aware datetime; naive times are
    taken as UTC+8 (what Chinese devices mean)."""
    if not isinstance(value, str) or not value:
        raise InvalidInput("ts must be an ISO 8601 string")
    return _parse_timestamp(value)


@functools.lru_cache(maxsize=4096)
def _parse_timestamp(value: str) -> dt.datetime:
    # a busy fleet sends many events within the same second: parsed once
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"ts is not ISO 8601: {value[:40]!r}") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone(dt.timedelta(hours=8)))
    return parsed


def is_skewed(
    device_ts: dt.datetime | None, received_at: dt.datetime, threshold: dt.timedelta = CLOCK_SKEW
) -> bool:
    return device_ts is not None and abs(device_ts - received_at) > threshold


# --- JSON events -------------------------------------------------------------


def validate_event(obj: Any) -> ParsedEvent:
    """One element of ``{"events": [...]}``; raises InvalidInput with the reason."""
    if not isinstance(obj, dict):
        raise InvalidInput("event must be an object")
    device = obj.get("device")
    if device is not None and (not isinstance(device, str) or not 0 < len(device) <= MAX_KEY):
        raise InvalidInput("device must be a device key")
    channel = obj.get("channel")
    if channel is not None and (
        isinstance(channel, bool) or not isinstance(channel, int) or channel < 0
    ):
        raise InvalidInput("channel must be a whole number")
    msg_id = obj.get("msg_id")
    if isinstance(msg_id, int) and not isinstance(msg_id, bool):
        msg_id = str(msg_id)
    if not isinstance(msg_id, str) or not msg_id:
        raise InvalidInput("msg_id missing")
    if len(msg_id) > MAX_MSG_ID:
        raise InvalidInput(f"msg_id longer than {MAX_MSG_ID} characters")
    type_name = obj.get("type")
    if not isinstance(type_name, str) or not type_name:
        raise InvalidInput("type missing")
    ts = obj.get("ts")
    device_ts = parse_timestamp(ts) if ts is not None else None
    data = obj.get("data", {})
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InvalidInput("data must be an object")
    return ParsedEvent(
        device_key=device,
        channel=channel,
        msg_id=msg_id,
        type_name=type_name,
        device_ts=device_ts,
        data=data,
    )


# --- Hikvision ISAPI ---------------------------------------------------------


@dataclass(frozen=True)
class IsapiAlert:
    channel: int | None
    event_type: str
    event_state: str
    date_time: str
    active_post_count: str
    fields: dict[str, Any] = field(default_factory=dict)

    @property
    def msg_id(self) -> str:
        channel = "" if self.channel is None else str(self.channel)
        return f"{channel}|{self.event_type}|{self.date_time}|{self.active_post_count}"[:MAX_MSG_ID]

    @property
    def is_heartbeat(self) -> bool:
        """The camera's keep-alive: ``videoloss`` with state inactive (no event)."""
        return self.event_type.lower() == "videoloss" and self.event_state.lower() == "inactive"

    def as_event(self) -> dict[str, Any]:
        """The alert as a JSON event for the pipeline (``channel`` picks the
        device under a gateway token)."""
        event: dict[str, Any] = {
            "msg_id": self.msg_id,
            "type": self.event_type or "other",
            "data": {"eventState": self.event_state, **self.fields},
        }
        if self.channel is not None:
            event["channel"] = self.channel
        if self.date_time:
            event["ts"] = self.date_time
        return event


def _local(tag: Any) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _element_value(element: Element) -> Any:
    children = list(element)
    if not children:
        return (element.text or "").strip()
    out: dict[str, Any] = {}
    for child in children:
        name = _local(child.tag)
        value = _element_value(child)
        if name in out:
            if not isinstance(out[name], list):
                out[name] = [out[name]]
            out[name].append(value)
        else:
            out[name] = value
    return out


def parse_isapi(body: bytes | str) -> IsapiAlert:
    """An ``EventNotificationAlert`` document of any namespace (ver10, ver20,
    isapi.org ver20) → IsapiAlert; raises InvalidInput for anything else."""
    try:
        root = fromstring(body)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise InvalidInput(f"XML does not parse: {exc}") from exc
    if _local(root.tag) != "EventNotificationAlert":
        raise InvalidInput(f"not an EventNotificationAlert: {_local(root.tag)}")
    value = _element_value(root)
    fields: dict[str, Any] = value if isinstance(value, dict) else {}
    event_type = str(fields.pop("eventType", "") or "")
    if not event_type:
        raise InvalidInput("eventType missing")
    channel_text = fields.pop("channelID", None) or fields.pop("dynChannelID", None)
    channel: int | None = None
    if isinstance(channel_text, str) and channel_text.strip().isdigit():
        channel = int(channel_text)
    date_time = fields.pop("dateTime", "")
    if date_time:
        parse_timestamp(date_time)  # raises for a malformed dateTime
    return IsapiAlert(
        channel=channel,
        event_type=event_type,
        event_state=str(fields.pop("eventState", "") or ""),
        date_time=str(date_time or ""),
        active_post_count=str(fields.pop("activePostCount", "") or ""),
        fields=fields,
    )


# --- multipart ---------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    name: str
    filename: str
    content_type: str
    data: bytes


_PARAM = re.compile(r';\s*([\w-]+)\s*=\s*("([^"]*)"|[^;\s]*)')


def _params(header: str) -> dict[str, str]:
    return {m.group(1).lower(): m.group(3) or m.group(2) for m in _PARAM.finditer(header)}


def parse_multipart(body: bytes, content_type: str) -> list[Part]:
    """The parts of a multipart/* body (form-data or mixed, as cameras send)."""
    boundary = _params(content_type).get("boundary", "").strip('"')
    if not boundary:
        raise InvalidInput("multipart body without a boundary")
    delimiter = b"--" + boundary.encode("latin-1")
    parts: list[Part] = []
    chunks = body.split(delimiter)
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break
        chunk = chunk[2:] if chunk.startswith(b"\r\n") else chunk.lstrip(b"\n")
        head, sep, data = chunk.partition(b"\r\n\r\n")
        if not sep:
            head, sep, data = chunk.partition(b"\n\n")
        if data.endswith(b"\r\n"):
            data = data[:-2]
        elif data.endswith(b"\n"):
            data = data[:-1]
        headers: dict[str, str] = {}
        for line in head.decode("latin-1").splitlines():
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        disposition = _params(";" + headers.get("content-disposition", "").partition(";")[2])
        parts.append(
            Part(
                name=disposition.get("name", ""),
                filename=disposition.get("filename", ""),
                content_type=headers.get("content-type", "").split(";")[0].strip().lower(),
                data=data,
            )
        )
    if not parts:
        raise InvalidInput("multipart body without parts")
    return parts


def split_isapi_multipart(parts: list[Part]) -> tuple[bytes, list[Part]]:
    """(the XML document, the pictures) of a camera's multipart push."""
    xml: bytes | None = None
    pictures: list[Part] = []
    for part in parts:
        if part.content_type.startswith("image/"):
            pictures.append(part)
        elif xml is None and (
            "xml" in part.content_type
            or part.filename.lower().endswith(".xml")
            or part.data.lstrip().startswith(b"<")
        ):
            xml = part.data
    if xml is None:
        raise InvalidInput("multipart body without an XML part")
    return xml, pictures
