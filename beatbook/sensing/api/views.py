"""The sensing API: devices and gateways, read through selectors, written
through services. Creating one answers 201 with its ``token``, shown only then."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from beatbook.registry.api.filters import IdFilter, SelectorFilterSet
from beatbook.registry.api.views import BAD_REQUEST, FORBIDDEN, NOT_FOUND, SelectorViewSet
from beatbook.sensing import selectors, services
from beatbook.sensing.api import serializers as s
from beatbook.sensing.models import DeviceKind, PlaceLevel

from django_filters import rest_framework as filters  # isort: skip


class DeviceFilter(SelectorFilterSet):
    kind = filters.ChoiceFilter(choices=DeviceKind.choices)
    compound = IdFilter()
    building = IdFilter()
    gateway = IdFilter()
    watched = filters.BooleanFilter()
    q = filters.CharFilter()


class GatewayFilter(SelectorFilterSet):
    compound = IdFilter()


def _created(view: SelectorViewSet, created: services.Created) -> Response:
    """201 with the new object and its token, shown only now."""
    body = dict(view.get_serializer(view.reloaded(created.obj)).data)
    body["token"] = created.token
    return Response(body, status=status.HTTP_201_CREATED)


class DeviceViewSet(SelectorViewSet):
    """Sensors and cameras in the user's jurisdiction. POST adds one (beat
    officers and the station chief, in their communities) and answers with
    its token; PATCH changes whom it watches, its windows, or switches it off."""

    serializer_class = s.DeviceSerializer
    filterset_class = DeviceFilter
    selector = staticmethod(selectors.device_list)
    http_method_names = ["get", "post", "patch", "head", "options"]

    @extend_schema(
        request=s.DeviceCreateSerializer,
        responses={201: s.DeviceSerializer, 400: BAD_REQUEST, 403: FORBIDDEN},
        description="The response also holds `token`, the device's secret, shown only now.",
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not services.may_manage(request.user):
            raise PermissionDenied
        data = self.parse(s.DeviceCreateSerializer)
        level = data.pop("level", None)
        address = data.pop("address", None)
        places = {k: data.pop(k, None) for k in PlaceLevel.values}
        if level and address:
            place = services.find_place(level, address, actor=request.user)
        else:
            place = next(p for p in places.values() if p is not None)
        created = services.device_create(actor=request.user, place=place, **data)
        return _created(self, created)

    @extend_schema(
        request=s.DeviceUpdateSerializer,
        responses={200: s.DeviceSerializer, 400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        device = self.get_object_to_change()
        data = self.parse(s.DeviceUpdateSerializer, partial=True)
        device = services.device_update(actor=request.user, device=device, **data)
        return self.respond(device)


class GatewayViewSet(SelectorViewSet):
    """Gateways (a compound's management system, a camera platform) of the
    user's communities. POST adds one and answers with its token; PATCH
    extends its vendor event mapping or switches it off."""

    serializer_class = s.GatewaySerializer
    filterset_class = GatewayFilter
    selector = staticmethod(selectors.gateway_list)
    http_method_names = ["get", "post", "patch", "head", "options"]

    @extend_schema(
        request=s.GatewayCreateSerializer,
        responses={201: s.GatewaySerializer, 400: BAD_REQUEST, 403: FORBIDDEN},
        description="The response also holds `token`, the gateway's secret, shown only now.",
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not services.may_manage(request.user):
            raise PermissionDenied
        data = self.parse(s.GatewayCreateSerializer)
        created = services.gateway_create(actor=request.user, **data)
        return _created(self, created)

    @extend_schema(
        request=s.GatewayUpdateSerializer,
        responses={200: s.GatewaySerializer, 400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        gateway = self.get_object_to_change()
        data = self.parse(s.GatewayUpdateSerializer, partial=True)
        gateway = services.gateway_update(actor=request.user, gateway=gateway, **data)
        return self.respond(gateway)
