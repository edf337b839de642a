"""Page forms: adding a device or a gateway, extending a gateway's mapping."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from beatbook.core.forms import BootstrapForm
from beatbook.sensing.models import DeviceKind, EventType, GatewayKind, PlaceLevel


class DeviceForm(BootstrapForm):
    key = forms.CharField(
        label=_("Device key"), max_length=100, help_text=_("Unique; its MQTT topic segment.")
    )
    kind = forms.ChoiceField(label=_("Device kind"), choices=DeviceKind.choices)
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    level = forms.ChoiceField(label=_("Placed on"), choices=PlaceLevel.choices)
    address = forms.CharField(
        label=_("Standard address"),
        max_length=255,
        help_text=_("e.g. 富贵佳园6号楼2单元301, 富贵佳园6号楼2单元, 富贵佳园6号楼 or 富贵佳园"),
    )
    person = forms.IntegerField(
        label=_("Watched person (resident number)"),
        required=False,
        min_value=1,
        help_text=_("For a door sensor watching an elderly person living alone."),
    )
    absence_window = forms.CharField(
        label=_("Absence window"), required=False, help_text=_("e.g. 24h; empty: no absence rule")
    )
    heartbeat_window = forms.CharField(
        label=_("Heartbeat window"), required=False, help_text=_("e.g. 30m; empty: no offline rule")
    )
    gateway = forms.TypedChoiceField(
        label=_("Gateway"), required=False, coerce=int, empty_value=None
    )
    channel = forms.IntegerField(label=_("Channel"), required=False, min_value=0)

    def __init__(self, *args: Any, gateways: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["gateway"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (g.pk, f"{g.name} ({g.compound.name})") for g in gateways
        ]


class GatewayForm(BootstrapForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    compound = forms.TypedChoiceField(label=_("Compound"), coerce=int)
    kind = forms.ChoiceField(label=_("Gateway kind"), choices=GatewayKind.choices)

    def __init__(self, *args: Any, compounds: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["compound"].choices = [(c.pk, c.name) for c in compounds]  # type: ignore[attr-defined]


class MappingForm(BootstrapForm):
    vendor = forms.CharField(label=_("Vendor event name"), max_length=64)
    type = forms.ChoiceField(label=_("Event type"), choices=EventType.choices)
