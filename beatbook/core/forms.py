"""Shared form pieces and the audit log's filter form."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class BootstrapForm(forms.Form):
    """A plain form whose widgets carry their Bootstrap 5 classes (and ``is-invalid``
    once a field has an error); every page form starts from it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(
                widget, forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.RadioSelect
            ):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def add_error(self, field: str | None, error: Any) -> None:
        # Also called by full_clean for field errors, and by views for service errors.
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                if "is-invalid" not in attrs.get("class", ""):
                    attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: on the field it names when
    the form has that field, otherwise at the top of the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields and field != "__all__" else None
            for error in errors:
                form.add_error(target, error)
    else:
        form.add_error(None, exc)


def object_type_choices() -> list[str]:
    """Model labels as written in AuditEntry.object_type (no query)."""
    return sorted(
        m._meta.label_lower for m in apps.get_models() if m.__module__.startswith("beatbook.")
    )


class AuditFilterForm(BootstrapForm):
    """Search the audit log; every field optional, dates are Asia/Shanghai calendar days."""

    username = forms.CharField(label=_("User"), required=False, max_length=150)
    #: exact, or a dotted prefix: "resident" finds resident.read, resident.update, …
    action = forms.CharField(label=_("Action"), required=False, max_length=64)
    object_type = forms.CharField(label=_("Object type"), required=False, max_length=64)
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=64)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    request_id = forms.CharField(label=_("Request id"), required=False, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update(autocapitalize="none", autocomplete="off")
        self.fields["action"].widget.attrs.update(
            {
                "list": "audit-actions",
                "autocapitalize": "none",
                "placeholder": "resident / user.create",
            }
        )
        self.fields["object_type"].widget.attrs.update(
            {"list": "audit-object-types", "autocapitalize": "none"}
        )
        self.fields["request_id"].widget.attrs.update(autocapitalize="none", autocomplete="off")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start: dt.date | None = data.get("date_from")
        end: dt.date | None = data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def filters(self) -> dict[str, Any]:
        """The non-empty filters, as keyword arguments for ``audit_entry_list``."""
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
