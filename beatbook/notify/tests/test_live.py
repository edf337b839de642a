"""The live feed: publish, and the SSE endpoint under ASGI and WSGI."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import AnonymousUser
from django.test import AsyncRequestFactory
from django.urls import reverse

from beatbook.notify import live
from beatbook.notify.models import Notification


@pytest.fixture(autouse=True)
def fast_poll(monkeypatch: Any) -> None:
    monkeypatch.setattr(live, "POLL_SECONDS", 0.05)
    monkeypatch.setattr(live, "HEARTBEAT_SECONDS", 0.3)


def finish(response: Any) -> None:
    """Leave a streamed response (its generator is collected). Not
    ``response.close()``: its request_finished signal would close the test's
    database connection."""
    del response


def events(chunks: list[str]) -> list[dict[str, Any]]:
    out = []
    for chunk in chunks:
        for line in chunk.splitlines():
            if line.startswith("data: "):
                out.append(json.loads(line[6:]))
    return out


async def read_until(stream: Any, predicate: Any, timeout: float = 2.0) -> list[str]:
    chunks: list[str] = []

    async def go() -> None:
        async for chunk in stream:
            chunks.append(chunk if isinstance(chunk, str) else chunk.decode())
            if predicate(chunks):
                return

    await asyncio.wait_for(go(), timeout)
    return chunks


def asgi_request(user: Any, last_event_id: int | None = None) -> Any:
    headers = {"Last-Event-ID": str(last_event_id)} if last_event_id is not None else {}
    request = AsyncRequestFactory().get(reverse("notify:live-stream"), headers=headers)

    async def auser() -> Any:
        return user

    request.auser = auser
    return request


def test_publish_writes_one_row_per_user(world: Any) -> None:
    live.publish([world.officer_a.pk, world.officer_a.pk, world.chief.pk], {"title": "t", "x": 1})
    rows = Notification.objects.order_by("user_id")
    assert [r.user_id for r in rows] == sorted([world.officer_a.pk, world.chief.pk])
    assert rows[0].as_event()["x"] == 1 and rows[0].title == "t"


@pytest.mark.django_db(transaction=True)
def test_asgi_stream_delivers_own_messages_only(world: Any) -> None:
    officer_a, officer_b = world.officer_a, world.officer_b

    async def scenario() -> list[dict[str, Any]]:
        response = await live.stream(asgi_request(officer_a))
        assert response["Content-Type"].startswith("text/event-stream")
        stream = response.streaming_content.__aiter__()
        await read_until(stream, lambda c: "connected" in "".join(c))
        await asyncio.sleep(0.2)  # the poller has its watermark
        await sync_to_async(live.publish)([officer_b.pk], {"title": "for b"})
        await sync_to_async(live.publish)([officer_a.pk], {"title": "for a", "severity": "high"})
        chunks = await read_until(stream, lambda c: bool(events(c)))
        await stream.aclose()
        return events(chunks)

    got = asyncio.run(scenario())
    assert [e["title"] for e in got] == ["for a"]
    assert got[0]["severity"] == "high" and got[0]["id"] > 0


@pytest.mark.django_db(transaction=True)
def test_asgi_stream_resumes_from_last_event_id_and_beats(world: Any) -> None:
    user = world.officer_a
    live.publish([user.pk], {"title": "one"})
    first = Notification.objects.get().pk
    live.publish([user.pk], {"title": "two"})
    live.publish([user.pk], {"title": "three"})

    async def scenario() -> list[str]:
        response = await live.stream(asgi_request(user, last_event_id=first))
        stream = response.streaming_content.__aiter__()
        chunks = await read_until(stream, lambda c: ": ping" in "".join(c))
        await stream.aclose()
        return chunks

    chunks = asyncio.run(scenario())
    assert [e["title"] for e in events(chunks)] == ["two", "three"]


def test_asgi_stream_refuses_anonymous(db: Any) -> None:
    response = asyncio.run(live.stream(asgi_request(AnonymousUser())))
    assert response.status_code == 401


def test_wsgi_stream_for_the_test_server(world: Any, client: Any) -> None:
    user = world.officer_a
    live.publish([user.pk], {"title": "old"})
    old = Notification.objects.get().pk
    client.force_login(user)
    response = client.get(reverse("notify:live-stream"), headers={"Last-Event-ID": str(old - 1)})
    assert response.status_code == 200
    chunks = []
    stream = response.streaming_content
    for chunk in stream:
        chunks.append(chunk.decode())
        if events(chunks):
            break
    finish(response)
    assert [e["title"] for e in events(chunks)] == ["old"]


def test_stream_needs_login(client: Any, db: Any) -> None:
    assert client.get(reverse("notify:live-stream")).status_code == 401


def test_stream_every_role_gets_only_its_own(world: Any, client: Any) -> None:
    users = world.users()
    for role, user in users.items():
        live.publish([user.pk], {"title": f"for {role}"})
    for role, user in users.items():
        client.force_login(user)
        response = client.get(reverse("notify:live-stream"), headers={"Last-Event-ID": "0"})
        chunks: list[str] = []
        stream = response.streaming_content
        for chunk in stream:
            chunks.append(chunk.decode())
            if ": ping" in chunk.decode():
                break
        finish(response)
        assert [e["title"] for e in events(chunks)] == [f"for {role}"], role


@pytest.mark.django_db(transaction=True)
def test_stream_under_uvicorn(world: Any, client: Any) -> None:
    """The real server (``beatbook serve`` is uvicorn): an open stream gets a
    message published after it connected."""
    import http.client
    import threading
    import time

    import uvicorn

    from beatbook.asgi import application

    client.force_login(world.officer_a)
    session = client.cookies["sessionid"].value
    server = uvicorn.Server(
        uvicorn.Config(application, host="127.0.0.1", port=0, lifespan="off", log_level="error")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request(
            "GET", reverse("notify:live-stream"), headers={"Cookie": f"sessionid={session}"}
        )
        response = conn.getresponse()
        assert response.status == 200
        assert response.getheader("Content-Type").startswith("text/event-stream")
        first = response.readline().decode()
        assert first.startswith("retry:")
        time.sleep(0.3)  # the poller has its watermark
        live.publish([world.officer_b.pk], {"title": "not for a"})
        live.publish([world.officer_a.pk], {"title": "来自服务器"})
        data = ""
        while not data:
            line = response.readline().decode()
            if line.startswith("data: "):
                data = line[6:]
        assert json.loads(data)["title"] == "来自服务器"
        conn.close()
    finally:
        server.should_exit = True
        thread.join(timeout=5)
