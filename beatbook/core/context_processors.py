from __future__ import annotations

from functools import cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

from beatbook.core.scoping import scope_of


@cache
def nav_templates() -> tuple[str, ...]:
    """Each feature app may add menu items with a template ``<app>/_nav.html``
    (rendered inside the navbar's <ul>, with ``scope`` and ``user`` in context)."""
    found = []
    for app in settings.FEATURE_APPS:
        try:
            get_template(f"{app}/_nav.html")
        except TemplateDoesNotExist:
            continue
        found.append(f"{app}/_nav.html")
    return tuple(found)


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {"scope": scope_of(user), "nav_templates": nav_templates()}
