"""A throw-away PostgreSQL cluster for tests, from Debian's PostgreSQL 15 binaries.

:func:`start_postgres` runs ``initdb`` and ``pg_ctl`` into a fresh directory,
on a free loopback port, with trust authentication for the ``postgres`` user
and ``fsync=on`` (the storage tests are about durability, so the server must
behave as in production). The server refuses to run as root, so when the
tests run as root (CI does) every server command runs through
``runuser -u postgres``; the cluster directory is then owned by that user.

Use it from a session-scoped fixture::

    require_postgres()                       # skip locally / fail in CI if missing
    server = start_postgres(Path("/tmp"))
    url = server.create_database("test_1")   # postgresql+psycopg://postgres@127.0.0.1:PORT/test_1
    ...
    server.stop()                            # stops the server and removes the directory
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import psycopg


def _load_root_conftest() -> ModuleType:
    # By path: other test directories without __init__.py have a "conftest" module too,
    # and whichever pytest imported last owns that name in sys.modules.
    path = Path(__file__).resolve().parent / "conftest.py"
    spec = importlib.util.spec_from_file_location("_consortium_tests_conftest", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


require_external = _load_root_conftest().require_external

PG_BIN_DIR = Path("/usr/lib/postgresql/15/bin")
PG_CTL = PG_BIN_DIR / "pg_ctl"
INITDB = PG_BIN_DIR / "initdb"
PG_USER = "postgres"
WHY = "the PostgreSQL storage suite"


def is_root() -> bool:
    """True when this process runs as root: the server must then run as ``postgres``."""
    return os.geteuid() == 0


def require_postgres() -> None:
    """Skip the calling test (locally) or fail it (CI) when no cluster can be started here."""
    require_external(str(PG_CTL), WHY)
    require_external(str(INITDB), WHY)
    if is_root():
        require_external("runuser", f"{WHY} (the server may not run as root)")
        try:
            pwd.getpwnam(PG_USER)
        except KeyError:
            # Same semantics as a missing program: the postgres user comes with the package.
            require_external(f"the '{PG_USER}' system user", WHY)


def get_free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(args: list[str], *, as_postgres: bool) -> None:
    command = ["runuser", "-u", PG_USER, "--", *args] if as_postgres else args
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )


@dataclass(frozen=True, slots=True)
class PostgresServer:
    """A running throw-away cluster: connect as ``postgres`` over TCP on 127.0.0.1:``port``."""

    root: Path
    """Holds the data directory (``data``), the socket and the server log (``log``)."""
    port: int
    as_postgres: bool
    """True when server commands run through ``runuser -u postgres`` (we are root)."""

    @property
    def data_dir(self) -> Path:
        """The cluster's data directory."""
        return self.root / "data"

    def url(self, dbname: str = "postgres") -> str:
        """The SQLAlchemy URL of database ``dbname`` on this server."""
        return f"postgresql+psycopg://{PG_USER}@127.0.0.1:{self.port}/{dbname}"

    def get_dsn(self, dbname: str = "postgres") -> str:
        """The libpq connection string of database ``dbname`` (for psycopg directly)."""
        return f"host=127.0.0.1 port={self.port} user={PG_USER} dbname={dbname}"

    def create_database(self, name: str, template: str | None = None) -> str:
        """Create database ``name`` (optionally copied from ``template``); return its URL."""
        clause = "" if template is None else f' TEMPLATE "{template}"'
        with psycopg.connect(self.get_dsn(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"{clause}')  # type: ignore[arg-type]
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop database ``name``, disconnecting whoever still uses it."""
        with psycopg.connect(self.get_dsn(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]

    def stop(self) -> None:
        """Stop the server at once and delete its directory (safe to call twice)."""
        if (self.data_dir / "postmaster.pid").exists():
            # Immediate: nothing in a throw-away cluster is worth a clean shutdown.
            _run(
                [str(PG_CTL), "-D", str(self.data_dir), "-m", "immediate", "-w", "stop"],
                as_postgres=self.as_postgres,
            )
        shutil.rmtree(self.root, ignore_errors=True)


def start_postgres(tmp_root: Path = Path("/tmp"), *, attempts: int = 3) -> PostgresServer:
    """Start a fresh cluster in a new directory under ``tmp_root``; stop it with ``.stop()``.

    ``tmp_root`` must be traversable by the ``postgres`` user when running as
    root (``/tmp`` is; pytest's own temporary directories are not). Call
    :func:`require_postgres` first to skip or fail cleanly where the binaries
    are missing.
    """
    as_postgres = is_root()
    root = Path(tempfile.mkdtemp(prefix="consortium-pg-", dir=tmp_root))
    root.chmod(0o755)  # mkdtemp makes it 0700: the server user must reach its files
    if as_postgres:
        entry = pwd.getpwnam(PG_USER)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    data_dir = root / "data"
    try:
        # --no-sync: only the initial files skip fsync; the running server keeps fsync=on.
        _run(
            [str(INITDB), "-D", str(data_dir), "-A", "trust", "-U", PG_USER, "--no-sync"],
            as_postgres=as_postgres,
        )
        for attempt in range(attempts):
            port = get_free_port()
            options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=on"
            try:
                _run(
                    [
                        str(PG_CTL),
                        "-D",
                        str(data_dir),
                        "-o",
                        options,
                        "-l",
                        str(root / "log"),
                        "-w",
                        "start",
                    ],
                    as_postgres=as_postgres,
                )
                return PostgresServer(root=root, port=port, as_postgres=as_postgres)
            except RuntimeError as error:
                # Most likely the port was taken between choosing and binding it.
                if attempt == attempts - 1:
                    log = root / "log"
                    tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                    raise RuntimeError(f"{error}\nserver log (end):\n{tail}") from error
        raise AssertionError("unreachable")
    except BaseException:
        PostgresServer(root=root, port=0, as_postgres=as_postgres).stop()
        raise
