"""Registry pages: scope (404 outside the beat), role (403, hidden buttons),
create/edit flows through the forms, audited reads, bounded queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from beatbook.core.models import AuditEntry
from beatbook.registry.idnumbers import mask_id_number
from beatbook.registry.models import (
    Building,
    Compound,
    Flat,
    FlatStatus,
    Premises,
    Resident,
    TransferRequest,
    TransferStatus,
)
from beatbook.registry.templatetags.registry_tags import age_on
from beatbook.registry.tests import factories as f
from beatbook.registry.tests.helpers import make_id

pytestmark = pytest.mark.usefixtures("audit_chain_stays_valid")


def bad_check_character(number: str) -> str:
    wrong = "0" if number[-1] != "0" else "1"
    return number[:-1] + wrong


@pytest.fixture
def login(client: Client) -> Callable[[Any], Client]:
    def _login(user: Any) -> Client:
        client.force_login(user)
        return client

    return _login


def html(response: Any) -> str:
    return response.content.decode()


# --- every page: 200 in the beat, 404 outside it ------------------------------------

#: (url name, world attribute of the object in beat A, and in beat B)
DETAIL_PAGES = [
    ("community-detail", "community_a", "community_b"),
    ("compound-create", "community_a", "community_b"),
    ("compound-detail", "compound_a", "compound_b"),
    ("compound-edit", "compound_a", "compound_b"),
    ("building-create", "compound_a", "compound_b"),
    ("building-detail", "building_a", "building_b"),
    ("building-edit", "building_a", "building_b"),
    ("flat-create", "building_a", "building_b"),
    ("flat-detail", "flat_a", "flat_b"),
    ("flat-edit", "flat_a", "flat_b"),
    ("resident-create", "flat_a", "flat_b"),
    ("transfer-create", "flat_a", "flat_b"),
    ("resident-detail", "resident_a", "resident_b"),
    ("resident-edit", "resident_a", "resident_b"),
    ("resident-move-out", "resident_a", "resident_b"),
    ("premises-detail", "premises_a", "premises_b"),
    ("premises-edit", "premises_a", "premises_b"),
]
LIST_PAGES = ["my-beat", "resident-list", "premises-list", "premises-create", "transfer-list"]


@pytest.mark.parametrize(("name", "mine", "theirs"), DETAIL_PAGES)
def test_detail_pages_render_in_the_beat_and_404_outside(
    world: Any, login: Callable[[Any], Client], name: str, mine: str, theirs: str
) -> None:
    client = login(world.officer_a)
    assert (
        client.get(reverse(f"registry:{name}", args=[getattr(world, mine).pk])).status_code == 200
    )
    assert (
        client.get(reverse(f"registry:{name}", args=[getattr(world, theirs).pk])).status_code == 404
    )
    assert client.get(reverse(f"registry:{name}", args=[999999])).status_code == 404


@pytest.mark.parametrize("name", LIST_PAGES)
def test_list_pages_render(world: Any, login: Callable[[Any], Client], name: str) -> None:
    assert login(world.officer_a).get(reverse(f"registry:{name}")).status_code == 200


def test_pages_need_login(world: Any, client: Client) -> None:
    response = client.get(reverse("registry:flat-detail", args=[world.flat_a.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_my_beat_shows_only_my_compounds_with_counts(
    world: Any, login: Callable[[Any], Client]
) -> None:
    response = login(world.officer_a).get(reverse("registry:my-beat"))
    page = html(response)
    assert world.compound_a.name in page
    assert world.compound_b.name not in page
    assert reverse("registry:compound-detail", args=[world.compound_a.pk]) in page
    compound = response.context["summary"].compounds[0]
    assert (compound.building_count, compound.household_count, compound.resident_count) == (1, 2, 1)


def test_home_sends_an_officer_to_my_beat(world: Any, login: Callable[[Any], Client]) -> None:
    response = login(world.officer_a).get(reverse("home"))
    assert response["Location"] == reverse("registry:my-beat")


@pytest.mark.parametrize("role", ["sysadmin", "auditor"])
def test_administrators_see_no_registry(
    world: Any, login: Callable[[Any], Client], role: str
) -> None:
    client = login(getattr(world, role))
    for name, mine, _theirs in DETAIL_PAGES:
        if name.endswith("-detail"):
            url = reverse(f"registry:{name}", args=[getattr(world, mine).pk])
            assert client.get(url).status_code == 404, url
    for name in ("my-beat", "resident-list", "premises-list", "transfer-list"):
        response = client.get(reverse(f"registry:{name}"))
        assert response.status_code == 200
        page = html(response)
        for data in (
            world.community_a.name,
            world.compound_a.name,
            world.resident_a.name,
            world.premises_a.name,
        ):
            assert data not in page, (name, data)


# --- the building grid -------------------------------------------------------------------


def test_grid_shows_flats_with_status_and_head(world: Any, login: Callable[[Any], Client]) -> None:
    response = login(world.officer_a).get(
        reverse("registry:building-detail", args=[world.building_a.pk])
    )
    page = html(response)
    assert world.resident_a.name in page
    assert reverse("registry:flat-detail", args=[world.flat_a.pk]) in page
    assert reverse("registry:flat-detail", args=[world.flat_a_vacant.pk]) in page
    assert "flat-vacant" in page and "flat-occupied" in page
    grid = response.context["grid"]
    assert (grid.household_count, grid.vacant_count, grid.resident_count) == (2, 1, 1)
    # the edit buttons are there for the officer
    assert reverse("registry:flat-create", args=[world.building_a.pk]) in page


def _grid_queries(client: Client, building: Building) -> int:
    url = reverse("registry:building-detail", args=[building.pk])
    client.get(url)  # warm the session and scope caches the same way for every count
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_grid_queries_do_not_grow_with_flats(
    world: Any, login: Callable[[Any], Client], django_assert_max_num_queries: Any
) -> None:
    client = login(world.officer_a)
    small = _grid_queries(client, world.building_a)
    big = f.BuildingFactory(compound=world.compound_a, number="9")
    for entrance_number in ("1", "2", "3"):
        entrance = f.EntranceFactory(building=big, number=entrance_number)
        for floor in range(1, 7):
            for unit in (1, 2):
                flat = f.FlatFactory(building=big, entrance=entrance, room=f"{floor}{unit:02d}")
                f.ResidentFactory(flat=flat, is_head=True)
                f.ResidentFactory(flat=flat)
    assert _grid_queries(client, big) == small
    with django_assert_max_num_queries(12):
        client.get(reverse("registry:building-detail", args=[big.pk]))
    page = html(client.get(reverse("registry:building-detail", args=[big.pk])))
    assert page.count('class="flat-cell') == 36


def test_flat_rows_in_lists_do_not_query_per_row(
    world: Any, login: Callable[[Any], Client]
) -> None:
    client = login(world.officer_a)
    url = reverse("registry:resident-list")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(10):
        f.ResidentFactory(flat=world.flat_a)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many.captured_queries) == len(few.captured_queries)


# --- the household page ----------------------------------------------------------------


def test_flat_page_lists_members_head_first_and_former_residents(
    world: Any, login: Callable[[Any], Client]
) -> None:
    member = f.ResidentFactory(flat=world.flat_a, name="张小三", birth_date=dt.date(2000, 1, 1))
    former = f.ResidentFactory(flat=world.flat_a, name="旧住户", moved_out_on=dt.date(2024, 5, 6))
    response = login(world.officer_a).get(reverse("registry:flat-detail", args=[world.flat_a.pk]))
    assert [r.pk for r in response.context["members"]] == [world.resident_a.pk, member.pk]
    assert [r.pk for r in response.context["former"]] == [former.pk]
    page = html(response)
    assert "2024-05-06" in page
    assert mask_id_number(world.resident_a.id_number) in page
    assert world.resident_a.id_number not in page
    assert "139 " in page  # phones shown formatted (+86139… → 139 …)
    assert world.premises_a.name not in page  # in the compound, not in this building


def test_flat_status_quick_change_with_htmx(world: Any, login: Callable[[Any], Client]) -> None:
    client = login(world.officer_a)
    url = reverse("registry:flat-status", args=[world.flat_a.pk])
    response = client.post(url, {"status": FlatStatus.RENTED}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'id="flat-status"' in html(response)
    assert "<html" not in html(response)
    world.flat_a.refresh_from_db()
    assert world.flat_a.status == FlatStatus.RENTED
    # without htmx: back to the page
    response = client.post(url, {"status": FlatStatus.VACANT})
    assert response.status_code == 302
    world.flat_a.refresh_from_db()
    assert world.flat_a.status == FlatStatus.VACANT
    assert (
        AuditEntry.objects.filter(action="flat.update", object_id=str(world.flat_a.pk)).count() == 2
    )


def test_flat_status_is_refused_to_a_worker(world: Any, login: Callable[[Any], Client]) -> None:
    url = reverse("registry:flat-status", args=[world.flat_a.pk])
    response = login(world.worker_a).post(
        url, {"status": FlatStatus.RENTED}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 403
    world.flat_a.refresh_from_db()
    assert world.flat_a.status == FlatStatus.OCCUPIED


# --- creating and editing the structure ----------------------------------------------------


def test_compound_building_and_flat_create_flow(world: Any, login: Callable[[Any], Client]) -> None:
    client = login(world.officer_a)
    response = client.post(
        reverse("registry:compound-create", args=[world.community_a.pk]),
        {
            "name": "新小区",
            "address": "幸福路1号",
            "property_manager": "物业",
            "property_phone": "010-88886666",
        },
    )
    compound = Compound.objects.get(name="新小区")
    assert response["Location"] == reverse("registry:compound-detail", args=[compound.pk])
    assert compound.property_phone == "+861088886666"

    response = client.post(
        reverse("registry:building-create", args=[compound.pk]), {"number": "3号楼", "floors": "6"}
    )
    building = Building.objects.get(compound=compound)
    assert building.number == "3"
    assert response["Location"] == reverse("registry:building-detail", args=[building.pk])

    response = client.post(
        reverse("registry:flat-create", args=[building.pk]),
        {"entrance_number": "2单元", "room": "301", "status": FlatStatus.VACANT},
    )
    flat = Flat.objects.get(building=building)
    assert (flat.floor, flat.entrance.number, flat.address) == (3, "2", "新小区3号楼2单元301")
    assert response["Location"] == reverse("registry:flat-detail", args=[flat.pk])


def test_duplicate_compound_name_rerenders_with_input_kept(
    world: Any, login: Callable[[Any], Client]
) -> None:
    response = login(world.officer_a).post(
        reverse("registry:compound-create", args=[world.community_a.pk]),
        {"name": world.compound_a.name, "address": "我输入的地址"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert "我输入的地址" in html(response)


def test_flat_edit_derives_floor_from_room(world: Any, login: Callable[[Any], Client]) -> None:
    response = login(world.officer_a).post(
        reverse("registry:flat-edit", args=[world.flat_a.pk]),
        {"room": "1203", "status": FlatStatus.RENTED, "floor": "", "area_m2": "88.5", "notes": ""},
    )
    assert response.status_code == 302
    world.flat_a.refresh_from_db()
    assert (world.flat_a.room, world.flat_a.floor, world.flat_a.status) == (
        "1203",
        12,
        FlatStatus.RENTED,
    )
    assert world.flat_a.address.endswith("1单元1203")


def test_building_head_edits_a_building_but_cannot_renumber_it(
    world: Any, login: Callable[[Any], Client]
) -> None:
    client = login(world.head)
    url = reverse("registry:building-edit", args=[world.building_b2.pk])
    response = client.post(url, {"number": "99", "name": "南楼", "floors": "7"})
    assert response.status_code == 302
    world.building_b2.refresh_from_db()
    assert (world.building_b2.number, world.building_b2.name, world.building_b2.floors) == (
        "2",
        "南楼",
        7,
    )
    # compound pages: no structure buttons for a building head
    page = html(client.get(reverse("registry:compound-detail", args=[world.compound_b.pk])))
    assert reverse("registry:building-create", args=[world.compound_b.pk]) not in page
    assert (
        client.get(reverse("registry:building-create", args=[world.compound_b.pk])).status_code
        == 403
    )


# --- residents: create, validate, edit, move out -----------------------------------------


def resident_post(**overrides: Any) -> dict[str, Any]:
    data = {
        "name": "赵六",
        "document_type": "id_card",
        "id_number": make_id(birth="19850307"),
        "passport_country": "",
        "sex": "",
        "birth_date": "",
        "phones": "13812345678，010-88886666",
        "population_type": "registered",
        "relation": "tenant",
        "ethnicity": "汉族",
        "occupation": "教师",
        "moved_in_on": "2024-01-02",
        "notes": "",
    }
    data.update(overrides)
    return data


def test_resident_create(world: Any, login: Callable[[Any], Client]) -> None:
    response = login(world.officer_a).post(
        reverse("registry:resident-create", args=[world.flat_a_vacant.pk]),
        resident_post(is_head="on"),
    )
    assert response.status_code == 302
    resident = Resident.objects.get(name="赵六")
    assert resident.flat == world.flat_a_vacant
    assert resident.phones == ["+8613812345678", "+861088886666"]
    assert (resident.birth_date, resident.sex, resident.is_head) == (dt.date(1985, 3, 7), "M", True)
    assert resident.moved_in_on == dt.date(2024, 1, 2)


def test_bad_id_number_keeps_everything_typed(world: Any, login: Callable[[Any], Client]) -> None:
    bad = bad_check_character(make_id(birth="19850307"))
    response = login(world.officer_a).post(
        reverse("registry:resident-create", args=[world.flat_a.pk]),
        resident_post(id_number=bad, occupation="护士长"),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["id_number"][0]
    assert response.context["id_feedback"]["state"] == "invalid"
    page = html(response)
    for typed in (bad, "赵六", "护士长", "13812345678，010-88886666", "2024-01-02"):
        assert f'value="{typed}"' in page, typed
    assert not Resident.objects.filter(name="赵六").exists()


def test_duplicate_in_scope_links_to_the_record(world: Any, login: Callable[[Any], Client]) -> None:
    response = login(world.officer_a).post(
        reverse("registry:resident-create", args=[world.flat_a_vacant.pk]),
        resident_post(id_number=world.resident_a.id_number),
    )
    assert response.status_code == 200
    [line] = response.context["id_feedback"]["lines"]
    assert line["code"] == "duplicate"
    assert line["url"] == reverse("registry:resident-detail", args=[world.resident_a.pk])
    assert f'href="{line["url"]}"' in html(response)
    assert Resident.objects.filter(id_number=world.resident_a.id_number).count() == 1


def test_duplicate_out_of_scope_tells_nothing_about_the_person(
    world: Any, login: Callable[[Any], Client]
) -> None:
    response = login(world.officer_a).post(
        reverse("registry:resident-create", args=[world.flat_a_vacant.pk]),
        resident_post(id_number=world.resident_b.id_number),
    )
    assert response.status_code == 200
    [line] = response.context["id_feedback"]["lines"]
    assert line["code"] == "registered_elsewhere"
    assert line["url"].startswith(
        reverse("registry:transfer-create", args=[world.flat_a_vacant.pk]) + "?"
    )
    assert f"id_number={world.resident_b.id_number}" in line["url"]
    page = html(response)
    for secret in (
        world.resident_b.name,
        world.flat_b.address,
        world.compound_b.name,
        reverse("registry:resident-detail", args=[world.resident_b.pk]),
    ):
        assert secret not in page


def test_validate_id_number_endpoint(world: Any, login: Callable[[Any], Client]) -> None:
    client = login(world.officer_a)
    url = reverse("registry:validate-id-number") + f"?flat={world.flat_a.pk}"
    ok = client.post(
        url,
        {"id_number": make_id(birth="19850307"), "document_type": "id_card"},
        HTTP_HX_REQUEST="true",
    )
    assert ok.status_code == 200
    assert ok.context["id_feedback"]["state"] == "valid"
    assert "1985-03-07" in html(ok)
    assert 'id="id-number-feedback"' in html(ok)

    bad = client.post(
        url, {"id_number": bad_check_character(make_id(birth="19850307"))}, HTTP_HX_REQUEST="true"
    )
    assert bad.context["id_feedback"]["state"] == "invalid"

    dup = client.post(url, {"id_number": world.resident_a.id_number})
    assert dup.context["id_feedback"]["lines"][0]["code"] == "duplicate"

    elsewhere = client.post(url, {"id_number": world.resident_b.id_number})
    assert elsewhere.context["id_feedback"]["lines"][0]["code"] == "registered_elsewhere"
    assert world.resident_b.name not in html(elsewhere)

    # editing a resident: their own number is fine
    own = client.post(
        reverse("registry:validate-id-number")
        + f"?flat={world.flat_a.pk}&resident={world.resident_a.pk}",
        {"id_number": world.resident_a.id_number},
    )
    assert own.context["id_feedback"]["state"] == "valid"

    empty = client.post(url, {"id_number": ""})
    assert empty.context["id_feedback"]["state"] == ""


def test_validate_id_number_is_for_editors_only(world: Any, login: Callable[[Any], Client]) -> None:
    url = reverse("registry:validate-id-number")
    assert (
        login(world.worker_a).post(url, {"id_number": world.resident_a.id_number}).status_code
        == 403
    )


def test_validate_phones_endpoint(world: Any, login: Callable[[Any], Client]) -> None:
    client = login(world.officer_a)
    url = reverse("registry:validate-phones")
    ok = client.post(url, {"phones": "13812345678, 010-88886666"})
    assert ok.context["state"] == "valid"
    assert "138 1234 5678" in html(ok)
    bad = client.post(url, {"phones": "13812345678, 12345"})
    assert bad.context["state"] == "invalid"
    assert "12345" in html(bad)


def test_resident_edit_keeps_document_and_saves_changes(
    world: Any, login: Callable[[Any], Client]
) -> None:
    client = login(world.officer_a)
    url = reverse("registry:resident-edit", args=[world.resident_a.pk])
    form_page = client.get(url)
    assert form_page.status_code == 200
    assert world.resident_a.id_number in html(form_page)
    # showing the full number in the form is an audited read
    assert (
        AuditEntry.objects.filter(
            action="resident.read", object_id=str(world.resident_a.pk)
        ).count()
        == 1
    )
    data = {k: ("" if v is None else v) for k, v in form_page.context["form"].initial.items()}
    data.update(
        phones="13900001111", occupation="司机", is_head="on", birth_date="", moved_in_on=""
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    world.resident_a.refresh_from_db()
    assert (world.resident_a.phones, world.resident_a.occupation) == (["+8613900001111"], "司机")


def test_passport_holder_edit_keeps_typed_birth_date(
    world: Any, login: Callable[[Any], Client]
) -> None:
    client = login(world.officer_a)
    response = client.post(
        reverse("registry:resident-create", args=[world.flat_a.pk]),
        resident_post(
            name="KIM",
            document_type="passport",
            id_number="M1234567",
            passport_country="kor",
            sex="F",
            birth_date="1990-02-03",
            population_type="foreign",
        ),
    )
    assert response.status_code == 302, response.context["form"].errors
    kim = Resident.objects.get(name="KIM")
    assert (kim.passport_country, kim.sex, kim.birth_date) == ("KOR", "F", dt.date(1990, 2, 3))
    response = client.post(
        reverse("registry:resident-edit", args=[kim.pk]),
        resident_post(
            name="KIM",
            document_type="passport",
            id_number="M7654321",
            passport_country="KOR",
            sex="F",
            birth_date="1990-02-04",
            population_type="foreign",
        ),
    )
    assert response.status_code == 302, response.context["form"].errors
    kim.refresh_from_db()
    assert (kim.id_number, kim.birth_date) == ("M7654321", dt.date(1990, 2, 4))


def test_move_out(world: Any, login: Callable[[Any], Client]) -> None:
    client = login(world.officer_a)
    url = reverse("registry:resident-move-out", args=[world.resident_a.pk])
    response = client.post(url, {"on": "2025-06-30", "reason": "搬走"})
    assert response["Location"] == reverse("registry:resident-detail", args=[world.resident_a.pk])
    world.resident_a.refresh_from_db()
    assert world.resident_a.moved_out_on == dt.date(2025, 6, 30)
    # a second time: the service's error is shown on the form
    again = client.post(url, {"on": "2025-07-01", "reason": ""})
    assert again.status_code == 200
    assert again.context["form"].non_field_errors()


# --- resident detail: full ID number and the audit ----------------------------------------


def test_officer_detail_shows_full_id_and_is_audited_once(
    world: Any, login: Callable[[Any], Client]
) -> None:
    before = AuditEntry.objects.filter(action="resident.read").count()
    response = login(world.officer_a).get(
        reverse("registry:resident-detail", args=[world.resident_a.pk])
    )
    assert response.status_code == 200
    page = html(response)
    assert world.resident_a.id_number in page
    assert reverse("registry:resident-edit", args=[world.resident_a.pk]) in page
    reads = AuditEntry.objects.filter(action="resident.read")
    assert reads.count() == before + 1
    assert reads.last().object_id == str(world.resident_a.pk)
    assert reads.last().actor == world.officer_a


def test_worker_sees_masked_id_and_the_read_is_logged_as_masked(
    world: Any, login: Callable[[Any], Client]
) -> None:
    client = login(world.worker_a)
    response = client.get(reverse("registry:resident-detail", args=[world.resident_a.pk]))
    assert response.status_code == 200
    page = html(response)
    assert world.resident_a.id_number not in page
    assert mask_id_number(world.resident_a.id_number) in page
    read = AuditEntry.objects.get(action="resident.read")
    assert (read.actor, read.extra["id_number"]) == (world.worker_a, "masked")
    # read-only: no edit buttons, and the pages refuse
    assert reverse("registry:resident-edit", args=[world.resident_a.pk]) not in page
    assert (
        client.get(reverse("registry:resident-edit", args=[world.resident_a.pk])).status_code == 403
    )
    assert (
        client.post(
            reverse("registry:resident-create", args=[world.flat_a.pk]), resident_post()
        ).status_code
        == 403
    )
    flat_page = html(client.get(reverse("registry:flat-detail", args=[world.flat_a.pk])))
    assert reverse("registry:resident-create", args=[world.flat_a.pk]) not in flat_page
    assert world.resident_a.id_number not in flat_page


def test_resident_detail_shows_history(world: Any, login: Callable[[Any], Client]) -> None:
    from beatbook.registry import services

    services.resident_move(
        actor=world.officer_a, resident=world.resident_a, flat=world.flat_a_vacant
    )
    response = login(world.officer_a).get(
        reverse("registry:resident-detail", args=[world.resident_a.pk])
    )
    history = list(response.context["history"])
    assert [h.flat_id for h in history] == [
        world.flat_a_vacant.pk
    ]  # the factory wrote no first stay
    assert world.flat_a_vacant.address in html(response)


# --- the resident list ---------------------------------------------------------------------


def test_resident_list_search_and_filters(world: Any, login: Callable[[Any], Client]) -> None:
    client = login(world.officer_a)
    url = reverse("registry:resident-list")

    def names(**params: Any) -> list[str]:
        return [r.name for r in client.get(url, params).context["page"]]

    assert names() == [world.resident_a.name]
    assert names(q=world.resident_a.id_number) == [world.resident_a.name]
    assert names(q=world.resident_b.id_number) == []
    assert names(q=world.resident_a.phones[0][3:]) == [world.resident_a.name]
    assert names(q="张") == [world.resident_a.name]
    assert names(building=world.building_a.pk) == [world.resident_a.name]
    assert names(building=world.building_b.pk) == []
    assert names(compound=world.compound_a.pk, show="moved_out") == []
    page = html(client.get(url, {"q": world.resident_a.id_number}))
    number = world.resident_a.id_number
    # the number appears only as what was typed (search box, language switch's return address)
    assert page.count(number) == page.count(f'value="{number}"') + page.count(f"q={number}")
    assert mask_id_number(world.resident_a.id_number) in page
    assert not AuditEntry.objects.filter(action="resident.read").exists()


def test_resident_list_is_paginated_by_50(world: Any, login: Callable[[Any], Client]) -> None:
    for _ in range(55):
        f.ResidentFactory(flat=world.flat_a)
    client = login(world.officer_a)
    first = client.get(reverse("registry:resident-list"))
    assert len(first.context["page"]) == 50
    second = client.get(reverse("registry:resident-list"), {"page": 2})
    assert len(second.context["page"]) == 6


# --- premises ---------------------------------------------------------------------------------


def test_premises_create_and_edit(world: Any, login: Callable[[Any], Client]) -> None:
    client = login(world.officer_a)
    response = client.post(
        reverse("registry:premises-create"),
        {
            "name": "便民药店",
            "kind": "shop",
            "building": world.building_a.pk,
            "contact_phone": "13812345678",
        },
    )
    premises = Premises.objects.get(name="便民药店")
    assert response["Location"] == reverse("registry:premises-detail", args=[premises.pk])
    assert (premises.community, premises.compound, premises.contact_phone) == (
        world.community_a,
        world.compound_a,
        "+8613812345678",
    )
    response = client.post(
        reverse("registry:premises-edit", args=[premises.pk]),
        {"name": "便民大药房", "kind": "shop", "contact_phone": "12"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["contact_phone"]
    assert 'value="便民大药房"' in html(response)


def test_premises_create_offers_only_visible_places(
    world: Any, login: Callable[[Any], Client]
) -> None:
    client = login(world.officer_a)
    page = html(client.get(reverse("registry:premises-create")))
    assert world.compound_a.name in page and world.compound_b.name not in page
    response = client.post(
        reverse("registry:premises-create"),
        {"name": "越界", "kind": "shop", "community": world.community_b.pk},
    )
    assert response.status_code == 200  # not a choice: a form error
    assert response.context["form"].errors["community"]
    assert not Premises.objects.filter(name="越界").exists()


# --- transfers ----------------------------------------------------------------------------------


def test_transfer_request_and_decision(world: Any, login: Callable[[Any], Client]) -> None:
    client = login(world.officer_a)
    prefilled = client.get(
        reverse("registry:transfer-create", args=[world.flat_a_vacant.pk]),
        {"id_number": world.resident_b.id_number},
    )
    assert f'value="{world.resident_b.id_number}"' in html(prefilled)
    response = client.post(
        reverse("registry:transfer-create", args=[world.flat_a_vacant.pk]),
        {
            "document_type": "id_card",
            "id_number": world.resident_b.id_number,
            "relation": "tenant",
            "reason": "租住",
        },
    )
    transfer = TransferRequest.objects.get()
    assert response["Location"] == reverse("registry:transfer-detail", args=[transfer.pk])
    detail = client.get(response["Location"])
    assert detail.context["person"] is None
    assert world.resident_b.name not in html(detail)
    assert reverse("registry:transfer-decide", args=[transfer.pk]) not in html(detail)
    assert (
        client.post(
            reverse("registry:transfer-decide", args=[transfer.pk]), {"decision": "approve"}
        ).status_code
        == 403
    )
    listing = client.get(reverse("registry:transfer-list"))
    assert [t.pk for t in listing.context["page"]] == [transfer.pk]

    chief = login(world.chief)
    detail = chief.get(reverse("registry:transfer-detail", args=[transfer.pk]))
    assert detail.context["can_decide"]
    assert world.resident_b.name in html(detail)
    chief.post(
        reverse("registry:transfer-decide", args=[transfer.pk]),
        {"decision": "approve", "note": "同意"},
    )
    transfer.refresh_from_db()
    world.resident_b.refresh_from_db()
    assert transfer.status == TransferStatus.APPROVED
    assert world.resident_b.flat == world.flat_a_vacant


def test_transfer_pages_for_others(world: Any, login: Callable[[Any], Client]) -> None:
    from beatbook.registry import services

    transfer = services.transfer_request_create(
        actor=world.officer_a,
        to_flat=world.flat_a,
        id_number=world.resident_b.id_number,
        reason="r",
    )
    url = reverse("registry:transfer-detail", args=[transfer.pk])
    assert login(world.officer_b).get(url).status_code == 404
    assert login(world.auditor).get(url).status_code == 404


# --- roles: the chief reads, the worker reads ----------------------------------------------


def test_chief_is_read_only_on_the_registry(world: Any, login: Callable[[Any], Client]) -> None:
    client = login(world.chief)
    page = html(client.get(reverse("registry:building-detail", args=[world.building_b.pk])))
    assert world.resident_b.name in page
    assert reverse("registry:flat-create", args=[world.building_b.pk]) not in page
    assert reverse("registry:building-edit", args=[world.building_b.pk]) not in page
    assert client.get(reverse("registry:flat-edit", args=[world.flat_b.pk])).status_code == 403
    assert (
        client.post(
            reverse("registry:compound-create", args=[world.community_a.pk]), {"name": "x"}
        ).status_code
        == 403
    )


def test_age_on() -> None:
    assert age_on(dt.date(1985, 3, 7), dt.date(2025, 3, 6)) == 39
    assert age_on(dt.date(1985, 3, 7), dt.date(2025, 3, 7)) == 40


def test_chief_transfer_list_defaults_to_pending(
    world: Any, login: Callable[[Any], Client]
) -> None:
    from beatbook.registry import services

    pending = services.transfer_request_create(
        actor=world.officer_a,
        to_flat=world.flat_a,
        id_number=world.resident_b.id_number,
        reason="r",
    )
    decided = services.transfer_request_create(
        actor=world.officer_a,
        to_flat=world.flat_a_vacant,
        id_number=world.resident_b2.id_number,
        reason="r",
    )
    services.transfer_request_decide(actor=world.chief, request=decided, approve=False)
    client = login(world.chief)
    url = reverse("registry:transfer-list")
    assert [t.pk for t in client.get(url).context["page"]] == [pending.pk]
    assert {t.pk for t in client.get(url, {"status": "all"}).context["page"]} == {
        pending.pk,
        decided.pk,
    }
    assert [t.pk for t in client.get(url, {"status": "rejected"}).context["page"]] == [decided.pk]
    # the requester sees all of theirs by default
    assert len(login(world.officer_a).get(url).context["page"]) == 2
