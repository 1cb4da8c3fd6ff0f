"""The mempool: every refusal, bounds and eviction, candidate order, gossip, verified reuse."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chains.core.app import (
    MAX_NONCE_AHEAD,
    BlockContext,
    execute_block,
    get_account_nonce,
    select_and_execute,
    verify_tx_admissible,
)
from chains.core.crypto import Ed25519KeyPair, compute_ed25519_key_pair
from chains.core.errors import ConsortiumError, ErrorCode
from chains.core.transactions import (
    VerifiedTransaction,
    compute_tx_id,
    decode_verified_transaction,
    sign_transaction,
)
from chains.core.types import ChainId, Height
from chains.kv import KvApplication, make_kv_delete_tx, make_kv_set_tx
from chains.runtime.mempool import AddResult, Mempool, MempoolConfig
from consortium.v1 import chain_pb2
from tests.app_helpers import DictState

CHAIN = ChainId("kv-1")
ALICE = compute_ed25519_key_pair(b"\x0a" * 32)
BOB = compute_ed25519_key_pair(b"\x0b" * 32)
CAROL = compute_ed25519_key_pair(b"\x0d" * 32)
MALLORY = compute_ed25519_key_pair(b"\x0c" * 32)
APP = KvApplication()
GENESIS = APP.get_genesis_updates(
    {
        "accounts": [
            {"name": name, "public_key": key.public_key.hex()}
            for name, key in (("alice", ALICE), ("bob", BOB), ("carol", CAROL))
        ]
    }
)


class Node:
    """Committed state, committed tx ids and a mempool over them, as a node wires it."""

    def __init__(self, config: MempoolConfig | None = None) -> None:
        self.state = DictState(GENESIS)
        self.committed: set[bytes] = set()
        self.state_reads = 0
        self.height = 0
        self.pool = Mempool(
            CHAIN, APP, config or MempoolConfig(), self.get_state, self.committed.__contains__
        )

    def get_state(self) -> DictState:
        self.state_reads += 1
        return self.state

    def commit(self, txs: list[VerifiedTransaction]) -> None:
        """Execute ``txs`` as the next block and tell the mempool."""
        self.height += 1
        context = BlockContext(CHAIN, Height(self.height), 0, b"")
        self.state.apply(execute_block(APP, context, txs, self.state).updates)
        self.committed.update(tx.tx_id for tx in txs)
        self.pool.remove_committed(txs, self.height)


def set_tx(key: Ed25519KeyPair, nonce: int, value: bytes = b"v", chain: str = CHAIN) -> bytes:
    return make_kv_set_tx(key, ChainId(chain), nonce, b"k", value)


def verified(raw: bytes) -> VerifiedTransaction:
    return decode_verified_transaction(raw, CHAIN)


def snapshot(pool: Mempool) -> tuple[object, ...]:
    """What can be observed of a pool without changing it."""
    return (len(pool), pool.size_bytes, pool.get_candidates(10**6, 10**9))


def assert_refused(node: Node, raw: object, code: ErrorCode, tx_id: bytes | None = None) -> None:
    node.pool.take_gossip()  # so that anything gossiped below came from this add
    before = snapshot(node.pool), node.pool.get_verified(raw)  # type: ignore[arg-type]
    result = node.pool.add(raw)  # type: ignore[arg-type]
    assert result.code is code, result
    assert not result.ok and result.message
    if tx_id is not None:
        assert result.tx_id == tx_id
    assert (snapshot(node.pool), node.pool.get_verified(raw)) == before  # type: ignore[arg-type]
    assert node.pool.take_gossip() == []


# --- admission and every refusal ---------------------------------------------


def test_an_admitted_tx_is_pending_and_verified() -> None:
    node = Node()
    raw = set_tx(ALICE, 1)
    result = node.pool.add(raw)
    assert result == AddResult(compute_tx_id(raw), ErrorCode.ERROR_CODE_UNSPECIFIED)
    assert result.ok
    assert (len(node.pool), node.pool.size_bytes) == (1, len(raw))
    assert node.pool.get_candidates(10, 10_000) == [verified(raw)]
    assert node.pool.get_verified(raw) == verified(raw)


def test_a_too_large_tx_is_refused_before_decoding() -> None:
    node = Node(MempoolConfig(max_tx_bytes=200))
    assert_refused(node, set_tx(ALICE, 1, b"v" * 200), ErrorCode.TX_TOO_LARGE, b"")
    assert_refused(node, b"\xff" * 201, ErrorCode.TX_TOO_LARGE, b"")
    assert node.pool.add(set_tx(ALICE, 1, b"v" * 50)).ok


@pytest.mark.parametrize("raw", [b"\xff\xff\xff", b"\x0a\x03abc", b"\x0a\x01\xff"])
def test_undecodable_bytes_are_malformed_with_no_tx_id(raw: bytes) -> None:
    assert_refused(Node(), raw, ErrorCode.MALFORMED_INPUT, b"")


def test_a_non_bytes_input_is_malformed() -> None:
    assert_refused(Node(), "a string", ErrorCode.MALFORMED_INPUT, b"")
    assert Node().pool.get_verified("a string") is None  # type: ignore[arg-type]


def test_a_tx_for_another_chain_is_refused() -> None:
    raw = set_tx(ALICE, 1, chain="kv-2")
    assert_refused(Node(), raw, ErrorCode.WRONG_CHAIN_ID, compute_tx_id(raw))


def test_a_forged_signature_is_refused() -> None:
    signed = chain_pb2.SignedTransaction.FromString(set_tx(ALICE, 1))
    signed.signature = bytes(64)
    raw = signed.SerializeToString()
    assert_refused(Node(), raw, ErrorCode.BAD_SIGNATURE, compute_tx_id(raw))


def test_a_duplicate_of_a_pending_tx_is_refused() -> None:
    node = Node()
    raw = set_tx(ALICE, 1)
    assert node.pool.add(raw).ok
    assert_refused(node, raw, ErrorCode.DUPLICATE_TX, compute_tx_id(raw))
    assert len(node.pool) == 1


def test_a_duplicate_of_a_committed_tx_is_refused() -> None:
    node = Node()
    raw = set_tx(ALICE, 1)
    node.commit([verified(raw)])
    result = node.pool.add(raw)
    assert result.code is ErrorCode.DUPLICATE_TX
    assert "committed" in result.message


def test_a_nonce_at_or_below_the_committed_one_is_stale() -> None:
    node = Node()
    node.commit([verified(set_tx(ALICE, n)) for n in range(1, 6)])
    assert_refused(node, set_tx(ALICE, 5, b"other"), ErrorCode.STALE_NONCE)
    assert_refused(node, set_tx(ALICE, 2, b"other"), ErrorCode.STALE_NONCE)
    assert_refused(node, set_tx(ALICE, 2), ErrorCode.DUPLICATE_TX)  # committed as it is
    assert node.pool.add(set_tx(ALICE, 6)).ok


def test_a_nonce_ahead_waits_and_one_too_far_ahead_is_refused() -> None:
    node = Node()
    node.commit([verified(set_tx(ALICE, 1))])
    # Up to MAX_NONCE_AHEAD past the committed nonce waits for the nonces before it.
    waiting = set_tx(ALICE, 1 + MAX_NONCE_AHEAD)
    assert node.pool.add(waiting).ok
    assert len(node.pool) == 1
    assert node.pool.get_candidates(10, 10**6) == []
    assert node.pool.get_verified(waiting) == verified(waiting)
    assert_refused(node, set_tx(ALICE, 2 + MAX_NONCE_AHEAD), ErrorCode.NONCE_GAP)
    # A new account counts from 0.
    assert node.pool.add(set_tx(BOB, MAX_NONCE_AHEAD)).ok
    assert_refused(node, set_tx(BOB, 1 + MAX_NONCE_AHEAD), ErrorCode.NONCE_GAP)
    # The window moves with the committed nonce.
    node.commit([verified(set_tx(ALICE, 2))])
    assert node.pool.add(set_tx(ALICE, 2 + MAX_NONCE_AHEAD)).ok


def test_txs_arriving_as_7_5_6_become_candidates_5_6_7() -> None:
    node = Node()
    node.commit([verified(set_tx(ALICE, n)) for n in range(1, 5)])
    assert node.pool.add(set_tx(ALICE, 7)).ok
    assert node.pool.get_candidates(10, 10**6) == []
    assert node.pool.add(set_tx(BOB, 1)).ok
    assert node.pool.add(set_tx(ALICE, 5)).ok
    # 7 waits for 6; 5 takes the place of Alice's oldest arrival.
    assert node.pool.get_candidates(10, 10**6) == [
        verified(set_tx(ALICE, 5)),
        verified(set_tx(BOB, 1)),
    ]
    assert node.pool.add(set_tx(ALICE, 6)).ok
    candidates = node.pool.get_candidates(10, 10**6)
    assert [(tx.body.sender, tx.body.nonce) for tx in candidates] == [
        (ALICE.public_key, 5),
        (BOB.public_key, 1),
        (ALICE.public_key, 6),
        (ALICE.public_key, 7),
    ]
    node.commit(candidates)  # a valid block, nothing lost
    assert len(node.pool) == 0 and node.pool.size_bytes == 0
    assert get_account_nonce(node.state, ALICE.public_key) == 7


def test_a_nonce_committed_elsewhere_releases_the_txs_waiting_for_it() -> None:
    node = Node()
    assert all(r.ok for r in node.pool.add_batch([set_tx(ALICE, 3), set_tx(ALICE, 2)]))
    assert node.pool.get_candidates(10, 10**6) == []
    # Another proposer's block carries Alice's nonce 1, which this node never saw.
    node.commit([verified(set_tx(ALICE, 1, b"elsewhere"))])
    assert [tx.body.nonce for tx in node.pool.get_candidates(10, 10**6)] == [2, 3]
    # Candidates cut short keep each sender's nonces consecutive.
    assert [tx.body.nonce for tx in node.pool.get_candidates(1, 10**6)] == [2]


def test_an_evicted_nonce_holds_back_the_later_ones_until_it_is_sent_again() -> None:
    node = Node(MempoolConfig(ttl_heights=2))
    first, second = set_tx(ALICE, 1), set_tx(ALICE, 2)
    assert node.pool.add(first, height=0).ok
    node.commit([])
    assert node.pool.add(second, height=1).ok
    assert node.pool.get_candidates(10, 10**6) == [verified(first), verified(second)]
    node.commit([])  # height 2: the first one times out
    assert len(node.pool) == 1
    assert node.pool.get_candidates(10, 10**6) == []
    assert node.pool.add(first, height=2).ok
    assert node.pool.get_candidates(10, 10**6) == [verified(first), verified(second)]


def test_a_second_tx_with_a_pending_nonce_is_refused() -> None:
    node = Node()
    assert node.pool.add(set_tx(ALICE, 1, b"first")).ok
    result = node.pool.add(set_tx(ALICE, 1, b"second"))
    assert result.code is ErrorCode.STALE_NONCE
    assert "already pending" in result.message
    assert [tx.raw for tx in node.pool.get_candidates(10, 10_000)] == [set_tx(ALICE, 1, b"first")]
    # Another sender may use the same nonce.
    assert node.pool.add(set_tx(BOB, 1)).ok


def test_the_application_check_refuses_an_unknown_account() -> None:
    assert_refused(Node(), set_tx(MALLORY, 1), ErrorCode.UNKNOWN_ACCOUNT)


@pytest.mark.parametrize(
    ("tx_type", "payload", "code"),
    [
        ("kv.get", b"", ErrorCode.UNKNOWN_TX_TYPE),
        ("kv.set", b"\xff", ErrorCode.MALFORMED_INPUT),
        ("kv.delete", b"", ErrorCode.MALFORMED_INPUT),
    ],
)
def test_the_application_check_refuses_bad_payloads(
    tx_type: str, payload: bytes, code: ErrorCode
) -> None:
    body = chain_pb2.TransactionBody(
        chain_id=CHAIN, sender=ALICE.public_key, nonce=1, type=tx_type, payload=payload
    )
    raw = sign_transaction(ALICE, body)
    assert_refused(Node(), raw, code, compute_tx_id(raw))


def test_the_pool_is_bounded_by_count() -> None:
    node = Node(MempoolConfig(max_txs=2))
    assert node.pool.add(set_tx(ALICE, 1)).ok
    assert node.pool.add(set_tx(BOB, 1)).ok
    assert_refused(node, set_tx(CAROL, 1), ErrorCode.MEMPOOL_FULL)
    node.commit([verified(set_tx(ALICE, 1))])
    assert node.pool.add(set_tx(CAROL, 1)).ok


def test_the_pool_is_bounded_by_bytes() -> None:
    first, second = set_tx(ALICE, 1), set_tx(BOB, 1)
    max_bytes = len(first) + len(second) - 1
    node = Node(MempoolConfig(max_bytes=max_bytes))
    assert node.pool.add(first).ok
    assert_refused(node, second, ErrorCode.MEMPOOL_FULL)
    assert node.pool.add(set_tx(BOB, 1, b"")).ok  # a smaller one still fits
    assert node.pool.size_bytes <= max_bytes


@pytest.mark.parametrize(
    "changes",
    [
        {"max_txs": 0},
        {"max_bytes": -1},
        {"max_tx_bytes": 0},
        {"ttl_heights": 0},
        {"verified_cache": -1},
    ],
)
def test_a_config_out_of_range_is_refused(changes: dict[str, int]) -> None:
    with pytest.raises(ConsortiumError) as caught:
        MempoolConfig(**changes)
    assert caught.value.code is ErrorCode.INVALID_CONFIG


# --- batches -----------------------------------------------------------------


def test_add_batch_reads_state_once_and_answers_each_tx() -> None:
    node = Node()
    raws = [set_tx(ALICE, 1), set_tx(ALICE, 1), set_tx(MALLORY, 1), b"junk", set_tx(BOB, 3)]
    results = node.pool.add_batch(raws)
    assert [r.code for r in results] == [
        ErrorCode.ERROR_CODE_UNSPECIFIED,
        ErrorCode.DUPLICATE_TX,
        ErrorCode.UNKNOWN_ACCOUNT,
        ErrorCode.MALFORMED_INPUT,
        ErrorCode.ERROR_CODE_UNSPECIFIED,
    ]
    assert node.state_reads == 1
    assert node.pool.add_batch([]) == []
    assert node.state_reads == 1


# --- candidates --------------------------------------------------------------


def test_candidates_are_oldest_first_in_nonce_order_per_sender() -> None:
    node = Node()
    arrivals = [set_tx(ALICE, 3), set_tx(BOB, 1), set_tx(ALICE, 2), set_tx(CAROL, 2)]
    arrivals += [set_tx(ALICE, 1), set_tx(ALICE, 5), set_tx(BOB, 2), set_tx(CAROL, 1)]
    assert all(r.ok for r in node.pool.add_batch(arrivals))
    order = [(tx.body.sender, tx.body.nonce) for tx in node.pool.get_candidates(100, 10**6)]
    a, b, c = ALICE.public_key, BOB.public_key, CAROL.public_key
    # Alice's first place (her oldest arrival) goes to her lowest nonce; her 5 waits
    # for a 4, so her fourth place stays empty.
    assert order == [(a, 1), (b, 1), (a, 2), (c, 1), (a, 3), (b, 2), (c, 2)]
    # Every candidate is includable, in that order.
    context = BlockContext(CHAIN, Height(1), 0, b"")
    candidates = node.pool.get_candidates(100, 10**6)
    chosen, _ = select_and_execute(APP, context, candidates, node.state, max_txs=100)
    assert chosen == candidates
    assert len(node.pool) == len(arrivals)


def test_candidates_respect_limits_and_remove_nothing() -> None:
    node = Node()
    raws = [set_tx(ALICE, n) for n in range(1, 6)]
    node.pool.add_batch(raws)
    assert [tx.raw for tx in node.pool.get_candidates(2, 10**6)] == raws[:2]
    assert [tx.raw for tx in node.pool.get_candidates(10, 3 * len(raws[0]))] == raws[:3]
    assert node.pool.get_candidates(10, len(raws[0]) - 1) == []
    assert node.pool.get_candidates(0, 10**6) == []
    assert len(node.pool) == 5


# --- removal and eviction ----------------------------------------------------


def test_remove_committed_drops_committed_and_stale_txs() -> None:
    node = Node()
    pending = [set_tx(ALICE, 2), set_tx(ALICE, 3), set_tx(ALICE, 5), set_tx(ALICE, 6)]
    pending.append(set_tx(BOB, 1))
    assert all(r.ok for r in node.pool.add_batch(pending))
    # Another node's block carries Alice's nonce 1 (never seen here), her pending
    # nonce 2, and another transaction with her pending nonce 3.
    elsewhere = [set_tx(ALICE, 1), set_tx(ALICE, 2), set_tx(ALICE, 3, b"elsewhere")]
    node.commit([verified(raw) for raw in elsewhere])
    assert len(node.pool) == 3  # Alice's 5 and 6, which wait for a 4, and Bob's 1
    assert node.pool.size_bytes == sum(len(raw) for raw in pending[2:])
    assert [tx.raw for tx in node.pool.get_candidates(100, 10**6)] == [set_tx(BOB, 1)]
    # Alice's freed nonce slots are usable again only above the committed nonce.
    assert node.pool.add(set_tx(ALICE, 2)).code is ErrorCode.DUPLICATE_TX  # committed
    assert node.pool.add(set_tx(ALICE, 3)).code is ErrorCode.STALE_NONCE  # dropped as stale
    assert node.pool.add(set_tx(ALICE, 2, b"retry")).code is ErrorCode.STALE_NONCE
    assert node.pool.add(set_tx(ALICE, 4)).ok
    # Her 4, the newest arrival, takes her oldest place; 5 and 6 follow.
    candidates = [tx.raw for tx in node.pool.get_candidates(100, 10**6)]
    assert candidates == [set_tx(ALICE, 4), set_tx(ALICE, 5), set_tx(BOB, 1), set_tx(ALICE, 6)]


def test_txs_older_than_the_ttl_are_evicted() -> None:
    node = Node(MempoolConfig(ttl_heights=3))
    old, newer = set_tx(ALICE, 1), set_tx(BOB, 1)
    assert node.pool.add(old, height=1).ok
    assert node.pool.add(newer, height=2).ok
    node.pool.remove_committed([], height=3)
    assert len(node.pool) == 2
    node.pool.remove_committed([], height=4)
    assert [tx.raw for tx in node.pool.get_candidates(10, 10**6)] == [newer]
    node.pool.remove_committed([], height=5)
    assert len(node.pool) == 0 and node.pool.size_bytes == 0
    # Evicted, not forgotten: still verified for block validation, and may come back.
    assert node.pool.get_verified(old) == verified(old)
    assert node.pool.add(old, height=5).ok


def test_the_verified_cache_is_bounded() -> None:
    node = Node(MempoolConfig(verified_cache=2))
    raws = [set_tx(ALICE, n) for n in range(1, 4)]
    node.commit([verified(raw) for raw in raws])
    assert node.pool.get_verified(raws[0]) is None
    assert node.pool.get_verified(raws[1]) == verified(raws[1])
    assert node.pool.get_verified(raws[2]) == verified(raws[2])
    assert Node(MempoolConfig(verified_cache=0)).pool.get_verified(raws[0]) is None


def test_get_verified_knows_only_what_this_node_verified() -> None:
    node = Node()
    raw = set_tx(ALICE, 1)
    assert node.pool.get_verified(raw) is None
    node.pool.add(raw)
    assert node.pool.get_verified(raw) is node.pool.get_candidates(1, 10**6)[0]
    assert node.pool.get_verified(set_tx(ALICE, 1, b"other")) is None


# --- gossip ------------------------------------------------------------------


def test_take_gossip_returns_client_txs_once_in_order() -> None:
    node = Node()
    from_clients = [set_tx(ALICE, 1), set_tx(BOB, 1)]
    node.pool.add(from_clients[0])
    node.pool.add(set_tx(CAROL, 1), from_peer=True)
    node.pool.add(from_clients[1])
    node.pool.add(set_tx(MALLORY, 1))  # refused: nothing to gossip
    assert node.pool.take_gossip() == from_clients
    assert node.pool.take_gossip() == []
    node.pool.add_batch([set_tx(ALICE, 2)], from_peer=True)
    assert node.pool.take_gossip() == []


def test_gossip_skips_txs_that_left_the_pool() -> None:
    node = Node()
    node.pool.add_batch([set_tx(ALICE, 1), set_tx(BOB, 1)])
    node.commit([verified(set_tx(ALICE, 1))])
    assert node.pool.take_gossip() == [set_tx(BOB, 1)]


def test_gossip_stays_bounded_when_nobody_takes_it() -> None:
    node = Node(MempoolConfig(max_txs=2, ttl_heights=1))
    for nonce in range(1, 20):
        node.pool.add(set_tx(ALICE, nonce), height=node.height)
        node.commit([])  # the TTL evicts it again
    assert len(node.pool._gossip) <= 2 * 2 + 1


# --- against a naive reference -----------------------------------------------

SENDERS = (ALICE, BOB, MALLORY)
POOL = [
    make_kv_set_tx(key, CHAIN, nonce, b"k", bytes([variant]))
    for key in SENDERS
    for nonce in range(1, 6)
    for variant in range(2)
] + [make_kv_delete_tx(ALICE, CHAIN, 7, b"k" * 300), make_kv_set_tx(ALICE, CHAIN, 6, b"k", b"6")]
VERIFIED = {raw: verified(raw) for raw in POOL}


def get_last_nonce(node: Node, tx: VerifiedTransaction) -> int:
    return int.from_bytes(node.state.get(b"nonce/" + tx.body.sender) or b"", "big")


class ReferencePool:
    """The mempool's rules, written the slow and obvious way."""

    def __init__(self, config: MempoolConfig) -> None:
        self.config = config
        self.pending: list[tuple[VerifiedTransaction, int]] = []

    def add(self, raw: bytes, node: Node, height: int) -> ErrorCode:
        tx = VERIFIED[raw]
        last = get_last_nonce(node, tx)
        if any(p.tx_id == tx.tx_id for p, _ in self.pending) or tx.tx_id in node.committed:
            return ErrorCode.DUPLICATE_TX
        if not APP.check_payload(tx).ok:
            return APP.check_payload(tx).code
        if tx.body.nonce <= last:
            return ErrorCode.STALE_NONCE
        if tx.body.nonce > last + MAX_NONCE_AHEAD:
            return ErrorCode.NONCE_GAP
        if not APP.check_tx(tx, node.state).ok:
            return ErrorCode.UNKNOWN_ACCOUNT
        if any(
            (p.body.sender, p.body.nonce) == (tx.body.sender, tx.body.nonce)
            for p, _ in self.pending
        ):
            return ErrorCode.STALE_NONCE
        if len(self.pending) + 1 > self.config.max_txs:
            return ErrorCode.MEMPOOL_FULL
        if sum(len(p.raw) for p, _ in self.pending) + len(raw) > self.config.max_bytes:
            return ErrorCode.MEMPOOL_FULL
        self.pending.append((tx, height))
        return ErrorCode.ERROR_CODE_UNSPECIFIED

    def get_candidates(self, node: Node) -> list[VerifiedTransaction]:
        """The k-th arrival of a sender gives its place to the k-th of the sender's run of
        pending nonces last + 1, last + 2, ... (none when the run is shorter)."""
        out = []
        for index, (tx, _) in enumerate(self.pending):
            sender = tx.body.sender
            earlier = sum(1 for p, _ in self.pending[:index] if p.body.sender == sender)
            mine = {p.body.nonce: p for p, _ in self.pending if p.body.sender == sender}
            run = []
            nonce = get_last_nonce(node, tx) + 1
            while nonce in mine:
                run.append(mine[nonce])
                nonce += 1
            if earlier < len(run):
                out.append(run[earlier])
        return out

    def remove_committed(self, txs: list[VerifiedTransaction], node: Node, height: int) -> None:
        ids = {tx.tx_id for tx in txs}

        def keep(tx: VerifiedTransaction, entered: int) -> bool:
            last = get_last_nonce(node, tx)
            fresh = height - entered < self.config.ttl_heights
            return tx.tx_id not in ids and tx.body.nonce > last and fresh

        self.pending = [(tx, h) for tx, h in self.pending if keep(tx, h)]


ADD = st.tuples(st.just("add"), st.integers(0, len(POOL) - 1))
OPERATIONS = st.lists(
    st.one_of(
        ADD,
        ADD,
        ADD,
        st.tuples(st.just("commit"), st.integers(0, 4)),
        st.tuples(st.just("foreign"), st.integers(0, len(POOL) - 1)),
        st.tuples(st.just("idle"), st.just(0)),
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(OPERATIONS, st.integers(1, 6), st.integers(1, 4))
def test_the_mempool_agrees_with_a_naive_reference(
    operations: list[tuple[str, int]], max_txs: int, ttl: int
) -> None:
    config = MempoolConfig(max_txs=max_txs, max_bytes=max_txs * 140, ttl_heights=ttl)
    node = Node(config)
    model = ReferencePool(config)
    for name, argument in operations:
        if name == "add":
            raw = POOL[argument]
            want = model.add(raw, node, node.height)
            assert node.pool.add(raw, height=node.height).code is want
        else:
            if name == "commit":
                chosen = node.pool.get_candidates(argument, 10**6)
            elif name == "foreign":
                # Another proposer's block, with a transaction this pool may never have seen.
                tx = VERIFIED[POOL[argument]]
                ok = verify_tx_admissible(APP, tx, node.state).ok
                chosen = [tx] if ok and tx.tx_id not in node.committed else []
            else:
                chosen = []
            node.commit(chosen)
            model.remove_committed(chosen, node, node.height)
        candidates = node.pool.get_candidates(10**6, 10**9)
        assert candidates == model.get_candidates(node)
        # Whatever the pool offers makes a valid block, and so does any prefix of it.
        context = BlockContext(CHAIN, Height(node.height + 1), 0, b"")
        execute_block(APP, context, candidates, node.state)
        assert len(node.pool) == len(model.pending)
        assert node.pool.size_bytes == sum(len(tx.raw) for tx, _ in model.pending)


# --- never raises ------------------------------------------------------------


@settings(deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_raise(raw: bytes) -> None:
    node = Node()
    before = snapshot(node.pool)
    result = node.pool.add(raw)
    assert not result.ok
    assert snapshot(node.pool) == before
    assert node.pool.get_verified(raw) is None


@settings(deadline=None)
@given(st.integers(0, len(POOL[0]) - 1), st.integers(0, 255), st.booleans())
def test_a_changed_byte_of_a_valid_tx_never_raises(index: int, value: int, from_peer: bool) -> None:
    node = Node()
    raw = bytearray(POOL[0])
    raw[index] = value
    result = node.pool.add(bytes(raw), from_peer=from_peer)
    assert result.ok == (bytes(raw) == POOL[0])
    assert len(node.pool) == (1 if result.ok else 0)
