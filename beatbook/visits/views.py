"""Visits pages: the worklist and tonight's plan (mobile first), logging a
visit in one to three taps, rounds and their coverage, follow-ups and the
household's profile.

Each view parses input, calls one selector or service and renders; out of
scope is 404 (the selectors), an action the role may not take 403 (the services).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from beatbook.core.scoping import scope_of
from beatbook.core.shortcuts import as_object_id
from beatbook.core.views import int_param, submit_form
from beatbook.registry.models import Beat, Building, Community, Compound
from beatbook.visits import coverage as cov
from beatbook.visits import rules, selectors, services
from beatbook.visits.forms import (
    HouseholdForm,
    PlanWindowForm,
    QuickVisitForm,
    RoundForm,
    VisitCorrectForm,
    VisitEditForm,
    VisitForm,
)
from beatbook.visits.models import FollowUpStatus, Outcome, Round, RoundKind, RoundStatus

PAGE_SIZE = 50
#: households per worklist page: a long scroll on a phone already
WORKLIST_PAGE = 20


def _paginate(request: HttpRequest, qs: Any, size: int = PAGE_SIZE) -> Any:
    return Paginator(qs, size).get_page(request.GET.get("page"))


def _form_page(
    request: HttpRequest, form: Any, title: str, *, cancel_url: str, flat: Any = None
) -> HttpResponse:
    """The one-form page every write of this app shows (a household's address above it)."""
    return render(
        request,
        "visits/visit_form.html",
        {"form": form, "flat": flat, "title": title, "cancel_url": cancel_url},
    )


def _visitor(request: HttpRequest) -> None:
    if not scope_of(request.user).sees_residents:
        raise PermissionDenied(_("Your role does not visit households."))


def _next_url(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return default


# --- the worklist -----------------------------------------------------------------------


@login_required
def worklist(request: HttpRequest) -> HttpResponse:
    """My follow-ups, lapsed care visits, and the households of my active
    rounds still to visit, in stairs order, each loggable in one tap."""
    work = selectors.worklist(user=request.user, round_id=request.GET.get("round"))
    # pages without a count (the coverage box says how many are left): one
    # row more than a page tells whether there is a next one
    number = max(1, as_object_id(request.GET.get("page", "1")) or 1)
    start = (number - 1) * WORKLIST_PAGE
    rows = list(work.pending[start : start + WORKLIST_PAGE + 1]) if work.pending is not None else []
    has_next = len(rows) > WORKLIST_PAGE
    rows = rows[:WORKLIST_PAGE]
    if work.round is not None:
        selectors.mark_tried(work.round, rows)
    flat_ids = (
        [r.pk for r in rows] + [h.flat_id for h in work.care] + [f.flat_id for f in work.followups]
    )
    return render(
        request,
        "visits/worklist.html",
        {
            "work": work,
            "page_number": number,
            "has_next": has_next,
            "rows": rows,
            "heads": selectors.heads_of(flat_ids),
            "today": rules.local_date(work.now),
        },
    )


@login_required
def tonight(request: HttpRequest) -> HttpResponse:
    """Tonight's plan: the 20 most urgent households, by building and floor (printable)."""
    window = PlanWindowForm(request.GET)
    start, end = window.window()
    plan = selectors.tonight_plan(user=request.user, start=start, end=end)
    flat_ids = [s.flat.pk for b in plan.buildings for fl in b.floors for s in fl.stops]
    return render(
        request,
        "visits/tonight.html",
        {"plan": plan, "start": start, "end": end, "heads": selectors.heads_of(flat_ids)},
    )


# --- logging visits -----------------------------------------------------------------------


def _round_for(request: HttpRequest, round_id: int | None) -> Round | None:
    if not round_id:
        return None
    try:
        return selectors.round_get(user=request.user, pk=round_id)
    except Http404 as exc:
        raise ValidationError({"round": _("No such round.")}) from exc


@login_required
@require_POST
def quick_log(request: HttpRequest, pk: int) -> HttpResponse:
    """One tap on the worklist: "visited" or "nobody home", with the note if one
    was typed. An htmx request gets the row back; without JS, a redirect."""
    flat = selectors.flat_for_visit(user=request.user, pk=pk)
    form = QuickVisitForm(request.POST)
    if not form.is_valid():
        return HttpResponse(status=400)
    data = form.cleaned_data
    error = ""
    logged = None
    try:
        logged = services.visit_log(
            actor=request.user,
            flat=flat,
            round_=_round_for(request, data["round"]),
            outcome=data["outcome"],
            notes=data["notes"],
            visited_at=data["tapped_at"],
        )
    except ValidationError as exc:
        error = " ".join(exc.messages)
    tally = None
    if logged is not None and logged.visit.round is not None:
        tally = selectors.coverage(user=request.user, round_=logged.visit.round)
    if getattr(request, "htmx", False):
        return render(
            request,
            "visits/_logged.html",
            {
                "flat": flat,
                "logged": logged,
                "error": error,
                "tally": tally,
                "duplicates": selectors.visit_list(user=request.user).filter(
                    pk__in=logged.duplicate_of if logged else []
                ),
            },
            # htmx swaps only 2xx answers: the row itself says what went wrong
        )
    if error:
        messages.error(request, error)
    elif logged and logged.duplicate_of:
        messages.warning(
            request, _("Logged; this household was already visited in the round by someone else.")
        )
    else:
        messages.success(request, _("Visit logged."))
    return redirect(_next_url(request, reverse("visits:worklist")))


def _after_visit_url(request: HttpRequest, visit: Any, flat: Any) -> str:
    """A sweep visit that reached the household goes on to the sweep's
    questions (beatbook/sweeps); any other visit back to where it came from."""
    if (
        visit.round_id
        and visit.round.kind == RoundKind.SWEEP
        and visit.outcome == Outcome.VISITED
        and "sweeps" in settings.FEATURE_APPS
    ):
        return reverse("sweeps:visit-answers", args=[visit.pk])
    return _next_url(request, reverse("registry:flat-detail", args=[flat.pk]))


@login_required
@require_http_methods(["GET", "POST"])
def visit_create(request: HttpRequest, pk: int) -> HttpResponse:
    """The full visit form: who went, people met, notes, tags, a follow-up."""
    flat = selectors.flat_for_visit(user=request.user, pk=pk)
    rounds = selectors.rounds_for_flat(user=request.user, flat=flat)
    colleagues = selectors.colleagues_for(user=request.user, flat=flat)
    initial = {
        "visited_at": timezone.localtime().replace(second=0, microsecond=0, tzinfo=None),
        "round": request.GET.get("round") or (rounds[0].pk if rounds else None),
    }
    form = VisitForm(
        request.POST or None,
        initial=initial,
        rounds=[(r.pk, r.name) for r in rounds],
        colleagues=[(u.pk, u.label) for u in colleagues],
    )
    by_id = {u.pk: u for u in colleagues}

    def save() -> Any:
        data = form.cleaned_data
        logged = services.visit_log(
            actor=request.user,
            flat=flat,
            round_=next((r for r in rounds if r.pk == data["round"]), None),
            outcome=data["outcome"],
            visited_at=data["visited_at"],
            visitors=[request.user, *(by_id[i] for i in data.get("with_colleagues") or [])],
            people_met=data["people_met"],
            notes=data["notes"],
            tags=data["tags"],
            followup_task=data["followup_task"],
            followup_due=data["followup_due"],
        )
        if logged.duplicate_of:
            messages.warning(
                request,
                _(
                    "This household was already visited in this round by someone else: visit %(ids)s."
                )
                % {"ids": ", ".join(f"#{i}" for i in logged.duplicate_of)},
            )
        return logged.visit

    done = submit_form(
        request,
        form,
        save,
        lambda v: _after_visit_url(request, v, flat),
        _("Visit logged."),
    )
    return done or _form_page(
        request,
        form,
        _("Log a visit"),
        cancel_url=reverse("registry:flat-detail", args=[flat.pk]),
        flat=flat,
    )


@login_required
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = selectors.visit_get(user=request.user, pk=pk)
    return render(
        request,
        "visits/visit_detail.html",
        {
            "visit": visit,
            "may_edit": services.may_edit(request.user, visit),
            "editable_until": rules.editable_until(visit.created_at),
        },
    )


def _visit_initial(visit: Any) -> dict[str, Any]:
    return {
        "outcome": visit.outcome,
        "visited_at": timezone.localtime(visit.visited_at).replace(tzinfo=None),
        "people_met": visit.people_met,
        "notes": visit.notes,
        "tags": visit.tags,
    }


@login_required
@require_http_methods(["GET", "POST"])
def visit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Its author changes a visit within 24 hours (anyone else: 403)."""
    visit = selectors.visit_get(user=request.user, pk=pk)
    if not services.may_edit(request.user, visit):
        raise PermissionDenied(_("Only its author may change a visit, within 24 hours."))
    form = VisitEditForm(request.POST or None, initial=_visit_initial(visit))
    done = submit_form(
        request,
        form,
        lambda: services.visit_update(actor=request.user, visit=visit, **form.cleaned_data),
        lambda v: reverse("visits:visit-detail", args=[v.pk]),
        _("Visit saved."),
    )
    return done or _form_page(
        request,
        form,
        _("Edit visit"),
        cancel_url=reverse("visits:visit-detail", args=[visit.pk]),
        flat=visit.flat,
    )


@login_required
@require_http_methods(["GET", "POST"])
def visit_correct(request: HttpRequest, pk: int) -> HttpResponse:
    """Append a correction (after 24 hours, or someone else's visit)."""
    visit = selectors.visit_get(user=request.user, pk=pk)
    _visitor(request)
    if visit.superseded:
        raise Http404
    form = VisitCorrectForm(request.POST or None, initial=_visit_initial(visit))

    def save() -> Any:
        data = dict(form.cleaned_data)
        reason = data.pop("reason")
        return services.visit_correct(actor=request.user, visit=visit, reason=reason, **data)

    done = submit_form(
        request,
        form,
        save,
        lambda v: reverse("visits:visit-detail", args=[v.pk]),
        _("Correction appended."),
    )
    return done or _form_page(
        request,
        form,
        _("Correct visit"),
        cancel_url=reverse("visits:visit-detail", args=[visit.pk]),
        flat=visit.flat,
    )


@login_required
def visit_list(request: HttpRequest) -> HttpResponse:
    """The visit log, newest first (filters as in the API)."""
    visits = selectors.visit_list(
        user=request.user,
        round=int_param(request, "round"),
        building=int_param(request, "building"),
        flat=int_param(request, "flat"),
        outcome=request.GET.get("outcome")
        if request.GET.get("outcome") in Outcome.values
        else None,
    )
    return render(
        request,
        "visits/visit_list.html",
        {"page": _paginate(request, visits), "outcomes": Outcome.choices},
    )


# --- follow-ups ----------------------------------------------------------------------------


@login_required
def followup_list(request: HttpRequest) -> HttpResponse:
    mine = request.GET.get("mine") == "1"
    overdue = request.GET.get("overdue") == "1"
    now = timezone.now()
    rows = selectors.followup_list(
        user=request.user,
        assignee=request.user.pk if mine else None,
        status=FollowUpStatus.OPEN if request.GET.get("all") != "1" else None,
        overdue=True if overdue else None,
        now=now,
    ).order_by("due_date", "id")
    page = _paginate(request, rows)
    selectors.with_overdue(page.object_list, now)
    return render(
        request,
        "visits/followup_list.html",
        {"page": page, "mine": mine, "overdue": overdue},
    )


@login_required
def followup_detail(request: HttpRequest, pk: int) -> HttpResponse:
    followup = selectors.followup_get(user=request.user, pk=pk)
    selectors.with_overdue([followup], timezone.now())
    return render(request, "visits/followup_detail.html", {"followup": followup})


@login_required
@require_POST
def followup_complete(request: HttpRequest, pk: int) -> HttpResponse:
    followup = selectors.followup_get(user=request.user, pk=pk)
    try:
        services.followup_complete(
            actor=request.user, followup=followup, note=request.POST.get("note", "")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Follow-up done."))
    return redirect(_next_url(request, reverse("visits:followup-detail", args=[followup.pk])))


# --- households -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def household_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Classification and care-list cadence of a household."""
    flat = selectors.flat_for_visit(user=request.user, pk=pk)
    profile = selectors.household_profile(user=request.user, flat=flat)
    household = profile.household
    initial = {f: getattr(household, f) for f in HouseholdForm.FIELDS} if household else {}
    form = HouseholdForm(request.POST or None, initial=initial)
    done = submit_form(
        request,
        form,
        lambda: services.household_update(actor=request.user, flat=flat, **form.cleaned_data),
        lambda h: reverse("registry:flat-detail", args=[flat.pk]),
        _("Household saved."),
    )
    return done or _form_page(
        request,
        form,
        _("Household classification"),
        cancel_url=reverse("registry:flat-detail", args=[flat.pk]),
        flat=flat,
    )


# --- rounds ------------------------------------------------------------------------------------


@login_required
def round_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status")
    rounds = selectors.round_list(
        user=request.user, status=status if status in RoundStatus.values else None
    )
    return render(
        request,
        "visits/round_list.html",
        {"page": _paginate(request, rounds), "status": status, "statuses": RoundStatus.choices},
    )


@login_required
def round_coverage(request: HttpRequest, pk: int) -> HttpResponse:
    """The round's coverage box (the worklist loads it after the list)."""
    round_ = selectors.round_get(user=request.user, pk=pk)
    tally = selectors.coverage(user=request.user, round_=round_)
    return render(request, "visits/_coverage.html", {"tally": tally})


@login_required
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A round's coverage, in all and per building."""
    round_ = selectors.round_get(user=request.user, pk=pk)
    rows = selectors.coverage_per_building(user=request.user, round_=round_)
    tally = cov.merge(t for _b, t in rows)
    return render(
        request,
        "visits/round_detail.html",
        {"round": round_, "tally": tally, "rows": rows},
    )


def _pick(model: Any, user: Any, pk: int | None) -> Any:
    if pk is None:
        return None
    obj = model.objects.visible_to(user).filter(pk=pk).first()
    if obj is None:
        raise ValidationError(_("Choose where the round takes place."))
    return obj


@login_required
@require_http_methods(["GET", "POST"])
def round_create(request: HttpRequest) -> HttpResponse:
    _visitor(request)
    today = timezone.localdate()
    form = RoundForm(
        request.POST or None,
        initial={"start_date": today, "end_date": today + dt.timedelta(days=30)},
        choices=selectors.household_choices(user=request.user),
    )

    def save() -> Round:
        data = dict(form.cleaned_data)
        user = request.user
        data["beat"] = _pick(Beat, user, data["beat"])
        data["community"] = _pick(Community, user, data["community"])
        data["compound"] = _pick(Compound, user, data["compound"])
        data["buildings"] = list(
            Building.objects.visible_to(user).filter(pk__in=data["buildings"] or [])
        )
        return services.round_create(actor=user, **data)

    done = submit_form(
        request,
        form,
        save,
        lambda r: reverse("visits:round-detail", args=[r.pk]),
        _("Round created."),
    )
    return done or _form_page(
        request, form, _("New visit round"), cancel_url=reverse("visits:round-list")
    )


# --- the offline queue ---------------------------------------------------------------------------


@require_GET
@never_cache
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, served from /visits/ so that it may control the
    visits pages (a worker's scope is the folder it is served from)."""
    path = finders.find("visits/sw.js")
    if not path:
        raise Http404
    with open(path, encoding="utf-8") as fh:
        body = fh.read()
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response
