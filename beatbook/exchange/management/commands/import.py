"""``beatbook import residents|flats|premises FILE [--as USERNAME] [--dry-run]
[--skip-invalid] [--json]``.

Exit status: 0 stored (or, on a dry run, would be), 1 rows rejected and
nothing stored, 2 the file is unusable (or the user unknown / not allowed).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from beatbook.accounts.models import User
from beatbook.exchange.services import (
    IMPORTERS,
    ImportFile,
    ImportReport,
    UnusableFile,
    unusable_message,
)


class Command(BaseCommand):
    help = "Import residents, flats (an address list) or premises from an .xlsx or .csv file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(IMPORTERS))
        parser.add_argument("file")
        parser.add_argument(
            "--as",
            dest="username",
            help="import as this user, inside their jurisdiction (default: the system account)",
        )
        parser.add_argument("--dry-run", action="store_true", help="store nothing, report")
        parser.add_argument(
            "--skip-invalid", action="store_true", help="store the valid rows, report the others"
        )
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def _fail(self, as_json: bool, message: str, missing: list[str] | None = None) -> None:
        if as_json:
            self.stdout.write(
                json.dumps({"error": message, "missing_columns": missing or []}, ensure_ascii=False)
            )
        else:
            self.stderr.write(message)
            if missing:
                self.stderr.write(_("Missing columns: %(c)s") % {"c": ", ".join(missing)})
        raise SystemExit(2)

    def handle(self, *args: Any, **options: Any) -> None:
        as_json = options["json"]
        actor = None
        if options["username"]:
            actor = User.objects.filter(username=options["username"], is_active=True).first()
            if actor is None:
                self._fail(as_json, _("No active user %(u)s.") % {"u": options["username"]})
        try:
            report = IMPORTERS[options["kind"]](
                actor=actor,
                rows_source=ImportFile.of(options["file"]),
                dry_run=options["dry_run"],
                skip_invalid=options["skip_invalid"],
            )
        except UnusableFile as exc:
            self._fail(as_json, unusable_message(exc), exc.missing_columns)
            return
        except PermissionDenied as exc:
            self._fail(as_json, str(exc))
            return
        if as_json:
            self.stdout.write(json.dumps(report.as_json(), ensure_ascii=False))
        else:
            self.stdout.write(summary(report))
        if report.exit_code:
            raise SystemExit(report.exit_code)


def summary(report: ImportReport) -> str:
    """The readable summary printed without --json."""
    lines = [
        _("%(file)s: %(rows)d rows") % {"file": report.file_name, "rows": report.rows},
        _("created %(c)d, updated %(u)d, unchanged %(n)d, rejected rows %(r)d")
        % {
            "c": report.created,
            "u": report.updated,
            "n": report.unchanged,
            "r": len(report.rejected_rows),
        },
    ]
    if report.stored:
        lines.append(_("Stored."))
    elif report.dry_run:
        lines.append(_("Dry run: nothing was stored."))
    else:
        lines.append(_("Nothing was stored: fix the rejected rows, or use --skip-invalid."))
    for warning in report.warnings:
        lines.append(_("Warning: %(w)s") % {"w": warning})
    for r in report.rejected:
        column = f" [{r.column}]" if r.column else ""
        lines.append(
            _("Row %(row)d%(col)s: %(reason)s") % {"row": r.row, "col": column, "reason": r.reason}
        )
    return "\n".join(lines)
