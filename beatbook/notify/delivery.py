"""Sending one job (one HTTP request) on a channel: generic webhook, WeCom and
DingTalk group robots, Web Push. No database access here: the outbox hands
in plain data and records the ``Result``."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import requests

from beatbook.notify import robots, rules

#: seconds to wait for a receiver to accept the connection, then to answer: a
#: hanging receiver holds up the worker's loop for at most this long (jobs of
#: one run are sent in parallel), and fails the attempt
TIMEOUT = (3.05, 5.0)
#: seconds a push service keeps an undelivered message (phone offline): an
#: alert older than this is no longer worth a buzz
PUSH_TTL = 600

_local = threading.local()


def _session() -> requests.Session:
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = requests.Session()
        session.headers["User-Agent"] = "Beatbook-Notify/1"
    return session


@dataclass
class Result:
    ok: bool
    status: int | None = None
    error: str = ""
    retry_after: float | None = None
    #: the recipient no longer exists (push subscription 404/410): drop, don't retry
    gone: bool = False


@dataclass
class Job:
    """One request to make: the messages it carries and where it goes."""

    kind: str
    url: str
    message_ids: list[int]
    payloads: list[dict[str, Any]]
    secret: str = ""
    #: Web Push
    p256dh: str = ""
    auth: str = ""
    vapid_private_pem: str = ""
    vapid_subject: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _failure_from(response: requests.Response, now: dt.datetime) -> Result:
    return Result(
        ok=False,
        status=response.status_code,
        error=f"HTTP {response.status_code}: {response.text[:300]}",
        retry_after=rules.parse_retry_after(response.headers.get("Retry-After"), now),
    )


def _post_json(url: str, body: bytes, headers: dict[str, str], now: dt.datetime) -> Result:
    try:
        response = _session().post(
            url,
            data=body,
            headers={"Content-Type": "application/json; charset=utf-8", **headers},
            timeout=TIMEOUT,
        )
    except requests.RequestException as exc:
        return Result(ok=False, error=f"{type(exc).__name__}: {exc}"[:500])
    if response.status_code >= 300:
        return _failure_from(response, now)
    return Result(ok=True, status=response.status_code)


# --- webhook ------------------------------------------------------------------


def webhook_body(job: Job) -> bytes:
    data = {
        "messages": [{"id": mid, **p} for mid, p in zip(job.message_ids, job.payloads, strict=True)]
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def send_webhook(job: Job, now: dt.datetime) -> Result:
    body = webhook_body(job)
    ts = int(time.time())
    headers = {
        robots.TIMESTAMP_HEADER: str(ts),
        robots.DELIVERY_HEADER: ",".join(str(i) for i in job.message_ids),
    }
    if job.secret:
        headers[robots.SIGNATURE_HEADER] = robots.webhook_signature(job.secret, ts, body)
    return _post_json(job.url, body, headers, now)


# --- robots -------------------------------------------------------------------

STEP_LABELS = {0: "", 1: "⚠ ", 3: "⚠⚠ ", 5: "⛔ "}


def robot_items(payloads: list[dict[str, Any]]) -> list[str]:
    return [
        robots.markdown_item(
            STEP_LABELS.get(int(p.get("step") or 0), "") + str(p.get("title", "")),
            "\n".join(str(x) for x in (p.get("body"), p.get("told_line")) if x),
            str(p.get("link", "")),
        )
        for p in payloads
    ]


def robot_limit(kind: str) -> int:
    return robots.WECOM_MARKDOWN_LIMIT if kind == "wecom" else robots.DINGTALK_MARKDOWN_LIMIT


def _robot_errcode(result: Result, text: str, now: dt.datetime) -> Result:
    """Both robots answer 200 with ``{"errcode": N}``; 0 is success."""
    try:
        data = json.loads(text or "{}")
    except ValueError:
        return result
    code = data.get("errcode", 0) if isinstance(data, dict) else 0
    if code in (0, None):
        return result
    # 45009 (WeCom) and 130101 (DingTalk): too many messages; wait a minute
    retry_after = 60.0 if code in (45009, 130101) else None
    return Result(
        ok=False,
        status=result.status,
        error=f"errcode {code}: {data.get('errmsg', '')}"[:500],
        retry_after=retry_after,
    )


def _post_robot(url: str, data: dict[str, Any], now: dt.datetime) -> Result:
    body = json.dumps(data, ensure_ascii=False).encode()
    try:
        response = _session().post(
            url,
            data=body,
            headers={"Content-Type": "application/json; charset=utf-8"},
            timeout=TIMEOUT,
        )
    except requests.RequestException as exc:
        return Result(ok=False, error=f"{type(exc).__name__}: {exc}"[:500])
    if response.status_code >= 300:
        return _failure_from(response, now)
    return _robot_errcode(Result(ok=True, status=response.status_code), response.text, now)


def wecom_body(payloads: list[dict[str, Any]]) -> dict[str, Any]:
    text, _ = robots.join_within(robot_items(payloads), robots.WECOM_MARKDOWN_LIMIT)
    return {"msgtype": "markdown", "markdown": {"content": text}}


def dingtalk_body(payloads: list[dict[str, Any]]) -> dict[str, Any]:
    text, _ = robots.join_within(robot_items(payloads), robots.DINGTALK_MARKDOWN_LIMIT)
    title = str(payloads[0].get("title", "Beatbook"))[:60]
    if len(payloads) > 1:
        title = f"{title} (+{len(payloads) - 1})"
    return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}


def send_wecom(job: Job, now: dt.datetime) -> Result:
    return _post_robot(job.url, wecom_body(job.payloads), now)


def send_dingtalk(job: Job, now: dt.datetime) -> Result:
    url = robots.dingtalk_url(job.url, job.secret, int(time.time() * 1000))
    return _post_robot(url, dingtalk_body(job.payloads), now)


# --- Web Push -----------------------------------------------------------------


def push_data(payload: dict[str, Any]) -> str:
    """What the service worker shows (kept small: push services cap ~4 KB)."""
    data = {
        "title": str(payload.get("title", ""))[:120],
        "body": str(payload.get("body", ""))[:300],
        "url": payload.get("url", ""),
        "tag": f"page-{payload.get('page')}" if payload.get("page") else "beatbook",
        "kind": payload.get("kind", ""),
        "severity": payload.get("severity", ""),
    }
    return json.dumps(data, ensure_ascii=False)


def send_webpush(job: Job, now: dt.datetime) -> Result:
    from py_vapid import Vapid
    from pywebpush import WebPushException, webpush

    try:
        vapid = Vapid.from_pem(job.vapid_private_pem.encode())
        response = webpush(
            {"endpoint": job.url, "keys": {"p256dh": job.p256dh, "auth": job.auth}},
            data=push_data(job.payloads[0]),
            vapid_private_key=vapid,
            vapid_claims={"sub": job.vapid_subject},
            ttl=PUSH_TTL,
            headers={"Urgency": "high", "Topic": f"page{job.payloads[0].get('page') or 0}"},
            timeout=TIMEOUT,
            requests_session=_session(),
        )
    except WebPushException as exc:
        response = exc.response
        if response is None:
            return Result(ok=False, error=str(exc)[:500])
    except (requests.RequestException, ValueError) as exc:
        return Result(ok=False, error=f"{type(exc).__name__}: {exc}"[:500])
    assert not isinstance(response, str)
    if response.status_code in (404, 410):
        return Result(ok=False, status=response.status_code, error="subscription gone", gone=True)
    if response.status_code >= 300:
        return _failure_from(response, now)
    return Result(ok=True, status=response.status_code)


SENDERS = {
    "webhook": send_webhook,
    "wecom": send_wecom,
    "dingtalk": send_dingtalk,
    "webpush": send_webpush,
}


def send(job: Job, now: dt.datetime) -> Result:
    try:
        return SENDERS[job.kind](job, now)
    except Exception as exc:  # a bug or odd data must not stop the other jobs
        return Result(ok=False, error=f"{type(exc).__name__}: {exc}"[:500])
