"""Web Push: the server's VAPID keys (generated on first use) and the
public key browsers subscribe with."""

from __future__ import annotations

import base64
import functools
import os

from django.conf import settings
from django.db import IntegrityError, transaction

from beatbook.notify.models import PushKeys


def _generate() -> tuple[str, str]:
    from cryptography.hazmat.primitives import serialization
    from py_vapid import Vapid

    vapid = Vapid()
    vapid.generate_keys()
    private_pem = vapid.private_pem().decode()
    raw = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    public = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    return private_pem, public


@functools.lru_cache(maxsize=1)
def _cached() -> tuple[str, str]:
    row = PushKeys.objects.order_by("pk").first()
    if row is None:
        private_pem, public = _generate()
        try:
            with transaction.atomic():
                # pk 1: two processes generating at once keep the first one's keys
                PushKeys.objects.create(pk=1, private_pem=private_pem, public_key=public)
        except IntegrityError:
            pass
        row = PushKeys.objects.order_by("pk").first()
        assert row is not None
    return row.private_pem, row.public_key


def vapid_keys() -> tuple[str, str]:
    """(private key PEM, public key as the browser's applicationServerKey)."""
    return _cached()


def forget_keys() -> None:
    _cached.cache_clear()


def vapid_subject() -> str:
    """The contact push services may use (``sub`` claim)."""
    return str(
        getattr(settings, "NOTIFY_VAPID_SUBJECT", "")
        or os.environ.get("BEATBOOK_VAPID_SUBJECT", "")
        or "mailto:beatbook@localhost"
    )
