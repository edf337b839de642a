"""`beatbook serve` starts the worker alongside the web server (unless --no-worker)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest

from beatbook.sensing.tests.mqtt_support import WorkerDatabase, unique, wait_for


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(db: WorkerDatabase, *args: str) -> tuple[subprocess.Popen[str], list[str], int]:
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": db.url, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [
            sys.executable,
            "-m",
            "beatbook",
            "serve",
            "--port",
            str(port),
            "--no-collectstatic",
            *args,
        ],
        env={
            **env,
            "WHITENOISE_USE_FINDERS": "1",
            "MQTT_CLIENT_ID": unique("test-serve"),
            "MQTT_TOPIC_PREFIX": unique("bbtest"),
        },
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        lines.extend(process.stdout)

    threading.Thread(target=read, daemon=True).start()
    return process, lines, port


def _up(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:  # noqa: S310
            return bool(r.status == 200)
    except OSError:
        return False


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("with_worker", [True, False])
def test_serve_runs_the_worker(tmp_path: Path, with_worker: bool) -> None:
    db = WorkerDatabase(tmp_path)
    process, lines, port = _serve(db, *([] if with_worker else ["--no-worker"]))
    try:
        assert wait_for(lambda: _up(port), 60), "".join(lines)
        if with_worker:
            assert wait_for(lambda: "worker: jobs" in "".join(lines), 60), "".join(lines)
        else:
            assert "worker started" not in "".join(lines)
        process.send_signal(signal.SIGTERM)
        process.wait(30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)  # the server and its worker
            process.wait(5)
    output = "".join(lines)
    assert ("worker started" in output) == with_worker
    if with_worker:  # stopped with the server, cleanly
        assert wait_for(lambda: "worker stopped" in "".join(lines), 20), "".join(lines)
