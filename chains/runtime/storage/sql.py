"""The SQL :class:`~chains.runtime.storage.base.ChainStore`: SQLite by default, PostgreSQL by URL.

One engine per store, used synchronously from the node's one thread. Every
write is one database transaction, durable when it returns: SQLite runs in
WAL mode with ``synchronous=FULL`` (checked at start-up, not assumed), and
PostgreSQL commits synchronously by default. The schema belongs to Alembic
(``migrations/``): opening a store upgrades it to the newest revision, and a
database stamped with a revision this code does not know is refused, because
it was written by a newer node.

State-tree nodes are write-once under their node keys, so a bounded cache
(:class:`~chains.runtime.storage.node_cache.NodeCache`) of node key -> encoded
node can never go stale: commits put the nodes they write into it and take out
the nodes they replace (only reads of older versions need those), pruning takes
out what it deletes, and the tree's reads (one :meth:`SqlChainStore.get_node`
per level) mostly stay in memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import (
    Connection,
    Engine,
    Table,
    bindparam,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, SQLAlchemyError
from sqlalchemy.pool import PoolProxiedConnection

from chains.core.errors import ACCEPTED, ConsortiumError, ErrorCode, Verdict, refuse
from chains.core.state_tree.nodes import NodeKey, decode_node_key, encode_node_key
from chains.core.state_tree.store import RootRecord, TreeBatch
from chains.core.types import Hash32, Height, Version
from chains.runtime.storage.base import (
    CommitRecord,
    StoredTx,
    WalEntry,
    get_redacted_url,
    verify_commit_record,
)
from chains.runtime.storage.models import (
    Block,
    Meta,
    Safety,
    Transaction,
    TreeNode,
    TreeRoot,
    TreeStaleSet,
    Wal,
)
from chains.runtime.storage.node_cache import NodeCache

MIGRATIONS_LOCATION = "chains.runtime.storage:migrations"
"""Alembic's script location: the ``migrations`` directory shipped inside this package."""
SQLITE_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON")
SQLITE_SYNCHRONOUS_FULL = 2
SAFETY_ROW_ID = 1
_IN_CHUNK = 500  # rows per IN (...) list: far below SQLite's bound-parameter limit

_SELECT_ROOT = select(TreeRoot.root_key, TreeRoot.root_hash).where(
    TreeRoot.version == bindparam("version")
)
_TRANSACTIONS: Table = Transaction.__table__  # type: ignore[assignment]
_TREE_NODES: Table = TreeNode.__table__  # type: ignore[assignment]
_TREE_STALE_SETS: Table = TreeStaleSet.__table__  # type: ignore[assignment]
_SELECT_LATEST_VERSION = select(func.max(TreeRoot.version))
_SELECT_OLDEST_VERSION = select(func.min(TreeRoot.version))
_SELECT_LAST_HEIGHT = select(func.max(Block.height))
_BLOCK_AT = Block.height == bindparam("height")
_SELECT_TX = select(
    Transaction.tx_id,
    Transaction.height,
    Transaction.tx_index,
    Transaction.raw,
    Transaction.code,
    Transaction.message,
)


# SQLite connection set-up.


def set_sqlite_pragmas(dbapi_connection: Any) -> None:
    """Put a new SQLite connection in WAL mode with full fsync and foreign keys enforced."""
    cursor = dbapi_connection.cursor()
    try:
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


def _on_sqlite_connect(dbapi_connection: Any, connection_record: Any) -> None:
    # SQLAlchemy's documented recipe: stop pysqlite from issuing (or skipping) BEGIN on its
    # own, so that reads, DDL and SAVEPOINTs all happen inside real transactions.
    dbapi_connection.isolation_level = None
    set_sqlite_pragmas(dbapi_connection)  # looked up at call time, so tests can replace it


def _on_sqlite_begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN")


def verify_sqlite_settings(connection: Connection) -> Verdict:
    """Whether an SQLite connection really runs with journal_mode=WAL and synchronous=FULL.

    A PRAGMA that SQLite cannot apply is ignored silently (an in-memory
    database, a read-only directory, a build with other defaults), so the
    settings are read back instead of trusted.
    """
    journal_mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
    synchronous = connection.exec_driver_sql("PRAGMA synchronous").scalar()
    if str(journal_mode).lower() != "wal":
        return refuse(
            ErrorCode.STORAGE_MISCONFIGURED,
            f"SQLite journal_mode is {journal_mode!r}, not 'wal': the database must be a file "
            "in a writable directory on a local file system (WAL does not work over NFS)",
        )
    if synchronous != SQLITE_SYNCHRONOUS_FULL:
        return refuse(
            ErrorCode.STORAGE_MISCONFIGURED,
            f"SQLite synchronous is {synchronous!r}, not 2 (FULL): "
            "a committed block could be lost on power failure",
        )
    return ACCEPTED


def create_store_engine(url: str) -> Engine:
    """A SQLAlchemy engine for ``url`` (SQLite or PostgreSQL via psycopg), not yet connected."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConsortiumError(
            ErrorCode.INVALID_CONFIG, f"cannot parse storage URL {get_redacted_url(url)!r}"
        ) from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            raise ConsortiumError(
                ErrorCode.INVALID_CONFIG,
                "an SQLite store needs a file: use sqlite:///<absolute path>.db",
            )
        directory = Path(parsed.database).parent
        if not directory.is_dir():
            raise ConsortiumError(
                ErrorCode.STORAGE_MISCONFIGURED,
                f"the directory {directory} of the SQLite store does not exist: create the "
                "node's data directory first, or fix the path",
            )
        engine = create_engine(parsed)
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _on_sqlite_begin)
        return engine
    if backend == "postgresql" and parsed.get_driver_name() == "psycopg":
        return create_engine(parsed)
    raise ConsortiumError(
        ErrorCode.INVALID_CONFIG,
        f"unsupported storage URL {get_redacted_url(url)!r}: "
        "use sqlite:///<path>.db or postgresql+psycopg://<user>@<host>:<port>/<database>",
    )


# Schema migrations.


def get_alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for the store's migrations, without any ``alembic.ini``."""
    config = Config()
    config.set_main_option("script_location", MIGRATIONS_LOCATION)
    config.attributes["connection"] = connection
    return config


def get_schema_revisions() -> tuple[set[str], set[str]]:
    """(every revision this code knows, the head revisions) of the store's migrations."""
    script = ScriptDirectory.from_config(get_alembic_config())
    return {rev.revision for rev in script.walk_revisions()}, set(script.get_heads())


def upgrade_schema(connection: Connection) -> None:
    """Create or upgrade the schema on ``connection`` to the newest revision.

    Refuses STORAGE_MISCONFIGURED for a database stamped with a revision
    this code does not know: a newer node wrote it, and running older code
    on it could misread it.
    """
    known, _ = get_schema_revisions()
    current = MigrationContext.configure(connection).get_current_heads()
    unknown = sorted(set(current) - known)
    if unknown:
        raise ConsortiumError(
            ErrorCode.STORAGE_MISCONFIGURED,
            f"the database schema is at revision {', '.join(unknown)}, which this node does not "
            "know: it was written by a newer version; run that version, or restore a backup",
        )
    command.upgrade(get_alembic_config(connection), "head")


def get_current_revisions(connection: Connection) -> tuple[str, ...]:
    """The schema revisions the database on ``connection`` is stamped with."""
    return MigrationContext.configure(connection).get_current_heads()


def _open_node_reader(engine: Engine) -> tuple[PoolProxiedConnection, Any, str]:
    # (connection, cursor, parameter mark) for reading single nodes and blobs in autocommit
    # mode. SQLite connections already run without pysqlite's implicit BEGIN (see
    # _on_sqlite_connect).
    connection = engine.raw_connection()
    if engine.dialect.name == "sqlite":
        mark = "?"
    else:
        connection.driver_connection.autocommit = True  # type: ignore[union-attr]
        mark = "%s"
    return connection, connection.cursor(), mark


# Writes shared by commit_block and write_batch; each runs inside the caller's transaction.


def _insert_block(connection: Connection, record: CommitRecord) -> None:
    connection.execute(
        insert(Block),
        {
            "height": record.height,
            "hash": record.block_hash,
            "raw": record.block_raw,
            "certificate": record.certificate_raw,
            "committed_at": datetime.now(UTC),
        },
    )


def _bulk_insert(connection: Connection, table: Table, rows: Sequence[tuple[Any, ...]]) -> None:
    # Rows are tuples in the table's column order. A block writes ~10,000 of them, so
    # they skip SQLAlchemy's per-row processing: PostgreSQL gets COPY (psycopg's
    # executemany is a round trip per row, several times slower), SQLite one executemany.
    if not rows:
        return
    columns = ", ".join(column.name for column in table.columns)
    if connection.dialect.name == "postgresql":
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            with cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        except psycopg.IntegrityError as error:
            # The same exception as from any other statement, so callers handle one kind.
            raise IntegrityError(f"COPY {table.name}", None, error) from error
        finally:
            cursor.close()
    else:
        marks = ", ".join("?" for _ in table.columns)
        connection.exec_driver_sql(f"INSERT INTO {table.name} ({columns}) VALUES ({marks})", rows)


def _insert_txs(connection: Connection, txs: Sequence[StoredTx]) -> None:
    rows = [(tx.tx_id, tx.height, tx.index, tx.raw, tx.code, tx.message) for tx in txs]
    _bulk_insert(connection, _TRANSACTIONS, rows)


def pack_node_keys(keys: Iterable[bytes]) -> bytes:
    """Encoded node keys as one ``tree_stale_sets.node_keys`` value: each key after its length."""
    return b"".join(bytes((len(key),)) + key for key in keys)


def unpack_node_keys(packed: bytes) -> list[bytes]:
    """The encoded node keys of :func:`pack_node_keys`; MALFORMED_INPUT if ``packed`` is cut."""
    keys = []
    offset = 0
    while offset < len(packed):
        end = offset + 1 + packed[offset]
        if end > len(packed):
            raise ConsortiumError(ErrorCode.MALFORMED_INPUT, "a stale-node set is truncated")
        keys.append(packed[offset + 1 : end])
        offset = end
    return keys


def _write_tree_batch(connection: Connection, batch: TreeBatch) -> None:
    version = batch.version
    nodes = [(encode_node_key(key), node) for key, node in batch.new_nodes.items()]
    _bulk_insert(connection, _TREE_NODES, nodes)
    root = batch.root
    root_key = None if root.root_key is None else encode_node_key(root.root_key)
    connection.execute(
        insert(TreeRoot), {"version": version, "root_key": root_key, "root_hash": root.root_hash}
    )
    if batch.stale_keys:
        # dict.fromkeys: a key listed twice is still deleted once.
        packed = pack_node_keys(encode_node_key(key) for key in dict.fromkeys(batch.stale_keys))
        _bulk_insert(connection, _TREE_STALE_SETS, [(version, packed)])


def _insert_blobs(connection: Connection, blobs: Mapping[bytes, bytes]) -> None:
    # A key stored already holds the same blob (its key commits to it): keep the row.
    # One driver-level executemany, like _bulk_insert: a block stores a blob per record.
    if blobs:
        mark = "%s" if connection.dialect.name == "postgresql" else "?"
        connection.exec_driver_sql(
            f"INSERT INTO blobs (key, value) VALUES ({mark}, {mark}) ON CONFLICT (key) DO NOTHING",
            list(blobs.items()),
        )


def _upsert(connection: Connection, model: Any, key: str, rows: list[dict[str, Any]]) -> None:
    # Both dialects spell "insert ... on conflict do update" the same way.
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(model)
    updates = {name: statement.excluded[name] for name in rows[0] if name != key}
    connection.execute(statement.on_conflict_do_update(index_elements=[key], set_=updates), rows)


def _upsert_meta(connection: Connection, meta: Mapping[str, bytes]) -> None:
    if meta:
        _upsert(connection, Meta, "key", [{"key": k, "value": v} for k, v in meta.items()])


def _insert_wal(connection: Connection, entries: Sequence[WalEntry]) -> None:
    if entries:
        rows = [{"height": entry.height, "raw": entry.raw} for entry in entries]
        connection.execute(insert(Wal), rows)


def _get_latest_version(connection: Connection) -> Version | None:
    latest = connection.execute(_SELECT_LATEST_VERSION).scalar()
    return None if latest is None else Version(latest)


def _get_last_height(connection: Connection) -> Height:
    return Height(connection.execute(_SELECT_LAST_HEIGHT).scalar() or 0)


def _to_stored_tx(row: Any) -> StoredTx:
    return StoredTx(
        tx_id=Hash32(bytes(row.tx_id)),
        height=Height(row.height),
        index=row.tx_index,
        raw=bytes(row.raw),
        code=row.code,
        message=row.message,
    )


class SqlChainStore:
    """A node's store in an SQL database; see :func:`~chains.runtime.storage.base.open_store`."""

    def __init__(self, url: str, *, cache_nodes: int = 200_000) -> None:
        if type(cache_nodes) is not int or cache_nodes < 0:
            raise ConsortiumError(
                ErrorCode.INVALID_CONFIG, f"cache_nodes must be an integer >= 0, not {cache_nodes}"
            )
        self._engine = create_store_engine(url)
        try:
            with self._engine.begin() as connection:
                if connection.dialect.name == "sqlite":
                    verify_sqlite_settings(connection).raise_for_error()
                upgrade_schema(connection)
            self._node_reader, self._node_cursor, mark = _open_node_reader(self._engine)
        except ConsortiumError:
            self._engine.dispose()
            raise
        except (SQLAlchemyError, CommandError, OSError) as error:
            self._engine.dispose()
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
            raise ConsortiumError(
                ErrorCode.STORAGE_MISCONFIGURED,
                f"cannot open the store at {get_redacted_url(url)!r}: {first_line}",
            ) from error
        self._node_query = f"SELECT node FROM tree_nodes WHERE node_key = {mark}"
        self._blob_query = f"SELECT value FROM blobs WHERE key = {mark}"
        self._closed = False
        self._cache = NodeCache(cache_nodes)
        # The latest root written through this store: StateTree asks for a root on every read.
        self._latest_root: tuple[Version, RootRecord] | None = None

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (for tests and maintenance tools)."""
        return self._engine

    # NodeStore: the state tree.

    def get_node(self, node_key: NodeKey) -> bytes | None:
        """The encoded node stored under ``node_key``, or None (never written, or pruned)."""
        node = self._cache.get(node_key)
        if node is not None:
            return node
        return self._load_node(node_key)

    def _load_node(self, node_key: NodeKey) -> bytes | None:
        # A cache miss costs one round trip on a connection of its own, without a
        # transaction: a node key never changes meaning, so no snapshot is needed.
        cursor = self._node_cursor
        cursor.execute(self._node_query, (encode_node_key(node_key),))
        rows = cursor.fetchall()  # all rows: SQLite ends the statement (no pinned snapshot)
        if not rows:
            return None
        node = bytes(rows[0][0])
        self._cache.put(node_key, node)
        return node

    def get_cached_node_count(self) -> int:
        """How many nodes the cache holds now (at most ``cache_nodes``)."""
        return len(self._cache)

    def get_root(self, version: Version) -> RootRecord | None:
        """The root of ``version``, or None if it was never written or was pruned."""
        latest = self._latest_root
        if latest is not None and latest[0] == version:
            return latest[1]
        with self._engine.connect() as connection:
            row = connection.execute(_SELECT_ROOT, {"version": version}).first()
        if row is None:
            return None
        root_key = None if row.root_key is None else decode_node_key(bytes(row.root_key))
        return RootRecord(root_key, Hash32(bytes(row.root_hash)))

    def get_latest_version(self) -> Version | None:
        """The newest state version, or None before the first write."""
        with self._engine.connect() as connection:
            return _get_latest_version(connection)

    def get_oldest_version(self) -> Version | None:
        """The oldest state version still readable, or None before the first write."""
        with self._engine.connect() as connection:
            oldest = connection.execute(_SELECT_OLDEST_VERSION).scalar()
        return None if oldest is None else Version(oldest)

    def write_batch(self, batch: TreeBatch) -> None:
        """Store one state version (e.g. the genesis state, version 0) in one transaction."""
        with self._engine.begin() as connection:
            latest = _get_latest_version(connection)
            if latest is not None and batch.version <= latest:
                raise ConsortiumError(
                    ErrorCode.MALFORMED_INPUT,
                    f"version {batch.version} is not above the latest version {latest}",
                )
            _write_tree_batch(connection, batch)
        self._remember_batch(batch)

    def _remember_batch(self, batch: TreeBatch) -> None:
        # Only after the commit: a rolled-back batch must leave no trace in memory.
        self._latest_root = (batch.version, batch.root)
        # The nodes this version replaced serve only reads of older versions (rare: a
        # proof at a past height), so they leave the cache to the nodes of the tip.
        self._cache.discard(batch.stale_keys)
        self._cache.put_many(batch.new_nodes)

    def prune(self, below_version: Version) -> int:
        """Forget versions below ``below_version`` and the nodes only they used; count deleted."""
        due = TreeStaleSet.stale_since <= below_version
        with self._engine.begin() as connection:
            sets = connection.execute(select(TreeStaleSet.node_keys).where(due)).scalars()
            keys = [key for packed in sets for key in unpack_node_keys(bytes(packed))]
            for start in range(0, len(keys), _IN_CHUNK):
                chunk = keys[start : start + _IN_CHUNK]
                connection.execute(delete(TreeNode).where(TreeNode.node_key.in_(chunk)))
            connection.execute(delete(TreeStaleSet).where(due))
            connection.execute(delete(TreeRoot).where(TreeRoot.version < below_version))
        self._cache.discard(decode_node_key(key) for key in keys)
        if self._latest_root is not None and self._latest_root[0] < below_version:
            self._latest_root = None
        return len(keys)

    # Blocks and transactions.

    def get_last_height(self) -> Height:
        """The height of the last committed block; 0 before the first block."""
        with self._engine.connect() as connection:
            return _get_last_height(connection)

    def commit_block(self, record: CommitRecord) -> None:
        """Store one committed block and everything it writes in one transaction."""
        try:
            with self._engine.begin() as connection:
                last_height = _get_last_height(connection)
                latest_version = _get_latest_version(connection)
                verify_commit_record(record, last_height, latest_version).raise_for_error()
                _insert_block(connection, record)
                _insert_txs(connection, record.txs)
                _write_tree_batch(connection, record.tree_batch)
                _insert_blobs(connection, record.blobs)
                _upsert_meta(connection, record.meta)
                if record.wal_prune_below is not None:
                    connection.execute(delete(Wal).where(Wal.height < record.wal_prune_below))
        except IntegrityError:
            # Rolled back already; now say which stored row it collided with.
            raise self._get_conflict(record) from None
        self._remember_batch(record.tree_batch)

    def _get_conflict(self, record: CommitRecord) -> ConsortiumError:
        tx_ids = [tx.tx_id for tx in record.txs]
        with self._engine.connect() as connection:
            for start in range(0, len(tx_ids), _IN_CHUNK):
                chunk = tx_ids[start : start + _IN_CHUNK]
                row = connection.execute(
                    select(Transaction.tx_id, Transaction.height)
                    .where(Transaction.tx_id.in_(chunk))
                    .limit(1)
                ).first()
                if row is not None:
                    return ConsortiumError(
                        ErrorCode.STORAGE_CONFLICT,
                        f"transaction {bytes(row.tx_id).hex()} is already stored "
                        f"at height {row.height}",
                    )
            other = connection.execute(
                select(Block.height).where(Block.hash == record.block_hash)
            ).scalar()
        if other is not None:
            return ConsortiumError(
                ErrorCode.STORAGE_CONFLICT,
                f"block hash {record.block_hash.hex()} is already stored at height {other}",
            )
        return ConsortiumError(
            ErrorCode.STORAGE_CONFLICT,
            f"block {record.height} collides with stored rows; nothing of it was written",
        )

    def _read_one(self, statement: Any, params: dict[str, Any]) -> Any:
        with self._engine.connect() as connection:
            return connection.execute(statement, params).scalar()

    def get_blob(self, key: bytes) -> bytes | None:
        """The blob a committed block stored under ``key``, or None."""
        # Read like a node (no snapshot needed): a blob never changes once stored.
        cursor = self._node_cursor
        cursor.execute(self._blob_query, (key,))
        rows = cursor.fetchall()
        return bytes(rows[0][0]) if rows else None

    def get_block(self, height: Height) -> bytes | None:
        """The serialised block at ``height``, or None."""
        raw = self._read_one(select(Block.raw).where(_BLOCK_AT), {"height": height})
        return None if raw is None else bytes(raw)

    def get_block_hash(self, height: Height) -> Hash32 | None:
        """The hash of the block at ``height``, or None."""
        block_hash = self._read_one(select(Block.hash).where(_BLOCK_AT), {"height": height})
        return None if block_hash is None else Hash32(bytes(block_hash))

    def get_height_by_hash(self, block_hash: bytes) -> Height | None:
        """The height of the block with ``block_hash``, or None."""
        statement = select(Block.height).where(Block.hash == bindparam("hash"))
        height = self._read_one(statement, {"hash": block_hash})
        return None if height is None else Height(height)

    def get_certificate(self, height: Height) -> bytes | None:
        """The serialised commit certificate of the block at ``height``, or None."""
        raw = self._read_one(select(Block.certificate).where(_BLOCK_AT), {"height": height})
        return None if raw is None else bytes(raw)

    def get_tx(self, tx_id: bytes) -> StoredTx | None:
        """The committed transaction ``tx_id`` with its result, or None."""
        with self._engine.connect() as connection:
            row = connection.execute(_SELECT_TX.where(Transaction.tx_id == tx_id)).first()
        return None if row is None else _to_stored_tx(row)

    def has_tx(self, tx_id: bytes) -> bool:
        """True when transaction ``tx_id`` is committed."""
        statement = select(Transaction.height).where(Transaction.tx_id == bindparam("tx_id"))
        return self._read_one(statement, {"tx_id": tx_id}) is not None

    def get_block_txs(self, height: Height) -> list[StoredTx]:
        """The transactions of the block at ``height`` in block order."""
        statement = _SELECT_TX.where(Transaction.height == bindparam("height")).order_by(
            Transaction.tx_index
        )
        with self._engine.connect() as connection:
            rows = connection.execute(statement, {"height": height}).all()
        return [_to_stored_tx(row) for row in rows]

    # Consensus safety data and write-ahead log.

    def load_safety(self) -> bytes | None:
        """The consensus safety data last saved, or None."""
        raw = self._read_one(select(Safety.raw).where(Safety.id == SAFETY_ROW_ID), {})
        return None if raw is None else bytes(raw)

    def save_safety(self, raw: bytes, wal: Sequence[WalEntry] = ()) -> None:
        """Replace the safety data and append ``wal`` in one transaction, durable on return."""
        with self._engine.begin() as connection:
            _upsert(connection, Safety, "id", [{"id": SAFETY_ROW_ID, "raw": raw}])
            _insert_wal(connection, wal)

    def append_wal(self, entries: Sequence[WalEntry]) -> None:
        """Append ``entries`` to the write-ahead log in one transaction, durable on return."""
        if entries:
            with self._engine.begin() as connection:
                _insert_wal(connection, entries)

    def get_wal(self, from_height: Height) -> list[WalEntry]:
        """The WAL entries of heights >= ``from_height``, in insertion order."""
        statement = select(Wal.height, Wal.raw).where(Wal.height >= from_height).order_by(Wal.id)
        with self._engine.connect() as connection:
            rows = connection.execute(statement).all()
        return [WalEntry(Height(row.height), bytes(row.raw)) for row in rows]

    # Metadata.

    def get_meta(self, key: str) -> bytes | None:
        """The metadata entry ``key``, or None."""
        value = self._read_one(select(Meta.value).where(Meta.key == bindparam("key")), {"key": key})
        return None if value is None else bytes(value)

    def set_meta(self, key: str, value: bytes) -> None:
        """Create or replace the metadata entry ``key``, durable on return."""
        with self._engine.begin() as connection:
            _upsert_meta(connection, {key: value})

    def close(self) -> None:
        """Close every connection and drop the caches (a second call does nothing)."""
        if self._closed:
            return
        self._closed = True
        self._node_cursor.close()
        # Discarded, not returned: it was switched to autocommit for node reads only.
        self._node_reader.invalidate()
        self._engine.dispose()
        self._cache.clear()
        self._latest_root = None
