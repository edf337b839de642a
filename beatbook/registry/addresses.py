"""Standard address strings (标准地址) and room/floor arithmetic. No Django."""

from __future__ import annotations

import re
import unicodedata

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}


def _cn_number(text: str) -> int | None:
    """Chinese numerals up to 99: 六 → 6, 十二 → 12, 二十 → 20, 二十三 → 23."""
    if not text or any(c not in _CN_DIGITS and c != "十" for c in text):
        return None
    if "十" in text:
        tens, _, ones = text.partition("十")
        t = _CN_DIGITS[tens] if tens else 1
        o = _CN_DIGITS[ones] if ones else 0
        if len(tens) > 1 or len(ones) > 1:
            return None
        return t * 10 + o
    if len(text) == 1:
        return _CN_DIGITS[text]
    return None


def clean_text(value: str) -> str:
    return unicodedata.normalize("NFKC", value or "").strip()


_BUILDING_SUFFIX = re.compile(r"^(.+?)\s*(号楼|号|栋|幢|楼)$")
_ENTRANCE_SUFFIX = re.compile(r"^(.+?)\s*(单元|门)$")
_ROOM_SUFFIX = re.compile(r"^(.+?)\s*(室|号|房)$")


def _numberish(core: str) -> str | None:
    core = core.strip()
    if core.isdigit():
        return str(int(core))
    n = _cn_number(core)
    return str(n) if n is not None else None


def normalize_building_number(value: str) -> str:
    """'6', '6号楼', '6栋', '6幢', '六号楼', '06' → '6'; other names ('A座') kept as written."""
    text = clean_text(value)
    if text.endswith(".0") and text[:-2].isdigit():  # a spreadsheet number cell
        text = text[:-2]
    direct = _numberish(text)
    if direct is not None:
        return direct
    m = _BUILDING_SUFFIX.match(text)
    if m:
        num = _numberish(m.group(1))
        if num is not None:
            return num
    return text


def normalize_entrance_number(value: str) -> str:
    """'2', '2单元', '二单元' → '2'; other names kept."""
    text = clean_text(value)
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    direct = _numberish(text)
    if direct is not None:
        return direct
    m = _ENTRANCE_SUFFIX.match(text)
    if m:
        num = _numberish(m.group(1))
        if num is not None:
            return num
    return text


def normalize_room(value: str) -> str:
    """'301', '301室' → '301'; leading zeros of all-digit rooms kept as written."""
    text = clean_text(value)
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    m = _ROOM_SUFFIX.match(text)
    if m and m.group(1).strip().replace("-", "").isalnum():
        text = m.group(1).strip()
    return text


def floor_of_room(room: str) -> int | None:
    """The floor a room is on, from its number: 301 → 3, 1201 → 12, 2-301 → 3.

    Rooms numbered floor + two-digit flat are the norm; anything else has no
    derivable floor.
    """
    digits = room.rsplit("-", 1)[-1]
    if digits.isdigit() and len(digits) >= 3:
        return int(digits[:-2])
    return None


def sort_key(number: str) -> int:
    """Numbered buildings and entrances sort by number (2 before 10); named ones first."""
    return int(number) if number.isdigit() else 0


def building_label(number: str) -> str:
    return f"{number}号楼" if number.isdigit() else number


def entrance_label(number: str) -> str:
    return f"{number}单元" if number.isdigit() else number


def flat_address(
    compound: str, building_number: str, entrance_number: str | None, room: str
) -> str:
    """富贵佳园 + 6号楼 + 2单元 + 301 → '富贵佳园6号楼2单元301'."""
    parts = [compound, building_label(building_number)]
    if entrance_number:
        parts.append(entrance_label(entrance_number))
    parts.append(room)
    return "".join(parts)
