"""``/api/v1/notifications/``: the user's own in-app notifications (a phone
app's list, or a poll where server-sent events cannot be used)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from beatbook.core.shortcuts import as_object_id
from beatbook.notify import selectors, services
from beatbook.notify.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "page", "payload", "created_at", "read_at"]


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, allow_empty=False
    )


@extend_schema(
    parameters=[
        OpenApiParameter("unread", bool, description="only those not read yet"),
        OpenApiParameter("after", int, description="only those with a larger id (polling)"),
    ]
)
class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The logged-in user's notifications, newest first; nobody sees another's."""

    serializer_class = NotificationSerializer

    def get_queryset(self) -> QuerySet[Notification]:
        qs = selectors.notifications_of(self.request.user)
        if self.request.query_params.get("unread") in ("1", "true"):
            qs = qs.filter(read_at__isnull=True)
        after = as_object_id(self.request.query_params.get("after", ""))
        if after:
            qs = qs.filter(id__gt=after)
        return qs

    @extend_schema(
        request=MarkReadSerializer,
        responses=inline_serializer("MarkedRead", {"marked": serializers.IntegerField()}),
    )
    @action(detail=False, methods=["post"])
    def read(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Mark notifications read: the given ids, or all when none are given."""
        serializer = MarkReadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ids = serializer.validated_data.get("ids")
        return Response({"marked": services.notifications_mark_read(actor=request.user, ids=ids)})
