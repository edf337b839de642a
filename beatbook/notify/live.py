"""The in-app live feed: ``publish`` writes in-app notifications, ``stream``
serves each logged-in user their own as server-sent events.

The feed is the database (the ``Notification`` table, which is also the
notification list): ``publish`` inserts rows inside the caller's transaction,
so a message exists exactly when what it announces was committed. Under ASGI
(``beatbook serve``) one poller per process reads new rows for every open
stream at once (one indexed query every half second while anyone listens, nothing when
nobody does) and closes its database connection between polls, so an idle
stream holds no connection. Rows that commit out of id order (PostgreSQL
assigns ids before commit) are caught by re-reading the ids skipped over for
a while. Under WSGI (the test server) each stream polls on its own thread.

Redis pub/sub would avoid the poll; the ``redis`` package is not installed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
import weakref
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone

from beatbook.notify.models import Notification

#: seconds between polls of the notification table while streams are open
POLL_SECONDS = float(getattr(settings, "NOTIFY_LIVE_POLL", 0.5))
#: seconds between heartbeat comments (keeps proxies and phones from idling out)
HEARTBEAT_SECONDS = float(getattr(settings, "NOTIFY_LIVE_HEARTBEAT", 15.0))
#: a stream ends after this long; EventSource reconnects with Last-Event-ID
STREAM_SECONDS = float(getattr(settings, "NOTIFY_LIVE_MAX", 300.0))
#: how long ids skipped by the watermark are looked for (late commits)
GAP_SECONDS = 30.0
#: how the browser is told to reconnect (milliseconds)
RETRY_MS = 3000

_FIELDS = ("title", "body", "url", "kind", "page")


def publish(
    user_ids: Iterable[int], payload: dict[str, Any], *, now: dt.datetime | None = None
) -> None:
    """Send ``payload`` to each user's live feed (and notification list).

    ``payload`` keys ``title``, ``body``, ``url``, ``kind`` and ``page`` (a page
    id) have columns; the rest is kept as JSON and delivered as given. Runs in
    the caller's transaction: nothing is seen unless it commits.
    """
    publish_many([(user_ids, payload)], now=now)


def publish_many(
    items: Iterable[tuple[Iterable[int], dict[str, Any]]], *, now: dt.datetime | None = None
) -> None:
    """``publish`` for many (user ids, payload) pairs in one insert."""
    at = now or timezone.now()
    rows = []
    for user_ids, payload in items:
        extra = {k: v for k, v in payload.items() if k not in _FIELDS}
        for uid in sorted(set(user_ids)):
            rows.append(
                Notification(
                    user_id=uid,
                    page_id=payload.get("page"),
                    kind=str(payload.get("kind") or "message")[:32],
                    title=str(payload.get("title") or "")[:200],
                    body=str(payload.get("body") or ""),
                    url=str(payload.get("url") or "")[:500],
                    payload=extra,
                    created_at=at,
                )
            )
    if rows:
        Notification.objects.bulk_create(rows, batch_size=1000)


def format_event(event: dict[str, Any]) -> str:
    data = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
    return f"id: {event['id']}\ndata: {data}\n\n"


# --- reads (synchronous, each closes its connection when asked) -----------------


def _latest_id(user_id: int | None = None) -> int:
    qs = Notification.objects.all()
    if user_id is not None:
        qs = qs.filter(user_id=user_id)
    return qs.order_by("-id").values_list("id", flat=True).first() or 0


def _since(
    after: int, gaps: list[int], user_id: int | None = None, limit: int = 1000
) -> list[Notification]:
    from django.db.models import Q

    q = Q(id__gt=after)
    if gaps:
        q |= Q(id__in=gaps)
    qs = Notification.objects.filter(q)
    if user_id is not None:
        qs = qs.filter(user_id=user_id)
    return list(qs.order_by("id")[:limit])


def _closing(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a read and give the connection back (an idle stream holds none)."""
    try:
        return fn(*args, **kwargs)
    finally:
        if not connection.in_atomic_block:  # (a test's transaction)
            connection.close()


class _Watermark:
    """Ids read so far, and the ids skipped over that may still commit."""

    def __init__(self, after: int) -> None:
        self.after = after
        self.gaps: dict[int, float] = {}

    def advance(self, rows: list[Notification]) -> list[Notification]:
        """Take a poll's rows; return the new ones (each id once)."""
        now = time.monotonic()
        fresh = []
        for row in rows:
            if row.pk > self.after:
                for missing in range(self.after + 1, row.pk):
                    if len(self.gaps) < 10_000:
                        self.gaps[missing] = now
                self.after = row.pk
                fresh.append(row)
            elif self.gaps.pop(row.pk, None) is not None:
                fresh.append(row)
        for missing, since in list(self.gaps.items()):
            if now - since > GAP_SECONDS:
                del self.gaps[missing]
        return fresh


# --- ASGI: one poller per process (per event loop) -------------------------------


class _Hub:
    def __init__(self) -> None:
        self.listeners: dict[int, set[asyncio.Queue[Notification]]] = {}
        self.task: asyncio.Task[None] | None = None
        self.mark: _Watermark | None = None

    def subscribe(self, user_id: int) -> asyncio.Queue[Notification]:
        queue: asyncio.Queue[Notification] = asyncio.Queue()
        self.listeners.setdefault(user_id, set()).add(queue)
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._run())
        return queue

    def unsubscribe(self, user_id: int, queue: asyncio.Queue[Notification]) -> None:
        queues = self.listeners.get(user_id)
        if queues is not None:
            queues.discard(queue)
            if not queues:
                del self.listeners[user_id]

    async def _run(self) -> None:
        poll = sync_to_async(_closing, thread_sensitive=False)
        while self.listeners:
            try:
                if self.mark is None:
                    self.mark = _Watermark(await poll(_latest_id))
                rows = await poll(_since, self.mark.after, sorted(self.mark.gaps))
            except Exception:  # the database is away: try again next poll
                rows = []
            for row in self.mark.advance(rows) if self.mark else []:
                for queue in self.listeners.get(row.user_id, ()):
                    queue.put_nowait(row)
            await asyncio.sleep(POLL_SECONDS)
        # nobody listens: the next stream starts from the then-latest id
        self.mark = None


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Hub] = weakref.WeakKeyDictionary()


def _hub() -> _Hub:
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = _Hub()
    return hub


async def _events_async(user_id: int, last_id: int | None) -> AsyncIterator[str]:
    hub = _hub()
    queue = hub.subscribe(user_id)
    try:
        yield f"retry: {RETRY_MS}\n: connected\n\n"
        resumed: set[int] = set()
        if last_id is not None:
            # resume: what this user missed since the browser's last event
            for row in await sync_to_async(_closing, thread_sensitive=False)(
                _since, last_id, [], user_id
            ):
                resumed.add(row.pk)
                yield format_event(row.as_event())
        loop = asyncio.get_running_loop()
        ends = loop.time() + STREAM_SECONDS
        while loop.time() < ends:
            try:
                row = await asyncio.wait_for(queue.get(), timeout=HEARTBEAT_SECONDS)
            except TimeoutError:
                yield ": ping\n\n"
                continue
            if row.pk in resumed or (last_id is not None and row.pk <= last_id):
                continue
            yield format_event(row.as_event())
    finally:
        hub.unsubscribe(user_id, queue)


# --- WSGI (test and development servers): a polling thread per stream ------------


def _events_sync(user_id: int, last_id: int | None) -> Iterator[str]:
    yield f"retry: {RETRY_MS}\n: connected\n\n"
    mark = _Watermark(last_id if last_id is not None else _closing(_latest_id, user_id))
    started = last_beat = time.monotonic()
    while time.monotonic() - started < STREAM_SECONDS:
        try:
            rows = _closing(_since, mark.after, sorted(mark.gaps), user_id)
        except DatabaseError:
            return  # the database went away (or the test server stopped): the browser reconnects
        for row in mark.advance(rows):
            yield format_event(row.as_event())
        if time.monotonic() - last_beat >= HEARTBEAT_SECONDS:
            last_beat = time.monotonic()
            yield ": ping\n\n"
        time.sleep(POLL_SECONDS)


def _release() -> None:
    """Close this thread's connection (resolved here, in the thread that owns it)."""
    if not connection.in_atomic_block:
        connection.close()


def _last_event_id(request: HttpRequest) -> int | None:
    raw = request.headers.get("Last-Event-ID") or request.GET.get("last_event_id") or ""
    return int(raw) if raw.isdigit() and len(raw) < 19 else None


def _stream_response(content: Any) -> StreamingHttpResponse:
    response = StreamingHttpResponse(content, content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache, no-transform"
    response["X-Accel-Buffering"] = "no"
    return response


async def stream(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """``GET /live/stream``: the logged-in user's own notifications as SSE."""
    user = await request.auser()  # type: ignore[attr-defined]
    # the session and user were read; give the connection back before idling
    await sync_to_async(_release)()
    if not user.is_authenticated or not user.is_active:
        return HttpResponse(status=401, content_type="text/plain")
    last_id = _last_event_id(request)
    if isinstance(request, ASGIRequest):
        return _stream_response(_events_async(user.pk, last_id))
    return _stream_response(_events_sync(user.pk, last_id))
