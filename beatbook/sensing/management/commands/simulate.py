"""``beatbook simulate``: drive realistic device traffic into a running Beatbook."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from beatbook.registry.models import Compound
from beatbook.sensing import simulate
from beatbook.sensing.worker import broker_address


class Command(BaseCommand):
    help = (
        "Simulate N devices (door sensors, cameras incl. elevator cameras, access control, "
        "parking, manholes, smoke detectors; heartbeats and occasional e-bikes) pushing "
        "events at RATE events/s for DURATION s through one ingestion path, via a "
        "simulated gateway on a compound. Needs `beatbook serve` for http/isapi and the "
        "worker (started by serve) for mqtt. Prints what was sent and accepted as JSON."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--devices", type=int, default=100)
        parser.add_argument("--rate", type=float, default=50.0, help="events per second")
        parser.add_argument("--duration", type=float, default=10.0, help="seconds")
        parser.add_argument("--via", choices=["http", "mqtt", "isapi"], default="http")
        parser.add_argument(
            "--batch",
            type=int,
            default=0,
            help="events per request or message (default: 100 for http, 1 for mqtt)",
        )
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="Beatbook's address")
        parser.add_argument("--compound", help="the compound the fleet is on (default: the first)")
        parser.add_argument("--prefix", default="sim", help="device key and gateway name prefix")
        parser.add_argument("--seed", type=int)
        host, port = broker_address()
        parser.add_argument("--mqtt-host", default=host)
        parser.add_argument("--mqtt-port", type=int, default=port)
        parser.add_argument("--topic-prefix", default="beatbook")

    def handle(self, *args: Any, **o: Any) -> None:
        if o["devices"] < 1 or o["rate"] <= 0 or o["duration"] <= 0:
            raise CommandError("--devices, --rate and --duration must be positive")
        compounds = Compound.objects.order_by("id")
        if o["compound"]:
            compounds = compounds.filter(name=o["compound"])
        compound = compounds.first()
        if compound is None:
            raise CommandError("no such compound (load `beatbook demo` first?)")
        fleet = simulate.ensure_fleet(devices=o["devices"], compound=compound, prefix=o["prefix"])
        traffic = simulate.Traffic(fleet, seed=o["seed"])
        self.stderr.write(
            f"simulating {len(fleet.devices)} devices on {compound.name} via {o['via']}: "
            f"{o['rate']:g} events/s for {o['duration']:g} s"
        )
        total = max(1, int(o["rate"] * o["duration"]))
        if o["via"] == "http":
            stats = simulate.run_http(
                traffic, o["url"], total=total, rate=o["rate"], batch=o["batch"] or 100
            )
        elif o["via"] == "isapi":
            stats = simulate.run_isapi(traffic, o["url"], total=total, rate=o["rate"])
        else:
            stats = simulate.run_mqtt(
                traffic,
                host=o["mqtt_host"],
                port=o["mqtt_port"],
                total=total,
                rate=o["rate"],
                batch=o["batch"] or 1,
                topic_prefix=o["topic_prefix"],
            )
        self.stdout.write(json.dumps({"via": o["via"], **stats.as_dict()}))
