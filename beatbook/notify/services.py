"""Every write of the notify app: pages and their escalation, channels, the outbox.

The alerts app calls ``page_open`` when an alert is raised, ``page_acknowledge``
when an officer acknowledges it and ``page_close`` when it is cleared; the
worker (``beatbook.notify.worker.run_once``) calls ``escalate_due`` and sends
the outbox.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from beatbook.accounts.models import Role, User
from beatbook.core import audit
from beatbook.core.scoping import scope_of
from beatbook.notify import rules
from beatbook.notify.models import (
    Channel,
    ChannelKind,
    Notification,
    OutboxMessage,
    Page,
    PushSubscription,
    StationPolicy,
    Status,
    Step,
    Told,
)

#: in-app messages a step writes (kinds of Notification)
KIND_PAGE = "page"
KIND_ESCALATED = "escalated"
KIND_BREACH = "breach"
KIND_ACK = "ack"
KIND_CLOSED = "closed"
KIND_CHANNEL_PAUSED = "channel_paused"


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _locked(qs: QuerySet[Any], *, skip_locked: bool = False) -> QuerySet[Any]:
    """``select_for_update`` where the database has it (PostgreSQL); SQLite
    serialises writers with its IMMEDIATE transactions instead."""
    if connection.features.has_select_for_update:
        if skip_locked and connection.features.has_select_for_update_skip_locked:
            return qs.select_for_update(skip_locked=True)
        return qs.select_for_update()
    return qs


# --- policy ---------------------------------------------------------------------


def policy_for(station_id: int) -> StationPolicy:
    """The station's policy (defaults 1/3/5 minutes, no duty officer, unsaved if none)."""
    policy = StationPolicy.objects.filter(station_id=station_id).first()
    return policy or StationPolicy(station_id=station_id)


def _delays(page: Page) -> rules.Delays:
    return rules.Delays(duty=page.duty_after, chief=page.chief_after, breach=page.breach_after)


def policy_update(
    *,
    actor: Any,
    station_id: int,
    duty_officer: User | None,
    duty_after: int = 60,
    chief_after: int = 180,
    breach_after: int = 300,
) -> StationPolicy:
    """Set a station's duty officer and step delays (system administrator)."""
    if not scope_of(actor).administers:
        raise PermissionDenied(_("Only the system administrator configures notifications."))
    if not 0 <= duty_after <= chief_after <= breach_after:
        raise ValidationError(
            _("The delays must grow: duty officer, then chief, then breach."), code="order"
        )
    if duty_officer is not None and duty_officer.station_id != station_id:
        raise ValidationError(
            {"duty_officer": _("The duty officer must belong to this station.")}, code="station"
        )
    with transaction.atomic():
        policy, _created = StationPolicy.objects.select_for_update().get_or_create(
            station_id=station_id
        )
        before = {
            "duty_officer": policy.duty_officer_id,
            "duty_after": policy.duty_after,
            "chief_after": policy.chief_after,
            "breach_after": policy.breach_after,
        }
        policy.duty_officer = duty_officer
        policy.duty_after, policy.chief_after, policy.breach_after = (
            duty_after,
            chief_after,
            breach_after,
        )
        policy.save()
        after = {
            "duty_officer": policy.duty_officer_id,
            "duty_after": duty_after,
            "chief_after": chief_after,
            "breach_after": breach_after,
        }
        before, after = audit.diff(before, after)
        audit.record(
            actor=actor, action="notify.policy_update", obj=policy, before=before, after=after
        )
    return policy


# --- who is told ----------------------------------------------------------------


def assigned_users(*, building_id: int | None, compound_id: int | None) -> list[User]:
    """Step 0: the officers of the beat covering the place and the building's heads."""
    q = Q(pk__in=[])
    if building_id is not None:
        q |= Q(role=Role.OFFICER, beats__communities__compounds__buildings=building_id)
        q |= Q(role=Role.BUILDING_HEAD, head_of_buildings=building_id)
    elif compound_id is not None:
        q |= Q(role=Role.OFFICER, beats__communities__compounds=compound_id)
    return list(User.objects.filter(q, is_active=True).distinct().order_by("pk"))


def _step_users(page: Page, step: int, policy: StationPolicy) -> list[User]:
    if step == Step.ASSIGNED:
        users = [
            u
            for u in assigned_users(building_id=page.building_id, compound_id=page.compound_id)
            # the duty officer may cover every beat (to see every alert); their turn is step 1
            if u.pk != policy.duty_officer_id
        ]
        if not users and policy.duty_officer_id:
            # nobody covers the place: the duty officer is told at once
            users = list(User.objects.filter(pk=policy.duty_officer_id, is_active=True))
        return users
    if step == Step.DUTY:
        if not policy.duty_officer_id:
            return []
        return list(User.objects.filter(pk=policy.duty_officer_id, is_active=True))
    if step == Step.CHIEF:
        return list(
            User.objects.filter(role=Role.CHIEF, station_id=page.station_id, is_active=True)
        )
    return []


def _message(page: Page, step: int) -> tuple[str, str]:
    """(kind, headline prefix) of the in-app message for a step."""
    if step == Step.ASSIGNED:
        return KIND_PAGE, ""
    if step == Step.BREACH:
        return KIND_BREACH, _("Response breach, unacknowledged after %(minutes)s min: ") % {
            "minutes": _minutes(page.breach_after)
        }
    seconds = {Step.DUTY: page.duty_after, Step.CHIEF: page.chief_after}[Step(step)]
    return KIND_ESCALATED, _("Unacknowledged after %(minutes)s min: ") % {
        "minutes": _minutes(seconds)
    }


def _minutes(seconds: int) -> str:
    return f"{seconds // 60}" if seconds % 60 == 0 else f"{seconds / 60:.1f}"


def _page_payload(page: Page, step: int, kind: str, prefix: str) -> dict[str, Any]:
    return {
        "kind": kind,
        "title": (prefix + page.title)[:200],
        "body": page.body,
        "url": page.url,
        "page": page.pk,
        "subject_type": page.subject_type,
        "subject_id": page.subject_id,
        "severity": page.severity,
        "step": step,
    }


def _tell(page: Page, step: int, now: dt.datetime, policy: StationPolicy) -> None:
    """Tell a step's people (in the app and by Web Push) and the station's
    group channels; record who was told (inside the caller's transaction)."""
    from beatbook.notify import live

    already = set(
        Told.objects.filter(page=page, user__isnull=False).values_list("user_id", flat=True)
    )
    kind, prefix = _message(page, step)
    payload = _page_payload(page, step, kind, prefix)
    if step == Step.BREACH:
        # everyone told so far learns the page is now a response breach
        users = list(User.objects.filter(pk__in=already, is_active=True).order_by("pk"))
        new_users: list[User] = []
    else:
        users = [u for u in _step_users(page, step, policy) if u.pk not in already]
        new_users = users
    live.publish([u.pk for u in users], payload, now=now)
    Told.objects.bulk_create(
        [
            Told(page=page, user=u, label=u.label, step=step, channel="app", at=now)
            for u in new_users
        ]
    )
    messages: list[OutboxMessage] = []
    if new_users:
        subscriptions = PushSubscription.objects.filter(user__in=new_users)
        for sub in subscriptions:
            messages.append(
                OutboxMessage(
                    kind="webpush",
                    subscription=sub,
                    recipient_id=sub.user_id,
                    endpoint=sub.endpoint,
                    page=page,
                    step=step,
                    payload=payload,
                    status=Status.HELD if sub.paused_at else Status.PENDING,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
    recipients = [{"username": u.username, "name": str(u), "phone": u.phone} for u in users]
    channels = Channel.objects.filter(station_id=page.station_id, enabled=True, from_step__lte=step)
    for channel in channels:
        messages.append(
            OutboxMessage(
                kind=channel.kind,
                channel=channel,
                endpoint=channel.url,
                page=page,
                step=step,
                payload={
                    **payload,
                    "recipients": recipients,
                    "opened_at": page.opened_at.isoformat(),
                },
                status=Status.HELD if channel.paused_at else Status.PENDING,
                next_attempt_at=now,
                created_at=now,
            )
        )
    OutboxMessage.objects.bulk_create(messages)
    if messages:
        transaction.on_commit(_wake_senders)


def _wake_senders() -> None:
    """Hook for a future push-style wake-up of the worker (it polls today)."""


# --- pages ------------------------------------------------------------------------


def page_open(
    *,
    subject_type: str,
    subject_id: int,
    station_id: int,
    building_id: int | None,
    title: str,
    body: str,
    url: str,
    severity: str,
    now: dt.datetime | None = None,
    compound_id: int | None = None,
) -> int:
    """Open a page for a subject (e.g. ``("alert", 17)``) and tell step 0 at once.

    Idempotent: the same subject returns the page it already has. Step 0 is the
    officers of the beat covering ``building_id`` (else ``compound_id``) and the
    building's heads; the worker escalates it at 1, 3 and 5 minutes (station
    policy) until acknowledged. Returns the page id.
    """
    now = _now(now)
    existing = Page.objects.filter(subject_type=subject_type, subject_id=subject_id).values_list(
        "pk", flat=True
    )
    found = existing.first()
    if found is not None:
        return found
    policy = policy_for(station_id)
    if building_id is not None and compound_id is None:
        from beatbook.registry.models import Building

        compound_id = (
            Building.objects.filter(pk=building_id).values_list("compound_id", flat=True).first()
        )
    delays = rules.Delays(
        duty=policy.duty_after, chief=policy.chief_after, breach=policy.breach_after
    )
    try:
        with transaction.atomic():
            page = Page.objects.create(
                subject_type=subject_type,
                subject_id=subject_id,
                station_id=station_id,
                building_id=building_id,
                compound_id=compound_id,
                title=title[:200],
                body=body,
                url=url[:500],
                severity=severity,
                opened_at=now,
                duty_after=delays.duty,
                chief_after=delays.chief,
                breach_after=delays.breach,
                next_step_at=rules.due_at(now, 0, delays),
            )
            _tell(page, Step.ASSIGNED, now, policy)
    except IntegrityError:
        # opened by someone else meanwhile
        return Page.objects.get(subject_type=subject_type, subject_id=subject_id).pk
    return page.pk


def _get_locked(subject_type: str, subject_id: int) -> Page | None:
    return _locked(Page.objects.filter(subject_type=subject_type, subject_id=subject_id)).first()


def _tell_told(page: Page, kind: str, title: str, now: dt.datetime, skip: int | None) -> None:
    from beatbook.notify import live

    users = sorted(
        {
            uid
            for uid in Told.objects.filter(page=page, user__isnull=False).values_list(
                "user_id", flat=True
            )
            if uid != skip
        }
    )
    payload = {
        "kind": kind,
        "title": title[:200],
        "body": "",
        "url": page.url,
        "page": page.pk,
        "subject_type": page.subject_type,
        "subject_id": page.subject_id,
        "severity": page.severity,
        "step": page.step,
    }
    live.publish(users, payload, now=now)


def page_acknowledge(
    *, subject_type: str, subject_id: int, actor: Any, now: dt.datetime | None = None
) -> bool:
    """Acknowledge: escalation stops, the time to acknowledge is recorded and
    the others told learn who took it. False if there is no open page or it
    was already acknowledged (the first acknowledgement counts)."""
    now = _now(now)
    with transaction.atomic():
        page = _get_locked(subject_type, subject_id)
        if page is None or page.acknowledged_at is not None:
            return False
        page.acknowledged_at = now
        page.acknowledged_by = actor if getattr(actor, "pk", None) else None
        page.next_step_at = None
        page.save(update_fields=["acknowledged_at", "acknowledged_by", "next_step_at"])
        who = actor.label if getattr(actor, "pk", None) else _("system")
        _tell_told(
            page,
            KIND_ACK,
            _("%(who)s acknowledged: %(title)s") % {"who": who, "title": page.title},
            now,
            skip=getattr(actor, "pk", None),
        )
    return True


def page_close(
    *, subject_type: str, subject_id: int, actor: Any = None, now: dt.datetime | None = None
) -> bool:
    """Close (the alert was cleared): escalation stops, time to clear recorded.
    ``actor`` None means it cleared by itself (e.g. the door opened again)."""
    now = _now(now)
    with transaction.atomic():
        page = _get_locked(subject_type, subject_id)
        if page is None or page.closed_at is not None:
            return False
        page.closed_at = now
        page.closed_by = actor if getattr(actor, "pk", None) else None
        page.next_step_at = None
        page.save(update_fields=["closed_at", "closed_by", "next_step_at"])
        _tell_told(
            page,
            KIND_CLOSED,
            _("Cleared: %(title)s") % {"title": page.title},
            now,
            skip=getattr(actor, "pk", None),
        )
    return True


def escalate_due(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Take the next step of every page whose step is due (worker job).

    Pages are claimed with SKIP LOCKED so several workers share them; a step
    is written in the same transaction as the messages it sends, so a killed
    worker neither skips nor repeats a step. Returns the pages advanced.
    """
    now = _now(now)
    due = Page.objects.filter(next_step_at__lte=now)
    if not due.exists():
        return 0  # the idle check: one indexed query, no transaction
    with transaction.atomic():
        qs = due.order_by("next_step_at")
        pages = list(_locked(qs, skip_locked=True)[:limit])
        policies: dict[int, StationPolicy] = {}
        for page in pages:
            policy = policies.get(page.station_id)
            if policy is None:
                policy = policies[page.station_id] = policy_for(page.station_id)
            for step in rules.steps_due(page.opened_at, page.step, _delays(page), now):
                page.step = step
                if step == Step.DUTY:
                    page.step1_at = now
                elif step == Step.CHIEF:
                    page.step3_at = now
                elif step == Step.BREACH:
                    page.breached_at = now
                _tell(page, step, now, policy)
            page.next_step_at = rules.due_at(page.opened_at, page.step, _delays(page))
            page.save(update_fields=["step", "step1_at", "step3_at", "breached_at", "next_step_at"])
    return len(pages)


# --- in-app notifications ---------------------------------------------------------


def notifications_mark_read(*, actor: Any, ids: Iterable[int] | None = None) -> int:
    """Mark the actor's own notifications read (all when ``ids`` is None)."""
    qs = Notification.objects.filter(user_id=actor.pk, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


# --- Web Push subscriptions ------------------------------------------------------


def push_subscribe(
    *, actor: Any, endpoint: str, p256dh: str, auth: str, user_agent: str = ""
) -> PushSubscription:
    """Store (or move to this user) a browser's push subscription."""
    if not endpoint.startswith(("https://", "http://")) or not p256dh or not auth:
        raise ValidationError(_("Not a push subscription."), code="invalid")
    now = timezone.now()
    with transaction.atomic():
        sub, created = PushSubscription.objects.update_or_create(
            endpoint=endpoint,
            defaults={
                "user_id": actor.pk,
                "p256dh": p256dh,
                "auth": auth,
                "user_agent": user_agent[:300],
                "paused_at": None,
                "failures": 0,
                "last_error": "",
            },
            create_defaults={
                "user_id": actor.pk,
                "p256dh": p256dh,
                "auth": auth,
                "user_agent": user_agent[:300],
                "created_at": now,
            },
        )
        audit.record(
            actor=actor,
            action="notify.push_subscribe",
            obj=sub,
            object_repr=user_agent[:100] or "push",
            extra={"created": created},
        )
    return sub


def push_unsubscribe(*, actor: Any, subscription_id: int) -> None:
    with transaction.atomic():
        sub = PushSubscription.objects.filter(pk=subscription_id, user_id=actor.pk).first()
        if sub is None:
            return
        audit.record(actor=actor, action="notify.push_unsubscribe", obj=sub, object_repr="push")
        sub.delete()


# --- channels -------------------------------------------------------------------

CHANNEL_FIELDS = ("station", "name", "kind", "url", "secret", "enabled", "from_step")


def _require_admin(actor: Any) -> None:
    if not scope_of(actor).administers:
        raise PermissionDenied(_("Only the system administrator configures notifications."))


def channel_save(*, actor: Any, channel: Channel | None = None, **fields: Any) -> Channel:
    """Create or change a station's channel (system administrator)."""
    _require_admin(actor)
    if fields.get("kind", channel.kind if channel else None) not in ChannelKind.values:
        raise ValidationError({"kind": _("Unknown channel kind.")}, code="kind")
    with transaction.atomic():
        creating = channel is None
        obj = channel or Channel()
        before = {f: getattr(obj, f + "_id" if f == "station" else f, None) for f in CHANNEL_FIELDS}
        for key, value in fields.items():
            if key not in CHANNEL_FIELDS:
                raise TypeError(key)
            setattr(obj, key, value)
        obj.full_clean()
        obj.save()
        after = {f: getattr(obj, f + "_id" if f == "station" else f) for f in CHANNEL_FIELDS}
        for snapshot in (before, after):
            if snapshot.get("secret"):
                snapshot["secret"] = "***"  # noqa: S105 (masked in the log)
        before, after = audit.diff(before, after)
        audit.record(
            actor=actor,
            action="notify.channel_create" if creating else "notify.channel_update",
            obj=obj,
            before=before,
            after=after,
        )
    return obj


def channel_resume(*, actor: Any, channel: Channel) -> int:
    """Resume a paused channel; its held messages are sent again. Returns how many."""
    _require_admin(actor)
    now = timezone.now()
    with transaction.atomic():
        Channel.objects.filter(pk=channel.pk).update(paused_at=None, failures=0)
        n = OutboxMessage.objects.filter(channel=channel, status=Status.HELD).update(
            status=Status.PENDING, next_attempt_at=now
        )
        audit.record(actor=actor, action="notify.channel_resume", obj=channel, extra={"held": n})
    return n


def channel_delete(*, actor: Any, channel: Channel) -> None:
    _require_admin(actor)
    with transaction.atomic():
        audit.record(actor=actor, action="notify.channel_delete", obj=channel)
        channel.delete()


def channel_test(*, actor: Any, channel: Channel, now: dt.datetime | None = None) -> int:
    """Queue a test message on a channel; returns the outbox message id."""
    _require_admin(actor)
    now = _now(now)
    with transaction.atomic():
        msg = OutboxMessage.objects.create(
            kind=channel.kind,
            channel=channel,
            endpoint=channel.url,
            payload={
                "kind": "test",
                "title": _("Beatbook test message"),
                "body": _("If you can read this, the channel works."),
                "url": "",
                "recipients": [],
            },
            next_attempt_at=now,
            created_at=now,
        )
        audit.record(actor=actor, action="notify.channel_test", obj=channel)
    return msg.pk


def dead_letters_retry(*, actor: Any, ids: Sequence[int]) -> int:
    """Send dead letters again (system administrator)."""
    _require_admin(actor)
    now = timezone.now()
    with transaction.atomic():
        n = OutboxMessage.objects.filter(pk__in=list(ids), status=Status.DEAD).update(
            status=Status.PENDING, attempts=0, next_attempt_at=now, last_error=""
        )
        audit.record(
            actor=actor,
            action="notify.dead_letters_retry",
            object_type="notify.outboxmessage",
            object_repr=_("%(n)s dead letters") % {"n": n},
            extra={"ids": list(ids)[:100], "count": n},
        )
    return n
