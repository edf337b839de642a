"""Standard addresses: building, entrance and room numbers as people write them."""

from __future__ import annotations

import pytest

from beatbook.registry import addresses


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("6", "6"),
        ("6号楼", "6"),
        ("6号", "6"),
        ("6栋", "6"),
        ("6幢", "6"),
        ("6楼", "6"),
        ("6 号楼", "6"),
        (" 6号楼 ", "6"),
        ("六号楼", "6"),
        ("六栋", "6"),
        ("06", "6"),
        ("6.0", "6"),
        ("６号楼", "6"),  # full-width digit
        ("十二号楼", "12"),
        ("十号楼", "10"),
        ("二十三号楼", "23"),
        ("12", "12"),
        ("A座", "A座"),
        ("Ａ座", "A座"),  # full-width letter folded by NFKC
        ("综合楼", "综合楼"),
        ("", ""),
    ],
)
def test_normalize_building_number(raw: str, expected: str) -> None:
    assert addresses.normalize_building_number(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2", "2"),
        ("2单元", "2"),
        ("二单元", "2"),
        ("2 单元", "2"),
        ("02", "2"),
        ("2.0", "2"),
        ("2门", "2"),
        ("十单元", "10"),
        ("东单元", "东单元"),
        ("A", "A"),
    ],
)
def test_normalize_entrance_number(raw: str, expected: str) -> None:
    assert addresses.normalize_entrance_number(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("301", "301"),
        ("301室", "301"),
        ("301号", "301"),
        ("301房", "301"),
        (" 301 ", "301"),
        ("３０１室", "301"),
        ("301.0", "301"),
        ("0301", "0301"),  # leading zeros of rooms are kept as written
        ("2-301", "2-301"),
        ("2-301室", "2-301"),
        ("A301", "A301"),
        ("", ""),
    ],
)
def test_normalize_room(raw: str, expected: str) -> None:
    assert addresses.normalize_room(raw) == expected


@pytest.mark.parametrize(
    ("room", "floor"),
    [
        ("301", 3),
        ("101", 1),
        ("1201", 12),
        ("2-301", 3),
        ("2-1201", 12),
        ("0301", 3),
        ("01", None),
        ("A", None),
        ("A301", None),
        ("", None),
    ],
)
def test_floor_of_room(room: str, floor: int | None) -> None:
    assert addresses.floor_of_room(room) == floor


@pytest.mark.parametrize(
    ("compound", "building", "entrance", "room", "expected"),
    [
        ("富贵佳园", "6", "2", "301", "富贵佳园6号楼2单元301"),
        ("富贵佳园", "6", None, "301", "富贵佳园6号楼301"),
        ("富贵佳园", "6", "", "301", "富贵佳园6号楼301"),
        ("富贵佳园", "A座", "2", "301", "富贵佳园A座2单元301"),
        ("富贵佳园", "6", "东单元", "301", "富贵佳园6号楼东单元301"),
    ],
)
def test_flat_address(
    compound: str, building: str, entrance: str | None, room: str, expected: str
) -> None:
    assert addresses.flat_address(compound, building, entrance, room) == expected


def test_flat_address_from_normalised_parts() -> None:
    """What an officer types ends up as the one standard address."""
    address = addresses.flat_address(
        "富贵佳园",
        addresses.normalize_building_number("六号楼"),
        addresses.normalize_entrance_number("二单元"),
        addresses.normalize_room("301室"),
    )
    assert address == "富贵佳园6号楼2单元301"


@pytest.mark.parametrize(("number", "label"), [("6", "6号楼"), ("A座", "A座")])
def test_building_label(number: str, label: str) -> None:
    assert addresses.building_label(number) == label


@pytest.mark.parametrize(("number", "label"), [("2", "2单元"), ("东单元", "东单元")])
def test_entrance_label(number: str, label: str) -> None:
    assert addresses.entrance_label(number) == label
