"""``beatbook createadmin USERNAME``: the first system administrator of a new installation."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from beatbook.accounts import services
from beatbook.accounts.models import Role


class Command(BaseCommand):
    help = (
        "Create a system administrator (who then sets up stations, beats, communities and users under "
        "/config/) with a random password, printed once: USERNAME<TAB>PASSWORD."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="display name")

    def handle(self, *args: Any, username: str, name: str, **options: Any) -> None:
        try:
            created = services.user_create(
                actor=None, username=username, role=Role.SYSADMIN, display_name=name
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(f"{created.user.username}\t{created.password}")
