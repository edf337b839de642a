"""Signing and formatting for webhooks and chat robots (pure, no Django).

- generic webhook: ``X-Beatbook-Signature: sha256=<hex HMAC-SHA256(secret, "<ts>.<body>")>``
  with ``X-Beatbook-Timestamp: <ts>`` (Unix seconds), like Stripe/GitHub signatures;
- DingTalk custom robot: ``timestamp`` (ms) and ``sign`` = urlencode(base64(
  HMAC-SHA256(secret, "<timestamp>\\n<secret>"))) added to the webhook URL;
- WeCom group robot: markdown content at most 4096 bytes (UTF-8), text 2048 bytes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import urllib.parse
from collections.abc import Sequence

WECOM_TEXT_LIMIT = 2048
WECOM_MARKDOWN_LIMIT = 4096
#: DingTalk documents no hard byte limit for markdown; 20,000 bytes are
#: accepted, and long messages are unreadable on a phone anyway
DINGTALK_MARKDOWN_LIMIT = 4096
#: both robots accept 20 messages a minute each
ROBOT_PER_MINUTE = 20

SIGNATURE_HEADER = "X-Beatbook-Signature"
TIMESTAMP_HEADER = "X-Beatbook-Timestamp"
DELIVERY_HEADER = "X-Beatbook-Delivery"


def webhook_signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify_webhook(
    secret: str, timestamp: int, body: bytes, signature: str, *, now: int, tolerance: int = 300
) -> bool:
    """What a receiver does: the signature matches and the timestamp is fresh."""
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(webhook_signature(secret, timestamp, body), signature)


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's ``sign`` parameter (already URL-encoded)."""
    string_to_sign = f"{timestamp_ms}\n{secret}".encode()
    mac = hmac.new(secret.encode(), string_to_sign, hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(mac))


def dingtalk_url(url: str, secret: str, timestamp_ms: int) -> str:
    """The robot's webhook URL with ``timestamp`` and ``sign`` appended (when signed)."""
    if not secret:
        return url
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}timestamp={timestamp_ms}&sign={dingtalk_sign(secret, timestamp_ms)}"


def truncate_bytes(text: str, limit: int, ellipsis: str = "…") -> str:
    """``text`` cut so its UTF-8 form fits ``limit`` bytes (never mid-character)."""
    data = text.encode()
    if len(data) <= limit:
        return text
    room = limit - len(ellipsis.encode())
    return data[: max(0, room)].decode("utf-8", errors="ignore") + ellipsis


def join_within(parts: Sequence[str], limit: int, separator: str = "\n\n") -> tuple[str, int]:
    """Join as many leading ``parts`` as fit ``limit`` bytes; (text, how many).

    The first part is always taken (truncated if it alone is too long).
    """
    if not parts:
        return "", 0
    text = truncate_bytes(parts[0], limit)
    taken = 1
    for part in parts[1:]:
        candidate = text + separator + part
        if len(candidate.encode()) > limit:
            break
        text = candidate
        taken += 1
    return text, taken


def markdown_item(title: str, body: str, url: str) -> str:
    line = f"**{title}**"
    if body:
        line += f"\n{body}"
    if url:
        line += f"\n[{url}]({url})"
    return line
