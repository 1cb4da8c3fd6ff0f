"""The CI switch turns a skip for a missing external program into a failure."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = textwrap.dedent(
    """
    from conftest import require_external

    def test_needs_missing_program():
        require_external("no-such-program-xyz", "the probe")
    """
)


def run_probe(tmp_path: Path, env_value: str | None) -> subprocess.CompletedProcess:
    probe = tmp_path / "test_probe.py"
    probe.write_text(PROBE)
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT / "tests")}
    if env_value is not None:
        env["CONSORTIUM_REQUIRE_EXTERNAL"] = env_value
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(probe)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )


def test_missing_program_skips_on_a_developer_machine(tmp_path: Path) -> None:
    result = run_probe(tmp_path, None)
    assert result.returncode == 0, result.stdout
    assert "1 skipped" in result.stdout


def test_missing_program_fails_in_ci(tmp_path: Path) -> None:
    result = run_probe(tmp_path, "1")
    assert result.returncode == 1, result.stdout
    assert "may not skip" in result.stdout
