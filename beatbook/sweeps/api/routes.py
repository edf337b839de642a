"""The sweeps app's part of /api/v1/ (namespace "api")."""

from __future__ import annotations

from rest_framework.routers import DefaultRouter

from beatbook.sweeps.api import views


def register(router: DefaultRouter) -> None:
    """Register this app's viewsets on the shared /api/v1/ router."""
    router.register("sweep-questions", views.QuestionViewSet, basename="sweep-question")
    router.register("sweep-answers", views.AnswerViewSet, basename="sweep-answer")
    router.register("observations", views.ObservationViewSet, basename="observation")
