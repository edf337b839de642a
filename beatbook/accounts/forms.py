"""Forms of the configuration pages. They parse input; the services decide."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from beatbook.accounts import selectors, services
from beatbook.accounts.models import Role, User
from beatbook.core.forms import BootstrapForm
from beatbook.registry import selectors as registry_selectors
from beatbook.registry.models import Beat, Community, Station


class _BeatLabel:
    def label_from_instance(self, obj: Beat) -> str:
        return f"{obj.station.name} · {obj.name}"


class BeatChoiceField(_BeatLabel, forms.ModelChoiceField):
    pass


class BeatMultipleChoiceField(_BeatLabel, forms.ModelMultipleChoiceField):
    pass


class CommunityMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Community) -> str:
        return f"{obj.name} ({obj.beat.name})"


class StationForm(BootstrapForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    code = forms.CharField(label=_("Code"), max_length=32, required=False)


class BeatForm(BootstrapForm):
    station = forms.ModelChoiceField(label=_("Station"), queryset=Station.objects.none())
    name = forms.CharField(label=_("Name"), max_length=100)
    code = forms.CharField(label=_("Code"), max_length=32, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = selectors.station_list(user=user)  # type: ignore[attr-defined]


class CommunityForm(BootstrapForm):
    beat = BeatChoiceField(label=_("Beat"), queryset=Beat.objects.none())
    name = forms.CharField(label=_("Name"), max_length=100)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["beat"].queryset = registry_selectors.beat_list(user=user)  # type: ignore[attr-defined]


class CommunityMoveForm(CommunityForm):
    beat = BeatChoiceField(label=_("New beat"), queryset=Beat.objects.none())
    name = None  # type: ignore[assignment]  # the community keeps its name


class _PasswordMixin:
    """An optional password: typed by the administrator (and checked), or left blank to generate one."""

    def clean_password(self) -> str:
        password: str = self.cleaned_data.get("password") or ""  # type: ignore[attr-defined]
        if password:
            password_validation.validate_password(password, self._password_user())
        return password

    def _password_user(self) -> User | None:
        return None


def _password_field(label: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=True, attrs={"autocomplete": "new-password"}),
        help_text=_("Leave blank to generate one; it is shown once."),
    )


class UserEditForm(BootstrapForm):
    """A user's name, role, station and phone (``UserCreateForm`` adds the rest)."""

    display_name = forms.CharField(
        label=pgettext_lazy("person", "Name"), max_length=64, required=False
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    station = forms.ModelChoiceField(
        label=_("Station"), queryset=Station.objects.none(), required=False
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel"}),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = selectors.station_list(user=user)  # type: ignore[attr-defined]


class UserCreateForm(_PasswordMixin, UserEditForm):
    field_order = ["username"]  # then the fields of UserEditForm, then the password

    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        validators=[User.username_validator],
        widget=forms.TextInput(
            attrs={"autocapitalize": "none", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    password = _password_field(_("Initial password"))

    def _password_user(self) -> User | None:
        return User(
            username=self.cleaned_data.get("username", ""),
            display_name=self.cleaned_data.get("display_name", ""),
        )


class PasswordResetForm(_PasswordMixin, BootstrapForm):
    password = _password_field(_("New password"))

    def __init__(self, *args: Any, target: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.target = target

    def _password_user(self) -> User | None:
        return self.target


_NUMBER_SPLIT = re.compile(r"[\s,，、;；]+")


class AssignmentForm(BootstrapForm):
    """What a user covers; only the sets that fit their role are shown.

    Buildings are kept by unticking the current ones and added by compound
    (“community / compound”, or a compound name only one community uses) and
    building numbers, since the administrator sees no flats or people.
    """

    beats = BeatMultipleChoiceField(
        label=_("Beats"),
        queryset=Beat.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    communities = CommunityMultipleChoiceField(
        label=_("Communities"),
        queryset=Community.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    buildings = forms.TypedMultipleChoiceField(
        label=_("Buildings"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Untick a building to remove it."),
    )
    add_compound = forms.CharField(
        label=_("Compound"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"list": "compound-names", "autocomplete": "off"}),
    )
    add_numbers = forms.CharField(
        label=_("Building numbers"),
        required=False,
        max_length=500,
        help_text=_("For example: 1, 2, 6"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args: Any, user: Any, target: User, **kwargs: Any) -> None:
        self.admin = user
        self.target = target
        self.kinds = services.assignable_kinds(target.role)
        # target comes from selectors.user_get, with its assignments prefetched
        current_buildings = list(target.head_of_buildings.all())
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("beats", [b.pk for b in target.beats.all()])
        initial.setdefault("communities", [c.pk for c in target.communities.all()])
        initial.setdefault("buildings", [b.pk for b in current_buildings])
        super().__init__(*args, **kwargs)
        if "beats" in self.kinds:
            self.fields["beats"].queryset = registry_selectors.beat_list(user=user)  # type: ignore[attr-defined]
        else:
            del self.fields["beats"]
        if "communities" in self.kinds:
            self.fields["communities"].queryset = registry_selectors.community_list(user=user)  # type: ignore[attr-defined]
        else:
            del self.fields["communities"]
        if "buildings" in self.kinds:
            self.fields["buildings"].choices = [(b.pk, str(b)) for b in current_buildings]  # type: ignore[attr-defined]
        else:
            for name in ("buildings", "add_compound", "add_numbers"):
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "buildings" not in self.kinds:
            return data
        compound = data.get("add_compound") or ""
        numbers = [n for n in _NUMBER_SPLIT.split(data.get("add_numbers") or "") if n]
        added: list[int] = []
        if numbers and not compound:
            self.add_error("add_compound", _("Name the compound of these buildings."))
        elif compound and not numbers:
            self.add_error("add_numbers", _("Give at least one building number."))
        elif compound:
            found = selectors.compound_buildings(user=self.admin, text=compound)
            if found.compound is None:
                self.add_error("add_compound", compound_error(compound, found))
            else:
                added, missing = found.resolve(numbers)
                if missing:
                    self.add_error(
                        "add_numbers",
                        _("Not found in this compound: %(numbers)s")
                        % {"numbers": "、".join(missing)},
                    )
        data["building_ids"] = list(dict.fromkeys([*(data.get("buildings") or []), *added]))
        return data

    def assignments(self) -> dict[str, Any]:
        """Keyword arguments for ``user_set_assignments`` (only the sets of this role)."""
        out: dict[str, Any] = {}
        if "beats" in self.kinds:
            out["beats"] = list(self.cleaned_data["beats"])
        if "communities" in self.kinds:
            out["communities"] = list(self.cleaned_data["communities"])
        if "buildings" in self.kinds:
            out["buildings"] = selectors.buildings_by_ids(
                user=self.admin, ids=self.cleaned_data["building_ids"]
            )
        return out


def compound_error(text: str, found: selectors.CompoundBuildings) -> str:
    """Why ``text`` names no single compound (shown on the form and by the htmx hint)."""
    if found.matches:
        return _(
            "Compounds named “%(name)s” exist in several communities: %(communities)s. "
            "Choose one as “community / compound”."
        ) % {"name": text.strip(), "communities": "、".join(m.community for m in found.matches)}
    return str(_("No compound with this name has buildings."))


class UserFilterForm(BootstrapForm):
    q = forms.CharField(label=_("Username or name"), required=False, max_length=150)
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=[("", _("All roles")), *Role.choices]
    )
    station = forms.ModelChoiceField(
        label=_("Station"),
        queryset=Station.objects.none(),
        required=False,
        empty_label=_("All stations"),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), ("active", _("Active")), ("inactive", _("Deactivated"))],
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = selectors.station_list(user=user)  # type: ignore[attr-defined]

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        status = data.get("status")
        return {
            "q": data.get("q") or "",
            "role": data.get("role") or "",
            "station": data["station"].pk if data.get("station") else None,
            "active": {"active": True, "inactive": False}.get(status or ""),
        }
