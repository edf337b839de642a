from __future__ import annotations

from typing import Any, TypeVar

from django.db import models
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404

M = TypeVar("M", bound=models.Model)

#: the largest value a database id column holds; a bigger one is "not found",
#: not a question for the database (which would fail rather than find nothing)
MAX_ID = 2**63 - 1


def as_object_id(value: Any) -> int | None:
    """``value`` as an object id, or None when it cannot be one."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    text = str(value)
    if not text.isdigit() or not 0 < int(text) <= MAX_ID:
        return None
    return int(text)


def get_visible_or_404(queryset: models.QuerySet[M], pk: Any) -> M:
    """Fetch from a ``visible_to(user)`` queryset: missing, out of scope and
    malformed ids all answer the same 404."""
    object_id = as_object_id(pk)
    if object_id is None:
        raise Http404
    try:
        return queryset.get(pk=object_id)
    except queryset.model.DoesNotExist as exc:  # type: ignore[attr-defined]
        raise Http404 from exc


def subquery_count(qs: models.QuerySet[Any], group: str, outer: str = "pk") -> Coalesce:
    """An annotation counting the rows of ``qs`` whose ``group`` is the outer
    row's ``outer``, as a correlated subquery: unlike ``Count`` over a join it
    multiplies no rows, so several counts can sit side by side."""
    sub = (
        qs.filter(**{group: OuterRef(outer)})
        .order_by()
        .values(group)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(sub, output_field=IntegerField()), Value(0))
