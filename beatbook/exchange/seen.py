"""Which row of a file first carried a key (an ID number, an address), kept in
a scratch SQLite file so that memory stays flat however long the file is.

Pure Python: nothing here imports Django.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from collections.abc import Iterable
from types import TracebackType

#: keys looked up per query (SQLite allows 32,766 parameters since 3.32)
_BATCH = 5000


class FirstRows:
    """``first_rows(pairs)`` answers, for each (key, row) in file order, the
    earlier row with the same key, remembering every key it is shown."""

    def __init__(self, directory: str | None = None) -> None:
        fd, self._path = tempfile.mkstemp(prefix="beatbook-seen-", suffix=".sqlite3", dir=directory)
        os.close(fd)
        self._db = sqlite3.connect(self._path, isolation_level=None)
        self._db.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-8000;"
            "CREATE TABLE seen (key TEXT PRIMARY KEY, row INTEGER NOT NULL) WITHOUT ROWID;"
        )

    def earlier(self, pairs: Iterable[tuple[str, int]]) -> dict[int, int]:
        """{row: earlier row} for the rows whose key was seen before (in an
        earlier call or earlier in ``pairs``); every new key is remembered."""
        first: dict[str, int] = {}
        duplicates: dict[int, int] = {}
        ordered = list(pairs)
        for key, row in ordered:
            if key in first:
                duplicates[row] = first[key]
            else:
                first[key] = row
        keys = list(first)
        known: dict[str, int] = {}
        for i in range(0, len(keys), _BATCH):
            batch = keys[i : i + _BATCH]
            marks = ",".join("?" * len(batch))
            known.update(
                self._db.execute(f"SELECT key, row FROM seen WHERE key IN ({marks})", batch)  # noqa: S608
            )
        for key, row in ordered:
            if key in known:
                duplicates[row] = known[key]
        self._db.execute("BEGIN")
        self._db.executemany(
            "INSERT INTO seen (key, row) VALUES (?, ?)",
            ((key, row) for key, row in first.items() if key not in known),
        )
        self._db.execute("COMMIT")
        return duplicates

    def close(self) -> None:
        self._db.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._path)

    def __enter__(self) -> FirstRows:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
