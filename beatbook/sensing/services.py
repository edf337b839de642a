"""Every write to gateways and devices: atomic, scope-checked, audited.

Who may add and change them: the beat's officers and the station chief, for
places in their communities (``actor=None`` is the command line, which may
do anything). A device may watch a resident only if the actor may see that
resident. The system administrator configures users and stations but sees
no residents nor their sensors, so adds none.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from beatbook.core import audit
from beatbook.core.scoping import scope_of
from beatbook.registry import addresses
from beatbook.registry.models import Building, Compound, Entrance, Flat, Resident
from beatbook.sensing import ingest, parsing
from beatbook.sensing.models import (
    Device,
    DeviceKind,
    Gateway,
    GatewayKind,
    PlaceLevel,
    hash_token,
    new_token,
    place_address,
)

Place = Flat | Entrance | Building | Compound
MANAGING_ROLES = frozenset({"officer", "chief"})


def _require_manager(actor: Any, compound: Compound) -> None:
    if actor is None:
        return
    scope = scope_of(actor)
    if scope.role not in MANAGING_ROLES or compound.community_id not in scope.community_ids:
        raise PermissionDenied(_("Devices can be managed only inside your own jurisdiction."))


def may_manage(actor: Any) -> bool:
    """Whether the actor may add devices and gateways anywhere at all."""
    scope = scope_of(actor)
    return scope.role in MANAGING_ROLES and bool(scope.community_ids)


# --- places by standard address ----------------------------------------------


def _compounds_prefixing(address: str, actor: Any) -> list[Compound]:
    prefixes = [address[:i] for i in range(1, len(address) + 1)]
    qs = Compound.objects.visible_to(actor) if actor is not None else Compound.objects.all()
    return sorted(qs.filter(name__in=prefixes), key=lambda c: -len(c.name))


def _one(found: list[Any], level: str, address: str) -> Any:
    if not found:
        message = {
            "flat": _("No flat has the address %(address)s."),
            "entrance": _("No entrance at %(address)s."),
            "building": _("No building at %(address)s."),
            "compound": _("No compound named %(address)s."),
        }[level]
        raise ValidationError({"address": message % {"address": address}})
    if len(found) > 1:
        raise ValidationError(
            {"address": _("%(address)s names more than one place.") % {"address": address}}
        )
    return found[0]


def _buildings_prefixing(buildings: Any, rest: str) -> list[tuple[Building, str]]:
    out = []
    for building in buildings:
        labels = {building.label, addresses.building_label(building.number), building.number}
        for label in sorted(labels, key=len, reverse=True):  # '6号楼' before '6'
            if label and rest.startswith(label):
                out.append((building, rest[len(label) :]))
                break
    return out


def find_place(level: str, address: str, *, actor: Any = None) -> Place:
    """The flat, entrance, building or compound named by its standard address:
    a flat's own address ('富贵佳园6号楼2单元301'), '富贵佳园6号楼2单元',
    '富贵佳园6号楼' or '富贵佳园'. Only places the actor sees are found."""
    address = addresses.clean_text(address).replace(" ", "")
    if not address:
        raise ValidationError({"address": _("An address is required.")})
    if level == PlaceLevel.FLAT:
        qs = Flat.objects.visible_to(actor) if actor is not None else Flat.objects.all()
        return _one(list(qs.filter(address=address)[:2]), level, address)
    compounds = _compounds_prefixing(address, actor)
    if level == PlaceLevel.COMPOUND:
        return _one([c for c in compounds if c.name == address], level, address)
    visible = Building.objects.visible_to(actor) if actor is not None else Building.objects.all()
    found: list[Any] = []
    for compound in compounds:
        rest = address[len(compound.name) :]
        buildings = list(visible.filter(compound=compound))
        if level == PlaceLevel.BUILDING:
            number = addresses.normalize_building_number(rest)
            found += [b for b in buildings if b.number == number]
            found += [b for b, tail in _buildings_prefixing(buildings, rest) if not tail]
        elif level == PlaceLevel.ENTRANCE:
            for building, tail in _buildings_prefixing(buildings, rest):
                number = addresses.normalize_entrance_number(tail)
                found += list(building.entrances.filter(number=number))
        else:
            raise ValidationError({"level": _("Unknown place level.")})
    unique = list({p.pk: p for p in found}.values())
    return _one(unique, level, address)


# --- gateways ----------------------------------------------------------------

GATEWAY_FIELDS = ("name", "compound_id", "kind", "event_type_map", "active")


@dataclass(frozen=True)
class Created:
    obj: Any
    token: str


def gateway_create(
    *,
    actor: Any,
    name: str,
    compound: Compound,
    kind: str = GatewayKind.GENERIC,
    event_type_map: dict[str, str] | None = None,
) -> Created:
    """A new gateway and its secret (returned once, stored hashed)."""
    _require_manager(actor, compound)
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationError({"name": _("A name of 1 to 100 characters is required.")})
    if kind not in GatewayKind.values:
        raise ValidationError({"kind": _("Unknown gateway kind.")})
    try:
        mapping = parsing.clean_vendor_map(event_type_map or {})
    except parsing.InvalidInput as exc:
        raise ValidationError({"event_type_map": str(exc)}) from exc
    token = new_token()
    gateway = Gateway(
        name=name,
        compound=compound,
        kind=kind,
        event_type_map=mapping,
        token_hash=hash_token(token),
    )
    try:
        with transaction.atomic():
            gateway.save()
            audit.record(
                actor=actor,
                action="gateway.create",
                obj=gateway,
                after={f: getattr(gateway, f) for f in GATEWAY_FIELDS},
            )
    except IntegrityError as exc:
        raise ValidationError({"name": _("A gateway with this name already exists.")}) from exc
    return Created(gateway, token)


def gateway_update(
    *,
    actor: Any,
    gateway: Gateway,
    event_type_map: dict[str, str] | None = None,
    active: bool | None = None,
) -> Gateway:
    """Change a gateway's vendor mapping (an administrator extends it) or switch it off."""
    _require_manager(actor, gateway.compound)
    before = {f: getattr(gateway, f) for f in GATEWAY_FIELDS}
    if event_type_map is not None:
        try:
            gateway.event_type_map = parsing.clean_vendor_map(event_type_map)
        except parsing.InvalidInput as exc:
            raise ValidationError({"event_type_map": str(exc)}) from exc
    if active is not None:
        gateway.active = active
    after = {f: getattr(gateway, f) for f in GATEWAY_FIELDS}
    before, after = audit.diff(before, after)
    if after:
        with transaction.atomic():
            gateway.save()
            audit.record(
                actor=actor, action="gateway.update", obj=gateway, before=before, after=after
            )
        transaction.on_commit(ingest.forget)
    return gateway


def gateway_map_vendor(*, actor: Any, gateway: Gateway, vendor: str, type: str | None) -> Gateway:
    """Map one vendor event name onto the vocabulary (``type=None`` removes it)."""
    mapping = dict(gateway.event_type_map)
    if type is None:
        mapping.pop(vendor, None)
    else:
        mapping[vendor.strip()] = type
    return gateway_update(actor=actor, gateway=gateway, event_type_map=mapping)


def _rotate_token(actor: Any, obj: Gateway | Device, action: str) -> str:
    _require_manager(actor, obj.compound)
    token = new_token()
    with transaction.atomic():
        type(obj).objects.filter(pk=obj.pk).update(token_hash=hash_token(token))
        audit.record(actor=actor, action=action, obj=obj)
    transaction.on_commit(ingest.forget)
    return token


def gateway_rotate_token(*, actor: Any, gateway: Gateway) -> str:
    """A new secret for the gateway (the old one stops working)."""
    return _rotate_token(actor, gateway, "gateway.rotate_token")


# --- devices -----------------------------------------------------------------

DEVICE_FIELDS = (
    "key",
    "kind",
    "name",
    "level",
    "address",
    "person_id",
    "absence_window",
    "heartbeat_window",
    "gateway_id",
    "channel",
    "active",
)


def _clean_window(value: Any, field: str) -> dt.timedelta | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.timedelta):
        if value <= dt.timedelta(0):
            raise ValidationError({field: _("The window must be positive.")})
        return value
    try:
        return parsing.parse_duration(str(value))
    except parsing.InvalidInput as exc:
        raise ValidationError({field: _("Write a duration such as 30s, 30m, 24h or 1d.")}) from exc


def _place_fields(place: Place) -> dict[str, Any]:
    if isinstance(place, Flat):
        return {
            "level": PlaceLevel.FLAT,
            "flat": place,
            "entrance": None,
            "building": place.building,
            "compound": place.building.compound,
        }
    if isinstance(place, Entrance):
        return {
            "level": PlaceLevel.ENTRANCE,
            "flat": None,
            "entrance": place,
            "building": place.building,
            "compound": place.building.compound,
        }
    if isinstance(place, Building):
        return {
            "level": PlaceLevel.BUILDING,
            "flat": None,
            "entrance": None,
            "building": place,
            "compound": place.compound,
        }
    return {
        "level": PlaceLevel.COMPOUND,
        "flat": None,
        "entrance": None,
        "building": None,
        "compound": place,
    }


def _may_watch(actor: Any, person: Resident | None) -> bool:
    """Whether the actor may have a device watch this person (one they see)."""
    if person is None or actor is None:
        return True
    return Resident.objects.visible_to(actor).filter(pk=person.pk).exists()


def device_create(
    *,
    actor: Any,
    key: str,
    kind: str,
    place: Place,
    name: str = "",
    person: Resident | None = None,
    absence_window: Any = None,
    heartbeat_window: Any = None,
    gateway: Gateway | None = None,
    channel: int | None = None,
) -> Created:
    """A new device and its secret (returned once, stored hashed)."""
    fields = _place_fields(place)
    compound: Compound = fields["compound"]
    _require_manager(actor, compound)
    if actor is not None and fields["building"] is not None:
        scope = scope_of(actor)
        if not scope.covers_building(fields["building"].pk, compound.community_id):
            raise PermissionDenied(_("This place is outside your jurisdiction."))
    key = (key or "").strip()
    errors: dict[str, str] = {}
    if not key or len(key) > 100 or "/" in key or "+" in key or "#" in key:
        errors["key"] = _("A key of 1 to 100 characters without / + # is required.")
    if kind not in DeviceKind.values:
        errors["kind"] = _("Unknown device kind.")
    if not _may_watch(actor, person):
        errors["person"] = _("No such resident in your jurisdiction.")
    if gateway is None and channel is not None:
        errors["gateway"] = _("A channel needs a gateway.")
    if gateway is not None:
        if gateway.compound_id != compound.pk:
            errors["gateway"] = _("The gateway serves another compound.")
        if channel is not None and (channel < 0 or channel > 1_000_000):
            errors["channel"] = _("Channel must be a whole number.")
    if errors:
        raise ValidationError(errors)
    absence = _clean_window(absence_window, "absence_window")
    heartbeat = _clean_window(heartbeat_window, "heartbeat_window")
    token = new_token()
    device = Device(
        key=key,
        kind=kind,
        name=(name or "").strip()[:100],
        address=place_address(place),
        person=person,
        absence_window=absence,
        heartbeat_window=heartbeat,
        gateway=gateway,
        channel=channel,
        token_hash=hash_token(token),
        **fields,
    )
    try:
        with transaction.atomic():
            device.save()
            audit.record(
                actor=actor,
                action="device.create",
                obj=device,
                after={f: getattr(device, f) for f in DEVICE_FIELDS},
            )
    except IntegrityError as exc:
        if Device.objects.filter(key=key).exists():
            raise ValidationError({"key": _("A device with this key already exists.")}) from exc
        raise ValidationError({"channel": _("This gateway channel is taken.")}) from exc
    transaction.on_commit(ingest.forget)
    return Created(device, token)


def device_update(
    *,
    actor: Any,
    device: Device,
    name: str | None = None,
    person: Resident | None | bool = False,
    absence_window: Any = False,
    heartbeat_window: Any = False,
    active: bool | None = None,
) -> Device:
    """Change what a device watches and its windows, or switch it off
    (False = leave as is; None clears the person or a window)."""
    _require_manager(actor, device.compound)
    before = {f: getattr(device, f) for f in DEVICE_FIELDS}
    if name is not None:
        device.name = name.strip()[:100]
    if person is not False:
        if not _may_watch(actor, person):  # type: ignore[arg-type]
            raise ValidationError({"person": _("No such resident in your jurisdiction.")})
        device.person = person  # type: ignore[assignment]
    if absence_window is not False:
        device.absence_window = _clean_window(absence_window, "absence_window")
    if heartbeat_window is not False:
        device.heartbeat_window = _clean_window(heartbeat_window, "heartbeat_window")
    if active is not None:
        device.active = active
    after = {f: getattr(device, f) for f in DEVICE_FIELDS}
    before, after = audit.diff(before, after)
    if after:
        with transaction.atomic():
            device.save()
            audit.record(
                actor=actor, action="device.update", obj=device, before=before, after=after
            )
        transaction.on_commit(ingest.forget)
    return device


def device_rotate_token(*, actor: Any, device: Device) -> str:
    """A new secret for the device (the old one stops working)."""
    return _rotate_token(actor, device, "device.rotate_token")
