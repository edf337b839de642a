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

from beatbook.alerts import paging
from beatbook.alerts.models import Alert, AlertState
from beatbook.core import audit
from beatbook.core.scoping import scope_of

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
