from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect

from beatbook.core.forms import add_service_errors
from beatbook.core.scoping import NO_SCOPE, scope_of
from beatbook.core.shortcuts import as_object_id

T = TypeVar("T")
View = Callable[..., HttpResponseBase]


def scope_required(flag: str, message: Any) -> Callable[[View], View]:
    """Logged in, and ``scope_of(user).<flag>`` true; any other role gets 403
    with ``message`` (pages that are not scoped data: configuration, audit log)."""
    if not isinstance(getattr(NO_SCOPE, flag, None), bool):
        raise ValueError(f"Scope has no flag {flag!r}")

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not getattr(scope_of(request.user), flag):
                raise PermissionDenied(message)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def int_param(request: HttpRequest, name: str) -> int | None:
    """A query-string id (``?flat=12``), or None when absent or not an id."""
    return as_object_id(request.GET.get(name, ""))


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
