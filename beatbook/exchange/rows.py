"""Checking one row of an import file. Pure Python: nothing here imports Django.

Each ``check_*`` function takes the cells of one row (``{field: cell}`` as
:mod:`beatbook.exchange.readers` yields them) and returns the cleaned row and
the problems found in it. A problem names the field (``column``) and a
``code``; the service turns codes into sentences in the user's language.
Rules that need the database (the community exists, the ID number is not
registered in another beat, one head per flat) or other rows (duplicates)
are the service's.

Values are normalised the way the registry stores them, so that "unchanged"
means equal after normalisation: ID numbers in their 18-character form,
phones in E.164, building numbers ``6`` for ``6号楼``/``6栋``/``六号楼``, rooms
``301`` for ``301室`` (with the floor read from the room number).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import phonenumbers

from beatbook.exchange.readers import Cell, Column, Schema
from beatbook.registry import addresses
from beatbook.registry.idnumbers import IdNumberError, normalize_id_text, parse_id_number
from beatbook.registry.phones import PhoneError, normalize_phone

# --- what each import reads ----------------------------------------------------------

RESIDENTS = Schema(
    columns=(
        Column("name", "姓名", required=True),
        Column("id_number", "公民身份号码", ("身份证号", "身份证号码", "证件号码"), required=True),
        Column("sex", "性别"),
        Column("birth_date", "出生日期"),
        Column("ethnicity", "民族"),
        Column("phone", "联系电话", ("手机", "手机号", "电话")),
        Column("community", "社区", required=True),
        Column("compound", "小区", required=True),
        Column("building", "楼栋", ("楼号",), required=True),
        Column("entrance", "单元"),
        Column("room", "房号", ("门牌号", "室"), required=True),
        Column("population_type", "人员类型", ("户籍类型",)),
        Column("relation", "与户主关系"),
        Column("notes", "备注"),
    ),
    markers=("姓名",),
)

FLATS = Schema(
    columns=(
        Column("community", "社区", required=True),
        Column("compound", "小区", required=True),
        Column("building", "楼栋", ("楼号",), required=True),
        Column("entrance", "单元"),
        Column("room", "房号", ("门牌号", "室"), required=True),
        Column("status", "状态"),
    ),
    markers=("房号", "门牌号", "室"),
)

PREMISES = Schema(
    columns=(
        Column("name", "名称", ("单位名称",), required=True),
        Column("kind", "类型"),
        Column("community", "社区", required=True),
        Column("compound", "小区"),
        Column("address", "地址"),
        Column("contact_name", "联系人"),
        Column("contact_phone", "联系电话", ("电话",)),
    ),
    markers=("名称", "单位名称"),
)

#: values of 人员类型 → registry PopulationType
POPULATION_TYPES = {
    "户籍人口": "registered",
    "流动人口": "floating",
    "境外人员": "foreign",
    "人户分离": "separated",
}
#: the default when the column is absent or blank on a new resident
DEFAULT_POPULATION_TYPE = "registered"

#: values of 与户主关系 → (registry Relation, head of household)
RELATIONS: dict[str, tuple[str, bool]] = {
    "户主": ("owner", True),
    "本人": ("owner", True),
    **dict.fromkeys(
        ("配偶", "子", "女", "子女", "父母", "父亲", "母亲", "孙子女", "兄弟姐妹", "家属"),
        ("owner_family", False),
    ),
    "租户": ("tenant", False),
    "租客": ("tenant", False),
    "其他": ("other", False),
}

#: values of 状态 (flats) → registry FlatStatus
FLAT_STATUSES = {"自住": "occupied", "出租": "rented", "空置": "vacant", "装修": "renovating"}

#: values of 类型 (premises) → registry PremisesKind
PREMISES_KINDS = {
    "商铺": "shop",
    "店铺": "shop",
    "门店": "shop",
    "企业": "firm",
    "公司": "firm",
    "学校": "school",
    "幼儿园": "school",
    "医院": "hospital",
    "诊所": "hospital",
    "餐饮": "restaurant",
    "饭店": "restaurant",
    "餐馆": "restaurant",
    "宾馆": "hotel",
    "旅馆": "hotel",
    "酒店": "hotel",
    "机关": "public",
    "事业单位": "public",
    "其他": "other",
}

SEX_WORDS = {"男": "M", "女": "F"}

NAME_MAX = 64
PLACE_MAX = 100
TEXT_MAX = 32


@dataclass(frozen=True)
class Problem:
    """Why a row is rejected: the field (None for the row as a whole), a code
    the service turns into a sentence, and what that sentence needs."""

    field: str | None
    code: str
    params: dict[str, Any] = dataclasses.field(default_factory=dict)


# --- cells -------------------------------------------------------------------------


def text(cell: Cell) -> str:
    """A cell as trimmed text (NFKC: full-width letters, digits and spaces as ASCII)."""
    if cell is None:
        return ""
    if isinstance(cell, str):
        if cell.isascii():
            return cell.strip()
        return unicodedata.normalize("NFKC", cell).strip()
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() else repr(cell)
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat() if cell.time() == dt.time() else cell.isoformat(" ")
    if isinstance(cell, dt.date | dt.time):
        return cell.isoformat()
    return str(cell)


_DATE_FORMATS = (
    re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"),
    re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日"),
)


def parse_date(cell: Cell) -> dt.date | None:
    """A date cell, or text as YYYY-MM-DD, YYYY/MM/DD, YYYYMMDD or YYYY年M月D日.
    Raises ValueError for anything else."""
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    value = text(cell)
    for pattern in _DATE_FORMATS:
        m = pattern.fullmatch(value)
        if m:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    raise ValueError(value)


_CN_METADATA: Any = phonenumbers.PhoneMetadata.metadata_for_region("CN")
CN_MOBILE = re.compile(_CN_METADATA.mobile.national_number_pattern)


def parse_phone(cell: Cell) -> str:
    """One phone number in E.164; raises PhoneError. Only digits, ``+``, spaces,
    dashes and brackets are allowed, so a cell holds a single number."""
    value = text(cell)
    # Fast path for the common case: an 11-digit Chinese mobile, maybe written
    # 138 1234 5678 or 138-1234-5678. is_valid_number answers True exactly
    # when the national number matches CN's mobile pattern.
    digits = value.replace(" ", "").replace("-", "") if value.isascii() else value
    if len(digits) == 11 and digits.isdigit() and CN_MOBILE.fullmatch(digits):
        return "+86" + digits
    return normalize_phone(value)


@lru_cache(maxsize=8192)
def building_number(value: str) -> str:
    return addresses.normalize_building_number(value)


@lru_cache(maxsize=8192)
def entrance_number(value: str) -> str:
    return addresses.normalize_entrance_number(value)


@lru_cache(maxsize=8192)
def room_and_floor(value: str) -> tuple[str, int | None]:
    room = addresses.normalize_room(value)
    return room, addresses.floor_of_room(room)


_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
#: region prefixes of ordinary resident cards (others take the full check)
_RESIDENT_PREFIXES = frozenset(
    f"{n:02d}"
    for lo, hi in ((11, 15), (21, 23), (31, 37), (41, 46), (50, 54), (61, 65))
    for n in range(lo, hi + 1)
)


def parse_id(value: str, today: dt.date) -> tuple[str, str, dt.date]:
    """(18-character number, sex, birth date); raises IdNumberError.

    A fast path for the common case (18 plain characters of a mainland card,
    a real birth date, the right check character) answers what
    ``parse_id_number`` answers without its per-character normalisation;
    anything else, including every error, goes through ``parse_id_number``
    itself so the messages are the registry's.
    """
    if len(value) == 18 and _ID_SHAPE.fullmatch(value) and value[:2] in _RESIDENT_PREFIXES:
        try:
            born = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
        except ValueError:
            born = None
        if born is not None and dt.date(1900, 1, 1) <= born <= today:
            total = sum(int(d) * w for d, w in zip(value, _ID_WEIGHTS, strict=False))
            if _ID_CHECK[total % 11] == value[17]:
                return value, "M" if int(value[16]) % 2 else "F", born
    info = parse_id_number(value, today=today)
    return info.number, info.sex, info.birth_date


def id_key(value: str) -> str:
    """The key two ID numbers of one file are compared under (see registry id_key)."""
    return normalize_id_text(value)


# --- the address part shared by residents and flats -------------------------------


@dataclass(frozen=True)
class Place:
    community: str
    compound: str
    building: str
    entrance: str  # '' when the building has no entrances in the file
    room: str
    floor: int | None

    @property
    def flat_key(self) -> tuple[str, str, str, str, str]:
        return (self.community, self.compound, self.building, self.entrance, self.room)


def _place(cells: dict[str, Cell], problems: list[Problem]) -> Place | None:
    community = text(cells.get("community"))
    compound = text(cells.get("compound"))
    building_raw = text(cells.get("building"))
    entrance_raw = text(cells.get("entrance"))
    room_raw = text(cells.get("room"))
    ok = True
    for name, value, limit in (
        ("community", community, PLACE_MAX),
        ("compound", compound, PLACE_MAX),
        ("building", building_raw, TEXT_MAX),
        ("room", room_raw, TEXT_MAX),
    ):
        if not value:
            problems.append(Problem(name, "required"))
            ok = False
        elif len(value) > limit:
            problems.append(Problem(name, "too_long", {"max": limit}))
            ok = False
    if len(entrance_raw) > TEXT_MAX:
        problems.append(Problem("entrance", "too_long", {"max": TEXT_MAX}))
        ok = False
    if not ok:
        return None
    room, floor = room_and_floor(room_raw)
    return Place(
        community=community,
        compound=compound,
        building=building_number(building_raw),
        entrance=entrance_number(entrance_raw) if entrance_raw else "",
        room=room,
        floor=floor,
    )


# --- residents -------------------------------------------------------------------------


@dataclass
class ResidentRow:
    """A valid resident row, normalised. ``None`` in an optional field means
    the cell was blank: the stored value is kept (or the default used)."""

    row: int
    name: str
    id_number: str
    sex: str
    birth_date: dt.date
    place: Place
    ethnicity: str | None
    phone: str | None
    population_type: str | None
    relation: str | None
    is_head: bool | None
    notes: str | None


def check_resident(
    row: int, cells: dict[str, Cell], today: dt.date
) -> tuple[ResidentRow | None, str | None, list[Problem]]:
    """(the cleaned row or None, the key of its ID number for duplicate checks, problems)."""
    problems: list[Problem] = []
    name = text(cells.get("name"))
    if not name:
        problems.append(Problem("name", "required"))
    elif len(name) > NAME_MAX:
        problems.append(Problem("name", "too_long", {"max": NAME_MAX}))

    raw_id = cells.get("id_number")
    key: str | None = None
    id_number = sex = ""
    birth: dt.date | None = None
    if isinstance(raw_id, int | float) and not isinstance(raw_id, bool):
        problems.append(Problem("id_number", "id_as_number"))
    else:
        id_text = text(raw_id)
        if not id_text:
            problems.append(Problem("id_number", "required"))
        else:
            try:
                id_number, sex, birth = parse_id(id_text, today)
                key = id_number
            except IdNumberError as exc:
                key = id_key(id_text)
                problems.append(Problem("id_number", "id_invalid", {"error": exc}))

    sex_cell = text(cells.get("sex"))
    if sex_cell:
        given = SEX_WORDS.get(sex_cell)
        if given is None:
            problems.append(Problem("sex", "sex_unknown", {"value": sex_cell}))
        elif sex and given != sex:
            problems.append(Problem("sex", "sex_contradicts"))

    birth_cell = cells.get("birth_date")
    if text(birth_cell):
        try:
            given_birth = parse_date(birth_cell)
        except ValueError:
            problems.append(Problem("birth_date", "date_invalid", {"value": text(birth_cell)}))
        else:
            if birth is not None and given_birth != birth:
                problems.append(Problem("birth_date", "birth_contradicts"))

    phone: str | None = None
    phone_cell = cells.get("phone")
    if text(phone_cell):
        try:
            phone = parse_phone(phone_cell)
        except PhoneError as exc:
            problems.append(Problem("phone", "phone_invalid", {"error": exc}))

    population_type: str | None = None
    pop_text = text(cells.get("population_type"))
    if pop_text:
        population_type = POPULATION_TYPES.get(pop_text)
        if population_type is None:
            problems.append(Problem("population_type", "unknown_value", {"value": pop_text}))

    relation: str | None = None
    is_head: bool | None = None
    rel_text = text(cells.get("relation"))
    if rel_text:
        mapped = RELATIONS.get(rel_text)
        if mapped is None:
            problems.append(Problem("relation", "unknown_value", {"value": rel_text}))
        else:
            relation, is_head = mapped

    ethnicity = text(cells.get("ethnicity")) or None
    if ethnicity and len(ethnicity) > TEXT_MAX:
        problems.append(Problem("ethnicity", "too_long", {"max": TEXT_MAX}))
    notes = text(cells.get("notes")) or None

    place = _place(cells, problems)
    if problems or place is None or birth is None:
        return None, key, problems
    return (
        ResidentRow(
            row=row,
            name=name,
            id_number=id_number,
            sex=sex,
            birth_date=birth,
            place=place,
            ethnicity=ethnicity,
            phone=phone,
            population_type=population_type,
            relation=relation,
            is_head=is_head,
            notes=notes,
        ),
        key,
        problems,
    )


# --- flats ------------------------------------------------------------------------------


@dataclass
class FlatRow:
    row: int
    place: Place
    status: str | None


def check_flat(row: int, cells: dict[str, Cell]) -> tuple[FlatRow | None, list[Problem]]:
    problems: list[Problem] = []
    status: str | None = None
    status_text = text(cells.get("status"))
    if status_text:
        status = FLAT_STATUSES.get(status_text)
        if status is None:
            problems.append(Problem("status", "unknown_value", {"value": status_text}))
    place = _place(cells, problems)
    if problems or place is None:
        return None, problems
    return FlatRow(row=row, place=place, status=status), problems


# --- premises ----------------------------------------------------------------------------


@dataclass
class PremisesRow:
    row: int
    name: str
    kind: str | None
    community: str
    compound: str | None
    address: str | None
    contact_name: str | None
    contact_phone: str | None


def check_premises(row: int, cells: dict[str, Cell]) -> tuple[PremisesRow | None, list[Problem]]:
    problems: list[Problem] = []
    name = text(cells.get("name"))
    if not name:
        problems.append(Problem("name", "required"))
    elif len(name) > 200:
        problems.append(Problem("name", "too_long", {"max": 200}))
    community = text(cells.get("community"))
    if not community:
        problems.append(Problem("community", "required"))
    kind: str | None = None
    kind_text = text(cells.get("kind"))
    if kind_text:
        kind = PREMISES_KINDS.get(kind_text)
        if kind is None:
            problems.append(Problem("kind", "unknown_value", {"value": kind_text}))
    phone: str | None = None
    if text(cells.get("contact_phone")):
        try:
            phone = parse_phone(cells.get("contact_phone"))
        except PhoneError as exc:
            problems.append(Problem("contact_phone", "phone_invalid", {"error": exc}))
    address = text(cells.get("address")) or None
    if address and len(address) > 255:
        problems.append(Problem("address", "too_long", {"max": 255}))
    contact_name = text(cells.get("contact_name")) or None
    if contact_name and len(contact_name) > NAME_MAX:
        problems.append(Problem("contact_name", "too_long", {"max": NAME_MAX}))
    if problems:
        return None, problems
    return (
        PremisesRow(
            row=row,
            name=name,
            kind=kind,
            community=community,
            compound=text(cells.get("compound")) or None,
            address=address,
            contact_name=contact_name,
            contact_phone=phone,
        ),
        problems,
    )
