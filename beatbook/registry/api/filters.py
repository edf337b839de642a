"""Query parameters of the registry API.

Each FilterSet declares and validates a list's parameters (and documents them
in the OpenAPI schema); the view's selector applies them, so jurisdiction and
lookups stay in ``selectors.py`` (see ``SelectorFilterBackend``). A FilterSet's
field names are the selector's keyword arguments.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django_filters import rest_framework as filters
from django_filters import utils
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from beatbook.core.shortcuts import MAX_ID
from beatbook.registry.models import FlatStatus


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(filters.Filter):
    """An object id: anything but a positive integer answers 400."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class SelectorFilterSet(filters.FilterSet):
    """Parameters for a selector: ``params()`` are its keyword arguments."""

    def params(self) -> dict[str, Any]:
        return {
            name: value
            for name, value in self.form.cleaned_data.items()
            if value is not None and value != ""
        }


class SelectorFilterBackend(filters.DjangoFilterBackend):
    """Validate the query with the view's FilterSet, then ask the view's
    selector (``view.select(**params)``) for the filtered list."""

    def filter_queryset(self, request: Any, queryset: QuerySet[Any], view: Any) -> QuerySet[Any]:
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            raise utils.translate_validation(filterset.errors)
        params = filterset.params()
        return view.select(**params) if params else queryset


# Each level of the address tree filters by the levels above it, so each
# FilterSet extends the one above (base filters come first in the schema).


class CommunityFilter(SelectorFilterSet):
    beat = IdFilter(help_text="Beat id.")


class CompoundFilter(CommunityFilter):
    community = IdFilter(help_text="Community id.")


class _InCompoundFilter(CompoundFilter):
    compound = IdFilter(help_text="Compound id.")


class BuildingFilter(_InCompoundFilter):
    compound_name = filters.CharFilter(help_text="Compound name, exactly as registered.")
    number = filters.CharFilter(
        help_text='Building number; "6号楼", "六号楼" and "6" are the same.'
    )


class _InBuildingFilter(_InCompoundFilter):
    building = IdFilter(help_text="Building id.")


class FlatFilter(_InBuildingFilter):
    status = filters.ChoiceFilter(choices=FlatStatus.choices)


class ResidentFilter(_InBuildingFilter):
    flat = IdFilter(help_text="Flat id.")
    search = filters.CharFilter(
        help_text=(
            "As the one-box search (/api/v1/search/): a name (simplified or traditional) "
            "or its beginning, a given name, pinyin or initials, a full ID number or its "
            "last 4-6 characters, a full phone or its last 4 digits, an address."
        )
    )
    moved_out = filters.BooleanFilter(
        help_text="true: only people who moved out; false: only current residents."
    )


class PremisesFilter(_InBuildingFilter):
    search = filters.CharFilter(help_text="Part of the name or of the contact person's name.")
