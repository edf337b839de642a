"""The notify app's share of `beatbook worker` (see beatbook/sensing/worker.py)."""

from __future__ import annotations

import datetime as dt


def run_once(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Do up to ``limit`` items of due work; return how many were done (0 = idle).

    Safe to call from several processes at once (rows are claimed with
    SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL).
    """
    from beatbook.notify import services

    return services.escalate_due(now=now, limit=limit)
