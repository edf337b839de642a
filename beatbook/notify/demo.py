"""Demo notification setup (``beatbook demo``, after the registry demo).

- the ``duty`` user (值班民警): a community officer of the demo station
  assigned to every beat of the station, so the duty officer sees every
  alert the station has (an officer's scope is their beats); the 1-3-5
  policy leaves them out of step 0 and tells them at step 1;
- the station's 1-3-5 policy naming ``duty`` (1, 3 and 5 minutes);
- a webhook channel (e.g. for an SMS gateway) pointing at the local discard
  port, disabled: the administrator sets its address and enables it.

Idempotent: rerunning changes nothing but the password.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from beatbook.accounts import services as account_services
from beatbook.accounts.models import Role, User
from beatbook.core import audit
from beatbook.notify.models import Channel, ChannelKind, StationPolicy
from beatbook.registry.demo import STATION
from beatbook.registry.models import Beat, Station

DUTY = "duty"
DEMO_ACTION = "notify.demo_load"
DUTY_NAME = "孙值班"
WEBHOOK_NAME = "短信网关（示例）"
WEBHOOK_URL = "http://127.0.0.1:9/beatbook-demo-webhook"


def ensure_duty(*, password: str | None) -> tuple[User, str] | None:
    """The duty user and the station policy naming them; (user, password)."""
    station = Station.objects.filter(name=STATION).first()
    if station is None:
        return None
    with transaction.atomic():
        user = User.objects.filter(username=DUTY).first()
        if user is None:
            user = User(username=DUTY, role=Role.OFFICER, display_name=DUTY_NAME, station=station)
            user.set_unusable_password()
            user.save()
            audit.record(actor=None, action=DEMO_ACTION, obj=user, extra={"created": "duty"})
        user.beats.set(Beat.objects.filter(station=station))
        policy, created = StationPolicy.objects.get_or_create(
            station=station, defaults={"duty_officer": user}
        )
        if created:
            audit.record(
                actor=None, action="notify.policy_update", obj=policy, after={"duty": DUTY}
            )
        if not Channel.objects.filter(station=station, name=WEBHOOK_NAME).exists():
            channel = Channel.objects.create(
                station=station,
                name=WEBHOOK_NAME,
                kind=ChannelKind.WEBHOOK,
                url=WEBHOOK_URL,
                secret="demo-secret-change-me",  # noqa: S106 (a placeholder, disabled)
                enabled=False,
            )
            audit.record(actor=None, action=DEMO_ACTION, obj=channel)
        result = account_services.user_set_password(actor=None, user=user, password=password or "")
    return user, result.password


def load(*, password: str | None, result: Any) -> None:
    done = ensure_duty(password=password)
    if done is not None:
        user, pw = done
        result.logins.append((user.username, pw, user.role))
