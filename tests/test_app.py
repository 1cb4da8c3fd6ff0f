"""The shared block executor: nonces, admissibility, failing transactions, order, determinism."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from chains.core.app import (
    MAX_NONCE_AHEAD,
    BlockBuilder,
    BlockContext,
    StateOverlay,
    StateReader,
    TxResult,
    check_transaction,
    execute_block,
    get_account_nonce,
    get_nonce_key,
    select_and_execute,
    verify_tx_admissible,
)
from chains.core.crypto import Ed25519KeyPair, compute_ed25519_key_pair
from chains.core.errors import ACCEPTED, ConsortiumError, ErrorCode, Verdict, refuse
from chains.core.transactions import (
    VerifiedTransaction,
    decode_verified_transaction,
    sign_transaction,
)
from chains.core.types import ChainId, Height
from consortium.v1 import chain_pb2
from tests.app_helpers import DictState

CHAIN = ChainId("test-1")
ALICE = compute_ed25519_key_pair(b"\x01" * 32)
BOB = compute_ed25519_key_pair(b"\x02" * 32)
CONTEXT = BlockContext(CHAIN, Height(1), 1_700_000_000_000, b"\x00" * 48)


class ToyApp:
    """``put`` writes ``key=value``; ``append`` appends to a key; ``blob`` stores a blob
    ``key=value``; ``fail`` writes (and stores a blob), then fails; ``raise`` writes, then
    raises; ``blocked`` is refused by check_tx."""

    TYPES = frozenset({"put", "append", "blob", "fail", "raise", "blocked"})

    def check_payload(self, tx: VerifiedTransaction) -> Verdict:
        if tx.body.type not in self.TYPES:
            return refuse(ErrorCode.UNKNOWN_TX_TYPE, f"no type {tx.body.type!r}")
        if tx.body.type in ("put", "append", "blob") and b"=" not in tx.body.payload:
            return refuse(ErrorCode.MALFORMED_INPUT, "payload must be key=value")
        return ACCEPTED

    def check_tx(self, tx: VerifiedTransaction, state: StateReader) -> Verdict:
        if tx.body.type == "blocked":
            return refuse(ErrorCode.UNKNOWN_ACCOUNT, "blocked")
        return ACCEPTED

    def execute_tx(
        self, tx: VerifiedTransaction, state: StateOverlay, context: BlockContext
    ) -> TxResult:
        if tx.body.type == "put":
            key, value = tx.body.payload.split(b"=", 1)
            state.set(key, value)
        elif tx.body.type == "append":
            key, value = tx.body.payload.split(b"=", 1)
            state.set(key, (state.get(key) or b"") + value)
        elif tx.body.type == "blob":
            key, value = tx.body.payload.split(b"=", 1)
            state.put_blob(key, value)
        elif tx.body.type == "fail":
            state.set(b"failed-write", b"x")
            state.put_blob(b"failed-blob", b"x")
            return TxResult(ErrorCode.UNKNOWN_ACCOUNT, "business rule")
        elif tx.body.type == "raise":
            state.set(b"raised-write", b"x")
            raise ConsortiumError(ErrorCode.DUPLICATE_TX, "raised")
        return TxResult()

    def get_genesis_updates(self, app_state: Mapping[str, object]) -> Mapping[bytes, bytes]:
        return {}


APP = ToyApp()


def make_tx(
    nonce: int, tx_type: str = "put", payload: bytes = b"k=v", key: Ed25519KeyPair = ALICE
) -> VerifiedTransaction:
    body = chain_pb2.TransactionBody(
        chain_id=CHAIN, sender=key.public_key, nonce=nonce, type=tx_type, payload=payload
    )
    return decode_verified_transaction(sign_transaction(key, body), CHAIN)


def nonce_bytes(nonce: int) -> bytes:
    return nonce.to_bytes(8, "big")


def test_a_new_account_has_nonce_zero_and_its_first_tx_sets_it() -> None:
    state = DictState()
    assert get_account_nonce(state, ALICE.public_key) == 0
    execution = execute_block(APP, CONTEXT, [make_tx(1)], state)
    assert execution.results == (TxResult(),)
    assert execution.updates == {b"k": b"v", get_nonce_key(ALICE.public_key): nonce_bytes(1)}


def test_consecutive_nonces_fill_a_block() -> None:
    state = DictState({get_nonce_key(ALICE.public_key): nonce_bytes(2)})
    txs = [make_tx(3, payload=b"a=1"), make_tx(4, payload=b"b=2"), make_tx(5, payload=b"c=3")]
    execution = execute_block(APP, CONTEXT, txs, state)
    assert all(result.ok for result in execution.results)
    state.apply(execution.updates)
    assert get_account_nonce(state, ALICE.public_key) == 5


@pytest.mark.parametrize(
    ("nonces", "bad_index"),
    [((4,), 0), ((3, 5), 1), ((3, 4, 14), 2), ((2 + MAX_NONCE_AHEAD,), 0)],
)
def test_a_nonce_gap_makes_the_block_invalid(nonces: tuple[int, ...], bad_index: int) -> None:
    # The last nonce is 2: a block must go on with 3, then 4, ... with no nonce left out.
    state = DictState({get_nonce_key(ALICE.public_key): nonce_bytes(2)})
    txs = [make_tx(nonce, payload=b"k=%d" % nonce) for nonce in nonces]
    with pytest.raises(ConsortiumError) as caught:
        execute_block(APP, CONTEXT, txs, state)
    assert caught.value.code is ErrorCode.INVALID_BLOCK
    assert f"transaction {bad_index} " in caught.value.message
    assert "NONCE_GAP" in caught.value.message


@pytest.mark.parametrize("nonce", [0, 4, 5])
def test_a_stale_nonce_makes_the_block_invalid(nonce: int) -> None:
    state = DictState({get_nonce_key(ALICE.public_key): nonce_bytes(5)})
    with pytest.raises(ConsortiumError) as caught:
        execute_block(APP, CONTEXT, [make_tx(6), make_tx(nonce)], state)
    assert caught.value.code is ErrorCode.INVALID_BLOCK
    assert "transaction 1" in caught.value.message
    assert "STALE_NONCE" in caught.value.message


def test_a_nonce_repeated_within_a_block_makes_it_invalid() -> None:
    with pytest.raises(ConsortiumError) as caught:
        execute_block(APP, CONTEXT, [make_tx(1), make_tx(1, payload=b"x=y")], DictState())
    assert caught.value.code is ErrorCode.INVALID_BLOCK


@pytest.mark.parametrize(
    ("tx_type", "payload", "code"),
    [("nope", b"k=v", ErrorCode.UNKNOWN_TX_TYPE), ("put", b"no-equals", ErrorCode.MALFORMED_INPUT)],
)
def test_an_inadmissible_payload_makes_the_block_invalid(
    tx_type: str, payload: bytes, code: ErrorCode
) -> None:
    tx = make_tx(1, tx_type, payload)
    assert verify_tx_admissible(APP, tx, DictState()).code is code
    with pytest.raises(ConsortiumError) as caught:
        execute_block(APP, CONTEXT, [tx], DictState())
    assert caught.value.code is ErrorCode.INVALID_BLOCK
    assert code.name in caught.value.message


def test_senders_have_separate_nonces() -> None:
    txs = [make_tx(1, key=ALICE), make_tx(1, key=BOB, payload=b"j=w")]
    execution = execute_block(APP, CONTEXT, txs, DictState())
    assert execution.updates[get_nonce_key(ALICE.public_key)] == nonce_bytes(1)
    assert execution.updates[get_nonce_key(BOB.public_key)] == nonce_bytes(1)


@pytest.mark.parametrize(
    ("tx_type", "code", "dropped_key"),
    [
        ("fail", ErrorCode.UNKNOWN_ACCOUNT, b"failed-write"),
        ("raise", ErrorCode.DUPLICATE_TX, b"raised-write"),
    ],
)
def test_a_failing_tx_keeps_only_its_nonce(
    tx_type: str, code: ErrorCode, dropped_key: bytes
) -> None:
    txs = [make_tx(1, payload=b"before=1"), make_tx(2, tx_type), make_tx(3, payload=b"after=3")]
    execution = execute_block(APP, CONTEXT, txs, DictState())
    assert [r.code for r in execution.results] == [
        ErrorCode.ERROR_CODE_UNSPECIFIED,
        code,
        ErrorCode.ERROR_CODE_UNSPECIFIED,
    ]
    assert dropped_key not in execution.updates
    assert execution.updates == {
        b"before": b"1",
        b"after": b"3",
        get_nonce_key(ALICE.public_key): nonce_bytes(3),
    }


def test_a_failing_tx_alone_still_uses_up_its_nonce() -> None:
    state = DictState({get_nonce_key(ALICE.public_key): nonce_bytes(6)})
    execution = execute_block(APP, CONTEXT, [make_tx(7, "fail")], state)
    assert not execution.results[0].ok
    assert execution.updates == {get_nonce_key(ALICE.public_key): nonce_bytes(7)}
    state.apply(execution.updates)
    assert verify_tx_admissible(APP, make_tx(7), state).code is ErrorCode.STALE_NONCE
    assert verify_tx_admissible(APP, make_tx(8), state).ok


def test_later_txs_in_a_block_see_earlier_writes() -> None:
    txs = [
        make_tx(1, "append", b"log=a"),
        make_tx(1, "append", b"log=b", key=BOB),
        make_tx(2, "append", b"log=c"),
    ]
    execution = execute_block(APP, CONTEXT, txs, DictState({b"log": b">"}))
    assert execution.updates[b"log"] == b">abc"


def test_executing_does_not_write_to_the_state_it_reads() -> None:
    state = DictState({b"k": b"old"})
    execute_block(APP, CONTEXT, [make_tx(1)], state)
    assert state.values == {b"k": b"old"}


def test_execution_is_deterministic() -> None:
    txs = [make_tx(1, "append", b"x=1"), make_tx(2, "fail"), make_tx(1, "put", b"y=2", key=BOB)]
    first = execute_block(APP, CONTEXT, txs, DictState({b"x": b"0"}))
    second = execute_block(APP, CONTEXT, list(txs), DictState({b"x": b"0"}))
    assert first == second
    assert list(first.updates.items()) == list(second.updates.items())


def test_check_transaction_adds_the_application_check_to_admissibility() -> None:
    state = DictState({get_nonce_key(ALICE.public_key): nonce_bytes(2)})
    assert check_transaction(APP, make_tx(3), state).ok
    assert check_transaction(APP, make_tx(2), state).code is ErrorCode.STALE_NONCE
    assert check_transaction(APP, make_tx(3, "blocked"), state).code is ErrorCode.UNKNOWN_ACCOUNT
    # check_tx is advisory: a block may still carry the transaction.
    assert verify_tx_admissible(APP, make_tx(3, "blocked"), state).ok


@pytest.mark.parametrize(
    ("nonce", "in_mempool", "in_block"),
    [
        (1, ErrorCode.STALE_NONCE, ErrorCode.STALE_NONCE),
        (2, ErrorCode.STALE_NONCE, ErrorCode.STALE_NONCE),
        (3, ErrorCode.ERROR_CODE_UNSPECIFIED, ErrorCode.ERROR_CODE_UNSPECIFIED),
        (4, ErrorCode.ERROR_CODE_UNSPECIFIED, ErrorCode.NONCE_GAP),
        (2 + MAX_NONCE_AHEAD, ErrorCode.ERROR_CODE_UNSPECIFIED, ErrorCode.NONCE_GAP),
        (3 + MAX_NONCE_AHEAD, ErrorCode.NONCE_GAP, ErrorCode.NONCE_GAP),
        (2**63, ErrorCode.NONCE_GAP, ErrorCode.NONCE_GAP),
    ],
)
def test_the_mempool_admits_a_nonce_ahead_that_a_block_may_not_carry_yet(
    nonce: int, in_mempool: ErrorCode, in_block: ErrorCode
) -> None:
    # The account's last nonce is 2: a block needs exactly 3; the mempool holds
    # later ones (up to MAX_NONCE_AHEAD past the last) until 3 and the rest arrive.
    state = DictState({get_nonce_key(ALICE.public_key): nonce_bytes(2)})
    tx = make_tx(nonce)
    mempool_verdict = check_transaction(APP, tx, state)
    block_verdict = verify_tx_admissible(APP, tx, state)
    assert (mempool_verdict.code, block_verdict.code) == (in_mempool, in_block)
    for verdict in (mempool_verdict, block_verdict):
        assert verdict.ok or str(nonce) in verdict.message


def test_a_new_account_may_wait_in_the_mempool_but_must_start_at_one_in_a_block() -> None:
    assert check_transaction(APP, make_tx(5), DictState()).ok
    assert verify_tx_admissible(APP, make_tx(5), DictState()).code is ErrorCode.NONCE_GAP
    assert verify_tx_admissible(APP, make_tx(1), DictState()).ok
    assert check_transaction(APP, make_tx(MAX_NONCE_AHEAD), DictState()).ok
    verdict = check_transaction(APP, make_tx(MAX_NONCE_AHEAD + 1), DictState())
    assert verdict.code is ErrorCode.NONCE_GAP


def test_select_and_execute_skips_inadmissible_candidates() -> None:
    state = DictState({get_nonce_key(BOB.public_key): nonce_bytes(4)})
    good = make_tx(1, payload=b"a=1")
    repeated_nonce = make_tx(1, payload=b"a=2")
    stale = make_tx(4, key=BOB)
    unknown = make_tx(2, "nope")
    later = make_tx(5, payload=b"b=1", key=BOB)
    chosen, execution = select_and_execute(
        APP, CONTEXT, [good, repeated_nonce, stale, unknown, later], state, max_txs=10
    )
    assert chosen == [good, later]
    assert execution == execute_block(APP, CONTEXT, chosen, state)


def test_select_and_execute_takes_only_the_consecutive_run_of_each_sender() -> None:
    state = DictState({get_nonce_key(BOB.public_key): nonce_bytes(4)})
    alice = {n: make_tx(n, payload=b"a=%d" % n) for n in (1, 2, 4, 5)}
    bob = {n: make_tx(n, payload=b"b=%d" % n, key=BOB) for n in (5, 7, 6)}
    # Alice's 3 is missing, so her 4 and 5 wait; Bob's 7 comes before his 6, so it is
    # skipped (a proposer's candidates should be in nonce order per sender).
    candidates = [alice[1], bob[5], alice[2], alice[4], bob[7], alice[5], bob[6]]
    chosen, execution = select_and_execute(APP, CONTEXT, candidates, state, max_txs=10)
    assert chosen == [alice[1], bob[5], alice[2], bob[6]]
    assert execution == execute_block(APP, CONTEXT, chosen, state)
    assert execution.updates[get_nonce_key(ALICE.public_key)] == nonce_bytes(2)
    assert execution.updates[get_nonce_key(BOB.public_key)] == nonce_bytes(6)
    # Alice's skipped ones may not follow in a block; Bob's 7 may, once after his 6.
    for tx in (alice[4], alice[5]):
        with pytest.raises(ConsortiumError) as caught:
            execute_block(APP, CONTEXT, [*chosen, tx], state)
        assert "NONCE_GAP" in caught.value.message
    assert execute_block(APP, CONTEXT, [*chosen, bob[7]], state).results[-1].ok


def test_select_and_execute_respects_max_txs() -> None:
    candidates = [make_tx(n, payload=b"k=%d" % n) for n in range(1, 6)]
    chosen, execution = select_and_execute(APP, CONTEXT, candidates, DictState(), max_txs=3)
    assert chosen == candidates[:3]
    assert len(execution.results) == 3
    assert execution.updates[get_nonce_key(ALICE.public_key)] == nonce_bytes(3)


def test_select_and_execute_keeps_failing_txs() -> None:
    chosen, execution = select_and_execute(
        APP, CONTEXT, [make_tx(1, "fail"), make_tx(2)], DictState(), max_txs=5
    )
    assert len(chosen) == 2
    assert [r.ok for r in execution.results] == [False, True]


def test_overlay_refuses_non_bytes_and_merges_children() -> None:
    parent = StateOverlay(DictState({b"a": b"1"}))
    child = StateOverlay(parent)
    child.set(b"b", b"2")
    child.delete(b"a")
    assert parent.get(b"b") is None
    parent.merge(child)
    assert parent.get(b"a") is None and parent.get(b"b") == b"2"
    with pytest.raises(ConsortiumError) as caught:
        child.set("text", b"x")  # type: ignore[arg-type]
    assert caught.value.code is ErrorCode.MALFORMED_INPUT
    with pytest.raises(ConsortiumError):
        child.delete(1)  # type: ignore[arg-type]


# Blobs beside the state tree.


def test_a_block_keeps_the_blobs_of_successful_transactions_only() -> None:
    txs = [make_tx(1, "blob", b"b1=one"), make_tx(2, "fail"), make_tx(3, "blob", b"b2=two")]
    execution = execute_block(APP, CONTEXT, txs, DictState())
    assert [r.ok for r in execution.results] == [True, False, True]
    assert execution.blobs == {b"b1": b"one", b"b2": b"two"}
    assert b"failed-write" not in execution.updates


def test_overlay_blobs_are_read_through_and_merged() -> None:
    base = DictState()
    base.apply({}, {b"old": b"stored"})
    parent = StateOverlay(base)
    child = StateOverlay(parent)
    child.put_blob(b"new", b"fresh")
    assert child.get_blob(b"old") == b"stored" and child.get_blob(b"new") == b"fresh"
    assert parent.get_blob(b"new") is None
    parent.merge(child)
    assert parent.get_blob(b"new") == b"fresh" and parent.get_blobs() == {b"new": b"fresh"}
    with pytest.raises(ConsortiumError) as caught:
        child.put_blob(b"key", "text")  # type: ignore[arg-type]
    assert caught.value.code is ErrorCode.MALFORMED_INPUT


# A proposer's block built a chunk at a time.


def test_a_block_built_in_chunks_equals_one_built_at_once() -> None:
    state = DictState({get_nonce_key(BOB.public_key): nonce_bytes(4)})
    candidates = [make_tx(n, payload=b"a=%d" % n) for n in range(1, 8)]
    candidates += [make_tx(n, payload=b"b=%d" % n, key=BOB) for n in range(5, 9)]
    builder = BlockBuilder(APP, CONTEXT, state, max_txs=100)
    taken = [builder.add(candidates, limit=3) for _ in range(5)]
    assert taken == [3, 3, 3, 2, 0]
    chosen, execution = select_and_execute(APP, CONTEXT, candidates, state, max_txs=100)
    assert builder.chosen == chosen
    assert builder.get_execution() == execution == execute_block(APP, CONTEXT, chosen, state)


def test_a_candidate_skipped_for_a_gap_is_taken_once_the_gap_closes() -> None:
    first, second, third = (make_tx(n, payload=b"k=%d" % n) for n in (1, 2, 3))
    builder = BlockBuilder(APP, CONTEXT, DictState(), max_txs=10)
    assert builder.add([first, third]) == 1  # 3 waits for 2
    assert builder.add([first, second, third]) == 2  # 1 is taken already
    assert builder.chosen == [first, second, third]
    assert builder.get_execution().updates[get_nonce_key(ALICE.public_key)] == nonce_bytes(3)


def test_a_builder_keeps_to_its_transaction_and_byte_limits() -> None:
    candidates = [make_tx(n, payload=b"k=%d" % n) for n in range(1, 6)]
    size = len(candidates[0].raw)
    by_count = BlockBuilder(APP, CONTEXT, DictState(), max_txs=2)
    assert by_count.add(candidates) == 2 and by_count.is_full
    assert by_count.add(candidates) == 0
    by_bytes = BlockBuilder(APP, CONTEXT, DictState(), max_txs=10, max_bytes=3 * size + size // 2)
    assert by_bytes.add(candidates) == 3
    assert by_bytes.chosen == candidates[:3] and not by_bytes.is_full
