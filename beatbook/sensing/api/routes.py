"""The sensing app's part of /api/v1/ (namespace "api")."""

from __future__ import annotations

from rest_framework.routers import DefaultRouter


def register(router: DefaultRouter) -> None:
    """Register this app's viewsets on the shared /api/v1/ router."""
    from beatbook.sensing.api.views import DeviceViewSet, GatewayViewSet

    router.register("devices", DeviceViewSet, basename="device")
    router.register("gateways", GatewayViewSet, basename="gateway")
