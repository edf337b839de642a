"""Configuration writes: each one by the system administrator only, each one audited."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from beatbook.accounts import services
from beatbook.accounts.models import Role, User
from beatbook.core import audit
from beatbook.core.models import AuditEntry
from beatbook.core.scoping import scope_of
from beatbook.core.tests.utils import last_entry
from beatbook.registry.models import Beat, Community, Station

pytestmark = pytest.mark.django_db


def test_station_create_is_audited(world):
    station = services.station_create(actor=world.sysadmin, name=" 新城派出所 ", code="X1")
    assert station.name == "新城派出所"
    entry = last_entry()
    assert (entry.action, entry.object_type, entry.object_id) == (
        "station.create",
        "registry.station",
        str(station.pk),
    )
    assert entry.actor_username == world.sysadmin.username
    assert audit.verify().ok


def test_station_create_rejects_blank_and_duplicate_names(world):
    with pytest.raises(ValidationError) as exc:
        services.station_create(actor=world.sysadmin, name="  ")
    assert "name" in exc.value.error_dict
    with pytest.raises(ValidationError) as exc:
        services.station_create(actor=world.sysadmin, name=world.station.name)
    assert "name" in exc.value.error_dict
    assert Station.objects.count() == 1


@pytest.mark.parametrize("who", ["officer_a", "head", "worker_a", "chief", "auditor"])
def test_only_the_sysadmin_configures(world, who):
    actor = world.users()[who]
    before = AuditEntry.objects.count()
    calls = [
        lambda: services.station_create(actor=actor, name="X"),
        lambda: services.beat_create(actor=actor, station=world.station, name="X"),
        lambda: services.community_create(actor=actor, beat=world.beat_a, name="X"),
        lambda: services.community_move(
            actor=actor, community=world.community_a, beat=world.beat_b
        ),
        lambda: services.user_create(actor=actor, username="x", role=Role.OFFICER),
        lambda: services.user_set_assignments(actor=actor, user=world.officer_a, beats=[]),
        lambda: services.user_set_password(actor=actor, user=world.officer_a, password="x" * 12),
        lambda: services.user_deactivate(actor=actor, user=world.officer_b),
        lambda: services.user_update(
            actor=actor, user=world.officer_b, display_name="x", role=Role.OFFICER, station=None
        ),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert AuditEntry.objects.count() == before


def test_beat_create_checks_the_name_within_the_station(world):
    beat = services.beat_create(actor=world.sysadmin, station=world.station, name="C警务区")
    assert last_entry().action == "beat.create"
    with pytest.raises(ValidationError):
        services.beat_create(actor=world.sysadmin, station=world.station, name="C警务区")
    other = services.station_create(actor=world.sysadmin, name="另一派出所")
    services.beat_create(actor=world.sysadmin, station=other, name="C警务区")
    assert Beat.objects.filter(name="C警务区").count() == 2
    assert beat.station == world.station


def test_community_create_and_move(world):
    community = services.community_create(actor=world.sysadmin, beat=world.beat_a, name="新社区")
    assert last_entry().action == "community.create"
    assert community in Community.objects.visible_to(world.officer_a)
    services.community_move(actor=world.sysadmin, community=community, beat=world.beat_b)
    entry = last_entry()
    assert entry.action == "community.move"
    assert (entry.before, entry.after) == ({"beat": world.beat_a.pk}, {"beat": world.beat_b.pk})
    officer_a, officer_b = (User.objects.get(pk=u.pk) for u in (world.officer_a, world.officer_b))
    assert community not in Community.objects.visible_to(officer_a)
    assert community in Community.objects.visible_to(officer_b)
    with pytest.raises(ValidationError):
        services.community_move(actor=world.sysadmin, community=community, beat=world.beat_b)


def test_user_create_with_and_without_password(world):
    user = services.user_create(
        actor=world.sysadmin,
        username="new-officer",
        role=Role.OFFICER,
        display_name="赵六",
        password="long-enough-secret",
        station=world.station,
    ).user
    assert user.check_password("long-enough-secret")
    entry = last_entry()
    assert entry.action == "user.create"
    assert entry.after["role"] == Role.OFFICER
    assert "long-enough-secret" not in str(entry.after) + str(entry.extra)
    nopass = services.user_create(
        actor=world.sysadmin, username="nopass", role=Role.AUDITOR, usable_password=False
    ).user
    assert not nopass.has_usable_password()
    with pytest.raises(ValidationError) as exc:
        services.user_create(actor=world.sysadmin, username="new-officer", role=Role.OFFICER)
    assert "username" in exc.value.error_dict


def test_a_chief_needs_a_station(world):
    with pytest.raises(ValidationError) as exc:
        services.user_create(actor=world.sysadmin, username="c2", role=Role.CHIEF)
    assert "station" in exc.value.error_dict
    with pytest.raises(ValidationError):
        services.user_create(actor=world.sysadmin, username="c3", role="emperor")


def test_user_update_records_only_the_changes(world):
    services.user_update(
        actor=world.sysadmin,
        user=world.officer_b,
        display_name="钱七",
        role=Role.OFFICER,
        station=world.station,
        phone="",
    )
    entry = last_entry()
    assert entry.action == "user.update"
    assert entry.after == {"display_name": "钱七"}
    count = AuditEntry.objects.count()
    services.user_update(
        actor=world.sysadmin,
        user=world.officer_b,
        display_name="钱七",
        role=Role.OFFICER,
        station=world.station,
    )
    assert AuditEntry.objects.count() == count  # nothing changed, nothing recorded


def test_user_update_role_change_changes_the_scope(world):
    officer = User.objects.get(pk=world.officer_a.pk)
    assert scope_of(officer).sees_residents
    services.user_update(
        actor=world.sysadmin, user=officer, display_name="", role=Role.AUDITOR, station=None
    )
    assert not scope_of(officer).sees_residents
    assert scope_of(officer).reads_audit


def test_the_sysadmin_cannot_demote_or_deactivate_themselves(world):
    with pytest.raises(ValidationError):
        services.user_update(
            actor=world.sysadmin,
            user=world.sysadmin,
            display_name="",
            role=Role.OFFICER,
            station=None,
        )
    with pytest.raises(ValidationError):
        services.user_deactivate(actor=world.sysadmin, user=world.sysadmin)


def test_deactivate_and_reactivate(world, client):
    target = User.objects.get(pk=world.officer_a.pk)
    services.user_deactivate(actor=world.sysadmin, user=target)
    target.refresh_from_db()
    assert not target.is_active
    assert last_entry().action == "user.deactivate"
    assert not scope_of(target).sees_residents
    assert not client.login(username=target.username, password="correct-horse-battery")
    count = AuditEntry.objects.count()
    services.user_deactivate(
        actor=world.sysadmin, user=target
    )  # already inactive: nothing to record
    assert AuditEntry.objects.count() == count
    services.user_reactivate(actor=world.sysadmin, user=target)
    target.refresh_from_db()
    assert target.is_active
    assert last_entry().action == "user.reactivate"
    assert client.login(username=target.username, password="correct-horse-battery")


def test_assignments_are_audited_and_apply(world):
    worker = User.objects.get(pk=world.worker_a.pk)
    services.user_set_assignments(
        actor=world.sysadmin, user=worker, communities=[world.community_b]
    )
    entry = last_entry()
    assert entry.action == "user.assign"
    assert entry.before == {"communities": [world.community_a.pk]}
    assert entry.after == {"communities": [world.community_b.pk]}
    assert scope_of(worker).community_ids == {world.community_b.pk}


def test_password_reset_is_audited_without_the_password(world):
    services.user_set_password(
        actor=world.sysadmin, user=world.head, password="another-long-secret"
    )
    world.head.refresh_from_db()
    assert world.head.check_password("another-long-secret")
    entry = last_entry()
    assert entry.action == "user.set_password"
    assert "another-long-secret" not in f"{entry.before}{entry.after}{entry.extra}"


def test_generated_passwords_are_strong_and_readable():
    seen = {services.generate_password() for _ in range(50)}
    assert len(seen) == 50
    for password in seen:
        assert re.fullmatch(r"[a-z2-9]{4}(-[a-z2-9]{4}){3}", password)
        assert not set(password) & set("01lo")
        password_validation.validate_password(password)


# --- sign-ins are audited ----------------------------------------------------------


def test_login_logout_and_failed_login_are_audited(client, world):
    from beatbook.conftest import PASSWORD
    from beatbook.core.models import AuditEntry

    assert (
        client.post(
            reverse("login"), {"username": world.officer_a.username, "password": "wrong"}
        ).status_code
        == 200
    )
    failed = AuditEntry.objects.get(action="auth.login_failed")
    assert failed.extra == {"username": world.officer_a.username}
    assert "wrong" not in str(failed.extra)
    assert (
        client.post(
            reverse("login"), {"username": world.officer_a.username, "password": PASSWORD}
        ).status_code
        == 302
    )
    login = AuditEntry.objects.get(action="auth.login")
    assert login.actor == world.officer_a and login.ip == "127.0.0.1"
    client.post(reverse("logout"))
    assert AuditEntry.objects.filter(action="auth.logout", actor=world.officer_a).count() == 1


# --- passwords, assignments and tokens decided by the services -----------------------


def test_station_create_audits_the_code_as_stored(world):
    station = services.station_create(actor=world.sysadmin, name="新城派出所", code="  X1 ")
    assert station.code == "X1"
    assert last_entry().after == {"name": "新城派出所", "code": "X1"}


def test_user_create_generates_a_password_when_none_is_typed(world):
    typed = services.user_create(
        actor=world.sysadmin, username="typed", role=Role.OFFICER, password="long-enough-secret"
    )
    assert (typed.password, typed.generated) == ("long-enough-secret", False)
    created = services.user_create(actor=world.sysadmin, username="generated", role=Role.WORKER)
    assert created.generated
    assert re.fullmatch(r"[a-z2-9]{4}(-[a-z2-9]{4}){3}", created.password)
    assert User.objects.get(username="generated").check_password(created.password)
    assert created.password not in f"{last_entry().after}{last_entry().extra}"


def test_user_set_password_generates_one_when_blank(world):
    result = services.user_set_password(actor=world.sysadmin, user=world.head)
    assert result.generated and result.user == world.head
    assert User.objects.get(pk=world.head.pk).check_password(result.password)
    typed = services.user_set_password(
        actor=world.sysadmin, user=world.head, password="another-long-secret"
    )
    assert (typed.password, typed.generated) == ("another-long-secret", False)


@pytest.mark.parametrize(
    ("who", "kind"),
    [
        ("worker_a", "beats"),
        ("worker_a", "buildings"),
        ("head", "beats"),
        ("officer_a", "communities"),
        ("chief", "communities"),
        ("auditor", "buildings"),
    ],
)
def test_assignments_that_do_not_fit_the_role_are_refused(world, who, kind):
    target = User.objects.get(pk=world.users()[who].pk)
    items = {
        "beats": [world.beat_b],
        "communities": [world.community_b],
        "buildings": [world.building_a],
    }[kind]
    count = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.user_set_assignments(actor=world.sysadmin, user=target, **{kind: items})
    assert set(exc.value.error_dict) == {kind}
    assert AuditEntry.objects.count() == count


def test_a_set_that_does_not_fit_the_role_can_be_emptied(world):
    # an officer made a worker keeps their beats until they are cleared
    worker = User.objects.get(pk=world.officer_a.pk)
    worker.role = Role.WORKER
    worker.save(update_fields=["role"])
    services.user_set_assignments(actor=world.sysadmin, user=worker, beats=[])
    assert not worker.beats.exists()
    assert last_entry().before == {"beats": [world.beat_a.pk]}


def test_assignments_unchanged_record_nothing(world):
    officer = User.objects.get(pk=world.officer_a.pk)
    count = AuditEntry.objects.count()
    services.user_set_assignments(
        actor=world.sysadmin, user=officer, beats=[world.beat_a], buildings=[]
    )
    assert AuditEntry.objects.count() == count
    # only what changed is recorded
    services.user_set_assignments(
        actor=world.sysadmin, user=officer, beats=[world.beat_a], buildings=[world.building_b]
    )
    entry = last_entry()
    assert (entry.before, entry.after) == (
        {"head_of_buildings": []},
        {"head_of_buildings": [world.building_b.pk]},
    )


def test_assignable_kinds_per_role():
    assert services.assignable_kinds(Role.OFFICER) == ("beats", "buildings")
    assert services.assignable_kinds(Role.BUILDING_HEAD) == ("buildings",)
    assert services.assignable_kinds(Role.WORKER) == ("communities",)
    for role in (Role.CHIEF, Role.SYSADMIN, Role.AUDITOR, "emperor"):
        assert services.assignable_kinds(role) == ()
    assert [r for r in Role if services.covers_station(r)] == [Role.CHIEF]


def test_no_token_for_a_deactivated_user(world):
    target = User.objects.get(pk=world.officer_b.pk)
    services.user_deactivate(actor=world.sysadmin, user=target)
    with pytest.raises(ValidationError):
        services.token_for(actor=None, user=target)
    assert not AuditEntry.objects.filter(action="token.create").exists()
