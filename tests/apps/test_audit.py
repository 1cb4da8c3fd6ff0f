"""Audit bundles of loan decisions: an in-memory finance chain, certified, then every tampering.

The finance chain is the relay tests' world (:mod:`tests.finance.test_relay`:
real BLS-certified tax and industry chains, a finance harness with light
clients in its genesis). Here each finance block is certified too: a real
state tree over the harness's state, a header with that state root and the
block's tx root, and a certificate by four finance validators with real BLS
keys, named by a synthetic finance genesis. A small in-memory node serves
what a finance node's gRPC API would, so the bundle is built by the same
:func:`fetch_audit_bundle` that talks to real nodes.

A "forged" block is one no honest finance chain commits (records rewritten
outside any transaction) certified all the same, as a Byzantine quorum of
the finance validators could: the audit's re-checks of the transfer and of
the policy still refuse it.

The source chains' light clients come from the finance state (proven under
the decision's header), so an audit keeps working long after the source
chains' genesis, and for a transfer that relied on a header the finance
chain trusted from an earlier ``relay.client.update``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from chains.apps.audit import (
    AUDIT_BUNDLE_FORMAT,
    RECORD_STEPS,
    STEP_DECISION,
    STEP_FORMAT,
    STEP_LINKS,
    STEP_SOURCE_HEADERS,
    STEP_TRANSACTION,
    STEP_TRANSFER,
    AuditReport,
    SourceHeader,
    describe_audit,
    fetch_audit_bundle,
    get_audit_report_document,
    verify_audit_bundle,
)
from chains.apps.bundle import fetch_record_bundle
from chains.apps.membership import TX_GOVERN
from chains.apps.records import read_record, update_record
from chains.cli import app as cli_app
from chains.core.app import StateOverlay
from chains.core.block import Header, decode_header, encode_header
from chains.core.consensus.validators import encode_validator_set
from chains.core.errors import ConsortiumError, ErrorCode
from chains.core.merkle import MerkleTree, compute_root
from chains.core.records import FieldValue, encode_field_value
from chains.core.state_tree import StateTree
from chains.core.transactions import compute_tx_id
from chains.core.types import ChainId, Height, Version, compute_sha256
from chains.core.wire import inclusion_proof_to_proto, state_proof_to_proto
from chains.finance.app import (
    KIND_DECISION,
    KIND_LOAN,
    TX_APPLY_FOR_LOAN,
    TX_DECIDE_LOAN,
    get_policy_decision_id,
)
from chains.finance.policy import KIND_POLICY, encode_policy_rules, get_policy_record_id
from chains.finance.relay_rules import (
    KIND_CONSENT,
    KIND_DATA_SET,
    TX_TRANSFER,
    TX_UPDATE_CLIENT,
    get_client_key,
    get_consent_record_id,
    read_client,
)
from chains.runtime.genesis import Genesis
from consortium.v1 import finance_pb2, node_pb2
from tests.apps.harness import AppHarness
from tests.finance.test_relay import (
    FILING_ID,
    POLICY_ID,
    RELAY,
    World,
    header_message,
    make_world,
    recovery,
)
from tests.finance.world import (
    APP_STATE,
    BANK_A,
    ENT_A,
    FINANCE_CHAIN,
    GOVERNORS,
    INDUSTRY_CHAIN,
    KEY_A,
    KEY_BANK_A,
    KEY_BANK_B,
    RELAY_SECTION,
    TAX_CHAIN,
    TRUSTING_PERIOD_MS,
    make_application,
    make_decision,
    make_rule,
)
from tests.industry.support import make_seed
from tests.relay.support import START_MS, Keys, V, W, certify, make_header, make_keys, sign

FINANCE_KEYS = make_keys(3001, 3002, 3003, 3004)
"""The finance chain's four validators (real BLS keys)."""
GENESIS = Genesis(
    chain_id=ChainId(FINANCE_CHAIN),
    genesis_time_unix_ms=0,
    app="finance",
    validators=FINANCE_KEYS.validators,
    app_state=APP_STATE,
)
"""The finance genesis an auditor trusts: its validators and its light clients."""
POLICY_DECISION = get_policy_decision_id("app-1")
DATA_SET_ID = get_consent_record_id(ENT_A, "consent-1")


# --------------------------------------------------------------------------
# A certified finance chain and a node that serves it
# --------------------------------------------------------------------------


@dataclass
class Block:
    header: Header
    certificate: bytes
    txs: list[bytes]
    codes: list[int]


@dataclass
class CertifiedFinance:
    """The world's finance harness with every block certified by ``keys``."""

    world: World
    keys: Keys = FINANCE_KEYS
    tree: StateTree = field(default_factory=StateTree)
    committed: dict[bytes, bytes] = field(default_factory=dict)
    blocks: dict[int, Block] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._certify([], [])  # the state so far (genesis and the policy) as one height

    @property
    def harness(self) -> AppHarness:
        return self.world.finance

    @property
    def height(self) -> int:
        return self.harness.height

    def _certify(self, txs: list[bytes], codes: list[int]) -> None:
        values = self.harness.state.values
        writes: dict[bytes, bytes | None] = {
            key: value for key, value in values.items() if self.committed.get(key) != value
        }
        writes.update({key: None for key in self.committed if key not in values})
        height = self.harness.height
        root = self.tree.apply_updates(Version(height), writes)
        self.committed = dict(values)
        raw = encode_header(
            chain_id=ChainId(FINANCE_CHAIN),
            height=Height(height),
            time_unix_ms=self.harness.time_unix_ms,
            prev_block_hash=b"" if height == 1 else bytes([height % 256]) * 32,
            tx_root=compute_root(txs),
            tx_count=len(txs),
            state_root=root,
            validators_hash=self.keys.hash,
            next_validators_hash=self.keys.hash,
            proposer=self.keys.validators.get_public_key(0),
        )
        header = decode_header(raw)
        certificate = certify(header, self.keys).certificate
        self.blocks[height] = Block(header, certificate, txs, codes)

    def run(self, key, tx_type: str, payload) -> int:
        """One transaction in its own certified block; its result code."""
        raw = self.harness.make_tx(key, tx_type, payload)
        assert self.harness.admit(raw).ok
        result = self.harness.run_block([raw])[0]
        self._certify([raw], [int(result.code)])
        return int(result.code)

    @property
    def next_height(self) -> int:
        return self.harness.height + 1

    @property
    def next_time(self) -> int:
        return self.harness.time_unix_ms + 1_000

    def forge(
        self,
        changes: Mapping[tuple[str, str], Mapping[str, FieldValue]],
        txs: Sequence[bytes] = (),
    ) -> None:
        """A block holding ``txs`` whose state rewrites records outside any transaction,
        certified by the finance validators all the same."""
        overlay = StateOverlay(self.harness.state)
        height = self.next_height
        for (kind, record_id), fields in changes.items():
            record = read_record(overlay, kind, record_id)
            assert record is not None, f"no {kind} {record_id}"
            update_record(overlay, record, fields, height)
        self.harness.height = height
        self.harness.time_unix_ms = self.next_time
        self.harness.state.apply(overlay.get_writes(), overlay.get_blobs())
        self._certify(list(txs), [0] * len(txs))


class FinanceNode:
    """What a finance node's gRPC API answers, from a :class:`CertifiedFinance`."""

    def __init__(self, finance: CertifiedFinance) -> None:
        self.finance = finance

    def query_state(self, key: bytes, height: int = 0) -> node_pb2.QueryStateResponse:
        height = height or self.finance.height
        value, proof = self.finance.tree.get_with_proof(key, Version(height))
        block = self.finance.blocks[height]
        return node_pb2.QueryStateResponse(
            height=height,
            found=value is not None,
            value=value or b"",
            proof=state_proof_to_proto(proof),
            header=block.header.raw,
            certificate=block.certificate,
        )

    def get_validator_set_response(self, height: int = 0) -> node_pb2.GetValidatorSetResponse:
        return node_pb2.GetValidatorSetResponse(
            height=height, validator_set=encode_validator_set(self.finance.keys.validators)
        )

    def get_blob(self, key: bytes) -> node_pb2.GetBlobResponse:
        value = self.finance.harness.state.get_blob(key)
        return node_pb2.GetBlobResponse(found=value is not None, value=value or b"")

    def get_transaction(self, tx_id: bytes) -> node_pb2.GetTransactionResponse:
        for height, block in self.finance.blocks.items():
            for index, raw in enumerate(block.txs):
                if compute_tx_id(raw) == tx_id:
                    proof = MerkleTree.from_leaves(block.txs).get_inclusion_proof(index)
                    return node_pb2.GetTransactionResponse(
                        tx=raw,
                        height=height,
                        index=index,
                        code=block.codes[index],
                        header=block.header.raw,
                        proof=inclusion_proof_to_proto(proof),
                        certificate=block.certificate,
                    )
        raise ConsortiumError(ErrorCode.NOT_FOUND, "no committed transaction has that id")


def update_client(finance: CertifiedFinance, header: finance_pb2.ClientHeader) -> None:
    """A relay refreshes the finance chain's light client with ``header`` (its own block)."""
    payload = finance_pb2.UpdateClient(header=header)
    assert finance.run(RELAY, TX_UPDATE_CLIENT, payload) == 0


def apply(finance: CertifiedFinance, **changes: object) -> None:
    """ENT_A applies for app-1 under the relay policy with its consent (as World.apply)."""
    payload = make_application(**{"policy_id": POLICY_ID, **changes})
    payload.signed_consent = finance.world.consent_bytes()
    payload.consent_record_seed = make_seed("consent/consent-1")
    assert finance.run(KEY_A, TX_APPLY_FOR_LOAN, payload) == 0


def make_policy_world() -> CertifiedFinance:
    """app-1 decided by the bank's policy on a verified transfer."""
    finance = CertifiedFinance(make_world())
    apply(finance)
    assert finance.run(RELAY, TX_TRANSFER, finance.world.transfer()) == 0
    return finance


def make_officer_world() -> CertifiedFinance:
    """app-1 without a policy, verified by a transfer, then decided by the bank's officer."""
    finance = CertifiedFinance(make_world())
    apply(finance, policy_id="")
    assert finance.run(RELAY, TX_TRANSFER, finance.world.transfer()) == 0
    assert finance.run(KEY_BANK_A, TX_DECIDE_LOAN, make_decision()) == 0
    return finance


def export(finance: CertifiedFinance, decision_id: str = POLICY_DECISION) -> dict:
    return fetch_audit_bundle(FinanceNode(finance), decision_id)  # type: ignore[arg-type]


POLICY_WORLD = make_policy_world()
POLICY_BUNDLE = export(POLICY_WORLD)
OFFICER_WORLD = make_officer_world()
OFFICER_BUNDLE = export(OFFICER_WORLD, "dec-1")


def verify(document: object, genesis: Genesis = GENESIS) -> AuditReport:
    return verify_audit_bundle(document, genesis)


def step_detail(report: AuditReport, name: str) -> str:
    """What step ``name`` of ``report`` found."""
    return next(step.detail for step in report.steps if step.name == name)


def assert_refused(report: AuditReport, code: ErrorCode, step: str) -> None:
    failed = report.steps[-1]
    assert not report.ok
    assert (report.verdict.code, failed.name) == (code, step), (
        f"expected {code.name} at {step!r}, got {report.verdict.code.name} at {failed.name!r}: "
        f"{failed.detail}"
    )
    assert all(s.ok for s in report.steps[:-1]) and not failed.ok
    assert describe_audit(report)[0].startswith(f"✗ {step}: {code.name}")


# --------------------------------------------------------------------------
# Honest bundles
# --------------------------------------------------------------------------

ALL_STEPS = [
    STEP_FORMAT,
    *RECORD_STEPS.values(),
    STEP_LINKS,
    STEP_TRANSACTION,
    STEP_SOURCE_HEADERS,
    STEP_TRANSFER,
    STEP_DECISION,
]


def test_a_policy_decision_verifies_and_says_what_was_decided_on_what() -> None:
    report = verify(POLICY_BUNDLE)
    assert report.ok, report.steps[-1]
    assert [s.name for s in report.steps] == ALL_STEPS
    assert (report.decision_id, report.chain_id, report.height) == (
        POLICY_DECISION,
        FINANCE_CHAIN,
        POLICY_WORLD.height,
    )
    assert report.decided_by == "policy" and report.re_evaluated
    assert report.records[KIND_DECISION]["outcome"] == "approved"
    assert report.facts["tax.clearance_valid"] is True
    assert [(r.chain_id, r.height, r.kind, r.record_id) for r in report.sources] == [
        (TAX_CHAIN, 1, "filing", FILING_ID),
        (TAX_CHAIN, 1, "clearance", "TC-2026-0001"),
        (INDUSTRY_CHAIN, 1, "production", f"{ENT_A}:report-2025"),
    ]
    assert (report.signer_count, report.validator_count) == (3, 4)
    lines = describe_audit(report)
    assert lines[0].startswith(f"decision {POLICY_DECISION} on chain {FINANCE_CHAIN}: approved")
    assert f"by the policy {POLICY_ID} of {BANK_A}" in lines[0]
    assert any(line.startswith(f"  {TAX_CHAIN}@1 filing {FILING_ID}") for line in lines)
    assert any("re-evaluated" in line for line in lines)
    document = get_audit_report_document(report)
    assert document["verified"] and document["code"] is None
    json.dumps(document)  # JSON-ready
    # The same from its text, as a file holds it.
    assert verify(json.dumps(POLICY_BUNDLE)).ok


def test_the_bundle_holds_exact_bytes_as_lowercase_hex_and_one_height() -> None:
    bundle = POLICY_BUNDLE
    assert bundle["format"] == AUDIT_BUNDLE_FORMAT
    assert sorted(bundle["records"]) == sorted(
        [KIND_DECISION, KIND_LOAN, KIND_DATA_SET, KIND_CONSENT, KIND_POLICY]
    )
    assert {b["height"] for b in bundle["records"].values()} == {bundle["height"]}
    assert bundle["records"][KIND_POLICY]["id"] == get_policy_record_id(BANK_A, POLICY_ID)
    tx = bytes.fromhex(bundle["transaction"]["tx"])
    transfer_block = POLICY_WORLD.blocks[bundle["transaction"]["height"]]
    assert tx in transfer_block.txs and bundle["transaction"]["code"] == 0
    # The finance chain's clients of both source chains and the one height each rests on
    # (also each client's latest), as the finance state holds them.
    clients = bundle["light_clients"]
    assert sorted(clients) == [INDUSTRY_CHAIN, TAX_CHAIN]
    for chain_id, client in clients.items():
        assert set(client) == {"client", "headers"} and list(client["headers"]) == ["1"]
        assert set(client["client"]) == set(client["headers"]["1"]) == {"value", "proof"}
        state = POLICY_WORLD.harness.state
        assert client["client"]["value"] == state.get(get_client_key(chain_id)).hex()
        assert read_client(state, chain_id).latest_height == 1


def test_the_report_names_each_source_header_and_who_signed_it() -> None:
    report = verify(POLICY_BUNDLE)
    world = POLICY_WORLD.world
    assert report.source_headers == tuple(
        SourceHeader(
            chain_id,
            1,
            START_MS + 1_000,
            decode_header(source.certified[1].header).hash,
            carried=True,
            signer_count=3,
            validator_count=4,
            genesis_set=True,
        )
        for chain_id, source in ((INDUSTRY_CHAIN, world.industry), (TAX_CHAIN, world.tax))
    )
    detail = step_detail(report, STEP_SOURCE_HEADERS)
    assert f"signed by 3 of 4 of {TAX_CHAIN}'s genesis validator set" in detail
    document = get_audit_report_document(report)
    assert [(h["chain_id"], h["height"], h["carried"]) for h in document["source_headers"]] == [
        (INDUSTRY_CHAIN, 1, True),
        (TAX_CHAIN, 1, True),
    ]
    assert any(line.startswith(f"  {TAX_CHAIN}@1 (carried") for line in describe_audit(report))


def test_an_officer_decision_verifies_and_says_it_was_taken_by_hand() -> None:
    report = verify(OFFICER_BUNDLE)
    assert report.ok, report.steps[-1]
    assert KIND_POLICY not in OFFICER_BUNDLE["records"]
    assert [s.name for s in report.steps] == [
        s for s in ALL_STEPS if s != RECORD_STEPS[KIND_POLICY]
    ]
    assert report.decided_by == "officer" and not report.re_evaluated and not report.facts
    assert "by hand" in report.steps[-1].detail
    lines = describe_audit(report)
    assert f"by hand, by {BANK_A}'s officer" in lines[0]
    assert any(line.startswith("decided by hand") for line in lines)


def test_a_decision_on_no_data_set_or_no_decision_is_not_exported() -> None:
    finance = CertifiedFinance(make_world())
    assert finance.run(KEY_A, TX_APPLY_FOR_LOAN, make_application()) == 0
    assert finance.run(KEY_BANK_A, TX_DECIDE_LOAN, make_decision()) == 0
    for decision_id in ("dec-1", "dec-404"):
        with pytest.raises(ConsortiumError) as raised:
            export(finance, decision_id)
        assert raised.value.code == ErrorCode.RECORD_NOT_FOUND


# --------------------------------------------------------------------------
# The source light clients come from the finance state
# --------------------------------------------------------------------------

STEP_MS = TRUSTING_PERIOD_MS // 2
"""How often the relay refreshes the finance chain's clients in the long run below."""


def make_long_world(
    carried: Sequence[str] = ("tax", "industry"), rounds: int = 7
) -> CertifiedFinance:
    """app-1 decided by the policy on a transfer made ``rounds`` half trusting periods after
    the source chains' genesis, the finance chain's clients refreshed by a relay every half
    period; the transfer carries the latest headers of the ``carried`` sources only."""
    finance = CertifiedFinance(make_world())
    world = finance.world
    for round_ in range(1, rounds + 1):
        at = START_MS + round_ * STEP_MS
        for source in (world.tax, world.industry):
            source.commit(time_ms=at)
            finance.harness.time_unix_ms = at + 5_000
            update_client(finance, source.client_header())
    apply(finance)
    sources = {"tax": world.tax, "industry": world.industry}
    headers = [sources[name].client_header() for name in carried]
    assert finance.run(RELAY, TX_TRANSFER, world.transfer(headers=headers)) == 0
    return finance


@pytest.mark.parametrize("carried", [("tax", "industry"), ("tax",), ()])
def test_a_transfer_long_after_the_source_chains_genesis_verifies(carried: tuple) -> None:
    # The genesis anchors are 3.5 trusting periods old at the transfer: light clients
    # rebuilt from them would have expired (CLIENT_EXPIRED). Headers the finance chain
    # trusted from relay.client.update, not carried, are proven from its state all the same.
    finance = make_long_world(carried)
    report = verify(export(finance))
    assert report.ok, report.steps[-1]
    assert report.transfer_time_unix_ms > START_MS + 3 * TRUSTING_PERIOD_MS
    assert [(h.chain_id, h.height, h.carried) for h in report.source_headers] == [
        (INDUSTRY_CHAIN, 8, "industry" in carried),
        (TAX_CHAIN, 8, "tax" in carried),
    ]
    assert all(h.time_unix_ms == START_MS + 7 * STEP_MS for h in report.source_headers)
    assert {(r.chain_id, r.height) for r in report.sources} == {(TAX_CHAIN, 8), (INDUSTRY_CHAIN, 8)}
    detail = step_detail(report, STEP_SOURCE_HEADERS)
    for chain_id, name in ((TAX_CHAIN, "tax"), (INDUSTRY_CHAIN, "industry")):
        how = "carried, signed by 3 of 4" if name in carried else "trusted by the finance chain"
        assert f"{chain_id}@8 ({how}" in detail


def test_the_client_latest_is_proven_but_the_recheck_trusts_only_the_heights_used() -> None:
    finance = make_policy_world()
    world = finance.world
    world.tax.commit()  # tax-1@2, trusted by the finance chain after the transfer
    update_client(finance, world.tax.client_header())
    bundle = export(finance)
    assert list(bundle["light_clients"][TAX_CHAIN]["headers"]) == ["1", "2"]
    report = verify(bundle)
    assert report.ok, report.steps[-1]
    assert [(h.chain_id, h.height) for h in report.source_headers] == [
        (INDUSTRY_CHAIN, 1),
        (TAX_CHAIN, 1),
    ]
    assert f"latest {TAX_CHAIN}@2" in step_detail(report, STEP_SOURCE_HEADERS)
    used = copy.deepcopy(bundle)
    del used["light_clients"][TAX_CHAIN]["headers"]["1"]
    assert_refused(verify(used), ErrorCode.CONSENSUS_STATE_NOT_FOUND, STEP_SOURCE_HEADERS)
    latest = copy.deepcopy(bundle)
    del latest["light_clients"][TAX_CHAIN]["headers"]["2"]
    assert_refused(verify(latest), ErrorCode.MALFORMED_INPUT, STEP_SOURCE_HEADERS)


def test_a_client_the_finance_state_shows_frozen_is_refused_until_recovered() -> None:
    finance = make_policy_world()
    # After the transfer, a second certified tax-1@1 reaches the finance chain: its
    # client of tax-1 freezes (the update succeeds: the evidence is its outcome).
    rogue = certify(make_header(1, V, state_root=b"\x09" * 32), V)
    update_client(finance, header_message(rogue))
    assert read_client(finance.harness.state, TAX_CHAIN).is_frozen
    report = verify(export(finance))
    assert_refused(report, ErrorCode.CLIENT_FROZEN, STEP_SOURCE_HEADERS)
    assert f"{TAX_CHAIN}@1" in report.steps[-1].detail
    # The banks' governance restarts the client from tax-1@2; the state keeps tax-1@1.
    assert finance.run(KEY_BANK_B, TX_GOVERN, recovery(finance.world, GOVERNORS)) == 0
    bundle = export(finance)
    assert list(bundle["light_clients"][TAX_CHAIN]["headers"]) == ["1", "2"]
    assert verify(bundle).ok


def test_a_transfer_resting_only_on_old_heights_is_judged_by_its_newest_one() -> None:
    # The finance chain refreshed its clients (up to tax-1@3, industry-1@3) but the transfer
    # discloses at height 1, more than a trusting period before it: the chain accepts
    # (its latest is fresh); offline, the chain's latest at the transfer is not proven,
    # so the trusting period runs from the newest height the transfer uses: expired.
    finance = CertifiedFinance(make_world())
    world = finance.world
    old = world.transfer(headers=[])
    update_client(finance, world.tax.client_header())
    update_client(finance, world.industry.client_header())
    for round_ in (1, 2):
        at = START_MS + round_ * STEP_MS
        for source in (world.tax, world.industry):
            source.commit(time_ms=at)
            finance.harness.time_unix_ms = at + 5_000
            update_client(finance, source.client_header())
    apply(finance)
    assert finance.run(RELAY, TX_TRANSFER, old) == 0
    report = verify(export(finance))
    assert_refused(report, ErrorCode.CLIENT_EXPIRED, STEP_TRANSFER)


# --------------------------------------------------------------------------
# Tampering with the document
# --------------------------------------------------------------------------


def _field(bundle: dict, kind: str, name: str) -> dict:
    for item in bundle["records"][kind]["fields"]["disclosed"]:
        if item["name"] == name:
            return item
    raise AssertionError(f"{kind} discloses no {name}")


def set_value(kind: str, name: str, value: FieldValue) -> Callable[[dict], None]:
    def change(bundle: dict) -> None:
        _field(bundle, kind, name)["value"] = encode_field_value(value).hex()

    return change


def flip_hex(text: str, position: int = 0) -> str:
    """``text`` (hex) with byte ``position`` changed."""
    raw = bytearray(bytes.fromhex(text))
    raw[position] ^= 0x01
    return raw.hex()


def flip_tx(position: int) -> Callable[[dict], None]:
    def change(bundle: dict) -> None:
        transaction = bundle["transaction"]
        transaction["tx"] = flip_hex(transaction["tx"], position)

    return change


def _tax_header_offset() -> int:
    # Where the tax chain's certified header sits inside the transfer's exact bytes.
    tax_header = POLICY_WORLD.world.tax.certified[1].header
    return bytes.fromhex(POLICY_BUNDLE["transaction"]["tx"]).index(tax_header) + 10


def _weak_certificate(height: int) -> str:
    # Two of the four finance validators: not more than 2/3 of the power.
    return sign(POLICY_WORLD.blocks[height].header, FINANCE_KEYS, (0, 1)).hex()


def _set(path: Sequence[object], value: object) -> Callable[[dict], None]:
    def change(bundle: dict) -> None:
        target = bundle
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value

    return change


def _earlier_loan(bundle: dict) -> None:
    # The genuine loan record, but as it stood before the decision (status submitted).
    node = FinanceNode(POLICY_WORLD)
    bundle["records"][KIND_LOAN] = fetch_record_bundle(node, KIND_LOAN, "app-1", height=2)


def _policy_as_loan(bundle: dict) -> None:
    bundle["records"][KIND_LOAN] = bundle["records"][KIND_POLICY]


def _partial_decision(bundle: dict) -> None:
    node = FinanceNode(POLICY_WORLD)
    bundle["records"][KIND_DECISION] = fetch_record_bundle(
        node, KIND_DECISION, POLICY_DECISION, ["decision_id", "outcome"], POLICY_WORLD.height
    )


def _drop_policy(bundle: dict) -> None:
    del bundle["records"][KIND_POLICY]


def flip_proven(
    chain_id: str, part: str, position: int, height: str = "1"
) -> Callable[[dict], None]:
    """Change one byte of a proven light-client value or proof (``part``: value or proof)."""

    def change(bundle: dict) -> None:
        client = bundle["light_clients"][chain_id]
        proven = client["client"] if height == "client" else client["headers"][height]
        proven[part] = flip_hex(proven[part], position)

    return change


def _move_header(bundle: dict) -> None:
    # tax-1's trusted header of height 1, claimed for height 2.
    headers = bundle["light_clients"][TAX_CHAIN]["headers"]
    headers["2"] = headers.pop("1")


def _swap_clients(bundle: dict) -> None:
    clients = bundle["light_clients"]
    clients[TAX_CHAIN], clients[INDUSTRY_CHAIN] = clients[INDUSTRY_CHAIN], clients[TAX_CHAIN]


TAMPERINGS: dict[str, tuple[Callable[[dict], None], ErrorCode, str]] = {
    "a decision's amount": (
        set_value(KIND_DECISION, "amount", 1),
        ErrorCode.RECORD_COMMITMENT_MISMATCH,
        RECORD_STEPS[KIND_DECISION],
    ),
    "a decision's outcome": (
        set_value(KIND_DECISION, "outcome", "rejected"),
        ErrorCode.RECORD_COMMITMENT_MISMATCH,
        RECORD_STEPS[KIND_DECISION],
    ),
    "the data set's records": (
        set_value(KIND_DATA_SET, "records", b"\x0a\x00"),
        ErrorCode.RECORD_COMMITMENT_MISMATCH,
        RECORD_STEPS[KIND_DATA_SET],
    ),
    "the data set's transfer tx id": (
        set_value(KIND_DATA_SET, "transfer_tx", b"\x00" * 32),
        ErrorCode.RECORD_COMMITMENT_MISMATCH,
        RECORD_STEPS[KIND_DATA_SET],
    ),
    "the consent's status": (
        set_value(KIND_CONSENT, "status", "granted"),
        ErrorCode.RECORD_COMMITMENT_MISMATCH,
        RECORD_STEPS[KIND_CONSENT],
    ),
    "the consent's signed bytes": (
        lambda b: _field(b, KIND_CONSENT, "signed_consent").update(
            value=flip_hex(_field(b, KIND_CONSENT, "signed_consent")["value"], 40)
        ),
        ErrorCode.RECORD_COMMITMENT_MISMATCH,
        RECORD_STEPS[KIND_CONSENT],
    ),
    "the policy's rules": (
        set_value(KIND_POLICY, "rules", encode_policy_rules(())),
        ErrorCode.RECORD_COMMITMENT_MISMATCH,
        RECORD_STEPS[KIND_POLICY],
    ),
    "the loan's requested amount": (
        set_value(KIND_LOAN, "amount", 10**12),
        ErrorCode.RECORD_COMMITMENT_MISMATCH,
        RECORD_STEPS[KIND_LOAN],
    ),
    "a record's finance certificate": (
        _set(("records", KIND_DECISION, "certificate"), _weak_certificate(POLICY_WORLD.height)),
        ErrorCode.INSUFFICIENT_VOTING_POWER,
        RECORD_STEPS[KIND_DECISION],
    ),
    "the transfer block's finance certificate": (
        _set(
            ("transaction", "certificate"),
            _weak_certificate(POLICY_BUNDLE["transaction"]["height"]),
        ),
        ErrorCode.INSUFFICIENT_VOTING_POWER,
        STEP_TRANSACTION,
    ),
    "the transfer tx bytes": (flip_tx(3), ErrorCode.MERKLE_ROOT_MISMATCH, STEP_TRANSACTION),
    "a source header inside the transfer": (
        flip_tx(_tax_header_offset()),
        ErrorCode.MERKLE_ROOT_MISMATCH,
        STEP_TRANSACTION,
    ),
    "the inclusion proof": (
        _set(("transaction", "proof", "hashes"), ["00" * 32]),
        ErrorCode.MERKLE_PROOF_LENGTH,
        STEP_TRANSACTION,
    ),
    "the transfer's block height": (
        _set(("transaction", "height"), 1),
        ErrorCode.WRONG_HEIGHT,
        STEP_TRANSACTION,
    ),
    "the reported result": (
        _set(("transaction", "code"), int(ErrorCode.CONSENT_USED)),
        ErrorCode.INVALID_FIELD_VALUE,
        STEP_TRANSACTION,
    ),
    "another decision id": (
        _set(("decision_id",), "app-2:policy"),
        ErrorCode.INVALID_FIELD_VALUE,
        STEP_LINKS,
    ),
    "the policy left out": (_drop_policy, ErrorCode.INVALID_FIELD_VALUE, STEP_LINKS),
    "the loan as it stood earlier": (
        _earlier_loan,
        ErrorCode.WRONG_HEIGHT,
        RECORD_STEPS[KIND_LOAN],
    ),
    "another kind under a record's name": (
        _policy_as_loan,
        ErrorCode.MALFORMED_INPUT,
        RECORD_STEPS[KIND_LOAN],
    ),
    "a decision disclosing only some fields": (
        _partial_decision,
        ErrorCode.MALFORMED_INPUT,
        RECORD_STEPS[KIND_DECISION],
    ),
    "a record bundle with pieces missing": (
        _set(("records", KIND_CONSENT), {"format": "consortium/record-bundle/v1"}),
        ErrorCode.BUNDLE_MALFORMED,
        RECORD_STEPS[KIND_CONSENT],
    ),
    "a trusted header's value": (
        flip_proven(TAX_CHAIN, "value", 40),
        ErrorCode.STATE_VALUE_MISMATCH,
        STEP_SOURCE_HEADERS,
    ),
    "a client state's value": (
        flip_proven(INDUSTRY_CHAIN, "value", 2, "client"),
        ErrorCode.STATE_VALUE_MISMATCH,
        STEP_SOURCE_HEADERS,
    ),
    "a trusted header's proof": (
        flip_proven(TAX_CHAIN, "proof", -1),
        ErrorCode.STATE_ROOT_MISMATCH,
        STEP_SOURCE_HEADERS,
    ),
    "a trusted header claimed for another height": (
        _move_header,
        ErrorCode.STATE_PROOF_MALFORMED,
        STEP_SOURCE_HEADERS,
    ),
    "one chain's client claimed for another": (
        _swap_clients,
        ErrorCode.STATE_PROOF_MALFORMED,
        STEP_SOURCE_HEADERS,
    ),
    "a client left out": (
        lambda b: b["light_clients"].pop(INDUSTRY_CHAIN),
        ErrorCode.CLIENT_NOT_FOUND,
        STEP_SOURCE_HEADERS,
    ),
    "a client's latest trusted header left out": (
        _set(("light_clients", TAX_CHAIN, "headers"), {}),
        ErrorCode.MALFORMED_INPUT,
        STEP_SOURCE_HEADERS,
    ),
}


@pytest.mark.parametrize("name", list(TAMPERINGS))
def test_tampering_with_any_part_is_refused_with_its_code(name: str) -> None:
    change, code, step = TAMPERINGS[name]
    bundle = copy.deepcopy(POLICY_BUNDLE)
    change(bundle)
    assert_refused(verify(bundle), code, step)


MALFORMED: dict[str, Callable[[dict], object]] = {
    "not JSON": lambda b: "{not json",
    "a list": lambda b: [b],
    "no transaction": lambda b: {k: v for k, v in b.items() if k != "transaction"},
    "an unknown key": lambda b: {**b, "note": "trust me"},
    "another format": lambda b: {**b, "format": "consortium/record-bundle/v1"},
    "a height as text": lambda b: {**b, "height": "9"},
    "an empty decision id": lambda b: {**b, "decision_id": ""},
    "a lone surrogate": lambda b: {**b, "decision_id": "\ud800"},
    "no consent record": lambda b: {
        **b,
        "records": {k: v for k, v in b["records"].items() if k != KIND_CONSENT},
    },
    "an unknown record": lambda b: {**b, "records": {**b["records"], "invoice": {}}},
    "a record that is not a bundle": lambda b: {**b, "records": {**b["records"], "loan": "x"}},
    "uppercase hex": lambda b: {
        **b,
        "transaction": {**b["transaction"], "tx": b["transaction"]["tx"].upper()},
    },
    "odd hex": lambda b: {**b, "transaction": {**b["transaction"], "header": "abc"}},
    "proof hashes not a list": lambda b: {
        **b,
        "transaction": {**b["transaction"], "proof": {**b["transaction"]["proof"], "hashes": "00"}},
    },
    "a negative leaf index": lambda b: {
        **b,
        "transaction": {
            **b["transaction"],
            "proof": {**b["transaction"]["proof"], "leaf_index": -1},
        },
    },
    "a huge height": lambda b: {**b, "transaction": {**b["transaction"], "height": 1 << 64}},
    "a boolean code": lambda b: {**b, "transaction": {**b["transaction"], "code": False}},
    "no light clients": lambda b: {k: v for k, v in b.items() if k != "light_clients"},
    "light clients as a list": lambda b: {**b, "light_clients": [b["light_clients"]]},
    "a client without headers": lambda b: {
        **b,
        "light_clients": {TAX_CHAIN: {"client": b["light_clients"][TAX_CHAIN]["client"]}},
    },
    "headers as a list": lambda b: {
        **b,
        "light_clients": {
            TAX_CHAIN: {**b["light_clients"][TAX_CHAIN], "headers": [{"value": "", "proof": ""}]}
        },
    },
    **{
        f"a height spelt {key!r}": (
            lambda b, key=key: {
                **b,
                "light_clients": {
                    TAX_CHAIN: {
                        **b["light_clients"][TAX_CHAIN],
                        "headers": {key: b["light_clients"][TAX_CHAIN]["headers"]["1"]},
                    }
                },
            }
        )
        for key in ("01", "+1", "-1", "1.0", " 1", "one", str(1 << 64), "")
    },
    "a proven value in uppercase hex": lambda b: {
        **b,
        "light_clients": {
            TAX_CHAIN: {
                **b["light_clients"][TAX_CHAIN],
                "client": {
                    **b["light_clients"][TAX_CHAIN]["client"],
                    "value": b["light_clients"][TAX_CHAIN]["client"]["value"].upper(),
                },
            }
        },
    },
    "a proven value with an extra key": lambda b: {
        **b,
        "light_clients": {
            TAX_CHAIN: {
                **b["light_clients"][TAX_CHAIN],
                "client": {**b["light_clients"][TAX_CHAIN]["client"], "height": 1},
            }
        },
    },
    "an empty chain id": lambda b: {**b, "light_clients": {"": {}}},
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_a_malformed_document_is_refused_as_malformed_input(name: str) -> None:
    document = MALFORMED[name](copy.deepcopy(POLICY_BUNDLE))
    assert_refused(verify(document), ErrorCode.MALFORMED_INPUT, STEP_FORMAT)


# --------------------------------------------------------------------------
# A wrong trust anchor
# --------------------------------------------------------------------------


def _relay_section(**changes: object) -> dict:
    section = copy.deepcopy(RELAY_SECTION)
    for client in section["light_clients"]:
        client.update(changes)
    return section


GENESES: dict[str, tuple[Genesis, ErrorCode, str]] = {
    "another chain's genesis": (
        replace(GENESIS, chain_id=ChainId("tax-1")),
        ErrorCode.WRONG_CHAIN_ID,
        STEP_FORMAT,
    ),
    "other finance validators": (
        replace(GENESIS, validators=make_keys(4001, 4002, 4003, 4004).validators),
        ErrorCode.BUNDLE_ANCHOR_MISMATCH,
        RECORD_STEPS[KIND_DECISION],
    ),
    "no light clients": (
        replace(GENESIS, app_state={"organisations": APP_STATE["organisations"]}),
        ErrorCode.INVALID_CONFIG,
        STEP_SOURCE_HEADERS,
    ),
    "another application": (
        replace(GENESIS, app="tax"),
        ErrorCode.INVALID_CONFIG,
        STEP_SOURCE_HEADERS,
    ),
}


@pytest.mark.parametrize("name", list(GENESES))
def test_a_wrong_genesis_is_refused(name: str) -> None:
    genesis, code, step = GENESES[name]
    assert_refused(verify(POLICY_BUNDLE, genesis), code, step)


def test_the_genesis_source_anchors_only_name_the_genesis_set_and_periods_come_from_state() -> None:
    # The light clients are the finance state's, not rebuilt from the genesis anchors:
    # a genesis naming another source set only changes the note, and a trusting period
    # of 1 ms in the genesis changes nothing (the proven client state holds the period).
    other_set = replace(
        GENESIS, app_state={**APP_STATE, "relay": _relay_section(validators_hash=W.hash.hex())}
    )
    report = verify(POLICY_BUNDLE, other_set)
    assert report.ok, report.steps[-1]
    tax = next(h for h in report.source_headers if h.chain_id == TAX_CHAIN)
    assert tax.carried and not tax.genesis_set  # tax-1 is signed by V, the genesis names W
    industry = next(h for h in report.source_headers if h.chain_id == INDUSTRY_CHAIN)
    assert industry.genesis_set  # W signs industry-1: its genesis set by chance
    assert f"other than {TAX_CHAIN}'s genesis set" in step_detail(report, STEP_SOURCE_HEADERS)
    short = replace(GENESIS, app_state={**APP_STATE, "relay": _relay_section(trusting_period_ms=1)})
    assert verify(POLICY_BUNDLE, short).ok


def test_an_identity_client_missing_from_the_genesis_is_refused() -> None:
    section = copy.deepcopy(RELAY_SECTION)
    section["light_clients"] = [c for c in section["light_clients"] if c["chain_id"] == TAX_CHAIN]
    genesis = replace(GENESIS, app_state={**APP_STATE, "relay": section})
    assert_refused(verify(POLICY_BUNDLE, genesis), ErrorCode.CLIENT_NOT_FOUND, STEP_SOURCE_HEADERS)


# --------------------------------------------------------------------------
# A certified finance state that lies: the re-checks refuse it
# --------------------------------------------------------------------------


def _forged_transfer(finance: CertifiedFinance, payload: finance_pb2.RelayTransfer) -> bytes:
    """The raw transfer transaction ``payload`` put in a forged block that claims it created
    the data set and the policy decided with it."""
    raw = finance.harness.make_tx(RELAY, TX_TRANSFER, payload)
    height = finance.next_height
    finance.forge(
        {
            (KIND_DATA_SET, DATA_SET_ID): {
                "transfer_tx": compute_tx_id(raw),
                "verified_height": height,
                "verified_time_ms": finance.next_time,
            },
            (KIND_DECISION, POLICY_DECISION): {"decided_height": height},
            (KIND_LOAN, "app-1"): {"decided_height": height},
        },
        [raw],
    )
    return raw


def test_a_transfer_whose_source_header_is_not_certified_is_refused() -> None:
    finance = make_policy_world()
    world = finance.world
    # The very tax header the finance state trusts, but signed by two of its four
    # validators: the finance quorum forged a block claiming that this transfer created
    # the data set. The state's word alone does not make the carried certificate good.
    weak = certify(make_header(1, V, state_root=world.tax.tree.get_root(1)), V, (0, 1))
    assert weak.header == world.tax.certified[1].header
    payload = world.transfer(headers=[header_message(weak), world.industry.client_header()])
    _forged_transfer(finance, payload)
    report = verify(export(finance))
    assert_refused(report, ErrorCode.INSUFFICIENT_VOTING_POWER, STEP_SOURCE_HEADERS)
    assert f"{TAX_CHAIN}@1" in report.steps[-1].detail


def test_a_transfer_header_whose_set_is_not_the_one_it_names_is_refused() -> None:
    finance = make_policy_world()
    world = finance.world
    # The trusted tax header, signed by V, but carried with W's validator set.
    other = certify(make_header(1, V, state_root=world.tax.tree.get_root(1)), V, validator_set=W)
    payload = world.transfer(headers=[header_message(other), world.industry.client_header()])
    _forged_transfer(finance, payload)
    report = verify(export(finance))
    assert_refused(report, ErrorCode.VALIDATORS_HASH_MISMATCH, STEP_SOURCE_HEADERS)


def test_a_transfer_header_other_than_the_one_the_finance_chain_trusted_is_refused() -> None:
    finance = make_policy_world()
    world = finance.world
    # A different tax-1@1, certified by tax-1's validators all the same (they signed
    # twice): the finance chain trusted the other one, so no honest finance chain took
    # this transfer (its client would have frozen instead).
    rogue = certify(make_header(1, V, state_root=b"\x09" * 32), V)
    payload = world.transfer(headers=[header_message(rogue), world.industry.client_header()])
    _forged_transfer(finance, payload)
    report = verify(export(finance))
    assert_refused(report, ErrorCode.BLOCK_HASH_MISMATCH, STEP_SOURCE_HEADERS)
    assert f"{TAX_CHAIN}@1" in report.steps[-1].detail


def test_a_transfer_resting_on_a_height_the_finance_chain_never_trusted_is_refused() -> None:
    finance = make_policy_world()
    world = finance.world
    world.industry.commit()  # industry-1@2: never given to the finance chain
    _forged_transfer(finance, world.transfer(headers=[world.tax.client_header()]))
    bundle = export(finance)
    assert list(bundle["light_clients"][INDUSTRY_CHAIN]["headers"]) == ["1"]  # only the latest
    report = verify(bundle)
    assert_refused(report, ErrorCode.CONSENSUS_STATE_NOT_FOUND, STEP_SOURCE_HEADERS)
    assert f"{INDUSTRY_CHAIN}@2" in report.steps[-1].detail


def test_a_transaction_that_is_not_a_transfer_is_refused() -> None:
    finance = make_policy_world()
    raw = b"\x0a\x03abc"  # in the block, but not a signed transaction
    finance.forge(
        {
            (KIND_DATA_SET, DATA_SET_ID): {
                "transfer_tx": compute_sha256(raw),
                "verified_height": finance.next_height,
                "verified_time_ms": finance.next_time,
            },
            (KIND_DECISION, POLICY_DECISION): {"decided_height": finance.next_height},
            (KIND_LOAN, "app-1"): {"decided_height": finance.next_height},
        },
        [raw],
    )
    assert_refused(verify(export(finance)), ErrorCode.MALFORMED_INPUT, STEP_TRANSACTION)


def test_a_data_set_that_is_not_what_the_transfer_proves_is_refused() -> None:
    finance = make_policy_world()
    stored = read_record(finance.harness.state, KIND_DATA_SET, DATA_SET_ID)
    records = finance_pb2.DataSetRecords.FromString(stored.get("records"))
    for item in records.records[0].fields:
        if item.name == "tax_paid":
            item.value = encode_field_value(10**13)
    finance.forge({(KIND_DATA_SET, DATA_SET_ID): {"records": records.SerializeToString()}})
    report = verify(export(finance))
    assert_refused(report, ErrorCode.STATE_VALUE_MISMATCH, STEP_TRANSFER)
    assert "disclosed values" in report.steps[-1].detail


def test_a_decision_that_is_not_what_the_policy_gives_is_refused() -> None:
    finance = make_policy_world()
    amount = read_record(finance.harness.state, KIND_DECISION, POLICY_DECISION).get("amount")
    finance.forge(
        {
            (KIND_DECISION, POLICY_DECISION): {"amount": amount + 100},
            (KIND_LOAN, "app-1"): {"decided_amount": amount + 100},
        }
    )
    report = verify(export(finance))
    assert_refused(report, ErrorCode.STATE_VALUE_MISMATCH, STEP_DECISION)
    assert "amount" in report.steps[-1].detail


def test_a_policy_whose_rules_would_have_rejected_is_refused() -> None:
    finance = make_policy_world()
    rules = finance_pb2.PolicyRules(
        rules=[make_rule("tax.vat_paid_total", ">=", 10**15, "VAT paid too low")]
    )
    policy_id = get_policy_record_id(BANK_A, POLICY_ID)
    finance.forge({(KIND_POLICY, policy_id): {"rules": rules.SerializeToString()}})
    report = verify(export(finance))
    assert_refused(report, ErrorCode.STATE_VALUE_MISMATCH, STEP_DECISION)


def test_a_policy_with_undecodable_rules_is_malformed() -> None:
    finance = make_policy_world()
    policy_id = get_policy_record_id(BANK_A, POLICY_ID)
    finance.forge({(KIND_POLICY, policy_id): {"rules": b"\xff\xff"}})
    assert_refused(verify(export(finance)), ErrorCode.MALFORMED_INPUT, STEP_DECISION)


def test_a_consent_that_is_not_marked_used_is_refused() -> None:
    finance = make_policy_world()
    finance.forge({(KIND_CONSENT, DATA_SET_ID): {"status": "granted"}})
    report = verify(export(finance))
    assert_refused(report, ErrorCode.INVALID_FIELD_VALUE, STEP_LINKS)
    assert "status" in report.steps[-1].detail


def test_a_consent_record_of_other_bytes_than_the_transfer_carried_is_refused() -> None:
    finance = make_policy_world()
    other = finance.world.consent_bytes(purpose="something else")
    finance.forge({(KIND_CONSENT, DATA_SET_ID): {"signed_consent": other}})
    report = verify(export(finance))
    assert_refused(report, ErrorCode.STATE_VALUE_MISMATCH, STEP_TRANSFER)


# --------------------------------------------------------------------------
# Never raises (Hypothesis)
# --------------------------------------------------------------------------


def _hex_paths(document: object, prefix: tuple = ()) -> list[tuple]:
    # Every string that holds bytes as hex: exactly the parts an attacker would edit.
    paths: list[tuple] = []
    if isinstance(document, dict):
        for key, value in document.items():
            paths += _hex_paths(value, (*prefix, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            paths += _hex_paths(value, (*prefix, index))
    elif (
        isinstance(document, str)
        and document
        and prefix[-1] not in ("format", "chain_id", "kind", "id", "name", "decision_id")
    ):
        try:
            bytes.fromhex(document)
        except ValueError:
            return []
        paths.append(prefix)
    return paths


def _all_paths(document: object, prefix: tuple = ()) -> list[tuple]:
    paths = [prefix] if prefix else []
    if isinstance(document, dict):
        for key, value in document.items():
            paths += _all_paths(value, (*prefix, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            paths += _all_paths(value, (*prefix, index))
    return paths


HEX_PATHS = _hex_paths(POLICY_BUNDLE)
ALL_PATHS = _all_paths(POLICY_BUNDLE)


def _get(document: object, path: Sequence[object]) -> object:
    for part in path:
        document = document[part]  # type: ignore[index]
    return document


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(HEX_PATHS), st.data())
def test_a_random_byte_flip_in_any_hex_never_raises_and_never_verifies(
    path: tuple, data: st.DataObject
) -> None:
    bundle = copy.deepcopy(POLICY_BUNDLE)
    raw = bytes.fromhex(_get(bundle, path))  # type: ignore[arg-type]
    position = data.draw(st.integers(0, len(raw) - 1), label="position")
    mask = data.draw(st.integers(1, 255), label="mask")
    changed = bytearray(raw)
    changed[position] ^= mask
    _set(path, changed.hex())(bundle)
    assert not verify(bundle).ok
    assert not verify(json.dumps(bundle)).ok


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=10,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(ALL_PATHS), json_values)
def test_any_value_replaced_never_raises_and_verifies_only_if_unchanged(
    path: tuple, value: object
) -> None:
    bundle = copy.deepcopy(POLICY_BUNDLE)
    old = _get(bundle, path)
    _set(path, value)(bundle)
    if verify(bundle).ok:
        assert value == old and type(value) is type(old)


@settings(max_examples=100, deadline=None)
@given(json_values)
def test_random_documents_never_raise(document: object) -> None:
    assert not verify(document).ok
    assert not verify(json.dumps(document)).ok


# --------------------------------------------------------------------------
# consortium verify recognises an audit bundle
# --------------------------------------------------------------------------


def test_consortium_verify_needs_the_finance_genesis_for_an_audit_bundle(tmp_path) -> None:
    path = tmp_path / "audit.json"
    path.write_text(json.dumps(POLICY_BUNDLE))
    result = CliRunner().invoke(cli_app, ["verify", str(path)])
    assert result.exit_code == 2, result.output
    assert "--genesis" in result.output


def test_consortium_verify_still_checks_record_bundles_as_before(tmp_path) -> None:
    path = tmp_path / "decision.json"
    path.write_text(json.dumps(POLICY_BUNDLE["records"][KIND_DECISION]))
    result = CliRunner().invoke(cli_app, ["verify", str(path)])
    assert result.exit_code == 0, result.output
    assert f"authentic: decision {POLICY_DECISION}" in result.output
