"""``beatbook worker``: MQTT intake plus the periodic jobs of the other apps.

The intake (``MqttIntake``) subscribes with QoS 1 to the shared subscription
``$share/beatbook/beatbook/+/events`` under a stable client id and a
persistent MQTT 5 session (clean start off, a long session expiry), so
several workers split the load and a restarted worker gets back what it had
not acknowledged. Messages are collected for a few milliseconds, stored in
one transaction through the ingestion pipeline, and only then acknowledged
(paho's manual ack): a worker killed mid-batch loses nothing (the broker
redelivers what was not acknowledged) and duplicates nothing (events are
unique per (device, msg_id)). The worker announces a Receive Maximum of
65,535 so the broker hands it everything it has at once instead of 20
messages at a time (its default for MQTT 3.1.1 clients), and overload builds
up as unacknowledged messages rather than overflowing the broker's per-client
queue (mosquitto's ``max_queued_messages``, 1,000 by default, beyond which it
drops).

The job loop calls each function named in ``settings.WORKER_JOBS``
(``run_once(*, now=None, limit=500) -> int``) in turn, sleeping briefly when
none had work; a committed MQTT batch wakes it at once.
"""

from __future__ import annotations

import json
import logging
import os
import select
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from beatbook.sensing import ingest

log = logging.getLogger("beatbook.worker")

TOPIC_PREFIX = "beatbook"
SHARE_GROUP = "beatbook"
RECEIVE_MAXIMUM = 65535
SESSION_EXPIRY = 7 * 24 * 3600


def broker_address() -> tuple[str, int]:
    """(host, port) of the broker from $MQTT_URL (default mqtt://127.0.0.1:1883)."""
    from urllib.parse import urlsplit

    url = urlsplit(os.environ.get("MQTT_URL") or "mqtt://127.0.0.1:1883")
    return url.hostname or "127.0.0.1", url.port or 1883


def default_client_id(index: int = 1) -> str:
    return f"beatbook-worker-{socket.gethostname()}-{index}"


@dataclass
class IntakeStats:
    messages: int = 0
    events_stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    #: token missing or not matching the topic's key
    bad_token: int = 0
    #: not JSON, not {"events": [...]}, or more than MAX_EVENTS events
    malformed: int = 0
    batches: int = 0
    commit_failures: int = 0
    connected: bool = False
    subscribed: bool = False
    cpu_start: float = field(default_factory=time.process_time, repr=False)
    #: CPU time of the committing thread (parsing, storing, acknowledging)
    commit_cpu_s: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def as_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k not in ("lock", "cpu_start")}
        # this process's CPU time since the intake started (all threads): the
        # cost per event, whatever else the machine is doing
        out["cpu_s"] = round(time.process_time() - self.cpu_start, 3)
        out["commit_cpu_s"] = round(self.commit_cpu_s, 3)
        return out


@dataclass(frozen=True)
class _Message:
    mid: int
    qos: int
    topic: str
    payload: bytes


def topic_for(key: str, prefix: str = TOPIC_PREFIX) -> str:
    """The topic a device or gateway publishes its events to."""
    return f"{prefix}/{key}/events"


def _topic_key(topic: str, prefix: str) -> str | None:
    head, _, rest = topic.partition("/")
    key, _, tail = rest.partition("/")
    if head == prefix and tail == "events" and key:
        return key
    return None


class MqttIntake:
    """Receives event messages, commits them in batches, then acknowledges them."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 1883,
        client_id: str | None = None,
        topic_prefix: str = TOPIC_PREFIX,
        share_group: str | None = SHARE_GROUP,
        batch_max: int = 5000,
        batch_wait: float = 0.005,
        on_commit: Callable[[int], None] | None = None,
        username: str | None = None,
        password: str | None = None,
        commit_delay: float = 0.0,
    ) -> None:
        self.host, self.port = host, port
        self.client_id = client_id or default_client_id()
        self.topic_prefix = topic_prefix
        topic = f"{topic_prefix}/+/events"
        self.subscription = f"$share/{share_group}/{topic}" if share_group else topic
        self.batch_max = batch_max
        self.batch_wait = batch_wait
        self.on_commit = on_commit
        self.username, self.password = username, password
        #: a pause inside each batch's transaction (tests: to kill a worker mid-batch)
        self.commit_delay = commit_delay
        self.stats = IntakeStats()
        self._pending: list[_Message] = []
        self._deadline = 0.0
        self._connected_once = False
        self._props: Any = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._client: Any = None
        self._last_failure_log = 0.0

    # --- paho callbacks (network thread) -----------------------------------

    def _on_connect(self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        if getattr(reason, "is_failure", False):
            log.warning(
                "MQTT broker %s:%s refused the connection: %s", self.host, self.port, reason
            )
            return
        self.stats.connected = True
        log.warning(
            "MQTT intake connected to %s:%s as %s (session present: %s)",
            self.host,
            self.port,
            self.client_id,
            getattr(flags, "session_present", None),
        )
        client.subscribe(self.subscription, qos=1)

    def _on_subscribe(self, client: Any, userdata: Any, mid: int, reasons: Any, props: Any) -> None:
        if any(getattr(r, "is_failure", False) for r in reasons):
            log.error("MQTT subscription to %s refused: %s", self.subscription, reasons)
            return
        self.stats.subscribed = True
        log.warning("MQTT intake subscribed to %s", self.subscription)

    def _on_disconnect(
        self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any
    ) -> None:
        if self.stats.connected and not self._stop.is_set():
            log.warning(
                "MQTT broker connection lost (%s); reconnecting. If this repeats, another "
                "worker may be using the client id %s: give each its own --index",
                reason,
                self.client_id,
            )
        self.stats.connected = False
        self.stats.subscribed = False

    def _on_connect_fail(self, client: Any, userdata: Any) -> None:
        now = time.monotonic()
        if now - self._last_failure_log > 30:
            log.warning(
                "MQTT broker %s:%s unreachable; retrying with backoff "
                "(HTTP ingest and the other jobs keep working)",
                self.host,
                self.port,
            )
            self._last_failure_log = now

    def _on_message(self, client: Any, userdata: Any, message: Any) -> None:
        self._pending.append(_Message(message.mid, message.qos, message.topic, message.payload))

    # --- lifecycle ----------------------------------------------------------

    def start(self) -> None:
        """Connect (in the background, retrying) and take messages until stop()."""
        import paho.mqtt.client as mqtt
        from paho.mqtt.packettypes import PacketTypes
        from paho.mqtt.properties import Properties

        client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        if self.username:
            client.username_pw_set(self.username, self.password)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_subscribe = self._on_subscribe
        # this thread drives the socket itself (paho's "external loop"): packets
        # queued by ack() are written together by loop_write(), not one by one
        client.on_socket_register_write = lambda *_: None
        client.on_socket_unregister_write = lambda *_: None
        self._props = Properties(PacketTypes.CONNECT)
        self._props.SessionExpiryInterval = SESSION_EXPIRY
        self._props.ReceiveMaximum = RECEIVE_MAXIMUM
        self._client = client
        self._thread = threading.Thread(target=self._run, name="mqtt-intake", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Commit and acknowledge what was received, then disconnect."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    # --- the intake thread --------------------------------------------------

    def _run(self) -> None:
        """One thread reads the socket, commits batches and writes the acks:
        no hand-over between threads for each message."""
        client = self._client
        delay = 1.0
        try:
            while not self._stop.is_set():
                if client.socket() is None:
                    if not self._connect(client):
                        self._stop.wait(delay)
                        delay = min(delay * 2, 30.0)
                        continue
                    delay = 1.0
                self._pump(client)
            self._flush(final=True)
            if client.socket() is not None:
                client.disconnect()
                client.loop_write()
        finally:
            connection.close()

    def _connect(self, client: Any) -> bool:
        try:
            if self._connected_once:
                client.reconnect()
            else:
                client.connect(
                    self.host,
                    self.port,
                    keepalive=30,
                    clean_start=False,
                    properties=self._props,
                )
                self._connected_once = True
            client.loop_write()
            return True
        except OSError:
            self._on_connect_fail(client, None)
            return False

    def _pump(self, client: Any) -> None:
        """Wait for the socket (or the batch's deadline), read what came,
        write what is queued, commit a batch when it is full or due."""
        sock = client.socket()
        timeout = max(0.0, self._deadline - time.monotonic()) if self._pending else 0.2
        try:
            readable, writable, _ = select.select(
                [sock], [sock] if client.want_write() else [], [], timeout
            )
        except (OSError, ValueError):
            readable, writable = [], []
        if readable:
            before = len(self._pending)
            for _ in range(self.batch_max):
                if client.loop_read() != 0 or client.socket() is None:
                    break
                if not select.select([sock], [], [], 0)[0]:
                    break
            if before == 0 and self._pending:
                self._deadline = time.monotonic() + self.batch_wait
        if client.socket() is not None and (writable or client.want_write()):
            client.loop_write()
        if client.socket() is not None:
            client.loop_misc()
        if self._pending and (
            len(self._pending) >= self.batch_max or time.monotonic() >= self._deadline
        ):
            self._flush()

    def _flush(self, *, final: bool = False) -> None:
        """Store the pending messages (retrying while the database fails),
        then acknowledge them."""
        if not self._pending:
            return
        batch, self._pending = self._pending, []
        delay = 0.1
        while True:
            started = time.thread_time()
            try:
                stored = self.process(batch)
            except Exception:
                self.stats.commit_failures += 1
                log.exception("storing an MQTT batch failed; retrying (nothing acknowledged)")
                close_old_connections()
                if final or self._stop.wait(delay):
                    return  # unacknowledged: the broker redelivers after restart
                delay = min(delay * 2, 5.0)
                continue
            client = self._client
            if client.socket() is not None:
                for message in batch:
                    if message.qos > 0:
                        client.ack(message.mid, message.qos)
                client.loop_write()
            # (after a lost connection the broker redelivers them to the new session)
            self.stats.commit_cpu_s += time.thread_time() - started
            if self.on_commit is not None:
                self.on_commit(stored)
            return

    def process(self, batch: list[_Message]) -> int:
        """Store one batch of messages (one transaction); return events stored."""
        received_at = timezone.now()
        batches: list[ingest.Batch] = []
        stats = self.stats
        for message in batch:
            key = _topic_key(message.topic, self.topic_prefix)
            try:
                payload = json.loads(message.payload)
            except (ValueError, UnicodeDecodeError):
                stats.malformed += 1
                continue
            if not isinstance(payload, dict):
                stats.malformed += 1
                continue
            token = payload.get("token")
            holder = ingest.authenticate(token) if isinstance(token, str) else None
            if holder is None or key is None or holder.key != key:
                stats.bad_token += 1
                continue
            events = payload.get("events")
            if not isinstance(events, list) or len(events) > ingest.MAX_EVENTS:
                stats.malformed += 1
                continue
            batches.append(ingest.Batch(holder, events))
        with transaction.atomic():
            results = ingest.ingest_many(batches, source="mqtt", received_at=received_at)
            if self.commit_delay:
                time.sleep(self.commit_delay)
        stored = sum(r.accepted for r in results)
        with stats.lock:
            stats.messages += len(batch)
            stats.batches += 1
            stats.events_stored += stored
            stats.duplicates += sum(r.duplicates for r in results)
            stats.rejected += sum(len(r.rejected) for r in results)
        return stored


# --- the job loop ------------------------------------------------------------


def load_jobs(names: list[str] | None = None) -> list[tuple[str, Callable[..., int]]]:
    names = list(settings.WORKER_JOBS if names is None else names)
    return [(name, import_string(name)) for name in names]


class Worker:
    """The MQTT intake (unless disabled) and the job loop, until stopped."""

    def __init__(
        self,
        *,
        mqtt: MqttIntake | None,
        jobs: list[tuple[str, Callable[..., int]]],
        idle_sleep: float = 0.05,
        limit: int = 500,
        parent_pid: int | None = None,
    ) -> None:
        self.mqtt = mqtt
        self.jobs = jobs
        self.idle_sleep = idle_sleep
        self.limit = limit
        self.stopping = threading.Event()
        self.wake = threading.Event()
        if mqtt is not None:
            mqtt.on_commit = lambda stored: self.wake.set() if stored else None
        self._job_failures: dict[str, float] = {}
        #: stop when this process (``beatbook serve``) is gone
        self.parent_pid = parent_pid

    def stop(self, *_: Any) -> None:
        self.stopping.set()
        self.wake.set()

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)

    def run_jobs_once(self) -> int:
        done = 0
        now = time.monotonic()
        for name, job in self.jobs:
            if self._job_failures.get(name, 0) > now:
                continue  # backing off after an error
            try:
                done += int(job(now=None, limit=self.limit) or 0)
            except Exception:
                log.exception("worker job %s failed; retrying in 5 s", name)
                self._job_failures[name] = now + 5
                close_old_connections()
        return done

    def run(self) -> None:
        if self.mqtt is not None:
            self.mqtt.start()
        try:
            while not self.stopping.is_set():
                if self.parent_pid is not None and os.getppid() != self.parent_pid:
                    log.warning("the server that started this worker is gone; stopping")
                    break
                done = self.run_jobs_once()
                if done == 0:
                    self.wake.wait(self.idle_sleep)
                    self.wake.clear()
        finally:
            if self.mqtt is not None:
                self.mqtt.stop()
            connection.close()
