"""``beatbook token USERNAME``: print the user's API token, creating it if needed."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from beatbook.accounts import services
from beatbook.accounts.models import User


class Command(BaseCommand):
    help = "Print USERNAME's API token (created, and audited, on first use). Prints only the key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user named {username!r}")
        try:
            token = services.token_for(actor=None, user=user)
        except ValidationError as exc:
            raise CommandError(f"{username}: {'; '.join(exc.messages)}") from exc
        self.stdout.write(token.key)
