"""Small display helpers for alert pages."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.translation import pgettext

register = template.Library()

SEVERITY_CLASS = {
    "critical": "text-bg-danger",
    "high": "text-bg-danger",
    "medium": "text-bg-warning",
    "low": "text-bg-secondary",
}


@register.filter
def severity_class(severity: str) -> str:
    return SEVERITY_CLASS.get(severity, "text-bg-secondary")


@register.filter
def seconds(value: float | dt.timedelta | None) -> str:
    """A duration as '45秒', '3分05秒', '2小时10分' (or '—')."""
    if value is None:
        return "—"
    total = int(value.total_seconds() if isinstance(value, dt.timedelta) else value)
    if total < 60:
        return pgettext("alerts", "%(s)ss") % {"s": total}
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        return pgettext("alerts", "%(m)sm %(s)02ds") % {"m": minutes, "s": secs}
    hours, minutes = divmod(minutes, 60)
    return pgettext("alerts", "%(h)sh %(m)02dm") % {"h": hours, "m": minutes}


@register.simple_tag
def since(start: dt.datetime | None, end: dt.datetime | None) -> str:
    if start is None or end is None:
        return "—"
    return seconds(end - start)
