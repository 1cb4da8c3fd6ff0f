"""The application interface (ABCI-shaped, DESIGN §4) and the block executor every chain shares.

A chain's application decides what its transactions mean; the consensus
engine knows nothing about taxes or loans. The node asks three things:

* **check a transaction** before it enters the mempool
  (:func:`check_transaction`): the signature and chain were checked when it
  was decoded; here the nonce, the type and payload, and the application's
  own stateful check against committed state;
* **execute a block** (:func:`execute_block`): every transaction in order,
  each seeing the writes of those before it; the result is the state-tree
  updates (whose root goes into the header as the state after the block), the
  blobs it writes beside the tree, and one :class:`TxResult` per transaction;
* **answer a query with a proof**: the node reads the state tree directly
  (:meth:`chains.core.state_tree.StateTree.get_with_proof`); keys are the
  application's, documented with it.

Two kinds of failure differ. A transaction that cannot be in a block at all
(bad signature, other chain, nonce not above its account's, unknown type,
malformed payload) makes the whole block invalid: an honest proposer never
includes one. A transaction that breaks a business rule (reimbursing an
invoice twice) is included with a failing :class:`TxResult`; its nonce is
used up, and nothing else it would have written is kept.

**Blobs** are content-addressed values a block stores beside the state tree,
not under its root: written once under a key that commits to the value (a
record's fields under their commitment, say), never changed or deleted. The
state holds what a blob is checked against, so a blob is as trustworthy as a
proven value without costing the tree a key. They keep large values that the
tree need not prove (only what they hash to) out of every node's tree writes.

Nonces are kept here, for every application alike, under
``NONCE_PREFIX || sender`` as 8 bytes big-endian. In a block, a
transaction's nonce must be exactly its account's last one plus one, so
transactions sent in a row can never overtake each other and be lost; the
mempool holds later nonces until the gap closes.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from chains.core.crypto import is_valid_ed25519_public_key
from chains.core.errors import ACCEPTED, ConsortiumError, ErrorCode, Verdict, refuse
from chains.core.transactions import VerifiedTransaction
from chains.core.types import ChainId, Height

NONCE_PREFIX = b"nonce/"
"""State key of an account's last used nonce: ``NONCE_PREFIX || sender public key``."""
MAX_NONCE_AHEAD = 10_000
"""The mempool holds nonces up to the account's last nonce plus this many."""
_HEX_DIGITS = frozenset(string.hexdigits)


class StateReader(Protocol):
    """Read access to the application state (committed state, or a block in progress)."""

    def get(self, key: bytes) -> bytes | None:
        """The value of ``key``, or None when it is absent."""
        ...

    def get_blob(self, key: bytes) -> bytes | None:
        """The blob stored under ``key`` (see the module docs), or None."""
        ...


@dataclass(frozen=True, slots=True)
class BlockContext:
    """What a transaction may know about the block it executes in (no clock of its own)."""

    chain_id: ChainId
    height: Height
    time_unix_ms: int
    proposer: bytes


@dataclass(frozen=True, slots=True)
class TxResult:
    """The outcome of one transaction in a block: success, or a business-rule refusal."""

    code: ErrorCode = ErrorCode.ERROR_CODE_UNSPECIFIED
    message: str = ""

    @property
    def ok(self) -> bool:
        """True when the transaction took effect."""
        return self.code == ErrorCode.ERROR_CODE_UNSPECIFIED


TX_OK = TxResult()


class StateOverlay:
    """Writes on top of a :class:`StateReader`, kept apart until merged into a parent.

    One overlay per block collects the block's updates; one child overlay per
    transaction lets a failing transaction's writes be dropped.
    """

    def __init__(self, base: StateReader) -> None:
        self._base = base
        self._writes: dict[bytes, bytes | None] = {}
        self._blobs: dict[bytes, bytes] = {}

    def get(self, key: bytes) -> bytes | None:
        """The value of ``key`` seen through this overlay's writes."""
        if key in self._writes:
            return self._writes[key]
        return self._base.get(key)

    def set(self, key: bytes, value: bytes) -> None:
        """Write ``value`` under ``key`` (both bytes)."""
        if not isinstance(key, bytes) or not isinstance(value, bytes):
            raise ConsortiumError(ErrorCode.MALFORMED_INPUT, "state keys and values are bytes")
        self._writes[key] = value

    def delete(self, key: bytes) -> None:
        """Remove ``key`` (a no-op when it is absent)."""
        if not isinstance(key, bytes):
            raise ConsortiumError(ErrorCode.MALFORMED_INPUT, "state keys are bytes")
        self._writes[key] = None

    def get_blob(self, key: bytes) -> bytes | None:
        """The blob under ``key``, written through this overlay or stored before it."""
        blob = self._blobs.get(key)
        return self._base.get_blob(key) if blob is None else blob

    def put_blob(self, key: bytes, value: bytes) -> None:
        """Store blob ``value`` under ``key``, a key that commits to it (module docs)."""
        if not isinstance(key, bytes) or not isinstance(value, bytes):
            raise ConsortiumError(ErrorCode.MALFORMED_INPUT, "blob keys and values are bytes")
        self._blobs[key] = value

    def get_writes(self) -> Mapping[bytes, bytes | None]:
        """Every write so far: key -> value, None for a deletion."""
        return self._writes

    def get_blobs(self) -> Mapping[bytes, bytes]:
        """Every blob put so far."""
        return self._blobs

    def merge(self, child: StateOverlay) -> None:
        """Take over ``child``'s writes and blobs (a child built on this overlay)."""
        self._writes.update(child._writes)
        self._blobs.update(child._blobs)


class Application(Protocol):
    """What a chain's application provides to the node (pure and deterministic)."""

    def check_payload(self, tx: VerifiedTransaction) -> Verdict:
        """Stateless: a known type with a well-formed payload (else UNKNOWN_TX_TYPE /
        MALFORMED_INPUT). A transaction refused here makes a block invalid."""
        ...

    def check_tx(self, tx: VerifiedTransaction, state: StateReader) -> Verdict:
        """Stateful check against committed state before the mempool admits ``tx``
        (e.g. UNKNOWN_ACCOUNT). Advisory: the outcome that counts is :meth:`execute_tx`'s."""
        ...

    def execute_tx(
        self, tx: VerifiedTransaction, state: StateOverlay, context: BlockContext
    ) -> TxResult:
        """Apply ``tx`` (whose payload passed :meth:`check_payload`) to ``state``.

        Write only through ``state``; on a failing result the writes are dropped.
        """
        ...

    def get_genesis_updates(self, app_state: Mapping[str, object]) -> Mapping[bytes, bytes]:
        """The state written before the first block (version 0), from the genesis file's
        ``app_state``. Raises ConsortiumError(INVALID_CONFIG) for an unusable one."""
        ...


@dataclass(frozen=True, slots=True)
class BlockExecution:
    """What executing a block produced: state updates, blobs, and one result per transaction."""

    updates: Mapping[bytes, bytes | None]
    results: tuple[TxResult, ...]
    blobs: Mapping[bytes, bytes] = field(default_factory=dict)
    """Blobs the block stores beside the state tree (module docs)."""


def make_genesis_error(message: str) -> ConsortiumError:
    """The INVALID_CONFIG error of an unusable genesis ``app_state``, saying what is wrong."""
    return ConsortiumError(ErrorCode.INVALID_CONFIG, f"genesis app_state: {message}")


def decode_genesis_public_key(text: object, where: str) -> bytes:
    """The Ed25519 public key spelt as exactly 64 hex digits in a genesis file at ``where``.

    Raises INVALID_CONFIG for another shape, or a key that is not a canonical
    point of the main subgroup.
    """
    # bytes.fromhex alone would accept spaces and odd shapes; a genesis key is exact.
    if not isinstance(text, str) or len(text) != 64 or not set(text) <= _HEX_DIGITS:
        raise make_genesis_error(
            f"{where}.public_key must be 64 hex digits (an Ed25519 public key)"
        )
    public_key = bytes.fromhex(text)
    if not is_valid_ed25519_public_key(public_key):
        raise make_genesis_error(
            f"{where}.public_key is not a valid Ed25519 public key (not a canonical point, "
            "or of small order)"
        )
    return public_key


def get_nonce_key(sender: bytes) -> bytes:
    """The state key of ``sender``'s last used nonce."""
    return NONCE_PREFIX + sender


def get_account_nonce(state: StateReader, sender: bytes) -> int:
    """The last nonce ``sender`` used (0 before its first transaction)."""
    raw = state.get(get_nonce_key(sender))
    return 0 if raw is None else int.from_bytes(raw, "big")


def verify_nonce(tx: VerifiedTransaction, state: StateReader, ahead: int = 1) -> Verdict:
    """Accept a nonce above the account's last one by at most ``ahead`` (1: exactly next).

    Refuses STALE_NONCE for a nonce already used, NONCE_GAP for one too far ahead.
    """
    last = get_account_nonce(state, tx.body.sender)
    nonce = tx.body.nonce
    if nonce <= last:
        return refuse(
            ErrorCode.STALE_NONCE, f"nonce {nonce} is not above the account's last nonce {last}"
        )
    if nonce > last + ahead:
        return refuse(
            ErrorCode.NONCE_GAP,
            f"nonce {nonce} is more than {ahead} above the account's last nonce {last}",
        )
    return ACCEPTED


def verify_tx_admissible(app: Application, tx: VerifiedTransaction, state: StateReader) -> Verdict:
    """Accept when ``tx`` may be in a block built on ``state``: payload and the next nonce.

    Refuses with the application's code for the payload, STALE_NONCE for a
    nonce already used, or NONCE_GAP when an earlier nonce is still missing.
    """
    verdict = app.check_payload(tx)
    return verify_nonce(tx, state) if verdict.ok else verdict


def check_transaction(app: Application, tx: VerifiedTransaction, state: StateReader) -> Verdict:
    """The mempool's check of a decoded transaction against committed ``state``.

    A nonce up to ``MAX_NONCE_AHEAD`` above the last one is admitted: it waits
    in the mempool for the ones before it (a client may send several at once,
    to different nodes). Refuses STALE_NONCE, NONCE_GAP (too far ahead), or
    the application's own codes.
    """
    verdict = app.check_payload(tx)
    if verdict.ok:
        verdict = verify_nonce(tx, state, MAX_NONCE_AHEAD)
    return app.check_tx(tx, state) if verdict.ok else verdict


def _execute_one(
    app: Application, tx: VerifiedTransaction, block_state: StateOverlay, context: BlockContext
) -> TxResult:
    tx_state = StateOverlay(block_state)
    try:
        result = app.execute_tx(tx, tx_state, context)
    except ConsortiumError as error:
        result = TxResult(error.code, error.message)
    if result.ok:
        block_state.merge(tx_state)
    block_state.set(get_nonce_key(tx.body.sender), tx.body.nonce.to_bytes(8, "big"))
    return result


def execute_block(
    app: Application,
    context: BlockContext,
    txs: Sequence[VerifiedTransaction],
    state: StateReader,
) -> BlockExecution:
    """Execute a proposed or certified block's transactions on ``state`` (before the block).

    Raises ConsortiumError(INVALID_BLOCK) when any transaction may not be in
    a block (see :func:`verify_tx_admissible`); a business-rule failure is a
    failing result instead.
    """
    block_state = StateOverlay(state)
    results = []
    for index, tx in enumerate(txs):
        verdict = verify_tx_admissible(app, tx, block_state)
        if not verdict.ok:
            raise ConsortiumError(
                ErrorCode.INVALID_BLOCK,
                f"transaction {index} may not be in a block: {verdict.code.name} {verdict.message}",
            )
        results.append(_execute_one(app, tx, block_state, context))
    return _get_execution(block_state, results)


def _get_execution(block_state: StateOverlay, results: list[TxResult]) -> BlockExecution:
    return BlockExecution(
        dict(block_state.get_writes()), tuple(results), dict(block_state.get_blobs())
    )


class BlockBuilder:
    """A proposer's block in the making: candidates executed in order, as they come.

    A proposer waits a little after each commit for transactions to gather
    (the minimum block interval). A builder lets it execute the mempool's
    candidates during that wait, a chunk at a time, instead of all at once
    when the wait ends, so proposing costs only the last arrivals. Each
    :meth:`add` takes candidates in order and skips any that may not be in the
    block now (a stale nonce, a nonce whose predecessor has not arrived, one
    already taken), so a candidate skipped once can be taken by a later call.
    The result is the same as :func:`select_and_execute` over the transactions
    taken, in the order taken: the order of the block.
    """

    def __init__(
        self,
        app: Application,
        context: BlockContext,
        state: StateReader,
        max_txs: int,
        max_bytes: int | None = None,
    ) -> None:
        self.app = app
        self.context = context
        self.max_txs = max_txs
        self.max_bytes = max_bytes
        self.chosen: list[VerifiedTransaction] = []
        self._results: list[TxResult] = []
        self._taken: set[bytes] = set()
        self._bytes = 0
        self._state = StateOverlay(state)

    @property
    def is_full(self) -> bool:
        """True when no more transactions fit."""
        return len(self.chosen) >= self.max_txs

    def add(self, candidates: Iterable[VerifiedTransaction], limit: int | None = None) -> int:
        """Execute the candidates that may follow the block so far (at most ``limit`` of
        them, and within the block's limits); return how many were taken."""
        taken = 0
        for tx in candidates:
            if self.is_full or (limit is not None and taken >= limit):
                break
            if tx.tx_id in self._taken:
                continue
            size = len(tx.raw)
            if self.max_bytes is not None and self._bytes + size > self.max_bytes:
                continue
            if not verify_tx_admissible(self.app, tx, self._state).ok:
                continue
            self.chosen.append(tx)
            self._taken.add(tx.tx_id)
            self._bytes += size
            self._results.append(_execute_one(self.app, tx, self._state, self.context))
            taken += 1
        return taken

    def get_execution(self) -> BlockExecution:
        """The execution of the transactions taken so far."""
        return _get_execution(self._state, self._results)


def select_and_execute(
    app: Application,
    context: BlockContext,
    candidates: Iterable[VerifiedTransaction],
    state: StateReader,
    max_txs: int,
) -> tuple[list[VerifiedTransaction], BlockExecution]:
    """For a proposer: take candidates in order, skipping any that may not be in the block
    (a stale nonce, say), up to ``max_txs``; return them and their execution."""
    builder = BlockBuilder(app, context, state, max_txs)
    builder.add(candidates)
    return builder.chosen, builder.get_execution()
