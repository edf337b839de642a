"""``beatbook audit verify`` and ``beatbook audit tail [-n N]``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from beatbook.core import audit
from beatbook.core.models import AuditEntry


class Command(BaseCommand):
    help = "Check the audit log's hash chain (verify) or show its newest entries (tail)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{verify,tail}")
        sub.add_parser(
            "verify",
            help="walk the whole chain; exit 1 at the first entry that was altered or removed",
        )
        tail = sub.add_parser("tail", help="print the newest entries, oldest first")
        tail.add_argument(
            "-n", "--lines", type=int, default=20, help="how many entries (default 20)"
        )

    def handle(self, *args: Any, subcommand: str, **options: Any) -> None:
        if subcommand == "verify":
            self.verify()
        else:
            self.tail(max(0, options["lines"]))

    def verify(self) -> None:
        result = audit.verify()
        if result.ok:
            self.stdout.write(f"OK: {result.checked} entries, chain intact")
            return
        if result.broken_id is not None:
            self.stdout.write(f"BROKEN at entry #{result.broken_id}: {result.reason}")
        else:
            self.stdout.write(f"BROKEN after {result.checked} entries: {result.reason}")
        raise SystemExit(1)

    def tail(self, n: int) -> None:
        entries = list(AuditEntry.objects.order_by("-id")[:n])
        for e in reversed(entries):
            target = f"{e.object_type}:{e.object_id}" if e.object_type else "-"
            at = timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S")
            self.stdout.write(
                f"#{e.pk}\t{at}\t{e.actor_username}\t{e.action}\t{target}\t{e.object_repr}"
            )
