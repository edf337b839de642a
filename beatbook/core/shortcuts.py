from __future__ import annotations

from typing import Any, TypeVar

from django.db import models
from django.http import Http404

M = TypeVar("M", bound=models.Model)


def get_visible_or_404(
    model: type[M], user: Any, pk: Any, queryset: models.QuerySet[M] | None = None
) -> M:
    """Fetch and authorise in one step: missing and out-of-scope look the same."""
    qs = queryset if queryset is not None else model.objects.visible_to(user)  # type: ignore[attr-defined]
    try:
        return qs.get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError) as exc:  # type: ignore[attr-defined]
        raise Http404 from exc
