"""The registry API under /api/v1/: scope per role, masking and audit, writes
through the services, filters, pagination, and the schema."""

from __future__ import annotations

import re
from typing import Any

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from beatbook.accounts.services import token_for
from beatbook.core.models import AuditEntry
from beatbook.registry.idnumbers import mask_id_number
from beatbook.registry.models import (
    Beat,
    Building,
    Community,
    Compound,
    Flat,
    Premises,
    Resident,
    TransferRequest,
    TransferStatus,
)
from beatbook.registry.tests import factories as f
from beatbook.registry.tests.helpers import ROLES, WORLD_VISIBLE

API = "/api/v1"
#: endpoint → role → the world's objects that role sees (and nothing else)
VISIBLE: dict[str, dict[str, set[str]]] = {
    "beats": WORLD_VISIBLE[Beat],
    "communities": WORLD_VISIBLE[Community],
    "compounds": WORLD_VISIBLE[Compound],
    "buildings": WORLD_VISIBLE[Building],
    "flats": WORLD_VISIBLE[Flat],
    "residents": WORLD_VISIBLE[Resident],
    "premises": WORLD_VISIBLE[Premises],
}
WRITABLE = ["compounds", "buildings", "flats", "residents", "premises"]


def login(client: APIClient, user: Any) -> APIClient:
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def objects_of(world: Any, endpoint: str) -> dict[str, Any]:
    """Every world object listed by the endpoint, by attribute name."""
    names = set().union(*VISIBLE[endpoint].values())
    return {name: getattr(world, name) for name in sorted(names)}


def ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# --- scope: every endpoint, every role ---------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", list(VISIBLE))
def test_list_shows_exactly_the_objects_in_scope(world, api_client, endpoint, role):
    login(api_client, world.users()[role])
    response = api_client.get(f"{API}/{endpoint}/")
    assert ids(response) == {getattr(world, name).pk for name in VISIBLE[endpoint][role]}
    assert response.json()["count"] == len(VISIBLE[endpoint][role])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", list(VISIBLE))
def test_detail_outside_scope_is_404_like_missing(world, api_client, endpoint, role):
    login(api_client, world.users()[role])
    for name, obj in objects_of(world, endpoint).items():
        response = api_client.get(f"{API}/{endpoint}/{obj.pk}/")
        if name in VISIBLE[endpoint][role]:
            assert response.status_code == 200, (name, response.content)
            assert response.json()["id"] == obj.pk
        else:
            assert response.status_code == 404, (name, response.content)
    assert api_client.get(f"{API}/{endpoint}/999999/").status_code == 404
    assert api_client.get(f"{API}/{endpoint}/abc/").status_code == 404
    assert api_client.get(f"{API}/{endpoint}/{10**30}/").status_code == 404


@pytest.mark.parametrize("endpoint", [*VISIBLE, "transfer-requests"])
def test_anonymous_gets_401(world, api_client, endpoint):
    response = api_client.get(f"{API}/{endpoint}/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_session_login_works_too(world, api_client):
    api_client.force_login(world.officer_a)
    assert ids(api_client.get(f"{API}/residents/")) == {world.resident_a.pk}


def test_token_from_the_accounts_service(world, api_client):
    token = token_for(actor=world.sysadmin, user=world.officer_b)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert ids(api_client.get(f"{API}/residents/")) == {world.resident_b.pk, world.resident_b2.pk}


def test_a_bad_token_is_401(world, api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert api_client.get(f"{API}/residents/").status_code == 401


@pytest.mark.parametrize("endpoint", WRITABLE)
def test_delete_and_put_are_not_allowed(world, api_client, endpoint):
    login(api_client, world.chief)
    obj = next(iter(objects_of(world, endpoint).values()))
    assert api_client.delete(f"{API}/{endpoint}/{obj.pk}/").status_code == 405
    assert api_client.put(f"{API}/{endpoint}/{obj.pk}/", {}, format="json").status_code == 405
    assert type(obj).objects.filter(pk=obj.pk).exists()


@pytest.mark.parametrize("endpoint", ["beats", "communities"])
def test_jurisdiction_is_read_only(world, api_client, endpoint):
    login(api_client, world.sysadmin)
    assert api_client.post(f"{API}/{endpoint}/", {"name": "x"}, format="json").status_code == 405
    obj = world.beat_a if endpoint == "beats" else world.community_a
    assert (
        api_client.patch(f"{API}/{endpoint}/{obj.pk}/", {"name": "x"}, format="json").status_code
        == 405
    )


# --- residents: the beat, masking and the audited read -------------------------------


def test_officer_sees_only_own_beat_residents(world, api_client):
    login(api_client, world.officer_a)
    assert ids(api_client.get(f"{API}/residents/")) == {world.resident_a.pk}
    assert api_client.get(f"{API}/residents/{world.resident_b.pk}/").status_code == 404
    assert not AuditEntry.objects.filter(action="resident.read").exists()


def test_chief_sees_both_beats_and_sysadmin_no_one(world, api_client):
    login(api_client, world.chief)
    assert ids(api_client.get(f"{API}/residents/")) == {
        world.resident_a.pk,
        world.resident_b.pk,
        world.resident_b2.pk,
    }
    login(api_client, world.sysadmin)
    assert ids(api_client.get(f"{API}/residents/")) == set()
    assert api_client.get(f"{API}/residents/{world.resident_a.pk}/").status_code == 404


def test_list_masks_id_numbers_and_records_no_read(world, api_client):
    login(api_client, world.officer_a)
    row = api_client.get(f"{API}/residents/").json()["results"][0]
    assert row["id_number"] == mask_id_number(world.resident_a.id_number)
    assert row["id_number"] != world.resident_a.id_number
    assert row["id_number"][4:14] == "*" * 10
    assert not AuditEntry.objects.filter(action="resident.read").exists()


def test_resident_fields(world, api_client):
    login(api_client, world.officer_a)
    row = api_client.get(f"{API}/residents/").json()["results"][0]
    assert set(row) >= {
        "id",
        "name",
        "id_number",
        "document_type",
        "passport_country",
        "sex",
        "birth_date",
        "phones",
        "population_type",
        "relation",
        "is_head",
        "flat",
        "address",
        "moved_out",
        "moved_out_on",
        "ethnicity",
        "occupation",
        "notes",
    }
    r = world.resident_a
    assert row["name"] == "张三"
    assert row["flat"] == world.flat_a.pk
    assert row["address"] == world.flat_a.address == "富贵佳园T6号楼1单元101"
    assert row["document_type"] == "id_card"
    assert row["population_type"] == "registered"
    assert row["relation"] == "owner"
    assert row["is_head"] is True
    assert row["moved_out"] is False
    assert row["moved_out_on"] is None
    assert row["phones"] == r.phones
    assert row["birth_date"] == r.birth_date.isoformat()


def test_detail_shows_full_number_and_records_the_read(world, api_client):
    login(api_client, world.officer_a)
    response = api_client.get(f"{API}/residents/{world.resident_a.pk}/")
    assert response.status_code == 200
    assert response.json()["id_number"] == world.resident_a.id_number
    entries = AuditEntry.objects.filter(action="resident.read")
    assert entries.count() == 1
    entry = entries.get()
    assert entry.actor == world.officer_a
    assert entry.object_id == str(world.resident_a.pk)


def test_worker_gets_masked_number_on_detail_and_the_read_is_audited(world, api_client):
    login(api_client, world.worker_a)
    response = api_client.get(f"{API}/residents/{world.resident_a.pk}/")
    assert response.status_code == 200
    assert response.json()["id_number"] == mask_id_number(world.resident_a.id_number)
    read = AuditEntry.objects.get(action="resident.read")
    assert read.actor == world.worker_a
    assert read.extra == {"purpose": "api", "id_number": "masked"}


# --- residents: writes ------------------------------------------------------------------


def register(client: APIClient, flat: Flat, **fields: Any) -> Any:
    body = {"flat": flat.pk, "name": "赵六", "id_number": f.fake_id_number(7001), **fields}
    return client.post(f"{API}/residents/", body, format="json")


def test_register_resident(world, api_client):
    login(api_client, world.officer_a)
    number = f.fake_id_number(7001)
    response = register(
        api_client,
        world.flat_a_vacant,
        id_number=number.lower(),
        phones=["139 1234 5678"],
        relation="tenant",
        population_type="floating",
        is_head=True,
        occupation="厨师",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    resident = Resident.objects.get(pk=body["id"])
    assert resident.flat == world.flat_a_vacant
    assert body["id_number"] == number  # the number just sent, normalised
    assert body["phones"] == ["+8613912345678"]
    assert body["relation"] == "tenant"
    assert body["population_type"] == "floating"
    assert body["is_head"] is True
    assert body["address"] == world.flat_a_vacant.address
    assert body["birth_date"] == resident.birth_date.isoformat()
    assert (
        AuditEntry.objects.filter(action="resident.create", object_id=str(resident.pk)).count() == 1
    )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        (
            {
                "id_number": f.fake_id_number(7001)[:-1]
                + ("0" if f.fake_id_number(7001)[-1] != "0" else "1")
            },
            "id_number",
        ),
        ({"id_number": "12345"}, "id_number"),
        ({"phones": ["12345"]}, "phones"),
        ({"relation": "cousin"}, "relation"),
        ({"population_type": "tourist"}, "population_type"),
        ({"name": ""}, "name"),
        ({"birth_date": "not a date"}, "birth_date"),
    ],
)
def test_register_rejects_bad_values_with_field_messages(world, api_client, fields, field):
    login(api_client, world.officer_a)
    response = register(api_client, world.flat_a_vacant, **fields)
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {field}
    assert isinstance(body[field], list) and all(isinstance(m, str) and m for m in body[field])
    assert not Resident.objects.filter(flat=world.flat_a_vacant).exists()


def test_register_second_head_of_household(world, api_client):
    login(api_client, world.officer_a)
    response = register(api_client, world.flat_a, is_head=True)
    assert response.status_code == 400
    assert list(response.json()) == ["is_head"]
    assert register(api_client, world.flat_a, is_head=False).status_code == 201


def test_register_a_number_already_in_scope_points_to_the_person(world, api_client):
    login(api_client, world.officer_a)
    response = register(api_client, world.flat_a_vacant, id_number=world.resident_a.id_number)
    assert response.status_code == 400
    body = response.json()
    assert body["existing_resident"] == world.resident_a.pk
    assert len(body["id_number"]) == 1
    assert set(body) == {"id_number", "existing_resident"}


def test_register_a_number_from_another_beat_reveals_nothing(world, api_client):
    login(api_client, world.officer_a)
    response = register(api_client, world.flat_a_vacant, id_number=world.resident_b.id_number)
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"id_number"}
    text = " ".join(body["id_number"])
    assert world.resident_b.name not in text
    assert world.flat_b.address not in text


def test_register_into_a_flat_out_of_scope_is_does_not_exist(world, api_client):
    login(api_client, world.officer_a)
    response = register(api_client, world.flat_b)
    assert response.status_code == 400
    assert set(response.json()) == {"flat"}
    missing = register(api_client, Flat(pk=999999))
    assert missing.json() == {
        "flat": [m.replace(str(world.flat_b.pk), "999999") for m in response.json()["flat"]]
    }
    assert register(api_client, Flat(pk=10**30)).status_code == 400
    assert (
        api_client.post(
            f"{API}/residents/", {"flat": "x", "name": "a", "id_number": "1"}, format="json"
        ).status_code
        == 400
    )


@pytest.mark.parametrize(
    ("role", "expected"), [("worker_a", 403), ("chief", 403), ("sysadmin", 400), ("auditor", 400)]
)
def test_register_by_roles_that_cannot_edit(world, api_client, role, expected):
    login(api_client, world.users()[role])
    response = register(api_client, world.flat_a_vacant)
    assert response.status_code == expected
    if expected == 400:
        assert set(response.json()) == {"flat"}
    assert not Resident.objects.filter(flat=world.flat_a_vacant).exists()


def test_head_registers_in_own_building_only(world, api_client):
    login(api_client, world.head)
    assert register(api_client, world.flat_b2).status_code == 201
    assert register(api_client, world.flat_b, id_number=f.fake_id_number(7002)).status_code == 400


def test_update_resident(world, api_client):
    login(api_client, world.officer_a)
    url = f"{API}/residents/{world.resident_a.pk}/"
    response = api_client.patch(
        url, {"phones": ["010-88886666"], "occupation": "退休"}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["phones"] == ["+861088886666"]
    assert body["occupation"] == "退休"
    assert body["id_number"] == mask_id_number(world.resident_a.id_number)  # not part of the change
    world.resident_a.refresh_from_db()
    assert world.resident_a.occupation == "退休"
    assert (
        AuditEntry.objects.filter(
            action="resident.update", object_id=str(world.resident_a.pk)
        ).count()
        == 1
    )
    assert not AuditEntry.objects.filter(action="resident.read").exists()


def test_update_resident_id_number(world, api_client):
    login(api_client, world.officer_a)
    number = f.fake_id_number(7003)
    response = api_client.patch(
        f"{API}/residents/{world.resident_a.pk}/", {"id_number": number}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["id_number"] == number


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"phones": ["555"]}, "phones"),
        ({"id_number": "110105199001011234"}, "id_number"),
        ({"relation": "neighbour"}, "relation"),
        ({"is_head": "maybe"}, "is_head"),
    ],
)
def test_update_rejects_bad_values(world, api_client, fields, field):
    login(api_client, world.officer_a)
    response = api_client.patch(f"{API}/residents/{world.resident_a.pk}/", fields, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {field}


def test_update_second_head_and_duplicate_number(world, api_client):
    other = f.ResidentFactory(flat=world.flat_a, name="张小三", is_head=False)
    login(api_client, world.officer_a)
    url = f"{API}/residents/{other.pk}/"
    response = api_client.patch(url, {"is_head": True}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"is_head"}
    response = api_client.patch(url, {"id_number": world.resident_a.id_number}, format="json")
    assert response.status_code == 400
    assert response.json()["existing_resident"] == world.resident_a.pk


def test_update_out_of_scope_is_404_and_worker_403(world, api_client):
    login(api_client, world.officer_a)
    assert (
        api_client.patch(
            f"{API}/residents/{world.resident_b.pk}/", {"notes": "x"}, format="json"
        ).status_code
        == 404
    )
    login(api_client, world.worker_a)
    assert (
        api_client.patch(
            f"{API}/residents/{world.resident_a.pk}/", {"notes": "x"}, format="json"
        ).status_code
        == 403
    )
    world.resident_b.refresh_from_db()
    world.resident_a.refresh_from_db()
    assert world.resident_a.notes == world.resident_b.notes == ""


def test_move_out_and_move(world, api_client):
    login(api_client, world.officer_a)
    response = api_client.post(
        f"{API}/residents/{world.resident_a.pk}/move-out/", {"reason": "sold"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["moved_out"] is True
    assert ids(api_client.get(f"{API}/residents/?moved_out=true")) == {world.resident_a.pk}
    assert ids(api_client.get(f"{API}/residents/?moved_out=false")) == set()
    again = api_client.post(f"{API}/residents/{world.resident_a.pk}/move-out/", {}, format="json")
    assert again.status_code == 400
    moved = api_client.post(
        f"{API}/residents/{world.resident_a.pk}/move/",
        {"flat": world.flat_a_vacant.pk, "is_head": True},
        format="json",
    )
    assert moved.status_code == 200, moved.content
    assert moved.json()["flat"] == world.flat_a_vacant.pk
    assert moved.json()["moved_out"] is False
    out = api_client.post(
        f"{API}/residents/{world.resident_a.pk}/move/", {"flat": world.flat_b.pk}, format="json"
    )
    assert out.status_code == 400
    assert set(out.json()) == {"flat"}


# --- the address tree: writes ---------------------------------------------------------------


def test_compound_create_and_update(world, api_client):
    login(api_client, world.officer_a)
    response = api_client.post(
        f"{API}/compounds/",
        {"community": world.community_a.pk, "name": "幸福里", "property_phone": "0471-6661234"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "幸福里"
    assert body["property_phone"] == "+864716661234"
    assert body["building_count"] == body["household_count"] == body["resident_count"] == 0
    pk = body["id"]
    response = api_client.patch(
        f"{API}/compounds/{world.compound_a.pk}/", {"name": "富贵佳园"}, format="json"
    )
    assert response.status_code == 200, response.content
    world.flat_a.refresh_from_db()
    assert world.flat_a.address == "富贵佳园6号楼1单元101"
    duplicate = api_client.patch(f"{API}/compounds/{pk}/", {"name": "富贵佳园"}, format="json")
    assert duplicate.status_code == 400
    assert set(duplicate.json()) == {"name"}
    elsewhere = api_client.post(
        f"{API}/compounds/", {"community": world.community_b.pk, "name": "别处"}, format="json"
    )
    assert elsewhere.status_code == 400
    assert set(elsewhere.json()) == {"community"}
    assert (
        api_client.patch(
            f"{API}/compounds/{world.compound_b.pk}/", {"name": "x"}, format="json"
        ).status_code
        == 404
    )


def test_only_beat_officers_create_compounds(world, api_client):
    login(api_client, world.head)  # sees community B through building B2, but has no beat
    response = api_client.post(
        f"{API}/compounds/", {"community": world.community_b.pk, "name": "楼长小区"}, format="json"
    )
    assert response.status_code == 403
    login(api_client, world.sysadmin)
    response = api_client.post(
        f"{API}/compounds/",
        {"community": world.community_a.pk, "name": "管理员小区"},
        format="json",
    )
    assert response.status_code == 403
    assert not Compound.objects.filter(name__in=["楼长小区", "管理员小区"]).exists()


def test_building_create_and_update(world, api_client):
    login(api_client, world.officer_a)
    response = api_client.post(
        f"{API}/buildings/",
        {"compound": world.compound_a.pk, "number": "七号楼", "floors": 6},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] == "7"
    assert body["label"] == "7号楼"
    assert body["compound_name"] == world.compound_a.name
    assert body["household_count"] == 0
    duplicate = api_client.post(
        f"{API}/buildings/", {"compound": world.compound_a.pk, "number": "6号楼"}, format="json"
    )
    assert duplicate.status_code == 400
    assert set(duplicate.json()) == {"number"}
    response = api_client.patch(f"{API}/buildings/{body['id']}/", {"floors": 18}, format="json")
    assert response.status_code == 200
    assert response.json()["floors"] == 18
    bad = api_client.patch(f"{API}/buildings/{body['id']}/", {"floors": "many"}, format="json")
    assert bad.status_code == 400
    assert set(bad.json()) == {"floors"}


def test_flat_create_and_update(world, api_client):
    login(api_client, world.officer_a)
    response = api_client.post(
        f"{API}/flats/",
        {"building": world.building_a.pk, "entrance": "2单元", "room": "301室"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["address"] == "富贵佳园T6号楼2单元301"
    assert body["entrance"] == "2"
    assert body["floor"] == 3
    assert body["status"] == "unknown"
    assert body["resident_count"] == 0
    assert body["head_name"] == ""
    again = api_client.post(
        f"{API}/flats/",
        {"building": world.building_a.pk, "entrance": "2", "room": "301"},
        format="json",
    )
    assert again.status_code == 400
    assert set(again.json()) == {"room"}
    response = api_client.patch(f"{API}/flats/{body['id']}/", {"status": "rented"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "rented"
    bad = api_client.patch(f"{API}/flats/{body['id']}/", {"status": "haunted"}, format="json")
    assert bad.status_code == 400
    assert set(bad.json()) == {"status"}


def test_flat_rows(world, api_client):
    login(api_client, world.officer_a)
    rows = {row["id"]: row for row in api_client.get(f"{API}/flats/").json()["results"]}
    assert rows[world.flat_a.pk]["head_name"] == "张三"
    assert rows[world.flat_a.pk]["resident_count"] == 1
    assert rows[world.flat_a.pk]["entrance"] == "1"
    assert rows[world.flat_a_vacant.pk]["resident_count"] == 0
    assert rows[world.flat_a_vacant.pk]["status"] == "vacant"
    login(api_client, world.officer_b)
    row = api_client.get(f"{API}/flats/{world.flat_b.pk}/").json()
    assert row["entrance"] is None
    assert row["address"] == world.flat_b.address


def test_building_rows(world, api_client):
    f.ResidentFactory(flat=world.flat_a, is_head=False)
    f.ResidentFactory(flat=world.flat_a, is_head=False, moved_out_on="2024-01-01")
    login(api_client, world.officer_a)
    row = api_client.get(f"{API}/buildings/{world.building_a.pk}/").json()
    assert row["household_count"] == 2
    assert row["vacant_count"] == 1
    assert row["resident_count"] == 2  # the one who moved out is not counted
    assert row["compound"] == world.compound_a.pk
    assert row["compound_name"] == world.compound_a.name
    assert row["number"] == "6"


def test_premises_create_and_update(world, api_client):
    login(api_client, world.officer_a)
    response = api_client.post(
        f"{API}/premises/",
        {"compound": world.compound_a.pk, "name": "佳园便利店", "kind": "shop"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["community"] == world.community_a.pk
    assert body["compound"] == world.compound_a.pk
    response = api_client.patch(
        f"{API}/premises/{body['id']}/", {"contact_phone": "13912345678"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["contact_phone"] == "+8613912345678"
    bad = api_client.patch(f"{API}/premises/{body['id']}/", {"contact_phone": "1"}, format="json")
    assert bad.status_code == 400
    assert set(bad.json()) == {"contact_phone"}
    nowhere = api_client.post(f"{API}/premises/", {"name": "无处"}, format="json")
    assert nowhere.status_code == 400
    assert set(nowhere.json()) == {"community"}
    elsewhere = api_client.post(
        f"{API}/premises/", {"community": world.community_b.pk, "name": "别处"}, format="json"
    )
    assert elsewhere.status_code == 400
    assert set(elsewhere.json()) == {"community"}
    assert not Premises.objects.filter(name__in=["无处", "别处"]).exists()


# --- transfers ------------------------------------------------------------------------------


def test_transfer_request_and_decision(world, api_client):
    login(api_client, world.officer_a)
    response = api_client.post(
        f"{API}/transfer-requests/",
        {
            "to_flat": world.flat_a_vacant.pk,
            "id_number": world.resident_b.id_number,
            "reason": "bought the flat",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending"
    assert body["to_flat_address"] == world.flat_a_vacant.address
    assert "resident" not in body
    pk = body["id"]
    assert ids(api_client.get(f"{API}/transfer-requests/")) == {pk}
    assert (
        api_client.post(
            f"{API}/transfer-requests/{pk}/decide/", {"approve": True}, format="json"
        ).status_code
        == 403
    )
    login(api_client, world.officer_b)
    assert ids(api_client.get(f"{API}/transfer-requests/")) == set()
    assert api_client.get(f"{API}/transfer-requests/{pk}/").status_code == 404
    login(api_client, world.chief)
    assert ids(api_client.get(f"{API}/transfer-requests/")) == {pk}
    response = api_client.post(
        f"{API}/transfer-requests/{pk}/decide/", {"approve": True}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved"
    assert TransferRequest.objects.get(pk=pk).status == TransferStatus.APPROVED
    world.resident_b.refresh_from_db()
    assert world.resident_b.flat == world.flat_a_vacant


def test_transfer_request_errors(world, api_client):
    login(api_client, world.officer_a)
    url = f"{API}/transfer-requests/"
    in_scope = api_client.post(
        url,
        {"to_flat": world.flat_a_vacant.pk, "id_number": world.resident_a.id_number, "reason": "x"},
        format="json",
    )
    assert in_scope.status_code == 400
    assert set(in_scope.json()) == {"id_number"}
    no_reason = api_client.post(
        url,
        {"to_flat": world.flat_a_vacant.pk, "id_number": world.resident_b.id_number},
        format="json",
    )
    assert no_reason.status_code == 400
    assert set(no_reason.json()) == {"reason"}
    other_flat = api_client.post(
        url,
        {"to_flat": world.flat_b.pk, "id_number": world.resident_b.id_number, "reason": "x"},
        format="json",
    )
    assert set(other_flat.json()) == {"to_flat"}


# --- filters ---------------------------------------------------------------------------------


def test_building_by_compound_name_and_number(world, api_client):
    login(api_client, world.chief)
    name = world.compound_a.name
    for number in ["6", "6号楼", "六号楼", "06"]:
        response = api_client.get(f"{API}/buildings/", {"compound_name": name, "number": number})
        assert ids(response) == {world.building_a.pk}, number
    assert ids(api_client.get(f"{API}/buildings/", {"compound_name": name, "number": "7"})) == set()
    assert ids(api_client.get(f"{API}/buildings/", {"number": "2号楼"})) == {world.building_b2.pk}
    login(api_client, world.officer_a)
    assert (
        ids(
            api_client.get(
                f"{API}/buildings/", {"compound_name": world.compound_b.name, "number": "1"}
            )
        )
        == set()
    )


@pytest.mark.parametrize(
    ("endpoint", "param", "value", "expected"),
    [
        ("communities", "beat", "beat_b", {"community_b"}),
        ("compounds", "beat", "beat_a", {"compound_a"}),
        ("compounds", "community", "community_b", {"compound_b"}),
        ("buildings", "beat", "beat_b", {"building_b", "building_b2"}),
        ("buildings", "community", "community_a", {"building_a"}),
        ("buildings", "compound", "compound_b", {"building_b", "building_b2"}),
        ("flats", "beat", "beat_a", {"flat_a", "flat_a_vacant"}),
        ("flats", "community", "community_b", {"flat_b", "flat_b2"}),
        ("flats", "compound", "compound_b", {"flat_b", "flat_b2"}),
        ("flats", "building", "building_b2", {"flat_b2"}),
        ("residents", "beat", "beat_b", {"resident_b", "resident_b2"}),
        ("residents", "community", "community_a", {"resident_a"}),
        ("residents", "compound", "compound_b", {"resident_b", "resident_b2"}),
        ("residents", "building", "building_b", {"resident_b"}),
        ("residents", "flat", "flat_b2", {"resident_b2"}),
        ("premises", "beat", "beat_b", {"premises_b"}),
        ("premises", "community", "community_a", {"premises_a"}),
        ("premises", "compound", "compound_b", {"premises_b"}),
    ],
)
def test_filter_by_parent(world, api_client, endpoint, param, value, expected):
    login(api_client, world.chief)
    response = api_client.get(f"{API}/{endpoint}/", {param: getattr(world, value).pk})
    assert ids(response) == {getattr(world, name).pk for name in expected}


def test_filters_never_widen_the_scope(world, api_client):
    login(api_client, world.officer_a)
    assert ids(api_client.get(f"{API}/residents/", {"beat": world.beat_b.pk})) == set()
    assert ids(api_client.get(f"{API}/flats/", {"building": world.building_b.pk})) == set()


@pytest.mark.parametrize(
    "endpoint", ["communities", "compounds", "buildings", "flats", "residents", "premises"]
)
@pytest.mark.parametrize("value", ["abc", "1.5", "0", "-3", str(10**30)])
def test_non_integer_ids_in_filters_are_400(world, api_client, endpoint, value):
    login(api_client, world.chief)
    response = api_client.get(f"{API}/{endpoint}/", {"beat": value})
    assert response.status_code == 400
    assert set(response.json()) == {"beat"}


def test_flat_status_filter(world, api_client):
    login(api_client, world.chief)
    assert ids(api_client.get(f"{API}/flats/", {"status": "vacant"})) == {world.flat_a_vacant.pk}
    response = api_client.get(f"{API}/flats/", {"status": "haunted"})
    assert response.status_code == 400
    assert set(response.json()) == {"status"}


def test_resident_search(world, api_client):
    login(api_client, world.chief)
    assert ids(api_client.get(f"{API}/residents/", {"search": "李"})) == {world.resident_b.pk}
    assert ids(api_client.get(f"{API}/residents/", {"search": world.resident_b2.id_number})) == {
        world.resident_b2.pk
    }
    phone = world.resident_a.phones[0]
    assert ids(api_client.get(f"{API}/residents/", {"search": phone[3:]})) == {world.resident_a.pk}
    assert (
        ids(api_client.get(f"{API}/residents/", {"search": world.resident_b.id_number[:10]}))
        == set()
    )
    login(api_client, world.officer_a)
    assert ids(api_client.get(f"{API}/residents/", {"search": world.resident_b.id_number})) == set()


# --- pagination and queries -------------------------------------------------------------------


def test_pagination_and_page_size_cap(world, api_client):
    Flat.objects.bulk_create(
        Flat(
            building=world.building_a,
            room=f"{n}01",
            floor=n,
            address=f"{world.compound_a.name}6号楼X{n}01",
        )
        for n in range(1, 521)
    )
    login(api_client, world.officer_a)
    first = api_client.get(f"{API}/flats/").json()
    assert first["count"] == 522
    assert len(first["results"]) == 50
    assert first["previous"] is None
    assert "page=2" in first["next"]
    second = api_client.get(first["next"]).json()
    assert len(second["results"]) == 50
    assert not {r["id"] for r in first["results"]} & {r["id"] for r in second["results"]}
    assert len(api_client.get(f"{API}/flats/", {"page_size": 120}).json()["results"]) == 120
    assert len(api_client.get(f"{API}/flats/", {"page_size": 5000}).json()["results"]) == 500
    assert api_client.get(f"{API}/flats/", {"page": 99}).status_code == 404


def _populate(world: Any, n: int = 25) -> None:
    for i in range(n):
        flat = f.FlatFactory(
            building=world.building_a, entrance=world.entrance_a, room=f"{i + 2}01"
        )
        f.ResidentFactory(flat=flat, is_head=True)
        f.ResidentFactory(flat=flat)
        f.PremisesFactory(community=world.community_a, compound=world.compound_a)
        b = f.BuildingFactory(compound=world.compound_a, number=str(100 + i))
        f.FlatFactory(building=b, room="101")
        f.CompoundFactory(community=world.community_a)


@pytest.mark.parametrize(
    "endpoint", ["compounds", "buildings", "flats", "residents", "premises", "communities", "beats"]
)
def test_lists_do_not_query_per_row(world, api_client, django_assert_max_num_queries, endpoint):
    _populate(world)
    login(api_client, world.officer_a)
    with django_assert_max_num_queries(8):
        response = api_client.get(f"{API}/{endpoint}/", {"page_size": 100})
    assert response.status_code == 200
    if endpoint not in ("communities", "beats"):
        assert len(response.json()["results"]) >= 25


def test_detail_queries_are_bounded(world, api_client, django_assert_max_num_queries):
    _populate(world)
    login(api_client, world.officer_a)
    # token, scope (4), the resident, and appending the audit entry (the first creates the chain head)
    with django_assert_max_num_queries(16):
        assert api_client.get(f"{API}/residents/{world.resident_a.pk}/").status_code == 200


# --- schema and docs --------------------------------------------------------------------------


def test_schema_and_docs(db, client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    spec = schema.json()
    assert "/api/v1/residents/" in spec["paths"]
    parameters = {p["name"] for p in spec["paths"]["/api/v1/residents/"]["get"]["parameters"]}
    assert {
        "beat",
        "community",
        "compound",
        "building",
        "flat",
        "search",
        "moved_out",
        "page",
        "page_size",
    } <= parameters
    assert "delete" not in spec["paths"]["/api/v1/residents/{id}/"]
    post = spec["paths"]["/api/v1/residents/"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/ResidentCreateRequest"
    )
    assert post["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/Resident"
    )
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert len(assets) >= 3
    for asset in assets:  # vendored, served by this server: no CDN
        assert asset.startswith("/static/drf_spectacular_sidecar/"), asset
        assert client.get(asset).status_code == 200, asset
