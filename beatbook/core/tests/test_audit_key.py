"""The audit chain is keyed: rewriting it needs the server's key."""

from __future__ import annotations

import hashlib
import json

from django.test import override_settings

from beatbook.core import audit
from beatbook.core.models import AuditChainHead, AuditEntry
from beatbook.core.tests.utils import audit_log_writable


def _write_three(world) -> list[AuditEntry]:
    return [audit.record(actor=world.sysadmin, action="test.entry", object_id=n) for n in range(3)]


def test_rewriting_the_chain_without_the_key_is_found(world) -> None:
    entries = _write_three(world)
    # An intruder with database access alters the middle entry and recomputes
    # every later hash with a plain (unkeyed) SHA-256, then fixes the head row.
    prev = entries[0].hash
    with audit_log_writable():
        for entry in entries[1:]:
            entry.refresh_from_db()
            entry.object_repr = "altered" if entry.pk == entries[1].pk else entry.object_repr
            entry.prev_hash = prev
            fields = audit._hashed_fields(entry)
            payload = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
            entry.hash = hashlib.sha256(payload.encode()).hexdigest()
            AuditEntry.objects.filter(pk=entry.pk).update(
                object_repr=entry.object_repr, prev_hash=entry.prev_hash, hash=entry.hash
            )
            prev = entry.hash
    AuditChainHead.objects.filter(pk=1).update(last_hash=prev)
    result = audit.verify()
    assert not result.ok
    assert result.broken_id == entries[1].pk


def test_a_rotated_key_still_verifies_with_the_old_one_as_fallback(world) -> None:
    with override_settings(AUDIT_KEY="old-key-0123456789", AUDIT_KEY_FALLBACKS=[]):
        _write_three(world)
    with override_settings(
        AUDIT_KEY="new-key-0123456789", AUDIT_KEY_FALLBACKS=["old-key-0123456789"]
    ):
        _write_three(world)
        assert audit.verify().ok
    with override_settings(AUDIT_KEY="new-key-0123456789", AUDIT_KEY_FALLBACKS=[]):
        result = audit.verify()
        assert not result.ok
        assert result.reason.startswith("content does not match")
