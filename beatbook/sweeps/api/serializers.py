"""Shapes of the sweeps API: read serializers render selectors' rows; write
serializers only parse a body for one service."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from beatbook.registry import selectors as registry_selectors
from beatbook.registry.api.serializers import VisibleRelatedField
from beatbook.registry.models import Resident
from beatbook.sweeps import days as day_rules
from beatbook.sweeps import selectors
from beatbook.sweeps.models import Answer, DailyCheck, Observation, Question
from beatbook.visits import selectors as visit_selectors
from beatbook.visits.models import Round, Visit


class QuestionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Question
        fields = [
            "id",
            "round",
            "position",
            "text",
            "kind",
            "choices",
            "per_person",
            "observe_days",
            "flag_choices",
        ]
        read_only_fields = fields


class AnswerSerializer(serializers.ModelSerializer):
    round = serializers.IntegerField(source="question.round_id", read_only=True)
    value = serializers.JSONField(help_text="true/false, an integer, or text.")

    class Meta:
        model = Answer
        fields = [
            "id",
            "visit",
            "round",
            "question",
            "resident",
            "value",
            "answered_by",
            "answered_at",
        ]
        read_only_fields = fields


class AnswerItemSerializer(serializers.Serializer):
    question = serializers.IntegerField(min_value=1)
    resident = VisibleRelatedField(
        Resident, registry_selectors.resident_list, required=False, allow_null=True
    )
    value = serializers.JSONField(
        allow_null=True,
        help_text="yes/no: true or false; number: an integer; text; choice: the option's text; null removes.",
    )


class AnswersCreateSerializer(serializers.Serializer):
    visit = VisibleRelatedField(Visit, visit_selectors.visit_list)
    answers = AnswerItemSerializer(many=True)


class AnswersSavedSerializer(serializers.Serializer):
    answers = AnswerSerializer(many=True)
    observations = serializers.ListField(
        child=serializers.IntegerField(), help_text="Ids of the observations these answers started."
    )


class CheckSerializer(serializers.ModelSerializer):
    day = serializers.SerializerMethodField()

    class Meta:
        model = DailyCheck
        fields = ["id", "checked_at", "day", "well", "temperature", "note", "by"]
        read_only_fields = fields

    def get_day(self, obj: DailyCheck) -> dt.date:
        return day_rules.local_date(obj.checked_at)


class ObservationSerializer(serializers.ModelSerializer):
    resident_name = serializers.CharField(source="resident.name", read_only=True)
    address = serializers.CharField(source="flat.address", read_only=True)
    days = serializers.SerializerMethodField()
    state = serializers.SerializerMethodField()
    day_number = serializers.SerializerMethodField()
    missed_days = serializers.SerializerMethodField()
    missed_in_a_row = serializers.SerializerMethodField()
    checked_today = serializers.SerializerMethodField()
    checks = CheckSerializer(many=True, read_only=True)

    class Meta:
        model = Observation
        fields = [
            "id",
            "resident",
            "resident_name",
            "flat",
            "address",
            "round",
            "visit",
            "reason",
            "start_date",
            "end_date",
            "days",
            "assignee",
            "state",
            "day_number",
            "missed_days",
            "missed_in_a_row",
            "checked_today",
            "checks",
        ]
        read_only_fields = fields

    def _standing(self, obj: Observation) -> day_rules.Standing:
        cache = self.context.setdefault("_standing", {})
        if obj.pk not in cache:
            today = self.context.get("today") or day_rules.local_date(timezone.now())
            cache[obj.pk] = selectors.standing_of(obj, today)
        return cache[obj.pk]  # type: ignore[no-any-return]

    def get_days(self, obj: Observation) -> int:
        return self._standing(obj).days

    @extend_schema_field(
        serializers.ChoiceField(choices=["upcoming", "active", "finished", "lost"])
    )
    def get_state(self, obj: Observation) -> str:
        return self._standing(obj).state

    def get_day_number(self, obj: Observation) -> int:
        return self._standing(obj).day_number

    @extend_schema_field(serializers.ListField(child=serializers.DateField()))
    def get_missed_days(self, obj: Observation) -> list[dt.date]:
        return list(self._standing(obj).missed)

    def get_missed_in_a_row(self, obj: Observation) -> int:
        return self._standing(obj).streak

    def get_checked_today(self, obj: Observation) -> bool:
        return self._standing(obj).checked_today


class ObservationCreateSerializer(serializers.Serializer):
    resident = VisibleRelatedField(Resident, registry_selectors.resident_list)
    days = serializers.IntegerField(min_value=1, max_value=day_rules.MAX_DAYS)
    reason = serializers.CharField()
    round = VisibleRelatedField(Round, visit_selectors.round_list, required=False, allow_null=True)
    start_date = serializers.DateField(required=False, help_text="Default: today (Asia/Shanghai).")
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True), required=False
    )

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        values = dict(super().to_internal_value(data))
        values["days_"] = values.pop("days")
        if "round" in values:
            values["round_"] = values.pop("round")
        return values


class CheckCreateSerializer(serializers.Serializer):
    well = serializers.BooleanField(default=True)
    temperature = serializers.DecimalField(
        max_digits=3, decimal_places=1, required=False, allow_null=True
    )
    note = serializers.CharField(required=False, allow_blank=True)
    checked_at = serializers.DateTimeField(
        required=False, help_text="Default: now; without a zone it is Asia/Shanghai time."
    )


@extend_schema_field(OpenApiTypes.DATE)
class _Date(serializers.DateField):
    pass


class PeriodSerializer(serializers.Serializer):
    end_date = _Date(
        help_text="The new last day: later extends, earlier shortens (needs a reason)."
    )
    reason = serializers.CharField(required=False, allow_blank=True)
