"""Shared test set-up.

Suites that need an external program (a PostgreSQL server, a browser) call
:func:`require_external`. On a developer's machine a missing program skips the
test with the reason; in CI (``CONSORTIUM_REQUIRE_EXTERNAL=1``, set by
``.ci/run``) it fails instead, so that nothing skips quietly.
"""

from __future__ import annotations

import os
import shutil

import pytest

REQUIRE_EXTERNAL_ENV = "CONSORTIUM_REQUIRE_EXTERNAL"


def is_external_required() -> bool:
    """True when skipping for a missing external program must fail the run (CI)."""
    return os.environ.get(REQUIRE_EXTERNAL_ENV, "") not in ("", "0", "false")


def require_external(program: str, why: str) -> str:
    """Return the path of ``program``, or skip (locally) / fail (CI) when it is missing."""
    path = shutil.which(program) or (program if os.path.exists(program) else None)
    if path:
        return path
    message = f"{program} is not installed; needed for {why}"
    if is_external_required():
        pytest.fail(f"{message} ({REQUIRE_EXTERNAL_ENV} is set, so this may not skip)")
    pytest.skip(message)
