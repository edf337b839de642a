"""Shapes of the visits API: read serializers render selectors' rows; write
serializers only parse a body for one service."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework import serializers

from beatbook.registry import selectors as registry_selectors
from beatbook.registry.api.serializers import VisibleRelatedField
from beatbook.registry.models import Beat, Building, Community, Compound, Flat, Resident
from beatbook.visits import rules, selectors
from beatbook.visits.models import (
    FollowUp,
    Outcome,
    Round,
    RoundKind,
    RoundScope,
    RoundStatus,
    Visit,
    VisitTag,
)


class RoundSerializer(serializers.ModelSerializer):
    buildings = serializers.SerializerMethodField()

    class Meta:
        model = Round
        fields = [
            "id",
            "name",
            "kind",
            "scope",
            "beat",
            "community",
            "compound",
            "buildings",
            "start_date",
            "end_date",
            "household_due_date",
            "daily_target",
            "status",
            "notes",
        ]
        read_only_fields = fields

    def get_buildings(self, obj: Round) -> list[int]:
        return [b.pk for b in obj.buildings.all()]


class RoundCreateSerializer(serializers.Serializer):
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=RoundKind.choices, default=RoundKind.ROUTINE)
    scope = serializers.ChoiceField(choices=RoundScope.choices)
    beat = VisibleRelatedField(Beat, registry_selectors.beat_list, required=False, allow_null=True)
    community = VisibleRelatedField(
        Community, registry_selectors.community_list, required=False, allow_null=True
    )
    compound = VisibleRelatedField(
        Compound, registry_selectors.compound_list, required=False, allow_null=True
    )
    buildings = VisibleRelatedField(
        Building, registry_selectors.building_list, many=True, required=False
    )
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    household_due_date = serializers.DateField(required=False, allow_null=True)
    daily_target = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    status = serializers.ChoiceField(choices=RoundStatus.choices, default=RoundStatus.ACTIVE)
    notes = serializers.CharField(required=False, allow_blank=True)


class CoverageSerializer(serializers.Serializer):
    households = serializers.IntegerField()
    vacant = serializers.IntegerField()
    visited = serializers.IntegerField()
    tried = serializers.IntegerField()
    refused = serializers.IntegerField()
    not_yet = serializers.IntegerField()
    coverage = serializers.FloatField(
        allow_null=True, help_text="visited ÷ (households − vacant), 4 decimals; null when 0 ÷ 0."
    )


class VisitSerializer(serializers.ModelSerializer):
    visitors = serializers.SerializerMethodField()
    address = serializers.CharField(source="flat.address", read_only=True)
    editable_until = serializers.SerializerMethodField()

    class Meta:
        model = Visit
        fields = [
            "id",
            "flat",
            "address",
            "round",
            "visited_at",
            "outcome",
            "people_met",
            "notes",
            "tags",
            "visitors",
            "author",
            "created_at",
            "editable_until",
            "corrects",
            "correction_reason",
            "superseded",
        ]
        read_only_fields = fields

    def get_visitors(self, obj: Visit) -> list[int]:
        return [u.pk for u in obj.visitors.all()]

    def get_editable_until(self, obj: Visit) -> str:
        return rules.editable_until(obj.created_at).isoformat()


class _VisitFields(serializers.Serializer):
    visited_at = serializers.DateTimeField(
        required=False, help_text="ISO time; without a zone it is Asia/Shanghai time. Default: now."
    )
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    people_met = serializers.CharField(required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True)
    tags = serializers.ListField(
        child=serializers.ChoiceField(choices=VisitTag.choices), required=False
    )


class VisitCreateSerializer(_VisitFields):
    flat = VisibleRelatedField(Flat, registry_selectors.flat_list)
    round = VisibleRelatedField(Round, selectors.round_list, required=False, allow_null=True)
    visitors = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True), many=True, required=False
    )
    residents_met = VisibleRelatedField(
        Resident, registry_selectors.resident_list, many=True, required=False
    )
    followup_task = serializers.CharField(required=False, allow_blank=True)
    followup_due = serializers.DateField(required=False)

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        values = dict(super().to_internal_value(data))
        if "round" in values:
            values["round_"] = values.pop("round")
        return values


class VisitUpdateSerializer(_VisitFields):
    outcome = serializers.ChoiceField(choices=Outcome.choices, required=False)


class VisitCorrectSerializer(VisitUpdateSerializer):
    reason = serializers.CharField()


class FollowUpSerializer(serializers.ModelSerializer):
    overdue = serializers.SerializerMethodField()
    address = serializers.CharField(source="flat.address", read_only=True)

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "flat",
            "address",
            "resident",
            "visit",
            "task",
            "due_date",
            "overdue",
            "assignee",
            "status",
            "done_at",
            "done_note",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields

    def get_overdue(self, obj: FollowUp) -> bool:
        now = self.context.get("now")
        return obj.status == "open" and rules.is_overdue(obj.due_date, now or timezone.now())


class FollowUpCreateSerializer(serializers.Serializer):
    flat = VisibleRelatedField(Flat, registry_selectors.flat_list)
    task = serializers.CharField()
    due_date = serializers.DateField()
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True)
    )
    resident = VisibleRelatedField(
        Resident, registry_selectors.resident_list, required=False, allow_null=True
    )
    visit = VisibleRelatedField(Visit, selectors.visit_list, required=False, allow_null=True)


class FollowUpCompleteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True)
