"""The search results page; as an htmx fragment, the suggestions under the
navbar's search box (the box is a plain GET form without JS)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from beatbook.core.views import int_param
from beatbook.search import selectors

PAGE_SIZE = 20
SUGGESTIONS = 8


@login_required
def results(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")
    if getattr(request, "htmx", False) and request.GET.get("suggest"):
        found = selectors.search(user=request.user, q=q, limit=SUGGESTIONS)
        return render(request, "search/_suggestions.html", {"found": found, "q": q.strip()})
    page = max(1, int_param(request, "page") or 1)
    found = selectors.search(user=request.user, q=q, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return render(
        request,
        "search/results.html",
        {"found": found, "q": q.strip(), "search_q": q.strip(), "page": page},
    )
