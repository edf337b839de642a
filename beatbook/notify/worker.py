"""The notify app's share of `beatbook worker` (see beatbook/sensing/worker.py)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def run_once(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Take the escalation steps that are due, then send the outbox; return
    how many pages and messages were handled (0 = idle: two indexed queries).

    Safe to call from several processes at once (rows are claimed with
    SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL).
    """
    from beatbook.notify import outbox, services

    now = now or timezone.now()
    done = services.escalate_due(now=now, limit=limit)
    return done + outbox.process(now=now, limit=limit)
