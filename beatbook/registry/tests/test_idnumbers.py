"""Table-driven tests for beatbook.registry.idnumbers (no Django needed)."""

from __future__ import annotations

import dataclasses
import datetime
import random

import pytest

from beatbook.registry.idnumbers import (
    IdInfo,
    IdNumberError,
    check_character,
    id_key,
    mask_id_number,
    normalize_id_text,
    parse_id_number,
    upgrade_15_to_18,
)

TODAY = datetime.date(2024, 6, 15)
FOREIGNER_REGION = "Unknown issuing region code {} in a foreigner's permanent residence ID number"


def ref_check(first17: str) -> str:
    """Independent ISO 7064 MOD 11-2: weight of position i is 2**(17 - i) mod 11."""
    total = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(first17))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def make(first17: str) -> str:
    """A checksum-valid 18-character number from its first 17 digits."""
    assert len(first17) == 17 and first17.isascii() and first17.isdigit()
    return first17 + ref_check(first17)


def with_bad_check(first17: str) -> str:
    good = ref_check(first17)
    return first17 + ("0" if good != "0" else "1")


# --- the reference implementation itself, against hand-verified literals ------


@pytest.mark.parametrize(
    "number",
    [
        "11010519491231002X",  # GB 11643 example, X check character
        "440524188001010014",  # GB 11643 example, digit check character
    ],
)
def test_reference_check_matches_known_samples(number: str) -> None:
    assert ref_check(number[:17]) == number[17]


# --- normalize_id_text ---------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("11010519491231002X", "11010519491231002X"),
        ("11010519491231002x", "11010519491231002X"),
        ("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X"),
        ("１１０１０５１９４９１２３１００２ｘ", "11010519491231002X"),
        ("110105 1949 1231 002X", "11010519491231002X"),
        ("110105\u300019491231\u3000002X", "11010519491231002X"),
        ("  110105\t19491231\n002x \r\n", "11010519491231002X"),
        ("\u200b11010519491231002X\ufeff", "11010519491231002X"),  # zero-width, BOM
        ("", ""),
        ("   \u3000", ""),
        ("abc-12", "ABC-12"),  # does not validate
    ],
)
def test_normalize_id_text(raw: str, expected: str) -> None:
    assert normalize_id_text(raw) == expected


# --- parse_id_number: valid numbers ----------------------------------------------


@pytest.mark.parametrize(
    ("raw", "number", "kind", "birth", "sex", "upgraded"),
    [
        # 18-character resident numbers, X and digit check characters
        (
            "11010519491231002X",
            "11010519491231002X",
            "resident",
            datetime.date(1949, 12, 31),
            "F",
            False,
        ),
        (
            make("15010219900307123"),
            make("15010219900307123"),
            "resident",
            datetime.date(1990, 3, 7),
            "M",
            False,
        ),
        (
            make("65010120240615001"),
            make("65010120240615001"),
            "resident",
            TODAY,  # born today is fine
            "M",
            False,
        ),
        (
            make("71000019800101002"),
            make("71000019800101002"),
            "resident",  # 71 = Taiwan province code
            datetime.date(1980, 1, 1),
            "F",
            False,
        ),
        # lower-case x, full-width characters, spaces of all kinds
        (
            "11010519491231002x",
            "11010519491231002X",
            "resident",
            datetime.date(1949, 12, 31),
            "F",
            False,
        ),
        (
            "１１０１０５１９４９１２３１００２ｘ",
            "11010519491231002X",
            "resident",
            datetime.date(1949, 12, 31),
            "F",
            False,
        ),
        (
            " 110105\u300019491231 002X\t",
            "11010519491231002X",
            "resident",
            datetime.date(1949, 12, 31),
            "F",
            False,
        ),
        # leap day in a leap year (2000 is divisible by 400)
        (
            make("32010220000229005"),
            make("32010220000229005"),
            "resident",
            datetime.date(2000, 2, 29),
            "M",
            False,
        ),
        # earliest accepted birth date
        (
            make("11010119000101008"),
            make("11010119000101008"),
            "resident",
            datetime.date(1900, 1, 1),
            "F",
            False,
        ),
        # residence permits: Hong Kong, Macao, Taiwan
        (
            make("81000019900101123"),
            make("81000019900101123"),
            "hkmo",
            datetime.date(1990, 1, 1),
            "M",
            False,
        ),
        (
            make("82000019851231456"),
            make("82000019851231456"),
            "hkmo",
            datetime.date(1985, 12, 31),
            "F",
            False,
        ),
        (
            make("83000020010704789"),
            make("83000020010704789"),
            "tw",
            datetime.date(2001, 7, 4),
            "M",
            False,
        ),
        # foreigner's permanent residence ID (2023): 9, province 11, nationality 156
        (
            make("91115619880808001"),
            make("91115619880808001"),
            "foreigner",
            datetime.date(1988, 8, 8),
            "M",
            False,
        ),
        (
            make("93184020000229002"),
            make("93184020000229002"),
            "foreigner",
            datetime.date(2000, 2, 29),
            "F",
            False,
        ),
        # legacy 15-digit numbers, upgraded
        (
            "110105491231002",
            "11010519491231002X",
            "resident",
            datetime.date(1949, 12, 31),
            "F",
            True,
        ),
        (
            "１１０１０５ ４９１２３１ ００２",
            "11010519491231002X",
            "resident",
            datetime.date(1949, 12, 31),
            "F",
            True,
        ),
        (
            "150102900307123",
            make("15010219900307123"),
            "resident",
            datetime.date(1990, 3, 7),
            "M",
            True,
        ),
    ],
)
def test_parse_valid(
    raw: str,
    number: str,
    kind: str,
    birth: datetime.date,
    sex: str,
    upgraded: bool,
) -> None:
    info = parse_id_number(raw, today=TODAY)
    assert info == IdInfo(
        number=number, kind=kind, birth_date=birth, sex=sex, upgraded_from_15=upgraded
    )


def test_parse_accepts_datetime_as_today() -> None:
    info = parse_id_number(make("11010120240615001"), today=datetime.datetime(2024, 6, 15, 23, 59))
    assert info.birth_date == TODAY


def test_parse_defaults_today_to_date_today() -> None:
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    number = make(f"110101{tomorrow:%Y%m%d}001")
    with pytest.raises(IdNumberError) as excinfo:
        parse_id_number(number)
    assert excinfo.value.code == "future"
    assert parse_id_number(number, today=tomorrow).birth_date == tomorrow


def test_id_info_is_frozen() -> None:
    info = parse_id_number("11010519491231002X", today=TODAY)
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.number = "x"  # type: ignore[misc]


# --- parse_id_number: failures ---------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "code", "message"),
    [
        # length
        ("", "length", "ID number is empty"),
        (" \u3000 ", "length", "ID number is empty"),
        (
            "11010519491231002",
            "length",
            "ID number must have 18 characters (or 15 for an old card); got 17",
        ),
        (
            "1101051949123100X",
            "length",
            "ID number must have 18 characters (or 15 for an old card); got 17",
        ),
        (
            "11010519491231002X1",
            "length",
            "ID number must have 18 characters (or 15 for an old card); got 19",
        ),
        (
            "11010549123100",
            "length",
            "ID number must have 18 characters (or 15 for an old card); got 14",
        ),
        (
            "1101054912310021",
            "length",
            "ID number must have 18 characters (or 15 for an old card); got 16",
        ),
        # characters
        (
            "11010519491231002A",
            "characters",
            "ID number may contain only digits, with X allowed as the last character",
        ),
        (
            "110105-19491231-002X",
            "characters",
            "ID number may contain only digits, with X allowed as the last character",
        ),
        (
            "1101051949123100X2",
            "characters",
            "ID number may contain only digits, with X allowed as the last character",
        ),
        (
            "11010549123100X",
            "characters",
            "ID number may contain only digits, with X allowed as the last character",
        ),
        (
            "\u0661" * 18,  # Arabic-Indic digits are not ASCII digits
            "characters",
            "ID number may contain only digits, with X allowed as the last character",
        ),
        # checksum
        (
            "110105194912310021",
            "checksum",
            "Check character is wrong: expected X, got 1 \N{EM DASH} check for a typo",
        ),
        (with_bad_check("15010219900307123"), "checksum", None),
        (with_bad_check("81000019900101123"), "checksum", None),
        (with_bad_check("91115619880808001"), "checksum", None),
        # impossible dates
        (
            make("11010519900230123"),
            "birth_date",
            "Birth date 19900230 in the ID number is not a real date",
        ),
        (
            make("11010519000229123"),
            "birth_date",
            "Birth date 19000229 in the ID number is not a real date",
        ),
        (
            make("11010520010229123"),
            "birth_date",
            "Birth date 20010229 in the ID number is not a real date",
        ),
        (
            make("11010519901301123"),
            "birth_date",
            "Birth date 19901301 in the ID number is not a real date",
        ),
        (
            make("11010519900100123"),
            "birth_date",
            "Birth date 19900100 in the ID number is not a real date",
        ),
        (
            make("11010519900431123"),
            "birth_date",
            "Birth date 19900431 in the ID number is not a real date",
        ),
        (
            make("11010500000101123"),
            "birth_date",
            "Birth date 00000101 in the ID number is not a real date",
        ),
        (
            "110105900230123",
            "birth_date",
            "Birth date 19900230 in the ID number is not a real date",
        ),
        (
            "110105000229123",
            "birth_date",
            "Birth date 19000229 in the ID number is not a real date",
        ),
        (
            make("83000019900230123"),
            "birth_date",
            "Birth date 19900230 in the ID number is not a real date",
        ),
        (
            make("91115620010229001"),
            "birth_date",
            "Birth date 20010229 in the ID number is not a real date",
        ),
        # before 1900 (the checksum-valid GB 11643 sample is from 1880)
        (
            "440524188001010014",
            "birth_date",
            "Birth date 18800101 in the ID number is before 1900",
        ),
        (
            make("11010518991231123"),
            "birth_date",
            "Birth date 18991231 in the ID number is before 1900",
        ),
        # future, relative to TODAY = 2024-06-15
        (
            make("11010520240616123"),
            "future",
            "Birth date in the ID number is in the future",
        ),
        (
            make("81000020300101123"),
            "future",
            "Birth date in the ID number is in the future",
        ),
        # region
        (make("99010519900101123"), "region", "Unknown region code 99"),
        (make("00010519900101123"), "region", "Unknown region code 00"),
        (make("16010519900101123"), "region", "Unknown region code 16"),
        (make("70010519900101123"), "region", "Unknown region code 70"),
        (make("72010519900101123"), "region", "Unknown region code 72"),
        (make("80000019900101123"), "region", "Unknown region code 80"),
        (make("84000019900101123"), "region", "Unknown region code 84"),
        ("990105900101123", "region", "Unknown region code 99"),
        ("810000900101123", "region", "Unknown region code 81"),  # no 15-digit permits
        (make("90015619900101001"), "region", "Unknown region code 90"),
        (make("91615619900101001"), "region", FOREIGNER_REGION.format("16")),
        (make("97115619900101001"), "region", "Unknown region code 97"),
    ],
)
def test_parse_invalid(raw: str, code: str, message: str | None) -> None:
    with pytest.raises(IdNumberError) as excinfo:
        parse_id_number(raw, today=TODAY)
    error = excinfo.value
    assert isinstance(error, ValueError)
    assert error.code == code
    if message is not None:
        assert str(error) == message
    assert str(error)  # always a readable message


def test_checksum_message_names_both_characters() -> None:
    first17 = "15010219900307123"
    good = ref_check(first17)
    bad = "0" if good != "0" else "1"
    with pytest.raises(IdNumberError) as excinfo:
        parse_id_number(first17 + bad, today=TODAY)
    assert str(excinfo.value) == (
        f"Check character is wrong: expected {good}, got {bad} \N{EM DASH} check for a typo"
    )


def test_single_digit_typo_is_always_caught() -> None:
    number = make("15010219900307123")
    for position in range(17):
        for digit in "0123456789":
            if digit == number[position]:
                continue
            typo = number[:position] + digit + number[position + 1 :]
            with pytest.raises(IdNumberError):
                parse_id_number(typo, today=TODAY)


# --- check_character -------------------------------------------------------------

_rng = random.Random(11643)
_RANDOM_BODIES = ["".join(_rng.choice("0123456789") for _ in range(17)) for _ in range(200)]


@pytest.mark.parametrize(
    ("first17", "expected"),
    [
        ("11010519491231002", "X"),
        ("44052418800101001", "4"),
        ("00000000000000000", "1"),
    ],
)
def test_check_character_known(first17: str, expected: str) -> None:
    assert check_character(first17) == expected


def test_check_character_matches_reference() -> None:
    results = {check_character(body) for body in _RANDOM_BODIES}
    for body in _RANDOM_BODIES:
        assert check_character(body) == ref_check(body)
    assert "X" in results and len(results) == 11  # every check value was exercised


@pytest.mark.parametrize(
    "bad", ["", "1101051949123100", "110105194912310021", "1101051949123100A", "١" * 17]
)
def test_check_character_rejects_bad_input(bad: str) -> None:
    with pytest.raises(IdNumberError):
        check_character(bad)


# --- upgrade_15_to_18 ------------------------------------------------------------


@pytest.mark.parametrize(
    ("number15", "expected"),
    [
        ("110105491231002", "11010519491231002X"),
        ("150102900307123", make("15010219900307123")),
        ("440524800101001", make("44052419800101001")),
    ],
)
def test_upgrade_15_to_18(number15: str, expected: str) -> None:
    assert upgrade_15_to_18(number15) == expected


@pytest.mark.parametrize("bad", ["", "11010549123100", "1101054912310021", "11010549123100X"])
def test_upgrade_15_to_18_rejects_bad_input(bad: str) -> None:
    with pytest.raises(IdNumberError):
        upgrade_15_to_18(bad)


# --- mask_id_number --------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("150102199003071234", "1501**********1234"),
        ("11010519491231002X", "1101**********002X"),
        ("11010519491231002x", "1101**********002X"),
        ("110105491231002", "1101*******1002"),
        ("1234567890", "12******90"),
        ("12345678", "1******8"),
        ("1234567", "*******"),
        ("1", "*"),
        ("", ""),
    ],
)
def test_mask_id_number(number: str, expected: str) -> None:
    assert mask_id_number(number) == expected


@pytest.mark.parametrize("length", range(0, 40))
def test_mask_never_reveals_more_than_eight(length: int) -> None:
    text = "1234567890" * 4
    masked = mask_id_number(text[:length])
    assert len(masked) == length
    assert sum(ch != "*" for ch in masked) <= 8
    if length:
        assert "*" in masked


# --- id_key ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "variant",
    [
        "11010519491231002X",
        "11010519491231002x",
        "１１０１０５１９４９１２３１００２Ｘ",
        "１１０１０５１９４９１２３１００２ｘ",
        " 110105 19491231 002X ",
        "110105\u300019491231\u3000002x",
        "110105491231002",
        "１１０１０５４９１２３１００２",
        "110105 491231 002",
    ],
)
def test_id_key_equates_variants(variant: str) -> None:
    assert id_key(variant) == "11010519491231002X"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", ""),
        ("  ", ""),
        ("110105194912310021", "110105194912310021"),  # bad checksum: unchanged
        ("1101051949123100x", "1101051949123100X"),  # wrong length: normalised only
        ("１２３ abc", "123ABC"),
        ("990105900101123", "990105900101123"),  # 15 digits, bad region: not upgraded
        ("440524188001010014", "440524188001010014"),  # pre-1900
    ],
)
def test_id_key_invalid_is_normalised_unchanged(raw: str, expected: str) -> None:
    assert id_key(raw) == expected


def test_id_key_distinguishes_different_people() -> None:
    assert id_key(make("15010219900307123")) != id_key(make("15010219900307133"))
