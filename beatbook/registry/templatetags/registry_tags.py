"""Display helpers for the registry pages: phones, masked ID numbers, ages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone

from beatbook.registry.idnumbers import mask_id_number
from beatbook.registry.phones import format_phone

register = template.Library()


@register.filter
def phone(value: str | None) -> str:
    return format_phone(value) if value else ""


@register.filter
def masked_id(value: str | None) -> str:
    return mask_id_number(value) if value else ""


def age_on(born: dt.date, today: dt.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


@register.filter
def age(born: dt.date | None) -> int | str:
    return age_on(born, timezone.localdate()) if born else ""


@register.filter
def flat_class(status: str) -> str:
    """The CSS class that colours a flat by its status (see app.css)."""
    return f"flat-{status or 'unknown'}"


@register.simple_tag(takes_context=True)
def query_with(context: dict[str, Any], **changes: Any) -> str:
    """The current query string with some parameters replaced (None/'' drops one)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"
