"""Shapes of the sensing API (devices and gateways)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from beatbook.registry import selectors as registry_selectors
from beatbook.registry.api.serializers import VisibleRelatedField
from beatbook.registry.models import Building, Compound, Entrance, Flat, Resident
from beatbook.sensing import parsing, selectors
from beatbook.sensing.models import Device, DeviceKind, Gateway, GatewayKind, PlaceLevel


class DurationText(serializers.Field):
    """A duration as written on the command line: 30s, 30m, 24h, 1d."""

    def to_representation(self, value: Any) -> str:
        return parsing.format_duration(value)

    def to_internal_value(self, data: Any) -> Any:
        if data in (None, ""):
            return None
        try:
            return parsing.parse_duration(str(data))
        except parsing.InvalidInput as exc:
            raise serializers.ValidationError(str(exc)) from exc


class GatewaySerializer(serializers.ModelSerializer):
    compound_name = serializers.CharField(source="compound.name", read_only=True)
    device_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Gateway
        fields = [
            "id",
            "name",
            "compound",
            "compound_name",
            "kind",
            "event_type_map",
            "active",
            "device_count",
            "created_at",
        ]


class GatewayCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    compound = VisibleRelatedField(Compound, registry_selectors.compound_list)
    kind = serializers.ChoiceField(GatewayKind.choices, required=False)
    event_type_map = serializers.DictField(child=serializers.CharField(), required=False)


class GatewayUpdateSerializer(serializers.Serializer):
    event_type_map = serializers.DictField(child=serializers.CharField(), required=False)
    active = serializers.BooleanField(required=False)


class DeviceSerializer(serializers.ModelSerializer):
    absence_window = DurationText(required=False)
    heartbeat_window = DurationText(required=False)
    person_name = serializers.CharField(read_only=True, allow_null=True)
    gateway_name = serializers.CharField(source="gateway.name", read_only=True, default=None)

    class Meta:
        model = Device
        fields = [
            "id",
            "key",
            "kind",
            "name",
            "level",
            "address",
            "flat",
            "entrance",
            "building",
            "compound",
            "person",
            "person_name",
            "absence_window",
            "heartbeat_window",
            "gateway",
            "gateway_name",
            "channel",
            "last_seen_at",
            "active",
            "created_at",
        ]


def _entrance_list(*, user: Any) -> Any:
    return Entrance.objects.visible_to(user)


class DeviceCreateSerializer(serializers.Serializer):
    """Where the device is: ``level`` and the standard ``address`` (as on the
    command line), or the id of exactly one of flat, entrance, building, compound."""

    key = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(DeviceKind.choices)
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    level = serializers.ChoiceField(PlaceLevel.choices, required=False)
    address = serializers.CharField(max_length=255, required=False)
    flat = VisibleRelatedField(Flat, registry_selectors.flat_list, required=False)
    entrance = VisibleRelatedField(Entrance, _entrance_list, required=False)
    building = VisibleRelatedField(Building, registry_selectors.building_list, required=False)
    compound = VisibleRelatedField(Compound, registry_selectors.compound_list, required=False)
    person = VisibleRelatedField(
        Resident, registry_selectors.resident_list, required=False, allow_null=True
    )
    absence_window = DurationText(required=False, allow_null=True)
    heartbeat_window = DurationText(required=False, allow_null=True)
    gateway = VisibleRelatedField(Gateway, selectors.gateway_list, required=False, allow_null=True)
    channel = serializers.IntegerField(min_value=0, required=False, allow_null=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        ids = [k for k in PlaceLevel.values if attrs.get(k) is not None]
        by_address = attrs.get("level") and attrs.get("address")
        if len(ids) + (1 if by_address else 0) != 1:
            raise serializers.ValidationError(
                "Give the place once: level and address, or one of flat, entrance, "
                "building, compound."
            )
        return attrs


class DeviceUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    person = VisibleRelatedField(
        Resident, registry_selectors.resident_list, required=False, allow_null=True
    )
    absence_window = DurationText(required=False, allow_null=True)
    heartbeat_window = DurationText(required=False, allow_null=True)
    active = serializers.BooleanField(required=False)
