"""Alert pages: the list, one alert, the officer's phone page (live feed,
one-tap acknowledge) and response times for chiefs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import pgettext, pgettext_lazy
from django.views.decorators.http import require_POST

from beatbook.alerts import selectors, services
from beatbook.alerts.models import AlertState, RuleKind
from beatbook.core.forms import BootstrapForm, add_service_errors
from beatbook.core.scoping import scope_of
from beatbook.core.views import int_param
from beatbook.notify.selectors import response_times as times_of

PAGE_SIZE = 50
#: the phone page shows the active alerts, newest first, up to this many
PHONE_LIMIT = 30


class ClearForm(BootstrapForm):
    note = forms.CharField(
        label=pgettext_lazy("alerts", "Outcome"),
        max_length=services.NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _flag(request: HttpRequest, name: str) -> bool | None:
    value = request.GET.get(name, "")
    return {"true": True, "false": False}.get(value)


def _crumbs(*extra: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    return [(pgettext("alerts", "Alerts"), reverse("alerts:alert-list")), *extra]


@login_required
def alert_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    acknowledged = _flag(request, "acknowledged")
    qs = selectors.alert_list(user=request.user, state=state or None, acknowledged=acknowledged)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    selectors.attach_pages(list(page.object_list))
    return render(
        request,
        "alerts/alert_list.html",
        {
            "page": page,
            "state": state,
            "acknowledged": request.GET.get("acknowledged", ""),
            "states": AlertState.choices,
            "breadcrumbs": [(pgettext("alerts", "Alerts"), None)],
        },
    )


@login_required
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    detail = selectors.alert_detail(user=request.user, pk=pk)
    return render(
        request,
        "alerts/alert_detail.html",
        {
            "d": detail,
            "alert": detail.alert,
            "form": ClearForm(),
            "breadcrumbs": _crumbs((str(detail.alert.pk), None)),
        },
    )


def _back(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return default


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@require_POST
@login_required
def alert_ack(request: HttpRequest, pk: int) -> HttpResponse:
    alert = selectors.alert_get(user=request.user, pk=pk)
    alert = services.alert_acknowledge(actor=request.user, alert=alert)
    if request.headers.get("HX-Request"):
        # the phone page's one tap: answer with its refreshed cards
        return phone_cards(request)
    if _wants_json(request):
        return JsonResponse({"id": alert.pk, "acknowledged": True})
    messages.success(request, pgettext("alerts", "Alert acknowledged."))
    return redirect(_back(request, reverse("alerts:alert-detail", args=[alert.pk])))


@require_POST
@login_required
def alert_clear(request: HttpRequest, pk: int) -> HttpResponse:
    alert = selectors.alert_get(user=request.user, pk=pk)
    form = ClearForm(request.POST)
    if form.is_valid():
        try:
            services.alert_clear(actor=request.user, alert=alert, note=form.cleaned_data["note"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, pgettext("alerts", "Alert cleared."))
            return redirect(reverse("alerts:alert-detail", args=[alert.pk]))
    detail = selectors.alert_detail(user=request.user, pk=pk)
    return render(
        request,
        "alerts/alert_detail.html",
        {
            "d": detail,
            "alert": detail.alert,
            "form": form,
            "breadcrumbs": _crumbs((str(detail.alert.pk), None)),
        },
        status=400,
    )


def _phone_alerts(request: HttpRequest) -> list[Any]:
    alerts = list(
        selectors.alert_list(user=request.user, state=AlertState.ACTIVE).order_by(
            "acknowledged", "-created_at", "-id"
        )[:PHONE_LIMIT]
    )
    return selectors.attach_pages(alerts)


@login_required
def phone(request: HttpRequest) -> HttpResponse:
    """The officer's phone page: the active alerts, new ones arriving live."""
    return render(
        request,
        "alerts/phone.html",
        {"alerts": _phone_alerts(request), "now": timezone.now()},
    )


@login_required
def phone_cards(request: HttpRequest) -> HttpResponse:
    """The phone page's cards, fetched again when the live feed says something changed."""
    return render(
        request,
        "alerts/_phone_cards.html",
        {"alerts": _phone_alerts(request), "now": timezone.now()},
    )


@login_required
def response_times(request: HttpRequest) -> HttpResponse:
    """Time to acknowledge and to clear, per officer and for the station (chiefs)."""
    if scope_of(request.user).role != "chief":
        raise PermissionDenied(
            pgettext("alerts", "Response times are reported to the station chief.")
        )
    days = min(int_param(request, "days") or 30, 366)
    since = timezone.now() - dt.timedelta(days=days)
    return render(
        request,
        "alerts/response_times.html",
        {
            "times": times_of(request.user, since=since),
            "days": days,
            "breadcrumbs": _crumbs((pgettext("alerts", "Response times"), None)),
        },
    )


@login_required
def picture(request: HttpRequest, pk: int) -> HttpResponse:
    pic = selectors.picture_get(user=request.user, pk=pk)
    response = HttpResponse(bytes(pic.content), content_type=pic.content_type or "image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- silences ----------------------------------------------------------------------


class SilenceForm(BootstrapForm):
    device = forms.CharField(label=pgettext_lazy("alerts", "Device key"), max_length=100)
    rule = forms.ChoiceField(
        label=pgettext_lazy("alerts", "Rule"),
        choices=[("", pgettext_lazy("alerts", "All rules")), *RuleKind.choices],
        required=False,
    )
    hours = forms.IntegerField(
        label=pgettext_lazy("alerts", "For how many hours"),
        min_value=1,
        max_value=31 * 24,
        initial=24,
    )
    reason = forms.CharField(label=pgettext_lazy("alerts", "Reason"), max_length=200)


@login_required
def silence_list(request: HttpRequest) -> HttpResponse:
    """Muted devices (maintenance, resident away), and muting one."""
    now = timezone.now()
    form = SilenceForm(request.POST or None, initial={"device": request.GET.get("device", "")})
    if request.method == "POST" and form.is_valid():
        device = selectors.device_by_key(user=request.user, key=form.cleaned_data["device"])
        if device is None:
            form.add_error("device", pgettext("alerts", "No such device in your jurisdiction."))
        else:
            try:
                services.silence_create(
                    actor=request.user,
                    device=device,
                    rule=form.cleaned_data["rule"],
                    starts_at=now,
                    ends_at=now + dt.timedelta(hours=form.cleaned_data["hours"]),
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, pgettext("alerts", "Device muted."))
                return redirect(reverse("alerts:silence-list"))
    silences = Paginator(selectors.silence_list(user=request.user, now=now), PAGE_SIZE)
    return render(
        request,
        "alerts/silence_list.html",
        {
            "page": silences.get_page(request.GET.get("page")),
            "form": form,
            "now": now,
            "breadcrumbs": _crumbs((pgettext("alerts", "Muted devices"), None)),
        },
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@login_required
def silence_end(request: HttpRequest, pk: int) -> HttpResponse:
    silence = selectors.silence_get(user=request.user, pk=pk)
    services.silence_end(actor=request.user, silence=silence)
    messages.success(request, pgettext("alerts", "The device alerts again."))
    return redirect(reverse("alerts:silence-list"))


# --- per-compound rules ---------------------------------------------------------------


class RuleForm(BootstrapForm):
    event_type = forms.ChoiceField(label=pgettext_lazy("alerts", "Event type"), choices=[])
    kind = forms.ChoiceField(
        label=pgettext_lazy("alerts", "Rule"),
        choices=[
            ("default", pgettext_lazy("alerts", "Default")),
            ("instant", pgettext_lazy("alerts", "Alert on every event")),
            ("count", pgettext_lazy("alerts", "Alert after N events in a window")),
            ("off", pgettext_lazy("alerts", "No alert")),
        ],
    )
    severity = forms.ChoiceField(label=pgettext_lazy("alerts", "Severity"), choices=[])
    threshold = forms.IntegerField(
        label=pgettext_lazy("alerts", "N events"), min_value=1, max_value=1000, initial=5
    )
    window_minutes = forms.IntegerField(
        label=pgettext_lazy("alerts", "Window (minutes)"),
        min_value=1,
        max_value=24 * 60,
        initial=10,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from beatbook.alerts.models import Severity
        from beatbook.sensing.models import EventType

        super().__init__(*args, **kwargs)
        self.fields["event_type"].choices = EventType.choices  # type: ignore[attr-defined]
        self.fields["severity"].choices = Severity.choices  # type: ignore[attr-defined]
        self.fields["severity"].initial = "medium"


@login_required
def compound_rules(request: HttpRequest, pk: int) -> HttpResponse:
    """A compound's alert rules: the defaults and the officers' adjustments."""
    compound, rows = selectors.compound_rules(user=request.user, pk=pk)
    if not services.may_tune(request.user, compound.community_id):
        raise PermissionDenied(
            pgettext("alerts", "Only the beat's officers and the chief adjust its rules.")
        )
    form = RuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.rule_setting_save(
                actor=request.user,
                compound=compound,
                event_type=data["event_type"],
                kind=data["kind"],
                severity=data["severity"],
                threshold=data["threshold"],
                window=dt.timedelta(minutes=data["window_minutes"]),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, pgettext("alerts", "Rule saved."))
            return redirect(reverse("alerts:compound-rules", args=[compound.pk]))
    return render(
        request,
        "alerts/compound_rules.html",
        {
            "compound": compound,
            "rows": rows,
            "form": form,
            "breadcrumbs": _crumbs((compound.name, None)),
        },
        status=400 if request.method == "POST" else 200,
    )
