"""Pages: devices and gateways of the user's jurisdiction."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from beatbook.core.forms import add_service_errors
from beatbook.core.shortcuts import get_visible_or_404
from beatbook.core.views import int_param
from beatbook.registry import selectors as registry_selectors
from beatbook.registry.models import Resident
from beatbook.sensing import parsing, selectors, services
from beatbook.sensing.forms import DeviceForm, GatewayForm, MappingForm
from beatbook.sensing.models import DeviceKind

PAGE_SIZE = 50


def _crumbs(label: str, url_name: str | None, *below: tuple[str, str | None]) -> list[Any]:
    home = (_("My beat"), reverse("registry:my-beat"))
    if not below:
        return [home, (label, None)]
    return [home, (label, reverse(url_name) if url_name else None), *below]


@login_required
def device_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    kind = kind if kind in DeviceKind.values else ""
    watched = request.GET.get("watched") == "1"
    devices = selectors.device_list(
        user=request.user,
        kind=kind or None,
        compound=int_param(request, "compound"),
        building=int_param(request, "building"),
        gateway=int_param(request, "gateway"),
        watched=True if watched else None,
        q=q or None,
    )
    return render(
        request,
        "sensing/device_list.html",
        {
            "page": Paginator(devices, PAGE_SIZE).get_page(request.GET.get("page")),
            "q": q,
            "kind": kind,
            "watched": watched,
            "kinds": DeviceKind.choices,
            "may_manage": services.may_manage(request.user),
            "breadcrumbs": _crumbs(_("Devices"), None),
        },
    )


@login_required
def device_detail(request: HttpRequest, pk: int) -> HttpResponse:
    device = get_visible_or_404(selectors.device_list(user=request.user), pk)
    events = selectors.device_events(user=request.user, device=device)
    return render(
        request,
        "sensing/device_detail.html",
        {
            "device": device,
            "events": events,
            "absence": parsing.format_duration(device.absence_window),
            "heartbeat": parsing.format_duration(device.heartbeat_window),
            "breadcrumbs": _crumbs(_("Devices"), "sensing:device-list", (device.key, None)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def device_create(request: HttpRequest) -> HttpResponse:
    if not services.may_manage(request.user):
        raise PermissionDenied(_("Your role cannot add devices."))
    gateways = list(selectors.gateway_list(user=request.user))
    initial = {"person": int_param(request, "person")}
    form = DeviceForm(
        request.POST if request.method == "POST" else None, gateways=gateways, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            place = services.find_place(data["level"], data["address"], actor=request.user)
            person = None
            if data["person"]:
                person = Resident.objects.visible_to(request.user).filter(pk=data["person"]).first()
                if person is None:
                    raise ValidationError({"person": _("No such resident in your jurisdiction.")})
            gateway = next((g for g in gateways if g.pk == data["gateway"]), None)
            created = services.device_create(
                actor=request.user,
                key=data["key"],
                kind=data["kind"],
                name=data["name"],
                place=place,
                person=person,
                absence_window=data["absence_window"],
                heartbeat_window=data["heartbeat_window"],
                gateway=gateway,
                channel=data["channel"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _token_page(
                request,
                title=_("Device %(key)s added") % {"key": created.obj.key},
                token=created.token,
                url=reverse("sensing:device-detail", args=[created.obj.pk]),
            )
    return render(
        request,
        "sensing/form.html",
        {
            "form": form,
            "title": _("New device"),
            "cancel_url": reverse("sensing:device-list"),
            "breadcrumbs": _crumbs(_("Devices"), "sensing:device-list", (_("New device"), None)),
        },
    )


def _token_page(request: HttpRequest, *, title: str, token: str, url: str) -> HttpResponse:
    """The new secret, shown this once (only its hash is kept)."""
    return render(
        request,
        "sensing/token.html",
        {"title": title, "token": token, "url": url, "breadcrumbs": _crumbs(title, None)},
    )


@login_required
def gateway_list(request: HttpRequest) -> HttpResponse:
    gateways = selectors.gateway_list(user=request.user)
    return render(
        request,
        "sensing/gateway_list.html",
        {
            "page": Paginator(gateways, PAGE_SIZE).get_page(request.GET.get("page")),
            "may_manage": services.may_manage(request.user),
            "breadcrumbs": _crumbs(_("Gateways"), None),
        },
    )


@login_required
def gateway_detail(request: HttpRequest, pk: int) -> HttpResponse:
    gateway = get_visible_or_404(selectors.gateway_list(user=request.user), pk)
    builtin = sorted(parsing.DEFAULT_VENDOR_MAP.items())
    return render(
        request,
        "sensing/gateway_detail.html",
        {
            "gateway": gateway,
            "mapping": sorted(gateway.event_type_map.items()),
            "builtin": builtin,
            "form": MappingForm(),
            "may_manage": services.may_manage(request.user),
            "breadcrumbs": _crumbs(_("Gateways"), "sensing:gateway-list", (gateway.name, None)),
        },
    )


@login_required
@require_POST
def gateway_map(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a vendor name to the gateway's mapping (or remove one: ``remove``)."""
    gateway = get_visible_or_404(selectors.gateway_list(user=request.user), pk)
    if not services.may_manage(request.user):
        raise PermissionDenied(_("Your role cannot change gateways."))
    vendor, type_ = request.POST.get("remove", ""), None
    if not vendor:
        form = MappingForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Give a vendor event name and an event type."))
            return redirect("sensing:gateway-detail", pk=gateway.pk)
        vendor, type_ = form.cleaned_data["vendor"], form.cleaned_data["type"]
    try:
        services.gateway_map_vendor(actor=request.user, gateway=gateway, vendor=vendor, type=type_)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Mapping saved."))
    return redirect("sensing:gateway-detail", pk=gateway.pk)


@login_required
@require_http_methods(["GET", "POST"])
def gateway_create(request: HttpRequest) -> HttpResponse:
    if not services.may_manage(request.user):
        raise PermissionDenied(_("Your role cannot add gateways."))
    compounds = list(registry_selectors.compound_list(user=request.user))
    form = GatewayForm(request.POST if request.method == "POST" else None, compounds=compounds)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        compound = next(c for c in compounds if c.pk == data["compound"])
        try:
            created = services.gateway_create(
                actor=request.user, name=data["name"], compound=compound, kind=data["kind"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _token_page(
                request,
                title=_("Gateway %(name)s added") % {"name": created.obj.name},
                token=created.token,
                url=reverse("sensing:gateway-detail", args=[created.obj.pk]),
            )
    return render(
        request,
        "sensing/form.html",
        {
            "form": form,
            "title": _("New gateway"),
            "cancel_url": reverse("sensing:gateway-list"),
            "breadcrumbs": _crumbs(_("Gateways"), "sensing:gateway-list", (_("New gateway"), None)),
        },
    )
