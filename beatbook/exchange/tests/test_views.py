"""The import and export pages, for every role."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from python_calamine import CalamineWorkbook

from beatbook.core.models import AuditEntry
from beatbook.exchange.tests.files import HEADER, write_csv, write_xlsx
from beatbook.exchange.tests.test_services import person
from beatbook.registry.models import Resident

ROLES = ("officer_a", "officer_b", "head", "worker_a", "chief", "sysadmin", "auditor")
IMPORTERS = {"officer_a", "officer_b", "head"}
EXPORTERS = {"officer_a", "officer_b", "head", "worker_a", "chief"}


@pytest.fixture(autouse=True)
def _home(settings: Any, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path / "var"


def client_for(world: Any, role: str) -> Client:
    client = Client()
    client.force_login(getattr(world, role))
    return client


def upload(client: Client, path: Path, kind: str = "residents") -> Any:
    with path.open("rb") as fh:
        data = SimpleUploadedFile(path.name, fh.read())
    return client.post(reverse("exchange:import"), {"kind": kind, "file": data})


def test_every_role_on_every_page(world: Any, tmp_path: Path) -> None:
    """Scoping of exchange:import, import-preview, import-errors and export."""
    path = write_csv(tmp_path / "a.csv", [HEADER, person("甲", 1), person("乙", 1, room="302")])
    owner = client_for(world, "officer_a")
    token = upload(owner, path).url.rstrip("/").split("/")[-1]
    for role in ROLES:
        client = client_for(world, role)
        assert client.get(reverse("exchange:import")).status_code == (
            200 if role in IMPORTERS else 403
        ), role
        assert client.get(reverse("exchange:export")).status_code == (
            200 if role in EXPORTERS else 403
        ), role
        # an upload is its uploader's alone
        expected = 200 if role == "officer_a" else 403 if role not in IMPORTERS else 404
        assert (
            client.get(reverse("exchange:import-preview", args=[token])).status_code == expected
        ), role
        assert (
            client.get(reverse("exchange:import-errors", args=[token])).status_code == expected
        ), role
    assert owner.get(reverse("exchange:import-preview", args=["x" * 32])).status_code == 404
    assert owner.get("/exchange/import/..%2F..%2Fetc/").status_code == 404


def test_upload_preview_confirm(world: Any, tmp_path: Path) -> None:
    client = client_for(world, "officer_a")
    path = write_xlsx(
        tmp_path / "名单.xlsx",
        [HEADER, person("甲", 1), person("乙", 1, room="302"), person("丙", 3, room="303")],
    )
    response = upload(client, path)
    assert response.status_code == 302
    page = client.get(response.url)
    assert page.context["report"].created == 2 and len(page.context["report"].rejected) == 1
    assert not Resident.objects.filter(name="甲").exists()
    # the rejected rows, as a file in the import format with a reason column
    errors = client.get(reverse("exchange:import-errors", args=[page.context["upload"].token]))
    assert errors.status_code == 200
    out = tmp_path / "rejected.xlsx"
    out.write_bytes(b"".join(errors.streaming_content))
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
    assert rows[0] == [*HEADER, "错误原因"]
    assert [r[0] for r in rows[1:]] == ["乙"] and "2" in rows[1][-1]
    # all or nothing: confirming without "skip invalid" stores nothing
    client.post(response.url, {})
    result = client.get(response.url).context["report"]
    assert result.stored is False and not Resident.objects.filter(name="甲").exists()


def test_confirm_with_skip_invalid(world: Any, tmp_path: Path) -> None:
    client = client_for(world, "officer_a")
    path = write_csv(tmp_path / "a.csv", [HEADER, person("甲", 1), person("乙", 1, room="302")])
    url = upload(client, path).url
    client.post(url, {"skip_invalid": "on"})
    page = client.get(url)
    assert page.context["done"] and page.context["report"].stored
    assert Resident.objects.filter(name="甲").exists()
    client.post(url, {"skip_invalid": "on"})  # a second confirmation does nothing
    assert Resident.objects.filter(name="甲").count() == 1
    assert AuditEntry.objects.filter(action="residents.import", extra__stored=True).count() == 1


def test_unusable_file_stays_on_the_form(world: Any, tmp_path: Path) -> None:
    client = client_for(world, "officer_a")
    path = tmp_path / "bad.xlsx"
    path.write_text("姓名\n")
    response = upload(client, path)
    assert response.status_code == 200 and response.context["form"].errors["file"]


def test_export_page(world: Any) -> None:
    client = client_for(world, "worker_a")
    page = client.get(reverse("exchange:export"))
    assert "full_ids" not in page.context["form"].fields
    values = [v for v, _l in page.context["form"].fields["scope"].choices]
    assert (
        f"community:{world.community_a.pk}" in values
        and f"community:{world.community_b.pk}" not in values
    )
    response = client.post(
        reverse("exchange:export"), {"kind": "residents", "scope": "mine", "reason": ""}
    )
    assert response.status_code == 200 and response.context["form"].errors["reason"]
    response = client.post(
        reverse("exchange:export"), {"kind": "residents", "scope": "mine", "reason": "走访"}
    )
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert AuditEntry.objects.get(action="residents.export").extra["id_numbers"] == "masked"
    tampered = client.post(
        reverse("exchange:export"),
        {"kind": "residents", "scope": f"beat:{world.beat_b.pk}", "reason": "x"},
    )
    assert tampered.status_code == 200 and tampered.context["form"].errors["scope"]
