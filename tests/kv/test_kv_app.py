"""The KV application: its transaction types, its accounts, its genesis, through the executor."""

from __future__ import annotations

import pytest

from chains.core.app import (
    BlockContext,
    check_transaction,
    execute_block,
    get_nonce_key,
    verify_tx_admissible,
)
from chains.core.crypto import Ed25519KeyPair, compute_ed25519_key_pair
from chains.core.errors import ConsortiumError, ErrorCode
from chains.core.state_tree import StateTree
from chains.core.transactions import (
    VerifiedTransaction,
    decode_verified_transaction,
    sign_transaction,
)
from chains.core.types import ChainId, Height, Version
from chains.kv import (
    ACCOUNT_PREFIX,
    KV_PREFIX,
    MAX_KEY_BYTES,
    MAX_VALUE_BYTES,
    TX_KV_DELETE,
    TX_KV_SET,
    KvApplication,
    encode_kv_delete,
    encode_kv_set,
    get_account_key,
    get_kv_key,
    make_kv_delete_tx,
    make_kv_set_tx,
)
from consortium.v1 import chain_pb2
from tests.app_helpers import DictState

CHAIN = ChainId("kv-1")
ALICE = compute_ed25519_key_pair(b"\x0a" * 32)
BOB = compute_ed25519_key_pair(b"\x0b" * 32)
MALLORY = compute_ed25519_key_pair(b"\x0c" * 32)
APP = KvApplication()
CONTEXT = BlockContext(CHAIN, Height(1), 1_700_000_000_000, b"\x00" * 48)
APP_STATE = {
    "accounts": [
        {"name": "alice", "public_key": ALICE.public_key.hex()},
        {"name": "bob", "public_key": BOB.public_key.hex()},
    ],
    "kv": {"greeting": "hello"},
}


def genesis_state() -> DictState:
    return DictState(APP.get_genesis_updates(APP_STATE))


def verified(raw: bytes) -> VerifiedTransaction:
    return decode_verified_transaction(raw, CHAIN)


def make_raw_tx(nonce: int, tx_type: str, payload: bytes, sender: Ed25519KeyPair = ALICE) -> bytes:
    body = chain_pb2.TransactionBody(
        chain_id=CHAIN, sender=sender.public_key, nonce=nonce, type=tx_type, payload=payload
    )
    return sign_transaction(sender, body)


def run_block(state: DictState, raws: list[bytes]) -> list[ErrorCode]:
    execution = execute_block(APP, CONTEXT, [verified(raw) for raw in raws], state)
    state.apply(execution.updates)
    return [result.code for result in execution.results]


# --- genesis -----------------------------------------------------------------


def test_genesis_registers_accounts_and_initial_values() -> None:
    updates = APP.get_genesis_updates(APP_STATE)
    assert updates == {
        ACCOUNT_PREFIX + ALICE.public_key: b"alice",
        ACCOUNT_PREFIX + BOB.public_key: b"bob",
        KV_PREFIX + b"greeting": b"hello",
    }
    assert get_account_key(ALICE.public_key) == b"account/" + ALICE.public_key
    assert get_kv_key(b"greeting") == b"kv/greeting"


def test_genesis_kv_is_optional_and_names_are_utf8() -> None:
    updates = APP.get_genesis_updates(
        {"accounts": [{"name": "税务局", "public_key": ALICE.public_key.hex().upper()}]}
    )
    assert updates == {get_account_key(ALICE.public_key): "税务局".encode()}


def test_genesis_loads_into_a_state_tree() -> None:
    tree = StateTree()
    tree.apply_updates(Version(0), APP.get_genesis_updates(APP_STATE))
    assert tree.get(get_kv_key(b"greeting"), Version(0)) == b"hello"


def account(name: object = "carol", public_key: object = None) -> dict[str, object]:
    return {
        "name": name,
        "public_key": MALLORY.public_key.hex() if public_key is None else public_key,
    }


@pytest.mark.parametrize(
    ("app_state", "fragment"),
    [
        ([], "must be an object"),
        ({}, '"accounts" is missing'),
        ({"accounts": [], "extra": 1}, "unknown fields ['extra']"),
        ({"accounts": {}}, '"accounts" must be a list'),
        ({"accounts": ["alice"]}, "accounts[0] must be an object"),
        ({"accounts": [{"name": "a"}]}, "accounts[0] must be an object"),
        ({"accounts": [{**account(), "role": "x"}]}, "accounts[0] must be an object"),
        ({"accounts": [account(name=7)]}, "accounts[0].name must be a non-empty string"),
        ({"accounts": [account(name="")]}, "accounts[0].name must be a non-empty string"),
        ({"accounts": [account(public_key="zz" * 32)]}, "64 hex digits"),
        ({"accounts": [account(public_key="ab" * 31)]}, "64 hex digits"),
        ({"accounts": [account(public_key=" " + "ab" * 31 + "a")]}, "64 hex digits"),
        ({"accounts": [account(public_key=b"\x01" * 32)]}, "64 hex digits"),
        # The identity point: 32 bytes that are no usable Ed25519 key.
        ({"accounts": [account(public_key="01" + "00" * 31)]}, "not a valid Ed25519"),
        (
            {"accounts": [account(name="a"), account(name="a", public_key=ALICE.public_key.hex())]},
            "accounts[1]: the account name 'a' is listed twice",
        ),
        (
            {"accounts": [account(name="a"), account(name="b")]},
            "accounts[1] ('b'): its public key is listed twice",
        ),
        ({"accounts": [], "kv": []}, '"kv" must be an object'),
        ({"accounts": [], "kv": {"k": 1}}, "keys and values must be strings"),
        ({"accounts": [], "kv": {"": "v"}}, "a key must be 1 to 256 bytes"),
        ({"accounts": [], "kv": {"k" * 257: "v"}}, "a key must be 1 to 256 bytes"),
        ({"accounts": [], "kv": {"k": "v" * 4097}}, "a value must be at most 4096 bytes"),
    ],
)
def test_genesis_is_validated_strictly(app_state: object, fragment: str) -> None:
    with pytest.raises(ConsortiumError) as caught:
        APP.get_genesis_updates(app_state)  # type: ignore[arg-type]
    assert caught.value.code is ErrorCode.INVALID_CONFIG
    assert fragment in caught.value.message


# --- transactions ------------------------------------------------------------


def test_a_registered_sender_sets_and_deletes_keys() -> None:
    state = genesis_state()
    assert run_block(state, [make_kv_set_tx(ALICE, CHAIN, 1, b"color", b"blue")]) == [
        ErrorCode.ERROR_CODE_UNSPECIFIED
    ]
    assert state.get(get_kv_key(b"color")) == b"blue"
    codes = run_block(
        state,
        [
            make_kv_set_tx(BOB, CHAIN, 1, b"color", b"red"),
            make_kv_delete_tx(ALICE, CHAIN, 2, b"greeting"),
            make_kv_delete_tx(ALICE, CHAIN, 3, b"never-set"),
        ],
    )
    assert codes == [ErrorCode.ERROR_CODE_UNSPECIFIED] * 3
    assert state.get(get_kv_key(b"color")) == b"red"
    assert state.get(get_kv_key(b"greeting")) is None
    assert state.get(get_nonce_key(ALICE.public_key)) == (3).to_bytes(8, "big")


def test_limits_are_inclusive() -> None:
    state = genesis_state()
    key, value = b"k" * MAX_KEY_BYTES, b"v" * MAX_VALUE_BYTES
    tx = verified(make_kv_set_tx(ALICE, CHAIN, 1, key, value))
    assert check_transaction(APP, tx, state).ok
    assert run_block(state, [tx.raw]) == [ErrorCode.ERROR_CODE_UNSPECIFIED]
    assert state.get(get_kv_key(key)) == value
    assert check_transaction(APP, verified(make_kv_set_tx(ALICE, CHAIN, 2, b"k", b"")), state).ok


@pytest.mark.parametrize(
    "raw",
    [
        make_kv_set_tx(MALLORY, CHAIN, 1, b"k", b"v"),
        make_kv_delete_tx(MALLORY, CHAIN, 1, b"greeting"),
    ],
)
def test_an_unregistered_sender_is_refused_and_fails_in_a_block(raw: bytes) -> None:
    state = genesis_state()
    tx = verified(raw)
    verdict = check_transaction(APP, tx, state)
    assert verdict.code is ErrorCode.UNKNOWN_ACCOUNT
    assert MALLORY.public_key.hex() in verdict.message
    # A proposer that includes it anyway: a failing result, nothing written but the nonce.
    execution = execute_block(APP, CONTEXT, [tx], state)
    assert execution.results[0].code is ErrorCode.UNKNOWN_ACCOUNT
    assert execution.updates == {get_nonce_key(MALLORY.public_key): (1).to_bytes(8, "big")}


@pytest.mark.parametrize(
    ("tx_type", "payload", "code", "fragment"),
    [
        (TX_KV_SET, b"\xff\xff", ErrorCode.MALFORMED_INPUT, "not a KvSet"),
        (TX_KV_DELETE, b"\x0a\x05ab", ErrorCode.MALFORMED_INPUT, "not a KvDelete"),
        (TX_KV_SET, encode_kv_set(b"", b"v"), ErrorCode.MALFORMED_INPUT, "1 to 256 bytes, not 0"),
        (TX_KV_DELETE, b"", ErrorCode.MALFORMED_INPUT, "1 to 256 bytes, not 0"),
        (TX_KV_SET, encode_kv_set(b"k" * 257, b""), ErrorCode.MALFORMED_INPUT, "not 257"),
        (TX_KV_DELETE, encode_kv_delete(b"k" * 257), ErrorCode.MALFORMED_INPUT, "not 257"),
        (TX_KV_SET, encode_kv_set(b"k", b"v" * 4097), ErrorCode.MALFORMED_INPUT, "not 4097"),
        ("kv.get", encode_kv_delete(b"k"), ErrorCode.UNKNOWN_TX_TYPE, "'kv.get'"),
        ("", b"", ErrorCode.UNKNOWN_TX_TYPE, "no transaction type"),
    ],
)
def test_bad_payloads_and_types_are_refused_and_invalidate_a_block(
    tx_type: str, payload: bytes, code: ErrorCode, fragment: str
) -> None:
    state = genesis_state()
    tx = verified(make_raw_tx(1, tx_type, payload))
    verdict = APP.check_payload(tx)
    assert verdict.code is code
    assert fragment in verdict.message
    assert check_transaction(APP, tx, state).code is code
    with pytest.raises(ConsortiumError) as caught:
        execute_block(APP, CONTEXT, [tx], state)
    assert caught.value.code is ErrorCode.INVALID_BLOCK


def test_a_replayed_tx_is_refused() -> None:
    state = genesis_state()
    raw = make_kv_set_tx(ALICE, CHAIN, 1, b"k", b"v")
    run_block(state, [raw])
    assert check_transaction(APP, verified(raw), state).code is ErrorCode.STALE_NONCE
    with pytest.raises(ConsortiumError) as caught:
        execute_block(APP, CONTEXT, [verified(raw)], state)
    assert caught.value.code is ErrorCode.INVALID_BLOCK
    # Another tx that reuses the nonce is just as stale.
    again = verified(make_kv_set_tx(ALICE, CHAIN, 1, b"k", b"other"))
    assert check_transaction(APP, again, state).code is ErrorCode.STALE_NONCE


def test_a_nonce_ahead_waits_for_the_ones_before_it() -> None:
    state = genesis_state()
    run_block(state, [make_kv_set_tx(ALICE, CHAIN, 1, b"k", b"1")])
    ahead = verified(make_kv_set_tx(ALICE, CHAIN, 3, b"k", b"3"))
    # The mempool holds it; a block may not carry it before nonce 2.
    assert check_transaction(APP, ahead, state).ok
    assert verify_tx_admissible(APP, ahead, state).code is ErrorCode.NONCE_GAP
    with pytest.raises(ConsortiumError) as caught:
        execute_block(APP, CONTEXT, [ahead], state)
    assert caught.value.code is ErrorCode.INVALID_BLOCK
    assert "NONCE_GAP" in caught.value.message
    codes = run_block(state, [make_kv_set_tx(ALICE, CHAIN, 2, b"k", b"2"), ahead.raw])
    assert codes == [ErrorCode.ERROR_CODE_UNSPECIFIED] * 2
    assert state.get(get_kv_key(b"k")) == b"3"
    assert state.get(get_nonce_key(ALICE.public_key)) == (3).to_bytes(8, "big")


def test_a_tx_signed_for_another_chain_is_refused_by_decode() -> None:
    raw = make_kv_set_tx(ALICE, ChainId("kv-2"), 1, b"k", b"v")
    with pytest.raises(ConsortiumError) as caught:
        decode_verified_transaction(raw, CHAIN)
    assert caught.value.code is ErrorCode.WRONG_CHAIN_ID


def test_helpers_build_signed_txs_with_the_right_body() -> None:
    tx = verified(make_kv_delete_tx(BOB, CHAIN, 9, b"key"))
    assert (tx.body.sender, tx.body.nonce, tx.body.type) == (BOB.public_key, 9, TX_KV_DELETE)
    assert tx.body.payload == encode_kv_delete(b"key")
    tx = verified(make_kv_set_tx(BOB, CHAIN, 10, b"key", b"value"))
    assert tx.body.type == TX_KV_SET
    assert tx.body.payload == encode_kv_set(b"key", b"value")


def test_the_application_reads_only_through_its_state_argument() -> None:
    # The same transactions on equal states give equal results (no hidden state).
    raws = [make_kv_set_tx(ALICE, CHAIN, 1, b"a", b"1"), make_kv_delete_tx(BOB, CHAIN, 1, b"a")]
    first, second = genesis_state(), genesis_state()
    assert run_block(first, raws) == run_block(second, raws)
    assert first.values == second.values
