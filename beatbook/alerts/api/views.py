"""The alerts API: scoped lists and details, acknowledge and clear."""

from __future__ import annotations

from typing import Any

from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from beatbook.alerts import selectors, services
from beatbook.alerts.api.serializers import AlertClearSerializer, AlertSerializer
from beatbook.alerts.models import Alert, AlertState
from beatbook.core.shortcuts import get_visible_or_404
from beatbook.registry.api.filters import SelectorFilterBackend, SelectorFilterSet

NOT_FOUND = OpenApiResponse(description="No such alert in your jurisdiction.")


class AlertFilter(SelectorFilterSet):
    state = filters.ChoiceFilter(choices=AlertState.choices)
    acknowledged = filters.TypedChoiceFilter(
        choices=[("true", "true"), ("false", "false")], coerce=lambda value: value == "true"
    )

    class Meta:
        model = Alert
        fields = ["state", "acknowledged"]


class AlertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Alerts of the devices in your jurisdiction, newest first.
    `?state=active|cleared&acknowledged=true|false`."""

    serializer_class = AlertSerializer
    filterset_class = AlertFilter
    filter_backends = [SelectorFilterBackend]

    def select(self, **params: Any) -> Any:
        return selectors.alert_list(user=self.request.user, **params)

    def get_queryset(self) -> Any:
        return self.select()

    def get_object(self) -> Alert:
        alert = get_visible_or_404(self.get_queryset(), self.kwargs["pk"])
        selectors.attach_pages([alert])
        return alert

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = selectors.attach_pages(list(page if page is not None else queryset))
        data = self.get_serializer(rows, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def _respond(self, alert: Alert) -> Response:
        alert = self.get_queryset().get(pk=alert.pk)
        selectors.attach_pages([alert])
        return Response(self.get_serializer(alert).data)

    @extend_schema(request=None, responses={200: AlertSerializer, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def ack(self, request: Request, pk: str | None = None) -> Response:
        """Acknowledge (one tap): escalation stops."""
        alert = get_visible_or_404(self.get_queryset(), pk)
        return self._respond(services.alert_acknowledge(actor=request.user, alert=alert))

    @extend_schema(request=AlertClearSerializer, responses={200: AlertSerializer, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def clear(self, request: Request, pk: str | None = None) -> Response:
        """Clear with the outcome (`note`, required)."""
        alert = get_visible_or_404(self.get_queryset(), pk)
        body = AlertClearSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        alert = services.alert_clear(
            actor=request.user, alert=alert, note=body.validated_data["note"]
        )
        return self._respond(alert)
