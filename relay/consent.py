"""The one consent an enterprise signs, and how the finance chain checks it (DESIGN §1).

A consent (``Consent`` in ``proto/consortium/v1/relay.proto``) says: bank B
may read these records, with these fields, from these source chains, for
loan application L, on destination chain D, from ``not_before_ms`` until
``expires_ms``. The enterprise signs its exact bytes once with one of its
account keys (Ed25519, domain-tagged: :data:`CONSENT_DOMAIN`), so the
signature cannot be replayed for another purpose, and the consent names its
destination chain, so it cannot be replayed on another chain.

Nobody's word is taken for whose key signed: the key is proven to be an
account of the enterprise, and the enterprise an active one, by state
proofs from the tax chain's identity registry (``account/<key>`` and
``org/<enterprise>``) against a header the finance chain's light client of
the tax chain trusts (:func:`verify_consent_owner`).

That a consent is unrevoked and unused is the finance chain's state, checked
by its application (CONSENT_REVOKED, CONSENT_USED); everything here is pure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from google.protobuf.message import Message

from chains.apps.fields import get_uscc_error
from chains.apps.membership import get_account_key, get_organisation_key
from chains.core.crypto import Ed25519KeyPair, sign_ed25519, verify_ed25519
from chains.core.errors import ACCEPTED, ConsortiumError, ErrorCode, Verdict, refuse
from chains.core.protobuf import parse_message
from chains.core.types import ChainId, Height
from chains.core.wire import state_proof_from_proto
from consortium.v1 import membership_pb2, relay_pb2
from relay.light_client import LightClient, verify_membership

CONSENT_DOMAIN = b"consortium/consent/v1\x00"
"""What a consent signature covers before the consent's bytes."""
MIN_NONCE_LEN = 16
MAX_NONCE_LEN = 64

RECORD_OWNER_FIELDS: Mapping[str, str] = {
    "filing": "enterprise",
    "payment": "enterprise",
    "clearance": "enterprise",
    "invoice": "seller",
    "production": "enterprise",
    "order": "supplier",
    "delivery": "supplier",
}
"""The kinds of record a consent may disclose, and the field naming the enterprise that
owns each: an enterprise consents to its own records only, never another's."""


@dataclass(frozen=True, slots=True)
class SignedConsent:
    """A decoded signed consent, with the exact bytes that were signed."""

    consent: relay_pb2.Consent
    consent_bytes: bytes
    public_key: bytes
    signature: bytes
    scope: Mapping[tuple[str, str, str], frozenset[str]] = field(
        default_factory=dict, compare=False, repr=False
    )
    """(chain id, kind, id) -> the fields the consent covers: looked up once per record
    of a transfer, which may carry a thousand."""


def get_consent_sign_bytes(consent_bytes: bytes) -> bytes:
    """The bytes an enterprise signs: the domain tag, then the consent's exact bytes."""
    return CONSENT_DOMAIN + consent_bytes


def make_signed_consent(key: Ed25519KeyPair, consent: relay_pb2.Consent) -> bytes:
    """``consent`` serialised once, signed by ``key``: a ``SignedConsent``'s bytes."""
    consent_bytes = consent.SerializeToString()
    signature = sign_ed25519(key, get_consent_sign_bytes(consent_bytes))
    return relay_pb2.SignedConsent(
        consent=consent_bytes, public_key=key.public_key, signature=signature
    ).SerializeToString()


def _get_shape_problem(consent: relay_pb2.Consent) -> str:
    if not consent.consent_id or not consent.bank or not consent.destination_chain:
        return "a consent names its id, its bank and its destination chain"
    if get_uscc_error(consent.enterprise):
        return f"the consent's enterprise: {get_uscc_error(consent.enterprise)}"
    if not consent.application_id:
        return "a consent names the loan application it is for"
    if not consent.expires_ms > consent.not_before_ms:
        return "a consent expires after it becomes valid"
    if not MIN_NONCE_LEN <= len(consent.nonce) <= MAX_NONCE_LEN:
        return f"a consent's nonce is {MIN_NONCE_LEN} to {MAX_NONCE_LEN} bytes"
    if not consent.scopes:
        return "a consent covers at least one source chain"
    chains = [scope.chain_id for scope in consent.scopes]
    if len(set(chains)) != len(chains) or not all(chains):
        return "a consent names each source chain once"
    for scope in consent.scopes:
        if not scope.records:
            return f"the consent's scope on {scope.chain_id} names no record"
        places = {(record.kind, record.id) for record in scope.records}
        if len(places) != len(scope.records):
            # A transfer carries each record once: which of two field lists would hold?
            return f"the consent's scope on {scope.chain_id} names a record twice"
        for record in scope.records:
            if not record.kind or not record.id or not record.fields:
                return f"a record of the consent's scope on {scope.chain_id} is incomplete"
            if len(set(record.fields)) != len(record.fields):
                return f"the consent names a field of {record.kind} {record.id} twice"
    return ""


def decode_signed_consent(raw: bytes) -> SignedConsent:
    """The signed consent in ``raw``; raises ConsortiumError(MALFORMED_INPUT) when it does
    not decode or the consent is incomplete (no scope, expiry not after not-before, ...)."""
    signed = parse_message(relay_pb2.SignedConsent, raw)
    consent = parse_message(relay_pb2.Consent, signed.consent)
    problem = _get_shape_problem(consent)
    if problem:
        raise ConsortiumError(ErrorCode.MALFORMED_INPUT, problem)
    scope = {
        (chain.chain_id, record.kind, record.id): frozenset(record.fields)
        for chain in consent.scopes
        for record in chain.records
    }
    return SignedConsent(consent, signed.consent, signed.public_key, signed.signature, scope)


def verify_consent_signature(signed: SignedConsent) -> Verdict:
    """Accept when the signature is the named key's over the domain tag and the consent's
    exact bytes (BAD_SIGNATURE, INVALID_PUBLIC_KEY, ...)."""
    return verify_ed25519(
        signed.public_key, get_consent_sign_bytes(signed.consent_bytes), signed.signature
    )


def verify_consent_window(signed: SignedConsent, now_ms: int) -> Verdict:
    """Accept when ``now_ms`` is within the consent's validity window
    (CONSENT_NOT_YET_VALID, CONSENT_EXPIRED)."""
    consent = signed.consent
    if now_ms < consent.not_before_ms:
        return refuse(
            ErrorCode.CONSENT_NOT_YET_VALID,
            f"consent {consent.consent_id} is valid from {consent.not_before_ms} ms on",
        )
    if now_ms >= consent.expires_ms:
        return refuse(
            ErrorCode.CONSENT_EXPIRED,
            f"consent {consent.consent_id} expired at {consent.expires_ms} ms",
        )
    return ACCEPTED


def verify_consent_terms(
    signed: SignedConsent, bank: str, destination_chain: ChainId, now_ms: int
) -> Verdict:
    """Accept when the signature is the key's and the consent is for ``bank``, on
    ``destination_chain``, valid at ``now_ms``.

    Refuses, in this order: the signature's codes (BAD_SIGNATURE, INVALID_PUBLIC_KEY,
    ...), WRONG_CHAIN_ID, CONSENT_WRONG_BANK, CONSENT_NOT_YET_VALID, CONSENT_EXPIRED.
    """
    verdict = verify_consent_signature(signed)
    if not verdict.ok:
        return verdict
    consent = signed.consent
    if consent.destination_chain != destination_chain:
        return refuse(
            ErrorCode.WRONG_CHAIN_ID,
            f"consent {consent.consent_id} is for chain {consent.destination_chain!r}, "
            f"not {destination_chain!r}",
        )
    if consent.bank != bank:
        return refuse(
            ErrorCode.CONSENT_WRONG_BANK,
            f"consent {consent.consent_id} names bank {consent.bank!r}, not {bank!r}",
        )
    return verify_consent_window(signed, now_ms)


def verify_registry_owner(
    signed: SignedConsent,
    account: membership_pb2.Account | None,
    organisation: membership_pb2.Organisation | None,
    registry: str,
) -> Verdict:
    """Accept when ``account`` (the registry's entry of the consent's key) belongs to the
    consent's enterprise and ``organisation`` (its entry of that enterprise) is an active
    enterprise; else CONSENT_NOT_BY_OWNER. ``registry`` names where they were read."""
    consent = signed.consent
    if account is None or account.organisation_id != consent.enterprise:
        owner = "nobody" if account is None else repr(account.organisation_id)
        return refuse(
            ErrorCode.CONSENT_NOT_BY_OWNER,
            f"the key that signed consent {consent.consent_id} belongs to {owner} on "
            f"{registry}, not to {consent.enterprise}",
        )
    if (
        organisation is None
        or organisation.role != membership_pb2.ROLE_ENTERPRISE
        or organisation.status != membership_pb2.MEMBER_STATUS_ACTIVE
    ):
        return refuse(
            ErrorCode.CONSENT_NOT_BY_OWNER,
            f"{consent.enterprise} is not an active enterprise on {registry}",
        )
    return ACCEPTED


def _parse(message_type: type[Message], raw: bytes) -> Message | None:
    try:
        return parse_message(message_type, raw)
    except ConsortiumError:
        return None


def verify_consent_owner(
    signed: SignedConsent,
    identity: relay_pb2.IdentityProof,
    tax_client: LightClient,
    now_ms: int,
) -> Verdict:
    """Accept when the tax chain's registry, at a header ``tax_client`` trusts, shows the
    consent's key to be an account of its enterprise, and that enterprise active.

    Refuses the light client's and the state proofs' codes (CLIENT_FROZEN,
    CONSENSUS_STATE_NOT_FOUND, STATE_ROOT_MISMATCH, STATE_VALUE_MISMATCH, ...) or
    CONSENT_NOT_BY_OWNER (the account is another organisation's, or the organisation is
    not an active enterprise, or either is absent).
    """
    consent = signed.consent
    height = Height(identity.height)
    account_key = get_account_key(signed.public_key)
    organisation_key = get_organisation_key(consent.enterprise)
    for key, value, proof in (
        (account_key, identity.account, identity.account_proof),
        (organisation_key, identity.organisation, identity.organisation_proof),
    ):
        claimed = value or None  # empty: the registry holds nothing there
        verdict = verify_membership(
            tax_client, height, key, claimed, state_proof_from_proto(proof), now_ms
        )
        if not verdict.ok:
            return verdict
    account = _parse(membership_pb2.Account, identity.account) if identity.account else None
    organisation = (
        _parse(membership_pb2.Organisation, identity.organisation)
        if identity.organisation
        else None
    )
    return verify_registry_owner(signed, account, organisation, "the tax chain")


def verify_consent_covers(
    signed: SignedConsent, chain_id: ChainId, kind: str, record_id: str, fields: Sequence[str]
) -> Verdict:
    """Accept when the consent lets its bank read ``fields`` of ``kind``/``record_id`` on
    ``chain_id``; else CONSENT_SCOPE_EXCEEDED, naming what is not covered."""
    consent = signed.consent
    covered = signed.scope.get((chain_id, kind, record_id))
    if covered is None:
        return refuse(
            ErrorCode.CONSENT_SCOPE_EXCEEDED,
            f"consent {consent.consent_id} does not cover {kind} {record_id} on {chain_id}",
        )
    extra = sorted(set(fields) - covered)
    if extra:
        return refuse(
            ErrorCode.CONSENT_SCOPE_EXCEEDED,
            f"consent {consent.consent_id} does not cover field(s) {', '.join(extra)} "
            f"of {kind} {record_id} on {chain_id}",
        )
    return ACCEPTED


def get_owner_field(kind: str) -> str | None:
    """The field naming the owner of a record of ``kind``; None when no consent may
    disclose that kind."""
    return RECORD_OWNER_FIELDS.get(kind)


def verify_record_owner(
    kind: str, record_id: str, fields: Mapping[str, object], enterprise: str
) -> Verdict:
    """Accept when ``fields`` (a record's, or the disclosed part of it) show the record of
    ``kind`` to be ``enterprise``'s; else NOT_RECORD_OWNER (a kind no consent discloses,
    the owner field not disclosed, or another owner)."""
    owner_field = get_owner_field(kind)
    if owner_field is None:
        return refuse(
            ErrorCode.NOT_RECORD_OWNER,
            f"records of kind {kind!r} are not disclosed under a consent "
            f"(these are: {', '.join(sorted(RECORD_OWNER_FIELDS))})",
        )
    owner = fields.get(owner_field)
    if owner is None:
        return refuse(
            ErrorCode.NOT_RECORD_OWNER,
            f"{kind} {record_id}: its owner field {owner_field!r} must be disclosed too",
        )
    if owner != enterprise:
        return refuse(
            ErrorCode.NOT_RECORD_OWNER,
            f"{kind} {record_id} belongs to {owner!r}, not to {enterprise}: an enterprise "
            "consents to its own records only",
        )
    return ACCEPTED
