from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect
from django.template import loader
from django.views import defaults

from beatbook.core.forms import add_service_errors
from beatbook.core.scoping import scope_of

T = TypeVar("T")


def submit_form(
    request: HttpRequest,
    form: forms.Form,
    save: Callable[[], T],
    success_url: Callable[[T], str],
    message: str | Callable[[T], str],
) -> HttpResponse | None:
    """The POST half of a create or edit page: validate the form, call the
    service (``save``), then show ``message`` and redirect to ``success_url``.

    None means "render the page": a GET, an invalid form, or a service
    ValidationError, which goes onto the form so everything typed is kept.
    """
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        obj = save()
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None
    messages.success(request, message(obj) if callable(message) else message)
    return redirect(success_url(obj))


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
