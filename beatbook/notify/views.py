"""Pages of the notify app: my notifications and devices (everyone), channels
and policies (system administrator; chiefs may look), dead letters."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from beatbook.core.scoping import scope_of
from beatbook.core.shortcuts import as_object_id, get_visible_or_404
from beatbook.core.views import scope_required, submit_form
from beatbook.notify import selectors, services
from beatbook.notify.forms import ChannelForm, PolicyForm
from beatbook.notify.models import Channel, Step
from beatbook.registry.models import Station

PAGE_SIZE = 50
ADMIN_ONLY = gettext_lazy("Only the system administrator configures notifications.")


def _crumbs(*items: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    return [(_("Notifications"), reverse("notify:inbox")), *items]


# --- my notifications -------------------------------------------------------------


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """The user's own notifications (newest first) and their push devices."""
    page = Paginator(selectors.notifications_of(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "notify/inbox.html",
        {
            "page": page,
            "subscriptions": selectors.subscriptions_of(request.user),
            "breadcrumbs": [(_("Notifications"), None)],
        },
    )


@login_required
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    ids = [i for i in (as_object_id(v) for v in request.POST.getlist("id")) if i]
    services.notifications_mark_read(actor=request.user, ids=ids or None)
    return redirect("notify:inbox")


# --- Web Push ---------------------------------------------------------------------


@login_required
@require_POST
def push_subscribe(request: HttpRequest) -> JsonResponse:
    """``POST /notify/push/subscribe`` with the browser's PushSubscription JSON."""
    try:
        data = json.loads(request.body or b"{}")
        keys = data.get("keys") or {}
        sub = services.push_subscribe(
            actor=request.user,
            endpoint=str(data.get("endpoint") or ""),
            p256dh=str(keys.get("p256dh") or ""),
            auth=str(keys.get("auth") or ""),
            user_agent=request.headers.get("User-Agent", ""),
        )
    except (ValueError, AttributeError, ValidationError):
        return JsonResponse({"error": _("Not a push subscription.")}, status=400)
    return JsonResponse({"id": sub.pk}, status=201)


@login_required
@require_POST
def push_delete(request: HttpRequest, pk: int) -> HttpResponse:
    services.push_unsubscribe(actor=request.user, subscription_id=pk)
    messages.success(request, _("This device will no longer receive push notifications."))
    return redirect("notify:inbox")


def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker that shows pushed notifications (scope: the whole site)."""
    body = render_to_string("notify/sw.js", {"inbox": reverse("notify:inbox")})
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


# --- channels and policies ------------------------------------------------------------


def _may_view_channels(request: HttpRequest) -> None:
    scope = scope_of(request.user)
    if not (scope.administers or scope.role == "chief"):
        raise PermissionDenied(_("Channels are configured by the system administrator."))


@login_required
def channel_list(request: HttpRequest) -> HttpResponse:
    """Each station's channels and 1-3-5 policy: the administrator edits, chiefs look."""
    _may_view_channels(request)
    scope = scope_of(request.user)
    rows = selectors.channel_overview(request.user)
    return render(
        request,
        "notify/channel_list.html",
        {
            "rows": rows,
            "admin": scope.administers,
            "counts": selectors.outbox_counts() if scope.administers else {},
            "steps": dict(Step.choices),
            "breadcrumbs": _crumbs((_("Channels"), None)),
        },
    )


def _channel(request: HttpRequest, pk: int) -> Channel:
    return get_visible_or_404(Channel.objects.visible_to(request.user), pk)


@scope_required("administers", ADMIN_ONLY)
def channel_create(request: HttpRequest) -> HttpResponse:
    form = ChannelForm(request.POST or None)
    done = submit_form(
        request,
        form,
        lambda: services.channel_save(actor=request.user, **form.changes()),
        lambda c: reverse("notify:channel-list"),
        _("Channel saved."),
    )
    return done or render(
        request,
        "registry/form.html",
        {
            "form": form,
            "title": _("New channel"),
            "cancel_url": reverse("notify:channel-list"),
            "breadcrumbs": _crumbs(
                (_("Channels"), reverse("notify:channel-list")), (_("New"), None)
            ),
        },
    )


@scope_required("administers", ADMIN_ONLY)
def channel_edit(request: HttpRequest, pk: int) -> HttpResponse:
    channel = _channel(request, pk)
    form = ChannelForm(request.POST or None, channel=channel)
    done = submit_form(
        request,
        form,
        lambda: services.channel_save(actor=request.user, channel=channel, **form.changes()),
        lambda c: reverse("notify:channel-list"),
        _("Channel saved."),
    )
    return done or render(
        request,
        "registry/form.html",
        {
            "form": form,
            "title": _("Channel %(name)s") % {"name": channel.name},
            "cancel_url": reverse("notify:channel-list"),
            "breadcrumbs": _crumbs(
                (_("Channels"), reverse("notify:channel-list")), (channel.name, None)
            ),
        },
    )


@scope_required("administers", ADMIN_ONLY)
@require_POST
def channel_resume(request: HttpRequest, pk: int) -> HttpResponse:
    channel = _channel(request, pk)
    n = services.channel_resume(actor=request.user, channel=channel)
    messages.success(request, _("Channel resumed; %(n)s held messages will be sent.") % {"n": n})
    return redirect("notify:channel-list")


@scope_required("administers", ADMIN_ONLY)
@require_POST
def channel_test(request: HttpRequest, pk: int) -> HttpResponse:
    channel = _channel(request, pk)
    services.channel_test(actor=request.user, channel=channel)
    messages.success(request, _("A test message is queued; the worker sends it within seconds."))
    return redirect("notify:channel-list")


@scope_required("administers", ADMIN_ONLY)
@require_POST
def channel_delete(request: HttpRequest, pk: int) -> HttpResponse:
    channel = _channel(request, pk)
    services.channel_delete(actor=request.user, channel=channel)
    messages.success(request, _("Channel deleted."))
    return redirect("notify:channel-list")


@scope_required("administers", ADMIN_ONLY)
def policy_edit(request: HttpRequest, station_id: int) -> HttpResponse:
    station = get_visible_or_404(Station.objects.visible_to(request.user), station_id)
    form = PolicyForm(request.POST or None, station=station, policy=services.policy_for(station.pk))
    done = submit_form(
        request,
        form,
        lambda: services.policy_update(
            actor=request.user, station_id=station.pk, **form.cleaned_data
        ),
        lambda p: reverse("notify:channel-list"),
        _("Policy saved."),
    )
    return done or render(
        request,
        "registry/form.html",
        {
            "form": form,
            "title": _("1-3-5 policy of %(station)s") % {"station": station},
            "intro": _(
                "Unacknowledged alerts go to the duty officer, then to the chief, then count as "
                "a response breach, after these delays."
            ),
            "cancel_url": reverse("notify:channel-list"),
            "breadcrumbs": _crumbs(
                (_("Channels"), reverse("notify:channel-list")), (str(station), None)
            ),
        },
    )


# --- dead letters ----------------------------------------------------------------------


@scope_required("administers", ADMIN_ONLY)
def dead_letters(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.dead_letters(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "notify/dead_letters.html",
        {
            "page": page,
            "breadcrumbs": _crumbs(
                (_("Channels"), reverse("notify:channel-list")), (_("Dead letters"), None)
            ),
        },
    )


@scope_required("administers", ADMIN_ONLY)
@require_POST
def dead_letters_retry(request: HttpRequest) -> HttpResponse:
    ids = [i for i in (as_object_id(v) for v in request.POST.getlist("id")) if i]
    if request.POST.get("all"):
        ids = list(selectors.dead_letters(request.user).values_list("pk", flat=True)[:1000])
    n = services.dead_letters_retry(actor=request.user, ids=ids)
    messages.success(request, _("%(n)s messages will be sent again.") % {"n": n})
    return redirect("notify:dead-letters")
