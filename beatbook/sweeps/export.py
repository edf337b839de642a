"""The station view as an xlsx workbook (xlsxwriter, written in memory)."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

import xlsxwriter
from django.utils import timezone
from django.utils.translation import gettext as _

from beatbook.sweeps import charts
from beatbook.sweeps.selectors import StationView, reach_state
from beatbook.visits import coverage as cov


def _coverage(value: Any) -> float | None:
    return float(value) if value is not None else None


def workbook(view: StationView, not_reached: Iterable[Any]) -> bytes:
    """Sheets: by beat, by visitor, overdue follow-ups, households not reached,
    lost to follow-up (sweeps) and daily progress (sweeps)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "remove_timezone": True})
    bold = book.add_format({"bold": True})
    pct = book.add_format({"num_format": "0.0%"})
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})

    def sheet(name: str, header: list[str], widths: list[int]) -> Any:
        ws = book.add_worksheet(name[:31])
        ws.write_row(0, 0, header, bold)
        for i, w in enumerate(widths):
            ws.set_column(i, i, w)
        ws.freeze_panes(1, 0)
        return ws

    t = view.tally
    ws = sheet(
        _("By beat"),
        [
            _("Beat"),
            _("Officers"),
            _("Households"),
            _("Vacant"),
            _("Visited"),
            _("Nobody home"),
            _("Refused"),
            _("Not yet"),
            _("Coverage"),
        ],
        [16, 20, 10, 8, 8, 10, 8, 8, 10],
    )
    rows = [(r.beat.name, "、".join(r.officers), r.tally) for r in view.beats]
    rows.append((_("Total"), "", t))
    for i, (name, officers, tally) in enumerate(rows, start=1):
        c = tally.counts
        ws.write_row(
            i,
            0,
            [
                name,
                officers,
                tally.households,
                c[cov.VACANT],
                c[cov.VISITED],
                c[cov.TRIED],
                c[cov.REFUSED],
                c[cov.NOT_YET],
            ],
        )
        ws.write(i, 8, _coverage(tally.coverage), pct)

    ws = sheet(
        _("By visitor"),
        [_("Visitor"), _("Visits"), _("Households visited"), _("Nobody home"), _("Refused")],
        [24, 8, 14, 10, 8],
    )
    for i, v in enumerate(view.visitors, start=1):
        ws.write_row(i, 0, [str(v.user), v.visits, v.visited, v.tried, v.refused])

    ws = sheet(
        _("Overdue follow-ups"),
        [_("Assignee"), _("Overdue"), _("From this round"), _("Oldest due date")],
        [24, 10, 14, 14],
    )
    for i, row in enumerate(view.overdue, start=1):
        ws.write_row(i, 0, [str(row.user), row.overdue, row.in_round])
        if row.oldest:
            ws.write_datetime(i, 3, row.oldest, date)

    ws = sheet(
        _("Not reached"),
        [
            _("Compound"),
            _("Building"),
            _("Entrance"),
            _("Floor"),
            _("Room"),
            _("Address"),
            _("State"),
            _("Last attempt"),
        ],
        [14, 8, 8, 6, 8, 36, 10, 16],
    )
    for i, flat in enumerate(not_reached, start=1):
        ws.write_row(
            i,
            0,
            [
                flat.building.compound.name,
                flat.building.number,
                flat.entrance.number if flat.entrance_id else "",
                flat.floor if flat.floor is not None else "",
                flat.room,
                flat.address,
                charts.state_label(reach_state(flat.latest)),
            ],
        )
        if flat.last_at:
            ws.write_datetime(i, 7, timezone.localtime(flat.last_at), stamp)

    if view.progress:
        ws = sheet(
            _("Daily progress"),
            [_("Day"), _("Reached"), _("Total"), _("Daily target")],
            [12, 10, 10, 12],
        )
        for i, p in enumerate(view.progress, start=1):
            ws.write_datetime(i, 0, p.day, date)
            ws.write_row(i, 1, [p.reached, p.total, p.target if p.target is not None else ""])
        ws = sheet(
            _("Lost to follow-up"),
            [
                _("Person"),
                _("Address"),
                _("Reason"),
                _("First day"),
                _("Last day"),
                _("Missed days in a row"),
                _("Checked by"),
            ],
            [10, 36, 24, 12, 12, 12, 16],
        )
        for i, o in enumerate(view.lost, start=1):
            ws.write_row(i, 0, [o.resident.name, o.flat.address, o.reason])
            ws.write_datetime(i, 3, o.start_date, date)
            ws.write_datetime(i, 4, o.end_date, date)
            ws.write_row(i, 5, [o.standing.streak, str(o.assignee)])  # type: ignore[attr-defined]
    book.close()
    return out.getvalue()
