"""The visits app's part of /api/v1/ (namespace "api")."""

from __future__ import annotations

from rest_framework.routers import DefaultRouter

from beatbook.visits.api import views


def register(router: DefaultRouter) -> None:
    """Register this app's viewsets on the shared /api/v1/ router."""
    router.register("rounds", views.RoundViewSet, basename="round")
    router.register("visits", views.VisitViewSet, basename="visit")
    router.register("followups", views.FollowUpViewSet, basename="followup")
