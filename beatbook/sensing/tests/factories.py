"""Devices and gateways for tests (through the services, so tokens work)."""

from __future__ import annotations

import itertools
from typing import Any

from beatbook.sensing import services
from beatbook.sensing.models import Device, Gateway

_seq = itertools.count(1)


def make_gateway(*, compound: Any, name: str | None = None, **kwargs: Any) -> tuple[Gateway, str]:
    created = services.gateway_create(
        actor=None, name=name or f"gw-{next(_seq)}", compound=compound, **kwargs
    )
    return created.obj, created.token


def make_device(
    *, place: Any, key: str | None = None, kind: str = "door_sensor", **kwargs: Any
) -> tuple[Device, str]:
    created = services.device_create(
        actor=None, key=key or f"dev-{next(_seq)}", kind=kind, place=place, **kwargs
    )
    return created.obj, created.token
