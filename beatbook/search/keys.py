"""Search keys: what a name, an ID number and a phone are indexed under.

Pure Python (no Django): used by ``Resident.derived_fields`` (so every writer,
save() and bulk loaders alike, keeps the columns in step), by the registry
migration that fills them, and by the search to turn a query into the same
keys.

* ``simplified(name)``: NFKC, no spaces, traditional characters converted to
  simplified (OpenCC ``t2s``): ``張偉`` → ``张伟``.
* ``pinyin_keys(name)``: full pinyin without tones and the initials, lower
  case, no separators: ``张伟`` → (``zhangwei``, ``zw``). Surnames read as
  surnames (``曾`` zeng, ``单`` shan, ``解`` xie, ``仇`` qiu, ``区`` ou…).
* ``reversed_id(number)``: the ID number backwards, so that its last 4-6
  characters are a prefix (an index range) rather than a suffix.
* ``phone_digits(e164)`` / ``reversed_phone``: the national number (no +86,
  no trunk 0) and its reverse, for the full number and its last 4 digits.

Everything is memoised: a million names cost a dictionary look-up each once
the common names and characters are known.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Sequence
from typing import Any

__all__ = [
    "COMPOUND_SURNAMES",
    "SURNAME_READINGS",
    "given_name",
    "is_han",
    "phone_digits",
    "pinyin_keys",
    "prefix_upper_bound",
    "reversed_id",
    "reversed_phone",
    "simplified",
]

#: surnames whose reading differs from the character's most common one
#: (syllables separated by spaces; two-character compound surnames are checked first)
SURNAME_READINGS: dict[str, str] = {
    "万俟": "mo qi",
    "尉迟": "yu chi",
    "长孙": "zhang sun",
    "澹台": "tan tai",
    "单于": "chan yu",
    "曾": "zeng",
    "单": "shan",
    "解": "xie",
    "仇": "qiu",
    "查": "zha",
    "区": "ou",
    "朴": "piao",
    "盖": "ge",
    "乐": "yue",
    "覃": "qin",
    "缪": "miao",
    "翟": "zhai",
    "秘": "bi",
    "折": "she",
    "员": "yun",
    "种": "chong",
    "祭": "zhai",
    "繁": "po",
    "薄": "bo",
    "重": "chong",
    "召": "shao",
    "宿": "su",
    "句": "gou",
    "尉": "wei",
    "隗": "wei",
    "沈": "shen",
    "能": "nai",
    "便": "pian",
    "卜": "bu",
    "柏": "bai",
    "任": "ren",
    "华": "hua",
    "纪": "ji",
    "阚": "kan",
    "黑": "he",
    "蕃": "pi",
    "都": "du",
    "藏": "zang",
    "行": "xing",
    "谌": "chen",
    "车": "che",
    "燕": "yan",
    "过": "guo",
}


#: two-character surnames, so that a given name can be told from the surname
COMPOUND_SURNAMES = frozenset(
    [
        "欧阳",
        "司马",
        "诸葛",
        "上官",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "令狐",
        "夏侯",
        "轩辕",
        "端木",
        "独孤",
        "南宫",
        "万俟",
        "闻人",
        "澹台",
        "单于",
        "呼延",
        "申屠",
        "太史",
        "钟离",
        "百里",
        "东郭",
        "西门",
    ]
)


@functools.cache
def _t2s() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


def _compact(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "")
    return "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch) != "Cf")


@functools.lru_cache(maxsize=200_000)
def simplified(name: str) -> str:
    """``name`` compacted (NFKC, no spaces) in simplified characters."""
    text = _compact(name)
    if not text or text.isascii():
        return text.lower()
    return str(_t2s().convert(text)).lower()


def given_name(name: str) -> str:
    """The given name of a Chinese name in simplified characters (``欧阳修文`` →
    ``修文``, ``張偉`` → ``伟``); '' for a name not in Han characters or of one
    character."""
    text = simplified(name)
    if len(text) < 2 or not is_han(text[0]):
        return ""
    if len(text) >= 3 and text[:2] in COMPOUND_SURNAMES:
        return text[2:]
    return text[1:]


def is_han(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\U00020000" <= ch <= "\U0002ffff" or ch == "\u3007"


@functools.lru_cache(maxsize=20_000)
def _char_pinyin(ch: str) -> str:
    from pypinyin import Style, lazy_pinyin

    reading = lazy_pinyin(ch, style=Style.NORMAL, errors="ignore", v_to_u=False)
    return reading[0].replace("ü", "v") if reading else ""


@functools.lru_cache(maxsize=200_000)
def pinyin_keys(name: str) -> tuple[str, str]:
    """(full pinyin, initials) of a name, lower case, without tones or separators.

    Han characters are read one by one (the surname by its surname reading);
    Latin letters and digits are kept (a foreigner's ``John Smith`` gives
    ``johnsmith`` / ``js``); anything else (``·``, punctuation) is dropped.
    """
    text = unicodedata.normalize("NFKC", name or "").strip()
    if not text.isascii():
        text = str(_t2s().convert(text))
    text = text.lower()
    syllables: list[str] = []
    rest = text
    for surname in (text[:2], text[:1]):
        if len(surname) and surname in SURNAME_READINGS:
            syllables.extend(SURNAME_READINGS[surname].split())
            rest = text[len(surname) :]
            break
    word = ""
    words: list[str] = []
    for ch in rest:
        if is_han(ch):
            if word:
                words.append(word)
                word = ""
            reading = _char_pinyin(ch)
            if reading:
                syllables.append(reading)
        elif ch.isascii() and ch.isalnum():
            word += ch.lower()
        elif word:
            words.append(word)
            word = ""
    if word:
        words.append(word)
    if words and not syllables:  # a Latin name: initials are the words' first letters
        return "".join(words)[:255], "".join(w[0] for w in words)[:64]
    syllables.extend(words)
    full = "".join(syllables)
    initials = "".join(s[0] for s in syllables if s)
    return full[:255], initials[:64]


def reversed_id(number: str) -> str:
    """The ID number backwards (``…1234`` → ``4321…``), upper case."""
    if number.isascii() and number.isalnum():  # the usual case, a million times
        return number.upper()[::-1]
    return _compact(number).upper()[::-1]


def phone_digits(e164: str) -> str:
    """The national number of an E.164 phone: ``+8613812345678`` → ``13812345678``,
    ``+861088886666`` → ``1088886666``; other countries keep their country code."""
    if e164.startswith("+86") and e164[1:].isdigit():  # stored numbers: E.164
        return e164[3:]
    digits = "".join(ch for ch in e164 if ch.isdigit())
    if e164.startswith("+86"):
        return digits[2:]
    return digits


def reversed_phone(e164: str) -> str:
    return phone_digits(e164)[::-1]


def resident_keys(*, name: str, id_number: str, phones: Sequence[str] | None) -> dict[str, str]:
    """A resident's search columns, each cut to its column's width: what
    ``Resident.derived_fields`` and the migration that filled the existing
    rows store."""
    pinyin, initials = pinyin_keys(name)
    phones = phones or []
    return {
        "name_simplified": simplified(name)[:64],
        "name_given": given_name(name)[:64],
        "name_pinyin": pinyin,
        "name_initials": initials,
        "id_reversed": reversed_id(id_number)[:32],
        "phone_reversed": reversed_phone(phones[0])[:20] if phones else "",
        "phone2_reversed": reversed_phone(phones[1])[:20] if len(phones) > 1 else "",
    }


def prefix_upper_bound(prefix: str) -> str | None:
    """The smallest string greater than every string starting with ``prefix``
    in code point order (for an index range ``prefix <= col < bound``), or None
    for the empty prefix.

    SQLite compares text in code point order, as PostgreSQL does under the C
    and C.UTF-8 collations; the caller keeps a ``startswith`` beside the range,
    so a database with another collation still answers right (if slower).
    """
    if not prefix:
        return None
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)
