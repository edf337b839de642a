"""The Chinese catalogue is complete and its compiled .mo matches the .po.

The .mo file is committed (a fresh machine may lack GNU gettext); after
editing the .po run `beatbook compilemessages -l zh_Hans`.
"""

from __future__ import annotations

import ast
import gettext
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

PACKAGE = Path(__file__).resolve().parents[2]
LOCALE = PACKAGE / "locale" / "zh_Hans" / "LC_MESSAGES"
# the project catalogue and each feature app's own (scripts/messages.sh)
CATALOGUES = sorted([LOCALE / "django.po", *PACKAGE.glob("*/locale/zh_Hans/LC_MESSAGES/django.po")])


def parse_po(path: Path) -> list[dict[str, object]]:
    entries: list[dict[str, object]] = []
    current: dict[str, object] = {}
    key: str | None = None
    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            if current:
                entries.append(current)
            current, key = {}, None
            continue
        if line.startswith("#,"):
            current["flags"] = {f.strip() for f in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"'):
            assert key is not None
            current[key] = str(current[key]) + ast.literal_eval(line)
            continue
        key, _, value = line.partition(" ")
        current[key] = ast.literal_eval(value)
    return entries


def _messages(po: Path = LOCALE / "django.po") -> list[dict[str, object]]:
    return [e for e in parse_po(po) if e.get("msgid")]


def test_project_catalogue_is_large() -> None:
    assert len(_messages()) > 300


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.parts[-5])
def test_catalogue_complete(po: Path) -> None:
    entries = _messages(po)
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e.get("flags", set())]  # type: ignore[operator]
    assert not fuzzy, f"fuzzy translations: {fuzzy}"
    empty = [e["msgid"] for e in entries if not (e.get("msgstr") or e.get("msgstr[0]"))]
    assert not empty, f"untranslated: {empty}"


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.parts[-5])
def test_compiled_catalogue_matches_po(po: Path) -> None:
    with open(po.with_suffix(".mo"), "rb") as fh:
        mo = gettext.GNUTranslations(fh)
    stale = []
    for e in _messages(po):
        msgid = str(e["msgid"])
        ctx = e.get("msgctxt")
        if "msgid_plural" in e:
            got = (
                mo.npgettext(str(ctx), msgid, str(e["msgid_plural"]), 1)
                if ctx
                else mo.ngettext(msgid, str(e["msgid_plural"]), 1)
            )
            want = e["msgstr[0]"]
        else:
            got = mo.pgettext(str(ctx), msgid) if ctx else mo.gettext(msgid)
            want = e["msgstr"]
        if got != want:
            stale.append(msgid)
    assert not stale, (
        f"django.mo is out of date (run beatbook compilemessages -l zh_Hans): {stale[:5]}"
    )


@pytest.mark.django_db
def test_pages_speak_chinese_by_default_and_english_on_request(client, world) -> None:
    client.force_login(world.officer_a)
    html = client.get(reverse("registry:my-beat")).content.decode()
    assert "我的辖区" in html
    assert 'lang="zh-hans"' in html
    with translation.override("en"):
        client.cookies["django_language"] = "en"
        html_en = client.get(reverse("registry:my-beat")).content.decode()
    assert "My beat" in html_en
