"""The results page, the navbar's box and its htmx suggestions."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

URL = reverse("search:results")


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_results_page_links_to_each_result(world: Any, people: Any) -> None:
    html = client_for(world.officer_a).get(URL, {"q": "张伟"}).content.decode()
    for resident in (people.zhang_wei, people.zhang_wei_moved, people.zhang_wei_hua):
        assert f'href="{reverse("registry:resident-detail", args=[resident.pk])}"' in html
    assert people.zhang_wei.id_number not in html  # masked
    assert reverse("registry:resident-detail", args=[people.zhang_wei_b.pk]) not in html
    assert 'value="张伟"' in html  # the box keeps the query


def test_results_page_flats_and_premises(world: Any, people: Any) -> None:
    client = client_for(world.officer_a)
    html = client.get(URL, {"q": "富贵佳园T6栋101"}).content.decode()
    assert f'href="{reverse("registry:flat-detail", args=[world.flat_a.pk])}"' in html
    html = client.get(URL, {"q": "富贵超市"}).content.decode()
    assert f'href="{reverse("registry:premises-detail", args=[world.premises_a.pk])}"' in html


def test_pages_of_results(world: Any, people: Any) -> None:
    from beatbook.registry.tests import factories as f

    for n in range(25):
        f.ResidentFactory(flat=world.flat_a, name=f"张伟{n:02d}")
    client = client_for(world.officer_a)
    first = client.get(URL, {"q": "张伟"})
    assert first.context["found"].has_more and len(first.context["found"].results) == 20
    second = client.get(URL, {"q": "张伟", "page": 2})
    assert not second.context["found"].has_more
    assert len(second.context["found"].results) == 28 - 20


def test_suggestions_fragment(world: Any, people: Any) -> None:
    response = client_for(world.officer_a).get(
        URL, {"q": "zw", "suggest": "1"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert "<html" not in html
    assert f'href="{reverse("registry:resident-detail", args=[people.zhang_wei.pk])}"' in html
    empty = client_for(world.officer_a).get(URL, {"q": "", "suggest": "1"}, HTTP_HX_REQUEST="true")
    assert empty.content.decode().strip() == ""


def test_box_in_the_navbar_for_roles_that_see_residents(world: Any) -> None:
    page = reverse("registry:resident-list")
    html = client_for(world.officer_a).get(page).content.decode()
    assert f'action="{URL}"' in html and 'id="search-box"' in html
    for user in (world.sysadmin, world.auditor):
        html = client_for(user).get(reverse("home"), follow=True).content.decode()
        assert 'id="search-box"' not in html


def test_login_required(world: Any) -> None:
    response = Client().get(URL, {"q": "张伟"})
    assert response.status_code == 302


def test_resident_list_page_uses_the_same_matching(world: Any, people: Any) -> None:
    html = client_for(world.officer_a).get(reverse("registry:resident-list"), {"q": "zxm"})
    text = html.content.decode()
    assert reverse("registry:resident-detail", args=[people.zeng.pk]) in text
    assert reverse("registry:resident-detail", args=[people.zhang_wei.pk]) not in text
