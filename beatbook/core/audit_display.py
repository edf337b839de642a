"""How an audit entry is shown to the audit administrator and exported.

The audit administrator reads who did what; they are not meant to read
residents' identity numbers, so values under ID-number keys are masked here
(the stored entry and its hash are untouched).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from beatbook.core.models import AuditEntry
from beatbook.registry.idnumbers import mask_id_number

MASKED_KEYS = frozenset({"id_number", "id_numbers"})
_MISSING = object()


def mask_values(value: Any, key: str = "") -> Any:
    """A copy of a JSON value with every ID-number value masked, at any depth."""
    if isinstance(value, Mapping):
        return {k: mask_values(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_values(v, key) for v in value]
    if key in MASKED_KEYS and isinstance(value, str) and value:
        return mask_id_number(value)
    return value


def short(value: Any, limit: int = 60) -> str:
    if value is _MISSING:
        return "∅"
    if value is None:
        return "—"
    if value == "":
        return "“”"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Change:
    key: str
    before: str
    after: str


def changes(entry: AuditEntry) -> list[Change]:
    """One line per key in before ∪ after (keys in order of first appearance)."""
    before = mask_values(entry.before or {})
    after = mask_values(entry.after or {})
    if not isinstance(before, Mapping) or not isinstance(after, Mapping):
        return []
    keys = list(dict.fromkeys([*before, *after]))
    return [Change(k, short(before.get(k, _MISSING)), short(after.get(k, _MISSING))) for k in keys]


def pretty(value: Any) -> str:
    if value in (None, {}, []):
        return ""
    return json.dumps(mask_values(value), ensure_ascii=False, indent=2, sort_keys=True)


@dataclass(frozen=True)
class EntryRow:
    entry: AuditEntry
    changes: list[Change]
    before: str
    after: str
    extra: str


def rows(entries: list[AuditEntry]) -> list[EntryRow]:
    return [
        EntryRow(
            entry=e,
            changes=changes(e),
            before=pretty(e.before),
            after=pretty(e.after),
            extra=pretty(e.extra),
        )
        for e in entries
    ]


CSV_HEADER = (
    "id",
    "time",
    "user",
    "action",
    "object_type",
    "object_id",
    "object",
    "before",
    "after",
    "extra",
    "ip",
    "request_id",
    "hash",
)


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # A leading =, +, - or @ makes spreadsheets evaluate the cell (CSV injection).
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def _compact(value: Any) -> str:
    if value in (None, {}, []):
        return ""
    return json.dumps(mask_values(value), ensure_ascii=False, sort_keys=True)


def csv_row(e: AuditEntry) -> list[str]:
    """One entry as a CSV row (the columns of ``CSV_HEADER``), ID numbers masked."""
    return [
        _cell(v)
        for v in (
            e.pk,
            timezone.localtime(e.at).isoformat(timespec="seconds"),
            e.actor_username,
            e.action,
            e.object_type,
            e.object_id,
            e.object_repr,
            _compact(e.before),
            _compact(e.after),
            _compact(e.extra),
            e.ip,
            e.request_id,
            e.hash,
        )
    ]
