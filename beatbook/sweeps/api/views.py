"""The sweeps API: reads through selectors, writes through services (see
beatbook/registry/api/views.py for the shared rules: 404 out of scope, 400
``{field: [messages]}``, 403 for a write the role may not make)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from beatbook.registry.api.views import BAD_REQUEST, FORBIDDEN, NOT_FOUND, SelectorViewSet
from beatbook.sweeps import days, selectors, services
from beatbook.sweeps.api import filters
from beatbook.sweeps.api import serializers as s
from beatbook.sweeps.models import Question


class QuestionViewSet(SelectorViewSet):
    """The questions each emergency sweep asks at every household."""

    serializer_class = s.QuestionSerializer
    filterset_class = filters.QuestionFilter
    selector = staticmethod(selectors.question_list)


class AnswerViewSet(SelectorViewSet):
    """Answers given on sweep visits (per household, or per person)."""

    serializer_class = s.AnswerSerializer
    filterset_class = filters.AnswerFilter
    selector = staticmethod(selectors.answer_list)

    @extend_schema(
        request=s.AnswersCreateSerializer,
        responses={201: s.AnswersSavedSerializer, 400: BAD_REQUEST, 403: FORBIDDEN},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Record (or replace) the answers of one visit; a flagging answer about
        a person starts their home observation (ids in ``observations``)."""
        data = self.parse(s.AnswersCreateSerializer)
        visit = data["visit"]
        wanted = {item["question"] for item in data["answers"]}
        found = {q.pk: q for q in Question.objects.filter(pk__in=wanted, round_id=visit.round_id)}
        missing = sorted(wanted - set(found))
        if missing:
            raise ValidationError({"answers": f"Not a question of this visit's sweep: {missing}"})
        saved = services.answers_save(
            actor=request.user,
            visit=visit,
            answers=[
                services.AnswerInput(
                    question=found[item["question"]],
                    resident=item.get("resident"),
                    value=item["value"],
                )
                for item in data["answers"]
            ],
        )
        body = {
            "answers": s.AnswerSerializer(
                self.get_queryset().filter(pk__in=[a.pk for a in saved.answers]), many=True
            ).data,
            "observations": [o.pk for o in saved.observations],
        }
        return Response(body, status=status.HTTP_201_CREATED)


class ObservationViewSet(SelectorViewSet):
    """People under home observation; ``state``, ``missed_days`` and
    ``missed_in_a_row`` are derived from the daily checks and today's date."""

    serializer_class = s.ObservationSerializer
    filterset_class = filters.ObservationFilter
    selector = staticmethod(selectors.observation_list)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "today": days.local_date(timezone.now())}

    @extend_schema(
        request=s.ObservationCreateSerializer,
        responses={201: s.ObservationSerializer, 400: BAD_REQUEST, 403: FORBIDDEN},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.parse(s.ObservationCreateSerializer)
        observation = services.observation_start(actor=request.user, **data)
        return self.respond(observation, status.HTTP_201_CREATED)

    @extend_schema(
        request=s.CheckCreateSerializer,
        responses={201: s.ObservationSerializer, 400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def check(self, request: Request, pk: Any = None) -> Response:
        """Record a daily check (now, or a late entry with ``checked_at``)."""
        observation = self.get_object_to_change()
        data = self.parse(s.CheckCreateSerializer)
        services.observation_check(actor=request.user, observation=observation, **data)
        return self.respond(observation, status.HTTP_201_CREATED)

    @extend_schema(
        request=s.PeriodSerializer,
        responses={200: s.ObservationSerializer, 400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def period(self, request: Request, pk: Any = None) -> Response:
        """Move the last day: later extends; earlier shortens and needs a reason (audited)."""
        observation = self.get_object_to_change()
        data = self.parse(s.PeriodSerializer)
        services.observation_set_end(actor=request.user, observation=observation, **data)
        return self.respond(observation)
