"""The outbox against a real local HTTP receiver: retries, backoff,
Retry-After, dead letters, pausing, webhook signatures, robots, Web Push."""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from beatbook.notify import outbox, robots, selectors, services
from beatbook.notify.models import (
    Channel,
    Notification,
    OutboxMessage,
    PushSubscription,
    Status,
)
from beatbook.notify.tests.receiver import Receiver, receiver
from beatbook.notify.worker import run_once

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


@pytest.fixture(autouse=True)
def push_over_http(settings: Any) -> None:
    settings.NOTIFY_PUSH_ALLOW_HTTP = True  # the local receiver poses as a push service


@pytest.fixture
def rx() -> Iterator[Receiver]:
    with receiver() as r:
        yield r


def make_channel(world: Any, rx: Receiver, kind: str = "webhook", **kw: Any) -> Channel:
    return Channel.objects.create(
        station=world.station,
        name=f"{kind} test",
        kind=kind,
        url=f"{rx.url}/{kind}",
        secret=kw.pop("secret", "s3cret"),
        **kw,
    )


def open_page(world: Any, subject_id: int = 1, now: dt.datetime = T0, body: str = "") -> int:
    """A page acknowledged at once: only its step-0 messages are in the outbox."""
    page_id = services.page_open(
        subject_type="alert",
        subject_id=subject_id,
        station_id=world.station.pk,
        building_id=world.building_a.pk,
        title=f"高空抛物 #{subject_id}",
        body=body or "富贵佳园T 6幢",
        url=f"/alerts/{subject_id}/",
        severity="high",
        now=now,
    )
    services.page_acknowledge(
        subject_type="alert", subject_id=subject_id, actor=world.officer_a, now=now
    )
    return page_id


def test_webhook_retries_with_backoff_and_retry_after_then_succeeds(
    world: Any, rx: Receiver
) -> None:
    make_channel(world, rx)
    rx.script = [(503, {"Retry-After": "120"}, b"busy"), (500, {}, b"oops")]
    open_page(world)
    message = OutboxMessage.objects.get()
    assert message.status == Status.PENDING

    assert run_once(now=T0) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.PENDING, 1)
    assert message.next_attempt_at == at(120)  # Retry-After beats the 10 s backoff
    assert "503" in message.last_error

    assert run_once(now=at(119)) == 0
    assert len(rx.received) == 1

    run_once(now=at(120))
    message.refresh_from_db()
    assert message.attempts == 2 and message.next_attempt_at == at(140)  # backoff 20 s

    run_once(now=at(140))
    message.refresh_from_db()
    assert message.status == Status.SENT and message.sent_at == at(140)
    assert len(rx.received) == 3
    # the webhook is on the page's told list
    told = selectors.pages_for("alert", [1])[1].told
    assert ("webhook test", "webhook") in {(t.label, t.channel) for t in told}
    # every attempt carried the same delivery id (receivers can drop repeats)
    assert {r.headers["X-Beatbook-Delivery"] for r in rx.received} == {str(message.pk)}


def test_webhook_signature_verifies(world: Any, rx: Receiver) -> None:
    make_channel(world, rx, secret="topsecret")
    open_page(world)
    run_once(now=T0)
    request = rx.received[0]
    ts = int(request.headers["X-Beatbook-Timestamp"])
    signature = request.headers["X-Beatbook-Signature"]
    assert robots.verify_webhook("topsecret", ts, request.body, signature, now=ts)
    assert not robots.verify_webhook("other", ts, request.body, signature, now=ts)
    assert not robots.verify_webhook("topsecret", ts, request.body + b" ", signature, now=ts)
    assert not robots.verify_webhook("topsecret", ts, request.body, signature, now=ts + 3600)
    body = request.json()
    [msg] = body["messages"]
    assert msg["title"] == "高空抛物 #1" and msg["subject_id"] == 1
    assert {r["username"] for r in msg["recipients"]} == {world.officer_a.username}


def test_retry_after_as_http_date(world: Any, rx: Receiver) -> None:
    make_channel(world, rx)
    when = email.utils.format_datetime(at(300), usegmt=True)
    rx.script = [(429, {"Retry-After": when}, b"")]
    open_page(world)
    run_once(now=T0)
    assert OutboxMessage.objects.get().next_attempt_at == at(300)


def test_dead_letter_after_max_attempts_and_retry(world: Any, rx: Receiver) -> None:
    make_channel(world, rx)
    rx.default = (500, {}, b"down")
    open_page(world)
    clock = 0.0
    for _ in range(outbox.MAX_ATTEMPTS):
        run_once(now=at(clock))
        clock += 4000
    message = OutboxMessage.objects.get()
    assert message.status == Status.DEAD and message.attempts == outbox.MAX_ATTEMPTS
    assert len(rx.received) == outbox.MAX_ATTEMPTS
    # visible to the administrator, nobody else
    assert list(selectors.dead_letters(world.sysadmin)) == [message]
    assert not selectors.dead_letters(world.chief).exists()
    # no more attempts on its own
    run_once(now=at(clock + 10_000))
    assert len(rx.received) == outbox.MAX_ATTEMPTS
    # retried from the dead-letter list, the receiver now up
    rx.default = (200, {}, b"ok")
    assert services.dead_letters_retry(actor=world.sysadmin, ids=[message.pk]) == 1
    run_once()
    message.refresh_from_db()
    assert message.status == Status.SENT
    with pytest.raises(services.PermissionDenied):
        services.dead_letters_retry(actor=world.chief, ids=[message.pk])


def test_failing_channel_is_paused_and_people_told(
    world: Any, rx: Receiver, monkeypatch: Any
) -> None:
    monkeypatch.setattr(outbox, "PAUSE_AFTER", 3)
    channel = make_channel(world, rx)
    rx.default = (500, {}, b"down")
    for i in range(1, 4):
        open_page(world, subject_id=i, now=at(i))
        run_once(now=at(i))
    channel.refresh_from_db()
    assert channel.paused_at is not None and channel.failures == 3
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {Status.HELD}
    paused = Notification.objects.filter(kind=services.KIND_CHANNEL_PAUSED)
    assert set(paused.values_list("user_id", flat=True)) == {
        world.chief.pk,
        world.sysadmin.pk,
        world.officer_a.pk,  # told of the pages the channel was to carry
    }
    # a page opened meanwhile is held too; nothing is sent while paused
    open_page(world, subject_id=9, now=at(10))
    sent_before = len(rx.received)
    run_once(now=at(5000))
    assert len(rx.received) == sent_before
    # resumed: the held messages go out
    rx.default = (200, {}, b"ok")
    assert services.channel_resume(actor=world.sysadmin, channel=channel) == 4
    run_once()
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {Status.SENT}


def test_a_killed_worker_s_messages_are_sent_after_the_lease(world: Any, rx: Receiver) -> None:
    make_channel(world, rx)
    open_page(world)
    due = OutboxMessage.objects.filter(status=Status.PENDING, next_attempt_at__lte=T0)
    jobs, handled = outbox._claim(due, T0, 10)  # claimed, then the worker dies
    assert handled == 1 and len(jobs) == 1
    assert run_once(now=at(outbox.LEASE - 1)) == 0
    assert rx.received == []
    run_once(now=at(outbox.LEASE))
    assert OutboxMessage.objects.get().status == Status.SENT
    assert len(rx.received) == 1


# --- robots ---------------------------------------------------------------------


def test_dingtalk_signed_and_batched(world: Any, rx: Receiver) -> None:
    make_channel(world, rx, kind="dingtalk", secret="SECxyz")
    for i in range(1, 4):
        open_page(world, subject_id=i)
    run_once(now=T0)
    assert len(rx.received) == 1  # three pages, one robot message
    request = rx.received[0]
    ts = int(request.query["timestamp"][0])
    # parse_qs decoded the sign once; compare with the raw base64 value
    expected = base64.b64encode(
        __import__("hmac").new(b"SECxyz", f"{ts}\nSECxyz".encode(), "sha256").digest()
    ).decode()
    assert request.query["sign"][0] == expected
    assert robots.dingtalk_sign("SECxyz", ts) == __import__("urllib.parse").parse.quote_plus(
        expected
    )
    body = request.json()
    assert body["msgtype"] == "markdown"
    for i in range(1, 4):
        assert f"高空抛物 #{i}" in body["markdown"]["text"]
    assert world.officer_a.username in body["markdown"]["text"]  # who was told
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {Status.SENT}


def test_robot_rate_limit_defers_to_the_next_minute(world: Any, rx: Receiver) -> None:
    channel = make_channel(world, rx, kind="dingtalk")
    Channel.objects.filter(pk=channel.pk).update(window_start=at(-10), window_sent=20)
    open_page(world)
    run_once(now=T0)
    assert rx.received == []
    assert OutboxMessage.objects.get().next_attempt_at == at(50)
    run_once(now=at(50))
    assert len(rx.received) == 1
    channel.refresh_from_db()
    assert (channel.window_start, channel.window_sent) == (at(50), 1)


def test_robot_rate_errcode_is_retried_after_a_minute(world: Any, rx: Receiver) -> None:
    make_channel(world, rx, kind="wecom")
    rx.script = [(200, {}, b'{"errcode":45009,"errmsg":"api freq out of limit"}')]
    open_page(world)
    run_once(now=T0)
    message = OutboxMessage.objects.get()
    assert message.status == Status.PENDING and message.next_attempt_at == at(60)
    assert "45009" in message.last_error


def test_wecom_markdown_fits_4096_bytes_and_the_rest_follows(world: Any, rx: Receiver) -> None:
    make_channel(world, rx, kind="wecom")
    for i in range(1, 6):
        open_page(world, subject_id=i, body="独居老人门磁24小时未开" * 40)  # ~1.3 KB each
    run_once(now=T0)
    run_once(now=T0)
    contents = [r.json()["markdown"]["content"] for r in rx.received]
    assert len(contents) >= 2
    assert all(len(c.encode()) <= robots.WECOM_MARKDOWN_LIMIT for c in contents)
    joined = "".join(contents)
    assert all(f"高空抛物 #{i}" in joined for i in range(1, 6))
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {Status.SENT}


def test_truncate_and_join_respect_utf8_bytes() -> None:
    text = robots.truncate_bytes("派出所" * 1000, 2048)
    assert len(text.encode()) <= 2048 and text.endswith("…")
    joined, taken = robots.join_within(["甲" * 600, "乙" * 600, "丙" * 600], 4096)
    assert taken == 2 and len(joined.encode()) <= 4096


# --- Web Push -------------------------------------------------------------------


AUTH_SECRET = b"0123456789abcdef"
BROWSER_KEY: dict[str, Any] = {}


def browser_keys() -> tuple[str, str]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    BROWSER_KEY["key"] = key
    raw = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    p256dh = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    auth = base64.urlsafe_b64encode(AUTH_SECRET).decode().rstrip("=")
    return p256dh, auth


def decrypt_push(body: bytes) -> dict[str, Any]:
    """What the browser would read (RFC 8291, aes128gcm)."""
    import http_ece

    plain = http_ece.decrypt(
        body, private_key=BROWSER_KEY["key"], auth_secret=AUTH_SECRET, version="aes128gcm"
    )
    return json.loads(plain)


def subscribe(world: Any, rx: Receiver, name: str = "sub1") -> PushSubscription:
    p256dh, auth = browser_keys()
    return services.push_subscribe(
        actor=world.officer_a, endpoint=f"{rx.url}/push/{name}", p256dh=p256dh, auth=auth
    )


def test_web_push_sent_with_vapid_urgency_and_ttl(world: Any, rx: Receiver) -> None:
    subscribe(world, rx)
    rx.default = (201, {}, b"")
    open_page(world)
    run_once(now=T0)
    [request] = rx.received
    assert request.path == "/push/sub1"
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert headers["urgency"] == "high"
    assert int(headers["ttl"]) > 0
    assert headers["content-encoding"] == "aes128gcm"
    assert headers["authorization"].startswith("vapid t=")
    from beatbook.notify.push import vapid_keys

    assert f"k={vapid_keys()[1]}" in headers["authorization"]  # our VAPID public key
    shown = decrypt_push(request.body)
    assert shown["title"] == "高空抛物 #1" and shown["url"] == "/alerts/1/"
    assert shown["tag"].startswith("page-")
    message = OutboxMessage.objects.get(kind="webpush")
    assert message.status == Status.SENT
    told = selectors.pages_for("alert", [1])[1].told
    assert (world.officer_a.label, "webpush") in {(t.label, t.channel) for t in told}


def test_unsent_escalation_push_dropped_on_acknowledgement(world: Any, rx: Receiver) -> None:
    from beatbook.notify.models import StationPolicy

    StationPolicy.objects.create(station=world.station, duty_officer=world.officer_a)
    subscribe(world, rx)  # officer_a is the duty officer here
    services.page_open(
        subject_type="alert",
        subject_id=7,
        station_id=world.station.pk,
        building_id=world.building_b.pk,
        title="t",
        body="",
        url="",
        severity="high",
        now=T0,
    )
    services.escalate_due(now=at(61))  # step 1: a push to the duty officer, not yet sent
    message = OutboxMessage.objects.get(kind="webpush", step=1)
    services.page_acknowledge(subject_type="alert", subject_id=7, actor=world.officer_b, now=at(62))
    message.refresh_from_db()
    assert message.status == Status.DROPPED
    run_once(now=at(63))
    assert rx.received == []


@pytest.mark.parametrize("status", [404, 410])
def test_web_push_gone_subscription_is_deleted(world: Any, rx: Receiver, status: int) -> None:
    subscribe(world, rx)
    rx.default = (status, {}, b"")
    open_page(world)
    run_once(now=T0)
    assert not PushSubscription.objects.exists()
    assert OutboxMessage.objects.get(kind="webpush").status == Status.DROPPED
    run_once(now=at(1000))
    assert len(rx.received) == 1


def test_failing_push_is_paused_and_owner_told(world: Any, rx: Receiver, monkeypatch: Any) -> None:
    monkeypatch.setattr(outbox, "PAUSE_AFTER", 2)
    sub = subscribe(world, rx)
    rx.default = (500, {}, b"")
    open_page(world, 1)
    run_once(now=T0)
    open_page(world, 2)
    run_once(now=T0)
    sub.refresh_from_db()
    assert sub.paused_at is not None
    assert Notification.objects.filter(
        user=world.officer_a, kind=services.KIND_CHANNEL_PAUSED
    ).exists()
    # subscribing again (the officer re-enables it) unpauses it
    services.push_subscribe(
        actor=world.officer_a, endpoint=sub.endpoint, p256dh=sub.p256dh, auth=sub.auth
    )
    sub.refresh_from_db()
    assert sub.paused_at is None


# --- several workers ---------------------------------------------------------------


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_workers_never_send_the_same_message_twice(world: Any, rx: Receiver) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    channel = make_channel(world, rx)
    now = T0
    OutboxMessage.objects.bulk_create(
        [
            OutboxMessage(
                kind="webhook",
                channel=channel,
                endpoint=channel.url,
                payload={"title": f"m{i}"},
                next_attempt_at=now,
                created_at=now,
            )
            for i in range(400)
        ]
    )
    errors: list[BaseException] = []

    def work() -> None:
        from django.db import connections

        try:
            while outbox.process(now=now, limit=20):
                pass
        except BaseException as exc:  # pragma: no cover
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    delivered = [int(i) for r in rx.received for i in r.headers["X-Beatbook-Delivery"].split(",")]
    assert len(delivered) == 400 and len(set(delivered)) == 400
    assert len(rx.received) > 1  # shared between workers (batches of 20)
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {Status.SENT}
    assert json.loads(rx.received[0].body)["messages"]


def test_old_sent_messages_are_pruned_dead_letters_kept(world: Any, rx: Receiver) -> None:
    channel = make_channel(world, rx)
    old = T0 - dt.timedelta(days=outbox.KEEP_DAYS + 1)
    for status in (Status.SENT, Status.DROPPED, Status.DEAD):
        OutboxMessage.objects.create(
            kind="webhook",
            channel=channel,
            payload={},
            status=status,
            next_attempt_at=old,
            created_at=old,
        )
    OutboxMessage.objects.create(
        kind="webhook",
        channel=channel,
        payload={},
        status=Status.SENT,
        next_attempt_at=T0,
        created_at=T0,
    )
    assert outbox.prune(now=T0) == 2
    assert sorted(OutboxMessage.objects.values_list("status", flat=True)) == ["dead", "sent"]
    from beatbook.notify import live

    live.publish([world.officer_a.pk], {"title": "old"}, now=T0 - dt.timedelta(days=91))
    live.publish([world.officer_a.pk], {"title": "recent"}, now=T0 - dt.timedelta(days=89))
    assert outbox.prune(now=T0) == 1
    assert list(Notification.objects.values_list("title", flat=True)) == ["recent"]
