"""What a role covers, for templates that list users of several roles."""

from __future__ import annotations

from django import template

from beatbook.accounts import services

register = template.Library()


@register.filter
def assignable_kinds(role: str) -> tuple[str, ...]:
    """``{% with kinds=user.role|assignable_kinds %}``: the sets that fit the role."""
    return services.assignable_kinds(role)


@register.filter
def covers_station(role: str) -> bool:
    return services.covers_station(role)
