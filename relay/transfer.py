"""A transfer: the destination chain checks a relay's delivery under one consent (DESIGN §1).

A relay submits a ``Transfer`` (``proto/consortium/v1/relay.proto``): the
enterprise's signed consent, the proof from the tax chain's registry of
whose key signed it, and the consented records, each as its head proven in
a source header's state root plus the disclosed fields proven against the
head's commitment. :func:`verify_transfer` trusts none of it: the headers
must be trusted by the destination's light clients (updated from certified
headers beforehand, :mod:`relay.light_client`), and every byte that matters
is proven. What passes is a :class:`VerifiedDataSet`: the facts the bank's
credit policy may use, with the commitments and heights they rest on.

Whether the consent was revoked or used already is the destination chain's
state and its application's check; everything here is pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from chains.apps.records import decode_record_head, get_record_key
from chains.core.errors import ACCEPTED, ConsortiumError, ErrorCode, Verdict, refuse
from chains.core.records import FieldValue, verify_disclosure
from chains.core.types import ChainId, Hash32, Height
from chains.core.wire import disclosure_from_proto, state_proof_from_proto
from consortium.v1 import relay_pb2
from relay.consent import (
    SignedConsent,
    decode_signed_consent,
    verify_consent_covers,
    verify_consent_owner,
    verify_consent_terms,
    verify_record_owner,
)
from relay.light_client import LightClient, verify_membership

MAX_TRANSFER_RECORDS = 1_000


@dataclass(frozen=True, slots=True)
class VerifiedRecord:
    """One source record's disclosed fields, proven at a trusted height of its chain."""

    chain_id: ChainId
    height: Height
    kind: str
    record_id: str
    version: int
    commitment: Hash32
    fields: Mapping[str, FieldValue]


@dataclass(frozen=True, slots=True)
class VerifiedDataSet:
    """What a transfer proved, for the bank's policy and the audit trail."""

    consent_id: str
    enterprise: str
    bank: str
    application_id: str
    records: tuple[VerifiedRecord, ...]


@dataclass(frozen=True, slots=True)
class TransferCheck:
    """The outcome of :func:`verify_transfer`: the data set, or why there is none."""

    verdict: Verdict
    data_set: VerifiedDataSet | None = None
    consent: SignedConsent | None = None


def _verify_record(
    consent: SignedConsent,
    record: relay_pb2.DisclosedRecord,
    clients: Mapping[ChainId, LightClient],
    now_ms: int,
) -> VerifiedRecord | Verdict:
    chain_id = ChainId(record.chain_id)
    client = clients.get(chain_id)
    if client is None:
        return refuse(
            ErrorCode.CLIENT_NOT_FOUND, f"this chain keeps no light client of {chain_id!r}"
        )
    # 1. The head, proven under the state root of a header the client trusts.
    key = get_record_key(record.kind, record.id)
    height = Height(record.height)
    proof = state_proof_from_proto(record.head_proof)
    verdict = verify_membership(client, height, key, record.head, proof, now_ms)
    if not verdict.ok:
        return verdict
    try:
        head = decode_record_head(record.head)
        commitment, disclosure = disclosure_from_proto(record.disclosure)
    except ConsortiumError as error:
        return error.to_verdict()
    if (head.kind, head.id) != (record.kind, record.id):
        # Keys join kind and id with "/", so inv + oice/1 and inv/oice + 1 share one.
        return refuse(
            ErrorCode.RECORD_MALFORMED,
            f"the head under {key!r} is {head.kind} {head.id}, not {record.kind} {record.id}",
        )
    # 2. The fields, proven against the head's commitment.
    if commitment != head.commitment or disclosure.field_count != head.field_count:
        return refuse(
            ErrorCode.RECORD_COMMITMENT_MISMATCH,
            f"the disclosure of {record.kind} {record.id} is not against its proven head",
        )
    verdict = verify_disclosure(head.commitment, disclosure)
    if not verdict.ok:
        return verdict
    # 3. Only what the consent covers.
    names = [field.name for field in disclosure.fields]
    verdict = verify_consent_covers(consent, chain_id, record.kind, record.id, names)
    if not verdict.ok:
        return verdict
    fields = {field.name: field.value for field in disclosure.fields}
    verdict = verify_record_owner(record.kind, record.id, fields, consent.consent.enterprise)
    if not verdict.ok:
        return verdict
    return VerifiedRecord(
        chain_id=chain_id,
        height=height,
        kind=record.kind,
        record_id=record.id,
        version=head.version,
        commitment=Hash32(head.commitment),
        fields=fields,
    )


def verify_transfer(
    transfer: relay_pb2.Transfer,
    clients: Mapping[ChainId, LightClient],
    identity_chain: ChainId,
    bank: str,
    destination_chain: ChainId,
    now_ms: int,
) -> TransferCheck:
    """Check a transfer for ``bank`` on ``destination_chain`` at ``now_ms``.

    ``clients`` are the destination's light clients by source chain id, already
    updated with the headers the transfer's heights need; ``identity_chain`` is
    the chain whose registry proves whose key signed (the tax chain). Refuses,
    in this order: MALFORMED_INPUT (consent bytes, no records, too many, one
    twice); the consent's terms (BAD_SIGNATURE, WRONG_CHAIN_ID,
    CONSENT_WRONG_BANK, CONSENT_NOT_YET_VALID, CONSENT_EXPIRED); its owner
    (CLIENT_NOT_FOUND, the light client's and state proofs' codes,
    CONSENT_NOT_BY_OWNER); then per record in order: CLIENT_NOT_FOUND, the
    light client's and the head proof's codes, RECORD_MALFORMED,
    RECORD_COMMITMENT_MISMATCH (a disclosure that is not against the proven
    head, or an altered field), the disclosure's MERKLE_* codes, and
    CONSENT_SCOPE_EXCEEDED, NOT_RECORD_OWNER (the record's owner field is not disclosed,
    or names another enterprise).
    """
    try:
        consent = decode_signed_consent(transfer.signed_consent)
    except ConsortiumError as error:
        return TransferCheck(error.to_verdict())
    records = list(transfer.records)
    places = {(r.chain_id, r.kind, r.id) for r in records}
    if not records or len(records) > MAX_TRANSFER_RECORDS or len(places) != len(records):
        return TransferCheck(
            refuse(
                ErrorCode.MALFORMED_INPUT,
                f"a transfer carries 1 to {MAX_TRANSFER_RECORDS} records, each once",
            ),
            consent=consent,
        )
    verdict = verify_consent_terms(consent, bank, destination_chain, now_ms)
    if not verdict.ok:
        return TransferCheck(verdict, consent=consent)
    identity_client = clients.get(identity_chain)
    if identity_client is None:
        verdict = refuse(
            ErrorCode.CLIENT_NOT_FOUND, f"this chain keeps no light client of {identity_chain!r}"
        )
        return TransferCheck(verdict, consent=consent)
    verdict = verify_consent_owner(consent, transfer.identity, identity_client, now_ms)
    if not verdict.ok:
        return TransferCheck(verdict, consent=consent)
    verified = []
    for record in records:
        result = _verify_record(consent, record, clients, now_ms)
        if isinstance(result, Verdict):
            where = f"{record.kind} {record.id} on {record.chain_id}"
            return TransferCheck(refuse(result.code, f"{where}: {result.message}"), consent=consent)
        verified.append(result)
    data_set = VerifiedDataSet(
        consent_id=consent.consent.consent_id,
        enterprise=consent.consent.enterprise,
        bank=consent.consent.bank,
        application_id=consent.consent.application_id,
        records=tuple(verified),
    )
    return TransferCheck(ACCEPTED, data_set, consent)
