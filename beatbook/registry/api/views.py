"""The registry API: reads through selectors, writes through services.

Every list and every detail comes from the same selector, so an object out of
the user's scope answers 404 exactly like a missing one. POST and PATCH parse
the body with a write serializer and hand ``validated_data`` to one service;
the service's ValidationError becomes 400 ``{field: [messages]}`` and its
PermissionDenied 403 (``beatbook.core.api.exception_handler``). There is no
DELETE: people move out, flats and buildings stay in the registry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from beatbook.core.api import validation_error_dict
from beatbook.core.shortcuts import get_visible_or_404
from beatbook.registry import selectors, services
from beatbook.registry.api import filters
from beatbook.registry.api import serializers as s
from beatbook.registry.models import Resident

BAD_REQUEST = OpenApiResponse(
    response=OpenApiTypes.OBJECT, description="Invalid values: `{field: [messages]}`."
)
FORBIDDEN = OpenApiResponse(description="Your role cannot make this change here.")
NOT_FOUND = OpenApiResponse(description="No such object in your jurisdiction.")


class SelectorViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Lists and details from one selector: ``selector(user=…, **selector_options)``
    plus the FilterSet's validated parameters (``filters.SelectorFilterBackend``)."""

    filter_backends = [filters.SelectorFilterBackend]
    selector: Callable[..., QuerySet[Any]]
    selector_options: dict[str, Any] = {}

    def select(self, **params: Any) -> QuerySet[Any]:
        return self.selector(user=self.request.user, **self.selector_options, **params)

    def get_queryset(self) -> QuerySet[Any]:
        return self.select()

    def get_object(self) -> Any:
        queryset = self.get_queryset()
        return get_visible_or_404(queryset, self.kwargs["pk"])

    def get_object_to_change(self) -> Any:
        """The object a write acts on: scoped like a read, without the list's counts
        (``respond`` reloads it with them afterwards)."""
        return get_visible_or_404(self.selector(user=self.request.user), self.kwargs["pk"])

    def parse(
        self, serializer_class: type[serializers.Serializer], partial: bool = False
    ) -> dict[str, Any]:
        serializer = serializer_class(
            data=self.request.data, partial=partial, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def reloaded(self, obj: Model) -> Any:
        """The object as the list shows it (with its counts), after a write."""
        return self.get_queryset().get(pk=obj.pk)

    def respond(self, obj: Model, status_code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.reloaded(obj)).data, status=status_code)


class WritableViewSet(SelectorViewSet):
    """POST and PATCH, each through a service: ``create_service(actor=…, **body)``
    and ``update_service(actor=…, <model name>=obj, **body)`` (``compound=…``)."""

    create_serializer_class: type[serializers.Serializer]
    update_serializer_class: type[serializers.Serializer]
    create_service: Callable[..., Model]
    update_service: Callable[..., Model]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.parse(self.create_serializer_class)
        obj = self.create_service(actor=request.user, **data)
        return self.respond(obj, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        obj = self.get_object_to_change()
        data = self.parse(self.update_serializer_class, partial=True)
        obj = self.update_service(actor=request.user, **{obj._meta.model_name: obj}, **data)
        return self.respond(obj)


W = TypeVar("W", bound=type[WritableViewSet])


def write_schema(viewset: W) -> W:
    """Document the separate request and response shapes of POST and PATCH."""
    read = viewset.serializer_class  # type: ignore[misc]
    return extend_schema_view(
        create=extend_schema(
            request=viewset.create_serializer_class,
            responses={201: read, 400: BAD_REQUEST, 403: FORBIDDEN},
        ),
        partial_update=extend_schema(
            request=viewset.update_serializer_class,
            responses={200: read, 400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND},
        ),
    )(viewset)


# --- jurisdiction (read-only) ----------------------------------------------------


class BeatViewSet(SelectorViewSet):
    """Beats (警务区) the user works in."""

    serializer_class = s.BeatSerializer
    selector = staticmethod(selectors.beat_list)


class CommunityViewSet(SelectorViewSet):
    """Communities (社区) in the user's jurisdiction."""

    serializer_class = s.CommunitySerializer
    filterset_class = filters.CommunityFilter
    selector = staticmethod(selectors.community_list)


# --- the address tree ------------------------------------------------------------


@write_schema
class CompoundViewSet(WritableViewSet):
    """Residential compounds (小区); created by the beat's officer."""

    serializer_class = s.CompoundSerializer
    create_serializer_class = s.CompoundCreateSerializer
    update_serializer_class = s.CompoundUpdateSerializer
    filterset_class = filters.CompoundFilter
    selector = staticmethod(selectors.compound_list)
    selector_options = {"with_counts": True}
    create_service = staticmethod(services.compound_create)
    update_service = staticmethod(services.compound_update)


@write_schema
class BuildingViewSet(WritableViewSet):
    """Buildings (楼栋), with household and resident counts."""

    serializer_class = s.BuildingSerializer
    create_serializer_class = s.BuildingCreateSerializer
    update_serializer_class = s.BuildingUpdateSerializer
    filterset_class = filters.BuildingFilter
    selector = staticmethod(selectors.building_list)
    selector_options = {"with_counts": True}
    create_service = staticmethod(services.building_create)
    update_service = staticmethod(services.building_update)


@write_schema
class FlatViewSet(WritableViewSet):
    """Flats (户): every flat is a household, vacant or not."""

    serializer_class = s.FlatSerializer
    create_serializer_class = s.FlatCreateSerializer
    update_serializer_class = s.FlatUpdateSerializer
    filterset_class = filters.FlatFilter
    selector = staticmethod(selectors.flat_list)
    selector_options = {"with_counts": True}
    create_service = staticmethod(services.flat_create)
    update_service = staticmethod(services.flat_update)


@write_schema
class PremisesViewSet(WritableViewSet):
    """Premises that are not homes (实有单位): shops, firms, schools…"""

    serializer_class = s.PremisesSerializer
    create_serializer_class = s.PremisesCreateSerializer
    update_serializer_class = s.PremisesUpdateSerializer
    filterset_class = filters.PremisesFilter
    selector = staticmethod(selectors.premises_list)
    create_service = staticmethod(services.premises_create)
    update_service = staticmethod(services.premises_update)


# --- people ------------------------------------------------------------------------


def existing_resident(exc: DjangoValidationError) -> int | None:
    """The id of the visible person who already holds the document, if that is the error."""
    for error in getattr(exc, "error_dict", {}).get("id_number", []):
        if error.code == "duplicate" and error.params:
            return error.params.get("resident_id")
    return None


@extend_schema_view(
    list=extend_schema(description="Residents in scope, ID numbers masked."),
    retrieve=extend_schema(
        description=(
            "One resident with the full ID number (community workers get it masked); "
            "every read is recorded in the audit log."
        ),
    ),
    create=extend_schema(
        request=s.ResidentCreateSerializer,
        responses={
            201: s.ResidentSerializer,
            400: OpenApiResponse(
                response=OpenApiTypes.OBJECT,
                description=(
                    "Invalid values: `{field: [messages]}`. If the document already belongs to someone "
                    "in your jurisdiction, also `existing_resident: <id>`."
                ),
            ),
            403: FORBIDDEN,
        },
    ),
    partial_update=extend_schema(
        request=s.ResidentUpdateSerializer,
        responses={200: s.ResidentSerializer, 400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND},
    ),
)
class ResidentViewSet(WritableViewSet):
    """People living (or who lived) in the flats of the beat (实有人口)."""

    serializer_class = s.ResidentSerializer
    create_serializer_class = s.ResidentCreateSerializer
    update_serializer_class = s.ResidentUpdateSerializer
    filterset_class = filters.ResidentFilter
    selector = staticmethod(selectors.resident_list)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        resident = selectors.resident_read(user=request.user, pk=kwargs["pk"], purpose="api")
        # id_number_for masks it anyway for roles that may not see it in full
        return self.render_resident(resident, full_id_number=True)

    def render_resident(
        self, resident: Resident, *, full_id_number: bool, status_code: int = 200
    ) -> Response:
        context = {**self.get_serializer_context(), "full_id_number": full_id_number}
        return Response(s.ResidentSerializer(resident, context=context).data, status=status_code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.parse(self.create_serializer_class)
        try:
            resident = services.resident_register(actor=request.user, **data)
        except DjangoValidationError as exc:
            return self.duplicate_response(exc)
        # the number shown is the one the user just sent
        return self.render_resident(
            resident, full_id_number=True, status_code=status.HTTP_201_CREATED
        )

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        resident = self.get_object()
        data = self.parse(self.update_serializer_class, partial=True)
        try:
            resident = services.resident_update(actor=request.user, resident=resident, **data)
        except DjangoValidationError as exc:
            return self.duplicate_response(exc)
        return self.render_resident(resident, full_id_number="id_number" in data)

    @staticmethod
    def duplicate_response(exc: DjangoValidationError) -> Response:
        existing = existing_resident(exc)
        if existing is None:
            raise exc
        return Response({**validation_error_dict(exc), "existing_resident": existing}, status=400)

    @extend_schema(
        request=s.ResidentMoveOutSerializer,
        responses={200: s.ResidentSerializer, 400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"], url_path="move-out")
    def move_out(self, request: Request, pk: str | None = None) -> Response:
        """Mark the resident as moved out; the record stays, with its history."""
        resident = self.get_object()
        data = self.parse(s.ResidentMoveOutSerializer)
        resident = services.resident_move_out(actor=request.user, resident=resident, **data)
        return self.render_resident(resident, full_id_number=False)

    @extend_schema(
        request=s.ResidentMoveSerializer,
        responses={200: s.ResidentSerializer, 400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str | None = None) -> Response:
        """Move the resident to another flat in your jurisdiction (history kept)."""
        resident = self.get_object()
        data = self.parse(s.ResidentMoveSerializer)
        resident = services.resident_move(actor=request.user, resident=resident, **data)
        return self.render_resident(resident, full_id_number=False)


@extend_schema_view(
    create=extend_schema(
        request=s.TransferRequestCreateSerializer,
        responses={201: s.TransferRequestSerializer, 400: BAD_REQUEST, 403: FORBIDDEN},
    ),
)
class TransferRequestViewSet(SelectorViewSet):
    """Requests to move a person registered in another beat into a flat here;
    the requester and the station chief see them, the chief decides."""

    serializer_class = s.TransferRequestSerializer
    selector = staticmethod(selectors.transfer_list)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.parse(s.TransferRequestCreateSerializer)
        transfer = services.transfer_request_create(actor=request.user, **data)
        return self.respond(transfer, status.HTTP_201_CREATED)

    @extend_schema(
        request=s.TransferDecisionSerializer,
        responses={
            200: s.TransferRequestSerializer,
            400: BAD_REQUEST,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str | None = None) -> Response:
        """Approve (the person moves here) or reject; station chief only."""
        transfer = self.get_object()
        data = self.parse(s.TransferDecisionSerializer)
        transfer = services.transfer_request_decide(actor=request.user, request=transfer, **data)
        return self.respond(transfer)
