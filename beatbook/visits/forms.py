"""Plain forms for the visits pages: they parse what was typed; the services decide."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from beatbook.core.forms import BootstrapForm
from beatbook.registry.forms import DateInput
from beatbook.visits.models import Household, Outcome, RoundKind, RoundScope, VisitTag

QUICK_OUTCOMES = (Outcome.VISITED, Outcome.NOBODY_HOME)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class QuickVisitForm(forms.Form):
    """The worklist's buttons: an outcome, an optional note, the round."""

    outcome = forms.ChoiceField(choices=Outcome.choices)
    notes = forms.CharField(required=False, max_length=4000)
    round = forms.IntegerField(required=False, min_value=1)
    #: set by the offline queue: when the button was tapped (ISO, the phone's time)
    tapped_at = forms.DateTimeField(required=False)


class VisitForm(BootstrapForm):
    round = forms.TypedChoiceField(label=_("Round"), required=False, coerce=int, empty_value=None)
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=Outcome.choices,
        widget=forms.RadioSelect,
        initial=Outcome.VISITED,
    )
    visited_at = forms.DateTimeField(label=_("When"), widget=DateTimeInput())
    with_colleagues = forms.TypedMultipleChoiceField(
        label=_("Went with"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    people_met = forms.CharField(label=_("People met"), max_length=200, required=False)
    notes = forms.CharField(
        label=_("What was asked or heard"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    tags = forms.MultipleChoiceField(
        label=_("Tags"),
        choices=VisitTag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    followup_task = forms.CharField(label=_("Follow-up"), max_length=300, required=False)
    followup_due = forms.DateField(label=_("Follow-up due"), required=False, widget=DateInput())

    def __init__(
        self,
        *args: Any,
        rounds: list[tuple[int, str]],
        colleagues: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["round"].choices = (  # type: ignore[attr-defined]
            [("", _("No round")), *rounds]
        )
        self.fields["with_colleagues"].choices = colleagues  # type: ignore[attr-defined]
        if not colleagues:
            del self.fields["with_colleagues"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("followup_task") and not data.get("followup_due"):
            self.add_error("followup_due", _("A follow-up needs a due date."))
        return data


class VisitEditForm(BootstrapForm):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=Outcome.choices, widget=forms.RadioSelect
    )
    visited_at = forms.DateTimeField(label=_("When"), widget=DateTimeInput())
    people_met = forms.CharField(label=_("People met"), max_length=200, required=False)
    notes = forms.CharField(
        label=_("What was asked or heard"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    tags = forms.MultipleChoiceField(
        label=_("Tags"),
        choices=VisitTag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class VisitCorrectForm(VisitEditForm):
    reason = forms.CharField(label=_("Reason for the correction"), max_length=500)


class HouseholdForm(BootstrapForm):
    elderly_alone = forms.BooleanField(label=_("Elderly person living alone"), required=False)
    young_children = forms.BooleanField(label=_("Family with young children"), required=False)
    tenants = forms.BooleanField(label=_("Tenants"), required=False)
    shop_at_home = forms.BooleanField(label=_("Shop at home"), required=False)
    needs_care = forms.BooleanField(label=_("People needing care"), required=False)
    care_every_days = forms.IntegerField(
        label=_("On the care list: visit every … days"),
        required=False,
        min_value=1,
        max_value=365,
        help_text=_("Leave empty for households not on the care list."),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    FIELDS = (*Household.CLASSIFICATION, "care_every_days", "notes")


class RoundForm(BootstrapForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=RoundKind.choices)
    scope = forms.ChoiceField(
        label=_("Where"), choices=RoundScope.choices, initial=RoundScope.COMPOUND
    )
    beat = forms.TypedChoiceField(label=_("Beat"), required=False, coerce=int, empty_value=None)
    community = forms.TypedChoiceField(
        label=_("Community"), required=False, coerce=int, empty_value=None
    )
    compound = forms.TypedChoiceField(
        label=_("Compound"), required=False, coerce=int, empty_value=None
    )
    buildings = forms.TypedMultipleChoiceField(
        label=_("Buildings"),
        required=False,
        coerce=int,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    start_date = forms.DateField(label=_("Start date"), widget=DateInput())
    end_date = forms.DateField(label=_("End date"), widget=DateInput())
    household_due_date = forms.DateField(
        label=_("Each household visited by"), required=False, widget=DateInput()
    )
    daily_target = forms.IntegerField(
        label=_("Daily target (households)"), required=False, min_value=1
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self, *args: Any, choices: dict[str, list[tuple[int, str]]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        for name, options in choices.items():
            blank = [] if name == "buildings" else [("", "—")]
            self.fields[name].choices = [*blank, *options]  # type: ignore[attr-defined]


class PlanWindowForm(forms.Form):
    start = forms.TimeField(required=False)
    end = forms.TimeField(required=False)

    def window(self) -> tuple[dt.time, dt.time]:
        data = self.cleaned_data if self.is_valid() else {}
        return data.get("start") or dt.time(17), data.get("end") or dt.time(21)
