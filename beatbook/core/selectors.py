"""Reads of the audit log (audit administrator only)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from beatbook.core import audit
from beatbook.core.models import AuditEntry
from beatbook.core.scoping import scope_of


def local_day_start(day: dt.date) -> dt.datetime:
    """Midnight of a calendar day in the site's zone (Asia/Shanghai)."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_default_timezone())


def audit_entry_list(
    *,
    user: Any,
    username: str = "",
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    request_id: str = "",
) -> QuerySet[AuditEntry]:
    """Entries matching every given filter, newest first; nothing unless the user reads the audit.

    ``action`` matches exactly or as a dotted prefix ("user" finds "user.create").
    ``date_from``/``date_to`` are inclusive calendar days in Asia/Shanghai.
    """
    if not scope_of(user).reads_audit:
        return AuditEntry.objects.none()
    qs = AuditEntry.objects.all()
    if username:
        qs = qs.filter(actor_username=username)
    if action:
        qs = qs.filter(Q(action=action) | Q(action__startswith=f"{action.rstrip('.')}."))
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if date_from:
        qs = qs.filter(at__gte=local_day_start(date_from))
    if date_to:
        qs = qs.filter(at__lt=local_day_start(date_to + dt.timedelta(days=1)))
    if request_id:
        qs = qs.filter(request_id=request_id)
    return qs.order_by("-id")


def audit_entry_search(
    *, user: Any, filters: Mapping[str, Any], page_turn: bool = False
) -> QuerySet[AuditEntry]:
    """``audit_entry_list`` for a search typed on the audit log page.

    A search is itself a read of the log and is audited (like opening a
    resident's record), once: not when the list is merely browsed (no
    filters), nor for every further page of the same search (``page_turn``).
    """
    qs = audit_entry_list(user=user, **filters)
    if filters and not page_turn and scope_of(user).reads_audit:
        audit.record(
            actor=user,
            action="audit.search",
            object_type="core.auditentry",
            extra={"filters": dict(filters)},
        )
    return qs


def audit_entry_export(
    *, user: Any, filters: Mapping[str, Any], file_format: str = "csv"
) -> QuerySet[AuditEntry]:
    """``audit_entry_list`` taken out of the system as a file: always audited."""
    qs = audit_entry_list(user=user, **filters)
    if scope_of(user).reads_audit:
        audit.record(
            actor=user,
            action="audit.export",
            object_type="core.auditentry",
            extra={"filters": dict(filters), "format": file_format},
        )
    return qs


@dataclass(frozen=True)
class KeysetPage:
    """One page of a newest-first list, addressed by ids rather than page numbers.

    Counting a large audit table costs a full scan, and OFFSET grows with the
    page number; ``id < before`` / ``id > after`` use the primary key instead.
    """

    rows: list[AuditEntry]
    #: id to pass as ``before`` for the next (older) page, None on the last page
    older: int | None
    #: id to pass as ``after`` for the previous (newer) page, None on the first page
    newer: int | None


def keyset_page(
    qs: QuerySet[AuditEntry],
    *,
    before: int | None = None,
    after: int | None = None,
    size: int = 50,
) -> KeysetPage:
    if after is not None:
        # Walk towards newer entries, then show them newest first.
        chunk = list(qs.filter(id__gt=after).order_by("id")[: size + 1])
        has_newer = len(chunk) > size
        rows = list(reversed(chunk[:size]))
        has_older = True
    else:
        if before is not None:
            qs = qs.filter(id__lt=before)
        chunk = list(qs.order_by("-id")[: size + 1])
        has_older = len(chunk) > size
        rows = chunk[:size]
        has_newer = before is not None
    if not rows:
        return KeysetPage(rows=[], older=None, newer=None)
    return KeysetPage(
        rows=rows,
        older=rows[-1].pk if has_older else None,
        newer=rows[0].pk if has_newer else None,
    )


def recent_actions(*, user: Any, window: int = 2000) -> list[str]:
    """Distinct action names among the latest entries, for the filter's suggestions.

    Bounded by ``window`` so the page never scans the whole log.
    """
    if not scope_of(user).reads_audit:
        return []
    latest = AuditEntry.objects.order_by("-id").values_list("action", flat=True)[:window]
    return sorted(set(latest))
