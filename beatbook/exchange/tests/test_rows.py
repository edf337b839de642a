"""Row rules, without files or database."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from beatbook.exchange import rows
from beatbook.exchange.seen import FirstRows
from beatbook.exchange.tests.files import make_id

TODAY = dt.date(2026, 1, 1)
ID = make_id("19850312", 123)  # odd sequence digit: male


def cells(**overrides: Any) -> dict[str, Any]:
    base = {
        "name": "张三",
        "id_number": ID,
        "community": "余岗社区",
        "compound": "新园",
        "building": "6",
        "room": "301",
    }
    base.update(overrides)
    return base


def codes(**overrides: Any) -> list[tuple[str | None, str]]:
    _row, _key, problems = rows.check_resident(2, cells(**overrides), TODAY)
    return [(p.field, p.code) for p in problems]


def test_valid_row_normalised() -> None:
    row, key, problems = rows.check_resident(
        2,
        cells(
            id_number=ID.lower().replace("1", "１", 1),
            building="六号楼",
            entrance="2单元",
            room="301室",
            phone="138-1234-5678",
            sex="男",
            birth_date="1985年3月12日",
            population_type="流动人口",
            relation="户主",
        ),
        TODAY,
    )
    assert problems == [] and row is not None
    assert key == row.id_number == ID
    assert (row.place.building, row.place.entrance, row.place.room, row.place.floor) == (
        "6",
        "2",
        "301",
        3,
    )
    assert row.phone == "+8613812345678"
    assert (row.population_type, row.relation, row.is_head) == ("floating", "owner", True)
    assert row.sex == "M" and row.birth_date == dt.date(1985, 3, 12)
    assert row.ethnicity is None and row.notes is None  # blank: keep what is stored


@pytest.mark.parametrize("building", ["6", "6号楼", "6栋", "6幢", "六号楼", 6.0, "06"])
def test_building_names(building: Any) -> None:
    row, _k, _p = rows.check_resident(2, cells(building=building), TODAY)
    assert row is not None and row.place.building == "6"


def test_named_building_kept() -> None:
    row, _k, _p = rows.check_resident(2, cells(building="A座", room=1203.0), TODAY)
    assert row is not None and row.place.building == "A座"
    assert (row.place.room, row.place.floor) == ("1203", 12)


def test_15_digit_number_is_its_18_digit_form() -> None:
    first17 = "110105" + "19" + "850312" + "123"
    old = "110105850312123"
    row, key, _p = rows.check_resident(2, cells(id_number=old), TODAY)
    assert row is not None and key == row.id_number == make_id("19850312", 123)
    assert first17 in key


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"name": "  "}, [("name", "required")]),
        ({"id_number": float(ID[:17])}, [("id_number", "id_as_number")]),
        ({"id_number": ID[:-1] + ("0" if ID[-1] != "0" else "1")}, [("id_number", "id_invalid")]),
        ({"sex": "女"}, [("sex", "sex_contradicts")]),
        ({"sex": "未知"}, [("sex", "sex_unknown")]),
        ({"birth_date": "1985-03-13"}, [("birth_date", "birth_contradicts")]),
        ({"birth_date": dt.date(1985, 3, 12)}, []),
        ({"birth_date": "19850312"}, []),
        ({"birth_date": "1985/3/12"}, []),
        ({"birth_date": "昨天"}, [("birth_date", "date_invalid")]),
        ({"phone": "13812345678转2"}, [("phone", "phone_invalid")]),
        ({"phone": "1381234567"}, [("phone", "phone_invalid")]),
        ({"phone": "88886666"}, [("phone", "phone_invalid")]),
        ({"phone": "010-8888 6666"}, []),
        ({"phone": "(010) 88886666"}, []),
        ({"population_type": "常住"}, [("population_type", "unknown_value")]),
        ({"relation": "朋友"}, [("relation", "unknown_value")]),
        ({"community": ""}, [("community", "required")]),
        ({"room": ""}, [("room", "required")]),
    ],
)
def test_rejections(overrides: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    assert codes(**overrides) == expected


@pytest.mark.parametrize(
    ("word", "relation", "head"),
    [
        ("户主", "owner", True),
        ("本人", "owner", True),
        ("配偶", "owner_family", False),
        ("孙子女", "owner_family", False),
        ("租客", "tenant", False),
        ("其他", "other", False),
    ],
)
def test_relations(word: str, relation: str, head: bool) -> None:
    row, _k, _p = rows.check_resident(2, cells(relation=word), TODAY)
    assert row is not None and (row.relation, row.is_head) == (relation, head)


def test_mobile_fast_path_agrees_with_phonenumbers() -> None:
    from beatbook.registry.phones import PhoneError, normalize_phone

    for prefix in range(130, 200):
        number = f"{prefix}12345678"
        try:
            expected = normalize_phone(number)
        except PhoneError:
            expected = None
        try:
            got = rows.parse_phone(number)
        except PhoneError:
            got = None
        assert got == expected, number


def test_flat_and_premises_rows() -> None:
    flat, problems = rows.check_flat(
        2, {"community": "c", "compound": "x", "building": "1栋", "room": "101", "status": "出租"}
    )
    assert problems == [] and flat is not None and flat.status == "rented"
    _f, problems = rows.check_flat(
        2, {"community": "c", "compound": "x", "building": "1", "room": "1", "status": "租"}
    )
    assert [(p.field, p.code) for p in problems] == [("status", "unknown_value")]
    premises, problems = rows.check_premises(
        2, {"name": "好又多", "kind": "商铺", "community": "c", "contact_phone": "13812345678"}
    )
    assert problems == [] and premises is not None and premises.kind == "shop"


def test_first_rows_across_chunks() -> None:
    with FirstRows() as seen:
        assert seen.earlier([("a", 2), ("b", 3), ("a", 4)]) == {4: 2}
        assert seen.earlier([("b", 10), ("c", 11), ("c", 12)]) == {10: 3, 12: 11}


def test_id_fast_path_agrees_with_parse_id_number() -> None:
    import random

    from beatbook.registry.idnumbers import IdNumberError, check_character, parse_id_number

    rng = random.Random(4)
    samples = []
    for _ in range(3000):
        region = rng.choice(["110105", "330102", "810000", "830000", "710000", "990000", "912345"])
        birth = f"{rng.randint(1890, 2030)}{rng.randint(0, 13):02d}{rng.randint(0, 32):02d}"
        first17 = f"{region}{birth}{rng.randint(0, 999):03d}"
        good = first17 + check_character(first17)
        samples += [good, first17 + rng.choice("0123456789X")]
    for number in samples:
        try:
            info = parse_id_number(number, today=TODAY)
            expected: Any = (info.number, info.sex, info.birth_date)
        except IdNumberError as exc:
            expected = exc.code
        try:
            got: Any = rows.parse_id(number, TODAY)
        except IdNumberError as exc:
            got = exc.code
        assert got == expected, number
