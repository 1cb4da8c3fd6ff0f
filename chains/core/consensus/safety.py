"""SafetyRules: the only object that signs consensus messages (DESIGN §4).

Tendermint is safe only if no honest validator ever signs two different
messages for one (height, round, step): two prevotes or two precommits for
different blocks in one round are equivocation, and enough of them can decide
two blocks at one height. A crash between signing and remembering must not
open that door, so SafetyRules persists what it signs *before* the signature
leaves it, and a new SafetyRules built on the same store after a restart
refuses whatever would conflict with what the old one signed.

It also keeps the lock of the current height (Algorithm 1, lines 36-43: the
round and value of the last precommit for a block). The consensus core
enforces the locking rules; SafetyRules only makes the lock survive restarts,
because a validator that forgot its lock could prevote against a value that
the others may already have decided (lines 22-33 would let it).

Signing is monotone in the order key (height, round, step), with the
proposal at step PROPOSE, then PREVOTE, then PRECOMMIT. A request below the
last signed key is refused; one at the same key is answered with the stored
signature when its sign bytes are identical (so a vote can be re-sent after a
restart) and refused otherwise.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Protocol

from chains.core.consensus.messages import (
    MAX_ROUND,
    Proposal,
    Step,
    Vote,
    VoteType,
    get_vote_step,
)
from chains.core.consensus.signing import SignatureScheme
from chains.core.errors import ConsortiumError, ErrorCode
from chains.core.types import ChainId, Hash32, Height, Round, is_hash32

SAFETY_DATA_VERSION = 1
"""Format version of encoded :class:`SafetyData`; a decoder refuses any other."""

_SAFETY_DATA_KEYS = frozenset(
    {
        "version",
        "height",
        "round",
        "step",
        "sign_bytes",
        "signature",
        "locked_round",
        "locked_block_hash",
    }
)
# Far above any real signature or sign bytes, so a corrupt file cannot make us
# allocate without bound while decoding it.
_MAX_BLOB_HEX_CHARS = 2 * 4096
_MAX_ENCODED_BYTES = 3 * _MAX_BLOB_HEX_CHARS + 512

NO_LOCK: tuple[Round, Hash32 | None] = (Round(-1), None)
"""The lock of a height at which nothing was precommitted for a block."""


@dataclass(frozen=True, slots=True)
class SafetyData:
    """What SafetyRules must remember across restarts.

    ``height``, ``round`` and ``step`` are the order key of the last message
    signed; ``sign_bytes`` and ``signature`` are that message's canonical bytes
    and signature. ``locked_round`` and ``locked_block_hash`` are the round and
    block of the last precommit for a block signed at ``height`` (-1 and
    ``None`` when there is none); they reset when the height increases.
    """

    height: Height
    round: Round
    step: Step
    sign_bytes: bytes
    signature: bytes
    locked_round: Round = Round(-1)
    locked_block_hash: Hash32 | None = None

    def get_order_key(self) -> tuple[int, int, int]:
        """(height, round, step) of the last signed message: signing never goes below it."""
        return (self.height, self.round, int(self.step))


def _encode_document(data: SafetyData) -> bytes:
    """Sorted-key, space-free JSON of ``data`` (unchecked): the one canonical spelling."""
    document = {
        "version": SAFETY_DATA_VERSION,
        "height": int(data.height),
        "round": int(data.round),
        "step": int(data.step),
        "sign_bytes": data.sign_bytes.hex(),
        "signature": data.signature.hex(),
        "locked_round": int(data.locked_round),
        "locked_block_hash": (
            None if data.locked_block_hash is None else data.locked_block_hash.hex()
        ),
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode("ascii")


def encode_safety_data(data: SafetyData) -> bytes:
    """Deterministic bytes of ``data`` for a store: sorted-key JSON, byte strings in hex.

    Raises ``ConsortiumError(MALFORMED_INPUT)`` for data that
    :func:`decode_safety_data` would refuse, so a store never writes what it
    could not read back after a restart.
    """
    try:
        raw = _encode_document(data)
    except (AttributeError, TypeError, ValueError):
        raise _malformed("fields of the wrong type") from None
    decode_safety_data(raw)
    return raw


def _malformed(message: str) -> ConsortiumError:
    return ConsortiumError(ErrorCode.MALFORMED_INPUT, f"safety data: {message}")


def _get_int(document: dict[str, object], key: str, low: int, high: int) -> int:
    value = document[key]
    # bool is an int subclass; true/false in the file means the file is wrong.
    if type(value) is not int or not low <= value <= high:
        raise _malformed(f"{key} must be an integer in [{low}, {high}]")
    return value


def _get_hex(document: dict[str, object], key: str) -> bytes:
    value = document[key]
    if not isinstance(value, str) or len(value) > _MAX_BLOB_HEX_CHARS:
        raise _malformed(f"{key} must be a hex string of at most {_MAX_BLOB_HEX_CHARS} digits")
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise _malformed(f"{key} is not hex") from None


def decode_safety_data(raw: bytes) -> SafetyData:
    """The :class:`SafetyData` encoded in ``raw``.

    Raises ``ConsortiumError(MALFORMED_INPUT)`` for anything that is not exactly
    what :func:`encode_safety_data` writes: a validator must not guess what it
    signed before a restart.
    """
    if not isinstance(raw, bytes):
        raise _malformed("must be bytes")
    # The canonical form is one flat object, so anything longer or nested is
    # refused before parsing: deeply nested JSON can exhaust the C stack.
    if len(raw) > _MAX_ENCODED_BYTES or raw.count(b"{") != 1 or b"[" in raw:
        raise _malformed("not one flat JSON object of bounded size")
    try:
        document = json.loads(raw.decode("ascii"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _malformed("not JSON") from None
    if not isinstance(document, dict) or set(document) != _SAFETY_DATA_KEYS:
        raise _malformed(f"must be an object with exactly the keys {sorted(_SAFETY_DATA_KEYS)}")
    if type(document["version"]) is not int or document["version"] != SAFETY_DATA_VERSION:
        raise _malformed(f"unknown version {document['version']!r}")
    height = _get_int(document, "height", 0, 2**64 - 1)
    round_ = _get_int(document, "round", 0, MAX_ROUND)
    step = _get_int(document, "step", min(Step), max(Step))
    locked_round = _get_int(document, "locked_round", -1, round_)
    sign_bytes = _get_hex(document, "sign_bytes")
    signature = _get_hex(document, "signature")
    locked_hex = document["locked_block_hash"]
    locked_block_hash = None if locked_hex is None else _get_hex(document, "locked_block_hash")
    if locked_block_hash is not None and not is_hash32(locked_block_hash):
        raise _malformed("locked_block_hash must be 32 bytes")
    if (locked_round == -1) != (locked_block_hash is None):
        raise _malformed("locked_round and locked_block_hash must both be set or both be unset")
    data = SafetyData(
        height=Height(height),
        round=Round(round_),
        step=Step(step),
        sign_bytes=sign_bytes,
        signature=signature,
        locked_round=Round(locked_round),
        locked_block_hash=None if locked_block_hash is None else Hash32(locked_block_hash),
    )
    # Refuse non-canonical spellings (spaces, key order, upper-case hex) so that
    # one SafetyData has exactly one encoding.
    if _encode_document(data) != raw:
        raise _malformed("not in canonical form")
    return data


class SafetyStore(Protocol):
    """Where SafetyRules keeps its :class:`SafetyData` (a port: the runtime supplies it)."""

    def load(self) -> SafetyData | None:
        """The last data saved, or ``None`` when nothing was ever saved."""
        ...

    def save(self, data: SafetyData) -> None:
        """Replace the saved data; it must be durable (fsynced) when this returns."""
        ...


class InMemorySafetyStore:
    """A store that keeps the last saved object, for tests and the simulator.

    A simulated crash keeps this object and builds a new SafetyRules on it,
    which is exactly what a durable store gives a restarted process.
    """

    def __init__(self, data: SafetyData | None = None) -> None:
        self._data = data

    def load(self) -> SafetyData | None:
        """The last data saved (``None`` before the first save)."""
        return self._data

    def save(self, data: SafetyData) -> None:
        """Keep ``data``; it is 'durable' at once."""
        self._data = data


def compute_next_lock(
    previous: SafetyData | None,
    height: Height,
    round_: Round,
    step: Step,
    block_hash: Hash32 | None,
) -> tuple[Round, Hash32 | None]:
    """The lock after signing a message at (``height``, ``round_``, ``step``).

    A precommit for a block locks on it (Algorithm 1, lines 36-43); anything
    else keeps the lock of the same height. A higher height starts unlocked,
    because a lock only protects the value of its own height.
    """
    if step == Step.PRECOMMIT and block_hash is not None:
        return (round_, block_hash)
    if previous is None or previous.height != height:
        return NO_LOCK
    return (previous.locked_round, previous.locked_block_hash)


class SafetyRules:
    """Owns a validator's secret key and signs only what cannot conflict.

    Build exactly one per validator process, on the store that outlives the
    process; every vote and proposal the validator sends is signed here.
    """

    def __init__(
        self,
        chain_id: ChainId,
        secret_key: int,
        scheme: SignatureScheme,
        store: SafetyStore,
    ) -> None:
        self._chain_id = chain_id
        self._secret_key = secret_key
        self._scheme = scheme
        self._store = store
        # Read once: this object is the only writer, so the store cannot move on
        # without it, and every later check runs against what is durable.
        self._data: SafetyData | None = store.load()

    @property
    def chain_id(self) -> ChainId:
        """The chain this validator signs for; messages for any other are refused."""
        return self._chain_id

    def get_public_key(self) -> bytes:
        """The public key of the secret key this object signs with."""
        return self._scheme.get_public_key(self._secret_key)

    def get_safety_data(self) -> SafetyData | None:
        """The last message signed and the current lock (``None`` before the first signature)."""
        return self._data

    def get_lock(self, height: Height) -> tuple[Round, Hash32 | None]:
        """(locked round, locked block hash) at ``height``; ``(-1, None)`` when not locked there.

        The consensus core calls this after a restart to resume with the lock it
        had, instead of starting the height unlocked.
        """
        data = self._data
        if data is None or data.height != height:
            return NO_LOCK
        return (data.locked_round, data.locked_block_hash)

    def sign_vote(self, vote: Vote) -> Vote:
        """``vote`` with its signature, or ``ConsortiumError`` when signing it could conflict.

        Refuses WRONG_CHAIN_ID for another chain, DOUBLE_SIGN_REFUSED below the
        last signed (height, round, step) or for different bytes at it, and
        MALFORMED_INPUT for a vote that has no canonical bytes.
        """
        self._check_chain_id(vote.chain_id)
        sign_bytes = vote.get_sign_bytes()  # refuses an unknown vote type
        step = get_vote_step(VoteType(vote.vote_type))
        signature = self._sign(vote.height, vote.round, step, sign_bytes, vote.block_hash)
        return replace(vote, signature=signature)

    def sign_proposal(self, proposal: Proposal) -> Proposal:
        """``proposal`` with its signature, or ``ConsortiumError`` when signing it could conflict.

        A proposal is at step PROPOSE of its round: one per (height, round), and
        never after this validator has voted in that round.
        """
        self._check_chain_id(proposal.chain_id)
        sign_bytes = proposal.get_sign_bytes()
        signature = self._sign(
            proposal.height, proposal.round, Step.PROPOSE, sign_bytes, proposal.value.block_hash
        )
        return replace(proposal, signature=signature)

    def _check_chain_id(self, chain_id: ChainId) -> None:
        if chain_id != self._chain_id:
            raise ConsortiumError(
                ErrorCode.WRONG_CHAIN_ID,
                f"this validator signs for chain {self._chain_id!r}, not {chain_id!r}",
            )

    def _sign(
        self,
        height: Height,
        round_: Round,
        step: Step,
        sign_bytes: bytes,
        block_hash: Hash32 | None,
    ) -> bytes:
        previous = self._data
        key = (height, round_, int(step))
        if previous is not None:
            last = previous.get_order_key()
            if key < last:
                raise ConsortiumError(
                    ErrorCode.DOUBLE_SIGN_REFUSED,
                    f"already signed (height, round, step) {last}; will not sign {key} below it",
                )
            if key == last:
                if sign_bytes == previous.sign_bytes:
                    # The same message again (e.g. re-sent after a restart): the
                    # old signature is the answer, and nothing new is signed.
                    return previous.signature
                raise ConsortiumError(
                    ErrorCode.DOUBLE_SIGN_REFUSED,
                    f"already signed a different message at (height, round, step) {key}",
                )
        signature = self._scheme.sign(self._secret_key, sign_bytes)
        locked_round, locked_block_hash = compute_next_lock(
            previous, height, round_, step, block_hash
        )
        data = SafetyData(
            height=height,
            round=round_,
            step=step,
            sign_bytes=sign_bytes,
            signature=signature,
            locked_round=locked_round,
            locked_block_hash=locked_block_hash,
        )
        # Durable first: if the process dies after this, the restarted one
        # knows; if save raises, the signature never leaves and nothing changed.
        self._store.save(data)
        self._data = data
        return signature
