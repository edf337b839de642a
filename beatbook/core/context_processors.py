from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from beatbook.core.scoping import scope_of


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {"scope": scope_of(user)}
