"""Reads of the notify app: pages (who was told, which step), notifications,
channels, dead letters and response times."""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from beatbook.core.scoping import scope_of
from beatbook.notify.models import (
    Channel,
    Notification,
    OutboxMessage,
    Page,
    PushSubscription,
    Status,
)


@dataclass(frozen=True)
class ToldInfo:
    label: str
    step: int
    channel: str
    at: dt.datetime


@dataclass(frozen=True)
class PageInfo:
    page_id: int
    step: int  # 0, 1, 3 or 5
    breached: bool
    opened_at: dt.datetime
    acknowledged_at: dt.datetime | None
    closed_at: dt.datetime | None
    next_step_at: dt.datetime | None
    told: list[ToldInfo] = field(default_factory=list)


def pages_for(subject_type: str, ids: Iterable[int]) -> dict[int, PageInfo]:
    """The page of each subject id that has one (two queries for any number).

    Unscoped: the caller shows it beside subjects it has already scoped.
    """
    id_list = sorted(set(ids))
    if not id_list:
        return {}
    pages = list(
        Page.objects.filter(subject_type=subject_type, subject_id__in=id_list)
        .only(
            "pk",
            "subject_id",
            "step1_at",
            "step3_at",
            "breached_at",
            "opened_at",
            "acknowledged_at",
            "closed_at",
            "next_step_at",
        )
        .prefetch_related("told")
    )
    out: dict[int, PageInfo] = {}
    for page in pages:
        told = sorted(page.told.all(), key=lambda t: (t.at, t.pk))
        out[page.subject_id] = PageInfo(
            page_id=page.pk,
            step=page.step,
            breached=page.breached_at is not None,
            opened_at=page.opened_at,
            acknowledged_at=page.acknowledged_at,
            closed_at=page.closed_at,
            next_step_at=page.next_step_at,
            told=[ToldInfo(t.label, t.step, t.channel, t.at) for t in told],
        )
    return out


def notifications_of(user: Any) -> QuerySet[Notification]:
    """The user's own in-app notifications, newest first."""
    return Notification.objects.filter(user_id=user.pk).order_by("-id")


def unread_count(user: Any) -> int:
    return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).count()


def subscriptions_of(user: Any) -> QuerySet[PushSubscription]:
    return PushSubscription.objects.filter(user_id=user.pk).order_by("-created_at")


def channels_visible(user: Any) -> QuerySet[Channel]:
    return Channel.objects.visible_to(user).select_related("station")


def channel_overview(user: Any) -> list[dict[str, Any]]:
    """Per station the user may look at (all for the administrator, their own
    for a chief): its 1-3-5 policy and channels. Three queries."""
    from beatbook.notify.models import StationPolicy
    from beatbook.registry.models import Station

    scope = scope_of(user)
    if scope.administers:
        stations = list(Station.objects.order_by("name"))
    elif scope.role == "chief" and getattr(user, "station_id", None):
        stations = list(Station.objects.filter(pk=user.station_id))
    else:
        return []
    ids = [s.pk for s in stations]
    policies = {
        p.station_id: p
        for p in StationPolicy.objects.filter(station_id__in=ids).select_related("duty_officer")
    }
    channels = list(channels_visible(user).filter(station_id__in=ids))
    return [
        {
            "station": s,
            "policy": policies.get(s.pk) or StationPolicy(station=s),
            "channels": [c for c in channels if c.station_id == s.pk],
        }
        for s in stations
    ]


def dead_letters(user: Any) -> QuerySet[OutboxMessage]:
    """Dead letters for the system administrator: where and why, not the text
    (which may name residents)."""
    if not scope_of(user).administers:
        return OutboxMessage.objects.none()
    return (
        OutboxMessage.objects.filter(status=Status.DEAD)
        .select_related("channel", "channel__station", "recipient")
        .defer("payload")
        .order_by("-id")
    )


def outbox_counts() -> dict[str, int]:
    """Messages waiting, held and dead (not the sent ones: there are many)."""
    from django.db.models import Count

    rows = (
        OutboxMessage.objects.filter(status__in=[Status.PENDING, Status.HELD, Status.DEAD])
        .values("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["status"]: row["n"] for row in rows}


# --- response times -----------------------------------------------------------


@dataclass
class ResponseRow:
    label: str
    pages: int = 0
    acknowledged: int = 0
    breached: int = 0
    ack_seconds: list[float] = field(default_factory=list)
    clear_seconds: list[float] = field(default_factory=list)

    @property
    def median_ack(self) -> float | None:
        return statistics.median(self.ack_seconds) if self.ack_seconds else None

    @property
    def mean_ack(self) -> float | None:
        return statistics.fmean(self.ack_seconds) if self.ack_seconds else None

    @property
    def median_clear(self) -> float | None:
        return statistics.median(self.clear_seconds) if self.clear_seconds else None

    @property
    def mean_clear(self) -> float | None:
        return statistics.fmean(self.clear_seconds) if self.clear_seconds else None

    @property
    def breach_rate(self) -> float | None:
        return self.breached / self.pages if self.pages else None


@dataclass
class ResponseTimes:
    station: ResponseRow
    officers: list[ResponseRow]


def response_times(
    user: Any, *, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> ResponseTimes | None:
    """Time to acknowledge and to clear, per officer (who acknowledged) and for
    the chief's station; None for roles without a station to report on."""
    scope = scope_of(user)
    if scope.role != "chief" or not user.station_id:
        return None
    qs = Page.objects.filter(station_id=user.station_id)
    if since is not None:
        qs = qs.filter(opened_at__gte=since)
    if until is not None:
        qs = qs.filter(opened_at__lt=until)
    rows = qs.values_list(
        "opened_at",
        "acknowledged_at",
        "closed_at",
        "breached_at",
        "acknowledged_by__display_name",
        "acknowledged_by__username",
    )
    station = ResponseRow(label=str(user.station))
    officers: dict[str, ResponseRow] = {}
    for opened, acked, closed, breached, name, username in rows.iterator():
        station.pages += 1
        station.breached += breached is not None
        if acked is not None:
            seconds = (acked - opened).total_seconds()
            station.acknowledged += 1
            station.ack_seconds.append(seconds)
            label = f"{name} ({username})" if name else (username or "—")
            row = officers.setdefault(label, ResponseRow(label=label))
            row.pages += 1
            row.acknowledged += 1
            row.breached += breached is not None
            row.ack_seconds.append(seconds)
            if closed is not None:
                row.clear_seconds.append((closed - opened).total_seconds())
        if closed is not None:
            station.clear_seconds.append((closed - opened).total_seconds())
    return ResponseTimes(station=station, officers=sorted(officers.values(), key=lambda r: r.label))
