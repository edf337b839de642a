"""Reading a one-box query: pure functions, no database."""

from __future__ import annotations

import pytest

from beatbook.registry.tests.helpers import make_id
from beatbook.search.parsing import AddressQuery, parse


def test_empty() -> None:
    assert parse("  ").empty
    assert parse("").empty


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("6-2-301", AddressQuery(building="6", entrance="2", room="301")),
        ("6 - 2 - 301", AddressQuery(building="6", entrance="2", room="301")),
        ("6-301", AddressQuery(building="6", room="301")),
        ("6号楼2单元301", AddressQuery(building="6", entrance="2", room="301")),
        ("六号楼二单元301室", AddressQuery(building="6", entrance="2", room="301")),
        ("富贵佳园6栋301", AddressQuery(compound="富贵佳园", building="6", room="301")),
        (
            "富贵佳园6号楼2单元301",
            AddressQuery(compound="富贵佳园", building="6", entrance="2", room="301"),
        ),
        (
            "富贵佳园6-2-301",
            AddressQuery(compound="富贵佳园", building="6", entrance="2", room="301"),
        ),
        ("富贵佳园6号楼", AddressQuery(compound="富贵佳园", building="6")),
        ("A座1203", AddressQuery(building="A座", room="1203")),
        ("富贵佳园", AddressQuery(compound="富贵佳园")),
    ],
)
def test_addresses(text: str, address: AddressQuery) -> None:
    assert parse(text).address == address


def test_address_words_are_not_names() -> None:
    assert parse("6号楼2单元301").name is None
    assert parse("zhangwei").address is None


def test_names_and_pinyin() -> None:
    q = parse("張偉")
    assert (q.name, q.pinyin, q.document, q.phone) == ("张伟", None, None, None)
    q = parse("Zhang Wei")
    assert (q.name, q.pinyin) == (None, "zhangwei")
    assert parse("zw").pinyin == "zw"


def test_id_numbers_and_tails() -> None:
    number = make_id("330106", "19800101", "123")
    assert parse(number).document == number
    assert parse(number.lower()).document == number
    assert parse(number[:6] + " " + number[6:]).document == number
    assert parse("110105850312123").document == make_id("110105", "19850312", "123")
    assert parse(number[-4:]).id_tail == number[-4:][::-1]
    assert parse(number[-6:]).id_tail == number[-6:][::-1]
    assert parse("123x").id_tail == "X321"
    assert parse("1234567").id_tail is None  # 7 characters: not a tail
    assert parse("123").id_tail is None


def test_phones_and_tails() -> None:
    for text in ("13812345678", "138 1234 5678", "138-1234-5678", "+86 138 1234 5678"):
        assert parse(text).phone == "+8613812345678", text
    assert parse("0571-88886666").phone == "+8657188886666"
    assert parse("5678").phone_tail == "8765"
    assert parse("5678").id_tail == "8765"  # four digits: either tail
    assert parse("123").phone_tail is None
    assert parse("1381234567").phone is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("zhang", True),
        ("zh", True),
        ("z", True),
        ("kim", True),
        ("ou", True),
        ("zw", False),
        ("lxy", False),
        ("wf", False),
    ],
)
def test_could_be_pinyin(text: str, expected: bool) -> None:
    from beatbook.search.parsing import could_be_pinyin

    assert could_be_pinyin(text) is expected
