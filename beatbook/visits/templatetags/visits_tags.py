"""Display helpers of the visits pages, and the pieces the registry's
building and household pages include (round selector, visit states, profile)."""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import Any

from django import template
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from beatbook.visits import coverage as cov
from beatbook.visits import selectors

register = template.Library()


def _state_labels() -> dict[str, str]:
    return {
        cov.VISITED: pgettext("visit state", "Visited"),
        cov.TRIED: pgettext("visit state", "Tried"),
        cov.REFUSED: pgettext("visit state", "Refused"),
        cov.VACANT: pgettext("visit state", "Vacant"),
        cov.NOT_YET: pgettext("visit state", "Not yet"),
    }


@register.filter
def state_label(state: str) -> str:
    return _state_labels().get(state, state)


@register.filter
def percent(value: Decimal | float | None) -> str:
    """A coverage figure as a percentage ('—' when there is none)."""
    if value is None or value == "":
        return "—"
    number = Decimal(str(value)) * 100
    text = f"{number:.1f}".rstrip("0").rstrip(".")
    return f"{text}%"


@register.filter
def sub(a: int, b: int) -> int:
    return int(a) - int(b)


@register.filter
def get_item(mapping: dict[Any, Any] | None, key: Any) -> Any:
    return (mapping or {}).get(key)


@register.simple_tag
def flat_label(flat: Any) -> str:
    """'1单元101' or '101': the household within its building."""
    entrance = flat.entrance if flat.entrance_id else None
    return f"{entrance.label}{flat.room}" if entrance else flat.room


@register.simple_tag
def care_badge(household: Any) -> str:
    every = _("every %(n)d days") % {"n": household.care_every_days}
    last = household.last_visited
    if last is None:
        return f"{every} · " + _("never visited")
    return f"{every} · " + _("last visit %(d)s") % {"d": last.strftime("%m-%d")}


# --- pieces of the registry's pages ------------------------------------------------------


@register.simple_tag(takes_context=True)
def visit_grid(context: Any, building: Any) -> selectors.GridRounds | None:
    """The rounds covering this building and its households' states in the
    round chosen with ?round= (else the first active one)."""
    request = context.get("request")
    user = context.get("user")
    if request is None or user is None:
        return None
    try:
        return selectors.building_grid_rounds(
            user=user, building=building, round_id=request.GET.get("round")
        )
    except Http404:  # an unknown ?round= shows the default round
        return selectors.building_grid_rounds(user=user, building=building)


@register.filter
def visit_class(grid: selectors.GridRounds | None, flat_id: int) -> str:
    """The CSS class colouring a flat by its state in the selected round."""
    if grid is None or grid.selected is None:
        return ""
    return f"visit-cell visit-{grid.states.get(flat_id, cov.NOT_YET)}"


@register.inclusion_tag("visits/_household.html", takes_context=True)
def household_section(context: Any, flat: Any) -> dict[str, Any]:
    user = context.get("user")
    return {
        "profile": selectors.household_profile(user=user, flat=flat),
        "flat": flat,
        "scope": context.get("scope"),
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
    }


@register.filter
def classification_label(name: str) -> str:
    from beatbook.visits.models import Household

    return str(getattr(Household._meta.get_field(name), "verbose_name", name))


@register.filter
def tag_label(tag: str) -> str:
    from beatbook.visits.models import VisitTag

    return str(dict(VisitTag.choices).get(tag, tag))


#: a number no object id reaches in a demo, replaced to make a URL pattern
_SENTINEL = 987654321987


@functools.lru_cache(maxsize=64)
def _url_pattern(name: str) -> str:
    return reverse(name, args=[_SENTINEL]).replace(str(_SENTINEL), "{}")


@register.filter
def link(pk: Any, name: str) -> str:
    """``{{ flat.pk|link:"registry:flat-detail" }}``: ``{% url name pk %}`` without
    asking the resolver again for every row of a long list."""
    return _url_pattern(name).format(int(pk))
