"""Table-driven tests for beatbook.registry.phones (no Django needed)."""

from __future__ import annotations

import pytest

from beatbook.registry.phones import PhoneError, format_phone, normalize_phone, parse_phone_list

CHARACTERS = "Phone number may contain only digits, +, spaces, dashes and brackets"
AREA_CODE = "Landlines need the area code, e.g. 010-88886666"
NOT_CN = (
    "Not a valid Chinese phone number: mobiles have 11 digits and "
    "landlines start with the area code, e.g. 010-88886666"
)

# --- normalize_phone: accepted ---------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # mobiles
        ("13812345678", "+8613812345678"),
        ("+86 138 1234 5678", "+8613812345678"),
        ("+8613812345678", "+8613812345678"),
        ("138-1234-5678", "+8613812345678"),
        ("138 1234 5678", "+8613812345678"),
        ("  13812345678  ", "+8613812345678"),
        ("86 13812345678", "+8613812345678"),  # phonenumbers strips the country code
        ("0086 138 1234 5678", "+8613812345678"),  # 00 international prefix
        ("(+86) 138-1234-5678", "+8613812345678"),
        ("[+86] 13812345678", "+8613812345678"),
        ("138\u20131234\u20135678", "+8613812345678"),  # en dashes
        ("19912345678", "+8619912345678"),
        # full-width digits, signs, brackets and ideographic spaces (NFKC)
        ("１３８１２３４５６７８", "+8613812345678"),
        ("＋８６　１３８　１２３４　５６７８", "+8613812345678"),
        ("１３８－１２３４－５６７８", "+8613812345678"),
        ("（０１０）８８８８－６６６６", "+861088886666"),
        # landlines with area code
        ("(010) 8888-6666", "+861088886666"),
        ("010-88886666", "+861088886666"),
        ("01088886666", "+861088886666"),
        ("+86 10 8888 6666", "+861088886666"),
        ("+86 010 8888 6666", "+861088886666"),  # stray trunk 0 after +86
        ("0471-1234567", "+864711234567"),
        ("020-12345678", "+862012345678"),
        ("0755 1234 5678", "+8675512345678"),
        # service numbers
        ("400-820-8820", "+864008208820"),
        # other countries, with +
        ("+852 2123 4567", "+85221234567"),
        ("+1 650 253 0000", "+16502530000"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_normalize_phone_valid(raw: str, expected: str) -> None:
    assert normalize_phone(raw) == expected


# --- normalize_phone: rejected ---------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "code", "message"),
    [
        # empty
        ("", "empty", "Enter a phone number"),
        ("   ", "empty", "Enter a phone number"),
        ("\u3000", "empty", "Enter a phone number"),
        ("( ) -", "empty", "Enter a phone number"),
        ("+", "empty", "Enter a phone number"),
        # characters
        ("abc", "characters", CHARACTERS),
        ("138.1234.5678", "characters", CHARACTERS),
        ("138 1234 5678 ext 12", "characters", CHARACTERS),
        ("13812345678转12", "characters", CHARACTERS),
        ("138/1234/5678", "characters", CHARACTERS),
        ("138_1234_5678", "characters", CHARACTERS),
        ("tel:13812345678", "characters", CHARACTERS),
        ("138#12345678", "characters", CHARACTERS),
        ("\u0661\u0663\u0668", "characters", CHARACTERS),  # non-ASCII digits
        (
            "138+12345678",
            "characters",
            "The + sign may only appear at the start of a phone number",
        ),
        (
            "++8613812345678",
            "characters",
            "The + sign may only appear at the start of a phone number",
        ),
        # landline without area code
        ("88886666", "area_code", AREA_CODE),
        ("8888-6666", "area_code", AREA_CODE),
        ("1234567", "area_code", AREA_CODE),
        ("８８８８６６６６", "area_code", AREA_CODE),
        # wrong mobile length
        ("1381234567", "invalid", "Mobile numbers have 11 digits; got 10"),
        ("138123456789", "invalid", "Mobile numbers have 11 digits; got 12"),
        # otherwise invalid
        ("12345", "invalid", NOT_CN),
        ("12012345678", "invalid", NOT_CN),
        ("+86 12345", "invalid", NOT_CN),
        ("+86 852 21234567", "invalid", NOT_CN),
        ("+1 555 0000", "invalid", "Not a valid phone number for country code +1"),
        ("+999 123456", "invalid", "Unknown country code in the phone number"),
        ("0", "invalid", "This does not look like a phone number"),
        ("1" * 40, "invalid", "Phone number is too long"),
    ],
)
def test_normalize_phone_invalid(raw: str, code: str, message: str) -> None:
    with pytest.raises(PhoneError) as excinfo:
        normalize_phone(raw)
    error = excinfo.value
    assert isinstance(error, ValueError)
    assert error.code == code
    assert str(error) == message


# --- format_phone ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("e164", "expected"),
    [
        ("+8613812345678", "138 1234 5678"),
        ("+861088886666", "010 8888 6666"),
        ("+864711234567", "0471 123 4567"),
        ("+862012345678", "020 1234 5678"),
        ("+864008208820", "400 820 8820"),
        ("+85221234567", "+852 2123 4567"),
        ("+16502530000", "+1 650-253-0000"),
        ("+442079460958", "+44 20 7946 0958"),
        ("not a number", "not a number"),  # unparseable: shown unchanged
        ("", ""),
    ],
)
def test_format_phone(e164: str, expected: str) -> None:
    assert format_phone(e164) == expected


@pytest.mark.parametrize(
    "raw", ["13812345678", "(010) 8888-6666", "0471-1234567", "+852 2123 4567"]
)
def test_format_round_trips(raw: str) -> None:
    e164 = normalize_phone(raw)
    assert normalize_phone(format_phone(e164)) == e164


# --- parse_phone_list ------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", []),
        ("   ", []),
        (" , ;，；/、 ", []),
        ([], []),
        (["", "  "], []),
        ("13812345678", ["+8613812345678"]),
        ("13812345678, 010-88886666", ["+8613812345678", "+861088886666"]),
        ("13812345678;010-88886666", ["+8613812345678", "+861088886666"]),
        ("13812345678，010-88886666", ["+8613812345678", "+861088886666"]),
        ("13812345678；010-88886666", ["+8613812345678", "+861088886666"]),
        ("13812345678/010-88886666", ["+8613812345678", "+861088886666"]),
        ("13812345678、010-88886666", ["+8613812345678", "+861088886666"]),
        ("13812345678\n010-88886666", ["+8613812345678", "+861088886666"]),
        (
            "13812345678，138 1234 5678；+86 138-1234-5678、0471-1234567/13812345678",
            ["+8613812345678", "+864711234567"],
        ),
        (
            "010-88886666, 13812345678, 01088886666",
            ["+861088886666", "+8613812345678"],
        ),
        (
            ["13812345678", "010-88886666; 0471-1234567", "１３８１２３４５６７８"],
            ["+8613812345678", "+861088886666", "+864711234567"],
        ),
        ("13812345678,,;;，，", ["+8613812345678"]),
    ],
)
def test_parse_phone_list(raw: str | list[str], expected: list[str]) -> None:
    assert parse_phone_list(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code", "message"),
    [
        ("13812345678, 12345", "invalid", f"12345: {NOT_CN}"),
        ("13812345678；88886666", "area_code", f"88886666: {AREA_CODE}"),
        (["13812345678", "abc"], "characters", f"abc: {CHARACTERS}"),
    ],
)
def test_parse_phone_list_invalid(raw: str | list[str], code: str, message: str) -> None:
    with pytest.raises(PhoneError) as excinfo:
        parse_phone_list(raw)
    assert excinfo.value.code == code
    assert str(excinfo.value) == message
