"""Administration writes: stations, beats, communities and users.

Only the system administrator configures these (three-way split: the system
administrator sees no residents' data, the audit administrator only reads
the audit log).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from beatbook.accounts.models import Role, User
from beatbook.core import audit
from beatbook.core.scoping import forget_scope, scope_of
from beatbook.registry.models import Beat, Building, Community, Station


def _require_admin(actor: Any) -> None:
    if actor is not None and not scope_of(actor).administers:
        raise PermissionDenied(_("Only the system administrator can change the configuration."))


def _required_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Name is required.")})
    return name


def station_create(*, actor: Any, name: str, code: str = "") -> Station:
    _require_admin(actor)
    name = _required_name(name)
    if Station.objects.filter(name=name).exists():
        raise ValidationError({"name": _("A station with this name already exists.")})
    with transaction.atomic():
        station = Station.objects.create(name=name, code=code.strip())
        audit.record(
            actor=actor,
            action="station.create",
            obj=station,
            after={"name": station.name, "code": station.code},
        )
    return station


def beat_create(*, actor: Any, station: Station, name: str, code: str = "") -> Beat:
    _require_admin(actor)
    name = _required_name(name)
    if Beat.objects.filter(station=station, name=name).exists():
        raise ValidationError({"name": _("This station already has a beat with this name.")})
    with transaction.atomic():
        beat = Beat.objects.create(station=station, name=name, code=code.strip())
        audit.record(
            actor=actor, action="beat.create", obj=beat, after={"station": station.pk, "name": name}
        )
    return beat


def community_create(*, actor: Any, beat: Beat, name: str) -> Community:
    _require_admin(actor)
    name = _required_name(name)
    if Community.objects.filter(name=name).exists():
        raise ValidationError({"name": _("A community with this name already exists.")})
    with transaction.atomic():
        community = Community.objects.create(beat=beat, name=name)
        audit.record(
            actor=actor,
            action="community.create",
            obj=community,
            after={"beat": beat.pk, "name": name},
        )
    return community


def community_move(*, actor: Any, community: Community, beat: Beat) -> Community:
    """Assign a community to another beat (officers' jurisdiction follows)."""
    _require_admin(actor)
    if community.beat_id == beat.pk:
        raise ValidationError({"beat": _("The community is already in this beat.")})
    with transaction.atomic():
        before = {"beat": community.beat_id}
        community.beat = beat
        community.save(update_fields=["beat"])
        audit.record(
            actor=actor,
            action="community.move",
            obj=community,
            before=before,
            after={"beat": beat.pk},
        )
    return community


def _check_role(role: str, station: Station | None) -> None:
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    if role == Role.CHIEF and station is None:
        raise ValidationError({"station": _("A station chief needs a station.")})


@dataclass(frozen=True)
class UserPassword:
    """A user and the password just set: the one the administrator typed, or
    one generated (``generated``) to be shown once; it is never stored in clear."""

    user: User
    password: str
    generated: bool


def _new_password(password: str) -> tuple[str, bool]:
    return (password, False) if password else (generate_password(), True)


def user_create(
    *,
    actor: Any,
    username: str,
    role: str,
    display_name: str = "",
    password: str = "",
    station: Station | None = None,
    phone: str = "",
    usable_password: bool = True,
) -> UserPassword:
    """Create a user; a blank ``password`` is generated (and returned to be shown once).

    ``usable_password=False`` creates an account that cannot log in until a
    password is set (``password`` is then ignored).
    """
    _require_admin(actor)
    _check_role(role, station)
    username = username.strip()
    if not username:
        raise ValidationError({"username": _("Username is required.")})
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": _("This username is taken.")})
    password, generated = _new_password(password) if usable_password else ("", False)
    with transaction.atomic():
        user = User(
            username=username,
            role=role,
            display_name=display_name.strip(),
            station=station,
            phone=phone,
        )
        if usable_password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        audit.record(
            actor=actor,
            action="user.create",
            obj=user,
            after={"username": username, "role": role, "station": station.pk if station else None},
        )
    return UserPassword(user, password, generated)


#: The assignment sets each role is given, by the name of the keyword of
#: ``user_set_assignments``. The chief is given none: they cover the whole
#: station set on the user (``covers_station``); the system and audit
#: administrators cover no part of the registry.
ASSIGNABLE: dict[str, tuple[str, ...]] = {
    Role.OFFICER: ("beats", "buildings"),
    Role.BUILDING_HEAD: ("buildings",),
    Role.WORKER: ("communities",),
}


def assignable_kinds(role: str) -> tuple[str, ...]:
    """Which assignment sets fit a role (see ``ASSIGNABLE``)."""
    return ASSIGNABLE.get(role, ())


def covers_station(role: str) -> bool:
    """Whether the role covers its whole station rather than assigned sets."""
    return role == Role.CHIEF


#: assignment set → the user's many-to-many field holding it
_ASSIGNMENT_FIELDS = {
    "beats": "beats",
    "communities": "communities",
    "buildings": "head_of_buildings",
}


def user_set_assignments(
    *,
    actor: Any,
    user: User,
    beats: Iterable[Beat] | None = None,
    communities: Iterable[Community] | None = None,
    buildings: Iterable[Building] | None = None,
) -> User:
    """Replace the beats, communities or buildings a user covers (None leaves a set as is).

    Only the sets that fit the user's role may be given (``ASSIGNABLE``); one
    that does not fit may only be emptied (a leftover of an earlier role).
    Nothing is recorded when nothing changes.
    """
    _require_admin(actor)
    sets = {"beats": beats, "communities": communities, "buildings": buildings}
    given = {kind: list(items) for kind, items in sets.items() if items is not None}
    fits = assignable_kinds(user.role)
    misfits = [kind for kind, items in given.items() if items and kind not in fits]
    if misfits:
        raise ValidationError(
            {kind: _("This role is not assigned any of these.") for kind in misfits}
        )
    with transaction.atomic():
        before: dict[str, list[int]] = {}
        after: dict[str, list[int]] = {}
        for kind, items in given.items():
            attr = _ASSIGNMENT_FIELDS[kind]
            manager = getattr(user, attr)
            before[attr] = sorted(manager.values_list("id", flat=True))
            manager.set(items)
            after[attr] = sorted({item.pk for item in items})
        old, new = audit.diff(before, after)
        if new:
            forget_scope(user)
            audit.record(actor=actor, action="user.assign", obj=user, before=old, after=new)
    return user


def user_set_password(*, actor: Any, user: User, password: str = "") -> UserPassword:
    """Set a user's password; a blank one is generated (and returned to be shown once)."""
    _require_admin(actor)
    password, generated = _new_password(password)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit.record(actor=actor, action="user.set_password", obj=user)
    return UserPassword(user, password, generated)


def user_update(
    *,
    actor: Any,
    user: User,
    display_name: str,
    role: str,
    station: Station | None,
    phone: str = "",
) -> User:
    """Change a user's name, role, station or phone (assignments are kept)."""
    _require_admin(actor)
    _check_role(role, station)
    if user.pk == getattr(actor, "pk", None) and role != user.role:
        raise ValidationError({"role": _("You cannot change your own role.")})
    fields = ("display_name", "role", "station_id", "phone")
    with transaction.atomic():
        before = {f: getattr(user, f) for f in fields}
        user.display_name = display_name.strip()
        user.role = role
        user.station = station
        user.phone = phone.strip()
        old, new = audit.diff(before, {f: getattr(user, f) for f in fields})
        if new:
            user.save(update_fields=["display_name", "role", "station", "phone"])
            forget_scope(user)
            audit.record(actor=actor, action="user.update", obj=user, before=old, after=new)
    return user


def user_deactivate(*, actor: Any, user: User) -> User:
    """Stop a user from logging in or using the API; nothing is deleted."""
    _require_admin(actor)
    if user.pk == getattr(actor, "pk", None):
        raise ValidationError({"user": _("You cannot deactivate yourself.")})
    return _set_active(actor=actor, user=user, active=False)


def user_reactivate(*, actor: Any, user: User) -> User:
    _require_admin(actor)
    return _set_active(actor=actor, user=user, active=True)


def _set_active(*, actor: Any, user: User, active: bool) -> User:
    if user.is_active == active:
        return user
    with transaction.atomic():
        user.is_active = active
        user.save(update_fields=["is_active"])
        forget_scope(user)
        audit.record(
            actor=actor,
            action="user.reactivate" if active else "user.deactivate",
            obj=user,
            before={"is_active": not active},
            after={"is_active": active},
        )
    return user


#: no 0/O, 1/l/I: the administrator reads the password out or copies it by hand
_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # noqa: S105 (an alphabet, not a password)


def generate_password(groups: int = 4, size: int = 4) -> str:
    """A random password such as ``k7m4-p9x2-h3w8-a5tc`` (about 79 bits)."""
    return "-".join(
        "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(size)) for _ in range(groups)
    )


def token_for(*, actor: Any, user: User) -> Token:
    """The user's API token, created (and audited) on first use; a deactivated
    user gets none (their token would be refused anyway)."""
    if not user.is_active:
        raise ValidationError({"user": _("This user is deactivated.")})
    with transaction.atomic():
        token, created = Token.objects.get_or_create(user=user)
        if created:
            audit.record(actor=actor, action="token.create", obj=user)
    return token
