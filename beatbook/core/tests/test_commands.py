"""The ``beatbook`` management commands: demo, token, audit (end to end)."""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError

from beatbook.accounts.models import Role, User
from beatbook.core.models import AuditEntry
from beatbook.registry.models import (
    Building,
    Compound,
    Entrance,
    Flat,
    FlatStatus,
    Premises,
    Residence,
    Resident,
)

DEMO_USERS = {
    "officer-a": Role.OFFICER,
    "officer-b": Role.OFFICER,
    "worker-a": Role.WORKER,
    "chief": Role.CHIEF,
    "admin": Role.SYSADMIN,
    "auditor": Role.AUDITOR,
    # the station's duty officer (notify demo), told at the 1-minute escalation step
    "duty": Role.OFFICER,
}


def run_demo(*args: str) -> list[list[str]]:
    out = io.StringIO()
    call_command("demo", *args, stdout=out)
    return [line.split("\t") for line in out.getvalue().splitlines()]


def counts() -> dict[str, int]:
    models = (Compound, Building, Entrance, Flat, Resident, Residence, Premises, User)
    return {m.__name__: m.objects.count() for m in models}


@pytest.mark.django_db
def test_demo_twice_loads_the_same_world() -> None:
    run_demo("--password", "first-password")
    first = counts()
    entries = AuditEntry.objects.count()
    lines = run_demo("--password", "second-password")
    assert counts() == first
    assert {password for _, password, _ in lines} == {"second-password"}
    assert authenticate(username="chief", password="second-password") is not None
    # the rerun only resets the demo users' passwords
    rerun = AuditEntry.objects.filter(id__gt=AuditEntry.objects.order_by("id")[entries - 1].id)
    assert sorted(rerun.values_list("action", flat=True)) == ["user.set_password"] * len(DEMO_USERS)
    assert AuditEntry.objects.filter(action="demo.load").count() == 1

    building6 = Building.objects.get(compound__name="富贵佳园", number="6")
    assert building6.flats.count() == 48
    assert building6.entrances.count() == 4
    assert building6.flats.filter(status=FlatStatus.VACANT).count() == 3
    assert not Resident.objects.filter(
        flat__building=building6, flat__status=FlatStatus.VACANT
    ).exists()
    rooms = sorted(
        building6.flats.filter(entrance__number="1").values_list("room", flat=True), key=int
    )
    assert rooms == [f"{floor}0{k}" for floor in range(1, 7) for k in (1, 2)]

    apartments = Compound.objects.get(name="新市民公寓")
    assert apartments.buildings.count() == 11
    assert Flat.objects.filter(building__compound=apartments).count() == 1443
    assert 3800 <= Resident.objects.filter(flat__building__compound=apartments).count() <= 4200
    assert apartments.community.name == "余岗社区"
    assert Compound.objects.get(name="富贵佳园").community.name == "富贵社区"


@pytest.mark.django_db
def test_demo_users_see_what_their_role_allows() -> None:
    run_demo("--password", "a-password")
    users = {u.username: u for u in User.objects.filter(username__in=DEMO_USERS)}
    assert {name: u.role for name, u in users.items()} == DEMO_USERS

    def seen(username: str) -> set[int]:
        return set(Resident.objects.visible_to(users[username]).values_list("id", flat=True))

    a, b = seen("officer-a"), seen("officer-b")
    assert a and b
    assert not a & b
    assert a | b == set(Resident.objects.values_list("id", flat=True)) == seen("chief")
    assert seen("worker-a") == a
    assert seen("admin") == seen("auditor") == set()
    assert users["officer-a"].head_of_buildings.get().label == "6号楼"
    compounds_a = set(
        Compound.objects.visible_to(users["officer-a"]).values_list("name", flat=True)
    )
    assert compounds_a == {"富贵佳园"}


@pytest.mark.django_db
def test_demo_prints_one_login_per_user_and_the_passwords_work() -> None:
    lines = run_demo()
    assert [len(line) for line in lines] == [3] * len(DEMO_USERS)
    assert {username: role for username, _, role in lines} == DEMO_USERS
    passwords = [password for _, password, _ in lines]
    assert len(set(passwords)) == len(DEMO_USERS)
    assert all(len(p) >= 12 for p in passwords)
    for username, password, _ in lines:
        assert authenticate(username=username, password=password) is not None

    again = run_demo()
    assert {p for _, p, _ in again}.isdisjoint(passwords)  # fresh ones every run
    username, old_password, _ = lines[0]
    assert authenticate(username=username, password=old_password) is None


def test_token_prints_the_same_key_twice(world: Any) -> None:
    first, second = io.StringIO(), io.StringIO()
    call_command("token", world.officer_a.username, stdout=first)
    call_command("token", world.officer_a.username, stdout=second)
    key = first.getvalue().strip()
    assert len(key) == 40
    assert first.getvalue() == second.getvalue() == key + "\n"
    assert AuditEntry.objects.filter(action="token.create").count() == 1


def test_token_for_unknown_user_fails(db: Any) -> None:
    with pytest.raises(CommandError):
        call_command("token", "nobody")


def _beatbook(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        BEATBOOK_HOME=str(home),
        DATABASE_URL="sqlite:///var/beatbook.sqlite3",
        DJANGO_SETTINGS_MODULE="beatbook.core.tests.fast_settings",
    )
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "beatbook", *args],
        env=env, cwd=home, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
    )  # fmt: skip


def test_command_line_end_to_end(tmp_path: Path) -> None:
    """The real console commands on a fresh SQLite file: exit codes and output."""
    assert _beatbook(tmp_path, "migrate", "-v", "0").returncode == 0
    demo = _beatbook(tmp_path, "demo", "--password", "long-enough-password")
    assert demo.returncode == 0, demo.stderr
    assert demo.stdout.splitlines()[0] == "officer-a\tlong-enough-password\tofficer"

    token = _beatbook(tmp_path, "token", "officer-b")
    assert token.returncode == 0
    assert len(token.stdout.strip()) == 40
    missing = _beatbook(tmp_path, "token", "nobody")
    assert missing.returncode == 1
    assert missing.stdout == ""

    ok = _beatbook(tmp_path, "audit", "verify")
    assert ok.returncode == 0
    with sqlite3.connect(tmp_path / "var" / "beatbook.sqlite3") as db:
        (entries,) = db.execute("SELECT count(*) FROM core_auditentry").fetchone()
    assert entries > 8  # the demo's entries, a password per demo user, 1 token
    assert ok.stdout.strip() == f"OK: {entries} entries, chain intact"

    with sqlite3.connect(tmp_path / "var" / "beatbook.sqlite3") as db:
        db.execute("UPDATE core_auditentry SET actor_username = 'someone' WHERE id = 3")
    broken = _beatbook(tmp_path, "audit", "verify")
    assert broken.returncode == 1
    assert broken.stdout.startswith("BROKEN at entry #3: ")


def test_createadmin_prints_a_working_password_once(db: Any) -> None:
    out = io.StringIO()
    call_command("createadmin", "root", "--name", "管理员", stdout=out)
    username, password = out.getvalue().strip().split("\t")
    user = authenticate(username=username, password=password)
    assert user is not None
    assert (user.role, user.display_name) == (Role.SYSADMIN, "管理员")
    assert AuditEntry.objects.filter(action="user.create", object_id=str(user.pk)).exists()
    with pytest.raises(CommandError):
        call_command("createadmin", "root")


def test_token_for_a_deactivated_user_fails(world: Any) -> None:
    User.objects.filter(pk=world.officer_b.pk).update(is_active=False)
    with pytest.raises(CommandError):
        call_command("token", world.officer_b.username)
    assert not AuditEntry.objects.filter(action="token.create").exists()
