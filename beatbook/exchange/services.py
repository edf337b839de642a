"""Imports of residents, flats and premises from .xlsx/.csv files.

Design (why it is shaped like this):

* One pass, in chunks of :data:`CHUNK_ROWS` rows, inside ONE transaction.
  Each chunk is checked (pure rules in ``rows.py``, then the rules that need
  the database or other rows) and its valid rows are stored at once, so the
  checks of later chunks see what earlier chunks stored (one head per flat,
  the same person twice). All or nothing is the transaction's: when any row
  is rejected (without ``skip_invalid``) or on a dry run, the transaction is
  rolled back at the end, and the counts say what the valid rows would have
  done. Memory stays flat: only the current chunk, the address tree cache
  (compounds, buildings, entrances: a few per hundred rows) and the rejected
  rows are held; the ID numbers seen so far live in a scratch SQLite file
  (``seen.FirstRows``).
* New residents are written with one multi-row statement per chunk
  (``executemany`` on SQLite, ``COPY`` on PostgreSQL) rather than model
  instances, which is what makes a million rows take seconds rather than
  minutes; the derived search columns come from ``Resident.derived_fields``,
  as for every bulk loader. Updates go through the ORM, one audited
  before/after entry per changed resident.
* One audit entry per import (file name, sha256, counts, actor): it also
  stands for the residents, compounds, buildings and flats the import created,
  which get no entry of their own.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from beatbook.accounts.models import Role, User
from beatbook.core import audit
from beatbook.core.scoping import scope_of
from beatbook.exchange import rows as rules
from beatbook.exchange.readers import Schema, Table, UnusableFile, open_table
from beatbook.exchange.seen import FirstRows
from beatbook.registry import addresses
from beatbook.registry.models import (
    Building,
    Community,
    Compound,
    DocumentType,
    Entrance,
    Flat,
    FlatStatus,
    Premises,
    PremisesKind,
    Relation,
    Residence,
    Resident,
)
from beatbook.registry.services import id_error_message, phone_error_message

__all__ = [
    "CHUNK_ROWS",
    "ImportFile",
    "ImportReport",
    "Rejection",
    "UnusableFile",
    "flats_import",
    "premises_import",
    "residents_import",
    "system_account",
]

#: rows checked and stored together
CHUNK_ROWS = 5000
#: seconds spent per phase of the resident import, summed over the process
#: (read by benchmarks/import_scale.py to say where the time goes)
PHASE_SECONDS: dict[str, float] = defaultdict(float)
SYSTEM_USERNAME = "system"
#: SQLite page cache while importing, in KiB
SQLITE_CACHE_KIB = 64 * 1024

ID_DOCUMENT_TYPES = (DocumentType.ID_CARD, DocumentType.RESIDENCE_PERMIT, DocumentType.FOREIGNER_PR)
_KIND_TO_TYPE = {
    "resident": DocumentType.ID_CARD,
    "hkmo": DocumentType.RESIDENCE_PERMIT,
    "tw": DocumentType.RESIDENCE_PERMIT,
    "foreigner": DocumentType.FOREIGNER_PR,
}


# --- the report ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Rejection:
    row: int
    #: the header as written in the file, or None for the row as a whole
    column: str | None
    reason: str
    code: str


@dataclass
class ImportReport:
    kind: str
    file_name: str
    sha256: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    stored: bool = False
    dry_run: bool = False
    rejected: list[Rejection] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: the file's header as written, in order (for the error report)
    headers: list[str] = field(default_factory=list)
    header_row: int = 1

    @property
    def rejected_rows(self) -> list[int]:
        return sorted({r.row for r in self.rejected})

    skip_invalid: bool = False

    @property
    def exit_code(self) -> int:
        """0 when stored (or would be, on a dry run), 1 when a rejected row stopped it."""
        return 1 if self.rejected and not self.skip_invalid else 0

    def to_dict(self) -> dict[str, Any]:
        """Everything, for keeping a report between the preview and the confirmation."""
        data = dataclasses.asdict(self)
        data["rejected"] = [dataclasses.asdict(r) for r in self.rejected]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportReport:
        data = dict(data)
        data["rejected"] = [Rejection(**r) for r in data.get("rejected", [])]
        return cls(**data)

    def as_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "stored": self.stored,
            "rejected": [
                {"row": r.row, "column": r.column, "reason": r.reason} for r in self.rejected
            ],
            "warnings": self.warnings,
        }


@dataclass(frozen=True)
class ImportFile:
    """A file to import: where it is, and the name it was given (which decides
    the format and is recorded in the audit log)."""

    path: Path
    name: str

    @classmethod
    def of(cls, path: str | Path, name: str | None = None) -> ImportFile:
        path = Path(path)
        return cls(path=path, name=name or path.name)

    def sha256(self) -> str:
        digest = hashlib.sha256()
        try:
            with self.path.open("rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(block)
        except OSError as exc:
            raise UnusableFile(
                f"Cannot read the file ({exc.strerror})", code="unreadable"
            ) from None
        return digest.hexdigest()


# --- messages -----------------------------------------------------------------------------


def _message(problem: rules.Problem) -> str:
    p = problem.params
    code = problem.code
    if code == "id_invalid":
        return id_error_message(p["error"])
    if code == "phone_invalid":
        return phone_error_message(p["error"])
    messages: dict[str, Callable[[], str]] = {
        "required": lambda: _("This cell is required."),
        "too_long": lambda: _("At most %(n)d characters.") % {"n": p["max"]},
        "id_as_number": lambda: _(
            "The ID number is stored as a number, digits lost: format the column as text."
        ),
        "sex_unknown": lambda: _("Sex must be 男 or 女, not %(v)s.") % {"v": p["value"]},
        "sex_contradicts": lambda: _("The sex contradicts the ID number."),
        "date_invalid": lambda: _("%(v)s is not a date (use YYYY-MM-DD).") % {"v": p["value"]},
        "birth_contradicts": lambda: _("The birth date contradicts the ID number."),
        "unknown_value": lambda: _("Unknown value: %(v)s.") % {"v": p["value"]},
        "duplicate_in_file": lambda: (
            _("The same ID number is already in row %(r)d.") % {"r": p["row"]}
        ),
        "duplicate_address": lambda: (
            _("The same address is already in row %(r)d.") % {"r": p["row"]}
        ),
        "duplicate_premises": lambda: (
            _("The same premises are already in row %(r)d.") % {"r": p["row"]}
        ),
        "registered_elsewhere": lambda: _("Registered in another beat."),
        "community_unknown": lambda: _("There is no community named %(v)s.") % {"v": p["value"]},
        "community_outside": lambda: (
            _("The community %(v)s is outside your jurisdiction.") % {"v": p["value"]}
        ),
        "building_outside": lambda: _("This building is outside your jurisdiction."),
        "compound_unknown": lambda: (
            _("There is no compound named %(v)s in this community.") % {"v": p["value"]}
        ),
        "second_head": lambda: (
            _("%(name)s is already the head of this household.") % {"name": p["name"]}
        ),
        "second_head_in_file": lambda: (
            _("Row %(r)d already names the head of this household.") % {"r": p["row"]}
        ),
    }
    return messages[code]() if code in messages else code


def unusable_message(exc: UnusableFile) -> str:
    """Why a file cannot be imported, in the user's language."""
    messages = {
        "no_sheet": _("The workbook has no sheet."),
        "bad_xlsx": _("This is not a readable .xlsx workbook."),
        "not_text": _("This is not a text (CSV) file."),
        "encoding": _("The CSV file is neither UTF-8 nor GB18030 text."),
        "bad_csv": _("This is not a readable CSV file."),
        "unreadable": _("The file cannot be read."),
        "not_xlsx": _("The file is named .xlsx but is not an Excel workbook."),
        "not_csv": _("The file is named .csv but is a binary file (an Excel workbook?)."),
        "xls": _("Old Excel (.xls) files are not read: save the file as .xlsx."),
        "format": _("Only .xlsx and .csv files can be imported."),
        "missing_columns": _("Required columns are missing: %(c)s.")
        % {"c": ", ".join(exc.missing_columns)},
        "no_header": _("No header row with 姓名 (or the list's key column) in the first 10 rows."),
    }
    return messages.get(exc.code, exc.message)


class _Rejections:
    """Collects rejections, turning field names into the file's headers."""

    def __init__(self, table: Table, report: ImportReport) -> None:
        self.written = table.written
        self.report = report
        self.rows: set[int] = set()

    def add(self, row: int, problem: rules.Problem) -> None:
        column = self.written.get(problem.field) if problem.field else None
        self.report.rejected.append(
            Rejection(row=row, column=column, reason=_message(problem), code=problem.code)
        )
        self.rows.add(row)


# --- who may write where ----------------------------------------------------------------


def system_account() -> User:
    """The account a command-line import without --as runs as (created once;
    no password, so nobody logs in as it)."""
    user, created = User.objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={"role": Role.SYSADMIN, "display_name": "system", "is_active": True},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def is_system(actor: Any) -> bool:
    return (
        getattr(actor, "username", None) == SYSTEM_USERNAME
        and getattr(actor, "role", None) == Role.SYSADMIN
        and not actor.has_usable_password()
    )


@dataclass(frozen=True)
class Jurisdiction:
    """Where an import may write: anywhere (the system account), in whole
    communities (officers: structure too), or in single buildings (building heads)."""

    anywhere: bool
    community_ids: frozenset[int]
    building_ids: frozenset[int]
    builds_structure: bool
    #: communities holding one of ``building_ids``
    head_community_ids: frozenset[int] = frozenset()

    @classmethod
    def of(cls, actor: Any) -> Jurisdiction:
        if is_system(actor):
            return cls(True, frozenset(), frozenset(), True)
        scope = scope_of(actor)
        if not scope.edits_registry:
            raise PermissionDenied(_("Your role cannot change the registry."))
        head_communities = frozenset(
            Building.objects.filter(id__in=sorted(scope.building_ids)).values_list(
                "compound__community_id", flat=True
            )
        )
        return cls(
            False, scope.community_ids, scope.building_ids, scope.edits_structure, head_communities
        )

    def covers_community(self, community_id: int) -> bool:
        return self.anywhere or community_id in self.community_ids

    def covers_building(self, building_id: int, community_id: int) -> bool:
        return self.covers_community(community_id) or building_id in self.building_ids


# --- the address tree ------------------------------------------------------------------


@dataclass
class _CommunityInfo:
    id: int
    beat_id: int


class _Tree:
    """Finds (and creates) compounds, buildings, entrances and flats by name,
    caching the upper levels; flats are looked up chunk by chunk."""

    def __init__(self, jurisdiction: Jurisdiction) -> None:
        self.jurisdiction = jurisdiction
        self.communities = {
            name: _CommunityInfo(pk, beat_id)
            for pk, name, beat_id in Community.objects.values_list("id", "name", "beat_id")
        }
        self.compounds: dict[tuple[int, str], int] = {}
        self.compound_names: dict[int, str] = {}
        self._loaded_communities: set[int] = set()
        self.buildings: dict[tuple[int, str], int] = {}
        self.building_numbers: dict[int, str] = {}
        self._loaded_compounds: set[int] = set()
        self.entrances: dict[tuple[int, str], int] = {}
        self._loaded_buildings: set[int] = set()
        self.created = {"compounds": 0, "buildings": 0, "entrances": 0, "flats": 0}

    def community_problem(self, name: str) -> rules.Problem | None:
        info = self.communities.get(name)
        if info is None:
            return rules.Problem("community", "community_unknown", {"value": name})
        j = self.jurisdiction
        if not j.covers_community(info.id) and info.id not in j.head_community_ids:
            return rules.Problem("community", "community_outside", {"value": name})
        return None

    def _load(self, community_ids: Iterable[int]) -> None:
        todo = set(community_ids) - self._loaded_communities
        if todo:
            for pk, cid, name in Compound.objects.filter(community_id__in=todo).values_list(
                "id", "community_id", "name"
            ):
                self.compounds[(cid, name)] = pk
                self.compound_names[pk] = name
            self._loaded_communities |= todo
        compound_ids = {
            pk for (cid, _n), pk in self.compounds.items() if cid in set(community_ids)
        } - self._loaded_compounds
        if compound_ids:
            for pk, cid, number in Building.objects.filter(
                compound_id__in=compound_ids
            ).values_list("id", "compound_id", "number"):
                self.buildings[(cid, number)] = pk
                self.building_numbers[pk] = number
            self._loaded_compounds |= compound_ids

    def _load_entrances(self, building_ids: set[int]) -> None:
        todo = building_ids - self._loaded_buildings
        if todo:
            for pk, bid, number in Entrance.objects.filter(building_id__in=todo).values_list(
                "id", "building_id", "number"
            ):
                self.entrances[(bid, number)] = pk
            self._loaded_buildings |= todo

    def building_of(self, place: rules.Place) -> tuple[int | None, int]:
        """(building id or None when it does not exist yet, community id)."""
        community = self.communities[place.community]
        compound_id = self.compounds.get((community.id, place.compound))
        building_id = (
            self.buildings.get((compound_id, place.building)) if compound_id is not None else None
        )
        return building_id, community.id

    def place_problem(self, place: rules.Place) -> rules.Problem | None:
        """Whether the actor may write at this place (after ``prepare``)."""
        building_id, community_id = self.building_of(place)
        if self.jurisdiction.covers_community(community_id):
            if building_id is None and not self.jurisdiction.builds_structure:
                return rules.Problem("building", "building_outside")
            return None
        if building_id is not None and building_id in self.jurisdiction.building_ids:
            return None
        if community_id not in self.jurisdiction.head_community_ids:
            return rules.Problem("community", "community_outside", {"value": place.community})
        return rules.Problem("building", "building_outside")

    def prepare(self, places: Iterable[rules.Place]) -> None:
        """Load the cached levels for these places (call once per chunk)."""
        places = list(places)
        self._load({self.communities[p.community].id for p in places})
        self._load_entrances({b for p in places if (b := self.building_of(p)[0]) is not None})

    def existing_flats(self, places: Iterable[rules.Place]) -> dict[tuple[str, ...], int]:
        """flat key -> flat id, for the places whose flat exists."""
        places = list(places)
        building_ids = {b for p in places if (b := self.building_of(p)[0]) is not None}
        if not building_ids:
            return {}
        by_spot: dict[tuple[int, int | None, str], int] = {
            (bid, eid, room): pk
            for pk, bid, eid, room in Flat.objects.filter(building_id__in=building_ids).values_list(
                "id", "building_id", "entrance_id", "room"
            )
        }
        found: dict[tuple[str, ...], int] = {}
        for p in places:
            bid = self.building_of(p)[0]
            if bid is None:
                continue
            eid = self.entrances.get((bid, p.entrance)) if p.entrance else None
            if p.entrance and eid is None:
                continue
            pk = by_spot.get((bid, eid, p.room))
            if pk is not None:
                found[p.flat_key] = pk
        return found

    def create_flats(
        self, places: Sequence[rules.Place], statuses: dict[tuple[str, ...], str] | None = None
    ) -> dict[tuple[str, ...], int]:
        """Create whatever is missing for these places; flat key -> flat id for all."""
        places = list({p.flat_key: p for p in places}.values())
        self.prepare(places)
        new_compounds = {
            (self.communities[p.community].id, p.compound)
            for p in places
            if (self.communities[p.community].id, p.compound) not in self.compounds
        }
        if new_compounds:
            made = Compound.objects.bulk_create(
                [Compound(community_id=cid, name=name) for cid, name in sorted(new_compounds)]
            )
            for c in made:
                self.compounds[(c.community_id, c.name)] = c.pk
                self.compound_names[c.pk] = c.name
                self._loaded_compounds.add(c.pk)
            self.created["compounds"] += len(made)
        new_buildings = set()
        for p in places:
            compound_id = self.compounds[(self.communities[p.community].id, p.compound)]
            if (compound_id, p.building) not in self.buildings:
                new_buildings.add((compound_id, p.building))
        if new_buildings:
            made_b = Building.objects.bulk_create(
                [
                    Building(compound_id=cid, number=num, sort_key=addresses.sort_key(num))
                    for cid, num in sorted(new_buildings)
                ]
            )
            for b in made_b:
                self.buildings[(b.compound_id, b.number)] = b.pk
                self.building_numbers[b.pk] = b.number
                self._loaded_buildings.add(b.pk)
            self.created["buildings"] += len(made_b)
        new_entrances = set()
        for p in places:
            if p.entrance:
                bid = self.building_of(p)[0]
                assert bid is not None
                if (bid, p.entrance) not in self.entrances:
                    new_entrances.add((bid, p.entrance))
        if new_entrances:
            made_e = Entrance.objects.bulk_create(
                [
                    Entrance(building_id=bid, number=num, sort_key=addresses.sort_key(num))
                    for bid, num in sorted(new_entrances)
                ]
            )
            for e in made_e:
                self.entrances[(e.building_id, e.number)] = e.pk
            self.created["entrances"] += len(made_e)
        found = self.existing_flats(places)
        statuses = statuses or {}
        new_flats = []
        new_keys = []
        for p in places:
            if p.flat_key in found:
                continue
            new_keys.append(p.flat_key)
            bid = self.building_of(p)[0]
            assert bid is not None
            new_flats.append(
                Flat(
                    building_id=bid,
                    entrance_id=self.entrances[(bid, p.entrance)] if p.entrance else None,
                    room=p.room,
                    floor=p.floor,
                    status=statuses.get(p.flat_key, FlatStatus.UNKNOWN),
                    address=addresses.flat_address(
                        p.compound, p.building, p.entrance or None, p.room
                    ),
                )
            )
        if new_flats:
            columns = ["id", "building_id", "entrance_id", "room", "floor", "status", "address"]
            for flat, pk, key in zip(
                new_flats, _reserve_ids(Flat, len(new_flats)), new_keys, strict=True
            ):
                flat.pk = pk
                found[key] = pk
            _insert_model_rows(
                Flat,
                columns,
                [tuple(getattr(f, c) for c in columns) for f in new_flats],
            )
            self.created["flats"] += len(new_flats)
        return found


# --- fast inserts --------------------------------------------------------------------------


def _insert_rows(table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """Insert many rows in one go: COPY on PostgreSQL, executemany elsewhere."""
    if not rows:
        return
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor
            with raw.copy(f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) VALUES ({marks})",  # noqa: S608
                rows,
            )


def _insert_model_rows(model: Any, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    """``_insert_rows`` for a model, the columns not given set to their defaults."""
    defaults = [
        (f.column, f.get_default())
        for f in model._meta.concrete_fields
        if not f.primary_key and f.column not in columns
    ]
    tail = tuple(value for _c, value in defaults)
    _insert_rows(
        model._meta.db_table,
        [*columns, *(c for c, _v in defaults)],
        [row + tail for row in rows] if tail else rows,
    )


def _registered_numbers(numbers: list[str]) -> set[str]:
    """Which of these ID numbers are registered (raw SQL: no per-value ORM work)."""
    found: set[str] = set()
    table = connection.ops.quote_name(Resident._meta.db_table)
    with connection.cursor() as cursor:
        for i in range(0, len(numbers), 5000):
            batch = numbers[i : i + 5000]
            if connection.vendor == "postgresql":  # one array parameter: planned once, fast
                cursor.execute(
                    f"SELECT id_number FROM {table} WHERE id_number = ANY(%s)",  # noqa: S608
                    [batch],
                )
            else:
                marks = ", ".join(["%s"] * len(batch))
                cursor.execute(
                    f"SELECT id_number FROM {table} WHERE id_number IN ({marks})",  # noqa: S608
                    batch,
                )
            found.update(number for (number,) in cursor.fetchall())
    return found


def _reserve_ids(model: Any, count: int) -> list[int]:
    """``count`` new ids for ``model``'s table, so rows can be inserted with
    their ids (no query to read them back). PostgreSQL: taken from the table's
    sequence; SQLite: after the largest id, safe because the import's
    transaction holds the database's write lock."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [int(pk) for (pk,) in cursor.fetchall()]
        quoted = connection.ops.quote_name(table)
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {quoted}")  # noqa: S608
        (largest,) = cursor.fetchone()
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        first = max(int(largest), int(row[0]) if row else 0) + 1
        return list(range(first, first + count))


class _ResidentWriter:
    """Builds rows of registry_resident / registry_residence as the database
    stores them, for ``_insert_rows``."""

    def __init__(self) -> None:
        self.postgres = connection.vendor == "postgresql"
        now = timezone.now()
        self.now: Any = now if self.postgres else connection.ops.adapt_datetimefield_value(now)
        sample = Resident.derived_fields(name="", id_number="", phones=[])
        self.derived_names = list(sample)
        meta = Resident._meta
        self.columns = [
            "flat_id",
            "name",
            "document_type",
            "id_number",
            "passport_country",
            "sex",
            "birth_date",
            "phones",
            "population_type",
            "relation",
            "is_head",
            "ethnicity",
            "occupation",
            "notes",
            "moved_in_on",
            "moved_out_on",
            "created_at",
            "updated_at",
            *self.derived_names,
        ]
        # a column added later (with a default) is filled from the model's default
        self.extra_defaults: dict[str, Any] = {
            f.column: f.get_default()
            for f in meta.concrete_fields
            if not f.primary_key and f.column not in self.columns
        }
        self.columns += list(self.extra_defaults)
        by_name = {f.name: f for f in meta.concrete_fields}
        self.derived_prep = [by_name[name] for name in self.derived_names]

    def date(self, value: dt.date | None) -> Any:
        if value is None or self.postgres:
            return value
        return value.isoformat()

    def resident_row(
        self, flat_id: int, r: rules.ResidentRow, document_type: str
    ) -> tuple[Any, ...]:
        phones = [r.phone] if r.phone else []
        relation = r.relation or Relation.OWNER
        derived = Resident.derived_fields(name=r.name, id_number=r.id_number, phones=phones)
        values = [
            flat_id,
            r.name,
            document_type,
            r.id_number,
            "",
            r.sex,
            self.date(r.birth_date),
            f'["{r.phone}"]' if r.phone else "[]",  # E.164: nothing to escape
            r.population_type or rules.DEFAULT_POPULATION_TYPE,
            relation,
            bool(r.is_head),
            r.ethnicity or "",
            "",
            r.notes or "",
            None,
            None,
            self.now,
            self.now,
        ]
        for prep in self.derived_prep:
            values.append(prep.get_db_prep_save(derived[prep.name], connection))
        values.extend(self.extra_defaults.values())
        return tuple(values)

    RESIDENCE_COLUMNS = (
        "resident_id",
        "flat_id",
        "relation",
        "is_head",
        "moved_in_on",
        "moved_out_on",
        "reason",
    )


# --- residents --------------------------------------------------------------------------


def _chunks(table: Table, size: int) -> Iterator[list[tuple[int, dict[str, Any]]]]:
    chunk: list[tuple[int, dict[str, Any]]] = []
    for item in table.rows():
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


_COMPARED = (
    "name",
    "sex",
    "birth_date",
    "ethnicity",
    "phones",
    "population_type",
    "relation",
    "is_head",
    "notes",
    "moved_out_on",
)


def _resident_changes(
    current: dict[str, Any], r: rules.ResidentRow, flat_id: int
) -> dict[str, Any]:
    """What the row changes of a stored resident (blank optional cells keep
    what is stored; a phone in the file becomes the first of the phones)."""
    wanted: dict[str, Any] = {"name": r.name, "sex": r.sex, "birth_date": r.birth_date}
    if r.ethnicity is not None:
        wanted["ethnicity"] = r.ethnicity
    if r.phone is not None:
        phones = list(current["phones"] or [])
        wanted["phones"] = [r.phone, *(p for p in phones if p != r.phone)]
    if r.population_type is not None:
        wanted["population_type"] = r.population_type
    if r.relation is not None:
        wanted["relation"] = r.relation
        wanted["is_head"] = bool(r.is_head)
    if r.notes is not None:
        wanted["notes"] = r.notes
    if current["moved_out_on"] is not None:
        wanted["moved_out_on"] = None  # listed at an address: living there again
    changes = {k: v for k, v in wanted.items() if current[k] != v}
    if current["flat_id"] != flat_id:
        changes["flat_id"] = flat_id
    return changes


def _run(
    kind: str,
    schema: Schema,
    *,
    actor: Any,
    source: ImportFile,
    dry_run: bool,
    skip_invalid: bool,
    body: Callable[[Table, ImportReport, _Rejections, Jurisdiction, Any], dict[str, Any]],
) -> ImportReport:
    actor = actor or system_account()
    jurisdiction = Jurisdiction.of(actor)
    table = open_table(source.path, schema, name=source.name)
    report = ImportReport(kind=kind, file_name=source.name, sha256=source.sha256(), dry_run=dry_run)
    report.skip_invalid = skip_invalid
    report.header_row = table.header_row
    report.warnings = [
        _("Unknown column ignored: %(c)s") % {"c": name} for name in table.unknown_columns
    ]
    report.headers = list(table.written.values())
    rejections = _Rejections(table, report)
    extra: dict[str, Any] = {}
    with _big_cache(), transaction.atomic():
        deferred = _defer_search_indexes(source) if kind == "residents" else []
        extra = body(table, report, rejections, jurisdiction, actor)
        report.stored = not dry_run and (skip_invalid or not report.rejected)
        if report.stored:
            _restore_indexes(deferred)
            _audit_import(actor, report, extra)
        else:
            transaction.set_rollback(True)  # which restores the indexes too
    if not report.stored:
        # the attempt is on record even though nothing was stored
        with transaction.atomic():
            _audit_import(actor, report, extra)
    report.rejected.sort(key=lambda r: r.row)
    return report


@contextlib.contextmanager
def _big_cache() -> Iterator[None]:
    """On SQLite, a larger page cache while importing (the resident table's
    indexes are updated at random places); a fixed size, so memory stays flat."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (previous,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = {-SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


#: a file estimated at this many rows or more, into a table holding fewer,
#: is imported with the search indexes built once at the end (SQLite)
DEFER_INDEXES_ROWS = 50_000
#: bytes per row of a typical resident file, for the estimate
_BYTES_PER_ROW = 120
#: indexes the import itself reads (ID numbers, flats, heads) are always kept
_KEPT_INDEX_COLUMNS = ("id_number", "flat_id")


def _defer_search_indexes(source: ImportFile) -> list[tuple[str, str]]:
    """On SQLite, for a large file into a smaller table: drop the resident
    table's indexes the import does not read (the search keys, names, phones)
    and return their definitions for ``_restore_indexes``. Building an index
    once over all rows is far cheaper than updating it row by row at random
    places. Safe here: the import's transaction holds the write lock; readers
    (WAL) keep seeing the indexes of the last commit; a rollback (dry run,
    rejected rows, error) restores them with everything else."""
    if connection.vendor != "sqlite":
        return []
    try:
        estimated = source.path.stat().st_size // _BYTES_PER_ROW
    except OSError:
        return []
    if estimated < DEFER_INDEXES_ROWS:
        return []
    table = Resident._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        (existing,) = cursor.fetchone()
        if existing >= estimated:
            return []
        cursor.execute(
            "SELECT name, sql FROM sqlite_master "
            "WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL",
            [table],
        )
        deferred = [
            (name, sql)
            for name, sql in cursor.fetchall()
            if not any(f'"{column}"' in sql for column in _KEPT_INDEX_COLUMNS)
            and "UNIQUE" not in sql.upper()
        ]
        for name, _sql in deferred:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    return deferred


def _restore_indexes(deferred: list[tuple[str, str]]) -> None:
    if not deferred:
        return
    clock = time.perf_counter()
    with connection.cursor() as cursor:
        for _name, sql in deferred:
            cursor.execute(sql)
    PHASE_SECONDS["rebuild search indexes"] += time.perf_counter() - clock


def _audit_import(actor: Any, report: ImportReport, extra: dict[str, Any]) -> None:
    audit.record(
        actor=actor,
        action=f"{report.kind}.import",
        object_type=f"exchange.{report.kind}_import",
        object_repr=report.file_name,
        extra={
            "file": report.file_name,
            "sha256": report.sha256,
            "rows": report.rows,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "rejected_rows": len(report.rejected_rows),
            "stored": report.stored,
            "dry_run": report.dry_run,
            **extra,
            "note": "records created by this import have no entry of their own; updated records have one each",
        },
    )


def residents_import(
    *,
    actor: Any,
    rows_source: ImportFile,
    dry_run: bool = False,
    skip_invalid: bool = False,
    today: dt.date | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> ImportReport:
    """Import residents from a file (see the module docstring and issue 4's rules).
    Raises UnusableFile (exit 2) and PermissionDenied."""
    today = today or timezone.localdate()

    def body(
        table: Table, report: ImportReport, rejections: _Rejections, j: Jurisdiction, actor: Any
    ) -> dict[str, Any]:
        tree = _Tree(j)
        writer = _ResidentWriter()
        with FirstRows() as seen:
            clock = time.perf_counter()
            for chunk in _chunks(table, chunk_rows):
                PHASE_SECONDS["read"] += time.perf_counter() - clock
                _residents_chunk(chunk, report, rejections, tree, writer, seen, today, actor)
                clock = time.perf_counter()
        return {"structure_created": dict(tree.created)}

    return _run(
        "residents",
        rules.RESIDENTS,
        actor=actor,
        source=rows_source,
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        body=body,
    )


class _Lap:
    """Adds the time since the last call to PHASE_SECONDS[name]."""

    def __init__(self) -> None:
        self.clock = time.perf_counter()

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        PHASE_SECONDS[name] += now - self.clock
        self.clock = now


def _residents_chunk(
    chunk: list[tuple[int, dict[str, Any]]],
    report: ImportReport,
    rejections: _Rejections,
    tree: _Tree,
    writer: _ResidentWriter,
    seen: FirstRows,
    today: dt.date,
    actor: Any,
) -> None:
    lap = _Lap()
    report.rows += len(chunk)
    valid: list[rules.ResidentRow] = []
    keys: list[tuple[str, int]] = []
    for number, cells in chunk:
        row, key, problems = rules.check_resident(number, cells, today)
        if key:
            keys.append((key, number))
        for issue in problems:
            rejections.add(number, issue)
        if row is not None:
            valid.append(row)
    lap("check rows")
    for number, earlier in seen.earlier(keys).items():
        rejections.add(number, rules.Problem("id_number", "duplicate_in_file", {"row": earlier}))
    lap("duplicates in file")
    ok: list[rules.ResidentRow] = []
    for r in valid:
        if r.row in rejections.rows:
            continue
        problem = tree.community_problem(r.place.community)
        if problem:
            rejections.add(r.row, problem)
        else:
            ok.append(r)
    tree.prepare(r.place for r in ok)

    lap("address tree")
    # who is already registered
    existing: dict[str, dict[str, Any]] = {}
    # a plain query first: in a file of new people most numbers are not registered
    registered = _registered_numbers([r.id_number for r in ok])
    if registered:
        for values in Resident.objects.filter(
            id_number__in=sorted(registered),
            passport_country="",
            document_type__in=ID_DOCUMENT_TYPES,
        ).values(
            "id",
            "id_number",
            "flat_id",
            "flat__building_id",
            "flat__building__compound__community_id",
            "flat__building__compound__community__beat_id",
            *_COMPARED,
        ):
            existing[values["id_number"]] = values

    lap("find registered")
    flats = tree.existing_flats(r.place for r in ok)
    head_flats = [flats[r.place.flat_key] for r in ok if r.is_head and r.place.flat_key in flats]
    heads: dict[tuple[str, ...] | int, tuple[int | None, str, int | None]] = {}
    if head_flats:
        for flat_id, pk, name in Resident.objects.filter(
            flat_id__in=head_flats, is_head=True, moved_out_on__isnull=True
        ).values_list("flat_id", "id", "name"):
            heads[flat_id] = (pk, name, None)

    to_create: list[rules.ResidentRow] = []
    to_update: list[tuple[rules.ResidentRow, dict[str, Any]]] = []
    for r in ok:
        current = existing.get(r.id_number)
        community = tree.communities[r.place.community]
        if current is not None:
            j = tree.jurisdiction
            if current["flat__building__compound__community__beat_id"] != community.beat_id or not (
                j.covers_building(
                    current["flat__building_id"], current["flat__building__compound__community_id"]
                )
            ):
                rejections.add(r.row, rules.Problem("id_number", "registered_elsewhere"))
                continue
        problem = tree.place_problem(r.place)
        if problem:
            rejections.add(r.row, problem)
            continue
        if r.is_head:
            flat_ref: tuple[str, ...] | int = flats.get(r.place.flat_key, r.place.flat_key)
            head = heads.get(flat_ref)
            if head is not None and (current is None or head[0] != current["id"]):
                if head[2] is not None:
                    rejections.add(
                        r.row, rules.Problem("relation", "second_head_in_file", {"row": head[2]})
                    )
                else:
                    rejections.add(
                        r.row, rules.Problem("relation", "second_head", {"name": head[1]})
                    )
                continue
            heads[flat_ref] = (current["id"] if current else None, r.name, r.row)
        if current is None:
            to_create.append(r)
        else:
            to_update.append((r, current))

    lap("heads and jurisdiction")
    # store (undone at the end when the import is not to be kept)
    places = [r.place for r in to_create] + [r.place for r, _c in to_update]
    flat_ids = tree.create_flats(places) if places else {}
    lap("create structure")
    if to_create:
        rows_out = []
        for r in to_create:
            doc_type = _KIND_TO_TYPE[_id_kind(r.id_number)]
            rows_out.append(writer.resident_row(flat_ids[r.place.flat_key], r, doc_type))
        lap("build rows (derived search keys)")
        new_ids = _reserve_ids(Resident, len(rows_out))
        _insert_rows(
            Resident._meta.db_table,
            ["id", *writer.columns],
            [(pk, *row) for pk, row in zip(new_ids, rows_out, strict=True)],
        )
        lap("insert residents")
        ids = {r.id_number: pk for r, pk in zip(to_create, new_ids, strict=True)}
        _insert_rows(
            Residence._meta.db_table,
            writer.RESIDENCE_COLUMNS,
            [
                (
                    ids[r.id_number],
                    flat_ids[r.place.flat_key],
                    r.relation or Relation.OWNER,
                    bool(r.is_head),
                    None,
                    None,
                    "import",
                )
                for r in to_create
            ],
        )
        report.created += len(to_create)
    lap("insert residences")
    for r, current in to_update:
        changes = _resident_changes(current, r, flat_ids[r.place.flat_key])
        if not changes:
            report.unchanged += 1
            continue
        _update_resident(actor, current["id"], changes, report.file_name)
        report.updated += 1
    lap("updates")


def _id_kind(number: str) -> str:
    if number[:2] in ("81", "82"):
        return "hkmo"
    if number[:2] == "83":
        return "tw"
    if number[0] == "9":
        return "foreigner"
    return "resident"


def _update_resident(actor: Any, pk: int, changes: dict[str, Any], file_name: str) -> None:
    resident = Resident.objects.select_related("flat").get(pk=pk)
    fields = [k for k in changes if k != "flat_id"]
    before = {k: getattr(resident, k) for k in fields}
    old_flat = resident.flat
    for key, value in changes.items():
        setattr(resident, key, value)
    update_fields = [*changes.keys(), "updated_at"]
    resident.save(update_fields=update_fields)
    after = {k: getattr(resident, k) for k in fields}
    if "flat_id" in changes:
        before["flat"], after["flat"] = (
            old_flat.address,
            Flat.objects.get(pk=changes["flat_id"]).address,
        )
    if "flat_id" in changes or "moved_out_on" in changes:
        today = timezone.localdate()
        Residence.objects.filter(resident=resident, moved_out_on__isnull=True).update(
            moved_out_on=today, reason="import"
        )
        Residence.objects.create(
            resident=resident,
            flat_id=resident.flat_id,
            relation=resident.relation,
            is_head=resident.is_head,
            moved_in_on=today,
            reason="import",
        )
    elif {"relation", "is_head"} & set(changes):
        Residence.objects.filter(resident=resident, moved_out_on__isnull=True).update(
            relation=resident.relation, is_head=resident.is_head
        )
    audit.record(
        actor=actor,
        action="resident.update",
        obj=resident,
        before=before,
        after=after,
        extra={"import": file_name},
    )


# --- flats --------------------------------------------------------------------------------


_Row = TypeVar("_Row", rules.FlatRow, rules.PremisesRow)


def _checked_rows(
    chunk: list[tuple[int, dict[str, Any]]],
    check: Callable[[int, dict[str, Any]], tuple[_Row | None, list[rules.Problem]]],
    key: Callable[[_Row], str],
    *,
    report: ImportReport,
    rejections: _Rejections,
    seen: FirstRows,
) -> tuple[list[_Row], dict[int, int]]:
    """Count and check a chunk's rows (their problems rejected); the valid rows
    and {row: earlier row} for those whose ``key`` came before in the file."""
    report.rows += len(chunk)
    valid: list[_Row] = []
    for number, cells in chunk:
        row, problems = check(number, cells)
        for issue in problems:
            rejections.add(number, issue)
        if row is not None:
            valid.append(row)
    return valid, seen.earlier((key(r), r.row) for r in valid)


def flats_import(
    *,
    actor: Any,
    rows_source: ImportFile,
    dry_run: bool = False,
    skip_invalid: bool = False,
    chunk_rows: int = CHUNK_ROWS,
) -> ImportReport:
    """Import an address list: flats created where missing, status updated."""

    def body(
        table: Table, report: ImportReport, rejections: _Rejections, j: Jurisdiction, actor: Any
    ) -> dict[str, Any]:
        tree = _Tree(j)
        with FirstRows() as seen:
            for chunk in _chunks(table, chunk_rows):
                valid, duplicates = _checked_rows(
                    chunk,
                    rules.check_flat,
                    lambda r: "\x1f".join(r.place.flat_key),
                    report=report,
                    rejections=rejections,
                    seen=seen,
                )
                ok = []
                for r in valid:
                    if r.row in duplicates:
                        rejections.add(
                            r.row,
                            rules.Problem("room", "duplicate_address", {"row": duplicates[r.row]}),
                        )
                    elif problem := tree.community_problem(r.place.community):
                        rejections.add(r.row, problem)
                    else:
                        ok.append(r)
                tree.prepare(r.place for r in ok)
                stored = []
                for r in ok:
                    if problem := tree.place_problem(r.place):
                        rejections.add(r.row, problem)
                    else:
                        stored.append(r)
                existing = tree.existing_flats(r.place for r in stored)
                flat_ids = tree.create_flats(
                    [r.place for r in stored],
                    statuses={r.place.flat_key: r.status for r in stored if r.status},
                )
                current = dict(
                    Flat.objects.filter(pk__in=list(existing.values())).values_list("id", "status")
                )
                for r in stored:
                    if r.place.flat_key not in existing:
                        report.created += 1
                        continue
                    pk = flat_ids[r.place.flat_key]
                    if r.status is None or current[pk] == r.status:
                        report.unchanged += 1
                        continue
                    Flat.objects.filter(pk=pk).update(status=r.status)
                    audit.record(
                        actor=actor,
                        action="flat.update",
                        object_type="registry.flat",
                        object_id=pk,
                        object_repr=addresses.flat_address(
                            r.place.compound,
                            r.place.building,
                            r.place.entrance or None,
                            r.place.room,
                        ),
                        before={"status": current[pk]},
                        after={"status": r.status},
                        extra={"import": report.file_name},
                    )
                    report.updated += 1
        return {"structure_created": dict(tree.created)}

    return _run(
        "flats",
        rules.FLATS,
        actor=actor,
        source=rows_source,
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        body=body,
    )


# --- premises -----------------------------------------------------------------------------

_PREMISES_COMPARED = ("kind", "address", "contact_name", "contact_phone")


def premises_import(
    *,
    actor: Any,
    rows_source: ImportFile,
    dry_run: bool = False,
    skip_invalid: bool = False,
    chunk_rows: int = CHUNK_ROWS,
) -> ImportReport:
    """Import premises: matched by community and name; the compound, when
    given, must exist in the community."""

    def body(
        table: Table, report: ImportReport, rejections: _Rejections, j: Jurisdiction, actor: Any
    ) -> dict[str, Any]:
        tree = _Tree(j)
        with FirstRows() as seen:
            for chunk in _chunks(table, chunk_rows):
                valid, duplicates = _checked_rows(
                    chunk,
                    rules.check_premises,
                    lambda r: f"{r.community}\x1f{r.name}",
                    report=report,
                    rejections=rejections,
                    seen=seen,
                )
                for r in valid:
                    if r.row in duplicates:
                        rejections.add(
                            r.row,
                            rules.Problem("name", "duplicate_premises", {"row": duplicates[r.row]}),
                        )
                        continue
                    problem = tree.community_problem(r.community)
                    community = tree.communities.get(r.community)
                    if problem is None and community and not j.covers_community(community.id):
                        problem = rules.Problem(
                            "community", "community_outside", {"value": r.community}
                        )
                    if problem or community is None:
                        rejections.add(r.row, problem)  # type: ignore[arg-type]
                        continue
                    compound_id: int | None = None
                    if r.compound:
                        tree._load([community.id])
                        compound_id = tree.compounds.get((community.id, r.compound))
                        if compound_id is None:
                            rejections.add(
                                r.row,
                                rules.Problem(
                                    "compound", "compound_unknown", {"value": r.compound}
                                ),
                            )
                            continue
                    _store_premises(actor, r, community.id, compound_id, report)
        return {}

    return _run(
        "premises",
        rules.PREMISES,
        actor=actor,
        source=rows_source,
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        body=body,
    )


def _store_premises(
    actor: Any,
    r: rules.PremisesRow,
    community_id: int,
    compound_id: int | None,
    report: ImportReport,
) -> None:
    premises = (
        Premises.objects.filter(community_id=community_id, name=r.name).order_by("id").first()
    )
    if premises is None:
        Premises.objects.create(
            community_id=community_id,
            compound_id=compound_id,
            name=r.name,
            kind=r.kind or PremisesKind.SHOP,
            address=r.address or "",
            contact_name=r.contact_name or "",
            contact_phone=r.contact_phone or "",
        )
        report.created += 1
        return
    wanted = {
        "kind": r.kind,
        "address": r.address,
        "contact_name": r.contact_name,
        "contact_phone": r.contact_phone,
        "compound_id": compound_id,
    }
    changes = {k: v for k, v in wanted.items() if v is not None and getattr(premises, k) != v}
    if not changes:
        report.unchanged += 1
        return
    before = {k: getattr(premises, k) for k in changes}
    for k, v in changes.items():
        setattr(premises, k, v)
    premises.save(update_fields=list(changes))
    audit.record(
        actor=actor,
        action="premises.update",
        obj=premises,
        before=before,
        after=changes,
        extra={"import": report.file_name},
    )
    report.updated += 1


IMPORTERS: dict[str, Callable[..., ImportReport]] = {
    "residents": residents_import,
    "flats": flats_import,
    "premises": premises_import,
}


def rejected_rows_of(report: ImportReport) -> dict[int, list[Rejection]]:
    by_row: dict[int, list[Rejection]] = defaultdict(list)
    for r in report.rejected:
        by_row[r.row].append(r)
    return by_row


# --- the rejected rows, as a file to fix and send back -----------------------------------

REASON_HEADER = "错误原因"


def error_report_xlsx(*, source: ImportFile, report: ImportReport, path: str | Path) -> int:
    """Write the rejected rows of ``source`` to ``path`` in the import format
    (the file's own headers, cells as they were), with a last column saying
    what is wrong; returns the number of rows written."""
    import xlsxwriter

    schema = {"residents": rules.RESIDENTS, "flats": rules.FLATS, "premises": rules.PREMISES}[
        report.kind
    ]
    by_row = rejected_rows_of(report)
    table = open_table(source.path, schema, name=source.name)
    fields = table.fields
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet()
    bold = workbook.add_format({"bold": True})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    text_format = workbook.add_format({"num_format": "@"})
    red = workbook.add_format({"font_color": "#b02a37", "text_wrap": True})
    sheet.write_row(0, 0, [table.written[f] for f in fields] + [REASON_HEADER], bold)
    out = 0
    for number, cells in table.rows():
        problems = by_row.get(number)
        if not problems:
            continue
        out += 1
        for col, name in enumerate(fields):
            cell = cells.get(name)
            if isinstance(cell, bool) or cell is None:
                sheet.write(out, col, cell if cell is not None else "")
            elif isinstance(cell, int | float):
                sheet.write_number(out, col, cell)
            elif isinstance(cell, dt.datetime | dt.date):
                value = (
                    cell if isinstance(cell, dt.datetime) else dt.datetime.combine(cell, dt.time())
                )
                sheet.write_datetime(out, col, value, date_format)
            else:
                sheet.write_string(out, col, str(cell), text_format)
        reasons = "; ".join(f"{p.column}: {p.reason}" if p.column else p.reason for p in problems)
        sheet.write_string(out, len(fields), _("Row %(r)d") % {"r": number} + " · " + reasons, red)
    sheet.set_column(0, len(fields) - 1, 14)
    sheet.set_column(len(fields), len(fields), 60)
    workbook.close()
    return out
