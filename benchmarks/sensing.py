"""Ingestion: sustained events/s into storage through MQTT (1 and 10 events
per message) and batched HTTP, through the rules and alerts, and past the limit.

    .venv/bin/python benchmarks/sensing.py [--quick] [--postgres URL] [--no-sqlite]

Everything runs as in production, on this machine at once: the Mosquitto
broker at $MQTT_URL (default 127.0.0.1:1883), `beatbook worker` and
`beatbook serve --no-worker` as their own processes, and this script as the
load generator. Each database gets a scratch copy (SQLite in a temp dir;
PostgreSQL at the URL given, dropped and re-created). The fleet is a
simulated gateway with 1,000 devices (beatbook.sensing.simulate).

The MQTT generator is a minimal QoS 1 publisher (prebuilt packets, pipelined
writes, PUBACKs counted): about 2 µs of CPU a message, where paho's publish()
costs about 90 µs here, which would leave the app too little of the 2 cores.

Sustained: the generator publishes at a fixed rate for a while; the run
counts it sustained when every event is stored and the last one is committed
within a second of the last one sent. Rates go up a ladder until one is not.
"Stored" is checked against "sent" on every run.

Past the limit: the generator publishes as fast as it can (faster than the
worker commits). The worker acknowledges a message only after its event is
committed, and holds up to 65,535 messages unacknowledged (MQTT 5 Receive
Maximum). What Mosquitto does with the rest is its configuration: with its
default `max_queued_messages 1000` it drops messages for a subscriber whose
socket backlog exceeds 1,000 (what loses the Node-RED flow's events); with
`max_queued_messages 0` it keeps them and intake slows instead. The run is
made on the shared broker (default configuration) and on a private broker
started here with `max_queued_messages 0` (beatbook/sensing/deploy/mosquitto.conf).

Timer check: not repeated here; benchmarks/alerts.py measures
``beatbook.alerts.worker.fire_due_timers`` with nothing due at 10,000 and
1,000,000 devices. Never run by CI.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import struct
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


# --- the load generator ----------------------------------------------------------


def _varint(n):
    out = bytearray()
    while True:
        b = n % 128
        n //= 128
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


class LeanPublisher:
    """A minimal MQTT 3.1.1 QoS 1 publisher: prebuilt packets, pipelined writes,
    PUBACKs counted by a reader thread, at most `window` unacknowledged."""

    def __init__(self, host, port, client_id, window=20000):
        self.sock = socket.create_connection((host, port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        cid = client_id.encode()
        var = b"\x00\x04MQTT\x04\x02\x00\x3c"  # clean session, keepalive 60
        payload = struct.pack("!H", len(cid)) + cid
        body = var + payload
        self.sock.sendall(b"\x10" + _varint(len(body)) + body)
        ack = self.sock.recv(4)
        assert ack[:2] == b"\x20\x02" and ack[3] == 0, ack
        self.acked = 0
        self.sent = 0
        self.window = window
        self.cond = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        buf = b""
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                return
            if not data:
                return
            buf += data
            n = len(buf) // 4  # PUBACK = 4 bytes (40 02 id id)
            if n:
                buf = buf[n * 4 :]
                with self.cond:
                    self.acked += n
                    self.cond.notify_all()

    def publish_many(self, topic, payloads):
        t = topic.encode()
        th = struct.pack("!H", len(t)) + t
        chunk = []
        size = 0
        for p in payloads:
            self.sent += 1
            pid = (self.sent - 1) % 65535 + 1
            rest = th + struct.pack("!H", pid) + p
            chunk.append(b"\x32" + _varint(len(rest)) + rest)
            size += len(rest)
            if size > 60000:
                self._flush(chunk)
                chunk = []
                size = 0
        if chunk:
            self._flush(chunk)

    def _flush(self, chunk):
        with self.cond:
            while self.sent - self.acked > self.window:
                self.cond.wait(1)
        self.sock.sendall(b"".join(chunk))

    def wait_acked(self, timeout=120):
        deadline = time.monotonic() + timeout
        with self.cond:
            while self.acked < self.sent and time.monotonic() < deadline:
                self.cond.wait(0.5)
        return self.acked

    def close(self):
        try:
            self.sock.sendall(b"\xe0\x00")
        finally:
            self.sock.close()


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


def _payloads(fleet: Any, events: int, per_message: int) -> list[bytes]:
    """The messages of a run, made before the clock starts (the devices' work)."""
    from beatbook.sensing import simulate

    traffic = simulate.Traffic(fleet, seed=int(time.time()))
    return [
        json.dumps({"token": fleet.token, "events": traffic.events(per_message)}).encode()
        for _ in range(events // per_message)
    ]


def mqtt_run(
    fleet: Any,
    env: dict[str, str],
    *,
    host: str,
    port: int,
    events: int,
    per_message: int,
    rate: float | None = None,
    jobs: str | None = "",
) -> dict[str, Any]:
    """Publish ``events`` (at ``rate`` events/s, or flat out) to a fresh worker;
    wait until stored (and evaluated, with the jobs running)."""
    prefix = f"bench{uuid.uuid4().hex[:6]}"
    payloads = _payloads(fleet, events, per_message)
    sent = len(payloads) * per_message
    before = _count()
    before_eval = _count("WHERE evaluated")
    with worker(env, host=host, port=port, jobs=jobs, prefix=prefix) as proc:
        pub = LeanPublisher(host, port, f"bench-pub-{uuid.uuid4().hex[:6]}")
        topic = f"{prefix}/{fleet.gateway}/events"
        start = time.monotonic()
        if rate is None:
            pub.publish_many(topic, payloads)
        else:
            per_tick = max(1, int(rate / per_message / 100))  # every 10 ms
            for n in range(0, len(payloads), per_tick):
                due = start + (n * per_message) / rate
                pause = due - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                pub.publish_many(topic, payloads[n : n + per_tick])
        publish_end = time.monotonic()
        pub.wait_acked()
        pub.close()
        stored, last = _wait_stored(before + sent)
        result = {
            "sent": sent,
            "stored": stored - before,
            "publish_s": publish_end - start,
            "elapsed": last - start,
            "lag": last - publish_end,
        }
        if jobs is None:  # through the rules: wait until every event is evaluated
            evaluated, last_eval = _wait_stored(before_eval + sent, "WHERE evaluated", 60)
            result["evaluated"] = evaluated - before_eval
            result["elapsed_eval"] = last_eval - start
            result["lag_eval"] = last_eval - publish_end
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
        server_log = server.stop()
    if any(t.errors for t in totals):
        print("  server said:\n" + server_log[-3000:], flush=True)
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


def _row(label: str, value: str, note: str = "") -> None:
    print(f"  {label:<60} {value:>14}  {note}", flush=True)


def _stored_note(r: dict[str, Any]) -> str:
    lost = r["sent"] - r["stored"]
    return f"{r['stored']:,}/{r['sent']:,} stored" + ("" if lost == 0 else f", {lost:,} LOST")


def _ladder(
    fleet: Any, env: dict[str, str], host: str, port: int, ladder: list[int], seconds: int
) -> None:
    for per in (1, 10):
        best = 0
        for rate in ladder:
            r = mqtt_run(
                fleet,
                env,
                host=host,
                port=port,
                events=int(rate * seconds),
                per_message=per,
                rate=rate,
            )
            ok = r["stored"] == r["sent"] and r["lag"] < 1.0
            achieved = r["stored"] / r["elapsed"] if r["elapsed"] > 0 else 0
            cpu = r["worker"].get("cpu_s", 0) / max(1, r["stored"]) * 1e6
            _row(
                f"MQTT QoS 1, {per} event{'s' if per > 1 else ''}/message, offered {rate:,}/s",
                f"{achieved:,.0f} ev/s",
                f"{_stored_note(r)}; last commit {r['lag']:.2f} s after last send"
                + (" (sustained)" if ok else " (not sustained)")
                + f"; worker CPU {cpu:.0f} µs/event",
            )
            if not ok:
                break
            best = rate
        _row(f"  => sustained, {per}/message", f"{best:,} ev/s", "" if best else "below the ladder")


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
    seconds = 3 if quick else 10
    load = os.getloadavg()[0]
    print(
        f"\n[{name}] {devices:,} devices behind one gateway; broker {host}:{port}; "
        f"load average {load:.1f} on {os.cpu_count()} cores at the start",
        flush=True,
    )
    print(f"  target: >= {TARGET:,} events/s sustained, every event stored", flush=True)

    # sustained: a ladder of rates, each for `seconds`
    ladder = [1_000, 2_500, 5_000] if quick else [1_000, 2_500, 5_000, 10_000, 15_000, 20_000]
    with private_broker(0) as (bhost, bport):
        print(
            f"  (sustained runs on a private Mosquitto with max_queued_messages 0, port {bport}, "
            "as beatbook/sensing/deploy/mosquitto.conf recommends)",
            flush=True,
        )
        _ladder(fleet, env, bhost, bport, ladder, seconds)

    n = 20_000 if quick else 200_000
    r = http_run(fleet, env, events=n, batch=1000)
    _row(
        "HTTP POST /ingest/events, 1,000 events/request, 2 clients",
        f"{r['stored'] / r['elapsed']:,.0f} ev/s",
        _stored_note(r) + (f", {r['errors']} HTTP errors" if r["errors"] else ""),
    )

    rate = 1_000 if quick else 2_000
    from django.db import connection

    with connection.cursor() as cur:  # the rules see only this run's events
        cur.execute("UPDATE sensing_event SET evaluated = %s", [True])
    r = mqtt_run(
        fleet,
        env,
        host=host,
        port=port,
        events=rate * seconds,
        per_message=10,
        rate=rate,
        jobs=None,
    )
    _row(
        f"MQTT 10/message at {rate:,}/s with the worker's jobs (rules, alerts, notify)",
        f"{r['evaluated'] / r['elapsed_eval']:,.0f} ev/s",
        f"{_stored_note(r)}; {r['evaluated']:,} evaluated, the last {r['lag_eval']:.2f} s "
        "after the last send",
    )

    over = 30_000 if quick else 200_000
    r = mqtt_run(fleet, env, host=host, port=port, events=over, per_message=1)
    _row(
        "overload: 1/message flat out, shared broker (max_queued_messages 1000)",
        f"{r['sent'] / r['publish_s']:,.0f} sent/s",
        f"{_stored_note(r)} at {r['stored'] / r['elapsed']:,.0f}/s; "
        f"broker said 'dropped'? see its log",
    )
    with private_broker(0) as (phost, pport):
        r = mqtt_run(fleet, env, host=phost, port=pport, events=over, per_message=1)
    _row(
        "overload: same, private broker with max_queued_messages 0",
        f"{r['sent'] / r['publish_s']:,.0f} sent/s",
        f"{_stored_note(r)} at {r['stored'] / r['elapsed']:,.0f}/s "
        f"(intake {r['lag']:.1f} s behind at the end of sending)",
    )
    _row(
        "timer check with nothing due (10,000 and 1,000,000 devices)",
        "see alerts",
        "measured by benchmarks/alerts.py",
    )


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
