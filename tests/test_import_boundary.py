"""The pure core (and the relay's verifier) never touches the outside world.

DESIGN §4: chains/core has no sockets, clocks, randomness, threads or database
handles, so that consensus can be simulated deterministically. The relay's
light clients and verifiers are pure too; only the relayer daemon does I/O.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

FORBIDDEN = {
    "grpc",
    "sqlalchemy",
    "streamlit",
    "asyncio",
    "threading",
    "multiprocessing",
    "subprocess",
    "socket",
    "time",
    "random",
    "secrets",
}

# Modules of relay/ that are allowed to do I/O (the relayer daemon and its CLI).
RELAY_IO_MODULES = {"daemon.py", "relayer.py", "metrics.py"}


# The chains' applications are deterministic state machines too (DESIGN §4);
# only building a bundle from a node (chains/apps/bundle.py) talks to one.
APPLICATION_DIRS = ("apps", "tax", "industry", "finance")
APPLICATION_IO_MODULES = {"bundle.py"}


def get_pure_modules() -> list[Path]:
    """Every Python file that must stay pure."""
    core = sorted((ROOT / "chains" / "core").rglob("*.py"))
    relay = sorted(p for p in (ROOT / "relay").rglob("*.py") if p.name not in RELAY_IO_MODULES)
    apps = sorted(
        p
        for name in APPLICATION_DIRS
        for p in (ROOT / "chains" / name).rglob("*.py")
        if p.name not in APPLICATION_IO_MODULES
    )
    return core + relay + apps


def get_imported_roots(path: Path) -> set[str]:
    """Top-level names of every module that ``path`` imports, anywhere in the file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module":
            roots.add("<dynamic import>")
        elif isinstance(node, ast.Attribute) and node.attr == "urandom":
            roots.add("os.urandom")
    return roots


def test_there_are_pure_modules_to_check() -> None:
    assert len(get_pure_modules()) >= 3


@pytest.mark.parametrize("path", get_pure_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_pure_module_imports_nothing_forbidden(path: Path) -> None:
    bad = get_imported_roots(path) & (FORBIDDEN | {"<dynamic import>", "os.urandom"})
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}; keep I/O out of the core"


def test_the_checker_catches_a_forbidden_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    import time\n    from random import choice\n    return 1\n")
    assert {"time", "random"} <= get_imported_roots(bad)
