"""The MQTT intake and the worker, against the real Mosquitto broker."""

from __future__ import annotations

import json
import logging
import signal
import threading
from pathlib import Path
from typing import Any

import pytest

from beatbook.sensing import ingest
from beatbook.sensing.models import Event
from beatbook.sensing.tests.factories import make_device, make_gateway
from beatbook.sensing.tests.mqtt_support import (
    WorkerDatabase,
    drop_session,
    publish_all,
    publisher,
    require_broker,
    start_worker,
    unique,
    wait_for,
)
from beatbook.sensing.worker import MqttIntake, Worker, topic_for


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    ingest.forget()


@pytest.fixture
def broker() -> tuple[str, int]:
    return require_broker()


@pytest.mark.mqtt
@pytest.mark.django_db(transaction=True)
def test_intake_stores_acks_and_drops_bad_tokens(world: Any, broker: tuple[str, int]) -> None:
    host, port = broker
    prefix = unique("bbtest")
    device, token = make_device(place=world.flat_a)
    other, other_token = make_device(place=world.flat_a)
    gateway, gw_token = make_gateway(compound=world.compound_b)
    cams = [
        make_device(place=world.building_b, kind="camera", gateway=gateway, channel=n)[0]
        for n in range(1, 11)
    ]
    client_id = unique("test-intake")
    intake = MqttIntake(host=host, port=port, client_id=client_id, topic_prefix=prefix)
    intake.start()
    pub = publisher(host, port)
    try:
        assert wait_for(lambda: intake.stats.subscribed, 30)
        one = {"token": token, "events": [{"msg_id": "1", "type": "door_open"}]}
        ten = {
            "token": gw_token,
            "events": [{"device": c.key, "msg_id": "x", "type": "VMD"} for c in cams],
        }
        messages = [
            (topic_for(device.key, prefix), one),
            (topic_for(device.key, prefix), one),  # a duplicate
            (topic_for(gateway.name, prefix), ten),
            # another device's token on this device's topic: dropped, counted
            (topic_for(device.key, prefix), {**one, "token": other_token}),
            (topic_for(device.key, prefix), {"events": []}),  # no token
        ]
        publish_all(pub, messages)
        pub.publish(topic_for(device.key, prefix), b"not json", qos=1).wait_for_publish(5)
        assert wait_for(lambda: intake.stats.messages == 6, 30), intake.stats
    finally:
        pub.disconnect()
        intake.stop()
        drop_session(host, port, client_id)
    stats = intake.stats
    assert stats.events_stored == 11
    assert stats.duplicates == 1
    assert stats.bad_token == 2
    assert stats.malformed == 1
    assert Event.objects.filter(device=device).count() == 1
    assert not Event.objects.filter(device=other).exists()
    assert set(Event.objects.filter(device__gateway=gateway).values_list("type", flat=True)) == {
        "motion"
    }
    device.refresh_from_db()
    assert device.last_seen_at is not None


def test_worker_runs_jobs_without_a_broker(caplog: pytest.LogCaptureFixture) -> None:
    calls: list[int] = []

    def job(*, now: Any = None, limit: int = 500) -> int:
        calls.append(limit)
        return 0

    intake = MqttIntake(host="127.0.0.1", port=9, client_id=unique("test-nobroker"))
    worker = Worker(mqtt=intake, jobs=[("job", job)], idle_sleep=0.01)
    with caplog.at_level(logging.WARNING, logger="beatbook.worker"):
        thread = threading.Thread(target=worker.run)
        thread.start()
        assert wait_for(lambda: len(calls) >= 5, 5)
        assert wait_for(lambda: "unreachable" in caplog.text, 5)
        worker.stop()
        thread.join(10)
    assert not thread.is_alive()
    assert not intake.stats.connected


@pytest.mark.django_db
def test_failing_job_does_not_stop_the_others() -> None:
    calls: list[str] = []

    def bad(*, now: Any = None, limit: int = 500) -> int:
        calls.append("bad")
        raise RuntimeError("boom")

    def good(*, now: Any = None, limit: int = 500) -> int:
        calls.append("good")
        return 0

    worker = Worker(mqtt=None, jobs=[("bad", bad), ("good", good)])
    worker.run_jobs_once()
    worker.run_jobs_once()
    assert calls == ["bad", "good", "good"]  # bad backs off after failing


@pytest.mark.mqtt
@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_batch_loses_and_duplicates_nothing(
    world: Any, broker: tuple[str, int], tmp_path: Path
) -> None:
    """A real worker process, kill -9 while a batch is uncommitted; the
    restarted worker (same client id) gets the unacknowledged messages again."""
    host, port = broker
    prefix = unique("bbtest")
    device, token = make_device(place=world.flat_a)
    db = WorkerDatabase(tmp_path)
    client_id = unique("test-kill")
    args = ["--client-id", client_id, "--topic-prefix", prefix, "--jobs", ""]
    args += ["--batch-ms", "20", "--batch-max", "50"]
    total = 600
    first = start_worker(db, *args, "--commit-delay-ms", "300")
    pub = publisher(host, port)
    second = None
    try:
        assert wait_for(lambda: _subscribed(first), 60), first.seen()
        publish_all(
            pub,
            [
                (
                    topic_for(device.key, prefix),
                    {"token": token, "events": [{"msg_id": str(i), "type": "door_open"}]},
                )
                for i in range(total)
            ],
        )
        assert wait_for(lambda: db.count_events() > 0, 60)
        first.send_signal(signal.SIGKILL)
        first.wait(5)
        stored_at_kill = db.count_events()
        assert 0 < stored_at_kill < total, stored_at_kill
        second = start_worker(db, *args)
        assert wait_for(lambda: db.count_events() >= total, 90), db.count_events()
        second.send_signal(signal.SIGTERM)
        err = second.finish()
        assert second.returncode == 0, err
    finally:
        pub.disconnect()
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait(5)
        drop_session(host, port, client_id)
    rows = db.rows("SELECT msg_id FROM sensing_event")
    assert sorted(int(r[0]) for r in rows) == list(range(total))
    stats = json.loads(err.rsplit("worker stopped: ", 1)[1].splitlines()[0])
    # what the killed worker had received but not acknowledged came back
    assert stats["events_stored"] == total - stored_at_kill
    assert stats["events_stored"] + stats["duplicates"] >= total - stored_at_kill


def _subscribed(process: Any) -> bool:
    """Whether the worker subprocess has logged its subscription."""
    if process.poll() is not None:
        raise AssertionError(process.seen())
    return "MQTT intake subscribed" in process.seen()


@pytest.mark.mqtt
@pytest.mark.django_db(transaction=True)
def test_two_workers_share_the_subscription(
    world: Any, broker: tuple[str, int], tmp_path: Path
) -> None:
    """Two worker processes in one shared-subscription group split the
    messages; every event is stored once (on PostgreSQL, the production
    multi-worker setup, and on SQLite, where writers queue)."""
    host, port = broker
    prefix = unique("bbtest")
    gateway, token = make_gateway(compound=world.compound_b)
    cams = [
        make_device(place=world.building_b, kind="camera", gateway=gateway, channel=n)[0]
        for n in range(1, 21)
    ]
    db = WorkerDatabase(tmp_path)
    ids = [unique("test-pair") for _ in range(2)]
    workers = [
        start_worker(db, "--client-id", cid, "--topic-prefix", prefix, "--jobs", "") for cid in ids
    ]
    pub = publisher(host, port)
    total = 400
    try:
        for w in workers:
            assert wait_for(lambda w=w: _subscribed(w), 60), w.seen()
        publish_all(
            pub,
            [
                (
                    topic_for(gateway.name, prefix),
                    {
                        "token": token,
                        "events": [
                            {"device": cams[i % 20].key, "msg_id": f"{i}-{n}", "type": "VMD"}
                            for n in range(5)
                        ],
                    },
                )
                for i in range(total)
            ],
        )
        assert wait_for(lambda: db.count_events() >= total * 5, 90), db.count_events()
        outputs = []
        for w in workers:
            w.send_signal(signal.SIGTERM)
            outputs.append(w.finish())
    finally:
        pub.disconnect()
        for w in workers:
            if w.poll() is None:
                w.kill()
                w.wait(5)
        for cid in ids:
            drop_session(host, port, cid)
    assert db.count_events() == total * 5
    stats = [json.loads(o.rsplit("worker stopped: ", 1)[1].splitlines()[0]) for o in outputs]
    assert sum(s["messages"] for s in stats) == total
    assert all(s["messages"] > 0 for s in stats), stats  # both took a share
    assert sum(s["duplicates"] for s in stats) == 0
