"""The audit log page: the audit administrator only; search, pages, export, chain check."""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from beatbook.core import audit, audit_display
from beatbook.core.models import AuditEntry
from beatbook.core.selectors import audit_entry_list, keyset_page
from beatbook.core.tests.utils import audit_log_writable, login_without_audit
from beatbook.registry.idnumbers import mask_id_number

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def auditor_client(client, world):
    return login_without_audit(client, world.auditor)


def make_entries(world):
    """A few entries by different users, on different objects and days."""
    a = audit.record(
        actor=world.officer_a,
        action="resident.update",
        obj=world.resident_a,
        before={"phones": ["+8613900000000"], "id_number": world.resident_a.id_number},
        after={"phones": ["+8613911111111"], "id_number": world.resident_a.id_number},
    )
    b = audit.record(actor=world.officer_b, action="resident.read", obj=world.resident_b)
    c = audit.record(
        actor=world.sysadmin, action="user.create", obj=world.head, after={"role": "building_head"}
    )
    d = audit.record(
        actor=world.sysadmin, action="user.assign", obj=world.head, after={"head_of_buildings": [1]}
    )
    # Move them to known Shanghai times (breaks the chain; these tests do not verify it).
    days = {
        a.pk: dt.datetime(2024, 3, 1, 23, 30, tzinfo=SHANGHAI),  # 15:30 UTC on 1 March
        b.pk: dt.datetime(2024, 3, 2, 0, 30, tzinfo=SHANGHAI),  # 16:30 UTC on 1 March
        c.pk: dt.datetime(2024, 3, 5, 9, 0, tzinfo=SHANGHAI),
        d.pk: dt.datetime(2024, 3, 6, 9, 0, tzinfo=SHANGHAI),
    }
    with audit_log_writable():
        for pk, at in days.items():
            AuditEntry.objects.filter(pk=pk).update(at=at)
    return a, b, c, d


def ids(response) -> list[int]:
    return [row.entry.pk for row in response.context["rows"]]


# --- who may read ---------------------------------------------------------------


@pytest.mark.parametrize("who", ["officer_a", "head", "worker_a", "chief", "sysadmin"])
def test_every_other_role_gets_403(client, world, who):
    client.force_login(world.users()[who])
    count = AuditEntry.objects.count()
    assert client.get(reverse("audit-log")).status_code == 403
    assert client.get(reverse("audit-log"), {"username": "t-admin"}).status_code == 403
    assert client.get(reverse("audit-export")).status_code == 403
    assert client.post(reverse("audit-verify")).status_code == 403
    assert AuditEntry.objects.count() == count


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(reverse("audit-log"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_selector_is_empty_for_other_roles(world):
    make_entries(world)
    for who, user in world.users().items():
        expected = 4 if who == "auditor" else 0
        assert audit_entry_list(user=user).count() == expected, who


# --- reading and searching ----------------------------------------------------------


def test_auditor_sees_entries_newest_first(auditor_client, world):
    a, b, c, d = make_entries(world)
    response = auditor_client.get(reverse("audit-log"))
    assert response.status_code == 200
    assert ids(response) == [d.pk, c.pk, b.pk, a.pk]
    html = response.content.decode()
    assert "resident.update" in html
    assert world.officer_a.username in html
    # the before → after of the phone change is shown compactly
    assert "+8613900000000" in html and "+8613911111111" in html


def test_id_numbers_in_entries_are_masked(auditor_client, world):
    make_entries(world)
    html = auditor_client.get(reverse("audit-log")).content.decode()
    assert world.resident_a.id_number not in html
    assert mask_id_number(world.resident_a.id_number) in html


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"username": "t-admin"}, "cd"),
        ({"username": "t-officer-b"}, "b"),
        ({"action": "user.create"}, "c"),
        ({"action": "resident"}, "ab"),  # a dotted prefix
        ({"action": "resident.re"}, ""),  # not a prefix of a whole word
        ({"object_type": "registry.resident"}, "ab"),
        ({"object_type": "accounts.user", "object_id": "HEAD"}, "cd"),
        ({"date_from": "2024-03-01", "date_to": "2024-03-01"}, "a"),  # Shanghai days, not UTC
        ({"date_from": "2024-03-02", "date_to": "2024-03-05"}, "bc"),
        ({"date_from": "2024-03-06"}, "d"),
        ({"date_to": "2024-03-01"}, "a"),
        ({"username": "t-admin", "date_to": "2024-03-05"}, "c"),
    ],
)
def test_filters(auditor_client, world, params, expected):
    entries = dict(zip("abcd", make_entries(world), strict=True))
    if params.get("object_id") == "HEAD":
        params = {**params, "object_id": str(world.head.pk)}
    response = auditor_client.get(reverse("audit-log"), params)
    assert response.status_code == 200
    got = [pk for pk in ids(response) if AuditEntry.objects.get(pk=pk).action != "audit.search"]
    assert got == sorted((entries[k].pk for k in expected), reverse=True)


def test_filter_by_request_id(auditor_client, world):
    a, *_ = make_entries(world)
    response = auditor_client.get(reverse("audit-log"), {"request_id": a.request_id})
    assert a.pk in ids(response)
    assert all(AuditEntry.objects.get(pk=pk).request_id == a.request_id for pk in ids(response))


def test_bad_dates_keep_the_input_and_show_nothing(auditor_client, world):
    make_entries(world)
    response = auditor_client.get(
        reverse("audit-log"),
        {"username": "t-admin", "date_from": "2024-03-05", "date_to": "2024-03-01"},
    )
    assert response.status_code == 200
    assert ids(response) == []
    html = response.content.decode()
    assert 'value="t-admin"' in html and 'value="2024-03-05"' in html
    assert not AuditEntry.objects.filter(action="audit.search").exists()


def test_a_search_is_itself_recorded(auditor_client, world):
    make_entries(world)
    auditor_client.get(reverse("audit-log"))
    assert not AuditEntry.objects.filter(action="audit.search").exists()  # browsing is not a search
    auditor_client.get(reverse("audit-log"), {"username": "t-admin", "date_from": "2024-03-01"})
    entry = AuditEntry.objects.get(action="audit.search")
    assert entry.actor_username == world.auditor.username
    assert entry.extra == {"filters": {"username": "t-admin", "date_from": "2024-03-01"}}
    assert entry.request_id and entry.ip == "127.0.0.1"


def test_pages_of_fifty(auditor_client, world):
    for n in range(120):
        audit.record(actor=world.sysadmin, action="station.create", object_type="x", object_id=n)
    newest = list(AuditEntry.objects.order_by("-id").values_list("id", flat=True))
    url = reverse("audit-log")
    first = auditor_client.get(url)
    assert ids(first) == list(newest[:50])
    page = first.context["page"]
    assert page.newer is None and page.older == newest[49]
    second = auditor_client.get(url, {"before": page.older})
    assert ids(second) == list(newest[50:100])
    third = auditor_client.get(url, {"before": second.context["page"].older})
    assert ids(third) == list(newest[100:120])
    assert third.context["page"].older is None
    back = auditor_client.get(url, {"after": third.context["page"].newer})
    assert ids(back) == list(newest[50:100])
    # links carry the filters
    filtered = auditor_client.get(url, {"action": "station.create"})
    assert f"action=station.create&amp;before={newest[49]}" in filtered.content.decode()


def test_keyset_page_on_an_empty_list(world):
    page = keyset_page(AuditEntry.objects.none(), before=10)
    assert (page.rows, page.older, page.newer) == ([], None, None)


def test_page_queries_are_bounded(auditor_client, world, django_assert_max_num_queries):
    for n in range(60):
        audit.record(
            actor=world.sysadmin,
            action="user.assign",
            object_type="accounts.user",
            object_id=n,
            before={"beats": []},
            after={"beats": [n]},
        )
    with django_assert_max_num_queries(8):
        response = auditor_client.get(reverse("audit-log"))
    assert len(ids(response)) == 50


# --- export and verification ---------------------------------------------------------


def test_export_csv_is_filtered_masked_and_audited(auditor_client, world):
    a, b, c, d = make_entries(world)
    response = auditor_client.get(reverse("audit-export"), {"object_type": "registry.resident"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0] == list(audit_display.CSV_HEADER)
    assert [int(r[0]) for r in rows[1:]] == [b.pk, a.pk]
    assert rows[2][1] == "2024-03-01T23:30:00+08:00"
    assert world.resident_a.id_number not in body
    assert mask_id_number(world.resident_a.id_number) in body
    entry = AuditEntry.objects.get(action="audit.export")
    assert entry.extra["filters"] == {"object_type": "registry.resident"}
    assert entry.actor_username == world.auditor.username


def test_csv_cells_cannot_be_formulas():
    assert audit_display._cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert audit_display._cell("+86139") == "'+86139"
    assert audit_display._cell("张三") == "张三"


def test_verify_chain_ok(auditor_client, world):
    audit.record(actor=world.sysadmin, action="station.create", obj=world.station)
    response = auditor_client.post(reverse("audit-verify"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.context["result"].ok
    assert "alert-success" in response.content.decode()
    assert AuditEntry.objects.filter(action="audit.verify").exists()


def test_verify_chain_shows_the_first_broken_entry(auditor_client, world):
    first = audit.record(actor=world.sysadmin, action="station.create", obj=world.station)
    second = audit.record(actor=world.sysadmin, action="beat.create", obj=world.beat_a)
    audit.record(actor=world.sysadmin, action="beat.create", obj=world.beat_b)
    with audit_log_writable():
        AuditEntry.objects.filter(pk=second.pk).update(object_repr="tampered")
    response = auditor_client.post(reverse("audit-verify"), HTTP_HX_REQUEST="true")
    result = response.context["result"]
    assert not result.ok and result.broken_id == second.pk and result.checked == 1
    assert f"#{second.pk}" in response.content.decode()
    assert first.pk < second.pk
    # without htmx: back to the log with a message
    response = auditor_client.post(reverse("audit-verify"))
    assert response.status_code == 302
    assert response["Location"] == reverse("audit-log")


def test_verify_is_post_only(auditor_client, world):
    assert auditor_client.get(reverse("audit-verify")).status_code == 405


def test_page_turns_of_a_search_are_not_recorded_again(auditor_client, world):
    for n in range(60):
        audit.record(actor=world.sysadmin, action="station.create", object_type="x", object_id=n)
    url = reverse("audit-log")
    first = auditor_client.get(url, {"action": "station.create"})
    auditor_client.get(url, {"action": "station.create", "before": first.context["page"].older})
    assert AuditEntry.objects.filter(action="audit.search").count() == 1


def test_export_streams_asynchronously_under_asgi(world):
    """Under ASGI (``beatbook serve``) the CSV comes from an async iterator,
    which Django sends as it goes instead of reading it whole into memory."""
    from asgiref.sync import async_to_sync
    from django.test import AsyncClient

    a, b, c, d = make_entries(world)
    client = login_without_audit(AsyncClient(), world.auditor)

    async def export():
        response = await client.get(reverse("audit-export"), {"username": "t-admin"})
        assert response.status_code == 200
        assert response.is_async
        return b"".join([chunk async for chunk in response.streaming_content])

    body = async_to_sync(export)().decode("utf-8")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0] == list(audit_display.CSV_HEADER)
    assert [int(r[0]) for r in rows[1:]] == [d.pk, c.pk]
    assert AuditEntry.objects.get(action="audit.export").extra["filters"] == {"username": "t-admin"}


def test_only_the_auditor_verifies_the_chain(world):
    from django.core.exceptions import PermissionDenied

    from beatbook.core import services

    count = AuditEntry.objects.count()
    for who in ("sysadmin", "officer_a", "chief"):
        with pytest.raises(PermissionDenied):
            services.audit_chain_verify(actor=world.users()[who])
    assert AuditEntry.objects.count() == count
    result = services.audit_chain_verify(actor=world.auditor)
    assert result.ok
    entry = AuditEntry.objects.get(action="audit.verify")
    assert entry.extra == {"ok": True, "checked": result.checked, "broken_id": None}


def test_audit_reads_are_not_recorded_for_other_roles(world):
    from beatbook.core import selectors

    selectors.audit_entry_search(user=world.sysadmin, filters={"action": "user"})
    selectors.audit_entry_export(user=world.officer_a, filters={})
    assert not AuditEntry.objects.filter(action__startswith="audit.").exists()
