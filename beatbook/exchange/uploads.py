"""Uploaded import files, kept between the preview and the confirmation.

Each upload lives in ``BEATBOOK_HOME/var/imports/<token>/``: the file as sent
and ``meta.json`` (who uploaded it, its kind and name, the preview's and the
result's reports). The token is random (``secrets.token_urlsafe``) and only
its uploader may use it; uploads older than :data:`MAX_AGE` are removed when
a new one arrives.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.http import Http404

from beatbook.exchange.services import IMPORTERS, ImportFile, ImportReport

MAX_AGE = 24 * 3600
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")


def root() -> Path:
    return Path(settings.VAR_DIR) / "imports"


@dataclass
class Upload:
    token: str
    directory: Path
    meta: dict[str, Any]

    @property
    def kind(self) -> str:
        return str(self.meta["kind"])

    @property
    def source(self) -> ImportFile:
        return ImportFile(path=self.directory / self.meta["stored_as"], name=self.meta["name"])

    def report(self, key: str) -> ImportReport | None:
        data = self.meta.get(key)
        return ImportReport.from_dict(data) if data else None

    def save_report(self, key: str, report: ImportReport) -> None:
        self.meta[key] = report.to_dict()
        (self.directory / "meta.json").write_text(json.dumps(self.meta, ensure_ascii=False))


def _clean_old() -> None:
    base = root()
    if not base.exists():
        return
    limit = time.time() - MAX_AGE
    for child in base.iterdir():
        if child.is_dir() and child.stat().st_mtime < limit:
            shutil.rmtree(child, ignore_errors=True)


def upload_save(*, user: Any, kind: str, name: str, chunks: Any) -> Upload:
    """Store an uploaded file (``chunks``: an iterable of bytes) for ``user``."""
    _clean_old()
    token = secrets.token_urlsafe(24)
    directory = root() / token
    directory.mkdir(parents=True, mode=0o700)
    suffix = Path(name).suffix.lower()
    stored_as = "upload" + (suffix if suffix in (".csv", ".xlsx", ".xls") else ".bin")
    with (directory / stored_as).open("wb") as fh:
        _copy(chunks, fh)
    meta = {
        "user_id": user.pk,
        "kind": kind,
        "name": Path(name).name[:200],
        "stored_as": stored_as,
        "created": time.time(),
    }
    (directory / "meta.json").write_text(json.dumps(meta, ensure_ascii=False))
    return Upload(token=token, directory=directory, meta=meta)


def _copy(chunks: Any, fh: IO[bytes]) -> None:
    for chunk in chunks:
        fh.write(chunk)


def upload_get(*, user: Any, token: str) -> Upload:
    """The user's own upload; anything else (another user's, unknown, expired) is 404."""
    if not _TOKEN.fullmatch(token or ""):
        raise Http404
    directory = root() / token
    try:
        meta = json.loads((directory / "meta.json").read_text())
    except (OSError, ValueError):
        raise Http404 from None
    if meta.get("user_id") != user.pk:
        raise Http404
    return Upload(token=token, directory=directory, meta=meta)


def upload_preview(*, actor: Any, upload: Upload) -> ImportReport:
    """Dry-run the import of ``upload`` and keep its report as the preview.
    Raises UnusableFile for a file that cannot be read."""
    report = IMPORTERS[upload.kind](actor=actor, rows_source=upload.source, dry_run=True)
    upload.save_report("preview", report)
    return report


def upload_confirm(*, actor: Any, upload: Upload, skip_invalid: bool) -> ImportReport | None:
    """Import a previewed upload, once, and keep its report as the result;
    None (nothing done) before a preview or after the import."""
    if upload.report("result") is not None or upload.report("preview") is None:
        return None
    result = IMPORTERS[upload.kind](
        actor=actor, rows_source=upload.source, skip_invalid=skip_invalid
    )
    upload.save_report("result", result)
    return result
