"""The notify app's part of /api/v1/ (namespace "api")."""

from __future__ import annotations

from rest_framework.routers import DefaultRouter


def register(router: DefaultRouter) -> None:
    """Register this app's viewsets on the shared /api/v1/ router."""
    from beatbook.notify.api.views import NotificationViewSet

    router.register("notifications", NotificationViewSet, basename="notification")
