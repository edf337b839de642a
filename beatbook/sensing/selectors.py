"""Every scoped read of devices, gateways and events, from ``visible_to(user)``."""

from __future__ import annotations

from typing import Any

from django.db.models import CharField, Count, OuterRef, Q, QuerySet, Subquery

from beatbook.registry.models import Resident
from beatbook.sensing.models import Device, Event, Gateway

#: events shown on a device's page
RECENT_EVENTS = 20


def device_list(
    *,
    user: Any,
    kind: str | None = None,
    compound: int | None = None,
    building: int | None = None,
    gateway: int | None = None,
    watched: bool | None = None,
    q: str | None = None,
) -> QuerySet[Device]:
    """Devices in the user's jurisdiction, with their gateway and place, and
    the watched person's name when the user may see that person."""
    person_name = Subquery(
        Resident.objects.visible_to(user).filter(pk=OuterRef("person_id")).values("name")[:1],
        output_field=CharField(),
    )
    qs = (
        Device.objects.visible_to(user)
        .select_related("gateway", "compound", "building")
        .annotate(person_name=person_name)
    )
    if kind:
        qs = qs.filter(kind=kind)
    if compound:
        qs = qs.filter(compound_id=compound)
    if building:
        qs = qs.filter(building_id=building)
    if gateway:
        qs = qs.filter(gateway_id=gateway)
    if watched is not None:
        qs = qs.filter(person__isnull=not watched)
    if q:
        qs = qs.filter(Q(key__icontains=q) | Q(name__icontains=q) | Q(address__icontains=q))
    return qs


def device_events(*, user: Any, device: Device, limit: int = RECENT_EVENTS) -> list[Event]:
    """The device's latest events (the device already fetched through device_list)."""
    return list(
        Event.objects.visible_to(user)
        .filter(device=device)
        .order_by("-received_at", "-id")
        .defer("raw")[:limit]
    )


def gateway_list(*, user: Any, compound: int | None = None) -> QuerySet[Gateway]:
    qs = (
        Gateway.objects.visible_to(user)
        .select_related("compound")
        .annotate(device_count=Count("devices"))
        .order_by("name", "id")  # Meta.ordering does not apply to an aggregate
    )
    if compound:
        qs = qs.filter(compound_id=compound)
    return qs
