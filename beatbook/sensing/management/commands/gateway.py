"""``beatbook gateway add NAME --compound 新市民公寓``: register a gateway."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from beatbook.sensing import services
from beatbook.sensing.management.commands.device import _message
from beatbook.sensing.models import Gateway, GatewayKind


class Command(BaseCommand):
    help = "Manage gateways (a compound's management system or camera platform)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="add a gateway; prints {id, name, token} (token only now)")
        add.add_argument("name")
        add.add_argument("--compound", required=True, help="the compound it serves, by name")
        add.add_argument("--kind", choices=GatewayKind.values, default=GatewayKind.GENERIC)
        add.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="VENDOR=TYPE",
            help="map a vendor event name onto the vocabulary, e.g. --map EBIKE=ebike_detected",
        )

        token = sub.add_parser("token", help="issue a new token (the old one stops working)")
        token.add_argument("name")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "token":
            gateway = Gateway.objects.filter(name=options["name"]).first()
            if gateway is None:
                raise CommandError(f"no gateway named {options['name']}")
            secret = services.gateway_rotate_token(actor=None, gateway=gateway)
            self.stdout.write(
                json.dumps(
                    {"id": gateway.pk, "name": gateway.name, "token": secret}, ensure_ascii=False
                )
            )
            return
        mapping = {}
        for item in options["map"]:
            vendor, sep, target = item.partition("=")
            if not sep:
                raise CommandError(f"--map takes VENDOR=TYPE, not {item!r}")
            mapping[vendor] = target
        try:
            compound = services.find_place("compound", options["compound"])
            created = services.gateway_create(
                actor=None,
                name=options["name"],
                compound=compound,  # type: ignore[arg-type]
                kind=options["kind"],
                event_type_map=mapping,
            )
        except ValidationError as exc:
            raise CommandError(_message(exc)) from exc
        gateway = created.obj
        self.stdout.write(
            json.dumps(
                {"id": gateway.pk, "name": gateway.name, "token": created.token},
                ensure_ascii=False,
            )
        )
