"""`beatbook simulate` drives real traffic through each ingestion path."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import call_command

from beatbook.sensing import ingest
from beatbook.sensing.models import Device, Event, Gateway
from beatbook.sensing.tests.mqtt_support import drop_session, require_broker, unique, wait_for
from beatbook.sensing.worker import MqttIntake


def simulate(*args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("simulate", *args, stdout=out, stderr=io.StringIO())
    return json.loads(out.getvalue())


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    ingest.forget()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("via", ["http", "isapi"])
def test_simulate_over_http(world: Any, live_server: Any, via: str) -> None:
    result = simulate(
        "--devices",
        "30",
        "--rate",
        "100",
        "--duration",
        "0.5",
        "--via",
        via,
        "--url",
        live_server.url,
        "--compound",
        world.compound_b.name,
        "--seed",
        "3",
    )
    assert result["sent"] == 50 and result["errors"] == 0
    gateway = Gateway.objects.get(name="sim-gateway")
    assert Device.objects.filter(gateway=gateway).count() == 30
    kinds = set(Device.objects.filter(gateway=gateway).values_list("kind", flat=True))
    assert {"door_sensor", "camera", "elevator_camera"} <= kinds
    stored = Event.objects.filter(device__gateway=gateway).count()
    if via == "http":
        assert result["accepted"] == stored == 50
    else:  # camera keep-alives (videoloss inactive) store no event
        assert result["accepted"] == stored <= 50
        assert Device.objects.filter(gateway=gateway, last_seen_at__isnull=False).exists()
    # a second run reuses the fleet with a new token
    again = simulate(
        "--devices",
        "30",
        "--rate",
        "100",
        "--duration",
        "0.2",
        "--via",
        via,
        "--url",
        live_server.url,
        "--compound",
        world.compound_b.name,
    )
    assert again["errors"] == 0
    assert Device.objects.filter(gateway=gateway).count() == 30


@pytest.mark.mqtt
@pytest.mark.django_db(transaction=True)
def test_simulate_over_mqtt(world: Any) -> None:
    host, port = require_broker()
    prefix = unique("bbtest")
    client_id = unique("test-sim")
    intake = MqttIntake(host=host, port=port, client_id=client_id, topic_prefix=prefix)
    intake.start()
    try:
        assert wait_for(lambda: intake.stats.subscribed, 30)
        result = simulate(
            "--devices",
            "10",
            "--rate",
            "200",
            "--duration",
            "0.5",
            "--via",
            "mqtt",
            "--batch",
            "10",
            "--topic-prefix",
            prefix,
            "--compound",
            world.compound_b.name,
            "--mqtt-host",
            host,
            "--mqtt-port",
            str(port),
        )
        assert result["sent"] == 100
        assert wait_for(lambda: intake.stats.events_stored == 100, 30), intake.stats
    finally:
        intake.stop()
        drop_session(host, port, client_id)
    assert Event.objects.filter(device__gateway__name="sim-gateway").count() == 100
