"""Shared fixtures: a small two-beat world with one user of every role."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from rest_framework.test import APIClient

from beatbook.accounts.models import Role
from beatbook.accounts.tests.factories import UserFactory
from beatbook.registry.models import FlatStatus
from beatbook.registry.tests import factories as f

PASSWORD = "correct-horse-battery"


def pytest_configure(config: Any) -> None:
    # PBKDF2 at Django's default cost takes ~0.3 s a user; the world fixture makes
    # seven per test. Tests check behaviour, not hashing strength.
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tests fetch static files (the API docs' assets) without collectstatic.
    settings.WHITENOISE_USE_FINDERS = True


@dataclass
class World:
    station: Any
    beat_a: Any
    beat_b: Any
    community_a: Any
    community_b: Any
    compound_a: Any
    compound_b: Any
    building_a: Any
    building_b: Any
    building_b2: Any
    entrance_a: Any
    flat_a: Any
    flat_a_vacant: Any
    flat_b: Any
    flat_b2: Any
    resident_a: Any
    resident_b: Any
    resident_b2: Any
    premises_a: Any
    premises_b: Any
    officer_a: Any
    officer_b: Any
    head: Any
    worker_a: Any
    chief: Any
    sysadmin: Any
    auditor: Any

    def users(self) -> dict[str, Any]:
        return {
            "officer_a": self.officer_a,
            "officer_b": self.officer_b,
            "head": self.head,
            "worker_a": self.worker_a,
            "chief": self.chief,
            "sysadmin": self.sysadmin,
            "auditor": self.auditor,
        }


@pytest.fixture
def world(db: Any) -> World:
    """Beat A (community A, compound A, building A) and beat B (compound B with
    buildings B and B2). ``head`` is a building head of building B2 only."""
    station = f.StationFactory(name="测试派出所")
    beat_a = f.BeatFactory(station=station, name="A警务区")
    beat_b = f.BeatFactory(station=station, name="B警务区")
    community_a = f.CommunityFactory(beat=beat_a, name="富贵社区T")
    community_b = f.CommunityFactory(beat=beat_b, name="余岗社区T")
    compound_a = f.CompoundFactory(community=community_a, name="富贵佳园T")
    compound_b = f.CompoundFactory(community=community_b, name="新市民公寓T")
    building_a = f.BuildingFactory(compound=compound_a, number="6")
    building_b = f.BuildingFactory(compound=compound_b, number="1")
    building_b2 = f.BuildingFactory(compound=compound_b, number="2")
    entrance_a = f.EntranceFactory(building=building_a, number="1")
    flat_a = f.FlatFactory(building=building_a, entrance=entrance_a, room="101")
    flat_a_vacant = f.FlatFactory(
        building=building_a, entrance=entrance_a, room="102", status=FlatStatus.VACANT
    )
    flat_b = f.FlatFactory(building=building_b, room="101")
    flat_b2 = f.FlatFactory(building=building_b2, room="201")
    resident_a = f.ResidentFactory(flat=flat_a, name="张三", is_head=True)
    resident_b = f.ResidentFactory(flat=flat_b, name="李四", is_head=True)
    resident_b2 = f.ResidentFactory(flat=flat_b2, name="王五", is_head=True)
    premises_a = f.PremisesFactory(community=community_a, compound=compound_a, name="富贵超市")
    premises_b = f.PremisesFactory(community=community_b, compound=compound_b, name="余岗五金店")
    return World(
        station=station,
        beat_a=beat_a,
        beat_b=beat_b,
        community_a=community_a,
        community_b=community_b,
        compound_a=compound_a,
        compound_b=compound_b,
        building_a=building_a,
        building_b=building_b,
        building_b2=building_b2,
        entrance_a=entrance_a,
        flat_a=flat_a,
        flat_a_vacant=flat_a_vacant,
        flat_b=flat_b,
        flat_b2=flat_b2,
        resident_a=resident_a,
        resident_b=resident_b,
        resident_b2=resident_b2,
        premises_a=premises_a,
        premises_b=premises_b,
        officer_a=UserFactory(
            username="t-officer-a", role=Role.OFFICER, station=station, beats=[beat_a]
        ),
        officer_b=UserFactory(
            username="t-officer-b", role=Role.OFFICER, station=station, beats=[beat_b]
        ),
        head=UserFactory(
            username="t-head",
            role=Role.BUILDING_HEAD,
            station=station,
            head_of_buildings=[building_b2],
        ),
        worker_a=UserFactory(
            username="t-worker-a", role=Role.WORKER, station=station, communities=[community_a]
        ),
        chief=UserFactory(username="t-chief", role=Role.CHIEF, station=station),
        sysadmin=UserFactory(username="t-admin", role=Role.SYSADMIN),
        auditor=UserFactory(username="t-auditor", role=Role.AUDITOR),
    )


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()
