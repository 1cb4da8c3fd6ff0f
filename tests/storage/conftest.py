"""Backends for the storage suites: in memory, SQLite, and a throw-away PostgreSQL cluster.

A test that takes ``store`` (or ``store_url``) runs once per backend. The
PostgreSQL cluster starts once per session, only when a PostgreSQL test runs;
PostgreSQL tests share one migrated database whose tables are emptied before
each test, and tests that change the schema take ``fresh_postgres_url``.
Override ``backend`` with ``@pytest.mark.parametrize("backend", SQL_BACKENDS)``
to run a test on the durable backends only.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import psycopg
import pytest
from postgres import PostgresServer, require_postgres, start_postgres

from chains.core.state_tree import compute_tree_batch
from chains.core.types import Height, Version, compute_sha256
from chains.runtime.storage import (
    MEMORY_URL,
    ChainStore,
    CommitRecord,
    StoredTx,
    get_sqlite_url,
    open_store,
)
from chains.runtime.storage.models import Base

BACKENDS = ("memory", "sqlite", "postgresql")
SQL_BACKENDS = ("sqlite", "postgresql")

_database_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL cluster for the session (skips locally, fails in CI, when unavailable)."""
    require_postgres()
    server = start_postgres(Path("/tmp"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The name of the backend under test."""
    return request.param


@pytest.fixture
def store_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """The URL of a fresh, empty store of ``backend``."""
    if backend == "memory":
        return MEMORY_URL
    if backend == "sqlite":
        return get_sqlite_url(tmp_path)
    server: PostgresServer = request.getfixturevalue("postgres_server")
    dbname = request.getfixturevalue("postgres_store_database")
    # Emptying the tables is much faster than creating and migrating a database per test.
    tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
    with psycopg.connect(server.get_dsn(dbname), autocommit=True) as connection:
        connection.execute(f"TRUNCATE {tables} RESTART IDENTITY")  # type: ignore[arg-type]
    return server.url(dbname)


@pytest.fixture(scope="session")
def postgres_store_database(postgres_server: PostgresServer) -> str:
    """The name of a migrated database that ``store_url`` empties before each test."""
    url = postgres_server.create_database("conformance")
    open_store(url).close()  # creates the schema
    return "conformance"


@pytest.fixture
def fresh_postgres_url(postgres_server: PostgresServer) -> str:
    """The URL of a new, empty (not even migrated) database: for tests that change the schema."""
    return postgres_server.create_database(f"fresh_{next(_database_numbers)}")


@pytest.fixture
def store(store_url: str) -> Iterator[ChainStore]:
    """A fresh, empty store of the backend under test, closed afterwards."""
    opened = open_store(store_url)
    try:
        yield opened
    finally:
        opened.close()


# Building commit records (shared by the suites of this package).


def make_tx(
    height: int, index: int, code: int = 0, message: str = "", salt: bytes = b""
) -> StoredTx:
    """A stand-in committed transaction: its raw bytes are made up, its id is their SHA-256."""
    raw = b"signed-tx|%d|%d|" % (height, index) + salt
    return StoredTx(compute_sha256(raw), Height(height), index, raw, code, message)


def get_block_txs_for(height: int) -> list[StoredTx]:
    """The transactions the test chain puts in block ``height``: 0 to 3, one of them failed."""
    return [
        make_tx(height, i, code=7 if i == 1 else 0, message="nonce too low" if i == 1 else "")
        for i in range(height % 4)
    ]


def get_updates_for(height: int) -> dict[bytes, bytes | None]:
    """The state updates of the test chain's block ``height`` (a delete every third block)."""
    updates: dict[bytes, bytes | None] = {
        b"height": b"%d" % height,
        b"account/%d" % (height % 5): b"balance after %d" % height,
    }
    if height % 3 == 0:
        updates[b"account/%d" % ((height + 1) % 5)] = None
    return updates


def make_record(
    store: ChainStore,
    height: int,
    txs: Sequence[StoredTx] | None = None,
    updates: Mapping[bytes, bytes | None] | None = None,
    meta: Mapping[str, bytes] | None = None,
    wal_prune_below: int | None = None,
    version: int | None = None,
    blobs: Mapping[bytes, bytes] | None = None,
) -> CommitRecord:
    """A record for block ``height`` whose tree batch is computed on ``store``'s latest state
    (and, unless given, one blob of its own)."""
    txs = get_block_txs_for(height) if txs is None else list(txs)
    updates = get_updates_for(height) if updates is None else updates
    batch = compute_tree_batch(store, Version(height if version is None else version), updates)
    block_raw = b"block|%d|" % height + b"".join(tx.tx_id for tx in txs)
    return CommitRecord(
        height=Height(height),
        block_hash=compute_sha256(block_raw),
        block_raw=block_raw,
        certificate_raw=b"certificate|%d" % height,
        txs=tuple(txs),
        tree_batch=batch,
        meta=dict(meta or {}),
        wal_prune_below=None if wal_prune_below is None else Height(wal_prune_below),
        blobs={b"blob/%d" % height: b"value %d" % height} if blobs is None else blobs,
    )


def commit_blocks(store: ChainStore, first: int, last: int) -> list[CommitRecord]:
    """Commit the test chain's blocks ``first..last`` (with metadata "last/<h % 2>")."""
    records = []
    for height in range(first, last + 1):
        record = make_record(store, height, meta={f"last/{height % 2}": b"%d" % height})
        store.commit_block(record)
        records.append(record)
    return records


def get_snapshot(store: ChainStore, record: CommitRecord) -> dict[str, object]:
    """Everything of ``store`` that committing ``record`` could change, for before/after checks."""
    return {
        "last_height": store.get_last_height(),
        "latest_version": store.get_latest_version(),
        "oldest_version": store.get_oldest_version(),
        "block": store.get_block(record.height),
        "block_hash": store.get_block_hash(record.height),
        "certificate": store.get_certificate(record.height),
        "height_by_hash": store.get_height_by_hash(record.block_hash),
        "txs": [store.get_tx(tx.tx_id) for tx in record.txs],
        "block_txs": store.get_block_txs(record.height),
        "root": store.get_root(record.tree_batch.version),
        "nodes": [store.get_node(key) for key in record.tree_batch.new_nodes],
        "blobs": [store.get_blob(key) for key in record.blobs],
        "meta": {key: store.get_meta(key) for key in record.meta},
        "wal": store.get_wal(Height(0)),
    }
