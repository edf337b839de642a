"""Alert representations in the API."""

from __future__ import annotations

from rest_framework import serializers

from beatbook.alerts.models import Alert


class AlertSerializer(serializers.ModelSerializer):
    """One alert; ``escalation_step`` and ``breached`` come from its page
    (set on the object by ``selectors.attach_pages``)."""

    device = serializers.CharField(source="device.key", read_only=True)
    escalation_step = serializers.SerializerMethodField()
    breached = serializers.SerializerMethodField()

    class Meta:
        model = Alert
        fields = [
            "id",
            "device",
            "rule",
            "event_type",
            "severity",
            "state",
            "acknowledged",
            "count",
            "created_at",
            "last_seen_at",
            "escalation_step",
            "breached",
            "late",
        ]
        read_only_fields = fields

    def get_escalation_step(self, obj: Alert) -> int:
        page = getattr(obj, "page", None)
        return page.step if page is not None else 0

    def get_breached(self, obj: Alert) -> bool:
        page = getattr(obj, "page", None)
        return bool(page and page.breached)


class AlertClearSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, allow_blank=True, trim_whitespace=True)
