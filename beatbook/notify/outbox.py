"""The durable outbox: claim due messages, send them, record what happened.

- claim: due pending messages are locked with SKIP LOCKED (PostgreSQL) and
  leased (``next_attempt_at`` moved LEASE seconds ahead, ``attempts`` + 1) in
  one short transaction, so several workers share the outbox and none sends
  a message another holds; nothing is locked while sending;
- send: one HTTP request per job (a push message, or a batch for a webhook or
  a robot), on a few threads;
- record: sent, dropped (push subscription gone), retried later (exponential
  backoff, at least what ``Retry-After`` asked) or dead after MAX_ATTEMPTS.
  A channel failing PAUSE_AFTER times in a row is paused (its messages held)
  and the people concerned are told in the app.

A worker killed while sending leaves its messages leased: they fall due again
when the lease ends and are sent again (at least once, never lost).
"""

from __future__ import annotations

import datetime as dt
import os
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext as _

from beatbook.accounts.models import Role, User
from beatbook.notify import delivery, robots, rules
from beatbook.notify.models import (
    Channel,
    ChannelKind,
    OutboxMessage,
    PushSubscription,
    Status,
    Told,
)
from beatbook.notify.services import KIND_CHANNEL_PAUSED, _locked, policy_for

#: seconds a claimed message is reserved for the worker sending it
LEASE = 120
MAX_ATTEMPTS = int(getattr(settings, "NOTIFY_MAX_ATTEMPTS", 5))
PAUSE_AFTER = int(getattr(settings, "NOTIFY_PAUSE_AFTER", 10))
SEND_THREADS = 8
WEBHOOK_BATCH = 100
#: sent and dropped messages are deleted after this many days (dead letters stay)
KEEP_DAYS = int(getattr(settings, "NOTIFY_OUTBOX_KEEP_DAYS", 30))
#: in-app notifications are deleted after this many days (pages and who was told stay)
NOTIFICATION_KEEP_DAYS = int(getattr(settings, "NOTIFY_KEEP_DAYS", 90))
PRUNE_EVERY = dt.timedelta(minutes=10)
_last_prune: dict[str, dt.datetime] = {}
ROBOTS = (ChannelKind.WECOM, ChannelKind.DINGTALK)


def base_url() -> str:
    """Where Beatbook is reached from outside, for links in chat messages."""
    return str(
        getattr(settings, "NOTIFY_BASE_URL", "") or os.environ.get("BEATBOOK_URL", "")
    ).rstrip("/")


def _with_link(payload: dict[str, Any]) -> dict[str, Any]:
    url = str(payload.get("url") or "")
    link = base_url() + url if url.startswith("/") and base_url() else ""
    return {**payload, "link": link}


def prune(*, now: dt.datetime, limit: int = 1000) -> int:
    """Delete sent and dropped messages older than KEEP_DAYS, and in-app
    notifications older than NOTIFICATION_KEEP_DAYS (at most ``limit`` each)."""
    from beatbook.notify.models import Notification

    cutoff = now - dt.timedelta(days=KEEP_DAYS)
    ids = list(
        OutboxMessage.objects.filter(
            status__in=[Status.SENT, Status.DROPPED], created_at__lt=cutoff
        ).values_list("pk", flat=True)[:limit]
    )
    if ids:
        OutboxMessage.objects.filter(pk__in=ids).delete()
    old = now - dt.timedelta(days=NOTIFICATION_KEEP_DAYS)
    notes = list(
        Notification.objects.filter(created_at__lt=old).values_list("pk", flat=True)[:limit]
    )
    if notes:
        Notification.objects.filter(pk__in=notes).delete()
    return len(ids) + len(notes)


def _maybe_prune(now: dt.datetime) -> None:
    last = _last_prune.get("at")
    if last is not None and abs(now - last) < PRUNE_EVERY:
        return
    _last_prune["at"] = now
    prune(now=now)


def process(*, now: dt.datetime, limit: int = 500) -> int:
    """Send what is due; return the number of messages handled (0 = idle)."""
    _maybe_prune(now)
    due = OutboxMessage.objects.filter(status=Status.PENDING, next_attempt_at__lte=now)
    if not due.exists():
        return 0  # the idle check: one query on a partial index
    jobs, handled = _claim(due, now, limit)
    if jobs:
        if len(jobs) == 1:
            results = [delivery.send(jobs[0], now)]
        else:
            with ThreadPoolExecutor(max_workers=min(SEND_THREADS, len(jobs))) as pool:
                results = list(pool.map(lambda j: delivery.send(j, now), jobs))
        for job, result in zip(jobs, results, strict=True):
            _record(job, result, now)
    return handled


# --- claim ----------------------------------------------------------------------


def _claim(due: Any, now: dt.datetime, limit: int) -> tuple[list[delivery.Job], int]:
    from beatbook.notify.push import vapid_keys, vapid_subject

    jobs: list[delivery.Job] = []
    handled = 0
    with transaction.atomic():
        rows: list[OutboxMessage] = list(
            _locked(due.order_by("next_attempt_at", "id"), skip_locked=True)[:limit]
        )
        if not rows:
            return [], 0
        channel_ids = sorted({r.channel_id for r in rows if r.channel_id})
        channels = {
            c.pk: c for c in _locked(Channel.objects.filter(pk__in=channel_ids).order_by("pk"))
        }
        sub_ids = {r.subscription_id for r in rows if r.subscription_id}
        subs = {s.pk: s for s in PushSubscription.objects.filter(pk__in=sub_ids)}
        leased: list[int] = []
        held: list[int] = []
        dropped: list[int] = []
        deferred: dict[dt.datetime, list[int]] = defaultdict(list)
        by_channel: dict[int, list[OutboxMessage]] = defaultdict(list)
        for row in rows:
            if row.kind == "webpush":
                sub = subs.get(row.subscription_id or 0)
                if sub is None:
                    dropped.append(row.pk)
                elif sub.paused_at is not None:
                    held.append(row.pk)
                else:
                    private_pem, _public = vapid_keys()
                    jobs.append(
                        delivery.Job(
                            kind="webpush",
                            url=sub.endpoint,
                            message_ids=[row.pk],
                            payloads=[row.payload],
                            p256dh=sub.p256dh,
                            auth=sub.auth,
                            vapid_private_pem=private_pem,
                            vapid_subject=vapid_subject(),
                        )
                    )
                    leased.append(row.pk)
                continue
            channel = channels.get(row.channel_id or 0)
            if channel is None or not channel.enabled:
                dropped.append(row.pk)
            elif channel.paused_at is not None:
                held.append(row.pk)
            else:
                by_channel[channel.pk].append(row)
        for channel_id, channel_rows in by_channel.items():
            channel = channels[channel_id]
            if channel.kind in ROBOTS:
                if channel.window_start is None or (now - channel.window_start) >= dt.timedelta(
                    seconds=60
                ):
                    channel.window_start, channel.window_sent = now, 0
                if channel.window_sent >= robots.ROBOT_PER_MINUTE:
                    # the robot's 20 a minute are used up: wait for the next minute
                    resume = channel.window_start + dt.timedelta(seconds=60)
                    deferred[resume].extend(r.pk for r in channel_rows)
                    continue
                channel.window_sent += 1
                Channel.objects.filter(pk=channel.pk).update(
                    window_start=channel.window_start, window_sent=channel.window_sent
                )
                payloads = [_with_link(r.payload) for r in channel_rows]
                _text, taken = robots.join_within(
                    delivery.robot_items(payloads), delivery.robot_limit(channel.kind)
                )
                batches = [(channel_rows[:taken], payloads[:taken])]
                # the rest stay due and go in the next message
            else:
                batches = [
                    (
                        channel_rows[i : i + WEBHOOK_BATCH],
                        [_with_link(r.payload) for r in channel_rows[i : i + WEBHOOK_BATCH]],
                    )
                    for i in range(0, len(channel_rows), WEBHOOK_BATCH)
                ]
            for batch_rows, payloads in batches:
                jobs.append(
                    delivery.Job(
                        kind=channel.kind,
                        url=channel.url,
                        message_ids=[r.pk for r in batch_rows],
                        payloads=payloads,
                        secret=channel.secret,
                        extra={"channel": channel.pk},
                    )
                )
                leased.extend(r.pk for r in batch_rows)
        OutboxMessage.objects.filter(pk__in=leased).update(
            next_attempt_at=now + dt.timedelta(seconds=LEASE), attempts=F("attempts") + 1
        )
        OutboxMessage.objects.filter(pk__in=held).update(status=Status.HELD)
        OutboxMessage.objects.filter(pk__in=dropped).update(
            status=Status.DROPPED, last_error=_("recipient or channel no longer exists")
        )
        for resume, ids in deferred.items():
            OutboxMessage.objects.filter(pk__in=ids).update(next_attempt_at=resume)
        handled = len(leased) + len(held) + len(dropped)
    return jobs, handled


# --- record ---------------------------------------------------------------------


def _told_rows(job: delivery.Job, now: dt.datetime) -> list[Told]:
    messages = list(
        OutboxMessage.objects.filter(pk__in=job.message_ids, page__isnull=False).select_related(
            "recipient", "channel", "page"
        )
    )
    rows = []
    for m in messages:
        if m.recipient is not None:
            label = m.recipient.label
        elif m.channel is not None:
            label = m.channel.name
        else:
            label = m.endpoint[:150]
        rows.append(
            Told(
                page=m.page,
                user=m.recipient,
                label=label,
                step=m.step,
                channel=m.kind,
                at=now,
            )
        )
    return rows


def _record(job: delivery.Job, result: delivery.Result, now: dt.datetime) -> None:
    with transaction.atomic():
        messages = OutboxMessage.objects.filter(pk__in=job.message_ids, status=Status.PENDING)
        channel_id = job.extra.get("channel")
        sub_id = (
            OutboxMessage.objects.filter(pk=job.message_ids[0])
            .values_list("subscription_id", flat=True)
            .first()
            if job.kind == "webpush"
            else None
        )
        if result.ok:
            Told.objects.bulk_create(_told_rows(job, now))
            messages.update(status=Status.SENT, sent_at=now, last_error="")
            if channel_id:
                Channel.objects.filter(pk=channel_id).update(failures=0, last_error="")
            if sub_id:
                PushSubscription.objects.filter(pk=sub_id).update(failures=0, last_sent_at=now)
            return
        if result.gone:
            messages.update(status=Status.DROPPED, last_error=result.error)
            if sub_id:
                PushSubscription.objects.filter(pk=sub_id).delete()
            return
        failed = list(messages.only("pk", "attempts", "status", "next_attempt_at"))
        for message in failed:
            message.last_error = result.error
            if message.attempts >= MAX_ATTEMPTS:
                message.status = Status.DEAD
            else:
                delay = rules.retry_delay(message.attempts, result.retry_after)
                message.next_attempt_at = now + dt.timedelta(seconds=delay)
        OutboxMessage.objects.bulk_update(failed, ["last_error", "status", "next_attempt_at"])
        if channel_id:
            _channel_failed(channel_id, result.error, now)
        elif sub_id:
            _subscription_failed(sub_id, result.error, now)


def _channel_failed(channel_id: int, error: str, now: dt.datetime) -> None:
    from beatbook.notify import live

    channel = _locked(Channel.objects.filter(pk=channel_id)).first()
    if channel is None:
        return
    channel.failures += 1
    channel.last_error = error
    fields = ["failures", "last_error"]
    if channel.failures >= PAUSE_AFTER and channel.paused_at is None:
        channel.paused_at = now
        fields.append("paused_at")
        OutboxMessage.objects.filter(channel=channel, status=Status.PENDING).update(
            status=Status.HELD
        )
        # the station's chiefs and duty officer, and the administrators who can resume it
        policy = policy_for(channel.station_id)
        users = set(
            User.objects.filter(
                is_active=True, role=Role.CHIEF, station_id=channel.station_id
            ).values_list("pk", flat=True)
        ) | set(
            User.objects.filter(is_active=True, role=Role.SYSADMIN).values_list("pk", flat=True)
        )
        if policy.duty_officer_id:
            users.add(policy.duty_officer_id)
        # and the officers whose pages it was to carry (e.g. by SMS)
        held_pages = OutboxMessage.objects.filter(
            channel=channel, status=Status.HELD, page__isnull=False
        ).values("page_id")
        users |= set(
            Told.objects.filter(page_id__in=held_pages, user__isnull=False).values_list(
                "user_id", flat=True
            )
        )
        live.publish(
            users,
            {
                "kind": KIND_CHANNEL_PAUSED,
                "title": _("Channel %(name)s paused after %(n)s failures")
                % {"name": channel.name, "n": channel.failures},
                "body": error[:300],
                "url": reverse("notify:channel-list"),
                "channel": channel.pk,
            },
            now=now,
        )
    channel.save(update_fields=fields)


def _subscription_failed(sub_id: int, error: str, now: dt.datetime) -> None:
    from beatbook.notify import live

    sub = _locked(PushSubscription.objects.filter(pk=sub_id)).first()
    if sub is None:
        return
    sub.failures += 1
    sub.last_error = error
    fields = ["failures", "last_error"]
    if sub.failures >= PAUSE_AFTER and sub.paused_at is None:
        sub.paused_at = now
        fields.append("paused_at")
        OutboxMessage.objects.filter(subscription=sub, status=Status.PENDING).update(
            status=Status.HELD
        )
        live.publish(
            [sub.user_id],
            {
                "kind": KIND_CHANNEL_PAUSED,
                "title": _("Push notifications to one of your devices are paused"),
                "body": _("They failed %(n)s times in a row. Enable them again on that device.")
                % {"n": sub.failures},
                "url": "/notify/",
                "subscription": sub.pk,
            },
            now=now,
        )
    sub.save(update_fields=fields)
