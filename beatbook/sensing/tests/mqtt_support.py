"""Helpers for tests against the real Mosquitto broker and worker subprocesses."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from beatbook.sensing.worker import broker_address


def require_broker() -> tuple[str, int]:
    """The broker's address; skip when unreachable (fail under CI=true)."""
    host, port = broker_address()
    try:
        socket.create_connection((host, port), timeout=1).close()
    except OSError:
        if os.environ.get("CI", "").lower() == "true":
            raise
        pytest.skip(f"no MQTT broker at {host}:{port}")
    return host, port


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def publisher(host: str, port: int) -> Any:
    import paho.mqtt.client as mqtt

    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=unique("test-pub"))
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    client.connect(host, port)
    client.loop_start()
    return client


def publish_all(client: Any, messages: list[tuple[str, dict[str, Any]]]) -> None:
    infos = [client.publish(topic, json.dumps(body), qos=1) for topic, body in messages]
    for info in infos:
        info.wait_for_publish(timeout=10)


def drop_session(host: str, port: int, client_id: str) -> None:
    """Remove a persistent session left on the broker by a test."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5
    )
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = 0
    try:
        client.connect(host, port, clean_start=True, properties=props)
        client.loop_start()
        time.sleep(0.1)
        client.disconnect()
        client.loop_stop()
    except OSError:
        pass


def wait_for(predicate: Callable[[], bool], timeout: float = 20.0, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


class WorkerDatabase:
    """The database a worker subprocess uses: on PostgreSQL the test database
    itself; on SQLite (in memory for tests) a file copied from it."""

    def __init__(self, tmp_path: Path) -> None:
        settings = connection.settings_dict
        self.sqlite: Path | None = None
        if connection.vendor == "sqlite":
            self.sqlite = tmp_path / "worker.sqlite3"
            target = sqlite3.connect(self.sqlite)
            connection.ensure_connection()
            connection.connection.backup(target)
            target.close()
            self.url = f"sqlite:///{self.sqlite}"
        else:
            user = settings.get("USER") or "postgres"
            host = settings.get("HOST") or "localhost"
            port = settings.get("PORT") or 5432
            self.url = f"postgres://{user}@{host}:{port}/{settings['NAME']}"

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        if self.sqlite is not None:
            with sqlite3.connect(self.sqlite, timeout=20) as db:
                return list(db.execute(sql))
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return list(cursor.fetchall())

    def count_events(self) -> int:
        return int(self.rows("SELECT COUNT(*) FROM sensing_event")[0][0])


class WorkerProcess(subprocess.Popen[str]):
    """A ``beatbook worker`` subprocess whose stderr is collected as it comes."""

    def __init__(self, db: WorkerDatabase, *args: str) -> None:
        env = {**os.environ, "DATABASE_URL": db.url, "PYTHONUNBUFFERED": "1"}
        super().__init__(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "-m", "beatbook", "worker", *args],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.stderr is not None
        for line in self.stderr:
            self._lines.append(line)

    def seen(self) -> str:
        return "".join(self._lines)

    def finish(self, timeout: float = 30) -> str:
        """Wait for the exit; everything it wrote to stderr."""
        self.wait(timeout)
        self._reader.join(timeout)
        return self.seen()


def start_worker(db: WorkerDatabase, *args: str) -> WorkerProcess:
    return WorkerProcess(db, *args)
