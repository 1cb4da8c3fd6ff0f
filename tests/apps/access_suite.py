"""The access checks every application chain shares, written once.

Who may send each transaction type, and what is refused before any business
rule: other roles, suspended and unknown senders, undecodable payloads,
replays and transactions signed for another chain. A chain's tests describe
their chain once as a :class:`ChainWorld` and call one ``check_*`` function
per (parametrized) test; each function asserts, so each test can fail.

Also the generic helpers these checks need (and other tests use): the role
names, snapshot comparison and suspension by governance.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import pytest
from google.protobuf.message import Message

from chains.apps.framework import ConsortiumApplication
from chains.apps.membership import TX_GOVERN, make_governance_action
from chains.core.app import get_nonce_key
from chains.core.crypto import Ed25519KeyPair
from chains.core.errors import ConsortiumError, ErrorCode
from consortium.v1 import membership_pb2
from tests.apps.harness import AppHarness, assert_refused, make_key

ALL_ROLES = (
    "tax_bureau",
    "public_security",
    "customs",
    "central_bank",
    "industry_association",
    "enterprise_federation",
    "bank",
    "enterprise",
    "auditor",
)

MEMBERSHIP_TX_TYPES = ("member.account.add", "member.enterprise.register", "member.govern")
"""The membership types every application includes next to its own."""

GARBAGE_PAYLOADS = (b"\x0a\xff", b"\xff\xff\xff", b"\x08")
"""Payloads no message type decodes (truncated length, bad tag, truncated varint)."""


def get_changed_keys(before: Mapping[bytes, bytes], after: Mapping[bytes, bytes]) -> set[bytes]:
    """The keys whose value differs between two snapshots (added, removed or changed)."""
    return {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}


def assert_only_nonce_changed(
    before: Mapping[bytes, bytes], after: Mapping[bytes, bytes], key: Ed25519KeyPair
) -> None:
    """Nothing but ``key``'s nonce differs between the snapshots."""
    assert get_changed_keys(before, after) == {get_nonce_key(key.public_key)}


def assert_refused_unchanged(
    harness: AppHarness, key: Ed25519KeyPair, tx_type: str, payload: Message, code: ErrorCode
) -> None:
    """The transaction fails with ``code`` in a block and writes nothing but its nonce."""
    before = harness.snapshot()
    assert_refused(harness.run(key, tx_type, payload), code)
    assert_only_nonce_changed(before, harness.snapshot(), key)


def suspend(
    harness: AppHarness,
    organisation_id: str,
    approvers: Sequence[Ed25519KeyPair],
    sender: Ed25519KeyPair,
) -> None:
    """Suspend ``organisation_id``: ``approvers`` sign the proposal, ``sender`` sends it."""
    proposal = membership_pb2.GovernanceProposal(
        chain_id=harness.chain_id,
        proposal_id=f"suspend-{organisation_id}",
        expires_at_unix_ms=harness.time_unix_ms + 10**9,
        suspend_member=membership_pb2.SetMemberStatus(
            organisation_id=organisation_id, reason="test"
        ),
    )
    result = harness.run(sender, TX_GOVERN, make_governance_action(proposal, approvers))
    assert result.ok, result.message


@dataclass(frozen=True)
class ChainWorld:
    """One chain under test, as the shared checks need it."""

    application: ConsortiumApplication
    allowed_role: Mapping[str, str]
    """The one role that may send each of the application's own transaction types."""
    keys: Mapping[str, Ed25519KeyPair]
    """An account key of the genesis organisation of each role in :data:`ALL_ROLES`."""
    org_ids: Mapping[str, str]
    """The id of the genesis organisation of each role."""
    valid_payloads: Mapping[str, Callable[[], Message]]
    """For each own type, a maker of a payload the allowed role may send after ``prepare``."""
    make_harness: Callable[[], AppHarness]
    """A fresh chain at genesis."""
    prepare: Callable[[AppHarness, str], None]
    """Create in the harness what the valid payload of a type needs (a record it refers to)."""
    governors: Sequence[Ed25519KeyPair]
    """Keys whose approvals suspend a member."""
    governance_sender: Ed25519KeyPair
    """The key that sends the suspension."""
    foreign_chain_id: str
    """The id of another chain, whose transactions this one must refuse."""
    open_tx_types: Sequence[str] = ()
    """Own types any member may send (the finance chain's relay types), tested apart."""

    @property
    def tx_types(self) -> list[str]:
        """The application's own transaction types, sorted."""
        return sorted(self.allowed_role)

    def get_forbidden(self) -> list[tuple[str, str]]:
        """Every (type, role) where ``role`` may not send ``type``."""
        return [
            (tx_type, role)
            for tx_type in self.tx_types
            for role in ALL_ROLES
            if role != self.allowed_role[tx_type]
        ]

    def get_allowed_key(self, tx_type: str) -> Ed25519KeyPair:
        """The key of the organisation whose role may send ``tx_type``."""
        return self.keys[self.allowed_role[tx_type]]


def check_application_types(world: ChainWorld) -> None:
    """The application has exactly its own types and the membership types."""
    assert world.application.get_tx_types() == sorted(
        [*world.allowed_role, *world.open_tx_types, *MEMBERSHIP_TX_TYPES]
    )


def check_allowed_role_succeeds(world: ChainWorld, tx_type: str) -> None:
    """The allowed role's valid transaction succeeds and writes more than its nonce."""
    harness = world.make_harness()
    world.prepare(harness, tx_type)
    before = harness.snapshot()
    result = harness.run(world.get_allowed_key(tx_type), tx_type, world.valid_payloads[tx_type]())
    assert result.ok, result.message
    assert len(get_changed_keys(before, harness.snapshot())) > 1


def check_other_role_refused(world: ChainWorld, tx_type: str, role: str) -> None:
    """Sent by ``role``, the valid transaction is refused by the mempool (nothing changes)
    and, included anyway by a faulty proposer, fails in execution (only the nonce moves)."""
    harness = world.make_harness()
    world.prepare(harness, tx_type)
    key = world.keys[role]
    payload = world.valid_payloads[tx_type]()
    before = harness.snapshot()
    raw = harness.make_tx(key, tx_type, payload)
    assert_refused(harness.admit(raw), ErrorCode.ROLE_NOT_ALLOWED)
    assert harness.snapshot() == before
    # A faulty proposer may include it anyway: execution refuses it too.
    assert_refused(harness.execute(key, tx_type, payload), ErrorCode.ROLE_NOT_ALLOWED)
    assert_only_nonce_changed(before, harness.snapshot(), key)


def check_suspended_organisation_refused(world: ChainWorld, tx_type: str) -> None:
    """Once the allowed role's organisation is suspended, its valid transaction is refused
    in a block (nothing changes) and fails in execution (only the nonce moves)."""
    harness = world.make_harness()
    world.prepare(harness, tx_type)
    role = world.allowed_role[tx_type]
    key = world.keys[role]
    suspend(harness, world.org_ids[role], world.governors, world.governance_sender)
    payload = world.valid_payloads[tx_type]()
    before = harness.snapshot()
    assert_refused(harness.run(key, tx_type, payload), ErrorCode.MEMBER_SUSPENDED)
    assert harness.snapshot() == before
    assert_refused(harness.execute(key, tx_type, payload), ErrorCode.MEMBER_SUSPENDED)
    assert_only_nonce_changed(before, harness.snapshot(), key)


def check_unknown_key_refused(world: ChainWorld, tx_type: str) -> None:
    """A key of no member is refused in a block (nothing changes) and fails in execution
    (only its nonce moves)."""
    harness = world.make_harness()
    world.prepare(harness, tx_type)
    stranger = make_key("stranger")
    payload = world.valid_payloads[tx_type]()
    before = harness.snapshot()
    assert_refused(harness.run(stranger, tx_type, payload), ErrorCode.UNKNOWN_ACCOUNT)
    assert harness.snapshot() == before
    assert_refused(harness.execute(stranger, tx_type, payload), ErrorCode.UNKNOWN_ACCOUNT)
    assert_only_nonce_changed(before, harness.snapshot(), stranger)


def check_undecodable_payload_malformed(world: ChainWorld, tx_type: str, garbage: bytes) -> None:
    """The mempool refuses an undecodable payload as malformed; a block including it is
    invalid (a MALFORMED_INPUT in it), and nothing changes."""
    harness = world.make_harness()
    key = world.get_allowed_key(tx_type)
    before = harness.snapshot()
    assert_refused(harness.admit(harness.make_tx(key, tx_type, garbage)), ErrorCode.MALFORMED_INPUT)
    with pytest.raises(ConsortiumError) as raised:
        harness.execute(key, tx_type, garbage)
    assert raised.value.code == ErrorCode.INVALID_BLOCK
    assert "MALFORMED_INPUT" in raised.value.message
    assert harness.snapshot() == before


def check_replay_stale(world: ChainWorld, tx_type: str) -> None:
    """A transaction already executed is refused as stale by the mempool, makes a block
    that includes it again invalid, and changes nothing the second time."""
    harness = world.make_harness()
    world.prepare(harness, tx_type)
    key = world.get_allowed_key(tx_type)
    raw = harness.make_tx(key, tx_type, world.valid_payloads[tx_type]())
    assert harness.admit(raw).ok
    assert harness.run_block([raw])[0].ok
    before = harness.snapshot()
    assert_refused(harness.admit(raw), ErrorCode.STALE_NONCE)
    with pytest.raises(ConsortiumError) as raised:
        harness.run_block([raw])
    assert raised.value.code == ErrorCode.INVALID_BLOCK
    assert "STALE_NONCE" in raised.value.message
    assert harness.snapshot() == before


def check_foreign_chain_refused(world: ChainWorld, tx_type: str) -> None:
    """A valid transaction signed for another chain is refused by the mempool and makes a
    block that includes it fail with WRONG_CHAIN_ID; nothing changes."""
    harness = world.make_harness()
    world.prepare(harness, tx_type)
    key = world.get_allowed_key(tx_type)
    payload = world.valid_payloads[tx_type]()
    raw = harness.make_tx(key, tx_type, payload, chain_id=world.foreign_chain_id)
    before = harness.snapshot()
    assert_refused(harness.admit(raw), ErrorCode.WRONG_CHAIN_ID)
    with pytest.raises(ConsortiumError) as raised:
        harness.run_block([raw])
    assert raised.value.code == ErrorCode.WRONG_CHAIN_ID
    assert harness.snapshot() == before
