"""One storage conformance suite, run against every backend (memory, SQLite, PostgreSQL).

Like Trillian's storage tests: the same expectations for each implementation
of :class:`~chains.runtime.storage.ChainStore`, so the in-memory store used
by the simulator cannot drift from the databases a node runs on.
"""

from __future__ import annotations

import hashlib
import random

import pytest

from chains.core.consensus.messages import Step, Vote, VoteType
from chains.core.consensus.safety import SafetyData, SafetyRules
from chains.core.errors import ConsortiumError, ErrorCode
from chains.core.state_tree import (
    InMemoryNodeStore,
    StateTree,
    compute_tree_batch,
    verify_state_proof,
)
from chains.core.state_tree.nodes import compute_node_key
from chains.core.types import ChainId, Hash32, Height, Round, Version
from chains.runtime.storage import (
    ChainSafetyStore,
    ChainStore,
    CommitRecord,
    WalEntry,
    open_store,
)

from .conftest import (
    SQL_BACKENDS,
    commit_blocks,
    get_block_txs_for,
    get_snapshot,
    make_record,
    make_tx,
)

CONFLICT = ErrorCode.STORAGE_CONFLICT
CHAIN = ChainId("tax-1")
SECRET_KEY = 0x5EC2E7
A = Hash32(b"\xaa" * 32)
B = Hash32(b"\xbb" * 32)


def assert_refused(store: ChainStore, record: CommitRecord, code: ErrorCode) -> None:
    """Committing ``record`` is refused with ``code`` and changes nothing."""
    before = get_snapshot(store, record)
    with pytest.raises(ConsortiumError) as caught:
        store.commit_block(record)
    assert caught.value.code == code, caught.value
    assert get_snapshot(store, record) == before


# An empty store.


def test_an_empty_store_has_nothing(store: ChainStore) -> None:
    assert store.get_last_height() == 0
    assert store.get_block(Height(1)) is None
    assert store.get_block_hash(Height(1)) is None
    assert store.get_height_by_hash(b"\x00" * 32) is None
    assert store.get_certificate(Height(1)) is None
    assert store.get_tx(b"\x00" * 32) is None
    assert not store.has_tx(b"\x00" * 32)
    assert store.get_block_txs(Height(1)) == []
    assert store.load_safety() is None
    assert store.get_wal(Height(0)) == []
    assert store.get_meta("anything") is None
    assert store.get_latest_version() is None
    assert store.get_oldest_version() is None
    assert store.get_root(Version(0)) is None
    assert store.get_node(compute_node_key(0, 0, 0)) is None
    assert store.get_blob(b"blob/1") is None


# Blocks and transactions.


def test_committed_blocks_read_back(store: ChainStore) -> None:
    records = commit_blocks(store, 1, 6)
    assert store.get_last_height() == 6
    for record in records:
        height = record.height
        assert store.get_block(height) == record.block_raw
        assert store.get_block_hash(height) == record.block_hash
        assert store.get_height_by_hash(record.block_hash) == height
        assert store.get_certificate(height) == record.certificate_raw
        assert store.get_block_txs(height) == list(record.txs)
        for tx in record.txs:
            assert store.get_tx(tx.tx_id) == tx
            assert store.has_tx(tx.tx_id)
    assert store.get_block(Height(7)) is None
    assert store.get_block_txs(Height(4)) == []  # 4 % 4 == 0: an empty block


def test_transaction_results_and_block_order_are_kept(store: ChainStore) -> None:
    txs = [
        make_tx(1, i, code=i % 3, message="" if i % 3 == 0 else f"refused {i}", salt=bytes([i]))
        for i in range(40)
    ]
    # Ids in random order relative to positions: block order must come from the index.
    store.commit_block(make_record(store, 1, txs=txs))
    assert store.get_block_txs(Height(1)) == txs
    failed = store.get_tx(txs[5].tx_id)
    assert failed is not None and (failed.code, failed.message, failed.index) == (2, "refused 5", 5)
    assert store.get_tx(txs[0].tx_id).message == ""  # type: ignore[union-attr]


def test_messages_and_bytes_are_stored_exactly(store: ChainStore) -> None:
    message = "tab\there, newline\nthere, backslash \\N, quote ' \" and ünïcödé ✓"
    tx = make_tx(1, 0, code=3, message=message, salt=b"\t\n\\N\x00\xff,")
    store.commit_block(make_record(store, 1, txs=[tx]))
    assert store.get_tx(tx.tx_id) == tx
    assert store.get_block_txs(Height(1)) == [tx]


def test_large_blocks_round_trip(store: ChainStore) -> None:
    block = bytes(range(256)) * 4096  # 1 MiB, every byte value
    txs = [make_tx(1, i, salt=b"\x00\xff" * 500) for i in range(300)]
    record = make_record(store, 1, txs=txs)
    record = CommitRecord(
        record.height,
        record.block_hash,
        block,
        record.certificate_raw,
        record.txs,
        record.tree_batch,
        record.meta,
    )
    store.commit_block(record)
    assert store.get_block(Height(1)) == block
    assert store.get_block_txs(Height(1)) == txs


# Refusals: each changes nothing.


def test_a_height_gap_is_refused(store: ChainStore) -> None:
    commit_blocks(store, 1, 2)
    assert_refused(store, make_record(store, 4), CONFLICT)
    assert store.get_last_height() == 2


def test_the_first_block_must_be_height_one(store: ChainStore) -> None:
    assert_refused(store, make_record(store, 2), CONFLICT)
    assert_refused(store, make_record(store, 0, version=1), CONFLICT)


def test_a_repeated_height_is_refused(store: ChainStore) -> None:
    (first,) = commit_blocks(store, 1, 1)
    assert_refused(store, first, CONFLICT)
    assert store.get_block(Height(1)) == first.block_raw


def test_a_tree_version_other_than_the_height_is_refused(store: ChainStore) -> None:
    commit_blocks(store, 1, 1)
    assert_refused(store, make_record(store, 2, version=3), CONFLICT)
    store.commit_block(make_record(store, 2))  # and the right one still goes in


def test_a_tree_that_moved_on_is_refused(store: ChainStore) -> None:
    commit_blocks(store, 1, 1)
    record = make_record(store, 2)
    store.write_batch(compute_tree_batch(store, Version(2), {b"written": b"elsewhere"}))
    assert_refused(store, record, CONFLICT)
    assert store.get_last_height() == 1


def test_genesis_state_version_zero_precedes_block_one(store: ChainStore) -> None:
    store.write_batch(compute_tree_batch(store, Version(0), {b"genesis": b"state"}))
    assert store.get_latest_version() == 0
    commit_blocks(store, 1, 2)
    assert (store.get_oldest_version(), store.get_latest_version()) == (0, 2)
    assert StateTree(store).get(b"genesis", Version(2)) == b"state"


def test_a_transaction_is_never_stored_twice(store: ChainStore) -> None:
    (first,) = commit_blocks(store, 1, 1)
    again = first.txs[0]
    replayed = make_tx(2, 1, salt=b"new")
    moved = type(again)(again.tx_id, Height(2), 0, again.raw, again.code, again.message)
    assert_refused(store, make_record(store, 2, txs=[moved, replayed]), CONFLICT)
    assert store.get_tx(again.tx_id) == again
    assert not store.has_tx(replayed.tx_id)


def test_a_transaction_twice_in_one_block_is_refused(store: ChainStore) -> None:
    tx = make_tx(1, 0)
    twice = type(tx)(tx.tx_id, Height(1), 1, tx.raw, 0, "")
    assert_refused(store, make_record(store, 1, txs=[tx, twice]), CONFLICT)
    assert not store.has_tx(tx.tx_id)


def test_transactions_must_be_well_formed(store: ChainStore) -> None:
    wrong_height = make_tx(2, 0)
    assert_refused(store, make_record(store, 1, txs=[wrong_height]), ErrorCode.MALFORMED_INPUT)
    wrong_index = make_tx(1, 1)
    assert_refused(store, make_record(store, 1, txs=[wrong_index]), ErrorCode.MALFORMED_INPUT)
    nul = make_tx(1, 0, code=1, message="bad\x00message")
    assert_refused(store, make_record(store, 1, txs=[nul]), ErrorCode.MALFORMED_INPUT)


# Blobs beside the state tree.


def test_blobs_are_stored_with_their_block(store: ChainStore) -> None:
    records = commit_blocks(store, 1, 3)
    for record in records:
        assert record.blobs and all(store.get_blob(k) == v for k, v in record.blobs.items())
    assert store.get_blob(b"blob/4") is None
    value = bytes(range(256)) * 8  # every byte value, beyond one small page row
    store.commit_block(make_record(store, 4, blobs={b"\x00\xff key": value}))
    assert store.get_blob(b"\x00\xff key") == value


def test_a_blob_stored_again_keeps_its_row(store: ChainStore) -> None:
    # A blob key commits to its value: a later block writing the same key (a record
    # back in an earlier state) writes the same blob, and the store keeps one row.
    commit_blocks(store, 1, 1)
    store.commit_block(make_record(store, 2, blobs={b"blob/1": b"value 1", b"blob/2b": b"x"}))
    assert store.get_blob(b"blob/1") == b"value 1"
    assert store.get_blob(b"blob/2b") == b"x"


@pytest.mark.parametrize("blob", [(b"", b"value"), (b"key", "text"), ("key", b"value")])
def test_a_blob_that_is_not_non_empty_bytes_is_refused(
    store: ChainStore, blob: tuple[object, object]
) -> None:
    record = make_record(store, 1, blobs={blob[0]: blob[1]})  # type: ignore[dict-item]
    with pytest.raises(ConsortiumError) as caught:
        store.commit_block(record)
    assert caught.value.code == ErrorCode.MALFORMED_INPUT
    assert store.get_last_height() == 0


def test_a_refused_commit_is_followed_by_a_good_one(store: ChainStore) -> None:
    (first,) = commit_blocks(store, 1, 1)
    duplicate = make_record(store, 2, txs=[make_tx(2, 0), first.txs[0]])
    duplicate = CommitRecord(
        duplicate.height,
        duplicate.block_hash,
        duplicate.block_raw,
        duplicate.certificate_raw,
        (make_tx(2, 0), type(first.txs[0])(first.txs[0].tx_id, Height(2), 1, b"x", 0, "")),
        duplicate.tree_batch,
        {"refused": b"yes"},
        blobs={b"refused blob": b"no"},
    )
    assert_refused(store, duplicate, CONFLICT)
    assert store.get_meta("refused") is None
    assert store.get_blob(b"refused blob") is None
    good = make_record(store, 2)
    store.commit_block(good)
    assert store.get_block(Height(2)) == good.block_raw
    assert StateTree(store).get_root(Version(2)) == good.tree_batch.root.root_hash


# The state tree on top of the store.


def test_the_state_tree_reads_proves_and_prunes(store: ChainStore) -> None:
    tree = StateTree(store)
    reference = StateTree(InMemoryNodeStore())
    genesis = {b"account/%d" % i: b"opening balance %d" % i for i in range(40)}
    store.write_batch(compute_tree_batch(store, Version(0), genesis))
    reference.apply_updates(Version(0), genesis)
    batches = {}
    for height in range(1, 8):
        updates = {b"account/%d" % (height * 7 % 45): b"v%d" % height, b"height": b"%d" % height}
        if height % 2 == 0:
            updates[b"account/%d" % height] = None
        record = make_record(store, height, updates=updates)
        store.commit_block(record)
        batches[height] = record.tree_batch
        reference.apply_updates(Version(height), updates)
    keys = [b"account/%d" % i for i in range(46)] + [b"height", b"never written"]
    for version in range(8):
        root = tree.get_root(Version(version))
        assert root == reference.get_root(Version(version))
        for key in keys:
            value, proof = tree.get_with_proof(key, Version(version))
            assert value == reference.get(key, Version(version))
            assert verify_state_proof(root, key, value, proof).ok
            assert not verify_state_proof(root, key, b"forged", proof).ok

    deleted = tree.prune(Version(5))
    assert deleted == reference.prune(Version(5)) and deleted > 0
    assert (store.get_oldest_version(), store.get_latest_version()) == (5, 7)
    for version in range(5):
        assert store.get_root(Version(version)) is None
        assert not tree.is_version_available(Version(version))
    for height, batch in batches.items():
        if height <= 5:
            assert all(store.get_node(key) is None for key in batch.stale_keys)
    for version in range(5, 8):
        root = tree.get_root(Version(version))
        for key in keys:
            value, proof = tree.get_with_proof(key, Version(version))
            assert value == reference.get(key, Version(version))
            assert verify_state_proof(root, key, value, proof).ok
    with pytest.raises(ConsortiumError) as caught:
        tree.get(b"height", Version(4))
    assert caught.value.code == ErrorCode.STATE_VERSION_UNAVAILABLE

    record = make_record(store, 8, updates={b"after": b"pruning"})
    store.commit_block(record)
    assert tree.get(b"after", Version(8)) == b"pruning"
    assert tree.get_root(Version(8)) == reference.apply_updates(Version(8), {b"after": b"pruning"})


@pytest.mark.parametrize("seed", [1, 2])
def test_random_updates_give_the_roots_of_an_in_memory_tree(store: ChainStore, seed: int) -> None:
    rng = random.Random(seed)
    tree = StateTree(store)
    reference = StateTree(InMemoryNodeStore())
    keys = [b"key/%d" % i for i in range(60)]
    for height in range(1, 26):
        updates: dict[bytes, bytes | None] = {}
        for _ in range(rng.randrange(0, 12)):
            key = rng.choice(keys)
            updates[key] = None if rng.random() < 0.25 else rng.randbytes(rng.randrange(0, 40))
        store.commit_block(make_record(store, height, updates=updates))
        expected = reference.apply_updates(Version(height), updates)
        assert tree.get_root(Version(height)) == expected
        for key in rng.sample(keys, 5):
            value, proof = tree.get_with_proof(key, Version(height))
            assert value == reference.get(key, Version(height))
            assert verify_state_proof(expected, key, value, proof).ok
        if height % 10 == 0:
            assert tree.prune(Version(height - 3)) == reference.prune(Version(height - 3))
            assert store.get_oldest_version() == reference.get_oldest_version()


# Consensus safety data and write-ahead log.


class FakeScheme:
    """A deterministic stand-in for BLS: SafetyRules only signs and names its key."""

    name = "fake"

    def sign(self, secret_key: int, message: bytes) -> bytes:
        """SHA-256 of the key and the message."""
        return hashlib.sha256(secret_key.to_bytes(32, "big") + message).digest()

    def get_public_key(self, secret_key: int) -> bytes:
        """The key itself."""
        return secret_key.to_bytes(32, "big")


def make_vote(vote_type: VoteType, height: int, round_: int, block_hash: Hash32 | None) -> Vote:
    """An unsigned vote by validator 0."""
    return Vote(vote_type, CHAIN, Height(height), Round(round_), block_hash, 0)


def test_safety_data_round_trips(store: ChainStore) -> None:
    safety = ChainSafetyStore(store)
    assert safety.load() is None
    data = SafetyData(Height(9), Round(2), Step.PRECOMMIT, b"sign bytes", b"sig", Round(2), A)
    safety.save(data)
    assert safety.load() == data
    newer = SafetyData(Height(10), Round(0), Step.PREVOTE, b"more", b"sig2")
    safety.save(newer)
    assert ChainSafetyStore(store).load() == newer


def test_garbage_safety_data_is_refused_on_load(store: ChainStore) -> None:
    store.save_safety(b'{"not": "safety data"}')
    with pytest.raises(ConsortiumError) as caught:
        ChainSafetyStore(store).load()
    assert caught.value.code == ErrorCode.MALFORMED_INPUT


def test_a_restarted_validator_refuses_to_double_sign(store: ChainStore) -> None:
    rules = SafetyRules(CHAIN, SECRET_KEY, FakeScheme(), ChainSafetyStore(store))  # type: ignore[arg-type]
    rules.sign_vote(make_vote(VoteType.PRECOMMIT, 4, 0, A))
    sent = rules.sign_vote(make_vote(VoteType.PREVOTE, 4, 1, A))

    restarted = SafetyRules(CHAIN, SECRET_KEY, FakeScheme(), ChainSafetyStore(store))  # type: ignore[arg-type]
    assert restarted.get_safety_data() == rules.get_safety_data()
    assert restarted.get_lock(Height(4)) == (0, A)
    with pytest.raises(ConsortiumError) as caught:
        restarted.sign_vote(make_vote(VoteType.PREVOTE, 4, 1, B))
    assert caught.value.code == ErrorCode.DOUBLE_SIGN_REFUSED
    assert restarted.sign_vote(make_vote(VoteType.PREVOTE, 4, 1, A)) == sent


def test_save_safety_writes_the_wal_entries_with_it(store: ChainStore) -> None:
    entries = [WalEntry(Height(3), b"proposal"), WalEntry(Height(3), b"prevote")]
    store.save_safety(b"safety 1", entries)
    assert (store.load_safety(), store.get_wal(Height(0))) == (b"safety 1", entries)
    store.save_safety(b"safety 2")
    assert (store.load_safety(), store.get_wal(Height(0))) == (b"safety 2", entries)


def test_wal_keeps_insertion_order_and_filters_by_height(store: ChainStore) -> None:
    entries = [WalEntry(Height(h), b"message %d" % i) for i, h in enumerate([2, 3, 2, 4, 3, 5])]
    store.append_wal(entries[:2])
    store.append_wal([])
    store.append_wal(entries[2:])
    assert store.get_wal(Height(0)) == entries
    assert store.get_wal(Height(3)) == [e for e in entries if e.height >= 3]
    assert store.get_wal(Height(6)) == []


def test_commit_prunes_the_wal_below_a_height(store: ChainStore) -> None:
    entries = [WalEntry(Height(h), b"m%d" % h) for h in (1, 2, 2, 3)]
    store.append_wal(entries)
    store.commit_block(make_record(store, 1, wal_prune_below=2))
    assert store.get_wal(Height(0)) == entries[1:]
    store.commit_block(make_record(store, 2))  # None: keep everything
    assert store.get_wal(Height(0)) == entries[1:]
    store.commit_block(make_record(store, 3, wal_prune_below=4))
    assert store.get_wal(Height(0)) == []


# Metadata.


def test_meta_get_set_and_overwrite(store: ChainStore) -> None:
    store.set_meta("genesis/hash", b"\x01" * 32)
    store.set_meta("empty", b"")
    assert store.get_meta("genesis/hash") == b"\x01" * 32
    assert store.get_meta("empty") == b""
    store.set_meta("genesis/hash", b"\x02")
    assert store.get_meta("genesis/hash") == b"\x02"


def test_commit_upserts_meta(store: ChainStore) -> None:
    store.set_meta("valset/current", b"old")
    store.commit_block(make_record(store, 1, meta={"valset/current": b"new", "valset/1": b"v1"}))
    assert store.get_meta("valset/current") == b"new"
    assert store.get_meta("valset/1") == b"v1"


# Reopening a durable store.


@pytest.mark.parametrize("backend", SQL_BACKENDS)
def test_everything_survives_a_reopen(store: ChainStore, store_url: str) -> None:
    genesis = {b"genesis/%d" % i: b"g" for i in range(10)}
    store.write_batch(compute_tree_batch(store, Version(0), genesis))
    records = commit_blocks(store, 1, 5)
    rules = SafetyRules(CHAIN, SECRET_KEY, FakeScheme(), ChainSafetyStore(store))  # type: ignore[arg-type]
    sent = rules.sign_vote(make_vote(VoteType.PREVOTE, 6, 0, A))
    store.append_wal([WalEntry(Height(6), b"prevote")])
    store.set_meta("chain_id", b"tax-1")
    roots = {v: StateTree(store).get_root(Version(v)) for v in range(6)}
    store.close()

    reopened = open_store(store_url)
    try:
        assert reopened.get_last_height() == 5
        for record in records:
            assert reopened.get_block(record.height) == record.block_raw
            assert reopened.get_certificate(record.height) == record.certificate_raw
            assert reopened.get_height_by_hash(record.block_hash) == record.height
            assert reopened.get_block_txs(record.height) == list(record.txs)
        assert reopened.get_wal(Height(0)) == [WalEntry(Height(6), b"prevote")]
        assert reopened.get_meta("chain_id") == b"tax-1"
        assert reopened.get_meta("last/1") == b"5"
        assert all(reopened.get_blob(k) == v for r in records for k, v in r.blobs.items())
        tree = StateTree(reopened)
        assert {v: tree.get_root(Version(v)) for v in range(6)} == roots
        value, proof = tree.get_with_proof(b"genesis/3", Version(5))
        assert value == b"g" and verify_state_proof(roots[5], b"genesis/3", value, proof).ok

        restarted = SafetyRules(CHAIN, SECRET_KEY, FakeScheme(), ChainSafetyStore(reopened))  # type: ignore[arg-type]
        with pytest.raises(ConsortiumError) as caught:
            restarted.sign_vote(make_vote(VoteType.PREVOTE, 6, 0, B))
        assert caught.value.code == ErrorCode.DOUBLE_SIGN_REFUSED
        assert restarted.sign_vote(make_vote(VoteType.PREVOTE, 6, 0, A)) == sent

        # The chain goes on from where it was, from a cold node cache.
        record = make_record(reopened, 6)
        reopened.commit_block(record)
        assert reopened.get_block_txs(Height(6)) == get_block_txs_for(6)
        assert tree.get(b"height", Version(6)) == b"6"
    finally:
        reopened.close()
