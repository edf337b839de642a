"""Every query kind, every role: nobody finds what lies outside their scope."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from beatbook.search.selectors import search
from beatbook.tests_scoping.test_url_scoping import ROLES, SEES


def _queries(world: Any, people: Any) -> dict[str, list[tuple[str, str]]]:
    """(object key, query) pairs: each query finds that object for a user who sees it."""
    world.premises_a.contact_name = "周建华"
    world.premises_a.contact_phone = "+8613700001234"
    world.premises_a.save()
    world.premises_b.contact_name = "吴娟"
    world.premises_b.contact_phone = "+8613700005678"
    world.premises_b.save()
    a, b = people.zhang_wei, people.zhang_wei_b
    return {
        "resident_a": [
            ("resident", "张伟"),
            ("resident", "張偉"),
            ("resident", "zhangwei"),
            ("resident", "zw"),
            ("resident", "伟"),
            ("resident", a.id_number),
            ("resident", a.id_number[-4:]),
            ("resident", a.id_number[-6:]),
            ("resident", "13812345678"),
            ("resident", "5678"),
        ],
        "resident_b": [
            ("resident", "张伟"),
            ("resident", "zw"),
            ("resident", b.id_number),
            ("resident", b.id_number[-5:]),
            ("resident", "13812345679"),
            ("resident", "5679"),
        ],
        "flat_a": [
            ("flat", "6-1-101"),
            ("flat", "6号楼1单元101"),
            ("flat", "富贵佳园T6栋101"),
            ("flat", "富贵佳园T"),
        ],
        "flat_b": [
            ("flat", "1-101"),
            ("flat", "1号楼101"),
            ("flat", "新市民公寓T1栋101"),
            ("flat", "新市民公寓T"),
        ],
        "flat_b2": [("flat", "2-201"), ("flat", "新市民公寓T2号楼201")],
        "premises_a": [("premises", "富贵超市"), ("premises", "周建华"), ("premises", "1234")],
        "premises_b": [("premises", "五金"), ("premises", "吴娟"), ("premises", "13700005678")],
    }


def _target(world: Any, people: Any, key: str) -> tuple[str, int]:
    obj = {"resident_a": people.zhang_wei, "resident_b": people.zhang_wei_b}.get(key) or getattr(
        world, key
    )
    return key.split("_")[0], obj.pk


@pytest.mark.parametrize("role", ROLES)
def test_every_query_kind_stays_in_scope(world: Any, people: Any, role: str) -> None:
    """For each role: the selector, the API and the page find an object by every
    kind of query exactly when the role sees it."""
    user = getattr(world, role)
    page = Client()
    page.force_login(user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    detail = {
        "resident": "registry:resident-detail",
        "flat": "registry:flat-detail",
        "premises": "registry:premises-detail",
    }
    for key, queries in _queries(world, people).items():
        kind, pk = _target(world, people, key)
        sees = role in SEES[key]
        for _kind, q in queries:
            results = search(user=user, q=q, limit=100).results
            assert ((kind, pk) in {(r.type, r.id) for r in results}) == sees, (role, key, q)
            rows = api.get("/api/v1/search/", {"q": q, "page_size": 100}).json()["results"]
            assert ((kind, pk) in {(r["type"], r["id"]) for r in rows}) == sees, (role, key, q)
            html = page.get(reverse("search:results"), {"q": q}).content.decode()
            assert (f'href="{reverse(detail[kind], args=[pk])}"' in html) == sees, (role, key, q)
