"""Writing and verifying the audit log.

``record()`` is called by every service that changes data and by every read
of a sensitive record; it must run inside the caller's transaction so the
entry commits (or rolls back) with the change it describes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from beatbook.core import context
from beatbook.core.models import AuditChainHead, AuditEntry

GENESIS = "0" * 64


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, set | frozenset):
        return sorted(value)
    return str(value)


def jsonable(value: Any) -> Any:
    """Make before/after values JSON-storable (dates become ISO strings)."""
    if value is None:
        return None
    return json.loads(json.dumps(value, default=_json_default, ensure_ascii=False))


def _chain_keys() -> list[bytes]:
    """The keys entries are hashed with: AUDIT_KEY (else SECRET_KEY) first,
    then the fallbacks, so entries written before a key rotation still verify.

    A keyed hash (HMAC-SHA256) means that someone who can write to the
    database but does not hold the server's key cannot recompute the chain
    after altering a row.
    """
    secrets = [settings.AUDIT_KEY or settings.SECRET_KEY, *settings.AUDIT_KEY_FALLBACKS]
    if not settings.AUDIT_KEY:
        secrets += list(getattr(settings, "SECRET_KEY_FALLBACKS", []))
    return [hashlib.sha256(f"beatbook-audit-chain:{s}".encode()).digest() for s in secrets if s]


def _payload(fields: Mapping[str, Any]) -> bytes:
    text = json.dumps(
        fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_json_default
    )
    return text.encode("utf-8")


def _hmac(key: bytes, payload: bytes) -> str:
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def entry_digest(fields: Mapping[str, Any]) -> str:
    """HMAC-SHA256 of an entry's content under the current chain key."""
    return _hmac(_chain_keys()[0], _payload(fields))


def _digest_matches(fields: Mapping[str, Any], expected: str, keys: list[bytes]) -> bool:
    """Whether the entry was hashed under one of ``keys`` (current or fallback)."""
    payload = _payload(fields)
    return any(hmac.compare_digest(_hmac(k, payload), expected) for k in keys)


def _hashed_fields(entry: AuditEntry) -> dict[str, Any]:
    at = entry.at.astimezone(dt.UTC) if entry.at.tzinfo else entry.at
    return {
        "prev_hash": entry.prev_hash,
        "at": at.strftime("%Y-%m-%dT%H:%M:%S.%f"),
        "actor_id": entry.actor_id,
        "actor_username": entry.actor_username,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "before": entry.before,
        "after": entry.after,
        "extra": entry.extra,
        "request_id": entry.request_id,
        "ip": entry.ip,
    }


def record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    object_repr: str = "",
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the audit chain (inside the caller's transaction)."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        object_repr = object_repr or str(obj)
    ctx = context.current()
    with transaction.atomic():
        head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            head, _ = AuditChainHead.objects.get_or_create(pk=1, defaults={"last_hash": GENESIS})
        # Truncate to microseconds in UTC so the digest is the same after a round trip.
        entry = AuditEntry(
            at=timezone.now().astimezone(dt.UTC),
            actor=actor if getattr(actor, "pk", None) else None,
            actor_username=getattr(actor, "username", "") or "system",
            action=action,
            object_type=object_type,
            object_id=str(object_id) if object_id != "" else "",
            object_repr=str(object_repr)[:255],
            before=jsonable(dict(before)) if before is not None else None,
            after=jsonable(dict(after)) if after is not None else None,
            extra=jsonable(dict(extra or {})),
            request_id=ctx.request_id,
            ip=ctx.ip,
            prev_hash=head.last_hash,
        )
        entry.hash = entry_digest(_hashed_fields(entry))
        entry.save(force_insert=True)
        head.last_hash = entry.hash
        head.last_id = entry.pk
        head.save(update_fields=["last_hash", "last_id"])
    return entry


def diff(
    before: Mapping[str, Any], after: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Keep only the keys whose values changed."""
    keys = [k for k in after if jsonable(before.get(k)) != jsonable(after.get(k))]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    broken_id: int | None = None
    reason: str = ""


def verify(entries: Iterable[AuditEntry] | None = None) -> VerifyResult:
    """Walk the chain in id order; report the first entry that does not fit."""
    if entries is None:
        entries = AuditEntry.objects.order_by("id").iterator(chunk_size=2000)
    prev = GENESIS
    checked = 0
    keys = _chain_keys()
    for entry in entries:
        if entry.prev_hash != prev:
            return VerifyResult(
                False,
                checked,
                entry.pk,
                "previous-hash link broken (an entry before it was removed or altered)",
            )
        if not _digest_matches(_hashed_fields(entry), entry.hash, keys):
            return VerifyResult(
                False, checked, entry.pk, "content does not match its hash (entry altered)"
            )
        prev = entry.hash
        checked += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    # also when no entry is left: an emptied log must not verify
    if head is not None and head.last_hash != prev:
        return VerifyResult(
            False, checked, None, "the newest entries were removed (chain head does not match)"
        )
    return VerifyResult(True, checked)
