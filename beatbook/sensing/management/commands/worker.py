"""``beatbook worker``: MQTT intake, rules, timers, escalation and the outbox."""

from __future__ import annotations

import argparse
import json
import logging
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from beatbook.sensing.worker import (
    MqttIntake,
    Worker,
    broker_address,
    default_client_id,
    load_jobs,
)


class Command(BaseCommand):
    help = (
        "Run the background worker: MQTT intake (QoS 1, shared subscription "
        "$share/beatbook/beatbook/+/events, acknowledged after commit) and the jobs in "
        "settings.WORKER_JOBS. Several may run at once on PostgreSQL (give each its own "
        "--index). SIGTERM or Ctrl-C stops it cleanly."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        host, port = broker_address()
        parser.add_argument(
            "--mqtt-host",
            default=host,
            help="MQTT broker host (default from $MQTT_URL, mqtt://127.0.0.1:1883)",
        )
        parser.add_argument(
            "--mqtt-port", type=int, default=port, help="MQTT broker port (default 1883)"
        )
        parser.add_argument("--mqtt-username", default=os.environ.get("MQTT_USERNAME"))
        parser.add_argument("--mqtt-password", default=os.environ.get("MQTT_PASSWORD"))
        parser.add_argument("--no-mqtt", action="store_true", help="run the jobs only")
        parser.add_argument(
            "--index",
            type=int,
            default=1,
            help="this worker's number on the host, for its MQTT client id (default 1)",
        )
        parser.add_argument("--parent-pid", type=int, help=argparse.SUPPRESS)
        parser.add_argument(
            "--client-id",
            default=os.environ.get("MQTT_CLIENT_ID"),
            help="MQTT client id (default beatbook-worker-<hostname>-<index>); keep it stable "
            "so a restarted worker resumes its session",
        )
        parser.add_argument(
            "--batch-ms",
            type=float,
            default=5.0,
            help="collect MQTT messages this long before committing them together (default 5)",
        )
        parser.add_argument(
            "--batch-max",
            type=int,
            default=5000,
            help="at most this many MQTT messages per commit (default 5000)",
        )
        parser.add_argument(
            "--topic-prefix",
            default=os.environ.get("MQTT_TOPIC_PREFIX", "beatbook"),
            help="topics are <prefix>/<device or gateway key>/events (default beatbook)",
        )
        parser.add_argument(
            "--share-group",
            default="beatbook",
            help="shared subscription group: workers of one group split the messages",
        )
        parser.add_argument("--commit-delay-ms", type=float, default=0.0, help=argparse.SUPPRESS)
        parser.add_argument(
            "--jobs",
            help="comma-separated job functions instead of settings.WORKER_JOBS ('' for none)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        logging.getLogger("beatbook.worker").setLevel(logging.INFO)
        jobs = load_jobs(
            None if options["jobs"] is None else [j for j in options["jobs"].split(",") if j]
        )
        intake = None
        if not options["no_mqtt"]:
            intake = MqttIntake(
                host=options["mqtt_host"],
                port=options["mqtt_port"],
                client_id=options["client_id"] or default_client_id(options["index"]),
                batch_wait=options["batch_ms"] / 1000,
                batch_max=max(1, options["batch_max"]),
                topic_prefix=options["topic_prefix"],
                share_group=options["share_group"] or None,
                commit_delay=options["commit_delay_ms"] / 1000,
                username=options["mqtt_username"],
                password=options["mqtt_password"],
            )
        worker = Worker(mqtt=intake, jobs=jobs, parent_pid=options["parent_pid"])
        worker.install_signal_handlers()
        self.stderr.write(
            f"worker: jobs {', '.join(n for n, _ in jobs) or 'none'}; "
            + (
                f"MQTT {options['mqtt_host']}:{options['mqtt_port']} as {intake.client_id}"
                if intake
                else "no MQTT"
            )
        )
        worker.run()
        if intake is not None:
            self.stderr.write("worker stopped: " + json.dumps(intake.stats.as_dict()))
        else:
            self.stderr.write("worker stopped")
