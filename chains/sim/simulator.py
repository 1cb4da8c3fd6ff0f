"""Run one scenario: nodes, a seeded network, Byzantine behaviour and the invariants.

Everything random comes from one ``random.Random`` seeded by the scenario, and
events are ordered by (time, sequence number), so a run is a pure function of
its scenario. Nodes run the real consensus core (``apply``), sign through the
real SafetyRules with a store that survives crashes, and execute blocks of the
simulator's application (:mod:`chains.sim.app`).

Gossip: Tendermint assumes that a message one honest node received eventually
reaches all of them. Nodes here keep the messages of their current height and
send them all again whenever a time-out moves them on (a sign that something
was lost), and a node that sees a message of a height it already decided
answers with the certified blocks the sender lacks.
"""

from __future__ import annotations

import heapq
import random
import time
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from chains.core.block import decode_block
from chains.core.consensus.certificate import CommitCertificate, verify_commit
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
    TimeoutConfig,
    TimeoutFired,
    ValidateBlock,
    VoteReceived,
    apply,
    start_consensus,
)
from chains.core.consensus.messages import Proposal, Step, Value, Vote, VoteType, get_vote_step
from chains.core.consensus.safety import InMemorySafetyStore, SafetyRules
from chains.core.consensus.signing import BlsScheme, SignatureScheme
from chains.core.consensus.validators import Validator, ValidatorSet
from chains.core.errors import ConsortiumError
from chains.core.types import ChainId, Round
from chains.sim.app import INVALID_TX, ChainView
from chains.sim.mock import MockScheme
from chains.sim.scenario import Scenario

CHAIN_ID = ChainId("sim-1")
MAX_EVENTS = 400_000
CATCH_UP_BATCH = 16
REPLY_INTERVAL_MS = 500
GOSSIP_INTERVAL_MS = 1000
CATCH_UP_AFTER_MS = 3000


@dataclass
class SimResult:
    """What a run found: violations (empty when every invariant held) and figures."""

    scenario: Scenario
    violations: list[str] = field(default_factory=list)
    heights: int = 0
    messages: int = 0
    events: int = 0
    max_rounds_after_gst: int = 0
    decision_rounds: list[int] = field(default_factory=list)
    core_seconds: dict[int, float] = field(default_factory=dict)
    sim_time_ms: int = 0

    @property
    def ok(self) -> bool:
        """True when no invariant was violated."""
        return not self.violations


@dataclass
class SimNode:
    """One node: durable parts (safety store, chain) survive a crash; the rest does not."""

    node_id: int
    key_index: int
    secret_key: int
    public_key: bytes
    honest: bool
    equivocator: bool
    store: InMemorySafetyStore
    chain: ChainView
    state: ConsensusState | None = None
    safety: SafetyRules | None = None
    incarnation: int = 0
    crashed: bool = False
    # Durable, like a consensus write-ahead log: every message of the current
    # height, written before the core sees it (replayed and gossiped after a
    # restart), and the blocks this node precommitted.
    gossip: dict[tuple, tuple] = field(default_factory=dict)
    gossip_since: dict[tuple, int] = field(default_factory=dict)
    wal_values: dict[bytes, Value] = field(default_factory=dict)
    replied: dict[tuple[int, int], int] = field(default_factory=dict)
    behind_since: dict[tuple[int, int], int] = field(default_factory=dict)
    rounds_since_gst: int = 0


def get_scheme(name: str) -> SignatureScheme:
    """The signature scheme called ``name`` (``mock`` or ``bls``)."""
    return BlsScheme() if name == "bls" else MockScheme()


def make_keys(
    scheme: SignatureScheme, count: int, secrets: list[int] | None = None
) -> list[tuple[int, bytes, bytes]]:
    """Validator keys (secret, public key, proof of possession), deterministic by default."""
    keys = []
    for index in range(count):
        secret = secrets[index] if secrets else 1_000_003 + 7919 * index
        public = scheme.get_public_key(secret)
        pop = b""
        if isinstance(scheme, BlsScheme):
            from chains.core.crypto.bls import get_bls

            pop = get_bls().PopProve(secret)
        keys.append((secret, public, pop))
    return keys


class Simulator:
    """Drives one scenario to its end and checks the invariants as it goes."""

    def __init__(
        self,
        scenario: Scenario,
        trace: Callable[[str], None] | None = None,
        measure_core: bool = False,
        chain_id: ChainId = CHAIN_ID,
        names: list[str] | None = None,
        secret_keys: list[int] | None = None,
    ) -> None:
        self.scenario = scenario
        self.chain_id = chain_id
        self.rng = random.Random(f"run:{scenario.family}:{scenario.seed}")
        self.trace = trace
        self.measure_core = measure_core
        self.scheme = get_scheme(scenario.scheme)
        keys = make_keys(self.scheme, scenario.n, secret_keys)
        names = names or [f"validator-{i}" for i in range(scenario.n)]
        genesis = ValidatorSet(
            tuple(
                Validator(names[i], keys[i][1], keys[i][2], scenario.powers[i])
                for i in range(scenario.n)
            )
        )
        self.genesis = genesis
        # Shorter than a production chain's, so that many rounds fit in a run;
        # still several times the delay bound after the heal.
        self.timeouts = TimeoutConfig(1000, 250, 300, 150, 300, 150)
        self.result = SimResult(scenario)
        self.queue: list[tuple[int, int, tuple]] = []
        self.sequence = 0
        self.now = 0
        self.nodes: list[SimNode] = []
        for node_id in range(scenario.node_count):
            key_index = scenario.get_key_index(node_id)
            secret, public, _ = keys[key_index]
            self.nodes.append(
                SimNode(
                    node_id=node_id,
                    key_index=key_index,
                    secret_key=secret,
                    public_key=public,
                    honest=scenario.is_honest(node_id),
                    equivocator=key_index in scenario.equivocators,
                    store=InMemorySafetyStore(),
                    chain=ChainView(chain_id, genesis),
                )
            )
        self.honest_keys = {node.public_key for node in self.nodes if node.honest}
        # Invariant bookkeeping.
        self.reference = ChainView(chain_id, genesis)
        self.decided: dict[int, bytes] = {}
        self.built: set[bytes] = set()
        self.signed: dict[tuple[int, int, int, int], bytes] = {}
        self.target_height: int | None = None

    # ------------------------------------------------------------ scheduling

    def _push(self, at: int, action: tuple) -> None:
        self.sequence += 1
        heapq.heappush(self.queue, (at, self.sequence, action))

    def _is_partitioned(self, source: int, target: int) -> bool:
        for start, end, groups in self.scenario.partitions:
            if start <= self.now < end:
                for group in groups:
                    if source in group:
                        return target not in group
        return False

    def _send(self, source: int, target: int, message: tuple) -> None:
        scenario = self.scenario
        self.result.messages += 1
        before_gst = self.now < scenario.gst_ms
        if before_gst:
            drop = scenario.drop
            if message[0] == "vote" and message[1].vote_type == VoteType.PRECOMMIT:
                drop = 1 - (1 - drop) * (1 - scenario.precommit_drop)
            if self._is_partitioned(source, target) or self.rng.random() < drop:
                return
        bound = scenario.max_delay_ms if before_gst else scenario.delta_ms
        copies = 2 if self.rng.random() < scenario.duplicate else 1
        for _ in range(copies):
            self._push(self.now + self.rng.randint(1, bound), ("deliver", target, source, message))

    def _broadcast(self, source: int, message: tuple, targets: list[int] | None = None) -> None:
        for target in targets if targets is not None else range(len(self.nodes)):
            if target != source:
                self._send(source, target, message)

    # ----------------------------------------------------------------- nodes

    def _config(self, node: SimNode) -> ConsensusConfig:
        return ConsensusConfig(
            self.chain_id, node.public_key, self.scheme, self.timeouts, self.scenario.bugs
        )

    def _boot(self, node: SimNode) -> None:
        """Start or restart a node from its durable parts only."""
        node.incarnation += 1
        node.crashed = False
        node.safety = SafetyRules(self.chain_id, node.secret_key, self.scheme, node.store)
        height = node.chain.next_height
        data = node.safety.get_safety_data()
        resume = None
        locked_round, locked_hash = node.safety.get_lock(height)
        if data is not None and data.height == height:
            resume = (Round(data.round), Step(data.step))
        state, effects = start_consensus(
            self._config(node),
            height,
            node.chain.get_set(height),
            node.chain.get_set(height + 1),
            resume_at=resume,
            locked_round=locked_round,
            locked_hash=locked_hash,
            locked_value=node.wal_values.get(locked_hash) if locked_hash else None,
        )
        node.state = state
        self._push(self.now + GOSSIP_INTERVAL_MS, ("tick", node.node_id, node.incarnation))
        pending: deque = deque()
        self._run_effects(node, effects, pending)
        # Replay the write-ahead log: this node's own messages of the height count again.
        for kind, item in list(node.gossip.values()):
            pending.append(ProposalReceived(item) if kind == "proposal" else VoteReceived(item))
        self._drain(node, pending)

    def _feed(self, node: SimNode, event: Event) -> None:
        self._drain(node, deque([event]))

    def _drain(self, node: SimNode, pending: deque) -> None:
        while pending and not node.crashed:
            event = pending.popleft()
            if self.trace:
                self.trace(f"{self.now:>7} n{node.node_id} <- {_describe(event)}")
            try:
                if self.measure_core:
                    started = time.process_time()
                    node.state, effects = apply(node.state, event)
                    spent = time.process_time() - started
                    seconds = self.result.core_seconds
                    seconds[node.node_id] = seconds.get(node.node_id, 0.0) + spent
                else:
                    node.state, effects = apply(node.state, event)
            except Exception:  # the core must never crash on any input
                self._violate(f"node {node.node_id} crashed in apply: {traceback.format_exc()}")
                node.crashed = True
                return
            self._run_effects(node, effects, pending)

    def _run_effects(self, node: SimNode, effects: list[Effect], pending: deque) -> None:
        for effect in effects:
            if self.trace:
                self.trace(f"{self.now:>7} n{node.node_id} -> {_describe(effect)}")
            if isinstance(effect, BuildBlock):
                txs = [f"tx:{node.node_id}:{effect.height}:{effect.round}".encode()]
                txs += [
                    f"power:{index}:{power}".encode()
                    for height, index, power in self.scenario.power_changes
                    if height == effect.height
                ]
                value, after = node.chain.build_block(self.now, node.public_key, txs)
                self.built.add(value.block_hash)
                pending.append(BlockBuilt(effect.height, effect.round, value, after))
            elif isinstance(effect, ValidateBlock):
                if effect.height == node.chain.next_height:
                    valid, after = node.chain.validate(effect.value)
                    pending.append(
                        BlockValidated(effect.height, effect.value.block_hash, valid, after)
                    )
            elif isinstance(effect, BroadcastProposal):
                self._on_broadcast_proposal(node, effect.proposal, pending)
            elif isinstance(effect, BroadcastVote):
                self._on_broadcast_vote(node, effect.vote, pending)
            elif isinstance(effect, ScheduleTimeout):
                event = TimeoutFired(effect.height, effect.round, effect.step)
                self._push(
                    self.now + effect.duration_ms,
                    ("timeout", node.node_id, node.incarnation, event),
                )
            elif isinstance(effect, CommitBlock):
                self._on_commit(node, effect)
            elif isinstance(effect, ReportEvidence):
                accused = effect.evidence.first
                key = node.chain.get_set(accused.height).get_public_key(accused.validator_index)
                if key in self.honest_keys:
                    self._violate(
                        f"node {node.node_id} reported evidence against honest validator "
                        f"{accused.validator_index} at height {accused.height}"
                    )

    # -------------------------------------------------------------- signing

    def _record_signature(
        self, node: SimNode, height: int, round_: int, step: Step, sign_bytes: bytes
    ) -> None:
        if not node.honest:
            return
        key = (node.key_index, height, round_, int(step))
        previous = self.signed.setdefault(key, sign_bytes)
        if previous != sign_bytes:
            self._violate(
                f"honest validator {node.key_index} signed two different messages at "
                f"height {height} round {round_} step {step.name}"
            )

    def _remember(self, node: SimNode, message: tuple) -> None:
        # The current height and the next (the core keeps those for later).
        if 0 <= message[1].height - node.chain.next_height <= 1:
            key = _get_message_key(message)
            if key not in node.gossip:
                node.gossip[key] = message
                node.gossip_since[key] = self.now

    def _on_broadcast_proposal(self, node: SimNode, proposal: Proposal, pending: deque) -> None:
        if node.equivocator:
            self._equivocate_proposal(node, proposal, pending)
            return
        try:
            signed = node.safety.sign_proposal(proposal)
        except ConsortiumError:
            return  # SafetyRules refused: nothing leaves the node
        self._record_signature(
            node, signed.height, signed.round, Step.PROPOSE, signed.get_sign_bytes()
        )
        message = ("proposal", signed)
        self._remember(node, message)
        self._broadcast(node.node_id, message)
        pending.append(ProposalReceived(signed))

    def _on_broadcast_vote(self, node: SimNode, vote: Vote, pending: deque) -> None:
        if node.equivocator:
            self._equivocate_vote(node, vote, pending)
            return
        try:
            signed = node.safety.sign_vote(vote)
        except ConsortiumError:
            return
        self._record_signature(
            node,
            signed.height,
            signed.round,
            get_vote_step(signed.vote_type),
            signed.get_sign_bytes(),
        )
        message = ("vote", signed)
        self._remember(node, message)
        if signed.vote_type == VoteType.PRECOMMIT and signed.block_hash is not None:
            for proposal in node.state.proposals.values():
                if proposal.value.block_hash == signed.block_hash:
                    node.wal_values[signed.block_hash] = proposal.value
        self._broadcast(node.node_id, message)
        pending.append(VoteReceived(signed))

    def _split_peers(self, node: SimNode) -> tuple[list[int], list[int]]:
        peers = [i for i in range(len(self.nodes)) if i != node.node_id]
        self.rng.shuffle(peers)
        cut = self.rng.randint(1, len(peers) - 1)
        return peers[:cut], peers[cut:]

    def _sign_raw(self, node: SimNode, message: Vote | Proposal) -> Vote | Proposal:
        """Sign without SafetyRules: what a Byzantine node does."""
        signature = self.scheme.sign(node.secret_key, message.get_sign_bytes())
        return replace(message, signature=signature)

    def _equivocate_proposal(self, node: SimNode, proposal: Proposal, pending: deque) -> None:
        """Send one proposal to some peers and a different one (maybe invalid) to the rest."""
        txs = [f"evil:{node.node_id}:{proposal.height}:{proposal.round}".encode()]
        if self.rng.random() < 0.5:
            txs.append(INVALID_TX)
        other_value, _ = node.chain.build_block(self.now + 1, node.public_key, txs)
        self.built.add(other_value.block_hash)
        first = self._sign_raw(node, proposal)
        second = self._sign_raw(node, replace(proposal, value=other_value, valid_round=-1))
        left, right = self._split_peers(node)
        self._broadcast(node.node_id, ("proposal", first), left)
        self._broadcast(node.node_id, ("proposal", second), right)
        pending.append(ProposalReceived(first))

    def _equivocate_vote(self, node: SimNode, vote: Vote, pending: deque) -> None:
        """Vote as told to some peers and for something else to the rest."""
        signed = self._sign_raw(node, vote)
        if self.rng.random() < 0.5:
            self._broadcast(node.node_id, ("vote", signed))
        else:
            state = node.state
            options = [None] + [p.value.block_hash for p in state.proposals.values()]
            other = self.rng.choice(options)
            conflicting = self._sign_raw(node, replace(vote, block_hash=other))
            left, right = self._split_peers(node)
            self._broadcast(node.node_id, ("vote", signed), left)
            self._broadcast(node.node_id, ("vote", conflicting), right)
        pending.append(VoteReceived(signed))

    # --------------------------------------------------------------- commits

    def _on_commit(self, node: SimNode, commit: CommitBlock) -> None:
        height = commit.height
        value = commit.value
        if node.honest:
            self._check_commit(node, commit)
            if self.trace:
                self.trace(
                    f"{self.now:>7} n{node.node_id} COMMIT h{height} "
                    f"r{commit.certificate.round} {value.block_hash.hex()[:8]}"
                )
        node.chain.commit(value, commit.certificate)
        node.gossip = {
            key: message for key, message in node.gossip.items() if message[1].height > height
        }
        node.wal_values = {}
        node.rounds_since_gst = 0

    def _check_commit(self, node: SimNode, commit: CommitBlock) -> None:
        height, value = commit.height, commit.value
        first = self.decided.setdefault(height, value.block_hash)
        if first != value.block_hash:
            self._violate(f"agreement: two different blocks committed at height {height}")
            return
        if value.block_hash not in self.built:
            self._violate(f"validity: block at height {height} was never proposed")
        if self.reference.next_height == height:
            valid, _ = self.reference.validate(value)
            if not valid:
                self._violate(f"validity: an invalid block was committed at height {height}")
                return
            self.reference.commit(value, commit.certificate)
            self.result.heights = height
            self.result.decision_rounds.append(commit.certificate.round)
        header = decode_block(value.block).header
        verdict = verify_commit(
            self.reference.get_set(height), header, commit.certificate, self.scheme
        )
        if not verdict.ok:
            self._violate(
                f"certificate: node {node.node_id}'s certificate for height {height} "
                f"does not verify: {verdict.code.name} {verdict.message}"
            )

    def _violate(self, message: str) -> None:
        if message not in self.result.violations:
            self.result.violations.append(message)

    # ------------------------------------------------------------- delivery

    def _deliver(self, node: SimNode, source: int, message: tuple) -> None:
        kind = message[0]
        if kind == "certified":
            for value, certificate in message[1]:
                if certificate.height == node.chain.next_height:
                    self._feed(node, CertifiedBlockReceived(value, certificate))
            return
        item = message[1]
        if item.height < node.chain.next_height:
            return  # a late message of a decided height; block sync runs on ticks
        self._remember(node, message)
        event = ProposalReceived(item) if kind == "proposal" else VoteReceived(item)
        self._feed(node, event)

    def _answer_lagging(self, node: SimNode, peer: int, height: int) -> None:
        last = node.replied.get((peer, height))
        if last is not None and self.now - last < REPLY_INTERVAL_MS:
            return
        node.replied[(peer, height)] = self.now
        top = min(len(node.chain.values), height - 1 + CATCH_UP_BATCH)
        blocks = [
            (node.chain.values[h], node.chain.certificates[h]) for h in range(height - 1, top)
        ]
        self._send(node.node_id, peer, ("certified", blocks))

    def _on_timeout(self, node: SimNode, event: TimeoutFired) -> None:
        before = (node.state.height, node.state.round, node.state.step)
        self._feed(node, event)
        if node.crashed:
            return
        after = (node.state.height, node.state.round, node.state.step)
        if self.now >= self.scenario.gst_ms and after[0] == before[0] and after[1] != before[1]:
            node.rounds_since_gst += 1
            self.result.max_rounds_after_gst = max(
                self.result.max_rounds_after_gst, node.rounds_since_gst
            )

    def _on_tick(self, node: SimNode) -> None:
        """Gossip, as Tendermint's reactors do from what peers report they have.

        To a peer at this height, send the messages of the height it has not
        received yet; to a peer behind, the certified blocks it lacks. (Peers
        learn this from each other's status messages; the simulator reads it.)
        """
        height = node.chain.next_height
        for peer in self.nodes:
            if peer is node or peer.crashed:
                continue
            peer_height = peer.chain.next_height
            if peer_height < height:
                # A peer one height behind usually finishes that height by
                # itself; block sync steps in only when it stays behind.
                since = node.behind_since.setdefault((peer.node_id, peer_height), self.now)
                if peer_height < height - 1 or self.now - since >= CATCH_UP_AFTER_MS:
                    self._answer_lagging(node, peer.node_id, peer_height)
            elif peer_height == height:
                for key, message in node.gossip.items():
                    # Only what the peer still lacks after a whole interval: a
                    # message sent a moment ago is probably in flight.
                    if (
                        message[1].height == height
                        and key not in peer.gossip
                        and self.now - node.gossip_since[key] >= GOSSIP_INTERVAL_MS
                    ):
                        self._send(node.node_id, peer.node_id, message)
        self._push(self.now + GOSSIP_INTERVAL_MS, ("tick", node.node_id, node.incarnation))

    # ------------------------------------------------------------------ run

    def run(self) -> SimResult:
        """Run until every honest node decided enough heights after the heal, or a violation."""
        for node in self.nodes:
            self._boot(node)
        for victim, crash_at, restart_at in self.scenario.crashes:
            self._push(crash_at, ("crash", victim))
            self._push(restart_at, ("restart", victim))
        self._push(self.scenario.gst_ms, ("gst",))
        honest = [node for node in self.nodes if node.honest]
        round_bound = 2 * self.scenario.n + 4
        while self.queue:
            at, _, action = heapq.heappop(self.queue)
            self.now = at
            self.result.events += 1
            kind = action[0]
            if kind == "deliver":
                node = self.nodes[action[1]]
                if not node.crashed:
                    self._deliver(node, action[2], action[3])
            elif kind == "timeout":
                node = self.nodes[action[1]]
                if not node.crashed and action[2] == node.incarnation:
                    self._on_timeout(node, action[3])
            elif kind == "tick":
                node = self.nodes[action[1]]
                if not node.crashed and action[2] == node.incarnation:
                    self._on_tick(node)
            elif kind == "crash":
                self.nodes[action[1]].crashed = True
                self.nodes[action[1]].state = None
            elif kind == "restart":
                self._boot(self.nodes[action[1]])
            elif kind == "gst":
                for node in honest:
                    node.rounds_since_gst = 0
                top = max(node.chain.next_height - 1 for node in honest)
                self.target_height = top + self.scenario.heights_after_gst
            if self.result.violations:
                break
            if self.target_height is not None and all(
                node.chain.next_height > self.target_height for node in honest
            ):
                break
            if self.result.max_rounds_after_gst > round_bound:
                self._violate(
                    f"liveness: an honest node needed more than {round_bound} rounds "
                    f"after the network healed at {self.scenario.gst_ms} ms"
                )
                break
            if self.result.events > MAX_EVENTS:
                self._violate(f"liveness: no end after {MAX_EVENTS} events")
                break
        else:
            self._violate("liveness: the event queue ran dry")
        self.result.sim_time_ms = self.now
        return self.result


def _get_message_key(message: tuple) -> tuple:
    """What identifies a gossiped message (a copy has the same key)."""
    kind, item = message[0], message[1]
    if kind == "proposal":
        return ("proposal", item.height, item.round, item.proposer_index, item.value.block_hash)
    return ("vote", item.height, item.vote_type, item.round, item.validator_index, item.block_hash)


def _describe(item: object) -> str:
    if isinstance(item, ProposalReceived | BroadcastProposal):
        p = item.proposal
        return (
            f"{type(item).__name__} h{p.height} r{p.round} vr{p.valid_round} "
            f"by {p.proposer_index} {p.value.block_hash.hex()[:8]}"
        )
    if isinstance(item, VoteReceived | BroadcastVote):
        v = item.vote
        target = v.block_hash.hex()[:8] if v.block_hash else "nil"
        kind = "prevote" if v.vote_type == VoteType.PREVOTE else "precommit"
        name = type(item).__name__
        return f"{name} {kind} h{v.height} r{v.round} by {v.validator_index} {target}"
    if isinstance(item, CommitBlock | CertifiedBlockReceived):
        value: Value = item.value
        certificate: CommitCertificate = item.certificate
        return f"{type(item).__name__} h{certificate.height} {value.block_hash.hex()[:8]}"
    if isinstance(item, BlockBuilt | ValidateBlock | BlockValidated):
        return f"{type(item).__name__} h{item.height}"
    return repr(item)


def run_scenario(
    scenario: Scenario, trace: Callable[[str], None] | None = None, measure_core: bool = False
) -> SimResult:
    """Run ``scenario`` and return what it found."""
    return Simulator(scenario, trace, measure_core).run()
