"""``beatbook device add …``: register a device and print its token once."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from beatbook.registry.models import Resident
from beatbook.sensing import services
from beatbook.sensing.models import Device, DeviceKind, Gateway, PlaceLevel


def _message(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
    return " ".join(exc.messages)


class Command(BaseCommand):
    help = "Manage sensing devices. `beatbook device add --help` for the options."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser(
            "add",
            help="add a device; prints {id, key, kind, address, token} (the token only now)",
        )
        add.add_argument("--key", required=True, help="the device's key (its MQTT topic segment)")
        add.add_argument("--kind", required=True, choices=DeviceKind.values)
        add.add_argument("--name", default="")
        where = add.add_mutually_exclusive_group(required=True)
        for level in PlaceLevel.values:
            where.add_argument(
                f"--{level}",
                metavar="ADDRESS",
                help={
                    "flat": "a flat's standard address, e.g. 富贵佳园6号楼2单元301",
                    "entrance": "compound + building + entrance, e.g. 富贵佳园6号楼2单元",
                    "building": "compound + building, e.g. 富贵佳园6号楼",
                    "compound": "the compound's name, e.g. 新市民公寓",
                }[level],
            )
        add.add_argument("--person", type=int, help="id of the resident it watches")
        add.add_argument("--absence-window", help="e.g. 24h (absence alert after this long)")
        add.add_argument("--heartbeat-window", help="e.g. 30m (offline alert after this long)")
        add.add_argument("--gateway", help="name of the gateway pushing for it")
        add.add_argument("--channel", type=int, help="its channel on the gateway")

        token = sub.add_parser("token", help="issue a new token (the old one stops working)")
        token.add_argument("key")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "token":
            device = Device.objects.filter(key=options["key"]).first()
            if device is None:
                raise CommandError(f"no device with key {options['key']}")
            secret = services.device_rotate_token(actor=None, device=device)
            self.stdout.write(json.dumps({"id": device.pk, "key": device.key, "token": secret}))
            return
        level = next(lv for lv in PlaceLevel.values if options.get(lv))
        try:
            place = services.find_place(level, options[level])
        except ValidationError as exc:
            raise CommandError(_message(exc)) from exc
        person = None
        if options["person"] is not None:
            person = Resident.objects.filter(pk=options["person"]).first()
            if person is None:
                raise CommandError(f"no resident with id {options['person']}")
        gateway = None
        if options["gateway"]:
            gateway = Gateway.objects.filter(name=options["gateway"]).first()
            if gateway is None:
                raise CommandError(f"no gateway named {options['gateway']}")
        if (gateway is None) != (options["channel"] is None):
            raise CommandError("--gateway and --channel go together")
        try:
            created = services.device_create(
                actor=None,
                key=options["key"],
                kind=options["kind"],
                name=options["name"],
                place=place,
                person=person,
                absence_window=options["absence_window"],
                heartbeat_window=options["heartbeat_window"],
                gateway=gateway,
                channel=options["channel"],
            )
        except ValidationError as exc:
            raise CommandError(_message(exc)) from exc
        device = created.obj
        self.stdout.write(
            json.dumps(
                {
                    "id": device.pk,
                    "key": device.key,
                    "kind": device.kind,
                    "address": device.address,
                    "token": created.token,
                },
                ensure_ascii=False,
            )
        )
