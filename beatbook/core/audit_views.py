"""The audit log pages: search, CSV export and chain verification (audit administrator only)."""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator, Iterator

from django.contrib import messages
from django.core.handlers.asgi import ASGIRequest
from django.db.models import QuerySet
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
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from beatbook.core import audit_display, selectors, services
from beatbook.core.forms import AuditFilterForm, object_type_choices
from beatbook.core.models import AuditEntry
from beatbook.core.views import int_param, scope_required

PAGE_SIZE = 50
#: entries fetched from the database at a time while exporting
EXPORT_CHUNK = 2000

auditor_required = scope_required(
    "reads_audit", gettext_lazy("Only the audit administrator can read the audit log.")
)


def _query_without_cursor(request: HttpRequest) -> str:
    query: QueryDict = request.GET.copy()
    for key in ("before", "after"):
        query.pop(key, None)
    return query.urlencode()


@require_GET
@auditor_required
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    before, after = int_param(request, "before"), int_param(request, "after")
    if form.is_valid():
        qs = selectors.audit_entry_search(
            user=request.user,
            filters=form.filters(),
            page_turn=before is not None or after is not None,
        )
        page = selectors.keyset_page(qs, before=before, after=after, size=PAGE_SIZE)
    else:
        page = selectors.KeysetPage(rows=[], older=None, newer=None)
    context = {
        "form": form,
        "page": page,
        "rows": audit_display.rows(page.rows),
        "filtered": bool(form.filters()),
        "query": _query_without_cursor(request),
        "action_choices": selectors.recent_actions(user=request.user),
        "object_type_choices": object_type_choices(),
    }
    return render(request, "core/audit_log.html", context)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(
    request: HttpRequest, entries: QuerySet[AuditEntry]
) -> Iterator[str] | AsyncIterator[str]:
    """The CSV (UTF-8 with BOM for spreadsheets), line by line, read in chunks.

    Served over ASGI (``beatbook serve``) the lines come from an asynchronous
    iterator: Django would read a synchronous one whole into memory before
    sending the first byte. WSGI and the test client get a synchronous one.
    """
    writer = csv.writer(_Echo())
    header = "\ufeff" + writer.writerow(audit_display.CSV_HEADER)

    if isinstance(request, ASGIRequest):

        async def async_lines() -> AsyncIterator[str]:
            yield header
            async for entry in entries.aiterator(chunk_size=EXPORT_CHUNK):
                yield writer.writerow(audit_display.csv_row(entry))

        return async_lines()

    def lines() -> Iterator[str]:
        yield header
        for entry in entries.iterator(chunk_size=EXPORT_CHUNK):
            yield writer.writerow(audit_display.csv_row(entry))

    return lines()


@require_GET
@auditor_required
def audit_export(request: HttpRequest) -> HttpResponseBase:
    """The filtered entries as CSV, newest first."""
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        messages.error(request, _("Fix the filters before exporting."))
        return redirect(f"{reverse('audit-log')}?{request.GET.urlencode()}")
    entries = selectors.audit_entry_export(user=request.user, filters=form.filters())
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response = StreamingHttpResponse(
        _csv_lines(request, entries), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response


@require_POST
@auditor_required
def audit_verify(request: HttpRequest) -> HttpResponseBase:
    """Walk the hash chain; htmx gets the result fragment, a plain form post a message."""
    result = services.audit_chain_verify(actor=request.user)
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
