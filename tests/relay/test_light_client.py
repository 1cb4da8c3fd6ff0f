"""The light client: what it trusts, what it refuses (each with its code), when it freezes."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chains.core.consensus.validators import encode_validator_set
from chains.core.errors import ConsortiumError, ErrorCode
from chains.core.state_tree import StateTree
from chains.core.types import ChainId, Height, Version
from relay.light_client import (
    CertifiedHeader,
    LightClient,
    create_client,
    create_genesis_client,
    recover_client,
    submit_misbehaviour,
    update_client,
    verify_membership,
)

from .support import (
    BLOCK_MS,
    CHAIN,
    START_MS,
    V,
    W,
    certify,
    make_header,
    make_keys,
    sign,
)

TRUSTING_MS = 3_600_000  # one hour
DRIFT_MS = 10_000
NOW = START_MS + 100 * BLOCK_MS  # well after every header used here, well inside the period


def new_client(height: int = 10, keys=V) -> LightClient:
    """A client trusting height ``height`` of the tax chain, signed by ``keys``."""
    return create_client(CHAIN, certify(make_header(height, keys), keys), TRUSTING_MS, DRIFT_MS)


CLIENT = new_client()


def assert_refused(client: LightClient, submitted: CertifiedHeader, code: ErrorCode, now=NOW):
    outcome = update_client(client, submitted, now)
    assert outcome.verdict.code == code, outcome.verdict
    assert outcome.client == client and not outcome.froze  # nothing changed


# Accepted updates.


def test_the_next_header_signed_by_the_trusted_set_is_trusted() -> None:
    outcome = update_client(CLIENT, certify(make_header(11)), NOW)
    assert outcome.verdict.ok and not outcome.froze
    client = outcome.client
    assert client.latest_height == 11 and set(client.trusted) == {10, 11}
    assert client.latest.header_hash == make_header(11).hash
    assert client.latest.state_root == make_header(11).state_root


def test_a_later_header_is_trusted_while_the_same_set_signs() -> None:
    outcome = update_client(CLIENT, certify(make_header(50), signers=(1, 2, 3)), NOW)
    assert outcome.verdict.ok and outcome.client.latest_height == 50


def test_a_new_validator_set_is_trusted_only_through_next_validators_hash() -> None:
    # Height 11 (signed by V) hands over to W; W may then sign 12, not before.
    assert_refused(CLIENT, certify(make_header(11, W), W), ErrorCode.UNTRUSTED_VALIDATOR_SET)
    handover = update_client(CLIENT, certify(make_header(11, V, next_keys=W)), NOW)
    assert handover.verdict.ok
    client = handover.client
    assert update_client(client, certify(make_header(12, W), W), NOW).verdict.ok
    # ... and the old set can no longer sign.
    assert_refused(client, certify(make_header(12, V)), ErrorCode.UNTRUSTED_VALIDATOR_SET)


# Headers refused, each with its code, changing nothing.


def test_two_thirds_or_less_of_the_power_is_not_enough() -> None:
    assert_refused(
        CLIENT, certify(make_header(11), signers=(0, 1)), ErrorCode.INSUFFICIENT_VOTING_POWER
    )
    # Exactly two thirds: 20 of 30.
    three = make_keys(3001, 3002, 3003)
    client = new_client(keys=three)
    assert_refused(
        client,
        certify(make_header(11, three), three, signers=(0, 1)),
        ErrorCode.INSUFFICIENT_VOTING_POWER,
    )
    assert update_client(client, certify(make_header(11, three), three), NOW).verdict.ok


def test_an_unknown_signer_is_refused() -> None:
    header = make_header(11)
    too_long = CertifiedHeader(
        header.raw, sign(header, V, (0, 1, 2), bitmap=b"\x07\x00"), certify(header).validator_set
    )
    assert_refused(CLIENT, too_long, ErrorCode.UNKNOWN_SIGNER)
    # A signer from outside the set: a fifth key signs in place of validator 2.
    outsider = make_keys(1001, 1002, 9999, 1004)
    forged = CertifiedHeader(
        header.raw, sign(header, outsider, (0, 1, 2)), certify(header).validator_set
    )
    assert_refused(CLIENT, forged, ErrorCode.BAD_SIGNATURE)


def test_a_signer_counted_twice_is_refused() -> None:
    # A chain whose set lists one key twice: its power may not count twice.
    doubled = make_keys(1001, 1002, 1003, 1001)
    client = new_client(keys=doubled)
    assert_refused(
        client,
        certify(make_header(11, doubled), doubled, signers=(0, 1, 3)),
        ErrorCode.DUPLICATE_SIGNER,
    )


def test_a_header_of_another_chain_is_refused() -> None:
    assert_refused(
        CLIENT, certify(make_header(11, chain_id="industry-1")), ErrorCode.WRONG_CHAIN_ID
    )


def test_a_validator_set_that_is_not_the_headers_is_refused() -> None:
    # The header names V, but the relayer hands over W's set (and W's signatures).
    header = make_header(11)
    swapped = CertifiedHeader(
        header.raw, sign(header, W, (0, 1, 2)), encode_validator_set(W.validators)
    )
    assert_refused(CLIENT, swapped, ErrorCode.VALIDATORS_HASH_MISMATCH)
    # A header naming a set the client was never handed.
    assert_refused(
        CLIENT,
        certify(make_header(11, validators_hash=b"\x09" * 32)),
        ErrorCode.UNTRUSTED_VALIDATOR_SET,
    )


def test_a_header_too_far_in_the_future_is_refused() -> None:
    header = make_header(11, time_ms=NOW + DRIFT_MS + 1)
    assert_refused(CLIENT, certify(header), ErrorCode.HEADER_FROM_FUTURE)
    at_the_limit = make_header(11, time_ms=NOW + DRIFT_MS)
    assert update_client(CLIENT, certify(at_the_limit), NOW).verdict.ok


def test_heights_and_times_only_move_forward() -> None:
    client = update_client(CLIENT, certify(make_header(20)), NOW).client
    assert_refused(client, certify(make_header(15)), ErrorCode.HEADER_NOT_NEWER)
    assert_refused(client, certify(make_header(20)), ErrorCode.HEADER_NOT_NEWER)  # again
    same_time = make_header(21, time_ms=client.latest.time_unix_ms)
    assert_refused(client, certify(same_time), ErrorCode.HEADER_TIME_NOT_MONOTONIC)


@pytest.mark.parametrize("part", ["header", "certificate", "validator_set"])
def test_bytes_that_do_not_decode_are_refused(part: str) -> None:
    good = certify(make_header(11))
    broken = CertifiedHeader(
        **{
            name: b"\xff\x00" if name == part else getattr(good, name)
            for name in ("header", "certificate", "validator_set")
        }
    )
    outcome = update_client(CLIENT, broken, NOW)
    assert not outcome.verdict.ok and outcome.client == CLIENT
    assert update_client(CLIENT, "not a header", NOW).verdict.code == ErrorCode.MALFORMED_INPUT  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_tampering_with_any_byte_is_never_accepted(data: st.DataObject) -> None:
    good = certify(make_header(11))
    part = data.draw(st.sampled_from(["header", "certificate"]))
    raw = getattr(good, part)
    index = data.draw(st.integers(0, len(raw) - 1))
    flip = data.draw(st.integers(1, 255))
    tampered = raw[:index] + bytes([raw[index] ^ flip]) + raw[index + 1 :]
    fields = {"header": good.header, "certificate": good.certificate}
    fields[part] = tampered
    outcome = update_client(
        CLIENT, CertifiedHeader(fields["header"], fields["certificate"], good.validator_set), NOW
    )
    # A flipped byte may still decode to an equally valid header only if it changed
    # nothing that is signed; the header's bytes are all signed, so it must be refused.
    assert not outcome.verdict.ok
    assert outcome.client == CLIENT


# Freezing on misbehaviour.


def test_a_conflicting_certified_header_at_a_trusted_height_freezes_the_client() -> None:
    client = update_client(CLIENT, certify(make_header(11)), NOW).client
    fork = certify(make_header(11, state_root=b"\x66" * 32), signers=(1, 2, 3))
    outcome = update_client(client, fork, NOW)
    assert outcome.froze and outcome.verdict.code == ErrorCode.CLIENT_FROZEN
    frozen = outcome.client
    assert frozen.is_frozen and frozen.frozen_by.height == 11
    assert frozen.frozen_by.first == fork
    assert frozen.frozen_by.trusted_hash == make_header(11).hash
    # Frozen: nothing more is trusted, no proof is accepted.
    assert_refused(frozen, certify(make_header(12)), ErrorCode.CLIENT_FROZEN)
    tree = StateTree()
    root = tree.apply_updates(Version(1), {b"k": b"v"})
    assert root  # any proof at all
    verdict = verify_membership(frozen, Height(11), b"k", b"v", tree.prove(b"k", Version(1)), NOW)
    assert verdict.code == ErrorCode.CLIENT_FROZEN


def test_an_uncertified_conflicting_header_changes_nothing() -> None:
    fork = certify(make_header(10, state_root=b"\x66" * 32), signers=(0, 1))
    assert_refused(CLIENT, fork, ErrorCode.INSUFFICIENT_VOTING_POWER)


def test_submitted_evidence_of_two_certified_headers_freezes_the_client() -> None:
    first = certify(make_header(30))
    second = certify(make_header(30, state_root=b"\x77" * 32), signers=(0, 2, 3))
    outcome = submit_misbehaviour(CLIENT, first, second, NOW)
    assert outcome.froze and outcome.client.frozen_by.second == second
    assert outcome.client.frozen_by.first == first
    assert submit_misbehaviour(outcome.client, first, second, NOW).verdict.code == (
        ErrorCode.CLIENT_FROZEN
    )


@pytest.mark.parametrize(
    "first, second, code",
    [
        (certify(make_header(30)), certify(make_header(30)), ErrorCode.MISBEHAVIOUR_NOT_PROVEN),
        (certify(make_header(30)), certify(make_header(31)), ErrorCode.MISBEHAVIOUR_NOT_PROVEN),
        (
            certify(make_header(30)),
            certify(make_header(30, state_root=b"\x77" * 32), signers=(0, 1)),
            ErrorCode.INSUFFICIENT_VOTING_POWER,
        ),
        (
            certify(make_header(30, W), W),
            certify(make_header(30, W, state_root=b"\x77" * 32), W),
            ErrorCode.UNTRUSTED_VALIDATOR_SET,
        ),
        (
            certify(make_header(5)),
            certify(make_header(5, state_root=b"\x77" * 32)),
            ErrorCode.MISBEHAVIOUR_NOT_PROVEN,
        ),
    ],
    ids=["same-header", "two-heights", "one-not-certified", "untrusted-set", "no-trusted-height"],
)
def test_evidence_that_proves_nothing_changes_nothing(first, second, code) -> None:
    outcome = submit_misbehaviour(CLIENT, first, second, NOW)
    assert outcome.verdict.code == code and outcome.client == CLIENT and not outcome.froze


# Expiry and recovery.


def test_a_client_not_updated_within_its_trusting_period_expires() -> None:
    expired_at = CLIENT.latest.time_unix_ms + TRUSTING_MS
    assert not CLIENT.is_expired(expired_at - 1) and CLIENT.is_expired(expired_at)
    late = make_header(11, time_ms=expired_at)
    assert_refused(CLIENT, certify(late), ErrorCode.CLIENT_EXPIRED, now=expired_at)
    tree = StateTree()
    tree.apply_updates(Version(1), {b"k": b"v"})
    verdict = verify_membership(
        CLIENT, Height(10), b"absent", None, tree.prove(b"absent", Version(1)), expired_at
    )
    assert verdict.code == ErrorCode.CLIENT_EXPIRED


def test_recovery_restarts_a_client_from_a_newer_header() -> None:
    fork = certify(make_header(10, state_root=b"\x66" * 32))
    frozen = update_client(CLIENT, fork, NOW).client
    assert frozen.is_frozen
    recovered = recover_client(frozen, certify(make_header(40, W), W))
    assert not recovered.is_frozen and recovered.latest_height == 40
    assert recovered.latest.validators_hash == W.hash
    assert update_client(recovered, certify(make_header(41, W), W), NOW).verdict.ok
    with pytest.raises(ConsortiumError) as caught:
        recover_client(frozen, certify(make_header(10)))
    assert caught.value.code == ErrorCode.HEADER_NOT_NEWER
    with pytest.raises(ConsortiumError) as caught:
        recover_client(frozen, certify(make_header(41, W), W, signers=(0, 1)))
    assert caught.value.code == ErrorCode.INSUFFICIENT_VOTING_POWER


def test_a_client_needs_a_certified_header_and_positive_periods() -> None:
    with pytest.raises(ConsortiumError) as caught:
        create_client(CHAIN, certify(make_header(1), signers=(0,)), TRUSTING_MS, DRIFT_MS)
    assert caught.value.code == ErrorCode.INSUFFICIENT_VOTING_POWER
    with pytest.raises(ConsortiumError) as caught:
        create_client(ChainId("finance-1"), certify(make_header(1)), TRUSTING_MS, DRIFT_MS)
    assert caught.value.code == ErrorCode.WRONG_CHAIN_ID
    for period, drift in ((0, DRIFT_MS), (TRUSTING_MS, -1), (1.5, DRIFT_MS)):
        with pytest.raises(ConsortiumError) as caught:
            create_client(CHAIN, certify(make_header(1)), period, drift)  # type: ignore[arg-type]
        assert caught.value.code == ErrorCode.MALFORMED_INPUT


# Proofs against trusted headers.


def test_state_proofs_verify_against_a_trusted_header_only() -> None:
    tree = StateTree()
    root = tree.apply_updates(Version(1), {b"rec/invoice/1": b"head", b"other": b"x"})
    client = update_client(CLIENT, certify(make_header(11, state_root=root)), NOW).client
    proof = tree.prove(b"rec/invoice/1", Version(1))
    assert verify_membership(client, Height(11), b"rec/invoice/1", b"head", proof, NOW).ok
    absent = tree.prove(b"rec/invoice/2", Version(1))
    assert verify_membership(client, Height(11), b"rec/invoice/2", None, absent, NOW).ok
    checks = [
        (Height(11), b"rec/invoice/1", b"altered", proof, ErrorCode.STATE_VALUE_MISMATCH),
        (Height(11), b"rec/invoice/2", b"head", proof, ErrorCode.STATE_PROOF_MALFORMED),
        (Height(10), b"rec/invoice/1", b"head", proof, ErrorCode.STATE_ROOT_MISMATCH),
        (Height(12), b"rec/invoice/1", b"head", proof, ErrorCode.CONSENSUS_STATE_NOT_FOUND),
    ]
    for height, key, value, given_proof, code in checks:
        verdict = verify_membership(client, height, key, value, given_proof, NOW)
        assert verdict.code == code, (height, key, verdict)


def test_a_client_keeps_a_bounded_number_of_trusted_headers(monkeypatch) -> None:
    import relay.light_client as module

    monkeypatch.setattr(module, "MAX_TRUSTED_HEADERS", 3)
    client = CLIENT
    for height in range(11, 16):
        client = update_client(client, certify(make_header(height)), NOW).client
    assert sorted(client.trusted) == [13, 14, 15] and client.latest_height == 15


# A client created from a chain's genesis.


def make_genesis_client(**changes):
    arguments = {
        "chain_id": CHAIN,
        "genesis_hash": b"\x71" * 32,
        "genesis_time_unix_ms": START_MS,
        "validators_hash": V.hash,
        "trusting_period_ms": 3_600_000,
        "max_clock_drift_ms": 10_000,
        **changes,
    }
    return create_genesis_client(**arguments)


def test_a_genesis_client_trusts_the_genesis_set_for_height_1_only() -> None:
    client = make_genesis_client()
    assert client.latest_height == 0
    now = START_MS + 5_000
    assert update_client(client, certify(make_header(1)), now).verdict.ok
    refused = update_client(client, certify(make_header(1, W), W), now)
    assert refused.verdict.code == ErrorCode.UNTRUSTED_VALIDATOR_SET
    # Height 0 has no state: nothing proves against its zero root.
    tree = StateTree()
    tree.apply_updates(Version(1), {b"k": b"v"})
    _, proof = tree.get_with_proof(b"k", Version(1))
    assert not verify_membership(client, Height(0), b"k", b"v", proof, now).ok


@pytest.mark.parametrize(
    "changes",
    [
        {"genesis_hash": b"\x71" * 31},
        {"validators_hash": b""},
        {"trusting_period_ms": 0},
        {"max_clock_drift_ms": -1},
        {"genesis_time_unix_ms": 0},
        {"trusting_period_ms": True},
    ],
)
def test_a_genesis_client_with_unusable_anchors_is_refused(changes) -> None:
    with pytest.raises(ConsortiumError) as caught:
        make_genesis_client(**changes)
    assert caught.value.code == ErrorCode.MALFORMED_INPUT
