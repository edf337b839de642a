"""Phone numbers, parsed with ``phonenumbers`` and defaulting to China (CN).

Pure Python: nothing here imports Django.

Numbers are stored in E.164 form (``+8613812345678``) and shown in the national
form for Chinese numbers (``138 1234 5678``, ``010 8888 6666``) or the
international form for anything else.

Error messages are plain English sentences meant for end users; translation is
done by the caller, keyed on :attr:`PhoneError.code` if needed.
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

__all__ = ["PhoneError", "format_phone", "normalize_phone", "parse_phone_list"]

DEFAULT_REGION = "CN"
_CN_COUNTRY_CODE = 86

# Separators allowed inside one number: whitespace, dashes, brackets.
# (After NFKC, full-width "－" "（" "）" and U+3000 are already ASCII.)
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2212"
_DASH_CLASS = re.escape(_DASHES)
_SEPARATORS = re.compile(rf"[\s{_DASH_CLASS}()\[\]]+")
_ALLOWED = re.compile(rf"[0-9+\s{_DASH_CLASS}()\[\]]*")
# Separators between numbers in a list. Chinese "，" and "；" become "," and ";"
# under NFKC; "、" does not. Line breaks also separate entries.
_LIST_SEPARATORS = re.compile(r"[,;/、，；\r\n]+")


class PhoneError(ValueError):
    """A phone number failed validation.

    ``str(error)`` is a user-facing English sentence; ``error.code`` is one of
    ``"empty"``, ``"characters"``, ``"area_code"`` or ``"invalid"``.
    """

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return self.message


_PARSE_ERROR_MESSAGES: dict[int, str] = {
    NumberParseException.INVALID_COUNTRY_CODE: "Unknown country code in the phone number",
    NumberParseException.NOT_A_NUMBER: "This does not look like a phone number",
    NumberParseException.TOO_SHORT_AFTER_IDD: "Phone number is too short",
    NumberParseException.TOO_SHORT_NSN: "Phone number is too short",
    NumberParseException.TOO_LONG: "Phone number is too long",
}


def _clean(raw: str) -> str:
    """NFKC, check the characters, and return digits with an optional leading +."""
    text = unicodedata.normalize("NFKC", raw).strip()
    if not text:
        raise PhoneError("Enter a phone number", "empty")
    if not _ALLOWED.fullmatch(text):
        raise PhoneError(
            "Phone number may contain only digits, +, spaces, dashes and brackets",
            "characters",
        )
    compact = _SEPARATORS.sub("", text)
    if not compact.strip("+"):
        raise PhoneError("Enter a phone number", "empty")
    if "+" in compact[1:]:
        raise PhoneError("The + sign may only appear at the start of a phone number", "characters")
    return compact


def _invalid_message(digits: str, number: phonenumbers.PhoneNumber) -> PhoneError:
    if not digits.startswith("+"):
        if 7 <= len(digits) <= 8 and not digits.startswith("0"):
            return PhoneError("Landlines need the area code, e.g. 010-88886666", "area_code")
        if digits.startswith("1") and len(digits) >= 9 and len(digits) != 11:
            return PhoneError(f"Mobile numbers have 11 digits; got {len(digits)}", "invalid")
    if number.country_code == _CN_COUNTRY_CODE:
        return PhoneError(
            "Not a valid Chinese phone number: mobiles have 11 digits and "
            "landlines start with the area code, e.g. 010-88886666",
            "invalid",
        )
    return PhoneError(
        f"Not a valid phone number for country code +{number.country_code}", "invalid"
    )


def normalize_phone(raw: str) -> str:
    """Validate a phone number and return it in E.164 form.

    Numbers without a leading ``+`` are read as Chinese (region CN), so
    ``"010-88886666"`` gives ``"+861088886666"``. Raises :class:`PhoneError`.
    """
    digits = _clean(raw)
    try:
        number = phonenumbers.parse(digits, DEFAULT_REGION)
    except NumberParseException as exc:
        message = _PARSE_ERROR_MESSAGES.get(exc.error_type, "This is not a valid phone number")
        raise PhoneError(message, "invalid") from None
    if not phonenumbers.is_valid_number(number):
        raise _invalid_message(digits, number)
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """Return a number for display.

    Chinese numbers use the national form (``"138 1234 5678"``,
    ``"010 8888 6666"``); other countries the international form
    (``"+852 2123 4567"``). Text that cannot be parsed at all is returned
    unchanged, so displaying old data never fails.
    """
    try:
        number = phonenumbers.parse(e164, DEFAULT_REGION)
    except NumberParseException:
        return e164
    if number.country_code == _CN_COUNTRY_CODE:
        return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)


def parse_phone_list(raw: str | list[str]) -> list[str]:
    """Split, validate and normalise several phone numbers.

    Entries are separated by ``,`` ``;`` ``，`` ``；`` ``/`` ``、`` or line
    breaks; a list input has each item split the same way. Empty entries are
    skipped and duplicates dropped (first occurrence kept). Returns E.164
    strings; raises :class:`PhoneError` naming the first bad entry.
    """
    items = [raw] if isinstance(raw, str) else list(raw)
    result: list[str] = []
    seen: set[str] = set()
    for item in items:
        for part in _LIST_SEPARATORS.split(unicodedata.normalize("NFKC", item)):
            entry = part.strip()
            if not entry:
                continue
            try:
                e164 = normalize_phone(entry)
            except PhoneError as exc:
                raise PhoneError(f"{entry}: {exc.message}", exc.code) from None
            if e164 not in seen:
                seen.add(e164)
                result.append(e164)
    return result
