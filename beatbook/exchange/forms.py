"""Forms of the import and export pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from beatbook.core.forms import BootstrapForm
from beatbook.core.scoping import scope_of
from beatbook.exchange.selectors import scope_choices

IMPORT_KINDS = [
    ("residents", _("Residents")),
    ("flats", _("Address list (flats)")),
    ("premises", _("Premises")),
]
EXPORT_KINDS = [
    ("residents", _("Residents")),
    ("households", _("Households")),
    ("premises", _("Premises")),
]


class ImportForm(BootstrapForm):
    kind = forms.ChoiceField(label=_("What the file lists"), choices=IMPORT_KINDS)
    file = forms.FileField(
        label=_("File (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )


class ConfirmForm(forms.Form):
    skip_invalid = forms.BooleanField(required=False)


class ExportForm(BootstrapForm):
    kind = forms.ChoiceField(label=_("List"), choices=EXPORT_KINDS)
    scope = forms.ChoiceField(label=_("Of"))
    reason = forms.CharField(label=_("Reason"), max_length=200)
    full_ids = forms.BooleanField(label=_("Full ID numbers"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scope_field = self.fields["scope"]
        assert isinstance(scope_field, forms.ChoiceField)
        scope_field.choices = scope_choices(user=user)
        if not scope_of(user).sees_full_id_numbers:
            del self.fields["full_ids"]
