"""What a one-box query can mean. Pure Python (no Django).

``parse(text)`` reads one query the ways an officer may have meant it and
returns every reading that makes sense (a query of four digits is both the
tail of an ID number and the tail of a phone). The selectors turn each reading
into index look-ups.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from beatbook.registry import addresses
from beatbook.registry.idnumbers import id_key, normalize_id_text
from beatbook.registry.phones import PhoneError, normalize_phone
from beatbook.search import keys

__all__ = ["MAX_INITIALS", "AddressQuery", "Query", "could_be_pinyin", "parse"]

#: longest query looked at (anything longer is cut)
MAX_LENGTH = 64


@dataclass(frozen=True)
class AddressQuery:
    """Parts of an address; None for a part not given."""

    compound: str | None = None
    building: str | None = None
    entrance: str | None = None
    room: str | None = None


@dataclass(frozen=True)
class Query:
    #: NFKC, trimmed, inner runs of spaces made one
    text: str
    #: a document number as stored (validated ID numbers in their 18-character
    #: form; passports normalised), when the query could be one
    document: str | None = None
    #: E.164, when the query is a valid phone number
    phone: str | None = None
    #: reversed last 4-6 characters of an ID number
    id_tail: str | None = None
    #: reversed last 4-8 digits of a phone
    phone_tail: str | None = None
    #: simplified, compact Han text for names (Latin names are found by their
    #: "pinyin", which for them is the letters of the name)
    name: str | None = None
    #: lower-case ASCII letters for pinyin and initials
    pinyin: str | None = None
    address: AddressQuery | None = None
    #: text for premises names and contacts
    words: str | None = None

    @property
    def empty(self) -> bool:
        return not self.text

    @property
    def has_words(self) -> bool:
        """Letters or characters (what names of premises and people have)."""
        return any(ch.isalpha() for ch in self.text)


#: longest initials looked up (names have up to four or five syllables)
MAX_INITIALS = 6
#: what full pinyin starts with: an initial (or none), then a vowel
_PINYIN_START = re.compile(r"(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?[aeiouv]")
_PINYIN_INITIAL = re.compile(r"zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw]")


def could_be_pinyin(text: str) -> bool:
    """Whether lower-case ``text`` can be the start of a full pinyin (or of a
    Latin name written with vowels): ``zhang``, ``zh``, ``kim`` yes; ``zw``,
    ``lxy`` no (those are initials)."""
    return bool(_PINYIN_START.match(text) or _PINYIN_INITIAL.fullmatch(text))


_SPACES = re.compile(r"\s+")
_DIGITISH = re.compile(r"[0-9Xx+()\-\s]+")
_ID_TAIL = re.compile(r"[0-9]{3,6}X|[0-9]{4,6}")
_NUM = r"[0-9]+|[一二三四五六七八九十两〇零]+"
_ROOM = r"[0-9]{2,5}"
#: 6号楼2单元301, 富贵佳园6栋301, 富贵佳园6号楼, 六号楼2单元, 6栋301室
_CN_ADDRESS = re.compile(
    rf"^(?P<compound>.*?)\s*(?P<building>(?:{_NUM}|[A-Za-z])\s*(?:号楼|栋|幢|座|号|楼))"
    rf"\s*(?:(?P<entrance>{_NUM})\s*(?:单元|门))?"
    rf"\s*(?:(?P<room>{_ROOM})\s*(?:室|号|房)?)?$"
)
#: 6-2-301, 6-301, 富贵佳园6-2-301
_DASH_ADDRESS = re.compile(
    rf"^(?P<compound>.*?[^0-9\s-])?\s*(?P<building>[0-9]+|[A-Za-z])\s*-\s*"
    rf"(?:(?P<entrance>[0-9]+)\s*-\s*)?(?P<room>{_ROOM})$"
)


def _address(text: str) -> AddressQuery | None:
    for pattern in (_DASH_ADDRESS, _CN_ADDRESS):
        m = pattern.match(text)
        if m:
            compound = (m.group("compound") or "").strip() or None
            if compound and not any(keys.is_han(ch) for ch in compound):
                return None
            entrance = m.group("entrance")
            return AddressQuery(
                compound=compound,
                building=addresses.normalize_building_number(m.group("building")),
                entrance=addresses.normalize_entrance_number(entrance) if entrance else None,
                room=m.group("room"),
            )
    return None


def parse(raw: str) -> Query:
    """Every reading of one query."""
    text = _SPACES.sub(" ", unicodedata.normalize("NFKC", raw or "")).strip()[:MAX_LENGTH]
    if not text:
        return Query(text="")
    compact = text.replace(" ", "")
    has_han = any(keys.is_han(ch) for ch in compact)
    document = phone = id_tail = phone_tail = name = pinyin = None
    if any(ch.isdigit() for ch in compact) and not has_han:
        key = id_key(compact)
        if len(key) >= 5 and key.isalnum():
            document = key
        if _DIGITISH.fullmatch(text):
            try:
                phone = normalize_phone(text)
            except PhoneError:
                phone = None
            ident = normalize_id_text(compact)
            if _ID_TAIL.fullmatch(ident):
                id_tail = keys.reversed_id(ident)
            if compact.isdigit() and 4 <= len(compact) <= 8:
                phone_tail = compact[::-1]
    if has_han and not any(ch.isdigit() for ch in compact):
        name = keys.simplified(compact)
    if compact.isascii() and compact.isalpha():
        pinyin = compact.lower()
    address = _address(text) if any(ch.isdigit() for ch in compact) or has_han else None
    if address is None and has_han:
        # a compound name, or a standard address written out (富贵佳园6号楼2单元301)
        address = AddressQuery(compound=compact)
    return Query(
        text=text,
        document=document,
        phone=phone,
        id_tail=id_tail,
        phone_tail=phone_tail,
        name=name,
        pinyin=pinyin,
        address=address,
        words=text,
    )
