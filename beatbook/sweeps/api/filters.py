"""Query parameters of the sweeps API (validated here, applied by the selectors)."""

from __future__ import annotations

from django_filters import rest_framework as filters

from beatbook.registry.api.filters import IdFilter, SelectorFilterSet
from beatbook.sweeps.selectors import OBSERVATION_STATES


class QuestionFilter(SelectorFilterSet):
    round = IdFilter(help_text="Round (sweep) id.")


class AnswerFilter(SelectorFilterSet):
    visit = IdFilter(help_text="Visit id.")
    round = IdFilter(help_text="Round (sweep) id.")
    question = IdFilter(help_text="Question id.")


class ObservationFilter(SelectorFilterSet):
    round = IdFilter(help_text="Round (sweep) id.")
    state = filters.ChoiceFilter(
        choices=[(s, s) for s in OBSERVATION_STATES],
        help_text="Derived from the checks and today's date (Asia/Shanghai): "
        "lost = three days in a row without a check.",
    )
    assignee = IdFilter(help_text="User id of the person checking.")
    resident = IdFilter(help_text="Resident id.")
