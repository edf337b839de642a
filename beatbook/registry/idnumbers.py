"""Chinese identity numbers (公民身份号码, GB 11643-1999) and related card numbers.

Pure Python: nothing here imports Django, so it can be used from models, forms,
serializers, management commands and scripts alike.

Accepted numbers, all 18 characters long and sharing the ISO 7064 MOD 11-2
check character:

* ``resident``  - 居民身份证: first two digits are a province code (11-65, or 71).
* ``hkmo``      - 港澳居民居住证: prefix 81 (Hong Kong) or 82 (Macao).
* ``tw``        - 台湾居民居住证: prefix 83.
* ``foreigner`` - 外国人永久居留身份证 (2023 format): first digit 9, then the
  province code of the issuing office; birth date in characters 7-14.

Legacy 15-digit resident numbers (birth date ``YYMMDD`` meaning ``19YY``) are
accepted and upgraded to the 18-character form.

Error messages are plain English sentences meant for end users; translation is
done by the caller, keyed on :attr:`IdNumberError.code` if needed.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass

__all__ = [
    "IdInfo",
    "IdNumberError",
    "check_character",
    "id_key",
    "mask_id_number",
    "normalize_id_text",
    "parse_id_number",
    "upgrade_15_to_18",
]

# GB 11643-1999 / ISO 7064 MOD 11-2 weights for the first 17 digits.
_WEIGHTS: tuple[int, ...] = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
# Check character for (weighted sum mod 11) = 0..10.
_CHECK_CHARS = "10X98765432"

_MIN_BIRTH_DATE = datetime.date(1900, 1, 1)

# Province-level codes (GB/T 2260) that appear on mainland resident cards.
_MAINLAND_PROVINCES: frozenset[str] = frozenset(
    f"{n:02d}"
    for lo, hi in ((11, 15), (21, 23), (31, 37), (41, 46), (50, 54), (61, 65))
    for n in range(lo, hi + 1)
)
_RESIDENT_PREFIXES: frozenset[str] = _MAINLAND_PROVINCES | {"71"}  # 71 = Taiwan
_PERMIT_KINDS: dict[str, str] = {"81": "hkmo", "82": "hkmo", "83": "tw"}

# ASCII digits only: ``\d`` would also match other Unicode digits.
_DIGITS_17 = re.compile(r"[0-9]{17}")
_DIGITS_15 = re.compile(r"[0-9]{15}")
_ALLOWED_CHARS = re.compile(r"[0-9X]*")


class IdNumberError(ValueError):
    """An identity number failed validation.

    ``str(error)`` is a user-facing English sentence; ``error.code`` is one of
    ``"length"``, ``"characters"``, ``"checksum"``, ``"birth_date"``,
    ``"future"`` or ``"region"``.
    """

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class IdInfo:
    """A validated identity number and what can be read from it."""

    number: str  # normalised 18-character form
    kind: str  # "resident", "hkmo", "tw" or "foreigner"
    birth_date: datetime.date
    sex: str  # "M" or "F"
    upgraded_from_15: bool


def normalize_id_text(raw: str) -> str:
    """Return ``raw`` in canonical text form, without validating it.

    Applies NFKC (full-width digits and letters become ASCII, U+3000 becomes a
    space), removes all whitespace and invisible format characters (zero-width
    spaces, BOM) and upper-cases, so a trailing ``x`` becomes ``X``.
    """
    text = unicodedata.normalize("NFKC", raw)
    return "".join(
        ch for ch in text if not ch.isspace() and unicodedata.category(ch) != "Cf"
    ).upper()


def check_character(first17: str) -> str:
    """Return the GB 11643 check character (``0``-``9`` or ``X``) for 17 digits."""
    if not _DIGITS_17.fullmatch(first17):
        raise IdNumberError("The first 17 characters of an ID number must be digits", "characters")
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def upgrade_15_to_18(number15: str) -> str:
    """Convert a legacy 15-digit number to 18 characters.

    Inserts ``19`` before the two-digit birth year and appends the check
    character. Only the shape is checked; use :func:`parse_id_number` to
    validate the region and date as well.
    """
    text = normalize_id_text(number15)
    if not _DIGITS_15.fullmatch(text):
        raise IdNumberError("An old (15-digit) ID number must be exactly 15 digits", "length")
    first17 = text[:6] + "19" + text[6:]
    return first17 + check_character(first17)


def _check_characters(text: str) -> None:
    if not _ALLOWED_CHARS.fullmatch(text):
        raise IdNumberError(
            "ID number may contain only digits, with X allowed as the last character",
            "characters",
        )


def _check_length(text: str) -> None:
    if not text:
        raise IdNumberError("ID number is empty", "length")
    if len(text) not in (15, 18):
        raise IdNumberError(
            f"ID number must have 18 characters (or 15 for an old card); got {len(text)}",
            "length",
        )
    # X is only ever a check character, i.e. the 18th character.
    body = text[:17] if len(text) == 18 else text
    if "X" in body:
        raise IdNumberError(
            "ID number may contain only digits, with X allowed as the last character",
            "characters",
        )


def _kind_for(number18: str) -> str:
    prefix = number18[:2]
    if prefix in _PERMIT_KINDS:
        return _PERMIT_KINDS[prefix]
    if number18[0] == "9" and number18[1] in "123456":
        # 2023 foreigner's permanent residence ID: 9 + issuing province code.
        if number18[1:3] not in _MAINLAND_PROVINCES:
            raise IdNumberError(
                f"Unknown issuing region code {number18[1:3]} in a foreigner's "
                "permanent residence ID number",
                "region",
            )
        return "foreigner"
    if prefix in _RESIDENT_PREFIXES:
        return "resident"
    raise IdNumberError(f"Unknown region code {prefix}", "region")


def _birth_date(yyyymmdd: str, today: datetime.date) -> datetime.date:
    try:
        born = datetime.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        raise IdNumberError(
            f"Birth date {yyyymmdd} in the ID number is not a real date", "birth_date"
        ) from None
    if born < _MIN_BIRTH_DATE:
        raise IdNumberError(f"Birth date {yyyymmdd} in the ID number is before 1900", "birth_date")
    if born > today:
        raise IdNumberError("Birth date in the ID number is in the future", "future")
    return born


def parse_id_number(raw: str, *, today: datetime.date | None = None) -> IdInfo:
    """Validate an identity number and return what it encodes.

    ``raw`` may contain full-width characters, spaces and a lower-case ``x``.
    ``today`` (default: ``date.today()``) bounds the birth date. Checks run in
    this order: characters, length, region, birth date, check character.

    Raises :class:`IdNumberError` on the first problem found.
    """
    if today is None:
        today = datetime.date.today()
    elif isinstance(today, datetime.datetime):
        today = today.date()

    text = normalize_id_text(raw)
    _check_characters(text)
    _check_length(text)

    if len(text) == 15:
        if text[:2] not in _RESIDENT_PREFIXES:
            raise IdNumberError(f"Unknown region code {text[:2]}", "region")
        born = _birth_date("19" + text[6:12], today)
        number = upgrade_15_to_18(text)
        kind = "resident"
        upgraded = True
    else:
        kind = _kind_for(text)
        born = _birth_date(text[6:14], today)
        expected = check_character(text[:17])
        if text[17] != expected:
            raise IdNumberError(
                f"Check character is wrong: expected {expected}, got {text[17]} "
                "\N{EM DASH} check for a typo",
                "checksum",
            )
        number = text
        upgraded = False

    return IdInfo(
        number=number,
        kind=kind,
        birth_date=born,
        sex="M" if int(number[16]) % 2 == 1 else "F",
        upgraded_from_15=upgraded,
    )


def mask_id_number(number: str) -> str:
    """Hide the middle of an identity number for display.

    ``"150102199003071234"`` becomes ``"1501**********1234"``. Up to four
    characters are shown at each end, but at least six are always hidden, so
    short strings show less (and strings under eight characters show nothing).
    The result has the same length as the (whitespace-stripped) input.
    """
    text = normalize_id_text(number)
    keep = min(4, max(0, (len(text) - 6) // 2))
    if keep == 0:
        return "*" * len(text)
    return text[:keep] + "*" * (len(text) - 2 * keep) + text[-keep:]


def id_key(raw: str) -> str:
    """Return a key under which equal identity numbers compare equal.

    Valid numbers map to their normalised 18-character form (15-digit numbers
    are upgraded). Anything invalid is returned normalised but otherwise
    unchanged. Never raises.
    """
    text = normalize_id_text(raw)
    try:
        return parse_id_number(text).number
    except IdNumberError:
        return text
