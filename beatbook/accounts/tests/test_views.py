"""Configuration pages: the system administrator only, and never residents' data."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from beatbook.accounts.models import Role, User
from beatbook.accounts.tests.factories import UserFactory
from beatbook.core.models import AuditEntry
from beatbook.core.tests.utils import last_entry
from beatbook.registry.models import Beat, Community, Station
from beatbook.registry.tests import factories as f

pytestmark = pytest.mark.django_db


def config_urls(world) -> list[str]:
    return [
        reverse("accounts:admin-home"),
        reverse("accounts:station-create"),
        reverse("accounts:beat-create"),
        reverse("accounts:community-create"),
        reverse("accounts:community-move", args=[world.community_a.pk]),
        reverse("accounts:user-create"),
        reverse("accounts:user-detail", args=[world.head.pk]),
        reverse("accounts:user-edit", args=[world.head.pk]),
        reverse("accounts:user-assign", args=[world.head.pk]),
        reverse("accounts:user-password", args=[world.head.pk]),
        reverse("accounts:compound-buildings") + "?add_compound=" + world.compound_a.name,
    ]


def post_urls(world) -> list[str]:
    return [
        reverse("accounts:station-create"),
        reverse("accounts:user-create"),
        reverse("accounts:user-password", args=[world.head.pk]),
        reverse("accounts:user-deactivate", args=[world.head.pk]),
        reverse("accounts:user-reactivate", args=[world.head.pk]),
        reverse("accounts:user-assign", args=[world.head.pk]),
    ]


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.sysadmin)
    return client


# --- who may come in ----------------------------------------------------------


@pytest.mark.parametrize("who", ["officer_a", "head", "worker_a", "chief", "auditor"])
def test_every_other_role_gets_403(client, world, who):
    client.force_login(world.users()[who])
    for url in config_urls(world):
        assert client.get(url).status_code == 403, url
    count = AuditEntry.objects.count()
    for url in post_urls(world):
        response = client.post(
            url, {"name": "X", "username": "x", "role": "officer", "password": ""}
        )
        assert response.status_code == 403, url
    assert AuditEntry.objects.count() == count
    assert User.objects.get(pk=world.head.pk).is_active


def test_anonymous_is_sent_to_login(client, world):
    for url in config_urls(world):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_sysadmin_sees_every_page_and_no_residents(admin_client, world):
    forbidden = []
    for r in (world.resident_a, world.resident_b, world.resident_b2):
        forbidden += [r.name, r.id_number, r.id_number[-6:]]
    forbidden += [world.flat_a.address, world.premises_a.name]
    for url in config_urls(world):
        response = admin_client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        for text in forbidden:
            assert text not in html, (url, text)


def test_home_shows_the_tree_and_users(admin_client, world):
    html = admin_client.get(reverse("accounts:admin-home")).content.decode()
    for text in (
        world.station.name,
        world.beat_a.name,
        world.beat_b.name,
        world.community_a.name,
        world.community_b.name,
        world.officer_a.username,
        world.head.username,
    ):
        assert text in html
    # assignments: the head's building, named by compound + building number
    assert f"{world.compound_b.name}2号楼" in html


def test_home_user_filters(admin_client, world):
    url = reverse("accounts:admin-home")
    html = admin_client.get(url, {"role": Role.WORKER}).content.decode()
    assert world.worker_a.username in html
    assert world.officer_a.username not in html
    html = admin_client.get(url, {"q": "officer-b"}).content.decode()
    assert world.officer_b.username in html
    assert world.officer_a.username not in html


def test_home_query_count_does_not_grow_with_users(
    admin_client, world, django_assert_max_num_queries
):
    url = reverse("accounts:admin-home")
    for n in range(30):
        UserFactory(
            username=f"bulk{n}",
            role=Role.BUILDING_HEAD,
            station=world.station,
            head_of_buildings=[world.building_a, world.building_b],
            password=None,
        )
    with django_assert_max_num_queries(16):
        response = admin_client.get(url)
    assert response.status_code == 200
    assert "bulk29" in response.content.decode()


def test_home_is_paginated(admin_client, world):
    for n in range(55):
        UserFactory(username=f"zz{n:02d}", role=Role.OFFICER, password=None)
    url = reverse("accounts:admin-home")
    first = admin_client.get(url).content.decode()
    second = admin_client.get(url, {"page": 2}).content.decode()
    assert "zz54" not in first
    assert "zz54" in second


# --- structure ----------------------------------------------------------------


def test_create_station_beat_and_community(admin_client, world):
    response = admin_client.post(
        reverse("accounts:station-create"), {"name": "新城派出所", "code": ""}
    )
    assert response.status_code == 302
    station = Station.objects.get(name="新城派出所")
    assert last_entry().action == "station.create"

    response = admin_client.post(
        reverse("accounts:beat-create"), {"station": station.pk, "name": "新城一区", "code": "01"}
    )
    assert response.status_code == 302
    beat = Beat.objects.get(name="新城一区")
    assert beat.station == station
    assert last_entry().action == "beat.create"

    response = admin_client.post(
        reverse("accounts:community-create"), {"beat": beat.pk, "name": "新城社区"}
    )
    assert response.status_code == 302
    assert Community.objects.get(name="新城社区").beat == beat
    assert last_entry().action == "community.create"


def test_form_errors_keep_what_was_typed(admin_client, world):
    response = admin_client.post(
        reverse("accounts:community-create"),
        {"beat": world.beat_b.pk, "name": world.community_a.name},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'value="{world.community_a.name}"' in html
    assert re.search(rf'<option value="{world.beat_b.pk}" selected', html)
    assert "is-invalid" in html
    assert Community.objects.count() == 2


def test_move_community(admin_client, world):
    url = reverse("accounts:community-move", args=[world.community_a.pk])
    assert admin_client.post(url, {"beat": world.beat_b.pk}).status_code == 302
    world.community_a.refresh_from_db()
    assert world.community_a.beat == world.beat_b
    entry = last_entry()
    assert entry.action == "community.move"
    assert entry.object_id == str(world.community_a.pk)
    # moving it to the beat it is already in is refused on the form
    response = admin_client.post(url, {"beat": world.beat_b.pk})
    assert response.status_code == 200
    assert AuditEntry.objects.filter(action="community.move").count() == 1


# --- users --------------------------------------------------------------------


def test_create_user_with_a_typed_password(admin_client, world, client):
    response = admin_client.post(
        reverse("accounts:user-create"),
        {
            "username": "zhao6",
            "display_name": "赵六",
            "role": Role.OFFICER,
            "station": world.station.pk,
            "phone": "",
            "password": "typed-by-admin-42",
        },
    )
    user = User.objects.get(username="zhao6")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:user-detail", args=[user.pk])
    assert user.check_password("typed-by-admin-42")
    assert user.station == world.station
    assert last_entry().action == "user.create"


def test_create_user_with_a_generated_password_shows_it_once(admin_client, world):
    response = admin_client.post(
        reverse("accounts:user-create"),
        {
            "username": "qian7",
            "display_name": "",
            "role": Role.WORKER,
            "station": "",
            "password": "",
        },
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    match = re.search(r'id="generated-password" value="([a-z2-9-]+)"', response.content.decode())
    assert match
    user = User.objects.get(username="qian7")
    assert user.check_password(match.group(1))
    # the detail page does not show it again
    detail = admin_client.get(reverse("accounts:user-detail", args=[user.pk])).content.decode()
    assert match.group(1) not in detail


def test_create_user_errors_keep_the_input(admin_client, world):
    response = admin_client.post(
        reverse("accounts:user-create"),
        {
            "username": world.officer_a.username,
            "display_name": "孙八",
            "role": Role.OFFICER,
            "password": "short",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="孙八"' in html
    assert f'value="{world.officer_a.username}"' in html
    assert User.objects.filter(display_name="孙八").count() == 0
    # a weak password is refused by the validators, a taken username by the service
    response = admin_client.post(
        reverse("accounts:user-create"),
        {
            "username": world.officer_a.username,
            "role": Role.OFFICER,
            "password": "long-enough-pw-1",
        },
    )
    assert response.status_code == 200
    assert 'name="username"' in response.content.decode()
    assert AuditEntry.objects.filter(action="user.create").count() == 0


def test_edit_user(admin_client, world):
    url = reverse("accounts:user-edit", args=[world.officer_b.pk])
    response = admin_client.post(
        url,
        {"display_name": "周九", "role": Role.OFFICER, "station": world.station.pk, "phone": ""},
    )
    assert response.status_code == 302
    assert User.objects.get(pk=world.officer_b.pk).display_name == "周九"
    assert last_entry().action == "user.update"


def test_assign_beats_to_an_officer(admin_client, world):
    url = reverse("accounts:user-assign", args=[world.officer_a.pk])
    html = admin_client.get(url).content.decode()
    assert world.beat_b.name in html
    response = admin_client.post(url, {"beats": [world.beat_a.pk, world.beat_b.pk]})
    assert response.status_code == 302
    assert set(User.objects.get(pk=world.officer_a.pk).beats.all()) == {world.beat_a, world.beat_b}
    entry = last_entry()
    assert entry.action == "user.assign"
    assert entry.after["beats"] == sorted([world.beat_a.pk, world.beat_b.pk])


def test_assign_communities_to_a_worker(admin_client, world):
    url = reverse("accounts:user-assign", args=[world.worker_a.pk])
    assert admin_client.post(url, {"communities": [world.community_b.pk]}).status_code == 302
    assert list(User.objects.get(pk=world.worker_a.pk).communities.all()) == [world.community_b]
    assert last_entry().action == "user.assign"


def test_assign_buildings_by_compound_name_and_number(admin_client, world):
    url = reverse("accounts:user-assign", args=[world.head.pk])
    # keep building B2, add building 1 of the same compound written as "1号楼"
    response = admin_client.post(
        url,
        {
            "buildings": [world.building_b2.pk],
            "add_compound": world.compound_b.name,
            "add_numbers": "1号楼",
        },
    )
    assert response.status_code == 302
    head = User.objects.get(pk=world.head.pk)
    assert set(head.head_of_buildings.all()) == {world.building_b, world.building_b2}
    # untick B2 and add building 6 of compound A
    response = admin_client.post(
        url,
        {
            "buildings": [world.building_b.pk],
            "add_compound": world.compound_a.name,
            "add_numbers": "6",
        },
    )
    assert response.status_code == 302
    assert set(head.head_of_buildings.all()) == {world.building_a, world.building_b}
    assert last_entry().after == {
        "head_of_buildings": sorted([world.building_a.pk, world.building_b.pk])
    }


def test_assign_unknown_building_keeps_the_input(admin_client, world):
    url = reverse("accounts:user-assign", args=[world.head.pk])
    count = AuditEntry.objects.count()
    response = admin_client.post(
        url,
        {
            "buildings": [world.building_b2.pk],
            "add_compound": world.compound_b.name,
            "add_numbers": "1, 99",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="1, 99"' in html
    assert f'value="{world.compound_b.name}"' in html
    assert AuditEntry.objects.count() == count
    response = admin_client.post(url, {"add_compound": "没有这个小区", "add_numbers": "1"})
    assert response.status_code == 200
    assert list(User.objects.get(pk=world.head.pk).head_of_buildings.all()) == [world.building_b2]


def test_compound_buildings_lists_numbers_only(admin_client, world):
    f.BuildingFactory(compound=world.compound_b, number="10")
    response = admin_client.get(
        reverse("accounts:compound-buildings"), {"add_compound": world.compound_b.name}
    )
    assert "1, 2, 10" in response.content.decode()


def test_reset_password_typed_and_generated(admin_client, world):
    url = reverse("accounts:user-password", args=[world.head.pk])
    assert admin_client.post(url, {"password": "brand-new-secret-1"}).status_code == 302
    assert User.objects.get(pk=world.head.pk).check_password("brand-new-secret-1")
    assert last_entry().action == "user.set_password"
    response = admin_client.post(url, {"password": ""})
    assert response.status_code == 200
    password = re.search(r'id="generated-password" value="([a-z2-9-]+)"', response.content.decode())
    assert password
    assert User.objects.get(pk=world.head.pk).check_password(password.group(1))
    assert AuditEntry.objects.filter(action="user.set_password").count() == 2


def test_weak_password_is_refused(admin_client, world):
    url = reverse("accounts:user-password", args=[world.head.pk])
    response = admin_client.post(url, {"password": "12345"})
    assert response.status_code == 200
    assert not AuditEntry.objects.filter(action="user.set_password").exists()


def test_deactivate_and_reactivate(admin_client, world):
    response = admin_client.post(reverse("accounts:user-deactivate", args=[world.officer_b.pk]))
    assert response.status_code == 302
    assert not User.objects.get(pk=world.officer_b.pk).is_active
    assert last_entry().action == "user.deactivate"
    admin_client.post(reverse("accounts:user-reactivate", args=[world.officer_b.pk]))
    assert User.objects.get(pk=world.officer_b.pk).is_active
    assert last_entry().action == "user.reactivate"


def test_deactivate_is_post_only_and_not_for_oneself(admin_client, world):
    assert (
        admin_client.get(reverse("accounts:user-deactivate", args=[world.officer_b.pk])).status_code
        == 405
    )
    admin_client.post(reverse("accounts:user-deactivate", args=[world.sysadmin.pk]))
    assert User.objects.get(pk=world.sysadmin.pk).is_active
    assert not AuditEntry.objects.filter(action="user.deactivate").exists()


def test_unknown_user_is_404(admin_client, world):
    assert admin_client.get(reverse("accounts:user-detail", args=[999999])).status_code == 404


# --- compounds whose names repeat across communities ----------------------------------


@pytest.fixture
def twin_compound(world):
    """A compound in community A with the same name as compound B (names are
    unique only within a community), with its own building 1."""
    twin = f.CompoundFactory(community=world.community_a, name=world.compound_b.name)
    return f.BuildingFactory(compound=twin, number="1")


def test_a_compound_name_used_in_two_communities_must_be_qualified(
    admin_client, world, twin_compound
):
    url = reverse("accounts:user-assign", args=[world.head.pk])
    count = AuditEntry.objects.count()
    response = admin_client.post(
        url,
        {
            "buildings": [world.building_b2.pk],
            "add_compound": world.compound_b.name,
            "add_numbers": "1",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert world.community_a.name in html and world.community_b.name in html
    assert AuditEntry.objects.count() == count
    # "community / compound" names one of them: its building 1, not the twin's
    response = admin_client.post(
        url,
        {
            "buildings": [world.building_b2.pk],
            "add_compound": f"{world.community_a.name} / {world.compound_b.name}",
            "add_numbers": "1",
        },
    )
    assert response.status_code == 302
    head = User.objects.get(pk=world.head.pk)
    assert set(head.head_of_buildings.all()) == {twin_compound, world.building_b2}


def test_compound_suggestions_name_their_community(admin_client, world, twin_compound):
    html = admin_client.get(reverse("accounts:user-assign", args=[world.head.pk])).content.decode()
    for community in (world.community_a, world.community_b):
        assert f'<option value="{community.name} / {world.compound_b.name}">' in html


def test_compound_buildings_hint_for_an_ambiguous_name(admin_client, world, twin_compound):
    f.BuildingFactory(compound=world.compound_b, number="10")
    url = reverse("accounts:compound-buildings")
    html = admin_client.get(url, {"add_compound": world.compound_b.name}).content.decode()
    assert world.community_a.name in html and world.community_b.name in html
    assert "1, 2, 10" not in html
    qualified = f"{world.community_b.name}/{world.compound_b.name}"
    html = admin_client.get(url, {"add_compound": qualified}).content.decode()
    assert "1, 2, 10" in html


def test_assignment_page_lists_current_buildings_in_few_queries(
    admin_client, world, django_assert_max_num_queries
):
    head = User.objects.get(pk=world.head.pk)
    head.head_of_buildings.add(world.building_a, world.building_b)
    url = reverse("accounts:user-assign", args=[world.head.pk])
    with django_assert_max_num_queries(12):
        response = admin_client.get(url)
    choices = dict(response.context["form"].fields["buildings"].choices)
    assert choices == {
        b.pk: str(b) for b in (world.building_a, world.building_b, world.building_b2)
    }


def test_chief_assignment_page_has_nothing_to_assign(admin_client, world):
    response = admin_client.get(reverse("accounts:user-assign", args=[world.chief.pk]))
    assert response.status_code == 200
    assert response.context["covers_station"]
    assert not response.context["form"].fields


def test_create_user_refuses_an_invalid_username(admin_client, world):
    response = admin_client.post(
        reverse("accounts:user-create"),
        {"username": "bad name!", "role": Role.OFFICER, "password": ""},
    )
    assert response.status_code == 200
    assert "username" in response.context["form"].errors
    assert not User.objects.filter(username="bad name!").exists()
