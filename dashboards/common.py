"""What every dashboard page shares: the consortium it reads, cached clients and data, and
errors shown as a person can act on them (never a traceback).

The consortium directory comes from the environment (``CONSORTIUM_DIR``, set by
``consortium dashboard`` and ``make demo``), default ``./consortium``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import streamlit as st

from chains.consortium import Consortium
from chains.core.errors import ConsortiumError, ErrorCode
from chains.runtime.client import NodeError
from dashboards.data import DEFAULT_DIR, get_consortium

T = TypeVar("T")
ENV_DIR = "CONSORTIUM_DIR"
DATA_TTL_S = 2
"""How long a page keeps what it read: short, the chains move on."""

ADVICE: dict[ErrorCode, str] = {
    ErrorCode.ERROR_CODE_UNSPECIFIED: (
        "The node does not answer. Is the consortium running? Start it with "
        "`consortium up DIR` (or `make demo`), then reload."
    ),
    ErrorCode.INVALID_CONFIG: (
        "There is no consortium in that directory. Set CONSORTIUM_DIR, or run "
        "`consortium dashboard DIR` with the directory `consortium up` created."
    ),
    ErrorCode.NOT_FOUND: "Nothing by that id on the chain: check the id and try again.",
    ErrorCode.RECORD_NOT_FOUND: "Nothing by that id on the chain: check the id and try again.",
    ErrorCode.CONSENT_USED: "This consent was used already; the enterprise signs a new one.",
    ErrorCode.CONSENT_REVOKED: "The enterprise revoked this consent.",
    ErrorCode.CONSENT_EXPIRED: "The consent expired; the enterprise signs a new one.",
    ErrorCode.LOAN_ALREADY_DECIDED: "The application is decided already.",
    ErrorCode.RECORD_EXISTS: "That id is taken: choose another.",
}


def get_dir() -> Path:
    """The consortium directory the dashboards read."""
    return Path(os.environ.get(ENV_DIR) or DEFAULT_DIR)


@st.cache_resource
def load_consortium(root: str) -> Consortium:
    """The consortium's layout (read once per directory)."""
    return get_consortium(root)


def describe_error(error: Exception) -> tuple[str, str]:
    """The stable code (or status) of ``error`` and what to do about it."""
    code = getattr(error, "code", ErrorCode.ERROR_CODE_UNSPECIFIED)
    name = code.name
    status = getattr(error, "status", None)
    if code == ErrorCode.ERROR_CODE_UNSPECIFIED and status is not None:
        name = getattr(status, "name", str(status))
    advice = ADVICE.get(code, "The chain refused this; the message says why.")
    return name, advice


def show_error(error: Exception) -> None:
    """Show a refusal or an unreachable node: its code, its message, what to do."""
    name, advice = describe_error(error)
    message = getattr(error, "message", str(error))
    st.error(f"**{name}**: {message}\n\n{advice}", icon="⚠️")


def attempt(action: Callable[[], T]) -> T | None:
    """``action()``, or None after showing its error (ConsortiumError and NodeError only;
    anything else is a bug and propagates)."""
    try:
        return action()
    except (NodeError, ConsortiumError) as error:
        show_error(error)
        return None


def require_consortium() -> Consortium:
    """The consortium, or stop the page with an error saying how to start one."""
    consortium = attempt(lambda: load_consortium(str(get_dir())))
    if consortium is None:
        st.stop()
    return consortium
