"""The audit log pages: search, CSV export and chain verification (audit administrator only)."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from beatbook.core import audit, audit_display, selectors
from beatbook.core.forms import AuditFilterForm, object_type_choices
from beatbook.core.scoping import scope_of

PAGE_SIZE = 50
#: query-string names of the filters → keyword arguments of audit_entry_list
_FILTER_KWARGS = {"user": "username"}


def auditor_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Logged in, and the audit administrator; any other role gets 403."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not scope_of(request.user).reads_audit:
            raise PermissionDenied(_("Only the audit administrator can read the audit log."))
        return view(request, *args, **kwargs)

    return wrapped


def _filters(form: AuditFilterForm) -> dict[str, Any]:
    return {_FILTER_KWARGS.get(k, k): v for k, v in form.filters().items()}


def _jsonable_filters(filters: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in filters.items()}


def _int_param(request: HttpRequest, name: str) -> int | None:
    try:
        return int(request.GET[name])
    except (KeyError, ValueError):
        return None


def _query_without_cursor(request: HttpRequest) -> str:
    query: QueryDict = request.GET.copy()
    for key in ("before", "after"):
        query.pop(key, None)
    return query.urlencode()


@require_GET
@auditor_required
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    valid = form.is_bound is False or form.is_valid()
    filters = _filters(form) if form.is_bound else {}
    before, after = _int_param(request, "before"), _int_param(request, "after")
    if valid:
        if filters and before is None and after is None:
            # A search is itself a read of the log: record it (first page only, not every page turn).
            audit.record(
                actor=request.user,
                action="audit.search",
                object_type="core.auditentry",
                extra={"filters": _jsonable_filters(filters)},
            )
        qs = selectors.audit_entry_list(user=request.user, **filters)
        page = selectors.keyset_page(qs, before=before, after=after, size=PAGE_SIZE)
    else:
        page = selectors.KeysetPage(rows=[], older=None, newer=None)
    context = {
        "form": form,
        "page": page,
        "rows": audit_display.rows(page.rows),
        "filtered": bool(filters),
        "query": _query_without_cursor(request),
        "action_choices": selectors.recent_actions(user=request.user),
        "object_type_choices": object_type_choices(),
    }
    return render(request, "core/audit_log.html", context)


class _Echo:
    def write(self, value: str) -> str:
        return value


@require_GET
@auditor_required
def audit_export(request: HttpRequest) -> HttpResponseBase:
    """The filtered entries as CSV (UTF-8 with BOM for spreadsheets), newest first."""
    form = AuditFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        messages.error(request, _("Fix the filters before exporting."))
        return redirect(f"{reverse('audit-log')}?{request.GET.urlencode()}")
    filters = _filters(form) if form.is_bound else {}
    audit.record(
        actor=request.user,
        action="audit.export",
        object_type="core.auditentry",
        extra={"filters": _jsonable_filters(filters), "format": "csv"},
    )
    entries = selectors.audit_entry_list(user=request.user, **filters).iterator(chunk_size=2000)
    writer = csv.writer(_Echo())

    def stream() -> Iterator[str]:
        yield "\ufeff" + writer.writerow(audit_display.CSV_HEADER)
        for row in audit_display.csv_rows(entries):
            yield writer.writerow(row)

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response


@require_POST
@auditor_required
def audit_verify(request: HttpRequest) -> HttpResponseBase:
    """Walk the hash chain; htmx gets the result fragment, a plain form post a message."""
    result = audit.verify()
    audit.record(
        actor=request.user,
        action="audit.verify",
        object_type="core.auditentry",
        extra={"ok": result.ok, "checked": result.checked, "broken_id": result.broken_id},
    )
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "core/_audit_verify.html", {"result": result})
    if result.ok:
        messages.success(
            request, _("Audit chain intact: %(n)d entries checked.") % {"n": result.checked}
        )
    else:
        messages.error(
            request,
            _("Audit chain broken at entry %(id)s: %(reason)s")
            % {"id": result.broken_id or "—", "reason": result.reason},
        )
    return redirect("audit-log")
