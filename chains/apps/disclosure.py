"""A source chain serves an enterprise's consented records to an outsider (issue 6, source side).

A relay asks a node of a source chain (tax, industry) for the records an
enterprise's consent names on that chain. The node serves them only under a
valid consent: signed by the key it names, valid now, by an account of the
consent's enterprise in this chain's registry, that enterprise active, and
each record the enterprise's own, of a kind a consent may disclose
(:data:`relay.consent.RECORD_OWNER_FIELDS`). It then discloses exactly the
consented fields, each record as a :class:`DisclosedRecord` (the head's exact
bytes, its state proof, the fields proven against the head's commitment),
plus the registry's :class:`IdentityProof` of whose key signed: what
:func:`relay.transfer.verify_transfer` checks on the finance chain.

All or nothing: a refusal discloses nothing, not even the records that
passed before it. The consent's bank and destination chain are the finance
chain's to check (it is the one that knows who it is); this node checks only
what protects the enterprise's data here.

Pure: the state at one height arrives as a reader and a prover, the time as
``now_ms``; refusals are verdicts with stable codes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from chains.apps.membership import (
    get_account,
    get_account_key,
    get_organisation,
    get_organisation_key,
)
from chains.apps.records import decode_record_head, get_record_key, read_record
from chains.core.app import StateReader
from chains.core.errors import ACCEPTED, ConsortiumError, ErrorCode, Verdict
from chains.core.records import CommittedRecord, FieldValue, commit_record, disclose_fields
from chains.core.state_tree import StateProof
from chains.core.types import ChainId, Height
from chains.core.wire import disclosure_to_proto, state_proof_to_proto
from consortium.v1 import relay_pb2
from relay.consent import (
    SignedConsent,
    decode_signed_consent,
    get_owner_field,
    verify_consent_signature,
    verify_consent_window,
    verify_record_owner,
    verify_registry_owner,
)
from relay.transfer import MAX_TRANSFER_RECORDS

Prover = Callable[[bytes], tuple[bytes | None, StateProof]]
"""The value of a state key at the height served (None: absent) and its proof."""


@dataclass(frozen=True, slots=True)
class ConsentedDisclosure:
    """What :func:`disclose_consented_records` found: everything, or why nothing."""

    verdict: Verdict
    records: tuple[relay_pb2.DisclosedRecord, ...] = ()
    identity: relay_pb2.IdentityProof | None = None

    @property
    def ok(self) -> bool:
        """True when every check passed and the records are disclosed."""
        return self.verdict.ok


def get_consent_scope(signed: SignedConsent, chain_id: ChainId) -> relay_pb2.ConsentScope:
    """The consent's scope on ``chain_id``; raises ConsortiumError: CONSENT_SCOPE_EXCEEDED
    when it names nothing there, MALFORMED_INPUT when it names more records than one
    transfer may carry."""
    consent = signed.consent
    scope = next((s for s in consent.scopes if s.chain_id == chain_id), None)
    if scope is None:
        raise ConsortiumError(
            ErrorCode.CONSENT_SCOPE_EXCEEDED,
            f"consent {consent.consent_id} names no record on chain {chain_id!r}",
        )
    if len(scope.records) > MAX_TRANSFER_RECORDS:
        raise ConsortiumError(
            ErrorCode.MALFORMED_INPUT,
            f"consent {consent.consent_id} names {len(scope.records)} records on {chain_id!r}; "
            f"a transfer carries at most {MAX_TRANSFER_RECORDS}",
        )
    return scope


def verify_signer_is_owner(state: StateReader, signed: SignedConsent) -> Verdict:
    """Accept when, in this chain's registry, the consent's key is an account of its
    enterprise and that enterprise is active; else CONSENT_NOT_BY_OWNER."""
    account = get_account(state, signed.public_key)
    organisation = get_organisation(state, signed.consent.enterprise)
    return verify_registry_owner(signed, account, organisation, "this chain")


def make_identity_proof(
    prove: Prover, height: Height, public_key: bytes, enterprise: str
) -> relay_pb2.IdentityProof:
    """The registry's proof, at ``height``, of whose account ``public_key`` is and of the
    organisation ``enterprise`` (each value or its absence, with its state proof)."""
    account, account_proof = prove(get_account_key(public_key))
    organisation, organisation_proof = prove(get_organisation_key(enterprise))
    return relay_pb2.IdentityProof(
        height=height,
        account=account or b"",
        account_proof=state_proof_to_proto(account_proof),
        organisation=organisation or b"",
        organisation_proof=state_proof_to_proto(organisation_proof),
    )


def _require_owner(
    kind: str, record_id: str, fields: Mapping[str, FieldValue], enterprise: str
) -> None:
    verdict = verify_record_owner(kind, record_id, fields, enterprise)
    if verdict.ok:
        return
    owner_field = get_owner_field(kind)
    if owner_field is None or owner_field not in fields:
        raise ConsortiumError(verdict.code, verdict.message)
    # Not verify_record_owner's message: it names the owner, a field of a record
    # nobody consented to show.
    raise ConsortiumError(
        verdict.code,
        f"{kind} {record_id} is not a record of {enterprise}: an enterprise consents to "
        "its own records only",
    )


def _disclose_record(
    state: StateReader,
    prove: Prover,
    chain_id: ChainId,
    height: Height,
    enterprise: str,
    wanted: relay_pb2.ConsentRecord,
) -> relay_pb2.DisclosedRecord:
    kind, record_id, names = wanted.kind, wanted.id, list(wanted.fields)
    key = get_record_key(kind, record_id)
    head_raw, head_proof = prove(key)
    head = decode_record_head(head_raw) if head_raw is not None else None
    # Keys join kind and id with "/": the head under the key must name this very record.
    if head is not None and (head.kind, head.id) == (kind, record_id):
        record = read_record(state, kind, record_id)
    else:
        head = record = None
    if head is None or record is None:
        raise ConsortiumError(
            ErrorCode.RECORD_NOT_FOUND,
            f"there is no {kind} {record_id!r} on {chain_id} at height {height}",
        )
    _require_owner(kind, record_id, record.fields, enterprise)
    missing = [name for name in names if name not in record.fields]
    if missing:
        raise ConsortiumError(
            ErrorCode.INVALID_FIELD_VALUE,
            f"the consent names field {missing[0]!r} of {kind} {record_id}, "
            "which the record does not have",
        )
    # The finance chain sees only the disclosed fields: the owner field must be one.
    _require_owner(kind, record_id, {name: record.fields[name] for name in names}, enterprise)
    committed = commit_record(record.fields, record.seed)
    if committed.commitment != head.commitment:
        # Every node stores a head and its body together: this store is damaged.
        raise ConsortiumError(
            ErrorCode.RECORD_COMMITMENT_MISMATCH,
            f"the stored fields of {kind} {record_id} do not match its committed head",
        )
    return make_disclosed_record(
        chain_id, height, kind, record_id, head_raw, head_proof, committed, names
    )


def make_disclosed_record(
    chain_id: str,
    height: int,
    kind: str,
    record_id: str,
    head: bytes,
    head_proof: StateProof,
    committed: CommittedRecord,
    names: Sequence[str],
) -> relay_pb2.DisclosedRecord:
    """Record ``kind``/``record_id`` as a transfer carries it: its exact head bytes with
    their state proof at ``height``, and the fields ``names`` of ``committed`` (the record's
    salted fields) disclosed against its commitment."""
    return relay_pb2.DisclosedRecord(
        chain_id=chain_id,
        height=height,
        kind=kind,
        id=record_id,
        head=head,
        head_proof=state_proof_to_proto(head_proof),
        disclosure=disclosure_to_proto(committed.commitment, disclose_fields(committed, names)),
    )


def _disclose(
    state: StateReader,
    prove: Prover,
    chain_id: ChainId,
    height: Height,
    signed_consent: bytes,
    now_ms: int,
) -> ConsentedDisclosure:
    signed = decode_signed_consent(signed_consent)
    verify_consent_signature(signed).raise_for_error()
    verify_consent_window(signed, now_ms).raise_for_error()
    scope = get_consent_scope(signed, chain_id)
    verify_signer_is_owner(state, signed).raise_for_error()
    enterprise = signed.consent.enterprise
    # Every record is checked and built before any leaves: all or nothing.
    records = tuple(
        _disclose_record(state, prove, chain_id, height, enterprise, wanted)
        for wanted in scope.records
    )
    identity = make_identity_proof(prove, height, signed.public_key, signed.consent.enterprise)
    return ConsentedDisclosure(ACCEPTED, records, identity)


def disclose_consented_records(
    state: StateReader,
    prove: Prover,
    chain_id: ChainId,
    height: Height,
    signed_consent: bytes,
    now_ms: int,
) -> ConsentedDisclosure:
    """The records ``signed_consent`` names on ``chain_id``, disclosed at ``height``.

    ``state`` reads the state after the block at ``height`` (and its blobs);
    ``prove`` gives a key's value and state proof at that same height. On success
    the outcome holds one ``DisclosedRecord`` per record of the consent's scope on
    this chain, in its order, with exactly the consented fields, and the
    ``IdentityProof`` of the signing key's account and its enterprise there.

    Refuses, disclosing nothing, in this order: MALFORMED_INPUT (the consent does
    not decode or is incomplete; a record named twice on this chain, or more than
    a transfer carries); the signature's codes (BAD_SIGNATURE, INVALID_PUBLIC_KEY,
    ...); CONSENT_NOT_YET_VALID, CONSENT_EXPIRED at ``now_ms``;
    CONSENT_SCOPE_EXCEEDED (nothing named on this chain); CONSENT_NOT_BY_OWNER
    (the key is no account of the enterprise here, or the enterprise is not an
    active one); then per record, in the scope's order: RECORD_NOT_FOUND;
    NOT_RECORD_OWNER (a kind no consent discloses, or another enterprise's
    record); INVALID_FIELD_VALUE (a consented field the record does not have);
    NOT_RECORD_OWNER (the owner field not among the consented ones: the finance
    chain would refuse the record); and the state's own codes
    (STATE_VERSION_UNAVAILABLE, RECORD_MALFORMED, ...).
    """
    try:
        return _disclose(state, prove, chain_id, height, signed_consent, now_ms)
    except ConsortiumError as error:
        return ConsentedDisclosure(error.to_verdict())
