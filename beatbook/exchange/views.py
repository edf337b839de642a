"""Import (upload → preview → confirm → result) and export pages."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from beatbook.core.forms import add_service_errors
from beatbook.core.views import scope_required
from beatbook.exchange.forms import ConfirmForm, ExportForm, ImportForm
from beatbook.exchange.selectors import ExportScope, export_xlsx
from beatbook.exchange.services import UnusableFile, error_report_xlsx, unusable_message
from beatbook.exchange.uploads import upload_confirm, upload_get, upload_preview, upload_save

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_CANNOT_IMPORT = gettext_lazy("Your role cannot import into the registry.")
_CANNOT_EXPORT = gettext_lazy("Your role sees no residents' data.")


@scope_required("edits_registry", _CANNOT_IMPORT)
def import_upload(request: HttpRequest) -> HttpResponse:
    """Upload a file; the preview is a dry run of the import."""
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = upload_save(
            user=request.user,
            kind=form.cleaned_data["kind"],
            name=form.cleaned_data["file"].name,
            chunks=form.cleaned_data["file"].chunks(),
        )
        try:
            upload_preview(actor=request.user, upload=upload)
        except UnusableFile as exc:
            form.add_error(
                "file", _("This file cannot be imported: %(e)s") % {"e": unusable_message(exc)}
            )
        else:
            return redirect("exchange:import-preview", token=upload.token)
    return render(
        request,
        "exchange/import_upload.html",
        {"form": form, "breadcrumbs": [(_("Import"), None)]},
    )


@scope_required("edits_registry", _CANNOT_IMPORT)
def import_preview(request: HttpRequest, token: str) -> HttpResponse:
    """What the import would do (GET); store it (POST), then show the result."""
    upload = upload_get(user=request.user, token=token)
    if request.method == "POST":
        form = ConfirmForm(request.POST)
        skip_invalid = form.is_valid() and form.cleaned_data["skip_invalid"]
        try:
            done = upload_confirm(actor=request.user, upload=upload, skip_invalid=skip_invalid)
        except UnusableFile as exc:  # the file was readable at the preview: only if removed since
            raise PermissionDenied(unusable_message(exc)) from exc
        if done is not None:
            return redirect("exchange:import-preview", token=token)
    result = upload.report("result")
    report = result or upload.report("preview")
    return render(
        request,
        "exchange/import_preview.html",
        {
            "upload": upload,
            "report": report,
            "done": result is not None,
            "rejected_row_count": len(report.rejected_rows) if report else 0,
            "breadcrumbs": [(_("Import"), reverse("exchange:import")), (upload.meta["name"], None)],
        },
    )


@scope_required("edits_registry", _CANNOT_IMPORT)
def import_errors(request: HttpRequest, token: str) -> FileResponse:
    """The rejected rows as xlsx, in the import format with a reason column."""
    upload = upload_get(user=request.user, token=token)
    report = upload.report("result") or upload.report("preview")
    if report is None:
        raise PermissionDenied
    path = upload.directory / "rejected.xlsx"
    error_report_xlsx(source=upload.source, report=report, path=path)
    suffix = _("rejected")
    name = f"{Path(upload.meta['name']).stem}-{suffix}.xlsx"
    return FileResponse(path.open("rb"), as_attachment=True, filename=name, content_type=XLSX)


@scope_required("sees_residents", _CANNOT_EXPORT)
def export(request: HttpRequest) -> HttpResponseBase:
    """Choose a list, a part of the jurisdiction and a reason; download xlsx."""
    form = ExportForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fd, name = tempfile.mkstemp(suffix=".xlsx")
        os.close(fd)
        try:
            export_xlsx(
                user=request.user,
                kind=data["kind"],
                scope=ExportScope.parse(data["scope"]),
                reason=data["reason"],
                full_ids=bool(data.get("full_ids")),
                path=name,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
            # opened, then unlinked: the download reads it, nothing stays on disk
            response = FileResponse(
                open(name, "rb"),  # noqa: SIM115
                as_attachment=True,
                filename=f"{data['kind']}-{stamp}.xlsx",
                content_type=XLSX,
            )
            return response
        finally:
            os.unlink(name)
    return render(
        request,
        "exchange/export.html",
        {"form": form, "breadcrumbs": [(_("Export"), None)]},
    )
