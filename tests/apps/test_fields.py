"""Business field checks: credit codes (GB 32100-2015), ids, text, amounts, periods, dates."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chains.apps.fields import (
    MAX_AMOUNT,
    USCC_ALPHABET,
    compute_uscc_check_character,
    get_amount_error,
    get_date_error,
    get_first_error,
    get_id_error,
    get_period_error,
    get_text_error,
    get_uscc_error,
)

# GB 32100-2015 independently of the module: the code characters are the
# digits and capitals without I, O, S, V, Z (31 of them, a prime), the weight
# of position i is 3^i mod 31, and the check character is the one whose value
# makes the weighted sum a multiple of 31.
REFERENCE_ALPHABET = "".join(c for c in string.digits + string.ascii_uppercase if c not in "IOSVZ")
REFERENCE_WEIGHTS = [pow(3, i, 31) for i in range(17)]


def reference_check_character(first17: str) -> str:
    total = sum(
        REFERENCE_ALPHABET.index(c) * w for c, w in zip(first17, REFERENCE_WEIGHTS, strict=True)
    )
    return REFERENCE_ALPHABET[-total % 31]


def test_the_alphabet_and_weights_are_the_standards() -> None:
    assert USCC_ALPHABET == REFERENCE_ALPHABET
    assert len(USCC_ALPHABET) == 31
    assert REFERENCE_WEIGHTS[:6] == [1, 3, 9, 27, 19, 26]


# Worked by hand (values: digits as themselves, M=21, X=29, Y=30):
#   91350100M000100Y4: 9*1 + 1*3 + 3*9 + 5*27 + 0*19 + 1*26 + 0 + 0 + 21*20 + 0 + 0 + 0
#                      + 1*8 + 0 + 0 + 30*30 + 4*28 = 1640 = 31*52 + 28 -> 31 - 28 = 3
#   914403001922038216 (Huawei Technologies): sum 831 = 31*26 + 25 -> 6
#   9144030071526726XG (Shenzhen Tencent Computer Systems): sum 1782 = 31*57 + 15 -> 16 = G
KNOWN_VALID = ["91350100M000100Y43", "914403001922038216", "9144030071526726XG"]


@pytest.mark.parametrize("uscc", KNOWN_VALID)
def test_real_credit_codes_are_valid(uscc: str) -> None:
    assert get_uscc_error(uscc) == ""
    assert compute_uscc_check_character(uscc[:17]) == uscc[17]


def test_a_sum_divisible_by_31_has_check_character_0() -> None:
    # 1*1 + 10*3 = 31: "1A" followed by zeros sums to a multiple of 31.
    first17 = "1A" + "0" * 15
    assert compute_uscc_check_character(first17) == "0"
    assert get_uscc_error(first17 + "0") == ""


@pytest.mark.parametrize(
    "uscc",
    [
        "91350100M000100Y44",  # wrong check character
        "91350100M000100Y4",  # 17 characters
        "91350100M000100Y433",  # 19
        "91350100m000100Y43",  # lowercase
        "91350100O000100Y43",  # O is not a code character
        "91350100M000100Y4I",
        "",
        "９1350100M000100Y43",  # a full-width digit
    ],
)
def test_malformed_credit_codes_are_refused(uscc: str) -> None:
    assert get_uscc_error(uscc)


code_bodies = st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17)


@given(code_bodies)
def test_the_check_character_matches_the_reference(first17: str) -> None:
    assert compute_uscc_check_character(first17) == reference_check_character(first17)
    assert get_uscc_error(first17 + reference_check_character(first17)) == ""


@given(code_bodies, st.integers(min_value=0, max_value=16), st.sampled_from(USCC_ALPHABET))
def test_any_single_substitution_is_detected(first17: str, position: int, char: str) -> None:
    # Every weight is non-zero modulo the prime 31, so one changed character
    # always changes the sum modulo 31, and with it the check character.
    valid = first17 + compute_uscc_check_character(first17)
    changed = valid[:position] + char + valid[position + 1 :]
    assert (get_uscc_error(changed) == "") == (changed == valid)


@pytest.mark.parametrize("value", ["a", "tax-bureau", "044031900111", "X:2025-Q1:vat", "a." * 64])
def test_good_ids(value: str) -> None:
    assert get_id_error(value) == ""


@pytest.mark.parametrize(
    "value", ["", "-lead", ".x", "has space", "a/b", "ü", "x\n", "a" * 129, "ａ"]
)
def test_bad_ids(value: str) -> None:
    assert "my id" in get_id_error(value, "my id")


def test_text() -> None:
    assert get_text_error("Acme", "name") == ""
    assert get_text_error("", "name", required=False) == ""
    assert "must not be empty" in get_text_error(" \t", "name")
    assert get_text_error("x" * 512, "name") == ""
    assert "at most 512" in get_text_error("x" * 513, "name", required=False)


@pytest.mark.parametrize(
    ("value", "allow_zero", "ok"),
    [
        (0, True, True),
        (0, False, False),
        (1, False, True),
        (MAX_AMOUNT, True, True),
        (MAX_AMOUNT + 1, True, False),
        (-1, True, False),
    ],
)
def test_amounts(value: int, allow_zero: bool, ok: bool) -> None:
    assert (get_amount_error(value, "amount", allow_zero) == "") == ok


@pytest.mark.parametrize("period", ["2025", "2025-Q1", "2025-Q4", "2025-01", "2025-12"])
def test_good_periods(period: str) -> None:
    assert get_period_error(period) == ""


@pytest.mark.parametrize(
    "period",
    [
        "",
        "25",
        "2025-",
        "2025-Q0",
        "2025-Q5",
        "2025-q1",
        "2025-00",
        "2025-13",
        "2025-7",
        "2025/07",
        "2025-07-01",
        " 2025",
        "٢٠٢٥",  # Arabic-Indic digits are digits to \d, not to a tax period
        "２０２５-07",  # full-width digits
    ],
)
def test_bad_periods(period: str) -> None:
    assert get_period_error(period)


@pytest.mark.parametrize("date", ["2025-01-01", "2024-02-29", "2025-12-31", "2000-02-29"])
def test_good_dates(date: str) -> None:
    assert get_date_error(date) == ""


@pytest.mark.parametrize(
    "date",
    [
        "2025-02-30",
        "2025-02-29",
        "1900-02-29",
        "2025-04-31",
        "2025-13-01",
        "2025-00-10",
        "2025-1-01",
        "20250101",
        "2025-01-01T00:00",
        "0000-01-01",
        "٢٠٢٥-01-01",
        "",
    ],
)
def test_bad_dates(date: str) -> None:
    assert "issued_on" in get_date_error(date, "issued_on")


def test_first_error() -> None:
    assert get_first_error("", "", "") == ""
    assert get_first_error("", "b", "c") == "b"
