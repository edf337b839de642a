"""``beatbook export residents|households|premises --as USERNAME --scope SCOPE
--reason TEXT [--full-ids] -o FILE.xlsx``: exit 0 written, 2 refused."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandParser
from django.http import Http404
from django.utils.translation import gettext as _

from beatbook.accounts.models import User
from beatbook.exchange.selectors import EXPORT_KINDS, ExportScope, export_xlsx


class Command(BaseCommand):
    help = "Export residents, households or premises of a scope as xlsx (audited, with a reason)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=EXPORT_KINDS)
        parser.add_argument("--as", dest="username", required=True)
        parser.add_argument(
            "--scope",
            default="mine",
            help="mine, beat:ID, community:ID, compound:ID or building:ID",
        )
        parser.add_argument("--reason", required=True)
        parser.add_argument("--full-ids", action="store_true")
        parser.add_argument("-o", "--output", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            self.stderr.write(_("No active user %(u)s.") % {"u": options["username"]})
            raise SystemExit(2)
        try:
            count = export_xlsx(
                user=user,
                kind=options["kind"],
                scope=ExportScope.parse(options["scope"]),
                reason=options["reason"],
                full_ids=options["full_ids"],
                path=options["output"],
            )
        except ValidationError as exc:
            self.stderr.write("; ".join(exc.messages))
            raise SystemExit(2) from None
        except PermissionDenied as exc:
            self.stderr.write(str(exc))
            raise SystemExit(2) from None
        except Http404:
            self.stderr.write(_("This scope is not in your jurisdiction."))
            raise SystemExit(2) from None
        self.stdout.write(_("%(n)d rows written to %(f)s") % {"n": count, "f": options["output"]})
