"""Reading spreadsheets row by row: .xlsx (python-calamine) and .csv.

Pure Python: nothing here imports Django.

A file is opened with :func:`open_table`, which finds the header row (the
first of the first ten rows that contains ``姓名``, or another marker column
for address and premises lists), maps the headers onto the fields of a
:class:`Schema` and returns a :class:`Table` whose ``rows()`` yields
``(row_number, {field: cell})`` one row at a time, with row numbers as the
spreadsheet shows them (header = its own row number, title rows above count).
Blank rows (every cell empty or whitespace) are skipped.

Cells keep their type: ``str`` for text (always, for CSV), ``float``/``int``
for number cells, ``datetime.date``/``datetime.datetime`` for date cells,
``bool`` for logical cells. The validation layer (``rows.py``) decides what
each type means for each column.

Anything that makes the file unusable as a whole (wrong format, unreadable,
no header, a required column missing) raises :class:`UnusableFile`.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "Column",
    "Schema",
    "Table",
    "UnusableFile",
    "open_table",
]

Cell = str | int | float | bool | dt.date | dt.datetime | dt.time | dt.timedelta | None

#: the header is looked for in this many rows from the top
HEADER_SEARCH_ROWS = 10
#: bytes decoded to decide between UTF-8 and GB18030
_SNIFF_BYTES = 1 << 20


class UnusableFile(Exception):
    """The file cannot be imported at all (exit status 2). ``message`` is
    English; callers translate by ``code``."""

    def __init__(
        self, message: str, missing_columns: list[str] | None = None, *, code: str = ""
    ) -> None:
        super().__init__(message)
        self.message = message
        self.missing_columns = missing_columns or []
        self.code = code

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Column:
    """One field of an import: its canonical header and the accepted aliases."""

    field: str
    header: str
    aliases: tuple[str, ...] = ()
    required: bool = False

    @property
    def names(self) -> tuple[str, ...]:
        return (self.header, *self.aliases)


@dataclass(frozen=True)
class Schema:
    """The columns of one kind of import; ``marker`` finds the header row."""

    columns: tuple[Column, ...]
    #: headers of which one marks the header row (e.g. 姓名)
    markers: tuple[str, ...]

    def by_header(self) -> dict[str, Column]:
        return {name: col for col in self.columns for name in col.names}

    @property
    def headers(self) -> list[str]:
        return [col.header for col in self.columns]


@dataclass
class Table:
    """An opened file: the header found, and a one-pass iterator over its rows."""

    header_row: int
    #: field -> the header as written in the file (trimmed)
    written: dict[str, str]
    #: unknown columns, as written
    unknown_columns: list[str]
    _rows: Iterator[tuple[int, list[Cell]]]
    _index: dict[str, int] = field(default_factory=dict)

    @property
    def fields(self) -> list[str]:
        """The fields found, in the file's column order."""
        return sorted(self._index, key=self._index.__getitem__)

    @property
    def warnings(self) -> list[str]:
        return [f"Unknown column ignored: {name}" for name in self.unknown_columns]

    def rows(self) -> Iterator[tuple[int, dict[str, Cell]]]:
        """``(row_number, {field: cell})`` for every non-blank row after the header."""
        index = list(self._index.items())
        for number, cells in self._rows:
            if _blank(cells):
                continue
            width = len(cells)
            yield number, {name: cells[i] if i < width else None for name, i in index}


def _blank(cells: list[Cell]) -> bool:
    for cell in cells:
        if cell is None:
            continue
        if isinstance(cell, str):
            if cell.strip():
                return False
        else:
            return False
    return True


def clean_header(value: Cell) -> str:
    """A header cell as compared: NFKC (full-width letters and spaces), trimmed."""
    if value is None:
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip()


# --- formats -------------------------------------------------------------------

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"


def _sniff(path: Path) -> bytes:
    with path.open("rb") as fh:
        return fh.read(_SNIFF_BYTES)


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[Cell]]]:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        if not workbook.sheet_names:
            raise UnusableFile("The workbook has no sheet", code="no_sheet")
        sheet = workbook.get_sheet_by_index(0)
        rows = sheet.iter_rows()
    except UnusableFile:
        raise
    except (CalamineError, zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnusableFile(f"Not a readable .xlsx file ({exc})", code="bad_xlsx") from None
    except Exception as exc:  # calamine raises its own, version-dependent errors
        raise UnusableFile(
            f"Not a readable .xlsx file ({type(exc).__name__})", code="bad_xlsx"
        ) from None
    # iter_rows starts at the sheet's first row (row 1), title rows included.
    yield from enumerate(rows, start=1)


def _csv_encoding(sample: bytes) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if b"\x00" in sample:
        raise UnusableFile("Not a text (CSV) file", code="not_text")
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(sample, final=len(sample) < _SNIFF_BYTES)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    gb_decoder = codecs.getincrementaldecoder("gb18030")()
    try:
        gb_decoder.decode(sample, final=len(sample) < _SNIFF_BYTES)
    except UnicodeDecodeError:
        raise UnusableFile(
            "The CSV file is neither UTF-8 nor GB18030 text", code="encoding"
        ) from None
    return "gb18030"


def _csv_rows(path: Path, sample: bytes) -> Iterator[tuple[int, list[Cell]]]:
    encoding = _csv_encoding(sample)
    try:
        with path.open(encoding=encoding, newline="") as fh:
            # a quoted cell may span lines: a record is one spreadsheet row
            for number, cells in enumerate(csv.reader(fh), start=1):
                yield number, list(cells)
    except UnicodeDecodeError:
        raise UnusableFile(f"The CSV file is not valid {encoding} text", code="encoding") from None
    except csv.Error as exc:
        raise UnusableFile(f"Not a readable CSV file ({exc})", code="bad_csv") from None


def _raw_rows(path: Path, name: str) -> Iterator[tuple[int, list[Cell]]]:
    suffix = Path(name).suffix.lower()
    try:
        sample = _sniff(path)
    except OSError as exc:
        raise UnusableFile(f"Cannot read the file ({exc.strerror})", code="unreadable") from None
    if suffix == ".xlsx":
        if not sample.startswith(_ZIP_MAGIC):
            raise UnusableFile(
                "The file is named .xlsx but is not an Excel workbook", code="not_xlsx"
            )
        return _xlsx_rows(path)
    if suffix == ".csv":
        if sample.startswith((_ZIP_MAGIC, _OLE_MAGIC)):
            raise UnusableFile(
                "The file is named .csv but is a binary file (Excel?)", code="not_csv"
            )
        return _csv_rows(path, sample)
    if suffix == ".xls":
        raise UnusableFile(
            "Old Excel (.xls) files are not read: save the file as .xlsx", code="xls"
        )
    raise UnusableFile("Only .xlsx and .csv files can be imported", code="format")


def _header_positions(
    cells: list[Cell], schema: Schema
) -> tuple[dict[str, int], dict[str, str], list[str]]:
    by_header = schema.by_header()
    index: dict[str, int] = {}
    written: dict[str, str] = {}
    unknown: list[str] = []
    for i, cell in enumerate(cells):
        text = clean_header(cell)
        if not text:
            continue
        col = by_header.get(text) or by_header.get(text.replace(" ", ""))
        if col is None:
            unknown.append(text)
        elif col.field not in index:  # a repeated column: the first one counts
            index[col.field] = i
            written[col.field] = text
    return index, written, unknown


def open_table(path: str | Path, schema: Schema, *, name: str | None = None) -> Table:
    """Open ``path`` (of type given by ``name``'s extension, default the path's)
    and read up to its header row. Raises :class:`UnusableFile`."""
    path = Path(path)
    rows = _raw_rows(path, name or path.name)
    for number, cells in rows:
        if number > HEADER_SEARCH_ROWS:
            break
        if any(clean_header(c) in schema.markers for c in cells):
            index, written, unknown = _header_positions(cells, schema)
            missing = [c.header for c in schema.columns if c.required and c.field not in index]
            if missing:
                raise UnusableFile(
                    "Required columns are missing: " + ", ".join(missing),
                    missing_columns=missing,
                    code="missing_columns",
                )
            return Table(
                header_row=number,
                written=written,
                unknown_columns=unknown,
                _rows=rows,
                _index=index,
            )
    raise UnusableFile(
        f"No header row with {schema.markers[0]} in the first {HEADER_SEARCH_ROWS} rows",
        missing_columns=[c.header for c in schema.columns if c.required],
        code="no_header",
    )
