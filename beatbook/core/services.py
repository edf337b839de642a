"""Writes of the core app: the audit log's own checks."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from beatbook.core import audit
from beatbook.core.scoping import scope_of


def audit_chain_verify(*, actor: Any) -> audit.VerifyResult:
    """Walk the audit chain and record that it was checked, with the outcome.

    Not one transaction: the walk only reads (and may take long on a big log);
    the entry recording it is appended atomically by ``audit.record``.
    """
    if not scope_of(actor).reads_audit:
        raise PermissionDenied(_("Only the audit administrator can read the audit log."))
    result = audit.verify()
    audit.record(
        actor=actor,
        action="audit.verify",
        object_type="core.auditentry",
        extra={"ok": result.ok, "checked": result.checked, "broken_id": result.broken_id},
    )
    return result
