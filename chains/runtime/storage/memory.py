"""A :class:`~chains.runtime.storage.base.ChainStore` in Python dicts: tests and simulation.

It answers exactly like the SQL store (one conformance suite runs against
both) but forgets everything when the process ends. The state-tree part is
an :class:`~chains.core.state_tree.store.InMemoryNodeStore`; every check of
a commit runs before its first write, so a refused commit changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from chains.core.errors import ConsortiumError, ErrorCode
from chains.core.state_tree.nodes import NodeKey
from chains.core.state_tree.store import InMemoryNodeStore, RootRecord, TreeBatch
from chains.core.types import Hash32, Height, Version
from chains.runtime.storage.base import CommitRecord, StoredTx, WalEntry, verify_commit_record


class InMemoryChainStore:
    """Everything a node stores, kept in this process only."""

    def __init__(self) -> None:
        self._tree = InMemoryNodeStore()
        # The tree reads a node per level: hand out the inner store's own (C-level) lookup.
        self.get_node = self._tree.get_node  # type: ignore[method-assign]
        self._blocks: dict[int, tuple[Hash32, bytes, bytes]] = {}  # height -> hash, block, cert
        self._heights: dict[bytes, Height] = {}
        self._txs: dict[bytes, StoredTx] = {}
        self._block_txs: dict[int, tuple[StoredTx, ...]] = {}
        self._last_height = Height(0)
        self._safety: bytes | None = None
        self._wal: list[WalEntry] = []
        self._meta: dict[str, bytes] = {}
        self._blobs: dict[bytes, bytes] = {}

    # NodeStore: the state tree.

    def get_node(self, node_key: NodeKey) -> bytes | None:
        """The encoded node stored under ``node_key``, or None."""
        return self._tree.get_node(node_key)

    def get_root(self, version: Version) -> RootRecord | None:
        """The root of ``version``, or None if it was never written or was pruned."""
        return self._tree.get_root(version)

    def get_latest_version(self) -> Version | None:
        """The newest state version, or None before the first write."""
        return self._tree.get_latest_version()

    def get_oldest_version(self) -> Version | None:
        """The oldest state version still readable, or None before the first write."""
        return self._tree.get_oldest_version()

    def write_batch(self, batch: TreeBatch) -> None:
        """Store one state version (e.g. the genesis state, version 0) on its own."""
        self._tree.write_batch(batch)

    def prune(self, below_version: Version) -> int:
        """Forget state versions below ``below_version`` and the nodes only they used."""
        return self._tree.prune(below_version)

    # Blocks and transactions.

    def get_last_height(self) -> Height:
        """The height of the last committed block; 0 before the first block."""
        return self._last_height

    def commit_block(self, record: CommitRecord) -> None:
        """Store one committed block and everything it writes; refused means unchanged."""
        verify_commit_record(
            record, self._last_height, self._tree.get_latest_version()
        ).raise_for_error()
        height = record.height
        for tx in record.txs:
            stored = self._txs.get(tx.tx_id)
            if stored is not None:
                raise ConsortiumError(
                    ErrorCode.STORAGE_CONFLICT,
                    f"transaction {tx.tx_id.hex()} is already stored at height {stored.height}",
                )
        other = self._heights.get(record.block_hash)
        if other is not None:
            raise ConsortiumError(
                ErrorCode.STORAGE_CONFLICT,
                f"block hash {record.block_hash.hex()} is already stored at height {other}",
            )
        # Nothing below can fail: the record is written whole.
        self._tree.write_batch(record.tree_batch)
        self._blocks[height] = (record.block_hash, record.block_raw, record.certificate_raw)
        self._heights[record.block_hash] = height
        txs = tuple(record.txs)
        self._block_txs[height] = txs
        self._txs.update((tx.tx_id, tx) for tx in txs)
        self._meta.update(record.meta)
        for key, value in record.blobs.items():
            self._blobs.setdefault(key, value)
        if record.wal_prune_below is not None:
            below = record.wal_prune_below
            self._wal = [entry for entry in self._wal if entry.height >= below]
        self._last_height = height

    def get_blob(self, key: bytes) -> bytes | None:
        """The blob a committed block stored under ``key``, or None."""
        return self._blobs.get(key)

    def get_block(self, height: Height) -> bytes | None:
        """The serialised block at ``height``, or None."""
        block = self._blocks.get(height)
        return None if block is None else block[1]

    def get_block_hash(self, height: Height) -> Hash32 | None:
        """The hash of the block at ``height``, or None."""
        block = self._blocks.get(height)
        return None if block is None else block[0]

    def get_height_by_hash(self, block_hash: bytes) -> Height | None:
        """The height of the block with ``block_hash``, or None."""
        return self._heights.get(block_hash)

    def get_certificate(self, height: Height) -> bytes | None:
        """The serialised commit certificate of the block at ``height``, or None."""
        block = self._blocks.get(height)
        return None if block is None else block[2]

    def get_tx(self, tx_id: bytes) -> StoredTx | None:
        """The committed transaction ``tx_id`` with its result, or None."""
        return self._txs.get(tx_id)

    def has_tx(self, tx_id: bytes) -> bool:
        """True when transaction ``tx_id`` is committed."""
        return tx_id in self._txs

    def get_block_txs(self, height: Height) -> list[StoredTx]:
        """The transactions of the block at ``height`` in block order."""
        return list(self._block_txs.get(height, ()))

    # Consensus safety data and write-ahead log.

    def load_safety(self) -> bytes | None:
        """The consensus safety data last saved, or None."""
        return self._safety

    def save_safety(self, raw: bytes, wal: Sequence[WalEntry] = ()) -> None:
        """Replace the safety data and append ``wal``."""
        self._safety = bytes(raw)
        self._wal.extend(wal)

    def append_wal(self, entries: Sequence[WalEntry]) -> None:
        """Append ``entries`` to the write-ahead log."""
        self._wal.extend(entries)

    def get_wal(self, from_height: Height) -> list[WalEntry]:
        """The WAL entries of heights >= ``from_height``, in insertion order."""
        return [entry for entry in self._wal if entry.height >= from_height]

    # Metadata.

    def get_meta(self, key: str) -> bytes | None:
        """The metadata entry ``key``, or None."""
        return self._meta.get(key)

    def set_meta(self, key: str, value: bytes) -> None:
        """Create or replace the metadata entry ``key``."""
        self._meta[key] = bytes(value)

    def close(self) -> None:
        """Nothing to release: the data goes when the object does."""
