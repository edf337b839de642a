"""Small template helpers of the sweeps pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from beatbook.sweeps import charts

register = template.Library()


@register.filter
def percent(value: Decimal | float | None) -> str:
    """0.9375 → '93.8%'; None → '—'."""
    if value is None:
        return "—"
    return f"{float(value) * 100:.1f}%"


@register.filter
def reach_label(state: str) -> str:
    return charts.state_label(state)


@register.filter
def get_item(mapping: dict[Any, Any] | None, key: Any) -> Any:
    return (mapping or {}).get(key)


@register.filter
def floor_label(floor: int | None) -> str:
    return "—" if floor is None else str(floor)
