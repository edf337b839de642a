from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect
from django.template import loader
from django.views import defaults

from beatbook.core.scoping import scope_of


@login_required
def home(request: HttpRequest) -> HttpResponseBase:
    """Send each role to its own start page."""
    scope = scope_of(request.user)
    if scope.sees_residents:
        return redirect("registry:my-beat")
    if scope.reads_audit:
        return redirect("audit-log")
    if scope.administers:
        return redirect("accounts:admin-home")
    return redirect("registry:my-beat")


def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"ok": True})


def bad_request(
    request: HttpRequest, exception: Any, template_name: str = "400.html"
) -> HttpResponse:
    return defaults.bad_request(request, exception, template_name)


def permission_denied(
    request: HttpRequest, exception: Any, template_name: str = "403.html"
) -> HttpResponse:
    return defaults.permission_denied(request, exception, template_name)


def page_not_found(
    request: HttpRequest, exception: Any, template_name: str = "404.html"
) -> HttpResponse:
    return defaults.page_not_found(request, exception, template_name)


def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    # Rendered without the request context: nothing that failed should run again.
    template = loader.get_template(template_name)
    return HttpResponse(template.render({}), status=500)
