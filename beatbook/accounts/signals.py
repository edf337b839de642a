"""Logins, logouts and failed logins go to the audit log (MLPS level 3 asks
for who signed in, when and from where)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from beatbook.core import audit


@receiver(user_logged_in, dispatch_uid="beatbook.audit.login")
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit.record(actor=user, action="auth.login", obj=user)


@receiver(user_logged_out, dispatch_uid="beatbook.audit.logout")
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit.record(actor=user, action="auth.logout", obj=user)


@receiver(user_login_failed, dispatch_uid="beatbook.audit.login_failed")
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    # the username tried, never the password (credentials are already cleansed)
    audit.record(
        actor=None,
        action="auth.login_failed",
        extra={"username": str(credentials.get("username", ""))[:150]},
    )
