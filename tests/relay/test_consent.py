"""The consent: signed once by the enterprise, proven its own from the tax chain's registry,
for one bank, one chain and a time window, covering exactly what it names."""

from __future__ import annotations

import pytest

from chains.apps.membership import get_account_key, get_organisation_key
from chains.consortium import compute_organisation_code, compute_uscc
from chains.core.crypto import compute_ed25519_key_pair
from chains.core.errors import ConsortiumError, ErrorCode
from chains.core.state_tree import StateTree
from chains.core.types import ChainId, Version
from chains.core.wire import state_proof_to_proto
from consortium.v1 import membership_pb2, relay_pb2
from relay.consent import (
    decode_signed_consent,
    make_signed_consent,
    verify_consent_covers,
    verify_consent_owner,
    verify_consent_terms,
)
from relay.light_client import create_client, update_client

from .support import START_MS, certify, make_header

ENTERPRISE = compute_uscc(compute_organisation_code("31415926"))
OTHER = compute_uscc(compute_organisation_code("27182818"))
SUSPENDED = compute_uscc(compute_organisation_code("16180339"))
OWNER = compute_ed25519_key_pair(b"owner".ljust(32, b"."))
STRANGER = compute_ed25519_key_pair(b"stranger".ljust(32, b"."))
SUSPENDED_KEY = compute_ed25519_key_pair(b"suspended".ljust(32, b"."))
UNREGISTERED = compute_ed25519_key_pair(b"nobody".ljust(32, b"."))
BANK = "bank-icbc-sz"
FINANCE = ChainId("finance-1")
NOW = START_MS + 200_000


def organisation(org_id: str, status=membership_pb2.MEMBER_STATUS_ACTIVE) -> bytes:
    return membership_pb2.Organisation(
        id=org_id, name=org_id, role=membership_pb2.ROLE_ENTERPRISE, status=status
    ).SerializeToString()


REGISTRY = {
    get_account_key(OWNER.public_key): membership_pb2.Account(
        organisation_id=ENTERPRISE, name="primary"
    ).SerializeToString(),
    get_account_key(STRANGER.public_key): membership_pb2.Account(
        organisation_id=OTHER, name="primary"
    ).SerializeToString(),
    get_account_key(SUSPENDED_KEY.public_key): membership_pb2.Account(
        organisation_id=SUSPENDED, name="primary"
    ).SerializeToString(),
    get_organisation_key(ENTERPRISE): organisation(ENTERPRISE),
    get_organisation_key(OTHER): organisation(OTHER),
    get_organisation_key(SUSPENDED): organisation(
        SUSPENDED, membership_pb2.MEMBER_STATUS_SUSPENDED
    ),
}
TREE = StateTree()
ROOT = TREE.apply_updates(Version(1), REGISTRY)
TAX_CLIENT = create_client(
    ChainId("tax-1"), certify(make_header(10, state_root=ROOT)), 3_600_000, 10_000
)


def identity(public_key: bytes, enterprise: str = ENTERPRISE, tree=TREE, height=10):
    """The registry's answer for this key and enterprise, with its proofs, as a relayer
    would fetch it (the value is whatever the tree holds, absent or not)."""
    account_key, org_key = get_account_key(public_key), get_organisation_key(enterprise)
    account, account_proof = tree.get_with_proof(account_key, Version(1))
    org, org_proof = tree.get_with_proof(org_key, Version(1))
    return relay_pb2.IdentityProof(
        height=height,
        account=account or b"",
        account_proof=state_proof_to_proto(account_proof),
        organisation=org or b"",
        organisation_proof=state_proof_to_proto(org_proof),
    )


def make_consent(**changes) -> relay_pb2.Consent:
    consent = relay_pb2.Consent(
        consent_id="consent-1",
        enterprise=ENTERPRISE,
        bank=BANK,
        destination_chain=FINANCE,
        purpose="loan application",
        application_id="loan-1",
        scopes=[
            relay_pb2.ConsentScope(
                chain_id="tax-1",
                records=[
                    relay_pb2.ConsentRecord(
                        kind="filing",
                        id=f"{ENTERPRISE}:2025-Q1:vat",
                        fields=["tax_due", "paid", "enterprise"],
                    ),
                    relay_pb2.ConsentRecord(kind="clearance", id="CERT-1", fields=["status"]),
                ],
            ),
            relay_pb2.ConsentScope(
                chain_id="industry-1",
                records=[
                    relay_pb2.ConsentRecord(
                        kind="production",
                        id=f"{ENTERPRISE}:r-2025-q1",
                        fields=["output_value", "enterprise"],
                    )
                ],
            ),
        ],
        not_before_ms=START_MS,
        expires_ms=START_MS + 86_400_000,
        nonce=b"\x42" * 16,
    )
    for name, value in changes.items():
        setattr(consent, name, value)
    return consent


def signed(key=OWNER, **changes):
    return decode_signed_consent(make_signed_consent(key, make_consent(**changes)))


GOOD = signed()


def test_a_consent_signed_by_the_enterprise_passes_every_check() -> None:
    assert verify_consent_terms(GOOD, BANK, FINANCE, NOW).ok
    assert verify_consent_owner(GOOD, identity(OWNER.public_key), TAX_CLIENT, NOW).ok
    assert verify_consent_covers(
        GOOD, ChainId("tax-1"), "filing", f"{ENTERPRISE}:2025-Q1:vat", ["paid", "tax_due"]
    ).ok
    assert verify_consent_covers(
        GOOD, ChainId("industry-1"), "production", f"{ENTERPRISE}:r-2025-q1", ["output_value"]
    ).ok


# Whose consent it is.


def test_a_signature_that_does_not_verify_is_refused() -> None:
    raw = relay_pb2.SignedConsent.FromString(make_signed_consent(OWNER, make_consent()))
    raw.signature = bytes([raw.signature[0] ^ 1]) + raw.signature[1:]
    tampered = decode_signed_consent(raw.SerializeToString())
    assert verify_consent_terms(tampered, BANK, FINANCE, NOW).code == ErrorCode.BAD_SIGNATURE
    # Consent bytes changed after signing (a wider scope, say): the signature no longer fits.
    raw = relay_pb2.SignedConsent.FromString(make_signed_consent(OWNER, make_consent()))
    raw.consent = make_consent(expires_ms=START_MS + 10 * 86_400_000).SerializeToString()
    widened = decode_signed_consent(raw.SerializeToString())
    assert verify_consent_terms(widened, BANK, FINANCE, NOW).code == ErrorCode.BAD_SIGNATURE


@pytest.mark.parametrize(
    "key, enterprise, code",
    [
        (STRANGER, ENTERPRISE, ErrorCode.CONSENT_NOT_BY_OWNER),  # another enterprise's key
        (UNREGISTERED, ENTERPRISE, ErrorCode.CONSENT_NOT_BY_OWNER),  # no account at all
        (SUSPENDED_KEY, SUSPENDED, ErrorCode.CONSENT_NOT_BY_OWNER),  # a suspended enterprise
    ],
    ids=["other-owner", "unregistered", "suspended"],
)
def test_a_consent_not_signed_by_an_active_owner_is_refused(key, enterprise, code) -> None:
    consent = signed(key, enterprise=enterprise)
    assert verify_consent_terms(consent, BANK, FINANCE, NOW).ok  # a valid signature ...
    verdict = verify_consent_owner(consent, identity(key.public_key, enterprise), TAX_CLIENT, NOW)
    assert verdict.code == code  # ... by the wrong key


def test_an_identity_proof_that_lies_or_is_not_trusted_is_refused() -> None:
    stranger = signed(STRANGER)
    # The relayer claims the stranger's account is the enterprise's: the proof disagrees.
    lie = identity(STRANGER.public_key)
    lie.account = REGISTRY[get_account_key(OWNER.public_key)]
    verdict = verify_consent_owner(stranger, lie, TAX_CLIENT, NOW)
    assert verdict.code == ErrorCode.STATE_VALUE_MISMATCH
    # Proofs from a registry the client never trusted (another root).
    forged = StateTree()
    forged.apply_updates(
        Version(1),
        {
            get_account_key(STRANGER.public_key): REGISTRY[get_account_key(OWNER.public_key)],
            get_organisation_key(ENTERPRISE): organisation(ENTERPRISE),
        },
    )
    verdict = verify_consent_owner(
        stranger, identity(STRANGER.public_key, tree=forged), TAX_CLIENT, NOW
    )
    assert verdict.code == ErrorCode.STATE_ROOT_MISMATCH
    # A height the client does not trust.
    verdict = verify_consent_owner(GOOD, identity(OWNER.public_key, height=11), TAX_CLIENT, NOW)
    assert verdict.code == ErrorCode.CONSENSUS_STATE_NOT_FOUND


def test_a_frozen_or_expired_tax_client_proves_no_owner() -> None:
    fork = certify(make_header(10, state_root=b"\x66" * 32))
    frozen = update_client(TAX_CLIENT, fork, NOW).client
    verdict = verify_consent_owner(GOOD, identity(OWNER.public_key), frozen, NOW)
    assert verdict.code == ErrorCode.CLIENT_FROZEN
    much_later = NOW + 10 * 3_600_000
    verdict = verify_consent_owner(GOOD, identity(OWNER.public_key), TAX_CLIENT, much_later)
    assert verdict.code == ErrorCode.CLIENT_EXPIRED


# For whom, where and when.


def test_a_consent_for_another_bank_or_chain_is_refused() -> None:
    assert verify_consent_terms(GOOD, "bank-ccb-sz", FINANCE, NOW).code == (
        ErrorCode.CONSENT_WRONG_BANK
    )
    assert verify_consent_terms(GOOD, BANK, ChainId("finance-2"), NOW).code == (
        ErrorCode.WRONG_CHAIN_ID
    )


def test_a_consent_is_valid_only_in_its_window() -> None:
    window = GOOD.consent
    assert verify_consent_terms(GOOD, BANK, FINANCE, window.not_before_ms).ok
    assert verify_consent_terms(GOOD, BANK, FINANCE, window.not_before_ms - 1).code == (
        ErrorCode.CONSENT_NOT_YET_VALID
    )
    assert verify_consent_terms(GOOD, BANK, FINANCE, window.expires_ms - 1).ok
    assert verify_consent_terms(GOOD, BANK, FINANCE, window.expires_ms).code == (
        ErrorCode.CONSENT_EXPIRED
    )


# What it covers.


@pytest.mark.parametrize(
    "chain, kind, record_id, fields",
    [
        ("tax-1", "filing", f"{ENTERPRISE}:2025-Q1:vat", ["tax_due", "amount"]),  # a field
        ("tax-1", "filing", f"{ENTERPRISE}:2025-Q2:vat", ["tax_due"]),  # another record
        ("tax-1", "invoice", "044031900111", ["amount"]),  # another kind
        ("industry-1", "filing", f"{ENTERPRISE}:2025-Q1:vat", ["tax_due"]),  # another chain
        ("finance-1", "loan", "loan-1", ["amount"]),  # a chain not in scope
    ],
    ids=["field", "record", "kind", "chain", "unscoped-chain"],
)
def test_a_consent_covers_only_what_it_names(chain, kind, record_id, fields) -> None:
    verdict = verify_consent_covers(GOOD, ChainId(chain), kind, record_id, fields)
    assert verdict.code == ErrorCode.CONSENT_SCOPE_EXCEEDED


# Shape.


@pytest.mark.parametrize(
    "changes",
    [
        {"consent_id": ""},
        {"bank": ""},
        {"destination_chain": ""},
        {"enterprise": "91440300MA5F00001Y"},  # a wrong check character
        {"application_id": ""},
        {"expires_ms": START_MS},
        {"nonce": b"\x01" * 15},
        {"nonce": b"\x01" * 65},
    ],
    ids=lambda c: next(iter(c)),
)
def test_an_incomplete_consent_does_not_decode(changes) -> None:
    with pytest.raises(ConsortiumError) as caught:
        signed(**changes)
    assert caught.value.code == ErrorCode.MALFORMED_INPUT


def test_scopes_must_be_complete_and_bytes_must_decode() -> None:
    for scopes in (
        [],
        [relay_pb2.ConsentScope(chain_id="tax-1")],
        [relay_pb2.ConsentScope(chain_id="tax-1", records=[relay_pb2.ConsentRecord(kind="f")])],
        [
            relay_pb2.ConsentScope(
                chain_id="tax-1",
                records=[relay_pb2.ConsentRecord(kind="f", id="1", fields=["a", "a"])],
            )
        ],
        [
            relay_pb2.ConsentScope(
                chain_id="tax-1", records=[relay_pb2.ConsentRecord(kind="f", id="1", fields=["a"])]
            )
        ]
        * 2,
        [
            relay_pb2.ConsentScope(
                chain_id="tax-1",
                records=[
                    relay_pb2.ConsentRecord(kind="f", id="1", fields=["a"]),
                    relay_pb2.ConsentRecord(kind="f", id="1", fields=["b"]),
                ],
            )
        ],
    ):
        consent = make_consent()
        del consent.scopes[:]
        consent.scopes.extend(scopes)
        with pytest.raises(ConsortiumError) as caught:
            decode_signed_consent(make_signed_consent(OWNER, consent))
        assert caught.value.code == ErrorCode.MALFORMED_INPUT
    with pytest.raises(ConsortiumError) as caught:
        decode_signed_consent(b"\xff\xff\xff")
    assert caught.value.code == ErrorCode.MALFORMED_INPUT
