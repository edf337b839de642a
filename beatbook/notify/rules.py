"""Pure arithmetic of the 1-3-5 escalation and of outbox retries (no Django)."""

from __future__ import annotations

import datetime as dt
import email.utils
from dataclasses import dataclass

#: the steps after the first, in order: 1 duty officer, 3 chief, 5 breach
STEPS = (1, 3, 5)


@dataclass(frozen=True)
class Delays:
    """Seconds after opening at which steps 1, 3 and 5 fall due."""

    duty: int = 60
    chief: int = 180
    breach: int = 300

    def of(self, step: int) -> int:
        return {1: self.duty, 3: self.chief, 5: self.breach}[step]


def next_step(step: int) -> int | None:
    """The step after ``step`` (0 → 1 → 3 → 5 → None)."""
    for candidate in STEPS:
        if candidate > step:
            return candidate
    return None


def due_at(opened_at: dt.datetime, step: int, delays: Delays) -> dt.datetime | None:
    """When the step after ``step`` falls due, or None after the last."""
    following = next_step(step)
    if following is None:
        return None
    return opened_at + dt.timedelta(seconds=delays.of(following))


def steps_due(opened_at: dt.datetime, step: int, delays: Delays, now: dt.datetime) -> list[int]:
    """Every step past ``step`` already due at ``now`` (several after a worker outage)."""
    out: list[int] = []
    current = step
    while True:
        following = next_step(current)
        if following is None:
            return out
        if opened_at + dt.timedelta(seconds=delays.of(following)) > now:
            return out
        out.append(following)
        current = following


# --- retries ----------------------------------------------------------------

BACKOFF_BASE = 10.0  # seconds before the first retry
BACKOFF_CAP = 3600.0  # never wait longer than an hour between attempts
RETRY_AFTER_CAP = 6 * 3600.0  # a receiver asking for more than this is capped


def backoff(attempts: int, *, base: float = BACKOFF_BASE, cap: float = BACKOFF_CAP) -> float:
    """Seconds to wait after the ``attempts``-th failed attempt (1, 2, …): exponential."""
    return min(cap, base * (2 ** max(0, attempts - 1)))


def parse_retry_after(value: str | None, now: dt.datetime) -> float | None:
    """``Retry-After`` as seconds from ``now``: delay-seconds or an HTTP date."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return min(float(text), RETRY_AFTER_CAP)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return min(max(0.0, (when - now).total_seconds()), RETRY_AFTER_CAP)


def retry_delay(attempts: int, retry_after: float | None) -> float:
    """The wait before the next attempt: the backoff, or longer if the receiver asked."""
    delay = backoff(attempts)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay
