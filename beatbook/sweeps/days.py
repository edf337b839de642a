"""Day arithmetic of home observation and of a sweep's daily progress (no Django).

Days are calendar days in Asia/Shanghai: a check at 23:59 Shanghai time counts
for that day, one at 00:00 for the next, whatever the server's zone. Nothing
here is stored: missed days, the missed streak and "lost to follow-up" are
derived from the check times and a clock (``today``).

An observation runs from ``start`` to ``end`` inclusive (14 days starting on
the 1st end on the 14th). A day of the period without a check is *missed*
once it is over (from 00:00 the next day); today without a check yet is still
open. A person whose last three elapsed days of the period were all missed,
with no check since, is *lost to follow-up* until a check is recorded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# the day of the visits rules (Asia/Shanghai), re-exported
from beatbook.visits.rules import ZONE as ZONE
from beatbook.visits.rules import local_date as local_date

ONE_DAY = dt.timedelta(days=1)

#: consecutive missed days after which a person is lost to follow-up
LOST_AFTER = 3
#: the longest observation period a sweep may set or extend to
MAX_DAYS = 90

UPCOMING = "upcoming"
ACTIVE = "active"
FINISHED = "finished"
LOST = "lost"


def days_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every day from ``first`` to ``last`` inclusive (empty when last < first)."""
    n = (last - first).days + 1
    return [first + dt.timedelta(days=i) for i in range(max(n, 0))]


def period_end(start: dt.date, days: int) -> dt.date:
    """The last day of a period of ``days`` days starting on ``start``."""
    if days < 1:
        raise ValueError("a period lasts at least one day")
    return start + dt.timedelta(days=days - 1)


def period_length(start: dt.date, end: dt.date) -> int:
    return (end - start).days + 1


class PeriodError(ValueError):
    """A change of an observation period that the rules refuse; ``code`` says which."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


EXTEND = "extend"
SHORTEN = "shorten"


def period_change(*, start: dt.date, end: dt.date, new_end: dt.date, reason: str) -> str:
    """Whether moving the end of a period from ``end`` to ``new_end`` is
    allowed: ``EXTEND`` (always, up to MAX_DAYS) or ``SHORTEN`` (only with a
    reason, and never before the first day). Raises PeriodError otherwise
    ('unchanged', 'before_start', 'too_long', 'reason_required')."""
    if new_end == end:
        raise PeriodError("unchanged")
    if new_end < start:
        raise PeriodError("before_start")
    if period_length(start, new_end) > MAX_DAYS:
        raise PeriodError("too_long")
    if new_end > end:
        return EXTEND
    if not reason.strip():
        raise PeriodError("reason_required")
    return SHORTEN


@dataclass(frozen=True)
class Standing:
    """Where one observation stands on ``today``."""

    state: str  # UPCOMING / ACTIVE / FINISHED / LOST
    #: days of the period so far that are over and had no check
    missed: tuple[dt.date, ...]
    #: missed days in a row up to the last elapsed day, with no check since
    streak: int
    checked_today: bool
    #: the day of the period it is today (1-based; 0 before the start)
    day_number: int
    days: int

    @property
    def lost(self) -> bool:
        return self.state == LOST


def standing(
    *, start: dt.date, end: dt.date, checked: Iterable[dt.date], today: dt.date
) -> Standing:
    """Missed days, the current streak and the state of an observation from
    ``start`` to ``end`` given the days with a check, on ``today``."""
    days_checked = {d for d in checked if start <= d <= end}
    last_elapsed = min(end, today - ONE_DAY)
    elapsed = days_between(start, last_elapsed)
    missed = tuple(d for d in elapsed if d not in days_checked)
    checked_since = any(d > last_elapsed for d in days_checked if d <= today)
    streak = 0
    if not checked_since:
        for d in reversed(elapsed):
            if d in days_checked:
                break
            streak += 1
    if streak >= LOST_AFTER:
        state = LOST
    elif today < start:
        state = UPCOMING
    elif today > end:
        state = FINISHED
    else:
        state = ACTIVE
    day_number = (min(today, end) - start).days + 1 if today >= start else 0
    return Standing(
        state=state,
        missed=missed,
        streak=streak,
        checked_today=today in days_checked,
        day_number=day_number,
        days=period_length(start, end),
    )


@dataclass(frozen=True)
class StripDay:
    """A day of the observation strip: checked, missed, today (open) or later."""

    day: dt.date
    state: str


def day_strip(
    *, start: dt.date, end: dt.date, checked: Iterable[dt.date], today: dt.date
) -> list[StripDay]:
    """Each day of the period and how it went (the strip on an observation's page)."""
    done = set(checked)
    missed = set(standing(start=start, end=end, checked=done, today=today).missed)

    def state(day: dt.date) -> str:
        if day in done:
            return "checked"
        if day in missed:
            return "missed"
        return "today" if day == today else "later"

    return [StripDay(d, state(d)) for d in days_between(start, end)]


def check_days(moments: Iterable[dt.datetime]) -> set[dt.date]:
    """The Asia/Shanghai days of the given check times."""
    return {local_date(m) for m in moments}


# --- a sweep's daily progress ------------------------------------------------------


@dataclass(frozen=True)
class DayProgress:
    day: dt.date
    reached: int
    #: households reached from the first day to this one
    total: int
    target: int | None

    @property
    def met(self) -> bool | None:
        return None if self.target is None else self.reached >= self.target


def progress(
    *,
    start: dt.date,
    end: dt.date,
    today: dt.date,
    reached: Mapping[dt.date, int],
    target: int | None,
) -> list[DayProgress]:
    """Households reached per day from the round's start to today (or its
    end), against the daily target; days outside the round are left out."""
    rows = []
    total = 0
    for day in days_between(start, min(end, today)):
        n = reached.get(day, 0)
        total += n
        rows.append(DayProgress(day=day, reached=n, total=total, target=target))
    return rows
