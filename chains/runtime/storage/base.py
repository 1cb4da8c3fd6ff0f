"""The durable storage of a chain node: one interface, the records it stores, and its URL.

A node keeps everything it must not lose in one :class:`ChainStore`: committed
blocks with their commit certificates, the transactions in them with their
results, the state tree (the store *is* the tree's
:class:`~chains.core.state_tree.store.NodeStore`), the blobs blocks write
beside the tree (:mod:`chains.core.app`), the consensus safety data and
write-ahead log, and a few small metadata entries. Committing a block is
one atomic write (:class:`CommitRecord`): after a crash the store holds
either all of a block (its transactions, its state version, its metadata) or
none of it, so the node never acknowledges a block that a restart could lose,
and never restarts with a state that belongs to no block.

Backends are chosen by URL (:func:`open_store`): ``memory://`` for tests and
simulation, ``sqlite:///abs/path.db`` (the embedded default, see
:func:`get_sqlite_url`), and ``postgresql+psycopg://…`` for PostgreSQL.
Bytes in, bytes out: blocks, certificates and transactions are stored
exactly as they were received and hashed (DESIGN §3), never re-serialised.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from chains.core.errors import ACCEPTED, ConsortiumError, ErrorCode, Verdict, refuse
from chains.core.state_tree.store import NodeStore, TreeBatch
from chains.core.types import Hash32, Height

MEMORY_URL = "memory://"
"""The URL of a store that lives in this process only (tests, simulation)."""
SQLITE_FILE_NAME = "chain.db"
"""The file name of a node's SQLite database inside its data directory."""


@dataclass(frozen=True, slots=True)
class StoredTx:
    """A committed transaction, where it is, and what executing it gave."""

    tx_id: Hash32
    """SHA-256 of ``raw``."""
    height: Height
    index: int
    """Position in its block, from 0."""
    raw: bytes
    """The serialised SignedTransaction, exactly as in the block."""
    code: int
    """The TxResult code (0 = success)."""
    message: str
    """The TxResult message ("" on success)."""


@dataclass(frozen=True, slots=True)
class CommitRecord:
    """Everything one committed block writes, atomically (all or nothing)."""

    height: Height
    block_hash: Hash32
    block_raw: bytes
    """The serialised Block."""
    certificate_raw: bytes
    """The serialised CommitCertificate."""
    txs: Sequence[StoredTx]
    """In block order."""
    tree_batch: TreeBatch
    """The state tree's new version; its version equals ``height``."""
    meta: Mapping[str, bytes]
    """Small application or node entries to upsert in the same transaction (e.g. "valset/12")."""
    wal_prune_below: Height | None = None
    """Delete consensus WAL entries of heights below this, in the same transaction."""
    blobs: Mapping[bytes, bytes] = field(default_factory=dict)
    """Blobs the block stores beside the state tree; a key stored already is kept as it is
    (a blob key commits to its value, so both are the same blob)."""


@dataclass(frozen=True, slots=True)
class WalEntry:
    """One entry of the consensus write-ahead log."""

    height: Height
    raw: bytes
    """An encoded consensus message (opaque to the store)."""


class ChainStore(NodeStore, Protocol):
    """The durable storage of one chain node; it is also the state tree's NodeStore.

    Writes are durable when they return. The node calls a store from one
    thread; a store is not meant to be shared between processes.
    """

    def get_last_height(self) -> Height:
        """The height of the last committed block; 0 before the first block."""
        ...

    def commit_block(self, record: CommitRecord) -> None:
        """Store one committed block and everything it writes, atomically.

        Refuses STORAGE_CONFLICT (and changes nothing) unless ``record.height``
        is the last height + 1, the tree batch's version is ``record.height``
        and the tree's latest version is the one before it (None or the
        genesis version 0 before block 1), and when a transaction id is
        already stored or repeated: a transaction is never included twice.
        """
        ...

    def get_blob(self, key: bytes) -> bytes | None:
        """The blob a committed block stored under ``key``, or None."""
        ...

    def get_block(self, height: Height) -> bytes | None:
        """The serialised block at ``height``, or None."""
        ...

    def get_block_hash(self, height: Height) -> Hash32 | None:
        """The hash of the block at ``height``, or None."""
        ...

    def get_height_by_hash(self, block_hash: bytes) -> Height | None:
        """The height of the block with ``block_hash``, or None."""
        ...

    def get_certificate(self, height: Height) -> bytes | None:
        """The serialised commit certificate of the block at ``height``, or None."""
        ...

    def get_tx(self, tx_id: bytes) -> StoredTx | None:
        """The committed transaction ``tx_id`` with its result, or None."""
        ...

    def has_tx(self, tx_id: bytes) -> bool:
        """True when transaction ``tx_id`` is committed."""
        ...

    def get_block_txs(self, height: Height) -> list[StoredTx]:
        """The transactions of the block at ``height`` in block order ([] when none)."""
        ...

    def load_safety(self) -> bytes | None:
        """The consensus safety data last saved, or None."""
        ...

    def save_safety(self, raw: bytes, wal: Sequence[WalEntry] = ()) -> None:
        """Replace the safety data and append ``wal``, in one transaction, durable on return."""
        ...

    def append_wal(self, entries: Sequence[WalEntry]) -> None:
        """Append ``entries`` to the consensus write-ahead log, durable on return."""
        ...

    def get_wal(self, from_height: Height) -> list[WalEntry]:
        """The WAL entries of heights >= ``from_height``, in insertion order."""
        ...

    def get_meta(self, key: str) -> bytes | None:
        """The metadata entry ``key``, or None."""
        ...

    def set_meta(self, key: str, value: bytes) -> None:
        """Create or replace the metadata entry ``key``."""
        ...

    def close(self) -> None:
        """Release the store's connections; the store is not used afterwards."""
        ...


def _conflict(message: str) -> Verdict:
    return refuse(ErrorCode.STORAGE_CONFLICT, message)


def verify_commit_record(
    record: CommitRecord, last_height: Height, latest_version: int | None
) -> Verdict:
    """Whether ``record`` may follow ``last_height`` and the tree's ``latest_version``.

    Checks everything that needs no lookup of stored transactions: the height
    follows, the tree batch is the next version, and each transaction names
    this height, its position, and an id not repeated within the block, and
    has a result message without NUL characters (PostgreSQL text cannot hold them).
    """
    height = record.height
    if height != last_height + 1:
        return _conflict(
            f"block {height} does not follow the last stored block {last_height}: "
            f"the next block to store is {last_height + 1}"
        )
    version = record.tree_batch.version
    if version != height:
        return _conflict(f"block {height} carries state version {version}, not {height}")
    expected = (None, 0) if height == 1 else (height - 1,)
    if latest_version not in expected:
        return _conflict(
            f"block {height} needs the state tree at version {height - 1}, "
            f"but its latest version is {latest_version}"
        )
    seen: set[bytes] = set()
    for position, tx in enumerate(record.txs):
        if tx.height != height or tx.index != position:
            return refuse(
                ErrorCode.MALFORMED_INPUT,
                f"transaction {position} of block {height} says height {tx.height} "
                f"index {tx.index}",
            )
        if "\x00" in tx.message:
            # PostgreSQL text cannot hold NUL: refused everywhere, so backends never differ.
            return refuse(
                ErrorCode.MALFORMED_INPUT,
                f"the result message of transaction {position} of block {height} contains NUL",
            )
        if tx.tx_id in seen:
            return _conflict(f"transaction {tx.tx_id.hex()} appears twice in block {height}")
        seen.add(tx.tx_id)
    for key, value in record.blobs.items():
        if not (isinstance(key, bytes) and key and isinstance(value, bytes)):
            return refuse(
                ErrorCode.MALFORMED_INPUT, f"block {height} has a blob that is not non-empty bytes"
            )
    return ACCEPTED


def get_sqlite_url(data_dir: Path) -> str:
    """The URL of the SQLite database of a node whose data directory is ``data_dir``."""
    return f"sqlite:///{Path(data_dir).resolve() / SQLITE_FILE_NAME}"


def open_store(url: str, *, cache_nodes: int = 200_000) -> ChainStore:
    """Open (creating or upgrading its schema if needed) the store at ``url``.

    ``memory://`` keeps everything in this process; ``sqlite:///abs/path.db``
    and ``postgresql+psycopg://user@host:port/db`` are SQL databases whose
    schema Alembic creates and upgrades here. ``cache_nodes`` bounds the SQL
    stores' cache of state-tree nodes. Any other URL is INVALID_CONFIG.
    """
    if not isinstance(url, str):
        raise ConsortiumError(ErrorCode.INVALID_CONFIG, "a storage URL must be a string")
    if url == MEMORY_URL:
        # Imported here: base must not depend on its implementations at import time.
        from chains.runtime.storage.memory import InMemoryChainStore

        return InMemoryChainStore()
    if url.startswith(("sqlite:///", "postgresql+psycopg://")):
        from chains.runtime.storage.sql import SqlChainStore

        return SqlChainStore(url, cache_nodes=cache_nodes)
    raise ConsortiumError(
        ErrorCode.INVALID_CONFIG,
        f"unsupported storage URL {get_redacted_url(url)!r}: use {MEMORY_URL}, "
        "sqlite:///<absolute path>.db or postgresql+psycopg://<user>@<host>:<port>/<database>",
    )


def get_redacted_url(url: str) -> str:
    """``url`` with any password replaced by ``***``, for messages and logs."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    credentials, at, host = rest.rpartition("@")
    if not at or ":" not in credentials:
        return url
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"
