"""The mempool of a node: verified transactions waiting for a block.

A transaction is admitted only after the checks a block would make of it
(signature and chain, payload, nonce above the committed one, the
application's own check against committed state), except that its nonce may
be ahead of the account's next one (up to ``MAX_NONCE_AHEAD``): a block takes
a sender's nonces only one after the other, so such a transaction waits here
until the ones before it are committed. A client may thus send nonces 5, 6, 7
in a row, to different nodes, in any order of arrival. A proposer's
candidates are each sender's run of consecutive nonces from its committed one
on, so they are almost always includable, and block validation can reuse the
verification (:meth:`Mempool.get_verified`) instead of checking each Ed25519
signature again.

Layout, for 20,000 pending transactions at 1,000+ tx/s:

* ``_pending``: tx id -> entry, in arrival order (a dict keeps insertion order);
* ``_senders``: sender -> its pending nonces, sorted, nonce -> tx, and its
  committed nonce; this is the (sender, nonce) uniqueness check, the
  per-sender nonce order and where a sender's includable run starts. The
  committed nonce is read when the sender's queue is created and kept up to
  date by :meth:`Mempool.remove_committed`, which the node calls for every
  committed block;
* ``_by_height``: entry height -> tx ids, so time-outs evict whole heights;
* ``_verified``: a bounded FIFO of transactions that left the pool, still
  trusted as verified when a block carries them.

Everything but ``add``'s signature check is a dict operation or a bisect, so
the Ed25519 verification (~65 µs) stays the main cost of admission.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from chains.core.app import Application, StateReader, check_transaction, get_account_nonce
from chains.core.errors import ConsortiumError, ErrorCode
from chains.core.transactions import VerifiedTransaction, decode_verified_transaction
from chains.core.types import ChainId, compute_sha256


@dataclass(frozen=True, slots=True)
class MempoolConfig:
    """Bounds of a node's mempool."""

    max_txs: int = 20_000
    max_bytes: int = 32 * 1024 * 1024
    max_tx_bytes: int = 64 * 1024
    ttl_heights: int = 50
    """A transaction still pending this many heights after it entered is evicted."""
    verified_cache: int = 50_000
    """How many transactions that left the pool stay known as verified, for block validation."""

    def __post_init__(self) -> None:
        for name in ("max_txs", "max_bytes", "max_tx_bytes", "ttl_heights"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ConsortiumError(
                    ErrorCode.INVALID_CONFIG, f"mempool {name} must be a positive integer"
                )
        if not isinstance(self.verified_cache, int) or self.verified_cache < 0:
            raise ConsortiumError(
                ErrorCode.INVALID_CONFIG, "mempool verified_cache must be an integer >= 0"
            )


@dataclass(frozen=True, slots=True)
class AddResult:
    """The outcome of offering one transaction to the mempool."""

    tx_id: bytes
    """The transaction's 32-byte id, or b"" when the bytes could not even be decoded."""
    code: ErrorCode
    """ERROR_CODE_UNSPECIFIED when admitted, else why not."""
    message: str = ""

    @property
    def ok(self) -> bool:
        """True when the transaction was admitted."""
        return self.code == ErrorCode.ERROR_CODE_UNSPECIFIED


@dataclass(frozen=True, slots=True)
class _Entry:
    tx: VerifiedTransaction
    height: int
    sender: bytes
    """``tx.body.sender``, kept apart: reading a protobuf field makes a new bytes object."""


class _SenderQueue:
    """One sender's pending transactions: nonces kept sorted, nonce -> transaction, and
    the account's committed nonce (every pending nonce is above it)."""

    __slots__ = ("committed", "nonces", "txs")

    def __init__(self, committed: int) -> None:
        self.committed = committed
        self.nonces: list[int] = []
        self.txs: dict[int, VerifiedTransaction] = {}


class Mempool:
    """Pending transactions of one chain, checked against committed state (see module doc).

    Not thread-safe: the node calls it from its one event loop.
    """

    def __init__(
        self,
        chain_id: ChainId,
        app: Application,
        config: MempoolConfig,
        get_state: Callable[[], StateReader],
        is_committed: Callable[[bytes], bool],
    ) -> None:
        self._chain_id = chain_id
        self._app = app
        self._config = config
        self._get_state = get_state
        self._is_committed = is_committed
        self._pending: dict[bytes, _Entry] = {}
        self._senders: dict[bytes, _SenderQueue] = {}
        self._by_height: dict[int, dict[bytes, None]] = {}
        self._verified: OrderedDict[bytes, VerifiedTransaction] = OrderedDict()
        self._gossip: list[bytes] = []
        self._size_bytes = 0

    def __len__(self) -> int:
        return len(self._pending)

    @property
    def size_bytes(self) -> int:
        """Total size of the pending transactions' bytes."""
        return self._size_bytes

    def add(self, raw: bytes, *, from_peer: bool = False, height: int = 0) -> AddResult:
        """Check ``raw`` and admit it, or say why not; never raises, and a refusal changes nothing.

        ``height`` is the node's current height: the entry's age is counted from it.
        """
        return self.add_batch([raw], from_peer=from_peer, height=height)[0]

    def add_batch(
        self, raws: Sequence[bytes], *, from_peer: bool = False, height: int = 0
    ) -> list[AddResult]:
        """:meth:`add` each of ``raws`` in order, reading committed state once."""
        if not raws:
            return []
        state = self._get_state()
        return [self._add(raw, from_peer, height, state) for raw in raws]

    def _add(self, raw: object, from_peer: bool, height: int, state: StateReader) -> AddResult:
        if not isinstance(raw, bytes):
            return AddResult(b"", ErrorCode.MALFORMED_INPUT, "a transaction must arrive as bytes")
        limit = self._config.max_tx_bytes
        if len(raw) > limit:
            return AddResult(
                b"", ErrorCode.TX_TOO_LARGE, f"the transaction is {len(raw)} bytes; at most {limit}"
            )
        # Identical bytes decode identically, so a duplicate is answered before the
        # signature check, which is most of the cost of an add.
        tx_id = compute_sha256(raw)
        if tx_id in self._pending:
            return AddResult(tx_id, ErrorCode.DUPLICATE_TX, "the transaction is already pending")
        if self._is_committed(tx_id):
            return AddResult(tx_id, ErrorCode.DUPLICATE_TX, "the transaction is already committed")
        tx = self._verified.get(tx_id)
        if tx is None or tx.raw != raw:
            try:
                tx = decode_verified_transaction(raw, self._chain_id)
            except ConsortiumError as error:
                decoded = error.code != ErrorCode.MALFORMED_INPUT
                return AddResult(tx_id if decoded else b"", error.code, error.message)
        try:
            verdict = check_transaction(self._app, tx, state)
        except ConsortiumError as error:
            verdict = error.to_verdict()
        if not verdict.ok:
            return AddResult(tx_id, verdict.code, verdict.message)
        sender, nonce = tx.body.sender, tx.body.nonce
        queue = self._senders.get(sender)
        if queue is not None and nonce in queue.txs:
            return AddResult(
                tx_id,
                ErrorCode.STALE_NONCE,
                f"a transaction with nonce {nonce} from this sender is already pending; "
                "use a higher nonce",
            )
        if len(self._pending) >= self._config.max_txs:
            return AddResult(
                tx_id,
                ErrorCode.MEMPOOL_FULL,
                f"the mempool holds {self._config.max_txs} transactions; retry later",
            )
        if self._size_bytes + len(raw) > self._config.max_bytes:
            return AddResult(
                tx_id,
                ErrorCode.MEMPOOL_FULL,
                f"the mempool holds {self._size_bytes} of {self._config.max_bytes} bytes; "
                "retry later",
            )
        if queue is None:
            queue = self._senders[sender] = _SenderQueue(get_account_nonce(state, sender))
        self._insert(tx, sender, height, queue)
        if not from_peer:
            self._gossip.append(tx_id)
            if len(self._gossip) > 2 * self._config.max_txs:
                # Nobody is taking gossip (no peers): keep only what could still be sent.
                self._gossip = [i for i in dict.fromkeys(self._gossip) if i in self._pending]
        return AddResult(tx_id, ErrorCode.ERROR_CODE_UNSPECIFIED)

    def _insert(
        self, tx: VerifiedTransaction, sender: bytes, height: int, queue: _SenderQueue
    ) -> None:
        nonce = tx.body.nonce
        # Senders mostly count upwards, so this lands at the end: O(log n).
        insort(queue.nonces, nonce)
        queue.txs[nonce] = tx
        self._pending[tx.tx_id] = _Entry(tx, height, sender)
        self._by_height.setdefault(height, {})[tx.tx_id] = None
        self._size_bytes += len(tx.raw)
        # A transaction back from the verified cache lives in the pool now.
        self._verified.pop(tx.tx_id, None)

    def get_candidates(self, max_txs: int, max_bytes: int) -> list[VerifiedTransaction]:
        """What a proposer should try, at most ``max_txs`` / ``max_bytes``; removes nothing.

        Oldest first, and each sender's transactions in nonce order, only its
        run of consecutive nonces from its committed nonce + 1 on (those after
        a missing nonce wait). The k-th transaction of a sender to arrive
        gives its place to the k-th nonce of that run, so a late low nonce is
        not left behind by an earlier higher one; a sender's places beyond
        its run stay empty. Each sender's candidates are thus a block's worth
        of consecutive nonces, and so is any prefix of the list.
        """
        chosen: list[VerifiedTransaction] = []
        if max_txs <= 0:
            return chosen
        total = 0
        taken: dict[bytes, int] = {}
        senders = self._senders
        for entry in self._pending.values():
            sender = entry.sender
            index = taken.get(sender, 0)
            queue = senders[sender]
            nonces = queue.nonces
            # Pending nonces are distinct and above the committed one, so the k-th
            # lowest is committed + 1 + k exactly when the k before it leave no gap.
            if index >= len(nonces) or nonces[index] != queue.committed + 1 + index:
                continue
            taken[sender] = index + 1
            tx = queue.txs[nonces[index]]
            total += len(tx.raw)
            if total > max_bytes:
                break
            chosen.append(tx)
            if len(chosen) >= max_txs:
                break
        return chosen

    def get_verified(self, raw: bytes) -> VerifiedTransaction | None:
        """The transaction of ``raw`` if this node verified it (pending, or recently left the
        pool), so that block validation can skip its signature check; else None."""
        if not isinstance(raw, bytes):
            return None
        tx_id = compute_sha256(raw)
        entry = self._pending.get(tx_id)
        tx = entry.tx if entry is not None else self._verified.get(tx_id)
        return tx if tx is not None and tx.raw == raw else None

    def remove_committed(self, txs: Sequence[VerifiedTransaction], height: int) -> None:
        """After the block at ``height`` (holding ``txs``) is committed: drop ``txs``, the
        pending transactions whose nonce is now stale, and those older than the TTL.

        Call it for every committed block, in order: it also moves where each
        sender's run of candidates starts (see :meth:`get_candidates`).
        """
        senders = {tx.body.sender for tx in txs}
        gone: list[bytes] = [tx.tx_id for tx in txs]
        # Only a committed transaction moves its sender's nonce, so only those
        # senders can have newly stale pending transactions.
        touched = [sender for sender in senders if sender in self._senders]
        if touched:
            state = self._get_state()
            for sender in touched:
                queue = self._senders[sender]
                queue.committed = get_account_nonce(state, sender)
                cut = bisect_right(queue.nonces, queue.committed)
                gone.extend(queue.txs[nonce].tx_id for nonce in queue.nonces[:cut])
        oldest_kept = height - self._config.ttl_heights + 1
        for entered in [h for h in self._by_height if h < oldest_kept]:
            gone.extend(self._by_height[entered])
        self._drop(gone)
        for tx in txs:
            self._remember(tx)

    def _drop(self, tx_ids: Iterable[bytes]) -> None:
        # Per sender, the nonce list is filtered once, not once per transaction.
        dropped: dict[bytes, set[int]] = {}
        for tx_id in tx_ids:
            entry = self._pending.pop(tx_id, None)
            if entry is None:
                continue
            tx = entry.tx
            self._size_bytes -= len(tx.raw)
            bucket = self._by_height[entry.height]
            del bucket[tx_id]
            if not bucket:
                del self._by_height[entry.height]
            dropped.setdefault(entry.sender, set()).add(tx.body.nonce)
            self._remember(tx)
        for sender, nonces in dropped.items():
            queue = self._senders[sender]
            for nonce in nonces:
                del queue.txs[nonce]
            if queue.txs:
                queue.nonces = [nonce for nonce in queue.nonces if nonce not in nonces]
            else:
                del self._senders[sender]

    def _remember(self, tx: VerifiedTransaction) -> None:
        capacity = self._config.verified_cache
        if capacity == 0:
            return
        self._verified[tx.tx_id] = tx
        self._verified.move_to_end(tx.tx_id)
        while len(self._verified) > capacity:
            self._verified.popitem(last=False)

    def take_gossip(self) -> list[bytes]:
        """Transactions admitted from clients (not peers) since the last call, in order.

        Peers form a full mesh, so what came from a peer has reached every
        peer already. Transactions that left the pool meanwhile are skipped.
        """
        ids, self._gossip = self._gossip, []
        return [self._pending[i].tx.raw for i in dict.fromkeys(ids) if i in self._pending]
