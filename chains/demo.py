"""``make demo``: the building blocks on sample e-invoices, then the consortium running.

This shows the real parts every chain stands on, each
verified, and each tampered variant refused with its stable code:

1. the tax chain's validator keys, admitted only with a proof of possession;
2. e-invoices signed by their sellers and proven in a block's RFC 6962 tx root;
3. the invoices' state in the sparse Merkle state tree: membership of one
   invoice, non-membership of an unknown number;
4. the tax chain's four validators deciding blocks in the consensus simulator
   (real BLS, a Byzantine twin, partitions and lost messages), each block's
   commit certificate (one aggregate signature of more than 2/3 of the voting
   power) verified alone, and forged certificates and a double sign refused;
5. one invoice disclosed field by field to a bank, proven against its commitment;
6. the consortium: the tax, industry and finance chains, four validator
   processes each (gRPC on loopback, SQLite each), seeded with synthetic
   enterprises; an e-invoice issued and reimbursed, a second reimbursement of
   it from another account of the buyer refused (committed as a failing
   result), and the invoice's bundle verified offline against the tax
   chain's genesis validator set.

Keys come from fixed seeds so that the walkthrough prints the same every
time; real keys are made from the operating system's randomness.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import cast

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from chains.apps.bundle import describe_bundle, fetch_record_bundle, verify_record_bundle
from chains.consortium import (
    FINANCE,
    TAX,
    Consortium,
    create_consortium,
    get_consortium_status,
    is_consortium,
    start_consortium,
    stop_consortium,
)
from chains.core.block import decode_block
from chains.core.consensus.certificate import (
    CommitCertificate,
    compute_signer_bitmap,
    get_signer_indices,
    verify_commit,
)
from chains.core.consensus.messages import Vote, VoteType
from chains.core.consensus.safety import InMemorySafetyStore, SafetyRules
from chains.core.consensus.signing import BlsScheme
from chains.core.crypto import compute_ed25519_key_pair
from chains.core.crypto.bls import (
    G1_INFINITY,
    get_bls,
    verify_proof_of_possession,
    verify_public_key,
)
from chains.core.errors import ACCEPTED, ConsortiumError, ErrorCode, Verdict, refuse
from chains.core.merkle import MerkleTree, verify_leaf_inclusion
from chains.core.records import (
    CommittedRecord,
    FieldValue,
    commit_record,
    disclose_fields,
    encode_field_value,
    verify_disclosure,
)
from chains.core.state_tree import StateTree, verify_state_proof
from chains.core.transactions import decode_verified_transaction, sign_transaction
from chains.core.types import ChainId, compute_sha256
from chains.core.wire import decode_disclosure, disclosure_to_proto
from chains.runtime.client import verify_transaction_response
from chains.runtime.genesis import read_genesis
from chains.seed import (
    FINANCE_DESK,
    ChainSender,
    ChainSummary,
    SeedPlan,
    compute_seed_plan,
    get_industry,
    read_enterprise_key,
    submit_seed_plan,
)
from chains.sim.scenario import generate_scenario
from chains.sim.simulator import Simulator
from chains.tax.app import KIND_INVOICE, TX_ISSUE_INVOICE, TX_REIMBURSE_INVOICE
from chains.tax.invoices import compute_tax_amount
from consortium.v1 import chain_pb2, tax_pb2

CHAIN = ChainId("tax-1")
VALIDATORS = ("Shenzhen Tax Bureau", "Public Security Bureau", "Shenzhen Customs", "PBoC Branch")
SIM_FAMILY = "twins4"
SIM_SEED = 8
"""A run that decides 5 heights through a twin, partitions and lost messages (~1 s of BLS)."""
DEMO_SEED = 2026
DEMO_ENTERPRISES = 8
DEMO_INVOICE = "26440399990000000001"
"""The demo's own invoice number (the seed's numbers carry the seed, 2026, where this has 9999)."""

INVOICES = (
    {
        "number": "44031900-00000101",
        "seller": "91440300MA5G0001XX",
        "seller_name": "Pengcheng Electronics Co.",
        "buyer": "91440300MA5H0002YY",
        "buyer_name": "Qianhai Logistics Ltd.",
        "item": "circuit boards",
        "amount_fen": 1_280_000,
        "tax_fen": 166_400,
        "issued_on": "2026-11-20",
    },
    {
        "number": "44031900-00000102",
        "seller": "91440300MA5G0001XX",
        "seller_name": "Pengcheng Electronics Co.",
        "buyer": "91440300MA5J0003ZZ",
        "buyer_name": "Nanshan Robotics Inc.",
        "item": "sensor modules",
        "amount_fen": 455_000,
        "tax_fen": 59_150,
        "issued_on": "2026-11-21",
    },
    {
        "number": "44031900-00000103",
        "seller": "91440300MA5K0004WW",
        "seller_name": "Futian Catering Services",
        "buyer": "91440300MA5H0002YY",
        "buyer_name": "Qianhai Logistics Ltd.",
        "item": "staff canteen, November",
        "amount_fen": 86_000,
        "tax_fen": 5_160,
        "issued_on": "2026-11-22",
    },
    {
        "number": "44031900-00000104",
        "seller": "91440300MA5K0004WW",
        "seller_name": "Futian Catering Services",
        "buyer": "91440300MA5J0003ZZ",
        "buyer_name": "Nanshan Robotics Inc.",
        "item": "conference catering",
        "amount_fen": 23_500,
        "tax_fen": 1_410,
        "issued_on": "2026-11-23",
    },
)


@dataclass
class Check:
    """One verification shown to the reader, and whether it came out as expected."""

    what: str
    verdict: Verdict
    expect: ErrorCode = ErrorCode.ERROR_CODE_UNSPECIFIED

    @property
    def as_expected(self) -> bool:
        return self.verdict.code == self.expect


@dataclass
class Step:
    """One part of the walkthrough: a title, a table of facts, and its checks."""

    title: str
    explanation: str
    table: Table
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Lines printed after the checks (what a verified bundle proves, say)."""
    facts: Mapping[str, object] = field(default_factory=dict)
    """What happened, for tests to assert on."""


def _seed(label: str) -> bytes:
    """A fixed 32-byte seed per label, so the walkthrough prints the same every run."""
    return compute_sha256(b"consortium demo seed/" + label.encode())


def _short(data: bytes) -> str:
    return data.hex()[:16] + "…"


def _yuan(fen: int) -> str:
    return f"¥{fen / 100:,.2f}"


def _table(*columns: str) -> Table:
    table = Table(show_header=True, header_style="bold", expand=False)
    for column in columns:
        table.add_column(column)
    return table


def _invoice_state(status: str, record: CommittedRecord) -> bytes:
    """The state-tree value of an invoice: its lifecycle state and its record commitment."""
    return f"{status}|{record.commitment.hex()}".encode()


class Walkthrough:
    """Builds the steps of the demo; each method is one step and depends on the ones before."""

    def __init__(
        self, say: Callable[[str], None] = lambda text: None, root: Path | None = None
    ) -> None:
        self.say = say  # progress of the slow steps, shown while they run
        self.root = root
        """Where the consortium of steps 6 and 7 lives (its caller stops it)."""
        self.network: Consortium | None = None
        self.seed_plan: SeedPlan | None = None
        self.bls = get_bls("fast")
        self.records = [commit_record(inv, _seed(f"record/{inv['number']}")) for inv in INVOICES]

    def validators(self) -> Step:
        """Step 1: validator keys with proofs of possession."""
        table = _table("validator", "BLS public key (G1)", "proof of possession", "power")
        self.secret_keys = [self.bls.KeyGen(_seed(f"validator/{name}")) for name in VALIDATORS]
        self.public_keys = [self.bls.SkToPk(sk) for sk in self.secret_keys]
        self.power = [1] * len(VALIDATORS)
        checks = []
        for name, sk, pk in zip(VALIDATORS, self.secret_keys, self.public_keys, strict=True):
            pop = self.bls.PopProve(sk)
            verdict = verify_proof_of_possession(pk, pop)
            table.add_row(name, _short(pk), _short(pop), "1")
            checks.append(Check(f"{name}: key valid and proof of possession verifies", verdict))
        stolen_pop = self.bls.PopProve(self.secret_keys[0])
        checks.append(
            Check(
                f"{VALIDATORS[0]}'s proof presented with {VALIDATORS[1]}'s key",
                verify_proof_of_possession(self.public_keys[1], stolen_pop),
                ErrorCode.INVALID_PROOF_OF_POSSESSION,
            )
        )
        checks.append(
            Check(
                "the identity point offered as a validator key",
                verify_public_key(G1_INFINITY),
                ErrorCode.INVALID_PUBLIC_KEY,
            )
        )
        return Step(
            "1. Validator keys of the tax chain",
            "Each member organisation holds a BLS12-381 key. A key joins the validator set "
            "only with a proof of possession, which stops rogue-key attacks on aggregates.",
            table,
            checks,
        )

    def invoices_in_a_block(self) -> Step:
        """Step 2: invoices signed by their sellers, put in a block, one proven in the tx root."""
        table = _table("#", "invoice", "seller → buyer", "amount", "tx id")
        self.txs: list[bytes] = []
        nonces: dict[str, int] = {}
        for i, (invoice, record) in enumerate(zip(INVOICES, self.records, strict=True)):
            seller = compute_ed25519_key_pair(_seed(f"account/{invoice['seller']}"))
            nonces[invoice["seller"]] = nonces.get(invoice["seller"], 0) + 1
            body = chain_pb2.TransactionBody(
                chain_id=CHAIN,
                sender=seller.public_key,
                nonce=nonces[invoice["seller"]],
                type="tax.invoice.issue",
                payload=record.commitment,  # the fields stay with the parties
            )
            raw = sign_transaction(seller, body)
            self.txs.append(raw)
            table.add_row(
                str(i),
                invoice["number"],
                f"{invoice['seller_name']} → {invoice['buyer_name']}",
                _yuan(invoice["amount_fen"]),
                _short(compute_sha256(raw)),
            )
        self.tx_tree = MerkleTree.from_leaves(self.txs)
        self.tx_root = self.tx_tree.get_root()
        index = 1
        proof = self.tx_tree.get_inclusion_proof(index)
        size = self.tx_tree.size

        def signature_verdict(raw: bytes) -> Verdict:
            try:
                decode_verified_transaction(raw, CHAIN)
            except ConsortiumError as error:
                return error.to_verdict()
            return ACCEPTED

        forged = bytearray(self.txs[index])
        forged[-70] ^= 0x01  # one bit of the signed body
        checks = [
            Check(
                f"every invoice's Ed25519 signature over its exact bytes ({len(self.txs)} txs)",
                _all(signature_verdict(raw) for raw in self.txs),
            ),
            Check(
                f"invoice #{index} is leaf {index} of the tx root "
                f"({len(proof.hashes)} proof hashes, root {_short(self.tx_root)})",
                verify_leaf_inclusion(self.txs[index], index, size, proof.hashes, self.tx_root),
            ),
            Check(
                f"invoice #{index} with one bit flipped, against the same proof",
                verify_leaf_inclusion(bytes(forged), index, size, proof.hashes, self.tx_root),
                ErrorCode.MERKLE_ROOT_MISMATCH,
            ),
            Check(
                f"invoice #{index} with one bit flipped, its seller's signature",
                signature_verdict(bytes(forged)),
                ErrorCode.BAD_SIGNATURE,
            ),
            Check(
                f"the same proof claimed for index {size} of a {size}-leaf block",
                verify_leaf_inclusion(self.txs[index], size, size, proof.hashes, self.tx_root),
                ErrorCode.MERKLE_INDEX_OUT_OF_RANGE,
            ),
        ]
        return Step(
            "2. E-invoices in a block (RFC 6962 transaction root)",
            "Sellers sign each invoice's issuance with their Ed25519 account key; only the "
            "invoice's record commitment goes on chain. The block's tx root commits to all of "
            "them, and a short proof shows one invoice is in the block.",
            table,
            checks,
        )

    def invoice_state(self) -> Step:
        """Step 3: the invoices' lifecycle state, with membership and non-membership proofs."""
        self.state = StateTree()
        keys = [f"invoice/{inv['number']}".encode() for inv in INVOICES]
        issued = {k: _invoice_state("issued", r) for k, r in zip(keys, self.records, strict=True)}
        self.state.apply_updates(1, issued)
        reimbursed = _invoice_state("reimbursed by 91440300MA5H0002YY", self.records[0])
        self.state_root = self.state.apply_updates(2, {keys[0]: reimbursed})
        table = _table("key", "state at height 2")
        for key in keys:
            value = self.state.get(key, 2) or b""
            table.add_row(key.decode(), value.decode().split("|")[0])

        value, present = self.state.get_with_proof(keys[0], 2)
        unknown = b"invoice/44031900-99999999"
        nothing, absent = self.state.get_with_proof(unknown, 2)
        old_root = self.state.get_root(1)
        checks = [
            Check(
                f"{keys[0].decode()} is present and reimbursed "
                f"({len(present.siblings)} non-empty siblings)",
                verify_state_proof(self.state_root, keys[0], value, present),
            ),
            Check(
                f"{unknown.decode()} was never issued (non-membership)",
                verify_state_proof(self.state_root, unknown, nothing, absent),
            ),
            Check(
                f"{keys[0].decode()} claimed still 'issued' at height 2",
                verify_state_proof(self.state_root, keys[0], issued[keys[0]], present),
                ErrorCode.STATE_VALUE_MISMATCH,
            ),
            Check(
                f"{keys[0].decode()} claimed absent, with its own membership proof",
                verify_state_proof(self.state_root, keys[0], None, present),
                ErrorCode.STATE_KEY_PRESENT,
            ),
            Check(
                "the height-2 proof checked against the height-1 state root",
                verify_state_proof(old_root, keys[0], value, present),
                ErrorCode.STATE_ROOT_MISMATCH,
            ),
        ]
        return Step(
            "3. Invoice state (sparse Merkle state tree)",
            "Every invoice's lifecycle state lives under its number in the state tree. Its "
            "root goes into the block header, so anyone can prove an invoice's state, or that "
            "an invoice number was never issued.",
            table,
            checks,
        )

    def decided_blocks(self) -> Step:
        """Step 4: the validators decide blocks under faults; each certificate verifies alone."""
        scheme = BlsScheme()
        scenario = generate_scenario(SIM_FAMILY, SIM_SEED, scheme="bls")
        sim = Simulator(
            scenario, chain_id=CHAIN, names=list(VALIDATORS), secret_keys=self.secret_keys
        )
        result = sim.run()
        chain = sim.reference
        if result.violations or len(chain.values) < 3:
            raise RuntimeError(
                f"{SIM_FAMILY} seed {SIM_SEED} no longer decides 3 heights cleanly: "
                f"{result.heights} heights, violations {result.violations}"
            )
        certificates = cast(list[CommitCertificate], chain.certificates)
        table = _table("height", "block hash", "decided in round", "signers (precommits)")
        for height, (value, certificate) in enumerate(
            zip(chain.values, certificates, strict=True), start=1
        ):
            members = chain.get_set(height).validators
            signers = get_signer_indices(certificate.signer_bitmap)
            table.add_row(
                str(height),
                _short(value.block_hash),
                str(certificate.round),
                ", ".join(members[i].name for i in signers),
            )

        height = len(chain.values)
        value, certificate = chain.values[-1], certificates[-1]
        header = decode_block(value.block).header
        earlier = decode_block(chain.values[-2].block).header
        validators = chain.get_set(height)
        signers = get_signer_indices(certificate.signer_bitmap)
        other = next(c for c in certificates if c.height != height)
        twin = scenario.twins[0]
        twin_name = validators.validators[twin].name

        def double_sign() -> Verdict:
            """The twin's key, behind SafetyRules, asked to precommit two blocks in one round."""
            safety = SafetyRules(
                header.chain_id, sim.nodes[twin].secret_key, scheme, InMemorySafetyStore()
            )
            precommit = Vote(
                VoteType.PRECOMMIT,
                header.chain_id,
                header.height,
                certificate.round,
                value.block_hash,
                twin,
            )
            try:
                safety.sign_vote(precommit)
                safety.sign_vote(replace(precommit, block_hash=earlier.hash))
            except ConsortiumError as error:
                return error.to_verdict()
            return ACCEPTED

        checks = [
            Check(
                f"the certificate of height {height} verifies alone against that height's "
                f"validator set ({len(signers)} of {len(validators)} signers, one aggregate "
                "signature)",
                verify_commit(validators, header, certificate, scheme),
            ),
            Check(
                f"the height-{height} certificate offered for the height-{height - 1} header",
                verify_commit(chain.get_set(height - 1), earlier, certificate, scheme),
                ErrorCode.WRONG_HEIGHT,
            ),
            Check(
                f"the height-{height} certificate claiming another block hash",
                verify_commit(
                    validators, header, replace(certificate, block_hash=earlier.hash), scheme
                ),
                ErrorCode.BLOCK_HASH_MISMATCH,
            ),
            Check(
                f"its signer bitmap cut to 2 of {len(validators)} signers",
                verify_commit(
                    validators,
                    header,
                    replace(
                        certificate,
                        signer_bitmap=compute_signer_bitmap(signers[:2], len(validators)),
                    ),
                    scheme,
                ),
                ErrorCode.INSUFFICIENT_VOTING_POWER,
            ),
            Check(
                f"the aggregate signature of height {other.height} passed off as height {height}'s",
                verify_commit(
                    validators,
                    header,
                    replace(certificate, aggregate_signature=other.aggregate_signature),
                    scheme,
                ),
                ErrorCode.BAD_SIGNATURE,
            ),
            Check(
                f"the {header.chain_id} certificate presented to a client that expects finance-1",
                verify_commit(
                    validators, header, certificate, scheme, chain_id=ChainId("finance-1")
                ),
                ErrorCode.WRONG_CHAIN_ID,
            ),
            Check(
                f"{twin_name}'s SafetyRules asked to precommit a second block at height "
                f"{height}, round {certificate.round}",
                double_sign(),
                ErrorCode.DOUBLE_SIGN_REFUSED,
            ),
        ]
        drop = f", {scenario.drop:.0%} of messages dropped" if scenario.drop else ""
        crashes = f", {len(scenario.crashes)} crash(es)" if scenario.crashes else ""
        return Step(
            "4. The tax chain's validators decide a block, and its certificate verifies alone",
            "Consensus is Tendermint: a validator [bold]proposes[/] a block, all "
            "[bold]prevote[/] and then [bold]precommit[/]; a failed round gives way to the "
            "next. Precommits of more than 2/3 of the voting power make a block final, and "
            "they aggregate into [bold]one BLS signature plus a signer bitmap[/]: a commit "
            "certificate that anyone holding the validator set checks alone.\n"
            f"The consensus simulator runs step 1's validators with real BLS on "
            f"{header.chain_id} ({SIM_FAMILY}, seed {SIM_SEED}): {twin_name}'s key is run by "
            f"two nodes, a Byzantine twin; {len(scenario.partitions)} network partitions"
            f"{drop}{crashes} until the network heals at {scenario.gst_ms / 1000:.1f} s. "
            f"{result.heights} heights decided, {result.messages} messages sent.",
            table,
            checks,
        )

    def disclosure(self) -> Step:
        """Step 5: invoice #0 disclosed to a bank field by field."""
        record = self.records[0]
        shown = ["buyer", "amount_fen"]
        disclosure = disclose_fields(record, shown)
        wire = disclosure_to_proto(record.commitment, disclosure).SerializeToString()
        commitment, received = decode_disclosure(wire)
        table = _table("field", "what the bank sees")
        disclosed = {f.name: f.value for f in received.fields}
        for name in record.names:
            table.add_row(name, repr(disclosed[name]) if name in disclosed else "· hidden ·")
        forged = replace(
            received,
            fields=tuple(
                replace(f, value=f.value * 10) if f.name == "amount_fen" else f
                for f in received.fields
            ),
        )
        checks = [
            Check(
                f"{len(shown)} of {len(record.names)} fields prove against the invoice's "
                f"commitment ({len(wire)} bytes on the wire)",
                verify_disclosure(commitment, received),
            ),
            Check(
                "the commitment is the one the seller signed into the block",
                _same(
                    chain_pb2.TransactionBody.FromString(
                        chain_pb2.SignedTransaction.FromString(self.txs[0]).body
                    ).payload,
                    commitment,
                ),
            ),
            Check(
                "the amount inflated tenfold",
                verify_disclosure(commitment, forged),
                ErrorCode.RECORD_COMMITMENT_MISMATCH,
            ),
        ]
        return Step(
            "5. One invoice disclosed field by field",
            "Each field is committed with its own salt, so the buyer can show a bank the buyer "
            "and the amount, proven against the commitment on chain, and nothing else.",
            table,
            checks,
        )

    def consortium(self) -> Step:
        """Step 6: the three chains, seeded; an invoice reimbursed exactly once, proven offline.

        The consortium keeps running (in ``self.root``) for step 7; the caller stops it.
        """
        if self.root is None:
            raise ValueError("the consortium steps need a directory (see demo_network)")
        root = self.root
        self.say("creating keys and genesis of the tax, industry and finance chains")
        create_consortium(root)
        self.say("starting 12 validator processes (4 per chain, SQLite each) and the relayer")
        consortium = start_consortium(root)
        plan = compute_seed_plan(DEMO_SEED, DEMO_ENTERPRISES, consortium.get_public_keys())
        self.say(
            f"seeding {len(plan.enterprises)} enterprises: {len(plan.txs)} transactions in 6 waves"
        )
        summaries = submit_seed_plan(consortium, plan)
        self.network, self.seed_plan = consortium, plan
        self.say("issuing and reimbursing an e-invoice, fetching its bundle")
        return self._use_consortium(consortium, plan, summaries)

    def loan(self) -> Step:
        """Step 7: one consent, a dishonest relay refused, the relayer's transfer verified,
        the bank's policy deciding; a replay refused."""
        consortium, plan = self.network, self.seed_plan
        if consortium is None or plan is None:
            raise ValueError("step 7 runs on step 6's consortium")
        self.say("an enterprise applies for a loan with one consent; the relay carries it")
        from chains.demo_loan import run_loan_step  # it builds on this module's Step

        return run_loan_step(consortium, plan)

    def _use_consortium(
        self, consortium: Consortium, plan: SeedPlan, summaries: list[ChainSummary]
    ) -> Step:
        root = consortium.root
        tax = consortium.get_chain(TAX)
        seller, buyer = [e for e in plan.enterprises if not e.is_genesis_member][:2]
        seller_key = read_enterprise_key(root, seller.uscc).key_pair
        buyer_key = read_enterprise_key(root, buyer.uscc).key_pair
        desk_key = read_enterprise_key(root, buyer.uscc, FINANCE_DESK).key_pair
        product = get_industry(seller.industry).products[0]
        amount = 128_000_000
        tax_genesis = read_genesis(tax.genesis_path).validators
        finance_genesis = read_genesis(consortium.get_chain(FINANCE).genesis_path).validators
        checks: list[Check] = []
        with ChainSender(tax.chain_id, tax.addresses) as sender:
            issued = sender.send(
                seller_key,
                TX_ISSUE_INVOICE,
                tax_pb2.IssueInvoice(
                    invoice_number=DEMO_INVOICE,
                    buyer=buyer.uscc,
                    amount=amount,
                    tax_amount=compute_tax_amount(amount, seller.vat_rate_bp),
                    tax_rate_bp=seller.vat_rate_bp,
                    issued_on="2026-11-20",
                    description=f"{product.name}, order SO-2026-0042",
                    record_seed=_seed(f"invoice/{DEMO_INVOICE}"),
                ),
            )
            checks.append(
                Check(
                    f"{seller.name} issues e-invoice {DEMO_INVOICE} ({_yuan(amount)} + VAT "
                    f"{seller.vat_rate_bp / 100:g} %) to {buyer.name}: committed at height "
                    f"{issued.height}",
                    _result_verdict(issued),
                )
            )
            first = sender.send(
                buyer_key,
                TX_REIMBURSE_INVOICE,
                tax_pb2.ReimburseInvoice(
                    invoice_number=DEMO_INVOICE, reimbursement_ref="EXP-2026-0417"
                ),
            )
            checks.append(
                Check(
                    f"the buyer reimburses it (primary account, claim EXP-2026-0417): committed at "
                    f"height {first.height}, result OK",
                    _result_verdict(first),
                )
            )
            second = sender.send(
                desk_key,
                TX_REIMBURSE_INVOICE,
                tax_pb2.ReimburseInvoice(
                    invoice_number=DEMO_INVOICE, reimbursement_ref="EXP-2026-0503"
                ),
            )
            checks.append(
                Check(
                    f"a second reimbursement of the same invoice from the buyer's {FINANCE_DESK} "
                    f"account (claim EXP-2026-0503): committed at height {second.height} as a "
                    "failing result",
                    _result_verdict(second),
                    ErrorCode.INVOICE_ALREADY_REIMBURSED,
                )
            )
            checks.append(
                Check(
                    f"that failing transaction is in block {second.height}: inclusion proof and "
                    "certificate, against the tax chain's genesis validators",
                    verify_transaction_response(tax_genesis, second),
                )
            )
            bundle = fetch_record_bundle(sender.clients[1], KIND_INVOICE, DEMO_INVOICE)
        report = verify_record_bundle(json.loads(json.dumps(bundle)), tax_genesis)
        checks.append(
            Check(
                f"the invoice's bundle ({len(json.dumps(bundle)):,} bytes of JSON) verifies "
                "offline, with the tax chain's genesis validator set as the trust anchor",
                report.verdict,
            )
        )
        forged = _forge_bundle_field(bundle, "status", "issued")
        checks.append(
            Check(
                "the same bundle claiming the invoice is still 'issued'",
                verify_record_bundle(forged, tax_genesis).verdict,
                ErrorCode.RECORD_COMMITMENT_MISMATCH,
            )
        )
        checks.append(
            Check(
                "the bundle checked against the finance chain's validators instead",
                verify_record_bundle(bundle, finance_genesis).verdict,
                ErrorCode.BUNDLE_ANCHOR_MISMATCH,
            )
        )
        statuses = get_consortium_status(root)
        table = _table("chain", "validators", "height", "seed txs", "records created by the seed")
        for status, summary in zip(statuses, summaries, strict=True):
            records = ", ".join(f"{count} {kind}" for kind, count in summary.records.items())
            table.add_row(
                status.chain_id,
                f"{status.nodes_up} of {len(status.nodes)} up",
                str(status.height),
                str(summary.txs),
                records,
            )
        return Step(
            "6. The consortium: three chains, an e-invoice reimbursed exactly once",
            "Twelve validator processes (four per chain, each with its own SQLite database) run "
            "the tax, industry and finance chains on loopback. A deterministic seed filled them "
            f"with {len(plan.enterprises)} Shenzhen enterprises: registrations, tax filings and "
            "payments, e-invoices through their lifecycle, production reports and orders, credit "
            "policies and loan applications. Then one enterprise invoices another, whose two "
            "accounts both try to reimburse the invoice: the chain lets exactly one succeed, "
            "and records the other with its refusal. Finally the invoice is exported as a bundle "
            "that anyone can check with no node at all.",
            table,
            checks,
            notes=[
                "What the invoice's bundle proves, checked offline:",
                *(f"  {line}" for line in describe_bundle(report)),
            ],
            facts={
                "seller": seller.uscc,
                "buyer": buyer.uscc,
                "invoice": DEMO_INVOICE,
                "results": [ErrorCode(r.code) for r in (issued, first, second)],
                "heights": {status.chain_id: status.height for status in statuses},
                "nodes_up": {status.chain_id: status.nodes_up for status in statuses},
                "bundle": report,
                "seed_txs": len(plan.txs),
            },
        )


def _result_verdict(response) -> Verdict:
    """A committed transaction's result as a verdict (its code, or acceptance)."""
    if response.code == 0:
        return ACCEPTED
    return refuse(ErrorCode(response.code), response.message)


def _forge_bundle_field(bundle: dict, name: str, value: FieldValue) -> dict:
    """A copy of ``bundle`` whose disclosed field ``name`` says ``value``."""
    forged = json.loads(json.dumps(bundle))
    for item in forged["fields"]["disclosed"]:
        if item["name"] == name:
            item["value"] = encode_field_value(value).hex()
    return forged


def _all(verdicts: Iterable[Verdict]) -> Verdict:
    """The first refusal among ``verdicts``, or acceptance."""
    for verdict in verdicts:
        if not verdict.ok:
            return verdict
    return ACCEPTED


def _same(a: bytes, b: bytes) -> Verdict:
    return ACCEPTED if a == b else refuse(ErrorCode.RECORD_COMMITMENT_MISMATCH, "differs")


@contextlib.contextmanager
def demo_network(root: Path | None = None) -> Iterator[Path]:
    """A directory for the demo's consortium (a new temporary one unless ``root``); on
    leaving, the consortium is stopped and a temporary directory removed."""
    made = root is None
    base = Path(tempfile.mkdtemp(prefix="consortium-demo-")) if made else Path(root)
    consortium_root = base / "consortium" if made else base
    try:
        yield consortium_root
    finally:
        if is_consortium(consortium_root):
            stop_consortium(consortium_root)
        if made:
            shutil.rmtree(base, ignore_errors=True)


def iter_steps(
    say: Callable[[str], None] = lambda text: None, root: Path | None = None
) -> Iterator[Step]:
    """Build the steps of the walkthrough one after the other (``say`` hears progress);
    steps 6 and 7 run a consortium in ``root``, which the caller stops."""
    walk = Walkthrough(say, root)
    builders: list[Callable[[], Step]] = [
        walk.validators,
        walk.invoices_in_a_block,
        walk.invoice_state,
        walk.decided_blocks,
        walk.disclosure,
        walk.consortium,
        walk.loan,
    ]
    for build in builders:
        yield build()


def get_steps() -> list[Step]:
    """Build every step of the walkthrough, in order (its consortium stopped afterwards)."""
    with demo_network() as root:
        return list(iter_steps(root=root))


def render_check(check: Check) -> str:
    """One line per check: a green tick, or a red cross with the stable code."""
    if check.verdict.ok and check.as_expected:
        return f"[green]✓ verified[/]  {check.what}"
    if check.as_expected:
        return f"[green]✓ refused[/]   {check.what}: [bold]{check.verdict.code.name}[/]"
    got = check.verdict.code.name if not check.verdict.ok else "accepted"
    return f"[red]✗ UNEXPECTED[/] {check.what}: got {got}, expected {check.expect.name}"


def run_demo(
    console: Console | None = None,
    steps: list[Step] | None = None,
    keep_running: bool = False,
    wait: Callable[[], None] | None = None,
    dashboard: Callable[[Path], contextlib.AbstractContextManager[str | None]] | None = None,
) -> bool:
    """Print the walkthrough (``steps``, or all of them, each printed as soon as it is built);
    True when every check came out as expected.

    With ``keep_running`` the consortium stays up after the walkthrough until ``wait``
    returns (e.g. on Ctrl-C), for the dashboards; then it is stopped and removed.
    ``dashboard(root)`` serves the dashboards beside it meanwhile (its URL, printed; None
    when they did not start), e.g. :func:`dashboards.server.serve_dashboard`.
    """
    console = console or Console()
    console.print(
        Panel.fit(
            "[bold]Tax–Industry–Finance Consortium[/]: the building blocks on sample "
            "e-invoices, then the three chains running",
            border_style="blue",
        )
    )
    say = lambda text: console.print(f"[dim]… {text}[/]")  # noqa: E731
    if steps is not None:
        return _print_steps(console, steps)
    with demo_network() as root:
        all_ok = _print_steps(console, iter_steps(say, root))
        if keep_running and wait is not None:
            serving = dashboard(root) if dashboard is not None else contextlib.nullcontext()
            with serving as url:
                console.print(
                    f"The consortium keeps running in {root} (12 validators and the relayer). "
                    f"Try `consortium relay status {root}` or `consortium loan show ID {root}`. "
                    "Stop it with Ctrl-C."
                )
                if url:
                    console.print(
                        f"[bold]The dashboards: {url}[/] (overview, explorer, enterprise, bank, "
                        "regulator and auditor; they stop with the consortium)"
                    )
                wait()
    return all_ok


def _print_steps(console: Console, steps: Iterable[Step]) -> bool:
    all_ok = True
    for step in steps:
        console.rule(f"[bold]{step.title}")
        console.print(step.explanation)
        console.print(step.table)
        for check in step.checks:
            console.print(render_check(check))
            all_ok &= check.as_expected
        for note in step.notes:
            console.print(note, highlight=False, markup=False)
    console.rule()
    if all_ok:
        console.print("[bold green]Every proof verified, and every forgery was refused.[/]")
    else:
        console.print("[bold red]Some checks did not come out as expected.[/]")
    return all_ok
