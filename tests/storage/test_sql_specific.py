"""What only the SQL stores have: SQLite settings, Alembic migrations, atomicity under failure.

The conformance suite says what every store answers; these tests check how
the SQL stores get there: WAL and full fsync on SQLite (read back, not
assumed), a schema owned by Alembic that matches the models, and commits that
leave nothing behind when they fail halfway or the process is killed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import tomllib
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from postgres import PostgresServer
from sqlalchemy import Connection, func, inspect, select, text

import chains.runtime.storage.sql as sql
from chains.core.errors import ConsortiumError, ErrorCode
from chains.core.state_tree import InMemoryNodeStore, StateTree
from chains.core.types import Height, Version
from chains.runtime.storage import (
    ChainStore,
    InMemoryChainStore,
    SqlChainStore,
    WalEntry,
    get_sqlite_url,
    open_store,
)
from chains.runtime.storage.models import Base, Transaction

from .conftest import (
    SQL_BACKENDS,
    commit_blocks,
    get_snapshot,
    get_updates_for,
    make_record,
    make_tx,
)

ROOT = Path(__file__).resolve().parents[2]
MISCONFIGURED = ErrorCode.STORAGE_MISCONFIGURED


def open_sql_store(url: str, **options: Any) -> SqlChainStore:
    """``open_store(url)``, checked to be an SQL store (for its engine)."""
    store = open_store(url, **options)
    assert isinstance(store, SqlChainStore)
    return store


@pytest.fixture(params=SQL_BACKENDS)
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an SQL database that no store has opened yet."""
    if request.param == "sqlite":
        return get_sqlite_url(tmp_path)
    return request.getfixturevalue("fresh_postgres_url")


# Choosing a backend by URL.


def test_open_store_picks_the_backend_by_url(tmp_path: Path) -> None:
    assert isinstance(open_store("memory://"), InMemoryChainStore)
    url = get_sqlite_url(tmp_path)
    assert url == f"sqlite:///{tmp_path.resolve()}/chain.db"
    store = open_sql_store(url)
    store.close()
    store.close()  # closing twice is harmless
    assert (tmp_path / "chain.db").exists()


@pytest.mark.parametrize(
    "url",
    [
        "",
        "memory",
        "ftp://example.org/chain.db",
        "mysql://root:secret@localhost/chain",
        "postgresql://node:secret@localhost/chain",  # psycopg must be named
        "sqlite://",
        "sqlite:///:memory:",
    ],
)
def test_unsupported_urls_are_invalid_config(url: str) -> None:
    with pytest.raises(ConsortiumError) as caught:
        open_store(url)
    assert caught.value.code == ErrorCode.INVALID_CONFIG
    assert "secret" not in caught.value.message


def test_a_negative_cache_size_is_invalid_config(tmp_path: Path) -> None:
    with pytest.raises(ConsortiumError) as caught:
        open_store(get_sqlite_url(tmp_path), cache_nodes=-1)
    assert caught.value.code == ErrorCode.INVALID_CONFIG


def test_an_unreachable_database_is_misconfigured(tmp_path: Path) -> None:
    with pytest.raises(ConsortiumError) as caught:
        open_store(get_sqlite_url(tmp_path / "no such directory"))
    assert caught.value.code == MISCONFIGURED
    with pytest.raises(ConsortiumError) as caught:
        open_store("postgresql+psycopg://node:secret@127.0.0.1:1/chain")  # nothing listens
    assert caught.value.code == MISCONFIGURED
    assert "secret" not in caught.value.message and "node:***@" in caught.value.message


# SQLite settings.


def test_sqlite_runs_in_wal_mode_with_full_sync(tmp_path: Path) -> None:
    store = open_sql_store(get_sqlite_url(tmp_path))
    try:
        with store.engine.connect() as connection:
            pragma = connection.exec_driver_sql
            assert pragma("PRAGMA journal_mode").scalar() == "wal"
            assert pragma("PRAGMA synchronous").scalar() == 2
            assert pragma("PRAGMA foreign_keys").scalar() == 1
    finally:
        store.close()


def test_sqlite_without_wal_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sql, "set_sqlite_pragmas", lambda dbapi_connection: None)
    with pytest.raises(ConsortiumError) as caught:
        open_store(get_sqlite_url(tmp_path))
    assert caught.value.code == MISCONFIGURED
    assert "journal_mode" in caught.value.message


def test_sqlite_without_full_sync_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def set_normal_sync(dbapi_connection: Any) -> None:
        dbapi_connection.execute("PRAGMA journal_mode=WAL")
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")

    monkeypatch.setattr(sql, "set_sqlite_pragmas", set_normal_sync)
    with pytest.raises(ConsortiumError) as caught:
        open_store(get_sqlite_url(tmp_path))
    assert caught.value.code == MISCONFIGURED
    assert "synchronous" in caught.value.message


# The schema belongs to Alembic.


def get_schema_differences(connection: Connection) -> list[Any]:
    """What Alembic's autogenerate would change to make the database match the models."""
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, Base.metadata)


def test_the_migrated_schema_matches_the_models(fresh_url: str) -> None:
    store = open_sql_store(fresh_url)
    try:
        with store.engine.connect() as connection:
            assert get_schema_differences(connection) == []
            _, heads = sql.get_schema_revisions()
            assert set(sql.get_current_revisions(connection)) == heads
            tables = set(inspect(connection).get_table_names())
        assert tables == {table.name for table in Base.metadata.sorted_tables} | {"alembic_version"}
    finally:
        store.close()


def test_the_schema_downgrades_and_upgrades_again(fresh_url: str) -> None:
    store = open_sql_store(fresh_url)
    commit_blocks(store, 1, 2)
    with store.engine.begin() as connection:
        command.downgrade(sql.get_alembic_config(connection), "base")
    with store.engine.connect() as connection:
        assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
    store.close()
    reopened = open_sql_store(fresh_url)
    try:
        assert reopened.get_last_height() == 0
        with reopened.engine.connect() as connection:
            assert get_schema_differences(connection) == []
    finally:
        reopened.close()


def get_table_sql(connection: Connection, table: str) -> str:
    """SQLite's CREATE statement of ``table``."""
    query = text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :name")
    return str(connection.execute(query, {"name": table}).scalar_one())


def test_a_store_written_before_0002_reads_and_prunes_the_same(fresh_url: str) -> None:
    # Revision 0002 packs the stale-node index into one row per version (and rebuilds
    # SQLite's tree_nodes WITHOUT ROWID). A store written under 0001 must come through it
    # whole: same nodes, and pruning deletes exactly what it would have deleted.
    store = open_sql_store(fresh_url)
    records = commit_blocks(store, 1, 6)
    stale = [key for record in records for key in dict.fromkeys(record.tree_batch.stale_keys)]
    with store.engine.begin() as connection:
        command.downgrade(sql.get_alembic_config(connection), "0001")
    with store.engine.connect() as connection:
        old_rows = connection.execute(text("SELECT count(*) FROM tree_stale")).scalar_one()
        if connection.dialect.name == "sqlite":
            assert "WITHOUT ROWID" not in get_table_sql(connection, "tree_nodes").upper()
    assert old_rows == len(stale) > 0
    store.close()

    migrated = open_sql_store(fresh_url)  # opening upgrades to the newest revision
    reference = InMemoryChainStore()
    try:
        for record in records:
            reference.commit_block(record)
        with migrated.engine.connect() as connection:
            assert get_schema_differences(connection) == []
            if connection.dialect.name == "sqlite":
                assert "WITHOUT ROWID" in get_table_sql(connection, "tree_nodes").upper()
        tree, expected = StateTree(migrated), StateTree(reference)
        assert tree.get_root(Version(6)) == expected.get_root(Version(6))
        assert tree.prune(Version(4)) == expected.prune(Version(4)) > 0
        for key in get_updates_for(5):
            assert tree.get_with_proof(key, Version(5)) == expected.get_with_proof(key, Version(5))
        assert not tree.is_version_available(Version(3))
    finally:
        migrated.close()


def test_packed_node_keys_round_trip_and_a_cut_set_is_refused() -> None:
    keys = [b"", b"\x01" * 10, bytes(range(42))]
    packed = sql.pack_node_keys(keys)
    assert sql.unpack_node_keys(packed) == keys
    assert sql.unpack_node_keys(b"") == []
    with pytest.raises(ConsortiumError) as caught:
        sql.unpack_node_keys(packed[:-1])
    assert caught.value.code == ErrorCode.MALFORMED_INPUT


def test_a_schema_from_a_newer_node_is_refused(fresh_url: str) -> None:
    store = open_sql_store(fresh_url)
    with store.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    store.close()
    with pytest.raises(ConsortiumError) as caught:
        open_store(fresh_url)
    assert caught.value.code == MISCONFIGURED
    assert "9999_future" in caught.value.message


def test_the_migrations_ship_with_the_package() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["chains.runtime.storage"]
    package = ROOT / "chains" / "runtime" / "storage"
    files = [
        path.relative_to(package).as_posix()
        for path in (package / "migrations").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    ]
    assert "migrations/env.py" in files and "migrations/versions/0001_initial.py" in files
    assert "migrations/versions/0002_compact_state_writes.py" in files
    assert [name for name in files if not any(fnmatch(name, p) for p in patterns)] == []


# Atomicity when a write fails halfway.


@pytest.mark.parametrize("backend", SQL_BACKENDS)
def test_a_commit_failing_halfway_leaves_nothing(
    store: ChainStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    commit_blocks(store, 1, 1)
    store.append_wal([WalEntry(Height(1), b"old"), WalEntry(Height(2), b"new")])
    record = make_record(store, 2, meta={"last/0": b"2", "valset/2": b"v"}, wal_prune_below=2)
    assert record.txs and record.tree_batch.new_nodes
    before = get_snapshot(store, record)
    seen: list[int] = []
    write_tree_batch = sql._write_tree_batch

    def fail_after_the_transactions(connection: Connection, batch: Any) -> None:
        count = select(func.count()).select_from(Transaction).where(Transaction.height == 2)
        seen.append(connection.execute(count).scalar_one())
        write_tree_batch(connection, batch)  # the nodes go in too, then the disk "fails"
        raise OSError("no space left on device")

    monkeypatch.setattr(sql, "_write_tree_batch", fail_after_the_transactions)
    with pytest.raises(OSError, match="no space"):
        store.commit_block(record)
    assert seen == [len(record.txs)], "the failure must come after the transaction rows"
    assert get_snapshot(store, record) == before
    assert len(store.get_wal(Height(0))) == 2

    monkeypatch.setattr(sql, "_write_tree_batch", write_tree_batch)
    store.commit_block(record)  # nothing half-written is in its way
    assert store.get_last_height() == 2
    assert store.get_wal(Height(0)) == [WalEntry(Height(2), b"new")]


@pytest.mark.parametrize("backend", SQL_BACKENDS)
def test_save_safety_failing_halfway_leaves_nothing(
    store: ChainStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.save_safety(b"before", [WalEntry(Height(1), b"a")])

    def fail(connection: Connection, entries: Any) -> None:
        raise OSError("no space left on device")

    monkeypatch.setattr(sql, "_insert_wal", fail)
    with pytest.raises(OSError):
        store.save_safety(b"after", [WalEntry(Height(1), b"b")])
    assert store.load_safety() == b"before"
    assert store.get_wal(Height(0)) == [WalEntry(Height(1), b"a")]


@pytest.mark.parametrize("backend", SQL_BACKENDS)
def test_a_conflict_names_where_the_transaction_is(store: ChainStore) -> None:
    (first,) = commit_blocks(store, 1, 1)
    old = first.txs[0]
    again = type(old)(old.tx_id, Height(2), 0, old.raw, 0, "")
    with pytest.raises(ConsortiumError) as caught:
        store.commit_block(make_record(store, 2, txs=[again]))
    assert caught.value.code == ErrorCode.STORAGE_CONFLICT
    assert f"{old.tx_id.hex()} is already stored at height 1" in caught.value.message


# Atomicity when the process is killed.

WRITER = textwrap.dedent(
    """
    import sys
    from chains.core.state_tree import compute_tree_batch
    from chains.core.types import compute_sha256
    from chains.runtime.storage import CommitRecord, StoredTx, open_store

    store = open_store(sys.argv[1])
    height = store.get_last_height() + 1
    while True:
        txs = []
        for index in range(300):
            raw = b"tx %d %d" % (height, index)
            txs.append(StoredTx(compute_sha256(raw), height, index, raw, 0, ""))
        updates = {b"key %d" % (height * 1000 + i): b"value %d" % height for i in range(1000)}
        updates[b"height"] = b"%d" % height
        block = b"block %d" % height
        record = CommitRecord(
            height, compute_sha256(block), block, b"certificate", txs,
            compute_tree_batch(store, height, updates), {"height": b"%d" % height},
        )
        store.commit_block(record)
        print(height, flush=True)
        height += 1
    """
)


@pytest.mark.parametrize("backend", SQL_BACKENDS)
def test_a_killed_writer_leaves_whole_blocks(store_url: str) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, store_url], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert writer.stdout is not None
        acknowledged = 0
        while acknowledged < 3:
            line = writer.stdout.readline()
            assert line, "the writer stopped before committing three blocks"
            acknowledged = int(line)
    finally:
        writer.send_signal(signal.SIGKILL)  # most likely in the middle of the next commit
        writer.wait(timeout=30)

    store = open_store(store_url)
    try:
        last = store.get_last_height()
        assert last >= acknowledged, "an acknowledged block was lost"
        tree = StateTree(store)
        assert store.get_latest_version() == last
        for height in range(1, last + 1):
            assert store.get_block(Height(height)) == b"block %d" % height
            assert len(store.get_block_txs(Height(height))) == 300
            assert tree.get(b"height", Version(height)) == b"%d" % height
        assert store.get_meta("height") == b"%d" % last
        nothing_after = last + 1
        assert store.get_block(Height(nothing_after)) is None
        assert store.get_root(Version(nothing_after)) is None
        assert not store.has_tx(make_tx(nothing_after, 0).tx_id)
        assert store.get_block_txs(Height(nothing_after)) == []
    finally:
        store.close()


# The node cache.


@pytest.mark.parametrize("cache_nodes", [0, 16])
def test_a_small_or_no_node_cache_gives_the_same_answers(tmp_path: Path, cache_nodes: int) -> None:
    store = open_sql_store(get_sqlite_url(tmp_path), cache_nodes=cache_nodes)
    reference = StateTree(InMemoryNodeStore())
    try:
        tree = StateTree(store)
        for height in range(1, 8):
            updates = {b"key %d" % (height * 10 + i): b"%d" % height for i in range(20)}
            store.commit_block(make_record(store, height, updates=updates))
            assert tree.get_root(Version(height)) == reference.apply_updates(
                Version(height), updates
            )
            assert store.get_cached_node_count() <= cache_nodes
        for key in (b"key 10", b"key 75", b"absent"):
            assert tree.get(key, Version(7)) == reference.get(key, Version(7))
    finally:
        store.close()


def test_pruning_evicts_cached_nodes(tmp_path: Path) -> None:
    store = open_sql_store(get_sqlite_url(tmp_path))
    try:
        records = commit_blocks(store, 1, 4)
        stale = [key for record in records[1:3] for key in record.tree_batch.stale_keys]
        assert stale and all(store.get_node(key) is not None for key in stale)  # now cached
        store.prune(Version(3))
        assert all(store.get_node(key) is None for key in stale)
    finally:
        store.close()


def test_the_postgres_helper_serves_several_databases(postgres_server: PostgresServer) -> None:
    url = postgres_server.create_database("helper_check")
    assert url == postgres_server.url("helper_check")
    store = open_store(url)
    store.set_meta("k", b"v")
    store.close()
    postgres_server.drop_database("helper_check")
