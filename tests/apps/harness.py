"""Run an application's transactions the way a node does, in memory (for unit tests).

Each :meth:`AppHarness.run` signs transactions, decodes them as a node would
(signature and chain id), admits them with the mempool's check, executes
them as one block with the shared executor and applies the updates. Tests
assert on the returned results and on the state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from google.protobuf.message import Message

from chains.apps.records import read_record
from chains.core.app import (
    BlockContext,
    TxResult,
    check_transaction,
    execute_block,
    get_account_nonce,
)
from chains.core.crypto import Ed25519KeyPair, compute_ed25519_key_pair
from chains.core.errors import ConsortiumError, ErrorCode, Verdict
from chains.core.transactions import decode_verified_transaction, make_signed_transaction
from chains.core.types import ChainId, Height
from tests.app_helpers import DictState

SNAPSHOT_BLOB_PREFIX = b"\x00blob/"
"""Where :meth:`AppHarness.snapshot` lists blobs among state keys."""


def make_key(name: str) -> Ed25519KeyPair:
    """A deterministic account key for tests, from its name."""
    return compute_ed25519_key_pair(name.encode().ljust(32, b"."))


def make_org(
    org_id: str, role: str, key: Ed25519KeyPair, governing: bool = False, name: str = ""
) -> dict[str, object]:
    """A genesis organisation entry with one account."""
    return {
        "id": org_id,
        "name": name or org_id,
        "role": role,
        "governing": governing,
        "accounts": [{"name": "primary", "public_key": key.public_key.hex()}],
    }


@dataclass
class AppHarness:
    """An application over in-memory state, advanced one block per :meth:`run`."""

    app: object
    app_state: Mapping[str, object]
    chain_id: str = "test-1"
    height: int = 0
    time_unix_ms: int = 1_700_000_000_000
    state: DictState = field(default_factory=DictState)

    def __post_init__(self) -> None:
        self.state.apply(self.app.get_genesis_updates(self.app_state))

    def make_tx(
        self,
        key: Ed25519KeyPair,
        tx_type: str,
        payload: Message | bytes,
        nonce: int | None = None,
        chain_id: str | None = None,
    ) -> bytes:
        """A signed transaction from ``key`` (next nonce unless given)."""
        raw = payload if isinstance(payload, bytes) else payload.SerializeToString()
        if nonce is None:
            nonce = get_account_nonce(self.state, key.public_key) + 1
        return make_signed_transaction(key, ChainId(chain_id or self.chain_id), nonce, tx_type, raw)

    def admit(self, raw: bytes) -> Verdict:
        """What the mempool says about ``raw`` (decoding included)."""
        try:
            tx = decode_verified_transaction(raw, ChainId(self.chain_id))
        except ConsortiumError as error:
            return error.to_verdict()
        return check_transaction(self.app, tx, self.state)

    def run_block(self, raws: Sequence[bytes]) -> list[TxResult]:
        """Execute ``raws`` as the next block and apply its updates."""
        txs = [decode_verified_transaction(raw, ChainId(self.chain_id)) for raw in raws]
        self.height += 1
        self.time_unix_ms += 1_000
        context = BlockContext(ChainId(self.chain_id), Height(self.height), self.time_unix_ms, b"")
        execution = execute_block(self.app, context, txs, self.state)
        self.state.apply(execution.updates, execution.blobs)
        return list(execution.results)

    def run(self, key: Ed25519KeyPair, tx_type: str, payload: Message | bytes) -> TxResult:
        """Send one transaction in its own block: the mempool's refusal, or the block's result."""
        raw = self.make_tx(key, tx_type, payload)
        verdict = self.admit(raw)
        if not verdict.ok:
            return TxResult(verdict.code, verdict.message)
        return self.run_block([raw])[0]

    def execute(self, key: Ed25519KeyPair, tx_type: str, payload: Message | bytes) -> TxResult:
        """Execute one transaction in its own block without the mempool's check (as a
        faulty proposer could include it): the application's own refusal, or success."""
        return self.run_block([self.make_tx(key, tx_type, payload)])[0]

    def snapshot(self) -> dict[bytes, bytes]:
        """A copy of the whole state and the blobs beside it (to assert that nothing changed).

        Blobs appear under ``SNAPSHOT_BLOB_PREFIX`` + their key: no state key starts so.
        """
        blobs = {SNAPSHOT_BLOB_PREFIX + key: value for key, value in self.state.blobs.items()}
        return {**self.state.values, **blobs}


def get_fields(harness: AppHarness, kind: str, record_id: str) -> dict[str, object]:
    """The fields of record ``kind``/``record_id``, which must exist."""
    record = read_record(harness.state, kind, record_id)
    assert record is not None, f"no {kind} {record_id}"
    return dict(record.fields)


def assert_refused(result: TxResult | Verdict, code: ErrorCode) -> None:
    """``result`` is a refusal with ``code``."""
    assert result.code == code, f"expected {code.name}, got {result.code.name}: {result.message}"
