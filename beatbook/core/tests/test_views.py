"""Error pages never show a stack trace; each role lands on its own start page."""

from __future__ import annotations

import re

import pytest
from django.test import Client, override_settings
from django.urls import reverse


@override_settings(ROOT_URLCONF="beatbook.core.tests.crash_urls", DEBUG=False)
def test_server_error_page_shows_no_trace(world) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(world.officer_a)
    response = client.get("/crash/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Traceback" not in html
    assert "secret internals" not in html
    assert "RuntimeError" not in html
    assert "出错了" in html


def test_not_found_page_is_the_same_for_missing_and_out_of_scope(client, world) -> None:
    client.force_login(world.officer_a)
    missing = client.get(reverse("registry:resident-detail", args=[999_999]))
    other_beat = client.get(reverse("registry:resident-detail", args=[world.resident_b.pk]))
    assert missing.status_code == other_beat.status_code == 404
    assert world.resident_b.name not in other_beat.content.decode()

    def normalised(response, pk) -> str:
        html = response.content.decode().replace(f"/residents/{pk}/", "/residents/N/")
        # CSRF tokens are masked differently on every render
        return re.sub(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', r"\1", html)

    assert normalised(missing, 999_999) == normalised(other_beat, world.resident_b.pk)


@pytest.mark.parametrize(
    ("role", "start"),
    [
        ("officer_a", "registry:my-beat"),
        ("head", "registry:my-beat"),
        ("worker_a", "registry:my-beat"),
        ("chief", "registry:my-beat"),
        ("auditor", "audit-log"),
        ("sysadmin", "accounts:admin-home"),
    ],
)
def test_home_sends_each_role_to_its_start_page(client, world, role, start) -> None:
    client.force_login(getattr(world, role))
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse(start)


def test_home_needs_login(client, db) -> None:
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_responses_carry_a_request_id(client, db) -> None:
    response = client.get(reverse("login"))
    assert len(response["X-Request-ID"]) == 32


@pytest.mark.parametrize("pk", ["99999999999999999999999", str(2**63)])
def test_ids_beyond_the_database_range_are_not_found(client, world, pk) -> None:
    from rest_framework.authtoken.models import Token

    client.force_login(world.officer_a)
    assert client.get(f"/residents/{pk}/").status_code == 404
    assert client.get(f"/flats/{pk}/").status_code == 404
    token, _ = Token.objects.get_or_create(user=world.officer_a)
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    assert client.get(f"/api/v1/residents/{pk}/", **auth).status_code == 404


def test_scope_required_knows_the_flags() -> None:
    from beatbook.core.views import scope_required

    with pytest.raises(ValueError):
        scope_required("reads_audits", "typo")
    assert callable(scope_required("reads_audit", "ok"))


@pytest.mark.parametrize(
    ("query", "expected"),
    [("?n=12", 12), ("?n=", None), ("", None), ("?n=abc", None), ("?n=-3", None), ("?n=0", None)],
)
def test_int_param(rf, query, expected) -> None:
    from beatbook.core.views import int_param

    assert int_param(rf.get(f"/x/{query}"), "n") == expected
