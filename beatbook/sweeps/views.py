"""Sweeps pages: a sweep's questions and progress, the no-one-missed list,
a sweep visit with its answers, home observation with its one-tap daily
check, and the station's view of a round (tables, charts, xlsx).

Each view parses input, calls one selector or service and renders; out of
scope is 404 (the selectors), an action the role may not take 403 (the services).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from beatbook.core.forms import add_service_errors
from beatbook.core.scoping import scope_of
from beatbook.core.views import int_param, submit_form
from beatbook.registry import selectors as registry_selectors
from beatbook.sweeps import charts, days, export, selectors, services
from beatbook.sweeps.forms import (
    AnswersForm,
    CheckForm,
    ObservationForm,
    PeriodForm,
    QuestionForm,
    SweepVisitForm,
)
from beatbook.visits import coverage as cov
from beatbook.visits import selectors as visit_selectors

PAGE_SIZE = 100


def _visitor(request: HttpRequest) -> None:
    if not scope_of(request.user).sees_residents:
        raise Http404


def _next_url(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return default


def _today() -> Any:
    return days.local_date(timezone.now())


# --- sweeps -------------------------------------------------------------------------------


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The sweeps the user takes part in, and who is lost to follow-up."""
    sweeps = list(selectors.sweep_list(user=request.user))
    return render(
        request,
        "sweeps/index.html",
        {"sweeps": sweeps, "lost": selectors.lost_to_follow_up(user=request.user)},
    )


@login_required
def sweep_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A sweep: its questions, households by state, daily progress against
    the target, and the people under observation."""
    round_ = selectors.sweep_get(user=request.user, pk=pk)
    progress = selectors.daily_progress(user=request.user, round_=round_)
    observations = selectors.with_standing(
        list(selectors.observation_list(user=request.user, round=round_.pk))
    )
    unanswered, to_answer = selectors.unanswered_visits(user=request.user, round_=round_)
    return render(
        request,
        "sweeps/sweep_detail.html",
        {
            "round": round_,
            "questions": selectors.questions(round_=round_),
            "tally": visit_selectors.coverage(user=request.user, round_=round_),
            "progress": progress,
            "today_row": progress[-1] if progress else None,
            "progress_chart": charts.progress(progress),
            "observations": selectors.count_by_state(observations),
            "lost": [o for o in observations if o.standing.lost],  # type: ignore[attr-defined]
            "may_organise": services.may_organise(request.user, round_),
            "unanswered": unanswered,
            "to_answer": to_answer,
            "form": QuestionForm(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def question_create(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = selectors.sweep_get(user=request.user, pk=pk)
    if not services.may_organise(request.user, round_):
        raise PermissionDenied(_("Only the sweep's officers and the chief set its questions."))
    form = QuestionForm(request.POST or None)
    done = submit_form(
        request,
        form,
        lambda: services.question_create(
            actor=request.user, round_=round_, **form.service_kwargs()
        ),
        lambda q: reverse("sweeps:sweep-detail", args=[round_.pk]),
        _("Question added."),
    )
    return done or render(request, "sweeps/question_form.html", {"round": round_, "form": form})


@login_required
def missed(request: HttpRequest, pk: int) -> HttpResponse:
    """No one missed: every household of the round not reached yet, by
    building, entrance and floor (any round kind)."""
    round_ = selectors.round_get(user=request.user, pk=pk)
    state = request.GET.get("state")
    state = state if state in selectors.NOT_REACHED else None
    page = Paginator(
        selectors.not_reached(user=request.user, round_=round_, state=state), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    rows = selectors.with_latest(round_, page.object_list)
    return render(
        request,
        "sweeps/missed.html",
        {
            "round": round_,
            "state": state,
            "states": selectors.NOT_REACHED,
            "page": page,
            "groups": selectors.group_by_stairs(rows),
            "heads": visit_selectors.heads_of([r.pk for r in rows]),
            "tally": visit_selectors.coverage(user=request.user, round_=round_),
            "is_sweep": round_.kind == "sweep",
            # where a sweep visit returns to (computed once, not per household)
            "back": urlencode({"next": request.get_full_path()}),
        },
    )


# --- a sweep visit and its answers ---------------------------------------------------------------


def _report_saved(request: HttpRequest, saved: services.SavedAnswers) -> None:
    for obs in saved.observations:
        messages.warning(
            request,
            _("%(name)s is under home observation until %(end)s.")
            % {"name": obs.resident.name, "end": obs.end_date.strftime("%m-%d")},
        )


@login_required
@require_http_methods(["GET", "POST"])
def household_visit(request: HttpRequest, pk: int, flat: int) -> HttpResponse:
    """Log a sweep visit of a household and its answers in one page."""
    round_ = selectors.sweep_get(user=request.user, pk=pk)
    household = visit_selectors.flat_for_visit(user=request.user, pk=flat)
    residents = selectors.household_residents(flat=household)
    form = SweepVisitForm(
        request.POST or None,
        questions=selectors.questions(round_=round_),
        residents=residents,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            logged, saved = services.sweep_visit_log(
                actor=request.user,
                round_=round_,
                flat=household,
                outcome=data["outcome"],
                people_met=data["people_met"],
                notes=data["notes"],
                answers=form.answer_inputs(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if logged.duplicate_of:
                messages.warning(
                    request,
                    _("This household was already visited in this sweep by someone else."),
                )
            _report_saved(request, saved)
            messages.success(request, _("Visit logged."))
            return redirect(_next_url(request, reverse("sweeps:missed", args=[round_.pk])))
    return render(
        request,
        "sweeps/household_visit.html",
        {"round": round_, "flat": household, "form": form, "residents": residents},
    )


@login_required
@require_http_methods(["GET", "POST"])
def visit_answers(request: HttpRequest, pk: int) -> HttpResponse:
    """Answer (or correct the answers of) a visit already logged in a sweep."""
    visit = selectors.visit_for_answers(user=request.user, pk=pk)
    round_ = visit.round
    assert round_ is not None
    residents = selectors.household_residents(flat=visit.flat)
    form = AnswersForm(
        request.POST or None,
        questions=selectors.questions(round_=round_),
        residents=residents,
        answers=selectors.answers_of(visit=visit),
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.answers_save(
                actor=request.user, visit=visit, answers=form.answer_inputs()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            _report_saved(request, saved)
            messages.success(request, _("Answers saved."))
            return redirect("sweeps:sweep-detail", round_.pk)
    return render(
        request,
        "sweeps/visit_answers.html",
        {"round": round_, "visit": visit, "flat": visit.flat, "form": form},
    )


# --- home observation ---------------------------------------------------------------------------


@login_required
def observation_list(request: HttpRequest) -> HttpResponse:
    """People under home observation, today's check in one tap; ``?state=lost``
    lists those lost to follow-up."""
    state = request.GET.get("state")
    state = state if state in selectors.OBSERVATION_STATES else None
    mine = request.GET.get("mine") == "1"
    page = Paginator(
        selectors.observation_list(
            user=request.user,
            round=int_param(request, "round"),
            state=state,
            assignee=request.user.pk if mine else None,
        ),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    rows = selectors.with_standing(list(page.object_list))
    return render(
        request,
        "sweeps/observation_list.html",
        {
            "page": page,
            "rows": rows,
            "state": state,
            "mine": mine,
            "states": selectors.OBSERVATION_STATES,
            "round_id": int_param(request, "round"),
        },
    )


def _observation_page(request: HttpRequest, obs: Any, **extra: Any) -> HttpResponse:
    today = _today()
    standing = selectors.standing_of(obs, today)
    strip = days.day_strip(
        start=obs.start_date,
        end=obs.end_date,
        checked=days.check_days(c.checked_at for c in obs.checks.all()),
        today=today,
    )
    context = {
        "obs": obs,
        "standing": standing,
        "strip": strip,
        "check_form": CheckForm(),
        "period_form": PeriodForm(initial={"end_date": obs.end_date}),
        **extra,
    }
    return render(request, "sweeps/observation_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def observation_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Put a resident under home observation by hand (from today)."""
    _visitor(request)
    resident = registry_selectors.resident_get(user=request.user, pk=pk)
    sweeps = [r for r in selectors.sweep_list(user=request.user) if r.status == "active"]
    form = ObservationForm(request.POST or None, sweeps=sweeps)

    def save() -> Any:
        data = form.cleaned_data
        return services.observation_start(
            actor=request.user,
            resident=resident,
            days_=data["days"],
            reason=data["reason"],
            round_=next((r for r in sweeps if r.pk == data["round"]), None),
        )

    done = submit_form(
        request,
        form,
        save,
        lambda o: reverse("sweeps:observation-detail", args=[o.pk]),
        _("Home observation started."),
    )
    return done or render(
        request, "sweeps/observation_form.html", {"resident": resident, "form": form}
    )


@login_required
def observation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    obs = selectors.observation_get(user=request.user, pk=pk)
    return _observation_page(request, obs)


@login_required
@require_POST
def observation_check(request: HttpRequest, pk: int) -> HttpResponse:
    """Today's check: one tap from the list (well), or the form on the detail page."""
    obs = selectors.observation_get(user=request.user, pk=pk)
    form = CheckForm(request.POST or {"well": "1"})
    error = ""
    if form.is_valid():
        try:
            services.observation_check(actor=request.user, observation=obs, **form.cleaned_data)
        except ValidationError as exc:
            error = " ".join(exc.messages)
    else:
        error = " ".join(str(e) for errs in form.errors.values() for e in errs)
    if request.htmx:  # type: ignore[attr-defined]
        fresh = selectors.with_standing([selectors.observation_get(user=request.user, pk=pk)])[0]
        return render(
            request,
            "sweeps/_observation_row.html",
            {"o": fresh, "error": error},
            status=400 if error else 200,
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Check recorded."))
    return redirect(_next_url(request, reverse("sweeps:observation-detail", args=[pk])))


@login_required
@require_POST
def observation_period(request: HttpRequest, pk: int) -> HttpResponse:
    """Extend the observation, or shorten it with a reason."""
    obs = selectors.observation_get(user=request.user, pk=pk)
    form = PeriodForm(request.POST)
    if form.is_valid():
        try:
            services.observation_set_end(
                actor=request.user,
                observation=obs,
                end_date=form.cleaned_data["end_date"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Observation period changed."))
            return redirect("sweeps:observation-detail", pk)
    return _observation_page(
        request, selectors.observation_get(user=request.user, pk=pk), period_form=form
    )


# --- the station's view -------------------------------------------------------------------------


def _station_round(request: HttpRequest) -> tuple[list[Any], Any]:
    _visitor(request)
    rounds = selectors.rounds_for_station(user=request.user)
    wanted = request.GET.get("round")
    if wanted:
        chosen = next((r for r in rounds if str(r.pk) == wanted), None)
        if chosen is None:
            raise Http404
    else:
        chosen = rounds[0] if rounds else None
    return rounds, chosen


@login_required
def station(request: HttpRequest) -> HttpResponse:
    """A round seen from the station: coverage by beat and by visitor,
    overdue follow-ups by officer, households not reached (officers see
    their own beat's part)."""
    rounds, round_ = _station_round(request)
    view = selectors.station_view(user=request.user, round_=round_) if round_ else None
    context: dict[str, Any] = {"rounds": rounds, "round": round_, "view": view}
    if view is not None:
        context["charts"] = {
            "beats": charts.stacked(
                [r.beat.name for r in view.beats], [r.tally for r in view.beats]
            ),
            "visitors": charts.bars(
                [str(r.user) for r in view.visitors],
                [
                    (
                        _("Households visited"),
                        [r.visited for r in view.visitors],
                        charts.COLOURS[cov.VISITED],
                    ),
                    (_("Nobody home"), [r.tried for r in view.visitors], charts.COLOURS[cov.TRIED]),
                ],
            ),
            "overdue": charts.bars(
                [str(r.user) for r in view.overdue],
                [(_("Overdue follow-ups"), [r.overdue for r in view.overdue], "#dc3545")],
            ),
            "progress": charts.progress(view.progress) if view.progress else None,
        }
    return render(request, "sweeps/station.html", context)


@login_required
def station_export(request: HttpRequest) -> HttpResponse:
    """The station view as an xlsx workbook (one sheet per table, and every
    household not reached)."""
    _rounds, round_ = _station_round(request)
    if round_ is None:
        raise Http404
    view = selectors.station_view(user=request.user, round_=round_)
    content = export.workbook(
        view, selectors.with_latest(round_, selectors.not_reached(user=request.user, round_=round_))
    )
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    stamp = timezone.localtime().strftime("%Y%m%d")
    response["Content-Disposition"] = (
        f'attachment; filename="station-round-{round_.pk}-{stamp}.xlsx"'
    )
    return response
