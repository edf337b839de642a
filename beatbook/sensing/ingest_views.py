"""HTTP ingestion endpoints: JSON events and Hikvision ISAPI pushes.

Unauthenticated except by the device's or gateway's token, and exempt from
CSRF (machines post here, not browsers).
"""

from __future__ import annotations

import json
import logging

from django.core.exceptions import RequestDataTooBig
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from beatbook.sensing import ingest, parsing

log = logging.getLogger(__name__)


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _body(request: HttpRequest) -> bytes | None:
    try:
        return request.body
    except RequestDataTooBig:
        return None


@csrf_exempt
@require_POST
def events(request: HttpRequest) -> HttpResponse:
    """``POST /ingest/events`` with ``Authorization: Bearer <token>`` and
    ``{"events": [...]}`` → 202 with accepted, duplicates and rejected by index."""
    received_at = timezone.now()
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    holder = ingest.authenticate(token.strip()) if scheme.lower() == "bearer" else None
    if holder is None:
        return _error(401, "bad or missing token")
    body = _body(request)
    if body is None:
        return _error(413, "body too large")
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _error(400, "body is not JSON")
    batch = payload.get("events") if isinstance(payload, dict) else None
    if not isinstance(batch, list):
        return _error(400, 'body must be {"events": [...]}')
    if len(batch) > ingest.MAX_EVENTS:
        return _error(400, f"more than {ingest.MAX_EVENTS} events")
    try:
        result = ingest.ingest_batch(
            source="http", token_holder=holder, events=batch, received_at=received_at
        )
    except OperationalError:
        return _busy()
    return JsonResponse(result.as_json(), status=202)


def _busy() -> JsonResponse:
    """The database is busy (locked, a deadlock victim): nothing was stored;
    the sender retries the same events (they are idempotent by msg_id)."""
    log.warning("ingest: database busy, answered 503")
    response = JsonResponse({"error": "busy, retry"}, status=503)
    response["Retry-After"] = "1"
    return response


@csrf_exempt
@require_POST
def isapi(request: HttpRequest, token: str) -> HttpResponse:
    """``POST /ingest/isapi/<token>``: an ``EventNotificationAlert``, plain
    XML or the XML part of a multipart body with pictures."""
    received_at = timezone.now()
    holder = ingest.authenticate(token)
    if holder is None:
        return _error(401, "bad token")
    body = _body(request)
    if body is None:
        return _error(413, "body too large")
    content_type = request.headers.get("Content-Type", "")
    pictures: list[parsing.Part] = []
    try:
        if content_type.lower().startswith("multipart/"):
            xml, pictures = parsing.split_isapi_multipart(
                parsing.parse_multipart(body, content_type)
            )
        else:
            xml = body
        alert = parsing.parse_isapi(xml)
    except parsing.InvalidInput as exc:
        return _error(400, str(exc))
    device_id = ingest.resolve_channel(holder, alert.channel)
    if device_id is None:
        return _error(404, "no device on this channel")
    if alert.is_heartbeat:
        ingest.ingest_many([], source="isapi", received_at=received_at, alive=[device_id])
        return JsonResponse({"accepted": 0, "duplicates": 0, "alive": True})
    event = alert.as_event()
    if holder.kind == "gateway":
        event.pop("device", None)
    try:
        result = ingest.ingest_batch(
            source="isapi",
            token_holder=holder,
            events=[event],
            received_at=received_at,
            raws=[xml.decode("utf-8", "replace")],
            pictures={0: pictures} if pictures else None,
        )
    except OperationalError:
        return _busy()
    if result.rejected:
        return _error(400, result.rejected[0][1])
    return JsonResponse(result.as_json(), status=200)
