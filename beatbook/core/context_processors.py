from __future__ import annotations

from functools import cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils.translation import gettext_lazy as _

from beatbook.core.scoping import scope_of

#: the menu's dropdowns and the feature apps whose items each holds, in order
NAV_GROUPS: tuple[tuple[str, Any, str, tuple[str, ...]], ...] = (
    ("registry", _("Registry"), "bi-journal-text", ("exchange",)),
    ("visits", _("Visits and follow-ups"), "bi-door-open", ("visits", "sweeps")),
    ("alerts", _("Sensors and alerts"), "bi-bell", ("alerts", "sensing", "notify")),
)


@cache
def nav_templates() -> dict[str, tuple[str, ...]]:
    """Each feature app may add menu items with a template ``<app>/_nav.html``
    rendering ``<li><a class="dropdown-item">`` entries (context: ``scope``,
    ``user``); they appear in the dropdown of NAV_GROUPS naming the app."""
    found: dict[str, tuple[str, ...]] = {}
    for group, _label, _icon, apps in NAV_GROUPS:
        templates = []
        for app in apps:
            if app not in settings.FEATURE_APPS:
                continue
            try:
                get_template(f"{app}/_nav.html")
            except TemplateDoesNotExist:
                continue
            templates.append(f"{app}/_nav.html")
        found[group] = tuple(templates)
    return found


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    scope = scope_of(user)
    templates = nav_templates()
    groups = [
        {"key": key, "label": label, "icon": icon, "templates": templates[key]}
        for key, label, icon, _apps in NAV_GROUPS
        # residents' data, or (for the administrator) the notification channels
        if scope.sees_residents or (key == "alerts" and scope.administers)
    ]
    return {"scope": scope, "nav_groups": groups}
