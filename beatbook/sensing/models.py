"""Smart-compound sensing: gateways, devices and the events they send.

A gateway is a compound's management system or a camera platform pushing for
many devices; a device is one sensor or camera, placed on a flat, entrance,
building or compound of the registry and optionally watching a resident.
Events are stored raw and parsed, once per (device, msg_id).

Tokens are never stored: only their SHA-256 (tokens are 32 random bytes, so
an unsalted hash is enough and lets a request be matched with one indexed
lookup).
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from beatbook.core.scoping import scope_of
from beatbook.registry import addresses
from beatbook.registry.models import Building, Compound, Entrance, Flat, Resident


def new_token() -> str:
    """A fresh secret for a device or gateway (shown once, stored hashed)."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class EventType(models.TextChoices):
    """The fixed event vocabulary every vendor name is mapped onto."""

    DOOR_OPEN = "door_open", _("Door opened")
    DOOR_CLOSE = "door_close", _("Door closed")
    HEARTBEAT = "heartbeat", _("Heartbeat")
    MOTION = "motion", _("Motion")
    EBIKE_DETECTED = "ebike_detected", _("E-bike detected")
    OBJECT_THROWN = "object_thrown", _("Object thrown from height")
    MANHOLE_OPEN = "manhole_open", _("Manhole cover opened")
    DOOR_FORCED = "door_forced", _("Door forced")
    ACCESS_DENIED = "access_denied", _("Access denied")
    ILLEGAL_PARKING = "illegal_parking", _("Illegal parking")
    SMOKE = "smoke", _("Smoke")
    OTHER = "other", _("Other")


class DeviceKind(models.TextChoices):
    DOOR_SENSOR = "door_sensor", _("Door sensor")
    ELEVATOR_CAMERA = "elevator_camera", _("Elevator camera")
    ACCESS_CONTROL = "access_control", _("Access control")
    CAMERA = "camera", _("Camera")
    PARKING_SENSOR = "parking_sensor", _("Parking sensor")
    MANHOLE_COVER = "manhole_cover", _("Manhole cover")
    SMOKE_DETECTOR = "smoke_detector", _("Smoke detector")
    OTHER = "other", _("Other")


class PlaceLevel(models.TextChoices):
    FLAT = "flat", _("Flat")
    ENTRANCE = "entrance", _("Entrance")
    BUILDING = "building", _("Building")
    COMPOUND = "compound", _("Compound")


class GatewayKind(models.TextChoices):
    GENERIC = "generic", _("Generic (JSON / MQTT)")
    HIKVISION = "hikvision", _("Hikvision ISAPI")


def _place_q(scope: Any, building_path: str, compound_path: str) -> Q:
    """Rows whose building is covered by ``scope``, or, for rows without a
    building, whose compound lies in one of the scope's communities."""
    q = scope.building_q(building_path)
    if scope.sees_residents and scope.community_ids:
        q |= Q(
            **{
                f"{building_path}__isnull": True,
                f"{compound_path}__community_id__in": sorted(scope.community_ids),
            }
        )
    return q


class GatewayQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> GatewayQuerySet:
        """Gateways of the compounds in the user's communities (a gateway
        serves a whole compound, so building heads see none)."""
        scope = scope_of(user)
        if not scope.sees_residents or not scope.community_ids:
            return self.none()
        return self.filter(compound__community_id__in=sorted(scope.community_ids))


class Gateway(models.Model):
    """A compound's management system or camera platform pushing for many devices."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    compound = models.ForeignKey(
        Compound, verbose_name=_("compound"), on_delete=models.PROTECT, related_name="gateways"
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=GatewayKind.choices, default=GatewayKind.GENERIC
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    #: vendor event name → vocabulary type, on top of the built-in mapping
    #: (sensing.parsing.DEFAULT_VENDOR_MAP); extendable by an administrator
    event_type_map = models.JSONField(_("event type mapping"), default=dict, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = GatewayQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("gateway")
        verbose_name_plural = _("gateways")

    def __str__(self) -> str:
        return self.name


class DeviceQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> DeviceQuerySet:
        scope = scope_of(user)
        if not scope.sees_residents:
            return self.none()
        return self.filter(_place_q(scope, "building", "compound"))


class Device(models.Model):
    """A sensor or camera. Exactly one of flat/entrance/building/compound
    names where it is; ``building`` and ``compound`` are filled in from it
    (compound always) for scoping and grouping."""

    key = models.CharField(_("key"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=DeviceKind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)
    #: where it is: 'flat', 'entrance', 'building' or 'compound'; the fields
    #: below that level are empty, those above it are filled in (compound always)
    level = models.CharField(_("placed on"), max_length=10, choices=PlaceLevel.choices)
    flat = models.ForeignKey(
        Flat,
        verbose_name=_("flat"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="devices",
    )
    entrance = models.ForeignKey(
        Entrance,
        verbose_name=_("entrance"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="devices",
    )
    building = models.ForeignKey(
        Building,
        verbose_name=_("building"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="devices",
    )
    compound = models.ForeignKey(
        Compound, verbose_name=_("compound"), on_delete=models.PROTECT, related_name="devices"
    )
    #: the standard address of the place, kept for display and lookups
    address = models.CharField(_("address"), max_length=255, blank=True)
    person = models.ForeignKey(
        Resident,
        verbose_name=_("watched person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="devices",
    )
    absence_window = models.DurationField(_("absence window"), null=True, blank=True)
    heartbeat_window = models.DurationField(_("heartbeat window"), null=True, blank=True)
    gateway = models.ForeignKey(
        Gateway,
        verbose_name=_("gateway"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="devices",
    )
    channel = models.PositiveIntegerField(_("channel"), null=True, blank=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    #: server clock of the last message of any kind (heartbeats included),
    #: updated once per ingested batch
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DeviceQuerySet.as_manager()

    class Meta:
        ordering = ["compound_id", "building_id", "key"]
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "channel"],
                condition=Q(gateway__isnull=False, channel__isnull=False),
                name="device_unique_gateway_channel",
            ),
            models.CheckConstraint(
                condition=(
                    Q(level="flat", flat__isnull=False, building__isnull=False)
                    | Q(
                        level="entrance",
                        flat__isnull=True,
                        entrance__isnull=False,
                        building__isnull=False,
                    )
                    | Q(
                        level="building",
                        flat__isnull=True,
                        entrance__isnull=True,
                        building__isnull=False,
                    )
                    | Q(
                        level="compound",
                        flat__isnull=True,
                        entrance__isnull=True,
                        building__isnull=True,
                    )
                ),
                name="device_one_place",
            ),
        ]
        indexes = [models.Index(fields=["kind", "compound"], name="device_kind_compound")]

    def __str__(self) -> str:
        return self.key

    @property
    def place(self) -> Flat | Entrance | Building | Compound:
        if self.level == PlaceLevel.FLAT:
            return self.flat  # type: ignore[return-value]
        if self.level == PlaceLevel.ENTRANCE:
            return self.entrance  # type: ignore[return-value]
        if self.level == PlaceLevel.BUILDING:
            return self.building  # type: ignore[return-value]
        return self.compound


def place_address(place: Flat | Entrance | Building | Compound) -> str:
    """The standard address of a device's place: a flat's own address,
    '富贵佳园6号楼2单元', '富贵佳园6号楼' or '富贵佳园'."""
    if isinstance(place, Flat):
        return place.address
    if isinstance(place, Entrance):
        b = place.building
        return f"{b.compound.name}{addresses.building_label(b.number)}{place.label}"
    if isinstance(place, Building):
        return f"{place.compound.name}{addresses.building_label(place.number)}"
    return place.name


class EventQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> EventQuerySet:
        scope = scope_of(user)
        if not scope.sees_residents:
            return self.none()
        return self.filter(_place_q(scope, "device__building", "device__compound"))


class Event(models.Model):
    """One message from a device, stored raw and parsed, once per (device, msg_id)."""

    # no index of its own: (device, msg_id) and (device, -received_at) lead with it
    device = models.ForeignKey(
        Device,
        verbose_name=_("device"),
        on_delete=models.CASCADE,
        related_name="events",
        db_index=False,
    )
    msg_id = models.CharField(_("message id"), max_length=200)
    type = models.CharField(_("type"), max_length=20, choices=EventType.choices)
    #: the vendor's own name for it ('VMD', 'linedetection'…), '' when sent in the vocabulary
    vendor_type = models.CharField(_("vendor type"), max_length=64, blank=True)
    #: the device's clock (not trusted: see clock_skew)
    device_ts = models.DateTimeField(_("device time"), null=True, blank=True)
    #: the server clock at receipt: what timers use
    received_at = models.DateTimeField(_("received"))
    data = models.JSONField(_("data"), default=dict, blank=True)
    raw = models.TextField(_("raw message"), blank=True)
    #: device_ts too far from received_at to be trusted
    clock_skew = models.BooleanField(_("clock skew"), default=False)
    #: set by the alerts worker once the rules have seen it
    evaluated = models.BooleanField(default=False)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        constraints = [
            models.UniqueConstraint(fields=["device", "msg_id"], name="event_unique_msg")
        ]
        indexes = [
            models.Index(fields=["id"], condition=Q(evaluated=False), name="event_unevaluated"),
            models.Index(fields=["device", "-received_at"], name="event_device_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.device_id}:{self.msg_id}"


class EventPicture(models.Model):
    """A picture pushed with an ISAPI event (multipart body), kept in the database."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="pictures")
    filename = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100, default="image/jpeg")
    content = models.BinaryField()
    size = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["event_id", "id"]

    def __str__(self) -> str:
        return self.filename or f"picture #{self.pk}"
