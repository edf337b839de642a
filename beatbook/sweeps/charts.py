"""ECharts options for the sweeps pages, built here so the page's script only
draws them (labels translated on the server)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from beatbook.sweeps import days
from beatbook.visits import coverage as cov

COLOURS = {
    cov.VISITED: "#198754",
    cov.TRIED: "#fd7e14",
    cov.REFUSED: "#dc3545",
    cov.NOT_YET: "#adb5bd",
    cov.VACANT: "#6c757d",
}


def _base(categories: list[str]) -> dict[str, Any]:
    return {
        # drawn at once: the page is read (and printed, and screenshotted) as it opens
        "animation": False,
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 40, "right": 16, "top": 36, "bottom": 56},
        "xAxis": {"type": "category", "data": categories, "axisLabel": {"rotate": 30}},
        "yAxis": {"type": "value", "minInterval": 1},
    }


def progress(rows: list[days.DayProgress]) -> dict[str, Any]:
    """Households reached per day (bars) against the daily target (line)."""
    option = _base([r.day.strftime("%m-%d") for r in rows])
    option["series"] = [
        {
            "name": _("Reached"),
            "type": "bar",
            "data": [r.reached for r in rows],
            "itemStyle": {"color": COLOURS[cov.VISITED]},
        }
    ]
    if rows and rows[0].target is not None:
        option["series"].append(
            {
                "name": _("Daily target"),
                "type": "line",
                "data": [r.target for r in rows],
                "symbol": "none",
                "lineStyle": {"type": "dashed", "color": "#0d6efd"},
                "itemStyle": {"color": "#0d6efd"},
            }
        )
    return option


def state_label(state: str) -> str:
    labels = {
        cov.VISITED: _("Visited"),
        cov.TRIED: _("Nobody home"),
        cov.REFUSED: _("Refused"),
        cov.NOT_YET: _("Not yet"),
        cov.VACANT: _("Vacant"),
    }
    return labels[state]


def stacked(names: list[str], tallies: list[cov.Tally]) -> dict[str, Any]:
    """Households by state per group (beat or building), stacked bars."""
    option = _base(names)
    option["series"] = [
        {
            "name": state_label(state),
            "type": "bar",
            "stack": "all",
            "data": [t.counts[state] for t in tallies],
            "itemStyle": {"color": COLOURS[state]},
        }
        for state in (cov.VISITED, cov.TRIED, cov.REFUSED, cov.NOT_YET)
    ]
    return option


def bars(names: list[str], series: list[tuple[str, list[int], str]]) -> dict[str, Any]:
    option = _base(names)
    option["series"] = [
        {"name": label, "type": "bar", "data": values, "itemStyle": {"color": colour}}
        for label, values, colour in series
    ]
    return option
