"""The key-value application: the simple application a chain runs until its real one lands.

Two transaction types, both open only to accounts registered in genesis:

* ``"kv.set"`` (payload ``consortium.v1.KvSet``): write ``value`` under ``key``;
* ``"kv.delete"`` (payload ``consortium.v1.KvDelete``): remove ``key`` (a no-op
  when it is absent).

State keys (queried with proofs straight from the state tree):

* ``KV_PREFIX || key`` -> value;
* ``ACCOUNT_PREFIX || Ed25519 public key`` -> the account's name, UTF-8.

Nonces are the shared executor's (:mod:`chains.core.app`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from chains.core.app import (
    BlockContext,
    StateOverlay,
    StateReader,
    TxResult,
    decode_genesis_public_key,
    make_genesis_error,
)
from chains.core.crypto import Ed25519KeyPair
from chains.core.errors import ACCEPTED, ConsortiumError, ErrorCode, Verdict, refuse
from chains.core.protobuf import parse_message
from chains.core.transactions import VerifiedTransaction, make_signed_transaction
from chains.core.types import ChainId
from consortium.v1 import kv_pb2

TX_KV_SET = "kv.set"
"""Transaction type: write a value under a key (payload ``KvSet``)."""

TX_KV_DELETE = "kv.delete"
"""Transaction type: remove a key (payload ``KvDelete``)."""

KV_PREFIX = b"kv/"
"""State key of a stored value: ``KV_PREFIX || key``."""

ACCOUNT_PREFIX = b"account/"
"""State key of an account: ``ACCOUNT_PREFIX || Ed25519 public key`` -> name (UTF-8)."""

MAX_KEY_BYTES = 256
MAX_VALUE_BYTES = 4096

_APP_STATE_FIELDS = frozenset({"accounts", "kv"})
_ACCOUNT_FIELDS = frozenset({"name", "public_key"})


def get_kv_key(key: bytes) -> bytes:
    """The state key under which the value of ``key`` is stored."""
    return KV_PREFIX + key


def get_account_key(public_key: bytes) -> bytes:
    """The state key of the account with this Ed25519 ``public_key``."""
    return ACCOUNT_PREFIX + public_key


def is_registered_account(state: StateReader, public_key: bytes) -> bool:
    """True when ``public_key`` is an account of this chain (registered in genesis)."""
    return state.get(get_account_key(public_key)) is not None


def get_kv_limits_error(key: bytes, value: bytes = b"") -> str:
    """Why ``key`` / ``value`` break the size limits, or "" when they are within them."""
    if not 1 <= len(key) <= MAX_KEY_BYTES:
        return f"a key must be 1 to {MAX_KEY_BYTES} bytes, not {len(key)}"
    if len(value) > MAX_VALUE_BYTES:
        return f"a value must be at most {MAX_VALUE_BYTES} bytes, not {len(value)}"
    return ""


def encode_kv_set(key: bytes, value: bytes) -> bytes:
    """The payload of a ``kv.set`` transaction. Limits are the node's to check, not this."""
    return kv_pb2.KvSet(key=key, value=value).SerializeToString()


def encode_kv_delete(key: bytes) -> bytes:
    """The payload of a ``kv.delete`` transaction. Limits are the node's to check, not this."""
    return kv_pb2.KvDelete(key=key).SerializeToString()


def decode_kv_payload(tx_type: str, payload: bytes) -> kv_pb2.KvSet | kv_pb2.KvDelete:
    """The checked payload of a KV transaction.

    Raises ConsortiumError: UNKNOWN_TX_TYPE, or MALFORMED_INPUT for undecodable
    bytes or a key / value outside the limits.
    """
    message: kv_pb2.KvSet | kv_pb2.KvDelete
    if tx_type == TX_KV_SET:
        message = parse_message(kv_pb2.KvSet, payload)
        problem = get_kv_limits_error(message.key, message.value)
    elif tx_type == TX_KV_DELETE:
        message = parse_message(kv_pb2.KvDelete, payload)
        problem = get_kv_limits_error(message.key)
    else:
        raise ConsortiumError(
            ErrorCode.UNKNOWN_TX_TYPE,
            f"the KV application has no transaction type {tx_type!r}; "
            f"use {TX_KV_SET!r} or {TX_KV_DELETE!r}",
        )
    if problem:
        raise ConsortiumError(ErrorCode.MALFORMED_INPUT, f"{tx_type}: {problem}")
    return message


def make_kv_set_tx(
    key_pair: Ed25519KeyPair, chain_id: ChainId, nonce: int, key: bytes, value: bytes
) -> bytes:
    """A signed ``kv.set`` transaction's bytes, ready to submit."""
    return make_signed_transaction(key_pair, chain_id, nonce, TX_KV_SET, encode_kv_set(key, value))


def make_kv_delete_tx(key_pair: Ed25519KeyPair, chain_id: ChainId, nonce: int, key: bytes) -> bytes:
    """A signed ``kv.delete`` transaction's bytes, ready to submit."""
    return make_signed_transaction(key_pair, chain_id, nonce, TX_KV_DELETE, encode_kv_delete(key))


def compute_genesis_accounts(accounts: object) -> dict[bytes, bytes]:
    """The account entries (state key -> UTF-8 name) of genesis ``accounts``.

    Raises ConsortiumError(INVALID_CONFIG) for a wrong shape, a bad key, or an
    account (name or key) listed twice.
    """
    if not isinstance(accounts, list):
        raise make_genesis_error('"accounts" must be a list of {"name", "public_key"} objects')
    updates: dict[bytes, bytes] = {}
    names: set[str] = set()
    for index, account in enumerate(accounts):
        where = f"accounts[{index}]"
        if not isinstance(account, Mapping) or set(account) != _ACCOUNT_FIELDS:
            raise make_genesis_error(
                f'{where} must be an object with exactly "name" and "public_key"'
            )
        name = account["name"]
        if not isinstance(name, str) or not name:
            raise make_genesis_error(f"{where}.name must be a non-empty string")
        if name in names:
            raise make_genesis_error(f"{where}: the account name {name!r} is listed twice")
        public_key = decode_genesis_public_key(account["public_key"], where)
        state_key = get_account_key(public_key)
        if state_key in updates:
            raise make_genesis_error(f"{where} ({name!r}): its public key is listed twice")
        names.add(name)
        updates[state_key] = name.encode("utf-8")
    return updates


def compute_genesis_kv(kv: object) -> dict[bytes, bytes]:
    """The stored values (state key -> value) of genesis ``kv``: UTF-8 key -> UTF-8 value.

    Raises ConsortiumError(INVALID_CONFIG) for a wrong shape or a key / value outside the limits.
    """
    if not isinstance(kv, Mapping):
        raise make_genesis_error('"kv" must be an object mapping string keys to string values')
    updates: dict[bytes, bytes] = {}
    for key, value in kv.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise make_genesis_error(f"kv[{key!r}]: keys and values must be strings")
        key_bytes, value_bytes = key.encode("utf-8"), value.encode("utf-8")
        problem = get_kv_limits_error(key_bytes, value_bytes)
        if problem:
            raise make_genesis_error(f"kv[{key!r}]: {problem}")
        updates[get_kv_key(key_bytes)] = value_bytes
    return updates


@dataclass(frozen=True, slots=True)
class KvApplication:
    """The KV application (see the module docstring); stateless, so one instance serves all."""

    def check_payload(self, tx: VerifiedTransaction) -> Verdict:
        """A known type with a well-formed payload within the limits."""
        try:
            decode_kv_payload(tx.body.type, tx.body.payload)
        except ConsortiumError as error:
            return error.to_verdict()
        return ACCEPTED

    def check_tx(self, tx: VerifiedTransaction, state: StateReader) -> Verdict:
        """The sender is a registered account (else UNKNOWN_ACCOUNT)."""
        if not is_registered_account(state, tx.body.sender):
            return refuse(
                ErrorCode.UNKNOWN_ACCOUNT,
                f"sender {tx.body.sender.hex()} is not an account of this chain; "
                "accounts are registered in genesis",
            )
        return ACCEPTED

    def execute_tx(
        self, tx: VerifiedTransaction, state: StateOverlay, context: BlockContext
    ) -> TxResult:
        """Write or delete the key; an unregistered sender gets a failing UNKNOWN_ACCOUNT."""
        verdict = self.check_tx(tx, state)
        if not verdict.ok:
            return TxResult(verdict.code, verdict.message)
        message = decode_kv_payload(tx.body.type, tx.body.payload)
        if isinstance(message, kv_pb2.KvSet):
            state.set(get_kv_key(message.key), message.value)
        else:
            state.delete(get_kv_key(message.key))
        return TxResult()

    def get_genesis_updates(self, app_state: Mapping[str, object]) -> Mapping[bytes, bytes]:
        """Accounts and initial values from ``{"accounts": [...], "kv": {...}}`` (kv optional).

        Raises ConsortiumError(INVALID_CONFIG) naming what is wrong.
        """
        if not isinstance(app_state, Mapping):
            raise make_genesis_error('must be an object with "accounts" (and optionally "kv")')
        unknown = sorted(str(name) for name in set(app_state) - _APP_STATE_FIELDS)
        if unknown:
            raise make_genesis_error(f'unknown fields {unknown}; only "accounts" and "kv" are read')
        if "accounts" not in app_state:
            raise make_genesis_error('"accounts" is missing: list who may send transactions')
        updates = compute_genesis_accounts(app_state["accounts"])
        updates.update(compute_genesis_kv(app_state.get("kv", {})))
        return updates
