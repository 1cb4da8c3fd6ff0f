"""Transfer benchmark (issue 6): one consent to one decision, and the finance chain's proof rate.

Two parts.

1. **Consent to decision, real processes.** A consortium is created in a
   temporary directory and started (:func:`chains.consortium.start_consortium`:
   3 chains x 4 validator processes on SQLite, and the relayer process,
   :mod:`relay.daemon`), then seeded (:func:`chains.seed.submit_seed_plan`).
   Seeded enterprises apply to their house banks one after another, each
   application with its own id and its own consent over the enterprise's
   seeded records (:func:`chains.loan_story.apply_with_consent`). Each
   application is timed from just before it is submitted (its
   ``submitted_at``) to the moment its decision is seen committed and proven
   on the finance chain (:func:`chains.loan_story.wait_for_decision`, its
   ``decided_at``): the application's block, the relayer noticing it,
   disclosure by the source nodes, the ``relay.transfer`` block and the
   policy's decision. Every decision must name its consent and data set, the
   consent must be ``used`` and the data set must hold every consented record.
   ``consent_to_decision_ms_p50`` / ``_p99`` / ``_max`` are over the
   sequential applications (a latency figure: one in flight at a time; p99
   interpolated between the two nearest ranks; the first application, which
   also pays for the relayer's first scan, is a warm-up reported as
   ``warmup_ms``). ``consent_to_decision_stages_ms_p50`` splits them by the
   block times of the application and of the transfer (proposers' clocks,
   on this machine; the relayer's state file records both).
   ``concurrent_ms_*`` is a second figure: rounds of several enterprises
   applying at once (the relayer carries one packet at a time).

2. **Proofs verified per second, in process.** The finance application's own
   execution of ``relay.transfer`` transactions, the way a node runs a block
   (:func:`chains.core.transactions.decode_verified_transaction`, which checks
   each transaction's Ed25519 signature, then
   :func:`chains.core.app.execute_block`, then the block's writes applied to
   memory; the node's state-tree commit and SQLite are not included). Two
   source chains (tax-1, industry-1) are built here in memory: real state
   trees, records committed field by field, each height certified with real
   BLS signatures of 4 genesis validators, and a finance chain whose genesis
   keeps light clients of both. Before each finance block both source chains
   commit a new height, so the first transfer of the block carries newly
   certified headers (2 BLS certificates verified per block, as when the
   sources move on between blocks); the others carry the same headers.
   Every transfer is a different application with its own consent, over
   ``records_per_transfer`` records of its enterprise (filings and a
   clearance on tax-1; production reports and orders on industry-1), with
   3-5 fields disclosed of each, and every one must be decided by the bank's
   policy.

   A *proof* is one Merkle proof the finance chain checks:

   - a state proof per record head (sparse Merkle tree, under the source
     header's state root),
   - a field-inclusion proof per disclosed field (RFC 6962 tree, under the
     record's commitment),
   - the 2 state proofs of the identity registry (the consent key's account
     and the enterprise's organisation, on the tax chain).

   ``proofs_per_transfer`` = records + disclosed fields + 2, and
   ``proofs_verified_per_s`` = ``proofs_per_transfer`` x ``transfers_per_s``.
   Signatures are not counted as proofs (per transfer: the transaction's and
   the consent's Ed25519 signatures; per block: 2 BLS certificates).
   Medians of ``verify_runs`` runs (``transfers_per_s_runs`` lists each).

Run: ``python -m bench transfer`` (a few minutes, most of it the consortium
starting and being seeded); ``--quick`` (or ``BENCH_TRANSFER_QUICK=1``) runs
3 applications, one concurrent round of 2, and a short in-process run.
"""

from __future__ import annotations

import hashlib
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from chains.apps.disclosure import make_disclosed_record, make_identity_proof
from chains.apps.membership import compute_genesis_updates
from chains.apps.records import create_record, get_record_key, read_record
from chains.consortium import (
    CHAIN_IDS,
    FINANCE,
    INDUSTRY,
    TAX,
    compute_organisation_code,
    compute_uscc,
)
from chains.core.app import BlockContext, StateOverlay, execute_block
from chains.core.block import decode_header, encode_header
from chains.core.consensus.certificate import (
    CommitCertificate,
    compute_signer_bitmap,
    encode_certificate,
)
from chains.core.consensus.messages import VoteType, compute_vote_sign_bytes
from chains.core.consensus.signing import BlsScheme
from chains.core.consensus.validators import (
    Validator,
    ValidatorSet,
    compute_validators_hash,
    encode_validator_set,
)
from chains.core.crypto import Ed25519KeyPair, compute_ed25519_key_pair
from chains.core.crypto.bls import get_bls
from chains.core.errors import ConsortiumError, ErrorCode
from chains.core.records import FieldValue
from chains.core.state_tree import StateTree
from chains.core.transactions import decode_verified_transaction, make_signed_transaction
from chains.core.types import ChainId, Hash32, Height, Round, Version
from chains.finance.app import (
    FINANCE_APPLICATION,
    KIND_DECISION,
    KIND_LOAN,
    LOAN_APPROVED,
    LOAN_REJECTED,
    TX_APPLY_FOR_LOAN,
    TX_REGISTER_POLICY,
    get_policy_decision_id,
)
from chains.finance.relay_rules import KIND_DATA_SET, TX_TRANSFER, get_consent_record_id
from chains.industry.app import ATTESTATION_DONE, KIND_ORDER, KIND_PRODUCTION, ORDER_OPEN
from chains.seed import POLICIES, get_policy_payload
from chains.tax.clearances import CLEARANCE_VALID, KIND_CLEARANCE
from chains.tax.filings import FILING_PAID, KIND_FILING
from consortium.v1 import finance_pb2, relay_pb2
from relay.codec import certified_header_to_proto
from relay.consent import make_signed_consent
from relay.light_client import CertifiedHeader

QUICK_ENV = "BENCH_TRANSFER_QUICK"

# --------------------------------------------------------------------------
# Part 2: the finance application's verification rate, in process
# --------------------------------------------------------------------------

TAX_CHAIN = CHAIN_IDS[TAX]
INDUSTRY_CHAIN = CHAIN_IDS[INDUSTRY]
FINANCE_CHAIN = "bench-finance-1"
START_MS = 1_780_000_000_000
BLOCK_MS = 1_000
HEADER_LAG_MS = 200
"""A source header is this much older than the finance block that carries it."""
SCHEME = BlsScheme()
TAX_SECRETS = (3001, 3002, 3003, 3004)
INDUSTRY_SECRETS = (4001, 4002, 4003, 4004)
SIGNERS = (0, 1, 2)
"""3 of 4 equal validators sign each height: 30 of 40, more than 2/3."""
BANK = "bank-icbc-sz"
OTHER_BANK = "bank-ccb-sz"
RELAY_ORG = "consortium-relay"
POLICY_ID = POLICIES[BANK].policy_id

# What each transfer discloses (50 records: 24 filings and a clearance on the tax chain,
# 15 production reports and 10 orders on the industry chain).
FILINGS = 24
PRODUCTION_REPORTS = 15
ORDERS = 10
DISCLOSED: dict[str, tuple[str, ...]] = {
    KIND_FILING: ("enterprise", "period", "tax_type", "tax_paid", "status"),
    KIND_CLEARANCE: ("enterprise", "status", "valid_until"),
    KIND_PRODUCTION: ("enterprise", "period", "output_value", "attestation"),
    KIND_ORDER: ("supplier", "buyer", "value", "status"),
}
"""Fields disclosed of each kind (owner field first); every record holds more, kept hidden."""


def get_bench_key(name: str) -> Ed25519KeyPair:
    """The account key of ``name`` in this benchmark (derived from the name)."""
    return compute_ed25519_key_pair(hashlib.sha256(b"bench/transfer/" + name.encode()).digest())


def get_seed(label: str) -> bytes:
    """A 32-byte record seed derived from ``label``."""
    return hashlib.sha256(b"bench/transfer/seed/" + label.encode()).digest()


def get_enterprise_uscc(index: int) -> str:
    """The credit code of in-process enterprise ``index``."""
    return compute_uscc(compute_organisation_code(f"{71000000 + index:08d}"))


def make_org(org_id: str, role: str, key: Ed25519KeyPair, governing: bool = False) -> dict:
    """A genesis organisation entry with one account."""
    return {
        "id": org_id,
        "name": org_id,
        "role": role,
        "governing": governing,
        "accounts": [{"name": "primary", "public_key": key.public_key.hex()}],
    }


class MemoryState:
    """An in-memory state (and blobs) that blocks' writes are applied to."""

    def __init__(self) -> None:
        self.values: dict[bytes, bytes] = {}
        self.blobs: dict[bytes, bytes] = {}

    def get(self, key: bytes) -> bytes | None:
        """The value of ``key``, or None."""
        return self.values.get(key)

    def get_blob(self, key: bytes) -> bytes | None:
        """The blob under ``key``, or None."""
        return self.blobs.get(key)

    def apply(
        self, updates: Mapping[bytes, bytes | None], blobs: Mapping[bytes, bytes] = {}
    ) -> None:
        """Write ``updates`` (None deletes) and store ``blobs``."""
        for key, value in updates.items():
            if value is None:
                self.values.pop(key, None)
            else:
                self.values[key] = value
        self.blobs.update(blobs)


def make_validator_set(secrets: Sequence[int]) -> ValidatorSet:
    """4 validators with real BLS keys (and proofs of possession), power 10 each."""
    bls = get_bls()
    return ValidatorSet(
        tuple(
            Validator(
                f"validator-{secret}", SCHEME.get_public_key(secret), bls.PopProve(secret), 10
            )
            for secret in secrets
        )
    )


@dataclass
class SourceChain:
    """A source chain in memory: real state tree, every height certified by its validators."""

    chain_id: str
    secrets: tuple[int, ...]
    organisations: Sequence[Mapping[str, object]] = ()
    state: MemoryState = field(default_factory=MemoryState)
    tree: StateTree = field(default_factory=StateTree)
    height: int = 0
    certified: dict[int, CertifiedHeader] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.validators = make_validator_set(self.secrets)
        self.validators_raw = encode_validator_set(self.validators)
        self.validators_hash = compute_validators_hash(self.validators)
        self.pending = StateOverlay(self.state)
        self.previous_hash = b""
        if self.organisations:
            updates = compute_genesis_updates({"organisations": list(self.organisations)})
            for key, value in updates.items():
                self.pending.set(key, value)

    def add_record(self, kind: str, record_id: str, fields: Mapping[str, FieldValue]) -> None:
        """Create a record in the next height."""
        seed = get_seed(f"{self.chain_id}/{kind}/{record_id}")
        create_record(self.pending, kind, record_id, fields, seed, self.height + 1)

    def commit(self, time_ms: int) -> None:
        """Commit the pending writes as the next height, certified by 3 of the 4 validators."""
        self.height += 1
        writes = dict(self.pending.get_writes())
        root = self.tree.apply_updates(Version(self.height), writes)
        self.state.apply(writes, dict(self.pending.get_blobs()))
        self.pending = StateOverlay(self.state)
        header = decode_header(
            encode_header(
                chain_id=ChainId(self.chain_id),
                height=Height(self.height),
                time_unix_ms=time_ms,
                prev_block_hash=self.previous_hash,
                tx_root=Hash32(bytes(32)),
                tx_count=0,
                state_root=root,
                validators_hash=self.validators_hash,
                next_validators_hash=self.validators_hash,
                proposer=self.validators.get_public_key(0),
            )
        )
        self.previous_hash = header.hash
        message = compute_vote_sign_bytes(
            VoteType.PRECOMMIT, header.chain_id, header.height, Round(0), header.hash
        )
        certificate = CommitCertificate(
            height=header.height,
            round=Round(0),
            block_hash=header.hash,
            signer_bitmap=compute_signer_bitmap(SIGNERS, len(self.secrets)),
            aggregate_signature=SCHEME.aggregate(
                [SCHEME.sign(self.secrets[i], message) for i in SIGNERS]
            ),
        )
        self.certified[self.height] = CertifiedHeader(
            header.raw, encode_certificate(certificate), self.validators_raw
        )

    def client_header(self) -> finance_pb2.ClientHeader:
        """The latest certified header as a transfer carries it."""
        return finance_pb2.ClientHeader(
            chain_id=self.chain_id,
            header=certified_header_to_proto(self.certified[self.height]),
        )

    def disclose(
        self, kind: str, record_id: str, names: Sequence[str]
    ) -> relay_pb2.DisclosedRecord:
        """Record ``kind``/``record_id``'s fields ``names`` at the latest height, proven."""
        head, proof = self.tree.get_with_proof(
            get_record_key(kind, record_id), Version(self.height)
        )
        committed = read_record(self.state, kind, record_id).get_committed()
        return make_disclosed_record(
            self.chain_id, self.height, kind, record_id, head, proof, committed, names
        )

    def identity(self, public_key: bytes, enterprise: str) -> relay_pb2.IdentityProof:
        """The registry's proof of whose key ``public_key`` is, at the latest height."""
        version = Version(self.height)
        return make_identity_proof(
            lambda key: self.tree.get_with_proof(key, version),
            Height(self.height),
            public_key,
            enterprise,
        )


@dataclass(frozen=True)
class Enterprise:
    """An in-process enterprise: its key and the records its consents name."""

    uscc: str
    key: Ed25519KeyPair
    records: tuple[tuple[str, str, str], ...]
    """(chain id, kind, record id) of each record it discloses."""


def add_enterprise_records(
    index: int, uscc: str, tax: SourceChain, industry: SourceChain
) -> list[tuple[str, str, str]]:
    """Write enterprise ``index``'s records on the source chains; their places."""
    records = []
    # Odd enterprises paid little VAT: the policy rejects them (both outcomes are exercised).
    vat_paid = 4_000_000_00 if index % 2 == 0 else 20_000_00
    for number in range(FILINGS):
        year, quarter = 2023 + number // 12 % 3, number % 4 + 1
        tax_type = ("vat", "cit", "iit")[number % 3]
        record_id = f"{uscc}:{year}-Q{quarter}:{tax_type}:{number}"
        paid = vat_paid // 8 if tax_type == "vat" else 50_000_00
        tax.add_record(
            KIND_FILING,
            record_id,
            {
                "enterprise": uscc,
                "period": f"{year}-Q{quarter}",
                "tax_type": tax_type,
                "tax_due": paid,
                "tax_paid": paid,
                "status": FILING_PAID,
                "filed_on": f"{year}-{quarter * 3:02d}-20",
                "office": "shenzhen-nanshan",
            },
        )
        records.append((TAX_CHAIN, KIND_FILING, record_id))
    clearance_id = f"TC-2026-{index:05d}"
    tax.add_record(
        KIND_CLEARANCE,
        clearance_id,
        {
            "enterprise": uscc,
            "status": CLEARANCE_VALID,
            "valid_until": "2027-12-31",
            "issued_on": "2026-01-05",
            "issuer": "tax-bureau",
        },
    )
    records.append((TAX_CHAIN, KIND_CLEARANCE, clearance_id))
    for number in range(PRODUCTION_REPORTS):
        record_id = f"{uscc}:report-{number}"
        industry.add_record(
            KIND_PRODUCTION,
            record_id,
            {
                "enterprise": uscc,
                "period": f"{2023 + number % 3}-{number % 12 + 1:02d}",
                "output_value": 3_000_000_00 + number,
                "units": 1_000 + number,
                "product": "lithium battery cells",
                "attestation": ATTESTATION_DONE,
            },
        )
        records.append((INDUSTRY_CHAIN, KIND_PRODUCTION, record_id))
    for number in range(ORDERS):
        record_id = f"{uscc}:order-{number}"
        industry.add_record(
            KIND_ORDER,
            record_id,
            {
                "supplier": uscc,
                "buyer": get_enterprise_uscc(10_000 + number),
                "value": 500_000_00 + number,
                "status": ORDER_OPEN,
                "product": "battery packs",
                "quantity": 200 + number,
            },
        )
        records.append((INDUSTRY_CHAIN, KIND_ORDER, record_id))
    return records


def make_bench_policy() -> finance_pb2.RegisterPolicy:
    """The bank's policy as the consortium's seed registers it (clearance, VAT paid, 2025
    output): the transfers prove the facts it reads."""
    return get_policy_payload(POLICIES[BANK], get_seed("policy"))


class FinanceChain:
    """The finance application over memory, one block per :meth:`run_block`, at explicit
    times; nonces counted here."""

    def __init__(self, app_state: Mapping[str, object]) -> None:
        self.state = MemoryState()
        self.state.apply(FINANCE_APPLICATION.get_genesis_updates(app_state))
        self.height = 0
        self.time_ms = START_MS
        self.nonces: dict[bytes, int] = {}

    def sign(self, key: Ed25519KeyPair, tx_type: str, payload: bytes) -> bytes:
        """A signed transaction from ``key`` with its next nonce."""
        nonce = self.nonces.get(key.public_key, 0) + 1
        self.nonces[key.public_key] = nonce
        return make_signed_transaction(key, ChainId(FINANCE_CHAIN), nonce, tx_type, payload)

    def run_block(self, raws: Sequence[bytes]) -> list:
        """Decode (signatures checked) and execute ``raws`` as the next block; apply it."""
        txs = [decode_verified_transaction(raw, ChainId(FINANCE_CHAIN)) for raw in raws]
        self.height += 1
        self.time_ms += BLOCK_MS
        context = BlockContext(ChainId(FINANCE_CHAIN), Height(self.height), self.time_ms, b"")
        execution = execute_block(FINANCE_APPLICATION, context, txs, self.state)
        self.state.apply(execution.updates, execution.blobs)
        return list(execution.results)


def require_ok(results: Sequence, what: str) -> None:
    """Raise the first failing result's code."""
    for result in results:
        if not result.ok:
            raise ConsortiumError(result.code, f"{what}: {result.message}")


@dataclass
class VerificationWorld:
    """Two source chains, the finance chain, the enterprises and the relay's key."""

    tax: SourceChain
    industry: SourceChain
    finance: FinanceChain
    enterprises: list[Enterprise]
    bank_key: Ed25519KeyPair
    relay_key: Ed25519KeyPair
    applied: int = 0


def build_world(enterprise_count: int) -> VerificationWorld:
    """Genesis of the three chains; the enterprises' records; the bank's policy."""
    bank_key, other_bank_key = get_bench_key(BANK), get_bench_key(OTHER_BANK)
    relay_key = get_bench_key(RELAY_ORG)
    usccs = [get_enterprise_uscc(index) for index in range(enterprise_count)]
    keys = {uscc: get_bench_key(uscc) for uscc in usccs}
    enterprise_orgs = [make_org(uscc, "enterprise", keys[uscc]) for uscc in usccs]
    tax_orgs = [
        make_org("tax-bureau", "tax_bureau", get_bench_key("tax-bureau"), governing=True),
        *enterprise_orgs,
    ]
    tax = SourceChain(TAX_CHAIN, TAX_SECRETS, tax_orgs)
    industry = SourceChain(INDUSTRY_CHAIN, INDUSTRY_SECRETS)
    enterprises = [
        Enterprise(uscc, keys[uscc], tuple(add_enterprise_records(i, uscc, tax, industry)))
        for i, uscc in enumerate(usccs)
    ]
    relay_section = {
        "identity_chain": TAX_CHAIN,
        "light_clients": [
            {
                "chain_id": chain.chain_id,
                "genesis_hash": hashlib.sha256(chain.chain_id.encode()).hexdigest(),
                "genesis_time_unix_ms": START_MS - 86_400_000,
                "validators_hash": chain.validators_hash.hex(),
                "trusting_period_ms": 14 * 86_400_000,
                "max_clock_drift_ms": 10_000,
            }
            for chain in (tax, industry)
        ],
    }
    finance = FinanceChain(
        {
            "organisations": [
                make_org(BANK, "bank", bank_key, governing=True),
                make_org(OTHER_BANK, "bank", other_bank_key, governing=True),
                make_org(RELAY_ORG, "relay", relay_key),
                *enterprise_orgs,
            ],
            "relay": relay_section,
        }
    )
    raw = finance.sign(bank_key, TX_REGISTER_POLICY, make_bench_policy().SerializeToString())
    require_ok(finance.run_block([raw]), "the policy")
    return VerificationWorld(tax, industry, finance, enterprises, bank_key, relay_key)


def make_bench_consent(enterprise: Enterprise, application_id: str) -> relay_pb2.Consent:
    """``enterprise``'s consent for ``application_id`` over all its records."""
    scopes: dict[str, relay_pb2.ConsentScope] = {}
    for chain_id, kind, record_id in enterprise.records:
        scope = scopes.setdefault(chain_id, relay_pb2.ConsentScope(chain_id=chain_id))
        scope.records.add(kind=kind, id=record_id, fields=list(DISCLOSED[kind]))
    return relay_pb2.Consent(
        consent_id=f"consent-{application_id}",
        enterprise=enterprise.uscc,
        bank=BANK,
        destination_chain=FINANCE_CHAIN,
        purpose="loan application",
        application_id=application_id,
        scopes=list(scopes.values()),
        not_before_ms=START_MS - 60_000,
        expires_ms=START_MS + 30 * 86_400_000,
        nonce=hashlib.sha256(application_id.encode()).digest()[:16],
    )


@dataclass(frozen=True)
class PreparedTransfer:
    """A signed ``relay.transfer`` and what it should decide."""

    raw: bytes
    application_id: str
    enterprise: str
    consent_id: str


def apply_for_loans(world: VerificationWorld, count: int) -> list[tuple[Enterprise, str, bytes]]:
    """``count`` applications, round-robin over the enterprises, each with its consent (one
    block, not timed); (enterprise, application id, signed consent) of each."""
    applications, raws = [], []
    for _ in range(count):
        enterprise = world.enterprises[world.applied % len(world.enterprises)]
        application_id = f"LA-{enterprise.uscc}-{world.applied}"
        world.applied += 1
        signed = make_signed_consent(enterprise.key, make_bench_consent(enterprise, application_id))
        payload = finance_pb2.ApplyForLoan(
            application_id=application_id,
            bank=BANK,
            amount=500_000_00,
            term_months=24,
            purpose="working capital",
            policy_id=POLICY_ID,
            record_seed=get_seed(f"loan/{application_id}"),
            signed_consent=signed,
            consent_record_seed=get_seed(f"consent/{application_id}"),
        )
        raws.append(
            world.finance.sign(enterprise.key, TX_APPLY_FOR_LOAN, payload.SerializeToString())
        )
        applications.append((enterprise, application_id, signed))
    require_ok(world.finance.run_block(raws), "an application")
    return applications


def prepare_block(
    world: VerificationWorld,
    applications: Sequence[tuple[Enterprise, str, bytes]],
    block_time_ms: int,
) -> list[PreparedTransfer]:
    """Both source chains commit a new height; the transfers of ``applications`` an honest
    relay would then submit (disclosed at that height) for the finance block of time
    ``block_time_ms``, signed by the relay."""
    header_time = block_time_ms - HEADER_LAG_MS
    world.tax.commit(header_time)
    world.industry.commit(header_time)
    headers = [world.tax.client_header(), world.industry.client_header()]
    chains = {TAX_CHAIN: world.tax, INDUSTRY_CHAIN: world.industry}
    disclosed: dict[str, list[relay_pb2.DisclosedRecord]] = {}
    prepared = []
    for enterprise, application_id, signed in applications:
        if enterprise.uscc not in disclosed:  # the same records, the same height: reuse
            disclosed[enterprise.uscc] = [
                chains[chain_id].disclose(kind, record_id, DISCLOSED[kind])
                for chain_id, kind, record_id in enterprise.records
            ]
        payload = finance_pb2.RelayTransfer(
            headers=headers,
            transfer=relay_pb2.Transfer(
                signed_consent=signed,
                identity=world.tax.identity(enterprise.key.public_key, enterprise.uscc),
                records=disclosed[enterprise.uscc],
            ),
            record_seed=get_seed(f"transfer/{application_id}"),
        )
        raw = world.finance.sign(world.relay_key, TX_TRANSFER, payload.SerializeToString())
        consent_id = f"consent-{application_id}"
        prepared.append(PreparedTransfer(raw, application_id, enterprise.uscc, consent_id))
    return prepared


def check_decided(world: VerificationWorld, prepared: Sequence[PreparedTransfer]) -> dict[str, int]:
    """Every transfer's application is decided by the policy on its data set; the outcomes."""
    outcomes = {LOAN_APPROVED: 0, LOAN_REJECTED: 0}
    state = world.finance.state
    for transfer in prepared:
        record_id = get_consent_record_id(transfer.enterprise, transfer.consent_id)
        decision = read_record(
            state, KIND_DECISION, get_policy_decision_id(transfer.application_id)
        )
        data_set = read_record(state, KIND_DATA_SET, record_id)
        loan = read_record(state, KIND_LOAN, transfer.application_id)
        if (
            decision is None
            or data_set is None
            or decision.get("consent_id") != transfer.consent_id
            or decision.get("data_set_id") != record_id
            or loan.get("status") != decision.get("outcome")
        ):
            raise ConsortiumError(
                ErrorCode.RECORD_NOT_FOUND, f"{transfer.application_id} is not decided as it should"
            )
        outcomes[str(decision.get("outcome"))] += 1
    return outcomes


def count_proofs(enterprise: Enterprise) -> tuple[int, int]:
    """(state proofs, field-inclusion proofs) a transfer of ``enterprise``'s records carries."""
    fields = sum(len(DISCLOSED[kind]) for _, kind, _ in enterprise.records)
    return len(enterprise.records) + 2, fields


def measure_verification(
    enterprise_count: int, blocks: int, block_transfers: int, runs: int
) -> dict[str, object]:
    """Part 2: ``runs`` runs of ``blocks`` finance blocks of ``block_transfers`` transfers."""
    build_started = time.perf_counter()
    world = build_world(enterprise_count)
    world.tax.commit(START_MS)  # the records, at height 1
    world.industry.commit(START_MS)
    per_run = blocks * block_transfers
    applications = apply_for_loans(world, per_run * runs)
    planned, block_time_ms = [], world.finance.time_ms
    for run_index in range(runs):
        mine = applications[run_index * per_run : (run_index + 1) * per_run]
        run_blocks = []
        for b in range(blocks):
            block_time_ms += BLOCK_MS  # the time of the block that will carry these
            chunk = mine[b * block_transfers : (b + 1) * block_transfers]
            run_blocks.append(prepare_block(world, chunk, block_time_ms))
        planned.append(run_blocks)
    build_s = time.perf_counter() - build_started
    rates, block_ms, outcomes, tx_bytes = [], [], {LOAN_APPROVED: 0, LOAN_REJECTED: 0}, []
    for run_blocks in planned:
        elapsed = 0.0
        for prepared in run_blocks:
            raws = [transfer.raw for transfer in prepared]
            started = time.perf_counter()
            results = world.finance.run_block(raws)
            took = time.perf_counter() - started
            elapsed += took
            block_ms.append(took * 1000)
            require_ok(results, "a transfer")
            for outcome, count in check_decided(world, prepared).items():
                outcomes[outcome] += count
            tx_bytes.extend(len(raw) for raw in raws)
        rates.append(per_run / elapsed)
    state_proofs, field_proofs = count_proofs(world.enterprises[0])
    proofs = state_proofs + field_proofs
    transfers_per_s = statistics.median(rates)
    return {
        "proofs_verified_per_s": round(proofs * transfers_per_s),
        "proofs_per_transfer": proofs,
        "state_proofs_per_transfer": state_proofs,
        "field_proofs_per_transfer": field_proofs,
        "records_per_transfer": len(world.enterprises[0].records),
        "transfers_per_s": round(transfers_per_s, 2),
        "transfers_per_s_runs": [round(rate, 2) for rate in rates],
        "transfer_ms_mean": round(1000 / transfers_per_s, 2),
        "transfer_block_ms_p50": round(statistics.median(block_ms), 1),
        "transfers_per_block": block_transfers,
        "bls_certificates_per_block": 2,
        "transfer_tx_bytes_mean": round(statistics.mean(tx_bytes)),
        "verify_runs": runs,
        "transfers_verified": per_run * runs,
        "transfers_approved": outcomes[LOAN_APPROVED],
        "transfers_rejected": outcomes[LOAN_REJECTED],
        "verify_enterprises": enterprise_count,
        "verify_build_s": round(build_s, 1),
    }


# --------------------------------------------------------------------------
# Part 1: consent to decision on a running consortium
# --------------------------------------------------------------------------

SEED = 2026
LOAN_AMOUNT = 500_000_00
DECISION_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class Timed:
    """One application's latency and how it was decided."""

    ms: float
    outcome: str
    records: int
    record_id: str
    """The consent's (and data set's) record id: the relayer's packet key."""
    submitted_ms: float
    """Wall-clock time of ``submitted_at`` (ms since the epoch), to compare with block times."""


def apply_and_wait(consortium, plan, enterprise, application_id: str, sender, client) -> Timed:
    """Apply with consent, wait for the proven decision, check its evidence; the latency."""
    from chains.loan_story import apply_with_consent, get_enterprise_records, wait_for_decision

    key = consortium.read_key(enterprise.uscc).key_pair
    application = apply_with_consent(
        consortium, plan, enterprise, key, application_id, LOAN_AMOUNT, sender=sender
    )
    outcome = wait_for_decision(client, application, timeout_s=DECISION_TIMEOUT_S)
    ms = (outcome.decided_at - application.submitted_at) * 1000
    submitted_ms = (application.submitted_at + time.time() - time.monotonic()) * 1000
    record_id = get_consent_record_id(enterprise.uscc, application.consent_id)
    decision = outcome.decision.fields
    records = len(get_enterprise_records(consortium, plan, enterprise.uscc))
    problems = [
        f"decision.{name} is {decision.get(name)!r}, not {want!r}"
        for name, want in (
            ("consent_id", application.consent_id),
            ("data_set_id", record_id),
            ("application_id", application_id),
            ("decided_by", "policy"),
        )
        if decision.get(name) != want
    ]
    if outcome.consent.fields.get("status") != "used":
        problems.append(f"the consent is {outcome.consent.fields.get('status')!r}, not used")
    if outcome.data_set.fields.get("record_count") != records:
        problems.append(
            f"the data set holds {outcome.data_set.fields.get('record_count')} records, "
            f"not the {records} consented"
        )
    if problems:
        raise ConsortiumError(
            ErrorCode.RECORD_NOT_FOUND, f"application {application_id}: {'; '.join(problems)}"
        )
    return Timed(ms, str(decision.get("outcome")), records, record_id, submitted_ms)


def get_stages(root: Path, timed: Sequence[Timed]) -> dict[str, float]:
    """Where the sequential applications' time goes (medians, ms), from block times (the
    proposers' clocks, on this machine) and the relayer's record of each packet:
    submission to the application's block, that block to the transfer's block, and the
    transfer's block to the decision seen committed and proven by the client."""
    from relay.daemon import get_relay_dir
    from relay.relayer import load_state

    packets = load_state(get_relay_dir(root) / "state.json").packets
    stages: dict[str, list[float]] = {
        "submit_to_application_block": [],
        "application_block_to_transfer_block": [],
        "transfer_block_to_decision_seen": [],
    }
    for item in timed:
        packet = packets.get(item.record_id)
        if packet is None or not packet.delivered_time_ms:
            continue
        stages["submit_to_application_block"].append(packet.seen_time_ms - item.submitted_ms)
        stages["application_block_to_transfer_block"].append(
            packet.delivered_time_ms - packet.seen_time_ms
        )
        stages["transfer_block_to_decision_seen"].append(
            item.submitted_ms + item.ms - packet.delivered_time_ms
        )
    return {name: round(statistics.median(v), 1) for name, v in stages.items() if v}


def get_quantile(values: Sequence[float], fraction: float) -> float:
    """The ``fraction`` quantile of ``values``, interpolated between the two nearest ranks
    (so that with few samples p99 lies between the two largest, never below the median)."""
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summarise_latencies(prefix: str, timed: Sequence[Timed]) -> dict[str, object]:
    """p50, p99 (interpolated, :func:`get_quantile`), max, count and outcomes of ``timed``."""
    values = sorted(t.ms for t in timed)
    return {
        f"{prefix}_ms_p50": round(get_quantile(values, 0.5), 1),
        f"{prefix}_ms_p99": round(get_quantile(values, 0.99), 1),
        f"{prefix}_ms_max": round(values[-1], 1),
        f"{prefix}_count": len(values),
        f"{prefix}_approved": sum(t.outcome == LOAN_APPROVED for t in timed),
        f"{prefix}_rejected": sum(t.outcome == LOAN_REJECTED for t in timed),
    }


def measure_consent_to_decision(
    root: Path, enterprise_count: int, applications: int, rounds: int, width: int
) -> dict[str, object]:
    """Part 1: start and seed a consortium; time applications one by one, then ``rounds``
    rounds of ``width`` at once; stop it."""
    from chains.consortium import create_consortium, start_consortium, stop_consortium
    from chains.loan_story import get_enterprise_records
    from chains.runtime.client import NodeClient
    from chains.seed import ChainSender, compute_seed_plan, submit_seed_plan

    started = time.monotonic()
    consortium = create_consortium(root)
    try:
        start_consortium(root)
        up_s = time.monotonic() - started
        plan = compute_seed_plan(SEED, enterprise_count, consortium.get_public_keys())
        submit_seed_plan(consortium, plan)
        seeded_s = time.monotonic() - started - up_s
        candidates = [
            e
            for e in plan.enterprises
            if not e.is_genesis_member and get_enterprise_records(consortium, plan, e.uscc)
        ]
        finance = consortium.get_chain(FINANCE)
        with (
            ChainSender(finance.chain_id, finance.addresses) as sender,
            NodeClient(finance.addresses[0]) as client,
        ):
            first = candidates[0]
            warmup = apply_and_wait(
                consortium, plan, first, f"LA-{first.uscc}-warmup", sender, client
            )
            sequential = []
            for number in range(applications):
                enterprise = candidates[number % len(candidates)]
                application_id = f"LA-{enterprise.uscc}-seq-{number}"
                sequential.append(
                    apply_and_wait(consortium, plan, enterprise, application_id, sender, client)
                )
        concurrent = []
        for round_number in range(rounds):
            concurrent.extend(
                run_concurrent_round(consortium, plan, candidates, round_number, width)
            )
        stages = get_stages(root, sequential)
    finally:
        stop_consortium(root)
    figures = {
        **summarise_latencies("consent_to_decision", sequential),
        "warmup_ms": round(warmup.ms, 1),
        "consent_to_decision_stages_ms_p50": stages,
        "records_per_application_mean": round(statistics.mean(t.records for t in sequential), 1),
        "seeded_enterprises": len(candidates),
        "consortium_up_s": round(up_s, 1),
        "seed_s": round(seeded_s, 1),
        "validators": sum(len(chain.nodes) for chain in consortium.chains),
    }
    if concurrent:
        figures.update(summarise_latencies("concurrent", concurrent))
        figures["concurrent_width"] = width
    return figures


def run_concurrent_round(
    consortium, plan, candidates, round_number: int, width: int
) -> list[Timed]:
    """``width`` different enterprises apply at once (each its own sender and client)."""
    from chains.runtime.client import NodeClient
    from chains.seed import ChainSender

    finance = consortium.get_chain(FINANCE)
    results: list[Timed | BaseException] = [None] * width  # type: ignore[list-item]

    def one(slot: int) -> None:
        enterprise = candidates[slot % len(candidates)]
        application_id = f"LA-{enterprise.uscc}-par-{round_number}-{slot}"
        address = finance.addresses[slot % len(finance.addresses)]
        try:
            with (
                ChainSender(finance.chain_id, finance.addresses) as sender,
                NodeClient(address) as client,
            ):
                results[slot] = apply_and_wait(
                    consortium, plan, enterprise, application_id, sender, client
                )
        except BaseException as error:  # re-raised below, in the main thread
            results[slot] = error

    threads = [threading.Thread(target=one, args=(slot,)) for slot in range(width)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return list(results)  # type: ignore[arg-type]


def run(quick: bool = False) -> dict[str, object]:
    """Run both parts (see the module docstring) and return their figures."""
    quick = quick or os.environ.get(QUICK_ENV, "") not in ("", "0")
    if quick:
        verify = {"enterprise_count": 4, "blocks": 2, "block_transfers": 4, "runs": 1}
        enterprises, applications, rounds, width = 3, 3, 1, 2
    else:
        verify = {"enterprise_count": 10, "blocks": 10, "block_transfers": 10, "runs": 5}
        enterprises, applications, rounds, width = 6, 30, 3, 4
    started = time.monotonic()
    # In process first, while no validator competes for the cores.
    figures = measure_verification(**verify)
    with tempfile.TemporaryDirectory(prefix="bench-transfer-") as tmp:
        figures.update(
            measure_consent_to_decision(
                Path(tmp) / "consortium", enterprises, applications, rounds, width
            )
        )
    figures.update(
        quick=quick, cpu_cores=os.cpu_count(), total_s=round(time.monotonic() - started, 1)
    )
    return figures
