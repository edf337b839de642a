"""GET /api/v1/search/."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from beatbook.registry.idnumbers import mask_id_number

URL = "/api/v1/search/"


def client_for(user: Any) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_route_name() -> None:
    assert reverse("api:search-list") == URL


def test_results_shape(world: Any, people: Any) -> None:
    response = client_for(world.officer_a).get(URL, {"q": people.zhang_wei.id_number})
    assert response.status_code == 200
    body = response.json()
    assert body["next"] is None and body["previous"] is None
    assert body["results"] == [
        {
            "type": "resident",
            "id": people.zhang_wei.pk,
            "label": f"张伟 {mask_id_number(people.zhang_wei.id_number)}",
            "address": world.flat_a.address,
            "moved_out": False,
            "url": reverse("registry:resident-detail", args=[people.zhang_wei.pk]),
        }
    ]


def test_moved_out_marked(world: Any, people: Any) -> None:
    rows = client_for(world.officer_a).get(URL, {"q": "张伟"}).json()["results"]
    assert [(r["id"], r["moved_out"]) for r in rows][:2] == [
        (people.zhang_wei.pk, False),
        (people.zhang_wei_moved.pk, True),
    ]


def test_pages(world: Any, people: Any) -> None:
    client = client_for(world.officer_a)
    everyone = [r["id"] for r in client.get(URL, {"q": "zw"}).json()["results"]]
    first = client.get(URL, {"q": "zw", "page_size": 2}).json()
    assert first["previous"] is None and "page=2" in first["next"]
    second = client.get(first["next"]).json()
    assert second["next"] is None and second["previous"] is not None
    assert [r["id"] for r in first["results"] + second["results"]] == everyone
    assert client.get(URL, {"q": "zw", "page": "x"}).status_code == 400
    bad_size = client.get(URL, {"q": "zw", "page_size": "x"})
    assert bad_size.status_code == 400 and "page_size" in bad_size.json()


def test_other_beat_and_roles(world: Any, people: Any) -> None:
    assert client_for(world.officer_b).get(URL, {"q": "张伟"}).json()["results"] == [
        {
            "type": "resident",
            "id": people.zhang_wei_b.pk,
            "label": f"张伟 {mask_id_number(people.zhang_wei_b.id_number)}",
            "address": world.flat_b.address,
            "moved_out": False,
            "url": reverse("registry:resident-detail", args=[people.zhang_wei_b.pk]),
        }
    ]
    assert client_for(world.auditor).get(URL, {"q": "张伟"}).json()["results"] == []


def test_needs_authentication(world: Any) -> None:
    assert APIClient().get(URL, {"q": "张伟"}).status_code in (401, 403)


def test_residents_api_search_uses_the_same_matching(world: Any, people: Any) -> None:
    client = client_for(world.officer_a)
    for q, expected in (
        ("張偉華", {people.zhang_wei_hua.pk}),
        ("zxm", {people.zeng.pk}),
        (people.ouyang.id_number[-5:], {people.ouyang.pk}),
        ("6666", {people.zhang_wei.pk}),
    ):
        rows = client.get("/api/v1/residents/", {"search": q}).json()["results"]
        assert {r["id"] for r in rows} == expected, q
