"""Checks of business field values shared by the chains' applications (pure).

Each ``get_*_error`` returns why a value is unusable, or "" when it is fine,
so that a payload check can name the field that is wrong. The applications
refuse such payloads with INVALID_FIELD_VALUE before anything is written.
"""

from __future__ import annotations

import datetime
import re

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The 31 characters of a unified social credit code (GB 32100-2015: no I, O, Z, S, V)."""
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
USCC_LEN = 18

MAX_ID_LEN = 128
MAX_TEXT_LEN = 512
MAX_AMOUNT = 10**15
"""Amounts are integers in fen (0.01 yuan); ten trillion yuan is far above any real one."""

_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
# [0-9], not \d: \d also matches other scripts' digits (e.g. "٢٠٢٥" would pass as a year).
_PERIOD_PATTERN = re.compile(r"([0-9]{4})(?:-(Q[1-4]|0[1-9]|1[0-2]))?")
_DATE_PATTERN = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])")


def compute_uscc_check_character(first17: str) -> str:
    """The 18th character of a unified social credit code, from its first 17 (GB 32100-2015)."""
    total = sum(
        USCC_ALPHABET.index(char) * w for char, w in zip(first17, USCC_WEIGHTS, strict=True)
    )
    return USCC_ALPHABET[(31 - total % 31) % 31]


def get_uscc_error(uscc: str) -> str:
    """Why ``uscc`` is not a unified social credit code (18 characters, valid check character)."""
    if len(uscc) != USCC_LEN or any(char not in USCC_ALPHABET for char in uscc):
        return f"a unified social credit code is {USCC_LEN} characters of {USCC_ALPHABET}"
    if compute_uscc_check_character(uscc[:17]) != uscc[17]:
        return f"{uscc} fails the check character of GB 32100-2015"
    return ""


def get_id_error(value: str, what: str = "an id") -> str:
    """Why ``value`` is not a record or organisation id (1-128 of A-Z a-z 0-9 . _ : -)."""
    if not _ID_PATTERN.fullmatch(value):
        return f"{what} must be 1 to {MAX_ID_LEN} characters of A-Z a-z 0-9 . _ : - (got {value!r})"
    return ""


def get_text_error(value: str, what: str, required: bool = True) -> str:
    """Why ``value`` is not usable free text (non-empty when required, at most 512 characters)."""
    if required and not value.strip():
        return f"{what} must not be empty"
    if len(value) > MAX_TEXT_LEN:
        return f"{what} must be at most {MAX_TEXT_LEN} characters"
    return ""


def get_amount_error(value: int, what: str, allow_zero: bool = True) -> str:
    """Why ``value`` is not an amount in fen (0, or 1 when not ``allow_zero``, to 10^15)."""
    low = 0 if allow_zero else 1
    if not low <= value <= MAX_AMOUNT:
        return f"{what} must be between {low} and {MAX_AMOUNT} fen, not {value}"
    return ""


def get_period_error(period: str) -> str:
    """Why ``period`` is not a tax or reporting period: ``2025``, ``2025-Q3`` or ``2025-07``."""
    if not _PERIOD_PATTERN.fullmatch(period):
        return f"a period is YYYY, YYYY-Qn or YYYY-MM, not {period!r}"
    return ""


def get_date_error(date: str, what: str = "a date") -> str:
    """Why ``date`` is not an ISO calendar date ``YYYY-MM-DD`` that exists."""
    if not _DATE_PATTERN.fullmatch(date):
        return f"{what} is YYYY-MM-DD, not {date!r}"
    try:
        datetime.date.fromisoformat(date)
    except ValueError:
        return f"{what} {date!r} is not a day of the calendar"
    return ""


def get_first_error(*problems: str) -> str:
    """The first non-empty problem, or ""."""
    return next((problem for problem in problems if problem), "")
