"""Alert rules and timers: events/s through the rules into alerts, and the
cost of a timer check with nothing due at 10,000 and 1,000,000 devices.

    .venv/bin/python benchmarks/alerts.py [--quick] [--postgres URL] [--no-sqlite]

Each database gets a scratch copy (SQLite in a temp dir; PostgreSQL at the
URL given, dropped and re-created). Events are written straight into storage
(ingestion is measured by the sensing suite); what is timed here is
``beatbook.alerts.worker.run_once``: claiming the events, the rules, folding
into alerts, the timer rows, marking the events evaluated, one transaction
per batch. Two mixes: everyday traffic (door sensors and heartbeats, one
event in 200 alerting) and every event alerting (instant rules, folded into
one alert per device). Paging (notify) is switched off here: its cost is
the notify suite's.

The reference for the timer check is the naive query a timer check without
the indexed deadline needs: scanning every device for ``last_seen + window
< now``. Never run by CI.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _setup(database_url: str, home: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["BEATBOOK_HOME"] = home
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beatbook.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _recreate_pg(url: str) -> None:
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _world() -> tuple[int, int]:
    from beatbook.registry.models import Beat, Building, Community, Compound, Station

    station = Station.objects.create(name="基准派出所")
    beat = Beat.objects.create(station=station, name="基准警务区")
    community = Community.objects.create(beat=beat, name="基准社区")
    compound = Compound.objects.create(community=community, name="基准小区")
    building = Building.objects.create(compound=compound, number="1")
    return compound.pk, building.pk


def _devices(n: int, compound_id: int, building_id: int, start: int = 0) -> None:
    """n door sensors with a 24 h absence and a 30 min heartbeat window (raw SQL)."""
    from django.db import connection
    from django.utils import timezone

    now = timezone.now()
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                """
                INSERT INTO sensing_device (key, kind, name, level, building_id, compound_id,
                    address, absence_window, heartbeat_window, token_hash, active, created_at)
                SELECT 'b-' || g, 'door_sensor', '', 'building', %s, %s, '',
                    interval '24 hours', interval '30 minutes', md5('t' || g), true, %s
                FROM generate_series(%s, %s) g
                """,
                [building_id, compound_id, now, start, start + n - 1],
            )
        else:
            cur.execute(
                """
                WITH RECURSIVE g(i) AS (SELECT %s UNION ALL SELECT i + 1 FROM g WHERE i < %s)
                INSERT INTO sensing_device (key, kind, name, level, building_id, compound_id,
                    address, absence_window, heartbeat_window, token_hash, active, created_at)
                SELECT 'b-' || i, 'door_sensor', '', 'building', %s, %s, '',
                    86400000000, 1800000000, 't' || i, 1, %s FROM g
                """,
                [start, start + n - 1, building_id, compound_id, now],
            )


def _events(device_ids: list[int], n: int, alerting_every: int, t0: dt.datetime) -> None:
    from beatbook.sensing.models import Event

    rows = []
    for i in range(n):
        if alerting_every and i % alerting_every == 0:
            type_ = "object_thrown"
        else:
            type_ = ("door_open", "door_close", "heartbeat", "motion")[i % 4]
        rows.append(
            Event(
                device_id=device_ids[i % len(device_ids)],
                msg_id=f"e{t0.timestamp()}-{i}",
                type=type_,
                received_at=t0 + dt.timedelta(microseconds=i * 100),
            )
        )
    Event.objects.bulk_create(rows, batch_size=5000)


def _throughput(label: str, n: int, alerting_every: int, limit: int) -> float:
    from django.utils import timezone

    from beatbook.alerts import paging, worker
    from beatbook.alerts.models import Alert
    from beatbook.sensing.models import Device

    ids = list(Device.objects.order_by("id").values_list("id", flat=True)[:1000])
    t0 = timezone.now()
    _events(ids, n, alerting_every, t0)
    original = paging.sync
    paging.sync = lambda **kwargs: 0  # type: ignore[assignment]
    try:
        alerts_before = Alert.objects.count()
        start = time.perf_counter()
        done = 0
        while True:
            k = worker.evaluate_events(now=t0, limit=limit)
            if not k:
                break
            done += k
        elapsed = time.perf_counter() - start
    finally:
        paging.sync = original  # type: ignore[assignment]
    rate = done / elapsed
    print(
        f"  {label}: {done:,} events in {elapsed:.2f} s = {rate:,.0f} events/s "
        f"(batch {limit}; {Alert.objects.count() - alerts_before:,} alerts raised)"
    )
    return rate


def _timer_check(devices: int, compound_id: int, building_id: int, runs: int) -> None:
    from django.db import connection
    from django.db.models import F
    from django.utils import timezone

    from beatbook.alerts import worker
    from beatbook.alerts.models import DeviceTimer
    from beatbook.sensing.models import Device

    have = Device.objects.count()
    if have < devices:
        t = time.perf_counter()
        _devices(devices - have, compound_id, building_id, start=have + 1_000_000)
        while worker.sync_new_devices():
            pass
        # sync_new_devices takes 5,000 a call
        while DeviceTimer.objects.count() < Device.objects.count():
            worker.sync_new_devices()
        print(f"  ({devices:,} devices and timer rows made in {time.perf_counter() - t:.1f} s)")
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("ANALYZE alerts_devicetimer; ANALYZE sensing_device")
    now = timezone.now()
    assert worker.fire_due_timers(now=now) == 0
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        worker.fire_due_timers(now=now)
        samples.append((time.perf_counter() - start) * 1000)
    naive = []
    for _ in range(max(3, runs // 20)):
        start = time.perf_counter()
        list(
            Device.objects.filter(heartbeat_window__isnull=False)
            .filter(last_seen_at__lt=now - F("heartbeat_window"))
            .values_list("id", flat=True)[:500]
        )
        list(
            DeviceTimer.objects.filter(
                last_activity_at__lt=now - dt.timedelta(hours=24)
            ).values_list("device_id", flat=True)[:500]
        )
        naive.append((time.perf_counter() - start) * 1000)
    print(
        f"  timer check, nothing due, {devices:>9,} devices: median "
        f"{statistics.median(samples):.3f} ms, p95 {sorted(samples)[int(len(samples) * 0.95)]:.3f} ms"
        f"   (reference, scanning for deadlines: {statistics.median(naive):.1f} ms)"
    )


def run_suite(quick: bool) -> None:
    compound_id, building_id = _world()
    _devices(1000, compound_id, building_id)
    from beatbook.alerts import worker

    worker.sync_new_devices()
    n = 20_000 if quick else 200_000
    for limit in (500, 2000):
        _throughput("everyday mix (1 in 200 alerting)", n, 200, limit)
    _throughput("every event alerting", n // 4, 1, 2000)
    sizes = [10_000, 100_000] if quick else [10_000, 1_000_000]
    for size in sizes:
        _timer_check(size, compound_id, building_id, runs=200)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--postgres")
    parser.add_argument("--sqlite", action="store_true", help="also on SQLite")
    args = parser.parse_args()
    if args.postgres:
        # one database per process: Django is set up once
        _recreate_pg(args.postgres)
        with tempfile.TemporaryDirectory() as home:
            _setup(args.postgres, home)
            print(f"PostgreSQL ({args.postgres.rpartition('/')[2]}):")
            run_suite(args.quick)
        return 0
    with tempfile.TemporaryDirectory() as home:
        _setup(f"sqlite:///{home}/bench.sqlite3", home)
        print("SQLite:")
        run_suite(args.quick)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
