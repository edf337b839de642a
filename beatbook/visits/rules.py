"""Date rules and talking points of the visits app (no Django).

Days are days in Asia/Shanghai: a follow-up due on the 10th is overdue from
00:00 Asia/Shanghai on the 11th, whatever the server's zone.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("Asia/Shanghai")

#: how long the author of a visit may still change it
EDIT_WINDOW = dt.timedelta(hours=24)


def local_date(moment: dt.datetime) -> dt.date:
    """The Asia/Shanghai date of an aware moment."""
    if moment.tzinfo is None:
        raise ValueError("an aware datetime is needed")
    return moment.astimezone(ZONE).date()


def as_aware(moment: dt.datetime) -> dt.datetime:
    """A time without a zone is Asia/Shanghai time."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=ZONE)


def overdue_from(due_date: dt.date) -> dt.datetime:
    """The moment a follow-up due on ``due_date`` becomes overdue."""
    return dt.datetime.combine(due_date + dt.timedelta(days=1), dt.time(0), tzinfo=ZONE)


def is_overdue(due_date: dt.date, now: dt.datetime) -> bool:
    return now >= overdue_from(due_date)


def editable_until(created_at: dt.datetime) -> dt.datetime:
    return created_at + EDIT_WINDOW


def care_due(*, last_visited: dt.date | None, since: dt.date | None, every_days: int) -> dt.date:
    """The date by which a household on the care list is next to be visited:
    ``every_days`` after the last visit, or from joining the list when never visited."""
    if last_visited is not None:
        return last_visited + dt.timedelta(days=every_days)
    return since or dt.date.min


def care_lapsed(
    *, last_visited: dt.date | None, since: dt.date | None, every_days: int, today: dt.date
) -> bool:
    return today > care_due(last_visited=last_visited, since=since, every_days=every_days)


def evening_window(
    day: dt.date, start: dt.time = dt.time(17), end: dt.time = dt.time(21)
) -> tuple[dt.datetime, dt.datetime]:
    """Tonight's plan's window as aware moments (ends past midnight roll over)."""
    begins = dt.datetime.combine(day, start, tzinfo=ZONE)
    ends = dt.datetime.combine(day, end, tzinfo=ZONE)
    if ends <= begins:
        ends += dt.timedelta(days=1)
    return begins, ends


# --- talking points ------------------------------------------------------------------

_CLAUSE = re.compile(r"[。；;！!？?\n]+|[，,]\s*(?=[^，,]{6,})")
MAX_CLAUSE = 40


@dataclass(frozen=True)
class PastVisit:
    """What a talking point is drawn from: one earlier visit."""

    day: dt.date
    outcome: str
    notes: str
    tags: Sequence[str]


@dataclass(frozen=True)
class TalkingPoint:
    """``kind`` 'said' (what was heard on ``day``) or 'tag' (a topic raised on ``day``)."""

    kind: str
    day: dt.date
    text: str = ""
    tag: str = ""


def clauses(notes: str) -> list[str]:
    """The notes cut into short clauses (Chinese or Western punctuation)."""
    parts = [p.strip(" 　、,，.") for p in _CLAUSE.split(notes or "")]
    return [p if len(p) <= MAX_CLAUSE else p[: MAX_CLAUSE - 1] + "…" for p in parts if p]


def talking_points(
    visits: Iterable[PastVisit], *, max_visits: int = 3, max_points: int = 6
) -> list[TalkingPoint]:
    """Points to pick up on the next visit, newest first: what was said on the
    last few visits with notes, and each topic tag once (its latest mention)."""
    points: list[TalkingPoint] = []
    seen_text: set[str] = set()
    seen_tags: set[str] = set()
    with_notes = 0
    for visit in sorted(visits, key=lambda v: v.day, reverse=True):
        for tag in visit.tags:
            if tag not in seen_tags:
                seen_tags.add(tag)
                points.append(TalkingPoint(kind="tag", day=visit.day, tag=tag))
        if with_notes >= max_visits:
            continue
        said = [c for c in clauses(visit.notes) if c not in seen_text]
        if said:
            with_notes += 1
            seen_text.update(said)
            points.append(TalkingPoint(kind="said", day=visit.day, text="；".join(said[:3])))
    said_points = [p for p in points if p.kind == "said"]
    tag_points = [p for p in points if p.kind == "tag"]
    return (said_points + tag_points)[:max_points]


def age_on(birth_date: dt.date | None, day: dt.date) -> int | None:
    if birth_date is None:
        return None
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))
