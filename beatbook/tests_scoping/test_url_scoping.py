"""Jurisdiction, walked from the URL resolver.

Every URL pattern in the project must be listed below, either with the way
its scoping is checked for every role, or in UNSCOPED with the reason it holds
no residents' data. A new list, detail, search or API endpoint that is not
listed fails ``test_every_url_is_covered`` until someone says how it is scoped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from beatbook.registry.models import TransferRequest

ROLES = ("officer_a", "officer_b", "head", "worker_a", "chief", "sysadmin", "auditor")
EDITORS = {"officer_a", "officer_b", "head"}

# Who may see each object of the `world` fixture (beatbook/conftest.py).
# `head` is the building head of building B2 only: B2's compound, community
# and beat are visible to them as containers, nothing else of beat B.
SEES: dict[str, set[str]] = {
    "beat_a": {"officer_a", "worker_a", "chief"},
    "beat_b": {"officer_b", "head", "chief"},
    "community_a": {"officer_a", "worker_a", "chief"},
    "community_b": {"officer_b", "head", "chief"},
    "compound_a": {"officer_a", "worker_a", "chief"},
    "compound_b": {"officer_b", "head", "chief"},
    "building_a": {"officer_a", "worker_a", "chief"},
    "building_b": {"officer_b", "chief"},
    "building_b2": {"officer_b", "head", "chief"},
    "flat_a": {"officer_a", "worker_a", "chief"},
    "flat_a_vacant": {"officer_a", "worker_a", "chief"},
    "flat_b": {"officer_b", "chief"},
    "flat_b2": {"officer_b", "head", "chief"},
    "resident_a": {"officer_a", "worker_a", "chief"},
    "resident_b": {"officer_b", "chief"},
    "resident_b2": {"officer_b", "head", "chief"},
    "premises_a": {"officer_a", "worker_a", "chief"},
    "premises_b": {"officer_b", "chief"},
    # a transfer of resident_b into flat_a requested by officer_a: the
    # requester and the chief see it, nobody else
    "transfer": {"officer_a", "chief"},
}
# The system administrator configures beats and communities (no residents' data).
CONFIG_SEES = {
    "beat_a": {"sysadmin"},
    "beat_b": {"sysadmin"},
    "community_a": {"sysadmin"},
    "community_b": {"sysadmin"},
}


def sees(role: str, key: str, *, config: bool = False) -> bool:
    return role in SEES[key] or (config and role in CONFIG_SEES.get(key, set()))


@dataclass(frozen=True)
class Check:
    """How one URL is checked. ``kind``:

    - detail: GET /x/<pk>/ → 200 when the role sees the object, else 404
    - form: GET a create/edit form on an object → 403 when the role may not
      write (``writers``), else 404 when it can't see the object, else 200
    - post: a POST-only action on an object → 404 (or 403 for non-writers)
      when out of scope; in-scope behaviour is tested in the app's tests
    - list: GET the list → every visible object's marker shown, no other
    - api-list / api-detail: same through the API with a token
    """

    kind: str
    objects: tuple[str, ...] = ()
    writers: frozenset[str] = frozenset(EDITORS)
    config: bool = False
    query: str = ""


STRUCTURE = frozenset({"officer_a", "officer_b"})
CHIEF = frozenset({"chief"})
A_B = ("_a", "_b")

CHECKS: dict[str, Check] = {
    # --- pages ---------------------------------------------------------------
    "registry:my-beat": Check("list", ("compound_a", "compound_b")),
    "registry:community-detail": Check("detail", ("community_a", "community_b")),
    "registry:compound-create": Check("form", ("community_a", "community_b"), writers=STRUCTURE),
    "registry:compound-detail": Check("detail", ("compound_a", "compound_b")),
    "registry:compound-edit": Check("form", ("compound_a", "compound_b"), writers=STRUCTURE),
    "registry:building-create": Check("form", ("compound_a", "compound_b"), writers=STRUCTURE),
    "registry:building-detail": Check("detail", ("building_a", "building_b", "building_b2")),
    "registry:building-edit": Check("form", ("building_a", "building_b", "building_b2")),
    "registry:flat-create": Check("form", ("building_a", "building_b", "building_b2")),
    "registry:flat-detail": Check("detail", ("flat_a", "flat_b", "flat_b2")),
    "registry:flat-edit": Check("form", ("flat_a", "flat_b", "flat_b2")),
    "registry:flat-status": Check("post", ("flat_a", "flat_b", "flat_b2")),
    "registry:resident-create": Check("form", ("flat_a", "flat_b", "flat_b2")),
    "registry:transfer-create": Check("form", ("flat_a", "flat_b", "flat_b2")),
    "registry:resident-list": Check("list", ("resident_a", "resident_b", "resident_b2")),
    "registry:resident-detail": Check("detail", ("resident_a", "resident_b", "resident_b2")),
    "registry:resident-edit": Check("form", ("resident_a", "resident_b", "resident_b2")),
    "registry:resident-move-out": Check("form", ("resident_a", "resident_b", "resident_b2")),
    "registry:premises-list": Check("list", ("premises_a", "premises_b")),
    "registry:premises-detail": Check("detail", ("premises_a", "premises_b")),
    "registry:premises-edit": Check("form", ("premises_a", "premises_b")),
    "registry:transfer-list": Check("list", ("transfer",)),
    "registry:transfer-detail": Check("detail", ("transfer",)),
    "registry:transfer-decide": Check("post", ("transfer",), writers=CHIEF),
    # searches: a resident of each beat searched by name and by full ID number
    "registry:resident-list?search": Check(
        "list", ("resident_a", "resident_b", "resident_b2"), query="q"
    ),
    # --- API -----------------------------------------------------------------
    "api:beat-list": Check("api-list", ("beat_a", "beat_b"), config=True),
    "api:beat-detail": Check("api-detail", ("beat_a", "beat_b"), config=True),
    "api:community-list": Check("api-list", ("community_a", "community_b"), config=True),
    "api:community-detail": Check("api-detail", ("community_a", "community_b"), config=True),
    "api:compound-list": Check("api-list", ("compound_a", "compound_b")),
    "api:compound-detail": Check("api-detail", ("compound_a", "compound_b")),
    "api:building-list": Check("api-list", ("building_a", "building_b", "building_b2")),
    "api:building-detail": Check("api-detail", ("building_a", "building_b", "building_b2")),
    "api:flat-list": Check("api-list", ("flat_a", "flat_a_vacant", "flat_b", "flat_b2")),
    "api:flat-detail": Check("api-detail", ("flat_a", "flat_b", "flat_b2")),
    "api:resident-list": Check("api-list", ("resident_a", "resident_b", "resident_b2")),
    "api:resident-list?search": Check(
        "api-list", ("resident_a", "resident_b", "resident_b2"), query="search"
    ),
    "api:resident-detail": Check("api-detail", ("resident_a", "resident_b", "resident_b2")),
    "api:premises-list": Check("api-list", ("premises_a", "premises_b")),
    "api:premises-detail": Check("api-detail", ("premises_a", "premises_b")),
    "api:resident-move": Check("post", ("resident_a", "resident_b", "resident_b2")),
    "api:resident-move-out": Check("post", ("resident_a", "resident_b", "resident_b2")),
    "api:transfer-request-decide": Check("post", ("transfer",), writers=CHIEF),
    "api:transfer-request-list": Check("api-list", ("transfer",)),
    "api:transfer-request-detail": Check("api-detail", ("transfer",)),
}

# URL names that hold no residents' data, with the reason; each is still
# requested by every role below to prove it does not fail.
UNSCOPED: dict[str, str] = {
    "home": "redirects each role to its start page",
    "login": "public",
    "logout": "ends the session",
    "set_language": "language switch",
    "healthz": "liveness probe",
    "api-schema": "OpenAPI schema, no data",
    "api-docs": "Swagger UI, no data",
    "api-redoc": "ReDoc, no data",
    "api:api-root": "links to the API lists",
    "registry:validate-id-number": "checks a typed number; duplicates answered as in the services (tested in test_views)",
    "registry:validate-phones": "checks typed phones, reads nothing",
    "registry:premises-create": "form; the parent is chosen among visible ones (tested in test_views)",
}
# Pages of one role only: everybody else gets 403 (no scoped data inside).
ROLE_PAGES: dict[str, str] = {
    "audit-log": "auditor",
    "audit-export": "auditor",
    "audit-verify": "auditor",
}
ROLE_PAGE_PREFIXES = {"accounts:": "sysadmin"}

DETAIL_PAGE = {
    "transfer": "registry:transfer-detail",
    "resident": "registry:resident-detail",
    "premises": "registry:premises-detail",
    "compound": "registry:compound-detail",
}
# URL names whose scoping an app's own test checks for every role (name -> test)
TESTED_IN: dict[str, str] = {}

# The feature apps list their URLs in <app>/tests/url_scoping.py.
APP_SCOPING = [import_module(f"beatbook.{app}.tests.url_scoping") for app in settings.FEATURE_APPS]
for _module in APP_SCOPING:
    for _table, _extra in (
        (CHECKS, _module.CHECKS),
        (UNSCOPED, _module.UNSCOPED),
        (ROLE_PAGES, _module.ROLE_PAGES),
        (TESTED_IN, _module.TESTED_IN),
        (SEES, _module.SEES),
        (DETAIL_PAGE, _module.DETAIL_PAGE),
    ):
        _clash = set(_table) & set(_extra)
        assert not _clash, f"{_module.__name__} redefines {_clash}"
        _table.update(_extra)


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            if p.name:
                yield f"{namespace}{p.name}", prefix + str(p.pattern)
            else:
                yield "", prefix + str(p.pattern)


def all_url_names() -> set[str]:
    names = set()
    for name, route in _walk(get_resolver().url_patterns):
        if route.startswith(("static/", "^static")):
            continue
        assert name, f"every URL needs a name so its scoping can be listed: {route}"
        names.add(name)
    return names


def test_every_url_is_covered() -> None:
    covered = {k.split("?")[0] for k in CHECKS} | set(UNSCOPED) | set(ROLE_PAGES) | set(TESTED_IN)
    missing = sorted(
        n
        for n in all_url_names()
        if n not in covered and not any(n.startswith(p) for p in ROLE_PAGE_PREFIXES)
    )
    assert not missing, f"URLs with no scoping check (add them to CHECKS or UNSCOPED): {missing}"
    stale = sorted(k for k in CHECKS if k.split("?")[0] not in all_url_names())
    assert not stale, f"checks for URLs that no longer exist: {stale}"


def test_tested_in_points_at_real_tests() -> None:
    root = Path(__file__).resolve().parents[2]
    for name, where in TESTED_IN.items():
        path, _, test = where.partition("::")
        source = (root / path).read_text(encoding="utf-8")
        assert f"def {test}(" in source, f"{name}: {where} not found"


# --- running the checks ------------------------------------------------------


@pytest.fixture
def scoped_world(world: Any) -> Any:
    world.transfer = TransferRequest.objects.create(
        resident=world.resident_b,
        to_flat=world.flat_a,
        requested_by=world.officer_a,
        reason="moved in with family",
    )
    for module in APP_SCOPING:
        module.extend_world(world)
    return world


def _client(world: Any, role: str) -> Any:
    from django.test import Client

    client = Client()
    client.force_login(getattr(world, role))
    return client


def _api(world: Any, role: str) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=getattr(world, role))
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def _markers(world: Any, key: str) -> list[str]:
    """A list shows an object by linking to its page (the link, not the name,
    so a search box echoing the typed name is not mistaken for a result)."""
    obj = getattr(world, key)
    page = DETAIL_PAGE.get(key) or DETAIL_PAGE[key.split("_")[0]]
    return [f'href="{reverse(page, args=[obj.pk])}"']


def _search_terms(world: Any, key: str) -> list[str]:
    obj = getattr(world, key)
    return [obj.name, obj.id_number]


CASES = [(name, role) for name in CHECKS for role in ROLES]


@pytest.mark.parametrize(("name", "role"), CASES, ids=[f"{n}-{r}" for n, r in CASES])
def test_scoping(scoped_world: Any, name: str, role: str) -> None:
    world = scoped_world
    check = CHECKS[name]
    url_name = name.split("?")[0]
    if check.kind in ("api-list", "api-detail") or url_name.startswith("api:"):
        client = _api(world, role)
    else:
        client = _client(world, role)

    if check.kind == "detail":
        for key in check.objects:
            url = reverse(url_name, args=[getattr(world, key).pk])
            expected = 200 if sees(role, key, config=check.config) else 404
            assert client.get(url).status_code == expected, f"{role} GET {url} ({key})"
    elif check.kind == "form":
        for key in check.objects:
            url = reverse(url_name, args=[getattr(world, key).pk])
            status = client.get(url).status_code
            if role not in check.writers:
                assert status in (403, 404), f"{role} GET {url} ({key}) → {status}"
            else:
                assert status == (200 if sees(role, key) else 404), (
                    f"{role} GET {url} ({key}) → {status}"
                )
    elif check.kind == "post":
        for key in check.objects:
            if sees(role, key):
                continue  # in-scope behaviour is tested with the app's views
            url = reverse(url_name, args=[getattr(world, key).pk])
            status = client.post(url, {}).status_code
            assert status in (403, 404), f"{role} POST {url} ({key}) → {status}"
    elif check.kind == "list":
        url = reverse(url_name)
        for key in check.objects:
            requests = (
                [url]
                if not check.query
                else [f"{url}?{check.query}={t}" for t in _search_terms(world, key)]
            )
            for request_url in requests:
                response = client.get(request_url)
                assert response.status_code == 200, f"{role} GET {request_url}"
                html = response.content.decode()
                for marker in _markers(world, key):
                    shown = marker in html
                    assert shown == sees(role, key), (
                        f"{role} GET {request_url}: {key} ({marker}) shown={shown}"
                    )
    elif check.kind == "api-list":
        url = reverse(url_name)
        if not check.query:
            response = client.get(url, {"page_size": 500})
            assert response.status_code == 200, f"{role} GET {url}"
            ids = {row["id"] for row in response.json()["results"]}
            expected = {
                getattr(world, k).pk for k in check.objects if sees(role, k, config=check.config)
            }
            assert ids == expected, f"{role} GET {url}: {ids} != {expected}"
        else:
            for key in check.objects:
                for term in _search_terms(world, key):
                    response = client.get(url, {check.query: term})
                    assert response.status_code == 200
                    ids = {row["id"] for row in response.json()["results"]}
                    assert (getattr(world, key).pk in ids) == sees(role, key), (
                        f"{role} search {term!r}"
                    )
    elif check.kind == "api-detail":
        for key in check.objects:
            url = reverse(url_name, args=[getattr(world, key).pk])
            expected = 200 if sees(role, key, config=check.config) else 404
            assert client.get(url).status_code == expected, f"{role} GET {url} ({key})"
    else:  # pragma: no cover
        raise AssertionError(check.kind)


def _role_page_urls() -> list[tuple[str, str]]:
    out = []
    for name, route in _walk(get_resolver().url_patterns):
        owner = ROLE_PAGES.get(name) or next(
            (r for p, r in ROLE_PAGE_PREFIXES.items() if name.startswith(p)), None
        )
        if owner:
            out.append((name, owner, route))
    return out


@pytest.mark.parametrize("role", ROLES)
def test_role_pages_refuse_other_roles(scoped_world: Any, role: str) -> None:
    client = _client(scoped_world, role)
    for name, owner, route in _role_page_urls():
        if owner == role:
            continue
        kwargs = dict.fromkeys(re.findall(r"<(?:\w+:)?(\w+)>", route), scoped_world.community_a.pk)
        url = reverse(name, kwargs=kwargs)
        status = client.get(url).status_code
        assert status in (403, 404, 405), f"{role} GET {url} → {status}"


@pytest.mark.parametrize("role", ROLES)
def test_unscoped_pages_answer(scoped_world: Any, role: str) -> None:
    client = _client(scoped_world, role)
    for name in ("home", "healthz", "api-schema", "api-docs"):
        assert client.get(reverse(name)).status_code in (200, 302), name
