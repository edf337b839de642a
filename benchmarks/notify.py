"""Notify benchmark: pages opened per second, outbox sends per second to a
local receiver, the idle worker check at 10,000 and 1,000,000 pages, and the
live feed's delay from publish to a stream.

    .venv/bin/python benchmarks/notify.py [--quick] [--postgres URL]

Runs in a scratch SQLite database (and a scratch PostgreSQL database when
--postgres is given, which it drops and re-creates). Never run by CI.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _setup(database_url: str, home: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["BEATBOOK_HOME"] = home
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beatbook.settings")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _world() -> dict[str, Any]:
    from beatbook.accounts.models import Role, User
    from beatbook.notify.models import StationPolicy
    from beatbook.registry.models import Beat, Building, Community, Compound, Station

    station = Station.objects.create(name="基准派出所")
    beat = Beat.objects.create(station=station, name="基准警务区")
    community = Community.objects.create(beat=beat, name="基准社区")
    compound = Compound.objects.create(community=community, name="基准小区")
    buildings = [Building.objects.create(compound=compound, number=str(i)) for i in range(1, 11)]
    officer = User.objects.create(username="bench-officer", role=Role.OFFICER, station=station)
    officer.beats.set([beat])
    head = User.objects.create(username="bench-head", role=Role.BUILDING_HEAD, station=station)
    head.head_of_buildings.set(buildings[:1])
    duty = User.objects.create(username="bench-duty", role=Role.OFFICER, station=station)
    User.objects.create(username="bench-chief", role=Role.CHIEF, station=station)
    StationPolicy.objects.create(station=station, duty_officer=duty)
    return {"station": station, "buildings": buildings, "officer": officer}


def _receiver() -> tuple[Any, str]:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(201)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def bench_page_open(w: dict[str, Any], n: int, base: int = 0) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from beatbook.notify import services

    station_id = w["station"].pk
    buildings = w["buildings"]

    def one(i: int) -> None:
        services.page_open(
            subject_type="bench",
            subject_id=base + i,
            station_id=station_id,
            building_id=buildings[i % len(buildings)].pk,
            title="电梯内电动车",
            body="基准小区 1幢",
            url=f"/alerts/{i}/",
            severity="high",
        )

    with CaptureQueriesContext(connection) as ctx:
        one(0)
    t0 = time.perf_counter()
    for i in range(1, n):
        one(i)
    elapsed = time.perf_counter() - t0
    return (n - 1) / elapsed, len(ctx.captured_queries)


def bench_pages_open(w: dict[str, Any], n: int, batch: int, base: int) -> float:
    from beatbook.notify import services

    station_id = w["station"].pk
    buildings = w["buildings"]
    specs = [
        services.PageSpec(
            subject_type="bench",
            subject_id=base + i,
            station_id=station_id,
            building_id=buildings[i % len(buildings)].pk,
            title="电梯内电动车",
            body="基准小区 1幢",
            url=f"/alerts/{i}/",
            severity="high",
        )
        for i in range(n)
    ]
    t0 = time.perf_counter()
    for i in range(0, n, batch):
        services.pages_open(specs[i : i + batch])
    return n / (time.perf_counter() - t0)


def bench_escalation(w: dict[str, Any]) -> float:
    """Pages escalated per second: every open page taken through steps 1, 3 and 5."""
    from django.utils import timezone

    from beatbook.notify import services
    from beatbook.notify.models import Page

    later = timezone.now() + dt.timedelta(minutes=10)
    n = Page.objects.filter(next_step_at__isnull=False).count()
    t0 = time.perf_counter()
    while services.escalate_due(now=later, limit=500):
        pass
    return n / (time.perf_counter() - t0)


def bench_outbox(kind: str, n: int, url: str, w: dict[str, Any]) -> float:
    import base64

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from django.utils import timezone

    from beatbook.notify import outbox
    from beatbook.notify.models import Channel, OutboxMessage, PushSubscription

    OutboxMessage.objects.all().delete()
    now = timezone.now()
    rows = []
    if kind == "webhook":
        channel = Channel.objects.create(
            station=w["station"],
            name="bench",
            kind="webhook",
            url=url + "/hook",
            secret="k",  # noqa: S106
        )
        for i in range(n):
            rows.append(
                OutboxMessage(
                    kind="webhook",
                    channel=channel,
                    endpoint=channel.url,
                    payload={"title": f"m{i}", "body": "x" * 100},
                    next_attempt_at=now,
                    created_at=now,
                )
            )
    else:
        key = ec.generate_private_key(ec.SECP256R1()).public_key()
        raw = key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        sub = PushSubscription.objects.create(
            user=w["officer"],
            endpoint=url + "/push",
            p256dh=base64.urlsafe_b64encode(raw).decode().rstrip("="),
            auth=base64.urlsafe_b64encode(b"0123456789abcdef").decode().rstrip("="),
            created_at=now,
        )
        for i in range(n):
            rows.append(
                OutboxMessage(
                    kind="webpush",
                    subscription=sub,
                    endpoint=sub.endpoint,
                    payload={"title": f"m{i}", "body": "x" * 100, "page": i},
                    next_attempt_at=now,
                    created_at=now,
                )
            )
    OutboxMessage.objects.bulk_create(rows, batch_size=1000)
    t0 = time.perf_counter()
    while outbox.process(now=timezone.now(), limit=500):
        pass
    elapsed = time.perf_counter() - t0
    sent = OutboxMessage.objects.filter(status="sent").count()
    assert sent == n, (sent, n)
    return n / elapsed


def bench_idle(w: dict[str, Any], pages: int) -> tuple[float, float]:
    """Median and p99 ms of one idle ``run_once`` with ``pages`` pages in the table."""
    from django.db import connection
    from django.utils import timezone

    from beatbook.notify import worker
    from beatbook.notify.models import OutboxMessage, Page

    have = Page.objects.count()
    now = timezone.now()
    later = now + dt.timedelta(days=1)
    batch = 5000
    station_id = w["station"].pk
    todo = pages - have
    t0 = time.perf_counter()
    while todo > 0:
        k = min(batch, todo)
        Page.objects.bulk_create(
            [
                Page(
                    subject_type="idle",
                    subject_id=have + j,
                    station_id=station_id,
                    title="t",
                    opened_at=now,
                    # most closed (no next step), some waiting for a step tomorrow
                    next_step_at=later if (have + j) % 10 == 0 else None,
                )
                for j in range(k)
            ]
        )
        have += k
        todo -= k
    print(
        f"  ({Page.objects.count():,} pages in the table, filled in {time.perf_counter() - t0:.1f} s)"
    )
    OutboxMessage.objects.filter(status="pending").update(status="sent")
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE notify_page; ANALYZE notify_outboxmessage")
    samples = []
    for _ in range(300):
        t = time.perf_counter()
        assert worker.run_once(now=now) == 0
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.99) - 1]


def bench_live(w: dict[str, Any], streams: int, rounds: int) -> tuple[float, float]:
    """Publish → delivered to every open stream (ASGI hub): median and max ms."""
    from asgiref.sync import sync_to_async

    from beatbook.notify import live

    user_id = w["officer"].pk

    async def scenario() -> list[float]:
        hub = live._hub()
        queues = [hub.subscribe(user_id) for _ in range(streams)]
        await asyncio.sleep(live.POLL_SECONDS * 2)
        delays = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            await sync_to_async(live.publish)([user_id], {"title": "x"})
            await asyncio.gather(*(q.get() for q in queues))
            delays.append((time.perf_counter() - t0) * 1000)
        for q in queues:
            hub.unsubscribe(user_id, q)
        return delays

    delays = asyncio.run(scenario())
    return statistics.median(delays), max(delays)


def run(label: str, quick: bool) -> None:
    from beatbook.notify import live
    from beatbook.notify.models import Page

    w = _world()
    n = 200 if quick else 2000
    rate, queries = bench_page_open(w, n)
    print(
        f"[{label}] page_open: {rate:,.0f} pages/s ({queries} queries each; "
        f"2 people told in the app, no channel)"
    )
    server, url = _receiver()
    try:
        from beatbook.notify.models import Channel

        Channel.objects.create(
            station=w["station"],
            name="hook",
            kind="webhook",
            url=url + "/h",
            secret="k",  # noqa: S106
        )
        rate, queries = bench_page_open(w, n, base=10_000_000)
        print(
            f"[{label}] page_open with a webhook channel: {rate:,.0f} pages/s ({queries} queries)"
        )
        m = 2000 if quick else 20000
        rate = bench_pages_open(w, m, 100, base=20_000_000)
        print(f"[{label}] pages_open in batches of 100 (webhook channel): {rate:,.0f} pages/s")
        rate = bench_escalation(w)
        print(
            f"[{label}] escalation (steps 1, 3 and 5 at once, batches of 500): {rate:,.0f} pages/s"
        )
        Channel.objects.all().delete()
        print(
            f"[{label}] outbox webhook (batched 100 a request): "
            f"{bench_outbox('webhook', m, url, w):,.0f} messages/s ({m:,} messages)"
        )
        m = 200 if quick else 2000
        print(
            f"[{label}] outbox Web Push (encrypted, one request each): "
            f"{bench_outbox('webpush', m, url, w):,.0f} messages/s ({m:,} messages)"
        )
    finally:
        server.shutdown()
    for pages in (10_000, 100_000) if quick else (10_000, 1_000_000):
        median, p99 = bench_idle(w, pages)
        print(
            f"[{label}] idle worker check at {Page.objects.count():,} pages: median {median:.3f} ms, "
            f"p99 {p99:.3f} ms (2 queries)"
        )
    median, worst = bench_live(w, 50 if quick else 500, 5 if quick else 20)
    print(
        f"[{label}] live feed publish → {50 if quick else 500} streams: median {median:.0f} ms, "
        f"max {worst:.0f} ms (poll every {live.POLL_SECONDS:g} s)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--postgres", help="postgres://… a scratch database to re-create")
    parser.add_argument("--_child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._child:
        home = tempfile.mkdtemp(prefix="beatbook-notify-bench-")
        url = args._child if args._child != "sqlite" else f"sqlite:///{home}/bench.sqlite3"
        _setup(url, home)
        run("postgresql" if url.startswith("postgres") else "sqlite", args.quick)
        return 0
    import subprocess

    targets = ["sqlite"]
    if args.postgres:
        import psycopg

        base, _, name = args.postgres.rpartition("/")
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        targets.append(args.postgres)
    for target in targets:
        cmd = [sys.executable, __file__, "--_child", target]
        if args.quick:
            cmd.append("--quick")
        subprocess.run(cmd, check=True)  # this interpreter, this script
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
