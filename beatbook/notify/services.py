"""Every write of the notify app: pages and their escalation, channels, the outbox.

The alerts app calls ``page_open`` (or ``pages_open`` for many at once) when an
alert is raised, ``page_acknowledge`` when an officer acknowledges it and
``page_close`` when it is cleared; the worker (``beatbook.notify.worker.run_once``)
calls ``escalate_due`` and sends the outbox (``beatbook.notify.outbox``).

Who is told: step 0 the officers of the beat covering the building (or the
compound) and the building's heads; unacknowledged after the station policy's
delays (default 1, 3 and 5 minutes): step 1 the station's duty officer, step 3
the station's chiefs, step 5 a response breach (everyone told so far learns
it). Each person is told in the app (``live.publish``) and by Web Push on each
of their devices; the station's group channels (webhook, WeCom, DingTalk) get
every step from their ``from_step`` on, with the people told.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Person:
    """Someone to tell (a user, as much of them as telling needs)."""

    id: int
    username: str
    display_name: str
    phone: str

    @property
    def label(self) -> str:
        return f"{self.display_name} ({self.username})" if self.display_name else self.username


_PERSON = ("id", "username", "display_name", "phone")


def _people(qs: QuerySet[Any], *extra: str) -> list[tuple[Person, tuple[Any, ...]]]:
    return [
        (Person(*row[:4]), tuple(row[4:]))
        for row in qs.filter(is_active=True).values_list(*_PERSON, *extra).distinct()
    ]


def _assigned(pages: Sequence[Page]) -> dict[int, list[Person]]:
    """Step 0 of many pages in at most three queries: by building, the beat's
    officers and the building's heads; by compound (no building), the beat's officers."""
    building_ids = sorted({p.building_id for p in pages if p.building_id})
    compound_ids = sorted({p.compound_id for p in pages if not p.building_id and p.compound_id})
    by_building: dict[int, dict[int, Person]] = defaultdict(dict)
    by_compound: dict[int, dict[int, Person]] = defaultdict(dict)
    if building_ids:
        officers = User.objects.filter(
            role=Role.OFFICER, beats__communities__compounds__buildings__in=building_ids
        )
        for person, (bid,) in _people(officers, "beats__communities__compounds__buildings"):
            by_building[bid][person.id] = person
        heads = User.objects.filter(role=Role.BUILDING_HEAD, head_of_buildings__in=building_ids)
        for person, (bid,) in _people(heads, "head_of_buildings"):
            if bid in building_ids:
                by_building[bid][person.id] = person
    if compound_ids:
        officers = User.objects.filter(
            role=Role.OFFICER, beats__communities__compounds__in=compound_ids
        )
        for person, (cid,) in _people(officers, "beats__communities__compounds"):
            by_compound[cid][person.id] = person
    out: dict[int, list[Person]] = {}
    for page in pages:
        found = (
            by_building.get(page.building_id or 0)
            if page.building_id
            else by_compound.get(page.compound_id or 0)
        ) or {}
        out[page.pk] = sorted(found.values(), key=lambda person: person.id)
    return out


def _recipients(
    pages: Sequence[Page], step: int, policies: dict[int, StationPolicy]
) -> tuple[dict[int, list[Person]], dict[int, list[Person]]]:
    """For each page: (everyone to tell in the app, of whom those told for the
    first time). A constant number of queries for any number of pages."""
    page_ids = [p.pk for p in pages]
    already: dict[int, set[int]] = defaultdict(set)
    if step != Step.ASSIGNED:
        for page_id, user_id in Told.objects.filter(
            page_id__in=page_ids, user__isnull=False
        ).values_list("page_id", "user_id"):
            already[page_id].add(user_id)
    duty_ids = {p.duty_officer_id for p in policies.values() if p.duty_officer_id}
    duty = {
        person.id: person for person, _ in _people(User.objects.filter(pk__in=sorted(duty_ids)))
    }

    def duty_of(page: Page) -> list[Person]:
        person = duty.get(policies[page.station_id].duty_officer_id or 0)
        return [person] if person else []

    told: dict[int, list[Person]] = {}
    new: dict[int, list[Person]] = {}
    if step == Step.ASSIGNED:
        assigned = _assigned(pages)
        for page in pages:
            duty_id = policies[page.station_id].duty_officer_id
            # the duty officer may cover every beat (to see every alert); their turn is step 1
            people = [u for u in assigned[page.pk] if u.id != duty_id] or duty_of(page)
            told[page.pk] = new[page.pk] = people
    elif step == Step.DUTY:
        for page in pages:
            people = [u for u in duty_of(page) if u.id not in already[page.pk]]
            told[page.pk] = new[page.pk] = people
    elif step == Step.CHIEF:
        chiefs: dict[int, list[Person]] = defaultdict(list)
        qs = User.objects.filter(role=Role.CHIEF, station_id__in={p.station_id for p in pages})
        for person, (station_id,) in _people(qs.order_by("pk"), "station_id"):
            chiefs[station_id].append(person)
        for page in pages:
            people = [u for u in chiefs[page.station_id] if u.id not in already[page.pk]]
            told[page.pk] = new[page.pk] = people
    else:
        # a breach: everyone told so far learns it, nobody new is told
        everyone = set().union(*already.values()) if already else set()
        people_by_id = {
            person.id: person for person, _ in _people(User.objects.filter(pk__in=sorted(everyone)))
        }
        for page in pages:
            told[page.pk] = [people_by_id[i] for i in sorted(already[page.pk]) if i in people_by_id]
            new[page.pk] = []
    return told, new


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


def _tell(
    pages: Sequence[Page], step: int, now: dt.datetime, policies: dict[int, StationPolicy]
) -> None:
    """Tell a step's people of each page (in the app and by Web Push) and the
    stations' group channels; record who was told. Inside the caller's
    transaction; a constant number of queries for any number of pages."""
    from beatbook.notify import live

    if not pages:
        return
    told, new = _recipients(pages, step, policies)
    new_ids = sorted({u.id for people in new.values() for u in people})
    subscriptions: dict[int, list[PushSubscription]] = defaultdict(list)
    if new_ids:
        for sub in PushSubscription.objects.filter(user_id__in=new_ids):
            subscriptions[sub.user_id].append(sub)
    channels: dict[int, list[Channel]] = defaultdict(list)
    for channel in Channel.objects.filter(
        station_id__in={p.station_id for p in pages}, enabled=True, from_step__lte=step
    ):
        channels[channel.station_id].append(channel)
    feed: list[tuple[list[int], dict[str, Any]]] = []
    told_rows: list[Told] = []
    messages: list[OutboxMessage] = []
    for page in pages:
        kind, prefix = _message(page, step)
        payload = _page_payload(page, step, kind, prefix)
        feed.append(([u.id for u in told[page.pk]], payload))
        for person in new[page.pk]:
            told_rows.append(
                Told(
                    page=page,
                    user_id=person.id,
                    label=person.label,
                    step=step,
                    channel="app",
                    at=now,
                )
            )
            for sub in subscriptions.get(person.id, ()):
                messages.append(
                    OutboxMessage(
                        kind="webpush",
                        subscription=sub,
                        recipient_id=person.id,
                        endpoint=sub.endpoint,
                        page=page,
                        step=step,
                        payload=payload,
                        status=Status.HELD if sub.paused_at else Status.PENDING,
                        next_attempt_at=now,
                        created_at=now,
                    )
                )
        if channels.get(page.station_id):
            recipients = [
                {"username": u.username, "name": u.display_name or u.username, "phone": u.phone}
                for u in told[page.pk]
            ]
            names = "、".join(r["name"] for r in recipients)
            group_payload = {
                **payload,
                "recipients": recipients,
                "told_line": _("Told: %(names)s") % {"names": names} if names else "",
                "opened_at": page.opened_at.isoformat(),
            }
            for channel in channels[page.station_id]:
                messages.append(
                    OutboxMessage(
                        kind=channel.kind,
                        channel=channel,
                        endpoint=channel.url,
                        page=page,
                        step=step,
                        payload=group_payload,
                        status=Status.HELD if channel.paused_at else Status.PENDING,
                        next_attempt_at=now,
                        created_at=now,
                    )
                )
    live.publish_many(feed, now=now)
    Told.objects.bulk_create(told_rows)
    OutboxMessage.objects.bulk_create(messages)
    if messages:
        transaction.on_commit(_wake_senders)


def _wake_senders() -> None:
    """Hook for a push-style wake-up of the worker (it polls today)."""


def _policies(station_ids: Iterable[int]) -> dict[int, StationPolicy]:
    ids = sorted(set(station_ids))
    found = {p.station_id: p for p in StationPolicy.objects.filter(station_id__in=ids)}
    return {i: found.get(i) or StationPolicy(station_id=i) for i in ids}


# --- pages ------------------------------------------------------------------------


@dataclass(frozen=True)
class PageSpec:
    """What ``pages_open`` needs to open one page (see ``page_open``)."""

    subject_type: str
    subject_id: int
    station_id: int
    building_id: int | None
    title: str
    body: str
    url: str
    severity: str
    compound_id: int | None = None
    #: when it happened (default: now)
    at: dt.datetime | None = None


def pages_open(specs: Sequence[PageSpec], *, now: dt.datetime | None = None) -> list[int]:
    """Open many pages at once (the page id of each spec, in order); a
    constant number of queries however many. Subjects that already have a
    page keep it (idempotent)."""
    if not specs:
        return []
    now = _now(now)
    keys = {(s.subject_type, s.subject_id) for s in specs}
    q = Q(pk__in=[])
    for subject_type in {k[0] for k in keys}:
        q |= Q(
            subject_type=subject_type,
            subject_id__in=sorted(k[1] for k in keys if k[0] == subject_type),
        )
    existing = {
        (t, i): pk
        for pk, t, i in Page.objects.filter(q).values_list("pk", "subject_type", "subject_id")
    }
    todo: dict[tuple[str, int], PageSpec] = {}
    for spec in specs:
        key = (spec.subject_type, spec.subject_id)
        if key not in existing and key not in todo:
            todo[key] = spec
    if todo:
        try:
            with transaction.atomic():
                existing.update(_create_pages(list(todo.values()), now))
        except IntegrityError:
            if len(todo) == 1:
                # opened by someone else meanwhile
                existing.update(
                    {
                        (t, i): pk
                        for pk, t, i in Page.objects.filter(q).values_list(
                            "pk", "subject_type", "subject_id"
                        )
                    }
                )
            else:
                # another worker opened some of these meanwhile: one by one
                for spec in todo.values():
                    existing[(spec.subject_type, spec.subject_id)] = pages_open([spec], now=now)[0]
    return [existing[(s.subject_type, s.subject_id)] for s in specs]


def _create_pages(specs: list[PageSpec], now: dt.datetime) -> dict[tuple[str, int], int]:
    from beatbook.registry.models import Building

    policies = _policies(s.station_id for s in specs)
    missing = sorted({s.building_id for s in specs if s.building_id and s.compound_id is None})
    compound_of = dict(
        Building.objects.filter(pk__in=missing).values_list("pk", "compound_id") if missing else []
    )
    pages = []
    for s in specs:
        policy = policies[s.station_id]
        delays = rules.Delays(
            duty=policy.duty_after, chief=policy.chief_after, breach=policy.breach_after
        )
        opened = s.at or now
        pages.append(
            Page(
                subject_type=s.subject_type,
                subject_id=s.subject_id,
                station_id=s.station_id,
                building_id=s.building_id,
                compound_id=s.compound_id
                if s.compound_id is not None
                else compound_of.get(s.building_id or 0),
                title=s.title[:200],
                body=s.body,
                url=s.url[:500],
                severity=s.severity,
                opened_at=opened,
                duty_after=delays.duty,
                chief_after=delays.chief,
                breach_after=delays.breach,
                next_step_at=rules.due_at(opened, 0, delays),
            )
        )
    Page.objects.bulk_create(pages)
    if any(p.pk is None for p in pages):  # a database that returns no ids on bulk insert
        ids = dict(
            Page.objects.filter(
                subject_type__in={p.subject_type for p in pages},
                subject_id__in=[p.subject_id for p in pages],
            ).values_list("subject_id", "pk")
        )
        for p in pages:
            p.pk = ids[p.subject_id]
    _tell(pages, Step.ASSIGNED, now, policies)
    return {(p.subject_type, p.subject_id): p.pk for p in pages}


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
    policy) until acknowledged. ``now`` is when it opened (the alert's time).
    Returns the page id. ``pages_open`` opens many at once.
    """
    spec = PageSpec(
        subject_type=subject_type,
        subject_id=subject_id,
        station_id=station_id,
        building_id=building_id,
        title=title,
        body=body,
        url=url,
        severity=severity,
        compound_id=compound_id,
    )
    return pages_open([spec], now=now)[0]


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
    payload = {**_page_payload(page, page.step, kind, ""), "title": title[:200], "body": ""}
    live.publish(users, payload, now=now)


def _drop_unsent_escalations(page: Page) -> None:
    """Escalation pushes not yet sent are moot once someone has taken the page."""
    OutboxMessage.objects.filter(
        page=page, kind="webpush", step__gt=0, status__in=[Status.PENDING, Status.HELD]
    ).update(status=Status.DROPPED, last_error=_("acknowledged before it was sent"))


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
        _drop_unsent_escalations(page)
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
        _drop_unsent_escalations(page)
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
        policies = _policies(p.station_id for p in pages)
        by_step: dict[int, list[Page]] = defaultdict(list)
        for page in pages:
            for step in rules.steps_due(page.opened_at, page.step, _delays(page), now):
                if step == Step.DUTY:
                    page.step1_at = now
                elif step == Step.CHIEF:
                    page.step3_at = now
                elif step == Step.BREACH:
                    page.breached_at = now
                by_step[step].append(page)
            page.next_step_at = rules.due_at(page.opened_at, page.step, _delays(page))
        # in step order, so a page overdue by several steps tells each in turn
        for step in sorted(by_step):
            _tell(by_step[step], step, now, policies)
        Page.objects.bulk_update(pages, ["step1_at", "step3_at", "breached_at", "next_step_at"])
    return len(pages)


# --- in-app notifications ---------------------------------------------------------


def notifications_mark_read(*, actor: Any, ids: Iterable[int] | None = None) -> int:
    """Mark the actor's own notifications read (all when ``ids`` is None)."""
    qs = Notification.objects.filter(user_id=actor.pk, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


# --- Web Push subscriptions ------------------------------------------------------


def push_endpoint_allowed(endpoint: str) -> bool:
    """A push service's address: https (http only where NOTIFY_PUSH_ALLOW_HTTP
    says, for tests), and not this machine or a private network named by
    address, so a subscription cannot make the server post into the LAN."""
    import ipaddress
    from urllib.parse import urlsplit

    from django.conf import settings

    try:
        parts = urlsplit(endpoint)
    except ValueError:
        return False
    allow_http = getattr(settings, "NOTIFY_PUSH_ALLOW_HTTP", False)
    if parts.scheme != "https" and not (allow_http and parts.scheme == "http"):
        return False
    host = (parts.hostname or "").lower()
    if not host:
        return False
    if allow_http:
        return True
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return True  # a name
    return address.is_global


def push_subscribe(
    *, actor: Any, endpoint: str, p256dh: str, auth: str, user_agent: str = ""
) -> PushSubscription:
    """Store (or move to this user) a browser's push subscription."""
    if not push_endpoint_allowed(endpoint) or not p256dh or not auth or len(endpoint) > 1000:
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
