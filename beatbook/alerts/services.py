"""Every write an officer makes to an alert: acknowledge (one tap) and clear
with the outcome. Atomic, scope-checked, audited; notify learns of the change
after the commit (``paging.sync``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import pgettext

from beatbook.alerts import paging, rules
from beatbook.alerts.models import Alert, AlertState, RuleKind, RuleSetting, Silence
from beatbook.core import audit
from beatbook.core.scoping import scope_of
from beatbook.registry.models import Compound
from beatbook.sensing.models import Device, EventType

NOTE_MAX = 2000


def _lock_visible(actor: Any, alert: Alert) -> Alert:
    """The alert, locked, if the actor may act on it (sees it)."""
    if not scope_of(actor).sees_residents:
        raise PermissionDenied(pgettext("alerts", "Your role cannot act on alerts."))
    locked = Alert.objects.visible_to(actor).select_for_update(of=("self",)).filter(pk=alert.pk)
    found = locked.first()
    if found is None:
        raise PermissionDenied(pgettext("alerts", "This alert is outside your jurisdiction."))
    return found


def _page_after_commit(alert_id: int) -> None:
    transaction.on_commit(lambda: paging.sync(ids=[alert_id]))


def alert_acknowledge(*, actor: Any, alert: Alert, now: dt.datetime | None = None) -> Alert:
    """Take the alert: escalation stops. Acknowledging twice changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        alert = _lock_visible(actor, alert)
        if alert.acknowledged:
            return alert
        alert.acknowledged = True
        alert.acknowledged_by = actor
        alert.acknowledged_at = now
        alert.page_pending = True
        alert.save(
            update_fields=["acknowledged", "acknowledged_by", "acknowledged_at", "page_pending"]
        )
        audit.record(
            actor=actor,
            action="alerts.acknowledge",
            obj=alert,
            after={"acknowledged": True},
            extra={"seconds_to_ack": round((now - alert.created_at).total_seconds(), 1)},
        )
        _page_after_commit(alert.pk)
    return alert


def alert_clear(*, actor: Any, alert: Alert, note: str, now: dt.datetime | None = None) -> Alert:
    """Close the alert with what was done (处置结果, required). Clearing
    acknowledges it too when nobody had."""
    now = now or timezone.now()
    note = (note or "").strip()
    if not note:
        raise ValidationError(
            {"note": pgettext("alerts", "Say what was done (the outcome).")}, code="required"
        )
    if len(note) > NOTE_MAX:
        raise ValidationError(
            {"note": pgettext("alerts", "At most %(n)s characters.") % {"n": NOTE_MAX}},
            code="max_length",
        )
    with transaction.atomic():
        alert = _lock_visible(actor, alert)
        if alert.state == AlertState.CLEARED:
            raise ValidationError(
                pgettext("alerts", "This alert is already cleared."), code="cleared"
            )
        fields = ["state", "cleared_at", "cleared_by", "outcome", "page_pending"]
        if not alert.acknowledged:
            alert.acknowledged = True
            alert.acknowledged_by = actor
            alert.acknowledged_at = now
            fields += ["acknowledged", "acknowledged_by", "acknowledged_at"]
        alert.state = AlertState.CLEARED
        alert.cleared_at = now
        alert.cleared_by = actor
        alert.outcome = note
        alert.page_pending = True
        alert.save(update_fields=fields)
        audit.record(
            actor=actor,
            action="alerts.clear",
            obj=alert,
            after={"state": AlertState.CLEARED, "outcome": note},
            extra={"seconds_to_clear": round((now - alert.created_at).total_seconds(), 1)},
        )
        _page_after_commit(alert.pk)
    return alert


# --- silences and per-compound rules ------------------------------------------------

SILENCE_MAX = dt.timedelta(days=31)


def may_tune(actor: Any, community_id: int) -> bool:
    """Officers of the beat and the station chief adjust rules and silences."""
    scope = scope_of(actor)
    return scope.builds_in(community_id) or scope.decides_transfers_into(community_id)


def silence_create(
    *,
    actor: Any,
    device: Device,
    rule: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    reason: str,
) -> Silence:
    """Mute a device (one rule, or all with ``rule=''``) for a period, with the
    reason recorded (maintenance, resident away)."""
    if not Device.objects.visible_to(actor).filter(pk=device.pk).exists():
        raise PermissionDenied(pgettext("alerts", "This device is outside your jurisdiction."))
    if not (may_tune(actor, device.compound.community_id) or scope_of(actor).edits_registry):
        raise PermissionDenied(pgettext("alerts", "Your role cannot mute devices."))
    reason = (reason or "").strip()
    errors: dict[str, str] = {}
    if not reason:
        errors["reason"] = pgettext("alerts", "Say why the device is muted.")
    if rule and rule not in RuleKind.values:
        errors["rule"] = pgettext("alerts", "Unknown rule.")
    if ends_at <= starts_at:
        errors["ends_at"] = pgettext("alerts", "The end must come after the start.")
    elif ends_at - starts_at > SILENCE_MAX:
        errors["ends_at"] = pgettext("alerts", "A device can be muted for at most 31 days.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        silence = Silence.objects.create(
            device=device,
            rule=rule,
            starts_at=starts_at,
            ends_at=ends_at,
            reason=reason[:200],
            created_by=actor,
        )
        audit.record(
            actor=actor,
            action="alerts.silence_create",
            obj=silence,
            after={
                "device": device.key,
                "rule": rule or "*",
                "starts_at": starts_at,
                "ends_at": ends_at,
                "reason": silence.reason,
            },
        )
    return silence


def silence_end(*, actor: Any, silence: Silence, now: dt.datetime | None = None) -> Silence:
    """End a silence now (the device alerts again)."""
    now = now or timezone.now()
    if not Silence.objects.visible_to(actor).filter(pk=silence.pk).exists():
        raise PermissionDenied(pgettext("alerts", "This device is outside your jurisdiction."))
    with transaction.atomic():
        if silence.ends_at > now:
            before = silence.ends_at
            silence.ends_at = max(now, silence.starts_at)
            silence.save(update_fields=["ends_at"])
            audit.record(
                actor=actor,
                action="alerts.silence_end",
                obj=silence,
                before={"ends_at": before},
                after={"ends_at": silence.ends_at},
            )
    return silence


def rule_setting_save(
    *,
    actor: Any,
    compound: Compound,
    event_type: str,
    kind: str,
    severity: str = "medium",
    threshold: int = 1,
    window: dt.timedelta | None = None,
) -> RuleSetting | None:
    """Adjust one event type's rule in a compound: ``kind`` 'instant', 'count',
    'off' (no alert), or 'default' (back to the built-in rule; returns None)."""
    if not may_tune(actor, compound.community_id):
        raise PermissionDenied(
            pgettext("alerts", "Only the beat's officers and the chief adjust its rules.")
        )
    if event_type not in EventType.values:
        raise ValidationError({"event_type": pgettext("alerts", "Unknown event type.")})
    if kind not in ("default", "off", rules.INSTANT, rules.COUNT):
        raise ValidationError({"kind": pgettext("alerts", "Unknown rule.")})
    if kind in (rules.INSTANT, rules.COUNT):
        try:
            rules.Rule(
                kind,
                severity,
                threshold=threshold if kind == rules.COUNT else 1,
                window=window if kind == rules.COUNT else None,
            )
        except ValueError as exc:
            raise ValidationError(
                pgettext("alerts", "A count rule needs a threshold of at least 1 and a window."),
                code="invalid",
            ) from exc
    with transaction.atomic():
        existing = (
            RuleSetting.objects.select_for_update()
            .filter(compound=compound, event_type=event_type)
            .first()
        )
        before = _setting_dict(existing)
        if kind == "default":
            if existing is not None:
                existing.delete()
            setting = None
        else:
            setting = existing or RuleSetting(compound=compound, event_type=event_type)
            setting.kind = "" if kind == "off" else kind
            setting.severity = severity
            setting.threshold = threshold if kind == rules.COUNT else 1
            setting.window = window if kind == rules.COUNT else None
            setting.updated_by = actor
            setting.save()
        before, after = audit.diff(before, _setting_dict(setting))
        audit.record(
            actor=actor,
            action="alerts.rule_setting",
            obj=compound,
            before=before,
            after=after,
            extra={"event_type": event_type},
        )
    return setting


def _setting_dict(setting: RuleSetting | None) -> dict[str, Any]:
    if setting is None:
        return {"kind": "default"}
    return {
        "kind": setting.kind or "off",
        "severity": setting.severity,
        "threshold": setting.threshold,
        "window": setting.window.total_seconds() if setting.window else None,
    }
