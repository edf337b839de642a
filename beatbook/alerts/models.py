"""Alerts raised from device events, the per-device timer state behind the
absence and offline rules, per-compound rule settings and silences.

One alert is active per (subject, rule, event type), where the subject is the
watched person when the device has one (two sensors of one elderly person make
one absence alert) and the device otherwise; repeats fold into it (count,
last seen). Offline alerts are always about the device.
"""

from __future__ import annotations

from typing import Any, Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import pgettext_lazy

from beatbook.alerts import rules
from beatbook.registry.models import Compound, Resident
from beatbook.sensing.models import Device, Event, EventType


class RuleKind(models.TextChoices):
    INSTANT = rules.INSTANT, pgettext_lazy("alerts", "Instant")
    COUNT = rules.COUNT, pgettext_lazy("alerts", "Count in a window")
    ABSENCE = rules.ABSENCE, pgettext_lazy("alerts", "No activity")
    OFFLINE = rules.OFFLINE, pgettext_lazy("alerts", "Device offline")


class Severity(models.TextChoices):
    LOW = rules.LOW, pgettext_lazy("alerts", "Low")
    MEDIUM = rules.MEDIUM, pgettext_lazy("alerts", "Medium")
    HIGH = rules.HIGH, pgettext_lazy("alerts", "High")
    CRITICAL = rules.CRITICAL, pgettext_lazy("alerts", "Critical")


class AlertState(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("alerts", "Active")
    CLEARED = "cleared", pgettext_lazy("alerts", "Cleared")


def subject_of(*, device_id: int, person_id: int | None, rule: str) -> str:
    """What an alert is about: 'p<resident id>' or 'd<device id>'."""
    if person_id is not None and rule != rules.OFFLINE:
        return f"p{person_id}"
    return f"d{device_id}"


class DeviceScopedQuerySet(models.QuerySet):
    """Rows about a device, seen by whoever sees the device (``Device.objects.visible_to``)."""

    def visible_to(self, user: Any) -> Self:
        return self.filter(device__in=Device.objects.visible_to(user))


class AlertQuerySet(DeviceScopedQuerySet):
    def active(self) -> AlertQuerySet:
        return self.filter(state=AlertState.ACTIVE)


class Alert(models.Model):
    """An alert: what happened, where, about whom, and what was done about it."""

    device = models.ForeignKey(
        Device,
        verbose_name=pgettext_lazy("alerts", "device"),
        on_delete=models.PROTECT,
        related_name="alerts",
    )
    person = models.ForeignKey(
        Resident,
        verbose_name=pgettext_lazy("alerts", "person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="alerts",
    )
    #: 'p<resident id>' or 'd<device id>' (see subject_of)
    subject = models.CharField(max_length=24, editable=False)
    rule = models.CharField(
        pgettext_lazy("alerts", "rule"), max_length=10, choices=RuleKind.choices
    )
    event_type = models.CharField(
        pgettext_lazy("alerts", "event type"), max_length=20, choices=EventType.choices
    )
    severity = models.CharField(
        pgettext_lazy("alerts", "severity"), max_length=10, choices=Severity.choices
    )
    state = models.CharField(
        pgettext_lazy("alerts", "state"),
        max_length=10,
        choices=AlertState.choices,
        default=AlertState.ACTIVE,
    )
    acknowledged = models.BooleanField(pgettext_lazy("alerts", "acknowledged"), default=False)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=pgettext_lazy("alerts", "acknowledged by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(
        pgettext_lazy("alerts", "acknowledged at"), null=True, blank=True
    )
    count = models.PositiveIntegerField(pgettext_lazy("alerts", "count"), default=1)
    created_at = models.DateTimeField(pgettext_lazy("alerts", "raised at"), db_index=True)
    last_seen_at = models.DateTimeField(pgettext_lazy("alerts", "last seen"))
    cleared_at = models.DateTimeField(pgettext_lazy("alerts", "cleared at"), null=True, blank=True)
    #: None with cleared_at set: cleared by itself (the device was heard again)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=pgettext_lazy("alerts", "cleared by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    #: 处置结果: what was done, required when an officer clears the alert
    outcome = models.TextField(pgettext_lazy("alerts", "outcome"), blank=True)
    #: a timer alert that fired after its deadline because no worker was running
    late = models.BooleanField(pgettext_lazy("alerts", "late"), default=False)
    first_event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: its page (notify) has yet to learn of its latest change (raised,
    #: acknowledged, cleared); set in the same commit, reset once told, so a
    #: worker killed after the commit still pages it (see paging.sync)
    page_pending = models.BooleanField(default=True, editable=False)

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = pgettext_lazy("alerts", "alert")
        verbose_name_plural = pgettext_lazy("alerts", "alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "rule", "event_type"],
                condition=Q(state="active"),
                name="alert_one_active",
            )
        ]
        indexes = [
            models.Index(fields=["state", "-created_at"], name="alert_state_recent"),
            models.Index(fields=["device", "-created_at"], name="alert_device_recent"),
            models.Index(fields=["id"], condition=Q(page_pending=True), name="alert_page_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.headline} · {self.device_id}"

    @property
    def headline(self) -> str:
        """What happened, in a few words (the event type, or what a timer saw)."""
        if self.rule == rules.ABSENCE:
            return str(pgettext_lazy("alerts", "No door or motion activity"))
        if self.rule == rules.OFFLINE:
            return str(pgettext_lazy("alerts", "Device offline"))
        return str(self.get_event_type_display())


class DeviceTimer(models.Model):
    """A device's timer state (rules.Timer): when it was last heard from and
    last showed activity, which timer alerts stand, and the next deadline.

    ``next_due_at`` is indexed (rows without a deadline left out), so a timer
    check that finds nothing due is one index probe at any number of devices.
    """

    device = models.OneToOneField(
        Device, primary_key=True, on_delete=models.CASCADE, related_name="alert_timer"
    )
    last_seen_at = models.DateTimeField()
    last_activity_at = models.DateTimeField()
    absence_fired = models.BooleanField(default=False)
    offline_fired = models.BooleanField(default=False)
    next_due_at = models.DateTimeField(null=True, blank=True)
    #: an event of the device has been evaluated; until then the times above
    #: are when watching began, moved back if older events turn up
    heard = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(
                fields=["next_due_at"],
                condition=Q(next_due_at__isnull=False),
                name="devicetimer_due",
            ),
            models.Index(
                fields=["device"], condition=Q(offline_fired=True), name="devicetimer_offline"
            ),
        ]

    def __str__(self) -> str:
        return f"timer {self.device_id}"


class WorkerCursor(models.Model):
    """One row: the highest device id given a timer row (new devices are
    picked up by id, without scanning the device table)."""

    last_device_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"cursor {self.last_device_id}"


class RuleSetting(models.Model):
    """An officer's adjustment of an event type's rule for one compound."""

    compound = models.ForeignKey(
        Compound,
        verbose_name=pgettext_lazy("alerts", "compound"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    event_type = models.CharField(
        pgettext_lazy("alerts", "event type"), max_length=20, choices=EventType.choices
    )
    #: instant, count, or '' to switch the rule off in this compound
    kind = models.CharField(pgettext_lazy("alerts", "rule"), max_length=10, blank=True)
    severity = models.CharField(
        pgettext_lazy("alerts", "severity"),
        max_length=10,
        choices=Severity.choices,
        default=Severity.MEDIUM,
    )
    threshold = models.PositiveIntegerField(pgettext_lazy("alerts", "threshold"), default=1)
    window = models.DurationField(pgettext_lazy("alerts", "window"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["compound", "event_type"], name="rulesetting_unique_type"
            )
        ]

    def __str__(self) -> str:
        return f"{self.compound_id}:{self.event_type}"

    def as_rule(self) -> rules.Rule | None:
        if not self.kind:
            return None
        return rules.Rule(self.kind, self.severity, threshold=self.threshold, window=self.window)


class Silence(models.Model):
    """A device muted for a period, for one rule or all (maintenance, resident away)."""

    device = models.ForeignKey(
        Device,
        verbose_name=pgettext_lazy("alerts", "device"),
        on_delete=models.CASCADE,
        related_name="silences",
    )
    #: one rule kind, or '' for every rule of the device
    rule = models.CharField(
        pgettext_lazy("alerts", "rule"), max_length=10, choices=RuleKind.choices, blank=True
    )
    starts_at = models.DateTimeField(pgettext_lazy("alerts", "from"))
    ends_at = models.DateTimeField(pgettext_lazy("alerts", "until"))
    reason = models.CharField(pgettext_lazy("alerts", "reason"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DeviceScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-ends_at"]
        indexes = [models.Index(fields=["device", "ends_at"], name="silence_device_end")]

    def __str__(self) -> str:
        return f"silence {self.device_id} until {self.ends_at}"
