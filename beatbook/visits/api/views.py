"""The visits API: reads through selectors, writes through services (see
beatbook/registry/api/views.py for the shared rules: 404 out of scope, 400
``{field: [messages]}``, 403 for a write the role may not make)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django_filters import utils
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from beatbook.registry.api.views import BAD_REQUEST, FORBIDDEN, NOT_FOUND, SelectorViewSet
from beatbook.visits import selectors, services
from beatbook.visits.api import filters
from beatbook.visits.api import serializers as s
from beatbook.visits.models import Round


class RoundViewSet(SelectorViewSet):
    """Visit rounds (走访轮次) reaching into the user's jurisdiction."""

    serializer_class = s.RoundSerializer
    filterset_class = filters.RoundFilter
    selector = staticmethod(selectors.round_list)

    @extend_schema(
        request=s.RoundCreateSerializer,
        responses={201: s.RoundSerializer, 400: BAD_REQUEST, 403: FORBIDDEN},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """A new round; every building in its scope must be in your jurisdiction."""
        data = self.parse(s.RoundCreateSerializer)
        data = {k: v for k, v in data.items() if v is not None}
        return self.respond(
            services.round_create(actor=request.user, **data), status.HTTP_201_CREATED
        )

    @extend_schema(
        parameters=[
            OpenApiParameter(level, OpenApiTypes.INT, description=f"Coverage in this {level} only.")
            for level in selectors.LEVELS
        ],
        responses={200: s.CoverageSerializer, 400: BAD_REQUEST, 404: NOT_FOUND},
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def coverage(self, request: Request, pk: Any = None) -> Response:
        """Households of the round by state, and the coverage figure, in the
        round or in one building / compound / community / beat of it."""
        round_ = selectors.round_get(user=request.user, pk=pk)
        params = filters.CoverageFilter(data=request.query_params, queryset=Round.objects.none())
        if not params.is_valid():
            raise utils.translate_validation(params.errors)
        given = params.params()
        if len(given) > 1:
            raise ValidationError(
                {"non_field_errors": ["Give at most one of building, compound, community, beat."]}
            )
        level, target = next(iter(given.items()), (None, None))
        tally = selectors.coverage(user=request.user, round_=round_, level=level, target=target)
        return Response(tally.as_dict())


class VisitViewSet(SelectorViewSet):
    """The visit log shared by police and community workers (current visits;
    a corrected visit is replaced by its correction)."""

    serializer_class = s.VisitSerializer
    filterset_class = filters.VisitFilter
    selector = staticmethod(selectors.visit_list)

    @extend_schema(
        request=s.VisitCreateSerializer,
        responses={
            201: OpenApiResponse(
                s.VisitSerializer,
                description='The visit, with `"duplicate_of": [ids]`: visits of the same household '
                "in the same round by someone else (the visit is saved anyway).",
            ),
            400: BAD_REQUEST,
            403: FORBIDDEN,
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.parse(s.VisitCreateSerializer)
        logged = services.visit_log(actor=request.user, **data)
        body = dict(self.get_serializer(self.reloaded(logged.visit)).data)
        body["duplicate_of"] = logged.duplicate_of
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=s.VisitUpdateSerializer,
        responses={200: s.VisitSerializer, 400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Change a visit: its author only, within 24 hours; then append a correction."""
        visit = self.get_object_to_change()
        data = self.parse(s.VisitUpdateSerializer, partial=True)
        return self.respond(services.visit_update(actor=request.user, visit=visit, **data))

    @extend_schema(
        request=s.VisitCorrectSerializer,
        responses={201: s.VisitSerializer, 400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def correct(self, request: Request, pk: Any = None) -> Response:
        """Append a correction that replaces this visit."""
        visit = self.get_object_to_change()
        data = self.parse(s.VisitCorrectSerializer)
        correction = services.visit_correct(actor=request.user, visit=visit, **data)
        return self.respond(correction, status.HTTP_201_CREATED)


class FollowUpViewSet(SelectorViewSet):
    """Follow-ups (回访) of households; ``overdue`` is derived from the due date."""

    serializer_class = s.FollowUpSerializer
    filterset_class = filters.FollowUpFilter
    selector = staticmethod(selectors.followup_list)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "now": timezone.now()}

    @extend_schema(
        request=s.FollowUpCreateSerializer,
        responses={201: s.FollowUpSerializer, 400: BAD_REQUEST, 403: FORBIDDEN},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.parse(s.FollowUpCreateSerializer)
        followup = services.followup_create(actor=request.user, **data)
        return self.respond(followup, status.HTTP_201_CREATED)

    @extend_schema(
        request=s.FollowUpCompleteSerializer,
        responses={200: s.FollowUpSerializer, 400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def complete(self, request: Request, pk: Any = None) -> Response:
        """Mark the follow-up done."""
        followup = self.get_object_to_change()
        data = self.parse(s.FollowUpCompleteSerializer)
        return self.respond(
            services.followup_complete(actor=request.user, followup=followup, **data)
        )
