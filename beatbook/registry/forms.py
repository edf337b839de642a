"""Plain forms for the registry pages: they parse what was typed, nothing more.

The rules (ID checks, duplicates, jurisdiction) live in ``services``; a view
hands a service's ValidationError back to its form (``core.views.submit_form``)
so the page re-renders with the message beside the field and the input kept.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from beatbook.core.forms import BootstrapForm
from beatbook.registry.models import (
    DocumentType,
    FlatStatus,
    PopulationType,
    PremisesKind,
    Relation,
    Sex,
)
from beatbook.registry.services import PREMISES_EDITABLE_FIELDS, RESIDENT_DETAIL_FIELDS

#: Chinese documents (ID card, residence permits, foreigner's PR card) are
#: told apart by the number itself, so the form only asks "card or passport".
DOCUMENT_CHOICES = [
    (DocumentType.ID_CARD.value, _("ID card or residence permit")),
    (DocumentType.PASSPORT.value, _("Passport")),
]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _choices(choices: Any, blank: str | None = None) -> list[tuple[str, Any]]:
    out = list(choices)
    return [("", blank), *out] if blank is not None else out


# --- structure ----------------------------------------------------------------


class CompoundForm(BootstrapForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    address = forms.CharField(label=_("Street address"), max_length=200, required=False)
    property_manager = forms.CharField(label=_("Property manager"), max_length=100, required=False)
    property_phone = forms.CharField(
        label=_("Property manager phone"), max_length=32, required=False
    )


class BuildingForm(BootstrapForm):
    number = forms.CharField(
        label=_("Building number"), max_length=32, help_text=_("6, 6号楼 or a name such as A座")
    )
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    floors = forms.IntegerField(label=_("Floors"), min_value=1, max_value=200, required=False)


class FlatForm(BootstrapForm):
    entrance_number = forms.CharField(
        label=_("Entrance (单元)"),
        max_length=32,
        required=False,
        help_text=_("Leave empty if the building has none"),
    )
    room = forms.CharField(label=_("Room"), max_length=32, help_text=_("e.g. 301"))
    status = forms.ChoiceField(
        label=_("Status"), choices=FlatStatus.choices, initial=FlatStatus.UNKNOWN
    )
    floor = forms.IntegerField(
        label=_("Floor"),
        min_value=-10,
        max_value=200,
        required=False,
        help_text=_("Leave empty to take it from the room number (301 → 3)"),
    )
    area_m2 = forms.DecimalField(
        label=_("Area (m²)"), max_digits=7, decimal_places=2, min_value=0, required=False
    )
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class FlatEditForm(FlatForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["entrance_number"]


class FlatStatusForm(forms.Form):
    status = forms.ChoiceField(choices=FlatStatus.choices)


# --- residents ----------------------------------------------------------------


class ResidentForm(BootstrapForm):
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=64)
    document_type = forms.ChoiceField(
        label=_("Document"), choices=DOCUMENT_CHOICES, initial=DocumentType.ID_CARD
    )
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    passport_country = forms.CharField(
        label=_("Passport country"),
        max_length=3,
        required=False,
        help_text=_("Three-letter code, e.g. KOR"),
        widget=forms.TextInput(attrs={"autocapitalize": "characters"}),
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=_choices(Sex.choices, "—"), required=False)
    birth_date = forms.DateField(label=_("Birth date"), required=False, widget=DateInput())
    phones = forms.CharField(
        label=_("Phones"),
        max_length=255,
        required=False,
        help_text=_("Several numbers: separate them with commas"),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    population_type = forms.ChoiceField(
        label=_("Population type"),
        choices=PopulationType.choices,
        initial=PopulationType.REGISTERED,
    )
    relation = forms.ChoiceField(
        label=_("Relation"), choices=Relation.choices, initial=Relation.OWNER
    )
    is_head = forms.BooleanField(label=_("Head of household"), required=False)
    ethnicity = forms.CharField(label=_("Ethnicity"), max_length=32, required=False)
    occupation = forms.CharField(label=_("Occupation"), max_length=100, required=False)
    moved_in_on = forms.DateField(label=_("Moved in on"), required=False, widget=DateInput())
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def service_fields(self) -> dict[str, Any]:
        return {key: self.cleaned_data.get(key) for key in RESIDENT_DETAIL_FIELDS}

    def document_fields(self) -> dict[str, Any]:
        """The document, with the sex and birth date as typed: the services keep
        those only for a passport (a Chinese ID number carries its own)."""
        data = self.cleaned_data
        return {
            "document_type": data["document_type"],
            "id_number": data["id_number"],
            "passport_country": data.get("passport_country") or "",
            "sex": data.get("sex") or "",
            "birth_date": data.get("birth_date"),
        }


class MoveOutForm(BootstrapForm):
    on = forms.DateField(label=_("Moved out on"), widget=DateInput())
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


# --- transfers ----------------------------------------------------------------


class TransferForm(BootstrapForm):
    document_type = forms.ChoiceField(
        label=_("Document"), choices=DOCUMENT_CHOICES, initial=DocumentType.ID_CARD
    )
    id_number = forms.CharField(
        label=_("ID number"), max_length=32, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    passport_country = forms.CharField(
        label=_("Passport country"),
        max_length=3,
        required=False,
        help_text=_("Three-letter code, e.g. KOR"),
    )
    relation = forms.ChoiceField(
        label=_("Relation"), choices=Relation.choices, initial=Relation.OTHER
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


class TransferDecisionForm(BootstrapForm):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


# --- premises -----------------------------------------------------------------


class PremisesEditForm(BootstrapForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=PremisesKind.choices, initial=PremisesKind.SHOP
    )
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    contact_name = forms.CharField(label=_("Contact person"), max_length=64, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=32, required=False)
    licence_number = forms.CharField(label=_("Licence number"), max_length=64, required=False)
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def service_fields(self) -> dict[str, Any]:
        return {key: self.cleaned_data.get(key) or "" for key in PREMISES_EDITABLE_FIELDS}


class PremisesForm(PremisesEditForm):
    """New premises: the edit form plus where they are (set once, at creation)."""

    field_order = ["name", "kind", "community", "compound", "building"]

    community: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Community"), queryset=None, required=False
    )
    compound: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Compound"), queryset=None, required=False
    )
    building: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Building"), queryset=None, required=False
    )

    def __init__(
        self, *args: Any, communities: Any, compounds: Any, buildings: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities  # type: ignore[attr-defined]
        self.fields["compound"].queryset = compounds  # type: ignore[attr-defined]
        self.fields["building"].queryset = buildings  # type: ignore[attr-defined]
        self.fields["community"].empty_label = _("— from the compound or building —")  # type: ignore[attr-defined]
        self.fields["compound"].empty_label = _("— not in a compound —")  # type: ignore[attr-defined]
        self.fields["building"].empty_label = _("— not in a building —")  # type: ignore[attr-defined]
