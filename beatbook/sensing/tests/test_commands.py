"""`beatbook device add` and `beatbook gateway add`: their outputs and errors."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from beatbook.core.models import AuditEntry
from beatbook.sensing import ingest
from beatbook.sensing.models import Device, Gateway

pytestmark = pytest.mark.django_db


def run(*args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return json.loads(out.getvalue())


def test_gateway_add(world: Any) -> None:
    result = run(
        "gateway",
        "add",
        "新市民平台",
        "--compound",
        world.compound_b.name,
        "--map",
        "EBIKE=ebike_detected",
    )
    assert set(result) == {"id", "name", "token"}
    gateway = Gateway.objects.get(pk=result["id"])
    assert gateway.name == "新市民平台" and gateway.compound == world.compound_b
    assert gateway.event_type_map == {"EBIKE": "ebike_detected"}
    assert result["token"] not in gateway.token_hash
    holder = ingest.authenticate(result["token"])
    assert holder is not None and holder.kind == "gateway" and holder.id == gateway.pk
    assert AuditEntry.objects.filter(action="gateway.create").exists()


def test_gateway_add_errors(world: Any) -> None:
    with pytest.raises(CommandError, match="address"):
        run("gateway", "add", "x", "--compound", "没有这个小区")
    with pytest.raises(CommandError, match="event_type_map"):
        run("gateway", "add", "x", "--compound", world.compound_b.name, "--map", "A=fire")
    run("gateway", "add", "x", "--compound", world.compound_b.name)
    with pytest.raises(CommandError, match="name"):
        run("gateway", "add", "x", "--compound", world.compound_b.name)


def test_device_add_on_a_flat_watching_a_person(world: Any) -> None:
    result = run(
        "device",
        "add",
        "--key",
        "door-101",
        "--kind",
        "door_sensor",
        "--flat",
        world.flat_a.address,
        "--person",
        str(world.resident_a.pk),
        "--absence-window",
        "24h",
        "--heartbeat-window",
        "30m",
    )
    assert set(result) == {"id", "key", "kind", "address", "token"}
    assert result["key"] == "door-101" and result["kind"] == "door_sensor"
    assert result["address"] == world.flat_a.address
    device = Device.objects.get(pk=result["id"])
    assert (device.level, device.flat, device.building, device.compound) == (
        "flat",
        world.flat_a,
        world.building_a,
        world.compound_a,
    )
    assert device.person == world.resident_a
    assert device.absence_window == dt.timedelta(hours=24)
    assert device.heartbeat_window == dt.timedelta(minutes=30)
    holder = ingest.authenticate(result["token"])
    assert holder is not None and holder.kind == "device" and holder.key == "door-101"


def test_device_add_entrance_building_compound(world: Any) -> None:
    compound = world.compound_a.name
    entrance = run(
        "device",
        "add",
        "--key",
        "e1",
        "--kind",
        "access_control",
        "--entrance",
        f"{compound}6号楼1单元",
    )
    assert entrance["address"] == f"{compound}6号楼1单元"
    assert Device.objects.get(key="e1").entrance == world.entrance_a
    building = run(
        "device", "add", "--key", "b1", "--kind", "smoke_detector", "--building", f"{compound}6号楼"
    )
    assert building["address"] == f"{compound}6号楼"
    device = Device.objects.get(key="b1")
    assert (device.level, device.building, device.entrance) == ("building", world.building_a, None)
    # the building number may be written without its suffix
    run("device", "add", "--key", "b2", "--kind", "camera", "--building", f"{compound}6")
    assert Device.objects.get(key="b2").building == world.building_a
    gw = run("gateway", "add", "gw", "--compound", world.compound_b.name)
    cam = run(
        "device",
        "add",
        "--key",
        "c1",
        "--kind",
        "camera",
        "--compound",
        world.compound_b.name,
        "--gateway",
        "gw",
        "--channel",
        "3",
    )
    device = Device.objects.get(key="c1")
    assert cam["address"] == world.compound_b.name
    assert (device.level, device.building, device.compound) == ("compound", None, world.compound_b)
    assert device.gateway_id == gw["id"] and device.channel == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--flat", "无此地址101"], "address"),
        (["--building", "富贵佳园T99号楼"], "address"),
        (["--entrance", "富贵佳园T6号楼9单元"], "address"),
        (["--flat", "{flat}", "--absence-window", "24"], "absence_window"),
        (["--flat", "{flat}", "--person", "999999"], "no resident"),
        (["--flat", "{flat}", "--gateway", "nope", "--channel", "1"], "no gateway"),
        (["--flat", "{flat}", "--channel", "1"], "go together"),
    ],
)
def test_device_add_errors(world: Any, args: list[str], message: str) -> None:
    args = [a.replace("{flat}", world.flat_a.address) for a in args]
    with pytest.raises(CommandError, match=message):
        run("device", "add", "--key", "k", "--kind", "door_sensor", *args)
    assert not Device.objects.exists()


def test_device_key_and_channel_unique(world: Any) -> None:
    run("gateway", "add", "gw", "--compound", world.compound_b.name)
    place = ["--building", f"{world.compound_b.name}1号楼"]
    run(
        "device",
        "add",
        "--key",
        "k",
        "--kind",
        "camera",
        *place,
        "--gateway",
        "gw",
        "--channel",
        "1",
    )
    with pytest.raises(CommandError, match="key"):
        run("device", "add", "--key", "k", "--kind", "camera", *place)
    with pytest.raises(CommandError, match="channel"):
        run(
            "device",
            "add",
            "--key",
            "k2",
            "--kind",
            "camera",
            *place,
            "--gateway",
            "gw",
            "--channel",
            "1",
        )
    with pytest.raises(CommandError, match="gateway"):
        run(
            "device",
            "add",
            "--key",
            "k3",
            "--kind",
            "camera",
            "--flat",
            world.flat_a.address,
            "--gateway",
            "gw",
            "--channel",
            "2",
        )
    assert Device.objects.count() == 1


def test_token_rotation(world: Any) -> None:
    old = run("gateway", "add", "gw", "--compound", world.compound_b.name)["token"]
    new = run("gateway", "token", "gw")["token"]
    ingest.forget()
    assert ingest.authenticate(old) is None
    assert ingest.authenticate(new).kind == "gateway"  # type: ignore[union-attr]
    first = run("device", "add", "--key", "d", "--kind", "camera", "--flat", world.flat_a.address)
    again = run("device", "token", "d")
    assert again["key"] == "d" and again["id"] == first["id"]
    ingest.forget()
    assert ingest.authenticate(first["token"]) is None
    assert ingest.authenticate(again["token"]).key == "d"  # type: ignore[union-attr]
    with pytest.raises(CommandError):
        run("device", "token", "nope")
