from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from beatbook.accounts.models import Role, User
from beatbook.core.forms import BootstrapForm
from beatbook.notify.models import Channel, ChannelKind, StationPolicy, Step
from beatbook.registry.models import Station


class ChannelForm(BootstrapForm):
    station = forms.ModelChoiceField(label=_("Station"), queryset=Station.objects.order_by("name"))
    name = forms.CharField(label=_("Channel name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=ChannelKind.choices)
    url = forms.URLField(
        label=_("Address"),
        max_length=500,
        assume_scheme="https",
        help_text=_(
            "Webhook: the receiver's URL. WeCom: https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…"
            " DingTalk: https://oapi.dingtalk.com/robot/send?access_token=…"
        ),
    )
    secret = forms.CharField(
        label=_("Secret"),
        max_length=200,
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_(
            "Webhook: the HMAC key; DingTalk: the signing secret (SEC…). Left empty when editing, "
            "the current one is kept."
        ),
    )
    from_step = forms.TypedChoiceField(
        label=_("Told from step"), choices=Step.choices, coerce=int, initial=0
    )
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)

    def __init__(self, *args: Any, channel: Channel | None = None, **kwargs: Any) -> None:
        if channel is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "station": channel.station_id,
                "name": channel.name,
                "kind": channel.kind,
                "url": channel.url,
                "from_step": channel.from_step,
                "enabled": channel.enabled,
            }
        super().__init__(*args, **kwargs)
        self.channel = channel

    def changes(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if self.channel is not None and not data.get("secret"):
            data.pop("secret", None)
        return data


class PolicyForm(BootstrapForm):
    duty_officer = forms.ModelChoiceField(
        label=_("Duty officer"), queryset=User.objects.none(), required=False
    )
    duty_after = forms.IntegerField(label=_("Duty officer told after (seconds)"), min_value=0)
    chief_after = forms.IntegerField(label=_("Chief told after (seconds)"), min_value=0)
    breach_after = forms.IntegerField(label=_("Response breach after (seconds)"), min_value=0)

    def __init__(
        self, *args: Any, station: Station, policy: StationPolicy | None = None, **kwargs: Any
    ) -> None:
        if policy is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "duty_officer": policy.duty_officer_id,
                "duty_after": policy.duty_after,
                "chief_after": policy.chief_after,
                "breach_after": policy.breach_after,
            }
        super().__init__(*args, **kwargs)
        field = self.fields["duty_officer"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = User.objects.filter(
            station=station, is_active=True, role__in=[Role.OFFICER, Role.CHIEF]
        ).order_by("username")
