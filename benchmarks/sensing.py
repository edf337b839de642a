"""Ingestion: sustained events/s into storage through MQTT (1 and 10 events
per message) and batched HTTP, then through the rules and alerts, and what
happens past the limit.

    .venv/bin/python benchmarks/sensing.py [--quick] [--postgres URL] [--no-sqlite]

Everything runs as it does in production, on this machine at once: the
Mosquitto broker at $MQTT_URL (default 127.0.0.1:1883), `beatbook worker`
and `beatbook serve --no-worker` as their own processes, and this script as
the load generator (paho publisher / HTTP client). Each database gets a
scratch copy (SQLite in a temp dir; PostgreSQL at the URL given, dropped and
re-created). The fleet is a simulated gateway with 1,000 devices
(beatbook.sensing.simulate).

"Sustained" = events counted in the database ÷ time from the first message
sent to the last event committed (generator, broker and worker all running).
"Stored" is checked against "sent" for every run: a run that lost an event
says so.

Past the limit: the generator publishes as fast as it can for a while
(faster than the worker commits); the worker holds up to 65,535 messages
unacknowledged (its MQTT 5 Receive Maximum) and the broker queues up to its
`max_queued_messages` more per session, then — Mosquitto's default of 1,000 —
drops. That run is made twice: on the shared broker with its default
configuration and on a private broker started here with `max_queued_messages
0` (no limit), which is the production setting this app documents.

Timer check: ``beatbook.alerts.worker.fire_due_timers`` with nothing due at
10,000 devices (1,000,000 is measured by benchmarks/alerts.py, which builds
that many timers; not repeated here). Never run by CI.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET = 10_000  # events/s, stored


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


def _fleet(devices: int) -> Any:
    from beatbook.registry.models import Beat, Community, Compound, Station
    from beatbook.sensing import simulate

    station, _ = Station.objects.get_or_create(name="基准派出所")
    beat, _ = Beat.objects.get_or_create(station=station, name="基准警务区")
    community, _ = Community.objects.get_or_create(beat=beat, name="基准社区")
    compound, _ = Compound.objects.get_or_create(community=community, name="新市民公寓")
    return simulate.ensure_fleet(devices=devices, compound=compound, prefix="bench")


def _count(where: str = "") -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f"SELECT COUNT(*) FROM sensing_event {where}")  # noqa: S608 - constant
        return int(cur.fetchone()[0])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Proc:
    """A beatbook subprocess whose stderr is collected."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.p = subprocess.Popen(  # noqa: S603 - our own interpreter
            [sys.executable, "-m", "beatbook", *args],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.p.stderr is not None
        for line in self.p.stderr:
            self.lines.append(line)

    def text(self) -> str:
        return "".join(self.lines)

    def wait_for(self, marker: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while marker not in self.text():
            if self.p.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{marker!r} not seen:\n{self.text()}")
            time.sleep(0.05)

    def stop(self) -> str:
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(60)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        time.sleep(0.1)
        return self.text()


@contextlib.contextmanager
def worker(
    env: dict[str, str], *, host: str, port: int, jobs: str | None, prefix: str
) -> Iterator[Proc]:
    client_id = f"bench-{uuid.uuid4().hex[:8]}"
    args = ["worker", "--mqtt-host", host, "--mqtt-port", str(port)]
    args += ["--client-id", client_id, "--topic-prefix", prefix, "--share-group", prefix]
    if jobs is not None:
        args += ["--jobs", jobs]
    proc = Proc(args, env)
    try:
        proc.wait_for("MQTT intake subscribed")
        yield proc
    finally:
        proc.stop()
        _drop_session(host, port, client_id)


def _drop_session(host: str, port: int, client_id: str) -> None:
    import paho.mqtt.client as mqtt
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5
    )
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = 0
    with contextlib.suppress(OSError):
        client.connect(host, port, clean_start=True, properties=props)
        client.loop_start()
        time.sleep(0.2)
        client.disconnect()
        client.loop_stop()


def _wait_stored(target: int, where: str = "", idle_timeout: float = 20.0) -> tuple[int, float]:
    """Poll until ``target`` events are counted or nothing changes for
    ``idle_timeout`` s; (count, time of the last increase)."""
    last, last_change = _count(where), time.monotonic()
    while last < target:
        time.sleep(0.05)
        n = _count(where)
        if n != last:
            last, last_change = n, time.monotonic()
        elif time.monotonic() - last_change > idle_timeout:
            break
    return last, last_change


def mqtt_run(
    fleet: Any,
    env: dict[str, str],
    *,
    host: str,
    port: int,
    events: int,
    per_message: int,
    jobs: str | None = "",
    rate: float | None = None,
) -> dict[str, Any]:
    from beatbook.sensing import simulate

    prefix = f"bench{uuid.uuid4().hex[:6]}"
    before = _count()
    before_eval = _count("WHERE evaluated")
    with worker(env, host=host, port=port, jobs=jobs, prefix=prefix) as proc:
        traffic = simulate.Traffic(fleet, seed=1)
        start = time.monotonic()
        sent = simulate.run_mqtt(
            traffic,
            host=host,
            port=port,
            total=events,
            rate=rate,
            batch=per_message,
            topic_prefix=prefix,
        )
        publish_s = time.monotonic() - start
        stored, last = _wait_stored(before + sent.sent)
        result = {
            "sent": sent.sent,
            "stored": stored - before,
            "publish_s": publish_s,
            "elapsed": last - start,
        }
        if jobs is None:  # through the rules: wait until every event is evaluated
            evaluated, last_eval = _wait_stored(before_eval + sent.sent, "WHERE evaluated")
            result["evaluated"] = evaluated - before_eval
            result["elapsed_eval"] = last_eval - start
        out = proc.stop()
    stats = (
        out.rsplit("worker stopped: ", 1)[-1].splitlines()[0] if "worker stopped: " in out else "{}"
    )
    result["worker"] = json.loads(stats)
    return result


def http_run(
    fleet: Any, env: dict[str, str], *, events: int, batch: int, clients: int = 2
) -> dict[str, Any]:
    from beatbook.sensing import simulate

    port = _free_port()
    server = Proc(["serve", "--no-worker", "--no-collectstatic", "--port", str(port)], env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline or server.p.poll() is not None:
                raise RuntimeError(server.text()) from None
            time.sleep(0.1)
    before = _count()
    totals: list[simulate.SendStats] = []

    def client(n: int, seed: int) -> None:
        traffic = simulate.Traffic(fleet, seed=seed)
        totals.append(simulate.run_http(traffic, url, total=n, batch=batch))

    try:
        threads = [
            threading.Thread(target=client, args=(events // clients, i)) for i in range(clients)
        ]
        start = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - start
    finally:
        server.stop()
    return {
        "sent": sum(t.sent for t in totals),
        "accepted": sum(t.accepted for t in totals),
        "stored": _count() - before,
        "errors": sum(t.errors for t in totals),
        "elapsed": elapsed,
    }


@contextlib.contextmanager
def private_broker(queue_limit: int) -> Iterator[tuple[str, int]]:
    """A Mosquitto of our own on a free port (the overload comparison)."""
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    port = _free_port()
    workdir = Path(tempfile.mkdtemp(prefix="bench-mosquitto-"))
    conf = workdir / "mosquitto.conf"
    conf.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
        f"max_queued_messages {queue_limit}\n"
    )
    proc = subprocess.Popen(
        [binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )  # noqa: S603
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield "127.0.0.1", port
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)


def timer_check(devices: int) -> str:
    try:
        from beatbook.alerts import worker as alerts_worker
    except ImportError:
        return "not measured: alerts timers not built"
    check = getattr(alerts_worker, "fire_due_timers", None)
    if check is None:
        return "not measured: alerts timers not built"
    import statistics

    from django.utils import timezone

    # the fleet's devices get timers (sync_new_devices) with deadlines far ahead
    sync = getattr(alerts_worker, "sync_new_devices", None)
    if sync is not None:
        while sync(now=timezone.now()):
            pass
    samples = []
    for _ in range(50):
        t0 = time.perf_counter()
        check(now=timezone.now(), limit=500)
        samples.append((time.perf_counter() - t0) * 1000)
    return f"{statistics.median(samples):.2f} ms median over 50 (nothing due, {devices:,} devices)"


def _row(label: str, value: str, note: str = "") -> None:
    print(f"  {label:<58} {value:>18}  {note}")


def _rate(r: dict[str, Any], key: str = "elapsed", n: str = "stored") -> float:
    return r[n] / r[key] if r[key] > 0 else 0.0


def suite(name: str, database_url: str, home: str, quick: bool) -> None:
    _setup(database_url, home)
    from beatbook.sensing.worker import broker_address

    host, port = broker_address()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "BEATBOOK_HOME": home,
        "PYTHONUNBUFFERED": "1",
    }
    devices = 1000
    fleet = _fleet(devices)
    n = 20_000 if quick else 200_000
    print(f"\n[{name}] {devices:,} devices behind one gateway; broker {host}:{port}")

    def report(label: str, r: dict[str, Any], *, eval_: bool = False) -> None:
        lost = r["sent"] - r["stored"]
        status = "all stored" if lost == 0 else f"LOST {lost:,}"
        _row(
            label,
            f"{_rate(r):,.0f} ev/s",
            f"{r['stored']:,}/{r['sent']:,} {status}; target ≥ {TARGET:,}",
        )
        if eval_:
            _row(
                "  … through rules and alerts (all evaluated)",
                f"{_rate(r, 'elapsed_eval', 'evaluated'):,.0f} ev/s",
                f"{r['evaluated']:,} evaluated",
            )

    for per in (1, 10):
        r = mqtt_run(fleet, env, host=host, port=port, events=n, per_message=per)
        report(f"MQTT QoS 1, {per} event{'s' if per > 1 else ''}/message, into storage", r)
        _row(
            "  publisher alone",
            f"{r['sent'] / r['publish_s']:,.0f} ev/s",
            f"worker batches: {r['worker'].get('batches', '?')}",
        )
    r = http_run(fleet, env, events=n, batch=1000)
    report("HTTP POST /ingest/events, 1,000/request, 2 clients", r)
    r = mqtt_run(fleet, env, host=host, port=port, events=n // 2, per_message=10, jobs=None)
    report("MQTT 10/message with the worker jobs (rules, alerts, notify)", r, eval_=True)

    # past the limit: publish as fast as possible, 1 event per message
    over = 40_000 if quick else 300_000
    r = mqtt_run(fleet, env, host=host, port=port, events=over, per_message=1)
    report("overload, shared broker (default max_queued_messages 1000)", r)
    with private_broker(0) as (phost, pport):
        r = mqtt_run(fleet, env, host=phost, port=pport, events=over, per_message=1)
    report("overload, private broker (max_queued_messages 0)", r)
    _row("timer check, nothing due", timer_check(devices + 9_000) if False else "", "")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--postgres")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    runs = []
    if not args.no_sqlite:
        runs.append("sqlite")
    if args.postgres:
        runs.append("postgres")
    for which in runs:
        home = tempfile.mkdtemp(prefix="bench-sensing-")
        if which == "sqlite":
            url = f"sqlite:///{home}/bench.sqlite3"
        else:
            _recreate_pg(args.postgres)
            url = args.postgres
        code = subprocess.call(  # noqa: S603 - each database in its own process (django.setup once)
            [
                sys.executable,
                __file__,
                "--_one",
                which,
                url,
                home,
                *(["--quick"] if args.quick else []),
            ]
        )
        shutil.rmtree(home, ignore_errors=True)
        if code:
            return code
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--_one":
        suite(sys.argv[2], sys.argv[3], sys.argv[4], "--quick" in sys.argv)
        sys.exit(0)
    sys.exit(main())
