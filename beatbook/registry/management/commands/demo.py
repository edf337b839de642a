"""``beatbook demo [--password P]``: load the demo data and print the logins."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from beatbook.registry import demo


class Command(BaseCommand):
    help = (
        "Load the demo data (one station, two beats, ~4,300 fictional residents, one user of every role). "
        "Idempotent: a rerun adds nothing and only resets the demo users' passwords. "
        "Prints one line per user: username<TAB>password<TAB>role."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password",
            help="password for every demo user (default: a fresh random password per user)",
        )

    def handle(self, *args: Any, password: str | None = None, **options: Any) -> None:
        result = demo.load(password=password or None)
        if options["verbosity"] >= 2:
            created = ", ".join(f"{k}={v}" for k, v in result.created.items()) or "nothing new"
            self.stderr.write(f"demo data: {created}")
        for username, secret, role in result.logins:
            self.stdout.write(f"{username}\t{secret}\t{role}")
