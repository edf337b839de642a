"""Query parameters of the visits API (validated here, applied by the selectors)."""

from __future__ import annotations

from django_filters import rest_framework as filters

from beatbook.registry.api.filters import IdFilter, SelectorFilterSet
from beatbook.visits.models import FollowUpStatus, Outcome, RoundKind, RoundStatus


class RoundFilter(SelectorFilterSet):
    status = filters.ChoiceFilter(choices=RoundStatus.choices)
    kind = filters.ChoiceFilter(choices=RoundKind.choices)


class VisitFilter(SelectorFilterSet):
    round = IdFilter(help_text="Round id.")
    flat = IdFilter(help_text="Flat (household) id.")
    building = IdFilter(help_text="Building id.")
    outcome = filters.ChoiceFilter(choices=Outcome.choices)


class FollowUpFilter(SelectorFilterSet):
    assignee = IdFilter(help_text="User id of the assignee.")
    flat = IdFilter(help_text="Flat (household) id.")
    status = filters.ChoiceFilter(choices=FollowUpStatus.choices)
    overdue = filters.BooleanFilter(
        help_text="true: only open follow-ups past their due date (Asia/Shanghai days)."
    )


class CoverageFilter(SelectorFilterSet):
    building = IdFilter(help_text="Coverage in this building.")
    compound = IdFilter(help_text="Coverage in this compound.")
    community = IdFilter(help_text="Coverage in this community.")
    beat = IdFilter(help_text="Coverage in this beat.")
