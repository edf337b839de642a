"""Test helpers for the audit log."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection

from beatbook.core.models import AuditEntry


def last_entry() -> AuditEntry:
    """The newest audit entry."""
    return AuditEntry.objects.order_by("-id").first()  # type: ignore[return-value]


@contextmanager
def audit_log_writable() -> Iterator[None]:
    """Let a test alter audit rows by hand (to simulate tampering).

    On PostgreSQL the append-only trigger refuses that; ALTER TABLE is
    transactional there, so disabling it inside the test's transaction is
    undone when the test's transaction rolls back.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        # run the deferred foreign-key checks first: ALTER TABLE refuses a
        # table with pending trigger events
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE core_auditentry DISABLE TRIGGER core_auditentry_append_only")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE core_auditentry ENABLE TRIGGER core_auditentry_append_only")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def login_without_audit(client: Any, user: Any) -> Any:
    """Log a test client in without the auth.login audit entry, for tests that
    count the entries they make themselves."""
    from django.contrib.auth.signals import user_logged_in

    from beatbook.accounts.signals import _logged_in

    user_logged_in.disconnect(_logged_in, dispatch_uid="beatbook.audit.login")
    try:
        client.force_login(user)
    finally:
        user_logged_in.connect(_logged_in, dispatch_uid="beatbook.audit.login")
    return client
