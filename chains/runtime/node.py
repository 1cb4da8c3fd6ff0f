"""The node: the pure consensus core and the application, driven on one asyncio loop.

Everything that changes the node's state runs on the loop, one event at a
time, so nothing here needs a lock. The core's effects are executed in the
order it returned them:

* ``BuildBlock``: the proposer waits for transactions (or for the empty-block
  interval), executes a block of mempool transactions and answers
  ``BlockBuilt``; the header carries the state root after the block.
* ``ValidateBlock``: the block is checked against the chain tip and executed;
  its state root must match. The execution is kept, so a commit never
  executes a block twice.
* ``BroadcastProposal`` / ``BroadcastVote``: SafetyRules signs (persisting
  first, together with the consensus write-ahead log), then the message goes
  to every peer and back into the core.
* ``CommitBlock``: block, certificate, transactions with their results, and
  the state-tree version are written in one database transaction; only then
  is the block announced (DESIGN §4: a block is acknowledged only once durable).

The consensus write-ahead log keeps the messages of the current and next
height (own and received). After a restart they are replayed into the core
and gossiped again, and the block the validator is locked on becomes its
valid value again (docs/consensus.md).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from chains.core.app import (
    Application,
    BlockBuilder,
    BlockContext,
    BlockExecution,
    StateReader,
    execute_block,
)
from chains.core.block import Block, decode_block, encode_block, encode_header, get_block_value
from chains.core.chain import ChainTip, compute_block_time, verify_block_extends
from chains.core.consensus.certificate import CommitCertificate, encode_certificate
from chains.core.consensus.machine import (
    BlockBuilt,
    BlockValidated,
    BroadcastProposal,
    BroadcastVote,
    BuildBlock,
    CertifiedBlockReceived,
    CommitBlock,
    ConsensusConfig,
    ConsensusState,
    Effect,
    Event,
    ProposalReceived,
    ReportEvidence,
    ScheduleTimeout,
    TimeoutFired,
    ValidateBlock,
    VoteReceived,
    apply,
    start_consensus,
)
from chains.core.consensus.messages import Proposal, Step, Value, Vote
from chains.core.consensus.safety import SafetyRules
from chains.core.consensus.signing import BlsScheme
from chains.core.consensus.validators import ValidatorSet, compute_validators_hash
from chains.core.consensus.wire import decode_message, encode_message
from chains.core.errors import ConsortiumError, ErrorCode
from chains.core.merkle import compute_root
from chains.core.state_tree import StateTree, TreeBatch, compute_tree_batch
from chains.core.transactions import VerifiedTransaction, decode_verified_transaction
from chains.core.types import Hash32, Height, Round, Version
from chains.runtime.config import NodeConfig
from chains.runtime.genesis import Genesis
from chains.runtime.keys import ValidatorKey
from chains.runtime.mempool import Mempool
from chains.runtime.storage import (
    ChainSafetyStore,
    ChainStore,
    CommitRecord,
    StoredTx,
    WalEntry,
)

log = logging.getLogger("consortium.node")

GENESIS_META_KEY = "genesis_hash"
WAL_FLUSH_INTERVAL_S = 0.2
GOSSIP_INTERVAL_S = 1.0
"""A height that lasts longer than this gets its messages sent to every peer again."""
CATCH_UP_AFTER_S = 1.0
"""A node this long one height behind a peer fetches certified blocks from it."""
RECENT_TX_HEIGHTS = 100
EXECUTE_AHEAD_CHUNK = 64
"""Transactions a proposer executes ahead between two turns of the event loop (~10 ms)."""
STATE_CACHE_ENTRIES = 200_000


class NodeStopped(Exception):
    """The node stopped itself because continuing could be wrong (e.g. diverged state)."""


@dataclass(frozen=True, slots=True)
class PreparedBlock:
    """A block executed on top of the tip: what committing it will write."""

    block: Block
    txs: tuple[VerifiedTransaction, ...]
    execution: BlockExecution
    batch: TreeBatch


class TipState:
    """The committed application state after the last block, with a read cache.

    Every transaction reads its account's nonce and registration, in the
    mempool and again in each block that executes it; walking the tree for
    each costs more than the signature check. The cache holds values of the
    tip version only and is updated with each committed block's writes.
    """

    def __init__(
        self,
        tree: StateTree,
        version: Version,
        get_blob: Callable[[bytes], bytes | None],
        limit: int = STATE_CACHE_ENTRIES,
    ) -> None:
        self._tree = tree
        self._version = version
        self._get_blob = get_blob
        self._cache: dict[bytes, bytes | None] = {}
        self._limit = limit

    def get(self, key: bytes) -> bytes | None:
        """The value of ``key`` at the tip, or None."""
        cache = self._cache
        if key in cache:
            return cache[key]
        value = self._tree.get(key, self._version)
        if len(cache) >= self._limit:
            cache.clear()
        cache[key] = value
        return value

    def get_blob(self, key: bytes) -> bytes | None:
        """The stored blob under ``key``, or None (blobs never change: no tip to track)."""
        return self._get_blob(key)

    def advance(self, version: Version, updates: Mapping[bytes, bytes | None]) -> None:
        """Move to ``version``, the tip plus ``updates`` (the committed block's writes)."""
        self._version = version
        if len(self._cache) + len(updates) >= self._limit:
            self._cache.clear()
        self._cache.update(updates)


def get_now_ms() -> int:
    """Wall-clock time in milliseconds (the one clock the node reads)."""
    return int(time.time() * 1000)


class Node:
    """One validator (or follower) of one chain."""

    def __init__(
        self,
        config: NodeConfig,
        genesis: Genesis,
        store: ChainStore,
        app: Application,
        validator_key: ValidatorKey | None,
    ) -> None:
        self.config = config
        self.genesis = genesis
        self.chain_id = genesis.chain_id
        self.store = store
        self.tree = StateTree(store)
        self.app = app
        self.validator_key = validator_key
        self.scheme = BlsScheme()
        self.validators = genesis.validators
        self.validators_hash = compute_validators_hash(self.validators)
        self.state: ConsensusState | None = None
        self.safety: SafetyRules | None = None
        self.tip: ChainTip | None = None
        self.prepared: dict[Hash32, PreparedBlock] = {}
        self.gossip: dict[bytes, int] = {}  # message bytes -> height (current and next)
        self.wal_pending: list[WalEntry] = []
        self.height_started = time.monotonic()
        self.last_commit_monotonic = time.monotonic()
        self.build_task: asyncio.Task | None = None
        self.peer_heights: dict[str, tuple[int, float]] = {}  # name -> (height, since)
        # Called after each durable commit: (height, header bytes, certificate bytes, tx ids).
        self.commit_listeners: list[Callable[[int, bytes, bytes, list[bytes]], None]] = []
        self.broadcast: Callable[[bytes], None] = lambda raw: None  # to every peer
        self.request_blocks: Callable[[str, int], bool] = lambda peer, height: False
        self.evidence_count = 0
        self.last_regossip = time.monotonic()
        self.stopped: asyncio.Future | None = None
        self.fatal: str | None = None
        self.mempool = Mempool(
            self.chain_id,
            app,
            config.mempool,
            get_state=self.get_committed_state,
            is_committed=self.is_recently_committed,
        )
        # Ids of the transactions of the last heights: a cheap duplicate check for
        # the mempool. Older ones cannot come back anyway: their nonce is used up.
        self.recent_tx_ids: set[bytes] = set()
        self.recent_by_height: deque[list[bytes]] = deque()

    # ------------------------------------------------------------ start-up

    def open_chain(self) -> None:
        """Check the data directory belongs to this genesis; write genesis state if new."""
        stored = self.store.get_meta(GENESIS_META_KEY)
        if stored is None:
            if self.store.get_last_height() != 0 or self.tree.get_latest_version() is not None:
                raise ConsortiumError(
                    ErrorCode.GENESIS_MISMATCH, "the database holds a chain but no genesis hash"
                )
            updates = self.app.get_genesis_updates(self.genesis.app_state)
            self.store.write_batch(compute_tree_batch(self.store, Version(0), dict(updates)))
            self.store.set_meta(GENESIS_META_KEY, self.genesis.hash)
        elif stored != self.genesis.hash:
            raise ConsortiumError(
                ErrorCode.GENESIS_MISMATCH,
                "this data directory belongs to another genesis file; use a fresh directory",
            )
        self.tip = self._load_tip()
        self.tip_state = TipState(self.tree, Version(self.tip.height), self.store.get_blob)

    def _load_tip(self) -> ChainTip:
        height = self.store.get_last_height()
        if height == 0:
            return ChainTip(
                self.chain_id,
                Height(0),
                b"",
                self.genesis.genesis_time_unix_ms,
                self.tree.get_root(Version(0)),
            )
        header = decode_block(self.store.get_block(height)).header
        return ChainTip(self.chain_id, height, header.hash, header.time_unix_ms, header.state_root)

    def is_recently_committed(self, tx_id: bytes) -> bool:
        """True when ``tx_id`` was committed in one of the last heights."""
        return tx_id in self.recent_tx_ids

    def get_committed_state(self) -> StateReader:
        """The application state after the last committed block."""
        return self.tip_state

    def get_validator_set(self, height: int) -> ValidatorSet:
        """The set that signs ``height`` (the applications do not change it yet)."""
        return self.validators

    def start_consensus(self) -> None:
        """Start (or resume after a restart) consensus at the next height."""
        height = Height(self.tip.height + 1)
        own_key = self.validator_key.public_key if self.validator_key else None
        config = ConsensusConfig(self.chain_id, own_key, self.scheme, self.config.timeouts)
        resume = None
        locked_round, locked_hash = Round(-1), None
        if self.validator_key is not None:
            store = ChainSafetyStore(self.store, self._take_wal)
            self.safety = SafetyRules(
                self.chain_id, self.validator_key.secret_key, self.scheme, store
            )
            data = self.safety.get_safety_data()
            if data is not None and data.height == height:
                resume = (Round(data.round), Step(data.step))
            locked_round, locked_hash = self.safety.get_lock(height)
        entries = self.store.get_wal(height)
        wal = [decode_message(entry.raw) for entry in entries]
        locked_value = None
        for message in wal:
            if isinstance(message, Proposal) and message.value.block_hash == locked_hash:
                locked_value = message.value
        self.state, effects = start_consensus(
            config,
            height,
            self.get_validator_set(height),
            self.get_validator_set(height + 1),
            resume_at=resume,
            locked_round=locked_round,
            locked_hash=locked_hash,
            locked_value=locked_value,
        )
        self.height_started = time.monotonic()
        pending: deque[Event] = deque()
        self._run_effects(effects, pending)
        # Replay the write-ahead log: own and received messages count again.
        for entry, message in zip(entries, wal, strict=True):
            self.gossip[entry.raw] = message.height
            pending.append(_to_event(message))
        self._drain(pending)
        log.info(
            "consensus started at height %d (resume %s, lock %s)", height, resume, locked_round
        )

    # ---------------------------------------------------------- event loop

    def feed(self, event: Event) -> None:
        """Apply one event to the core and execute what follows."""
        self._drain(deque([event]))

    def _drain(self, pending: deque[Event]) -> None:
        while pending and self.fatal is None:
            event = pending.popleft()
            self.state, effects = apply(self.state, event)
            self._run_effects(effects, pending)

    def _run_effects(self, effects: list[Effect], pending: deque[Event]) -> None:
        for effect in effects:
            if self.fatal is not None:
                return
            if isinstance(effect, BuildBlock):
                self._schedule_build(effect)
            elif isinstance(effect, ValidateBlock):
                self._on_validate(effect, pending)
            elif isinstance(effect, BroadcastProposal):
                self._sign_and_send(effect.proposal, pending)
            elif isinstance(effect, BroadcastVote):
                self._sign_and_send(effect.vote, pending)
            elif isinstance(effect, ScheduleTimeout):
                self._schedule_timeout(effect)
            elif isinstance(effect, CommitBlock):
                self._on_commit(effect)
            elif isinstance(effect, ReportEvidence):
                self.evidence_count += 1
                first = effect.evidence.first
                log.warning(
                    "evidence: validator %d signed conflicting votes at height %d round %d",
                    first.validator_index,
                    first.height,
                    first.round,
                )

    def _schedule_timeout(self, effect: ScheduleTimeout) -> None:
        loop = asyncio.get_running_loop()
        event = TimeoutFired(effect.height, effect.round, effect.step)

        def fire() -> None:
            if self.state is not None and self.state.height == event.height:
                self.feed(event)

        loop.call_later(effect.duration_ms / 1000, fire)

    # ------------------------------------------------------------- signing

    def _take_wal(self) -> list[WalEntry]:
        entries, self.wal_pending = self.wal_pending, []
        return entries

    def flush_wal(self) -> None:
        """Make the received messages durable (also done with every signature)."""
        if self.wal_pending:
            self.store.append_wal(self._take_wal())

    def remember(self, raw: bytes, height: int) -> bool:
        """Keep a message of the current or next height for the WAL and for gossip.

        Returns False when it was known already.
        """
        if raw in self.gossip:
            return False
        self.gossip[raw] = height
        self.wal_pending.append(WalEntry(Height(height), raw))
        return True

    def _sign_and_send(self, message: Vote | Proposal, pending: deque[Event]) -> None:
        if self.safety is None:
            return
        try:
            if isinstance(message, Proposal):
                signed = self.safety.sign_proposal(message)
            else:
                signed = self.safety.sign_vote(message)
        except ConsortiumError as error:
            # After a restart the core may ask again for what was signed already.
            log.info("SafetyRules refused to sign: %s", error)
            return
        raw = encode_message(signed)
        self.remember(raw, signed.height)
        self.broadcast(raw)
        pending.append(_to_event(signed))

    def on_consensus_message(self, raw: bytes) -> None:
        """A vote or proposal from a peer (raises ConsortiumError for malformed bytes)."""
        message = decode_message(raw)
        height = self.state.height
        if not height <= message.height <= height + 1:
            return  # a decided height, or too far ahead: block sync handles those
        if not self.remember(raw, message.height):
            return
        self.feed(_to_event(message))

    # ------------------------------------------------------- blocks: build

    def _schedule_build(self, effect: BuildBlock) -> None:
        if self.build_task is not None and not self.build_task.done():
            self.build_task.cancel()
        self.build_task = asyncio.get_running_loop().create_task(self._build_when_ready(effect))

    async def _build_when_ready(self, effect: BuildBlock) -> None:
        blocks = self.config.blocks
        # Wait at least the minimum interval after the last commit, and for
        # transactions up to the empty-block interval; a round change cancels.
        # Meanwhile execute the candidates that have arrived, a chunk at a time
        # (the event loop runs between chunks), so that proposing at the end of
        # the wait costs only the latest arrivals and the state tree.
        earliest = self.last_commit_monotonic + blocks.min_block_interval_ms / 1000
        latest = self.last_commit_monotonic + blocks.empty_block_interval_ms / 1000
        builder: BlockBuilder | None = None
        while True:
            state = self.state
            if state is None or (state.height, state.round) != (effect.height, effect.round):
                return  # the height or round moved on: this block will not be proposed
            now = time.monotonic()
            if now >= latest or (now >= earliest and len(self.mempool) > 0):
                break
            taken = 0
            if len(self.mempool) > 0:
                builder = builder or self._start_block(effect.height)
                taken = self._extend_block(builder, EXECUTE_AHEAD_CHUNK)
            await asyncio.sleep(0 if taken else min(0.01, max(0.0, latest - now)))
        state = self.state
        if state is None or (state.height, state.round) != (effect.height, effect.round):
            return
        value = self._build_block(effect.height, builder)
        self.feed(BlockBuilt(effect.height, effect.round, value, None))

    def _start_block(self, height: Height) -> BlockBuilder:
        context = BlockContext(
            self.chain_id,
            height,
            compute_block_time(self.tip, get_now_ms()),
            self.validator_key.public_key,
        )
        blocks = self.config.blocks
        return BlockBuilder(
            self.app,
            context,
            self.get_committed_state(),
            blocks.max_block_txs,
            blocks.max_block_bytes,
        )

    def _extend_block(self, builder: BlockBuilder, limit: int | None = None) -> int:
        blocks = self.config.blocks
        candidates = self.mempool.get_candidates(blocks.max_block_txs, blocks.max_block_bytes)
        return builder.add(candidates, limit)

    def _build_block(self, height: Height, builder: BlockBuilder | None = None) -> Value:
        """Propose the next block: ``builder``'s transactions (begun on this tip and height)
        and whatever else the mempool offers now."""
        tip = self.tip
        if builder is None or builder.context.height != height:
            builder = self._start_block(height)
        self._extend_block(builder)
        context = builder.context
        chosen, execution = builder.chosen, builder.get_execution()
        batch = compute_tree_batch(self.store, Version(height), dict(execution.updates))
        txs = [tx.raw for tx in chosen]
        header = encode_header(
            chain_id=self.chain_id,
            height=height,
            time_unix_ms=context.time_unix_ms,
            prev_block_hash=tip.block_hash,
            tx_root=compute_root(txs),
            tx_count=len(txs),
            state_root=batch.root.root_hash,
            validators_hash=self.validators_hash,
            next_validators_hash=compute_validators_hash(self.get_validator_set(height + 1)),
            proposer=self.validator_key.public_key,
        )
        value = get_block_value(encode_block(header, txs))
        block = decode_block(value.block)
        self.prepared[value.block_hash] = PreparedBlock(block, tuple(chosen), execution, batch)
        return value

    # ---------------------------------------------------- blocks: validate

    def _on_validate(self, effect: ValidateBlock, pending: deque[Event]) -> None:
        if effect.height != self.tip.height + 1:
            return
        try:
            self._prepare(effect.value)
            valid = True
        except ConsortiumError as error:
            log.warning("block %s refused: %s", effect.value.block_hash.hex()[:12], error)
            valid = False
        except Exception:  # a bug here must not stop the node: it prevotes nil instead
            log.exception("validating block %s failed", effect.value.block_hash.hex()[:12])
            valid = False
        pending.append(BlockValidated(effect.height, effect.value.block_hash, valid, None))

    def _prepare(self, value: Value) -> PreparedBlock:
        """Check and execute a block on the tip (once; the result is kept until the commit)."""
        prepared = self.prepared.get(value.block_hash)
        if prepared is not None:
            return prepared
        block = decode_block(value.block)
        height = Height(self.tip.height + 1)
        verify_block_extends(
            block,
            self.tip,
            self.get_validator_set(height),
            self.get_validator_set(height + 1),
            get_now_ms(),
        ).raise_for_error()
        txs = tuple(self._get_verified(raw) for raw in block.txs)
        # A committed transaction cannot be included again: its nonce is used up,
        # which execute_block checks. This only names the refusal better.
        if len({tx.tx_id for tx in txs}) != len(txs) or any(
            self.is_recently_committed(tx.tx_id) for tx in txs
        ):
            raise ConsortiumError(ErrorCode.DUPLICATE_TX, "the block repeats a transaction")
        header = block.header
        context = BlockContext(self.chain_id, height, header.time_unix_ms, header.proposer)
        execution = execute_block(self.app, context, txs, self.get_committed_state())
        batch = compute_tree_batch(self.store, Version(height), dict(execution.updates))
        if batch.root.root_hash != header.state_root:
            raise ConsortiumError(
                ErrorCode.STATE_ROOT_MISMATCH, "the block's state root is not what it executes to"
            )
        prepared = PreparedBlock(block, txs, execution, batch)
        self.prepared[value.block_hash] = prepared
        return prepared

    def _get_verified(self, raw: bytes) -> VerifiedTransaction:
        known = self.mempool.get_verified(raw)
        if known is not None:
            return known
        try:
            return decode_verified_transaction(raw, self.chain_id)
        except ConsortiumError as error:
            raise ConsortiumError(
                ErrorCode.INVALID_BLOCK, f"a transaction is invalid: {error}"
            ) from None

    # ------------------------------------------------------ blocks: commit

    def _on_commit(self, effect: CommitBlock) -> None:
        height = effect.height
        try:
            prepared = self._prepare(effect.value)
        except ConsortiumError as error:
            # A certified block that does not execute to its own state root:
            # this node's state is wrong. Stop rather than sign on top of it.
            self._fail(f"cannot execute certified block {height}: {error}")
            return
        txs = [
            StoredTx(tx.tx_id, height, index, tx.raw, int(result.code), result.message)
            for index, (tx, result) in enumerate(
                zip(prepared.txs, prepared.execution.results, strict=True)
            )
        ]
        record_certificate = encode_certificate(effect.certificate)
        try:
            self.flush_wal()
            self.store.commit_block(
                CommitRecord(
                    height=height,
                    block_hash=prepared.block.hash,
                    block_raw=prepared.block.raw,
                    certificate_raw=record_certificate,
                    txs=txs,
                    tree_batch=prepared.batch,
                    blobs=prepared.execution.blobs,
                    meta={},
                    wal_prune_below=Height(height + 1),
                )
            )
        except Exception as error:  # a full disk, a lost database: never go on without it
            self._fail(f"cannot store block {height}: {error}")
            return
        header = prepared.block.header
        self.tip = ChainTip(
            self.chain_id, height, header.hash, header.time_unix_ms, header.state_root
        )
        self.tip_state.advance(Version(height), prepared.execution.updates)
        self.prepared = {}
        self.gossip = {raw: h for raw, h in self.gossip.items() if h > height}
        ids = [tx.tx_id for tx in prepared.txs]
        self.recent_tx_ids.update(ids)
        self.recent_by_height.append(ids)
        if len(self.recent_by_height) > RECENT_TX_HEIGHTS:
            self.recent_tx_ids.difference_update(self.recent_by_height.popleft())
        self.mempool.remove_committed(list(prepared.txs), height)
        retain = self.config.state_retain_heights
        if retain and height > retain:
            self.tree.prune(Version(height - retain))
        now = time.monotonic()
        self.last_commit_monotonic = now
        self.height_started = now
        for listener in list(self.commit_listeners):
            listener(height, header.raw, record_certificate, [tx.tx_id for tx in txs])

    def _fail(self, reason: str) -> None:
        self.fatal = reason
        log.critical("stopping: %s", reason)
        if self.stopped is not None and not self.stopped.done():
            self.stopped.set_result(reason)

    # ------------------------------------------------------------ catch-up

    def on_certified_block(self, block_raw: bytes, certificate: CommitCertificate) -> None:
        """A block with its certificate from a peer that is ahead."""
        if certificate.height != self.state.height:
            return
        value = get_block_value(block_raw)
        self.feed(CertifiedBlockReceived(value, certificate))

    def get_certified_blocks(self, from_height: int, limit: int) -> list[tuple[bytes, bytes]]:
        """Stored blocks and certificates from ``from_height`` on (for a lagging peer)."""
        top = min(self.tip.height, from_height + limit - 1)
        blocks = []
        for height in range(max(1, from_height), top + 1):
            blocks.append((self.store.get_block(height), self.store.get_certificate(height)))
        return blocks

    def on_peer_status(self, peer: str, height: int) -> None:
        """Remember how far a peer is (``tick`` fetches blocks when this node stays behind)."""
        previous = self.peer_heights.get(peer)
        since = previous[1] if previous and previous[0] == height else time.monotonic()
        self.peer_heights[peer] = (height, since)

    def tick(self) -> None:
        """Periodic work: catch up from the furthest peer, gossip a stuck height again."""
        if self.state is None or self.fatal is not None:
            return
        now = time.monotonic()
        self.flush_wal()
        own = self.state.height
        ahead = [
            (height, name, since)
            for name, (height, since) in self.peer_heights.items()
            if height > own
        ]
        if ahead:
            height, name, since = max(ahead)
            if height > own + 1 or now - since >= CATCH_UP_AFTER_S:
                self.request_blocks(name, own)
        if now - self.height_started >= GOSSIP_INTERVAL_S and now - self.last_regossip >= (
            GOSSIP_INTERVAL_S
        ):
            self.last_regossip = now
            for raw, height in list(self.gossip.items()):
                if height == own:
                    self.broadcast(raw)

    def get_current_messages(self) -> list[bytes]:
        """The messages of the current height (sent to a peer when its link opens)."""
        own = self.state.height if self.state else 0
        return [raw for raw, height in self.gossip.items() if height >= own]


def _to_event(message: Vote | Proposal) -> Event:
    return ProposalReceived(message) if isinstance(message, Proposal) else VoteReceived(message)
