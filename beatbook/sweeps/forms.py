"""Forms of the sweeps pages (they only parse; the services decide)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from beatbook.core.forms import BootstrapForm
from beatbook.registry.models import Resident
from beatbook.sweeps.models import Question, QuestionKind
from beatbook.sweeps.services import AnswerInput
from beatbook.visits.models import Outcome


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class QuestionForm(BootstrapForm):
    text = forms.CharField(label=_("Question"), max_length=200)
    kind = forms.ChoiceField(label=_("Answer"), choices=QuestionKind.choices)
    choices = forms.CharField(
        label=_("Options (one a line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    per_person = forms.BooleanField(label=_("Ask of each person of the household"), required=False)
    observe_days = forms.IntegerField(
        label=_("A yes puts the person under home observation for (days)"),
        required=False,
        min_value=1,
    )
    flag_choices = forms.CharField(
        label=_("Options that put the person under observation (one a line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "text": data["text"],
            "kind": data["kind"],
            "choices": _lines(data["choices"]),
            "per_person": data["per_person"],
            "observe_days": data["observe_days"],
            "flag_choices": _lines(data["flag_choices"]),
        }


YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def field_name(question: Question, resident: Resident | None) -> str:
    return f"q{question.pk}" if resident is None else f"q{question.pk}_r{resident.pk}"


def _initial(question: Question, value: Any) -> Any:
    if value is None:
        return None
    if question.kind == QuestionKind.YES_NO:
        return "yes" if value else "no"
    return value


class AnswersForm(BootstrapForm):
    """One field per household question and per (person question, person)."""

    def __init__(
        self,
        *args: Any,
        questions: Sequence[Question],
        residents: Sequence[Resident],
        answers: dict[tuple[int, int | None], Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self.slots: list[tuple[Question, Resident | None, str]] = []
        super().__init__(*args, **kwargs)
        answers = answers or {}
        for q in questions:
            persons: list[Resident | None] = list(residents) if q.per_person else [None]
            for person in persons:
                name = field_name(q, person)
                self.fields[name] = self._field(q, person)
                self.initial.setdefault(
                    name, _initial(q, answers.get((q.pk, getattr(person, "pk", None))))
                )
                self.slots.append((q, person, name))
        # BootstrapForm styled the fields it saw at construction: style the new ones
        for name, _q, _p in ((s[2], s[0], s[1]) for s in self.slots):
            widget = self.fields[name].widget
            if isinstance(widget, forms.RadioSelect):
                widget.attrs["class"] = "btn-check"
            else:
                widget.attrs["class"] = "form-control"

    @staticmethod
    def _field(q: Question, person: Resident | None) -> forms.Field:
        label = q.text if person is None else f"{q.text} · {person.name}"
        if q.kind == QuestionKind.YES_NO:
            return forms.ChoiceField(
                label=label, choices=YES_NO, required=False, widget=forms.RadioSelect
            )
        if q.kind == QuestionKind.NUMBER:
            return forms.IntegerField(
                label=label,
                required=False,
                min_value=0,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )
        if q.kind == QuestionKind.CHOICE:
            return forms.ChoiceField(
                label=label,
                choices=[(c, c) for c in q.choices],
                required=False,
                widget=forms.RadioSelect,
            )
        return forms.CharField(label=label, required=False, max_length=500)

    def bound_slots(self) -> list[tuple[Question, Resident | None, Any]]:
        return [(q, p, self[name]) for q, p, name in self.slots]

    def answer_inputs(self) -> list[AnswerInput]:
        out = []
        for q, person, name in self.slots:
            value = self.cleaned_data.get(name)
            if q.kind == QuestionKind.YES_NO:
                value = {"yes": True, "no": False}.get(value or "")
            out.append(AnswerInput(question=q, resident=person, value=value))
        return out


SWEEP_OUTCOMES = [
    (Outcome.VISITED, _("Visited")),
    (Outcome.NOBODY_HOME, _("Nobody home")),
    (Outcome.REFUSED, _("Refused")),
    (Outcome.VACANT, _("Flat vacant")),
]


class SweepVisitForm(AnswersForm):
    """A visit of a sweep and its answers in one page."""

    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=SWEEP_OUTCOMES,
        initial=Outcome.VISITED,
        widget=forms.RadioSelect,
    )
    people_met = forms.CharField(label=_("People met"), required=False, max_length=200)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["outcome"].widget.attrs["class"] = "btn-check"


class CheckForm(BootstrapForm):
    well = forms.TypedChoiceField(
        label=_("How is the person?"),
        choices=[("1", _("Well")), ("0", _("Unwell"))],
        coerce=lambda v: v == "1",
        initial="1",
        widget=forms.RadioSelect,
    )
    temperature = forms.DecimalField(
        label=_("Temperature (°C)"),
        required=False,
        max_digits=3,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
    )
    note = forms.CharField(label=_("Remarks"), required=False, max_length=300)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["well"].widget.attrs["class"] = "btn-check"


class PeriodForm(BootstrapForm):
    end_date = forms.DateField(
        label=_("Last day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    reason = forms.CharField(label=_("Reason (needed to shorten)"), required=False, max_length=300)


class ObservationForm(BootstrapForm):
    """Put a person under home observation by hand (not from a sweep answer)."""

    days = forms.IntegerField(label=_("Days"), min_value=1, initial=14)
    reason = forms.CharField(label=_("Reason"), max_length=300)
    round = forms.TypedChoiceField(
        label=_("Sweep"), coerce=int, required=False, empty_value=None, choices=[]
    )

    def __init__(self, *args: Any, sweeps: Sequence[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["round"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—"), *((r.pk, r.name) for r in sweeps)]
