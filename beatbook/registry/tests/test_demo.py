"""The demo data builder (beatbook.registry.demo): valid, consistent, deterministic."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Count, F, Q
from django.test import override_settings

from beatbook.core import audit
from beatbook.core.models import AuditEntry
from beatbook.registry import demo
from beatbook.registry.idnumbers import parse_id_number
from beatbook.registry.models import (
    Building,
    Entrance,
    Flat,
    FlatStatus,
    PopulationType,
    Premises,
    Relation,
    Residence,
    Resident,
)
from beatbook.registry.phones import normalize_phone


@pytest.fixture(scope="module")
def _loaded_once(django_db_setup: Any, django_db_blocker: Any) -> Iterator[demo.LoadResult]:
    """Load once for the module, inside a transaction rolled back at its end
    (each test's own transaction nests inside it as a savepoint)."""
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast, transaction.atomic():
        yield demo.load(password="demo-password")
        transaction.set_rollback(True)


@pytest.fixture
def loaded(_loaded_once: demo.LoadResult, db: Any) -> demo.LoadResult:
    return _loaded_once


def test_specs_match_the_seeds() -> None:
    specs = {c.name: c for c in demo.COMPOUNDS}
    building6 = next(b for b in specs["富贵佳园"].buildings if b.number == "6")
    assert (building6.entrances, building6.floors, building6.flats_per_floor, building6.flats) == (
        4,
        6,
        2,
        48,
    )
    assert specs["富贵佳园"].vacant["6"] == 3
    assert len(specs["新市民公寓"].buildings) == 11
    assert sum(b.flats for b in specs["新市民公寓"].buildings) == 1443


def test_households_are_deterministic_and_well_formed() -> None:
    for profile in ("settled", "rental"):
        assert demo.household(random.Random(7), profile) == demo.household(
            random.Random(7), profile
        )
        rng = random.Random(profile)
        for _ in range(500):
            status, members = demo.household(rng, profile)
            assert 1 <= len(members) <= 5
            assert members[0].relation in (Relation.OWNER, Relation.TENANT)
            assert (status == FlatStatus.RENTED) == (members[0].relation == Relation.TENANT)
            assert all(0 <= m.age <= 95 for m in members)


def test_every_resident_has_a_valid_document_and_phones(loaded: demo.LoadResult) -> None:
    for r in Resident.objects.all():
        info = parse_id_number(r.id_number)
        assert (info.number, info.birth_date, info.sex) == (r.id_number, r.birth_date, r.sex)
        for phone in r.phones:
            assert normalize_phone(phone) == phone
            assert phone[3:5] in {"13", "15", "18"}  # +86 1x…
        assert r.phones_text == " ".join(r.phones)
    for premises in Premises.objects.all():
        assert normalize_phone(premises.contact_phone) == premises.contact_phone


def test_structure_is_consistent(loaded: demo.LoadResult) -> None:
    for flat in Flat.objects.select_related("building__compound", "entrance"):
        assert flat.address == flat.compute_address()
        assert flat.entrance is not None
        assert flat.entrance.building_id == flat.building_id
    assert not Building.objects.filter(sort_key=0).exists()
    assert not Entrance.objects.filter(sort_key=0).exists()
    numbers = list(
        Building.objects.filter(compound__name="新市民公寓").values_list("number", flat=True)
    )
    assert numbers == [str(n) for n in range(1, 12)]  # natural order through sort_key


def test_households_have_one_head_and_vacant_flats_none(loaded: demo.LoadResult) -> None:
    flats = Flat.objects.annotate(
        people=Count("residents"), heads=Count("residents", filter=Q(residents__is_head=True))
    )
    for flat in flats:
        if flat.status == FlatStatus.VACANT:
            assert (flat.people, flat.heads) == (0, 0)
            assert flat.notes == demo.LONG_VACANT_NOTE
        else:
            assert 1 <= flat.people <= 5
            assert flat.heads == 1
    # everyone has one current residence row matching the resident
    assert Residence.objects.count() == Resident.objects.count()
    assert not Residence.objects.exclude(flat_id=F("resident__flat_id")).exists()


def test_population_mix(loaded: demo.LoadResult) -> None:
    apartments = Counter(
        Resident.objects.filter(flat__building__compound__name="新市民公寓").values_list(
            "population_type", flat=True
        )
    )
    assert apartments[PopulationType.FLOATING] > apartments[PopulationType.REGISTERED]
    relations = set(Resident.objects.values_list("relation", flat=True))
    assert {Relation.OWNER, Relation.OWNER_FAMILY, Relation.TENANT} <= relations
    alone = Resident.objects.filter(notes=demo.ELDERLY_ALONE_NOTE)
    assert alone.exists()
    for r in alone.select_related("flat"):
        assert r.flat.residents.count() == 1


def test_load_writes_one_audit_entry_for_the_batch(loaded: demo.LoadResult) -> None:
    entry = AuditEntry.objects.get(action="demo.load")
    assert entry.actor_id is None
    assert entry.actor_username == "system"
    created = entry.extra["created"]
    assert created["residents"] == Resident.objects.count() == loaded.created["residents"]
    assert created["flats"] == Flat.objects.count()
    assert created["users"] == 6
    # the registry's rows are covered by that one entry (the feature apps' demos
    # write their own entries for what they add)
    registry_writes = AuditEntry.objects.filter(
        action__regex=r"^(station|beat|community|compound|building|entrance|flat|premises|resident)\."
    )
    assert not registry_writes.exists()
    assert audit.verify().ok


def test_reload_creates_nothing(loaded: demo.LoadResult) -> None:
    again = demo.load(password="demo-password")
    assert again.created == {}
    assert AuditEntry.objects.filter(action="demo.load").count() == 1
    assert [login[0] for login in again.logins] == [login[0] for login in loaded.logins]
