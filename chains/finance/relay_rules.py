"""The finance chain's side of the relay (pure, deterministic; see docs/relay.md).

The finance chain keeps a light client of each source chain (tax, industry)
in its own state, created from the source chains' genesis in its genesis, and
verifies every transfer itself (DESIGN §1-§2):

* ``relay.client.update`` (any member): trust a newer certified header;
  a certified header that conflicts with a trusted one freezes the client
  (the transaction succeeds: the evidence is what it recorded);
* ``relay.client.misbehaviour`` (any member): two certified headers of one
  height freeze the client;
* recovery of a frozen or expired client: a ``member.govern`` proposal
  ``recover_client`` approved by more than 2/3 of the governing organisations;
* ``consent.revoke`` (the enterprise);
* ``relay.transfer`` (any member: the relay is a courier): updates the
  clients with the headers it carries, verifies the transfer whole
  (:func:`relay.transfer.verify_transfer`), marks the consent used, records the
  verified data set and, when the application names a policy, commits the
  policy's decision on the facts the data set proves.

State: ``client/<chain id>`` -> ``LightClientState``; ``clienthdr/<chain id>/``
+ 8-byte height -> ``TrustedHeader`` (every trusted header is kept: a data set
names the heights it rests on, and an auditor re-checks against them);
``relay/identity_chain`` -> the chain whose registry proves consent keys.
Records: ``consent`` and ``dataset``, both ``<enterprise>:<consent_id>``.

A refused transaction writes nothing but its nonce; its result (code and
message, committed in the block) is the acknowledgement a relay reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from chains.apps.fields import get_first_error, get_id_error, get_text_error
from chains.apps.framework import TxCall
from chains.apps.records import (
    StoredRecord,
    create_record,
    get_record_seed_error,
    read_record,
    update_record,
)
from chains.core.app import StateOverlay, StateReader, make_genesis_error
from chains.core.block import decode_header
from chains.core.errors import ConsortiumError, ErrorCode, Verdict
from chains.core.protobuf import parse_message
from chains.core.records import decode_field_value, encode_field_value
from chains.core.types import ChainId, Hash32, Height, compute_sha256
from consortium.v1 import finance_pb2, membership_pb2, records_pb2, relay_pb2
from relay.codec import (
    certified_header_from_proto,
    decode_client,
    decode_trusted_header,
    encode_client_state,
    encode_trusted_header,
    get_latest_height,
)
from relay.consent import SignedConsent, decode_signed_consent, verify_consent_terms
from relay.light_client import (
    LightClient,
    create_genesis_client,
    recover_client,
    submit_misbehaviour,
    update_client,
)
from relay.transfer import VerifiedDataSet, VerifiedRecord, verify_transfer

TX_UPDATE_CLIENT = "relay.client.update"
TX_SUBMIT_MISBEHAVIOUR = "relay.client.misbehaviour"
TX_TRANSFER = "relay.transfer"
TX_REVOKE_CONSENT = "consent.revoke"

CLIENT_PREFIX = b"client/"
CLIENT_HEADER_PREFIX = b"clienthdr/"
IDENTITY_CHAIN_KEY = b"relay/identity_chain"

KIND_CONSENT = "consent"
KIND_DATA_SET = "dataset"

CONSENT_GRANTED = "granted"
CONSENT_REVOKED = "revoked"
CONSENT_USED = "used"

MAX_TRANSFER_HEADERS = 16
DEFAULT_TRUSTING_PERIOD_MS = 14 * 24 * 3_600_000
"""Two weeks: a relay refreshes a client well before (docs/relay.md)."""
DEFAULT_MAX_CLOCK_DRIFT_MS = 10_000


# --------------------------------------------------------------------------
# Light clients in state
# --------------------------------------------------------------------------


def get_client_key(chain_id: str) -> bytes:
    """The state key of the light client of ``chain_id``."""
    return CLIENT_PREFIX + chain_id.encode()


def get_client_header_key(chain_id: str, height: int) -> bytes:
    """The state key of the client of ``chain_id``'s trusted header at ``height``."""
    return CLIENT_HEADER_PREFIX + chain_id.encode() + b"/" + height.to_bytes(8, "big")


def read_client(
    state: StateReader, chain_id: str, heights: Iterable[int] = ()
) -> LightClient | None:
    """The light client of ``chain_id`` with its latest trusted header and those of
    ``heights`` that it trusts, or None when this chain keeps no client of it.

    Raises ConsortiumError(MALFORMED_INPUT) for a damaged stored client.
    """
    raw = state.get(get_client_key(chain_id))
    if raw is None:
        return None
    latest = get_latest_height(raw)
    trusted = {}
    for height in {latest, *heights}:
        if type(height) is not int or not 0 <= height < 1 << 64:
            continue
        header_raw = state.get(get_client_header_key(chain_id, height))
        if header_raw is not None:
            trusted[Height(height)] = decode_trusted_header(header_raw)
    return decode_client(raw, trusted)


def require_client(state: StateReader, chain_id: str, heights: Iterable[int] = ()) -> LightClient:
    """:func:`read_client`, raising CLIENT_NOT_FOUND when there is no such client."""
    client = read_client(state, chain_id, heights)
    if client is None:
        raise ConsortiumError(
            ErrorCode.CLIENT_NOT_FOUND, f"this chain keeps no light client of {chain_id!r}"
        )
    return client


def write_client(state: StateOverlay, client: LightClient) -> None:
    """Store ``client``'s state and its latest trusted header (older ones are kept)."""
    state.set(get_client_key(client.chain_id), encode_client_state(client))
    state.set(
        get_client_header_key(client.chain_id, client.latest_height),
        encode_trusted_header(client.latest),
    )


def get_identity_chain(state: StateReader) -> ChainId:
    """The chain whose identity registry proves whose key signed a consent."""
    raw = state.get(IDENTITY_CHAIN_KEY)
    return ChainId(raw.decode() if raw else "")


def _raise(verdict: Verdict) -> None:
    raise ConsortiumError(verdict.code, verdict.message)


# --------------------------------------------------------------------------
# Genesis
# --------------------------------------------------------------------------

_CLIENT_FIELDS = frozenset(
    {
        "chain_id",
        "genesis_hash",
        "genesis_time_unix_ms",
        "validators_hash",
        "trusting_period_ms",
        "max_clock_drift_ms",
    }
)


def _get_genesis_hash(item: Mapping[str, object], name: str, where: str) -> Hash32:
    text = item.get(name)
    if not isinstance(text, str) or len(text) != 64:
        raise make_genesis_error(f"{where}.{name} must be 64 hex digits")
    try:
        return Hash32(bytes.fromhex(text))
    except ValueError:
        raise make_genesis_error(f"{where}.{name} must be 64 hex digits") from None


def compute_client_genesis_updates(section: object) -> dict[bytes, bytes]:
    """The light clients of genesis ``"relay": {"identity_chain", "light_clients": [...]}``.

    Each client: ``{"chain_id", "genesis_hash", "genesis_time_unix_ms",
    "validators_hash", "trusting_period_ms", "max_clock_drift_ms"}`` (hashes as
    64 hex digits: the source chain's genesis file hash and its genesis validator
    set's hash). ``identity_chain`` must be one of them. Raises INVALID_CONFIG.
    """
    if not isinstance(section, Mapping) or set(section) != {"identity_chain", "light_clients"}:
        raise make_genesis_error('"relay" must have exactly "identity_chain" and "light_clients"')
    items = section["light_clients"]
    if not isinstance(items, list) or not items:
        raise make_genesis_error('"relay.light_clients" must be a non-empty list')
    updates: dict[bytes, bytes] = {}
    state = StateOverlay(_NoState())
    for index, item in enumerate(items):
        where = f"relay.light_clients[{index}]"
        if not isinstance(item, Mapping) or set(item) != _CLIENT_FIELDS:
            raise make_genesis_error(
                f"{where} must have exactly {', '.join(sorted(_CLIENT_FIELDS))}"
            )
        chain_id = item["chain_id"]
        if not isinstance(chain_id, str) or get_id_error(chain_id, "chain_id"):
            raise make_genesis_error(f"{where}.chain_id must be a chain id")
        if state.get(get_client_key(chain_id)) is not None:
            raise make_genesis_error(f"{where}: a second client of {chain_id}")
        try:
            client = create_genesis_client(
                ChainId(chain_id),
                _get_genesis_hash(item, "genesis_hash", where),
                item["genesis_time_unix_ms"],
                _get_genesis_hash(item, "validators_hash", where),
                item["trusting_period_ms"],
                item["max_clock_drift_ms"],
            )
        except ConsortiumError as error:
            if error.code == ErrorCode.INVALID_CONFIG:
                raise
            raise make_genesis_error(f"{where}: {error.message}") from None
        write_client(state, client)
    identity = section["identity_chain"]
    if not isinstance(identity, str) or state.get(get_client_key(identity)) is None:
        raise make_genesis_error('"relay.identity_chain" must name one of the light clients')
    state.set(IDENTITY_CHAIN_KEY, identity.encode())
    updates.update({key: value for key, value in state.get_writes().items() if value})
    return updates


class _NoState:
    def get(self, key: bytes) -> bytes | None:
        return None

    def get_blob(self, key: bytes) -> bytes | None:
        return None


# --------------------------------------------------------------------------
# Client updates, misbehaviour, recovery
# --------------------------------------------------------------------------


def _get_header_heights(raw_header: bytes) -> list[int]:
    # The client's trusted header at a submitted header's height, if any, judges it (a
    # conflict there is misbehaviour); undecodable bytes are named by the light client.
    try:
        return [decode_header(raw_header).height]
    except ConsortiumError:
        return []


def _apply_header(call: TxCall, message: finance_pb2.ClientHeader, in_transfer: bool) -> None:
    header = certified_header_from_proto(message.header)
    client = require_client(call.state, message.chain_id, _get_header_heights(header.header))
    update = update_client(client, header, call.context.time_unix_ms)
    if update.froze and not in_transfer:
        write_client(call.state, update.client)  # the evidence is the outcome
        return
    if update.verdict.code == ErrorCode.HEADER_NOT_NEWER and in_transfer:
        # A relay may carry a header the client trusts already; a different one at a
        # trusted height freezes above, never here.
        return
    if not update.verdict.ok:
        message_text = update.verdict.message
        if update.froze:
            message_text += "; submit it as relay.client.update to record the evidence"
        raise ConsortiumError(update.verdict.code, message_text)
    write_client(call.state, update.client)


def check_update_client(payload: finance_pb2.UpdateClient) -> str:
    """Why an ``UpdateClient`` payload is unusable, or "" (the header: on execution)."""
    return "" if payload.header.chain_id else "header.chain_id names the source chain"


def execute_update_client(call: TxCall) -> None:
    """Trust a newer header (CLIENT_NOT_FOUND, the light client's codes); a certified
    header that conflicts with a trusted one freezes the client and succeeds."""
    _apply_header(call, call.payload.header, in_transfer=False)


def check_submit_misbehaviour(payload: finance_pb2.SubmitMisbehaviour) -> str:
    """Why a ``SubmitMisbehaviour`` payload is unusable, or ""."""
    return "" if payload.chain_id else "chain_id names the source chain"


def execute_submit_misbehaviour(call: TxCall) -> None:
    """Freeze the client with the two headers as evidence (MISBEHAVIOUR_NOT_PROVEN, the
    decoders' and certificates' codes, CLIENT_FROZEN when it is frozen already)."""
    payload: finance_pb2.SubmitMisbehaviour = call.payload
    first = certified_header_from_proto(payload.first)
    second = certified_header_from_proto(payload.second)
    client = require_client(call.state, payload.chain_id, _get_header_heights(first.header))
    update = submit_misbehaviour(client, first, second, call.context.time_unix_ms)
    if not update.froze:
        _raise(update.verdict)
    write_client(call.state, update.client)


def check_recover_client(recover: membership_pb2.RecoverClient) -> str:
    """Why a governance ``recover_client`` action is unusable, or ""."""
    return "" if recover.client_chain_id else "recover_client.client_chain_id names the chain"


def execute_recover_client(call: TxCall, recover: membership_pb2.RecoverClient) -> None:
    """Restart a frozen or expired client from the vouched-for header (an approved
    governance proposal). CLIENT_NOT_FOUND; INVALID_FIELD_VALUE for a healthy client;
    HEADER_NOT_NEWER or the certificate's codes for the header."""
    client = require_client(call.state, recover.client_chain_id)
    now_ms = call.context.time_unix_ms
    if not (client.is_frozen or client.is_expired(now_ms)):
        raise ConsortiumError(
            ErrorCode.INVALID_FIELD_VALUE,
            f"the client of {client.chain_id} is neither frozen nor expired; "
            "update it with relay.client.update instead",
        )
    write_client(call.state, recover_client(client, certified_header_from_proto(recover.header)))


# --------------------------------------------------------------------------
# Consents
# --------------------------------------------------------------------------


def get_consent_record_id(enterprise: str, consent_id: str) -> str:
    """The id of the ``consent`` and ``dataset`` records of an enterprise's consent."""
    return f"{enterprise}:{consent_id}"


def _consent_fields(
    consent: SignedConsent | None, enterprise: str, consent_id: str, raw: bytes, status: str
) -> dict[str, object]:
    body = consent.consent if consent is not None else relay_pb2.Consent()
    return {
        "consent_id": consent_id,
        "enterprise": enterprise,
        "bank": body.bank,
        "application_id": body.application_id,
        "expires_ms": body.expires_ms,
        "signed_consent": raw,
        "consent_hash": compute_sha256(raw) if raw else b"",
        "status": status,
        "data_set_id": "",
        "changed_height": 0,
        "reason": "",
    }


def require_loan_consent(call: TxCall, raw: bytes, bank: str, application_id: str) -> SignedConsent:
    """A consent carried by the sender's loan application: signed by the sender's own key,
    naming its enterprise, the application and its bank, valid now.

    MALFORMED_INPUT, the signature's codes, WRONG_CHAIN_ID, CONSENT_WRONG_BANK,
    CONSENT_NOT_YET_VALID, CONSENT_EXPIRED, CONSENT_NOT_BY_OWNER.
    """
    consent = decode_signed_consent(raw)
    verdict = verify_consent_terms(consent, bank, call.context.chain_id, call.context.time_unix_ms)
    if not verdict.ok:
        _raise(verdict)
    enterprise = call.sender.organisation.id
    if consent.public_key != call.tx.body.sender or consent.consent.enterprise != enterprise:
        raise ConsortiumError(
            ErrorCode.CONSENT_NOT_BY_OWNER,
            f"consent {consent.consent.consent_id} must be signed by the applicant's own key "
            f"and name {enterprise}",
        )
    if consent.consent.application_id != application_id:
        raise ConsortiumError(
            ErrorCode.INVALID_FIELD_VALUE,
            f"consent {consent.consent.consent_id} is for application "
            f"{consent.consent.application_id!r}, not {application_id!r}",
        )
    return consent


def record_granted_consent(call: TxCall, consent: SignedConsent, raw: bytes, seed: bytes) -> None:
    """Record a consent an application carries as granted (CONSENT_USED when its id is taken)."""
    enterprise = consent.consent.enterprise
    consent_id = consent.consent.consent_id
    fields = _consent_fields(consent, enterprise, consent_id, raw, CONSENT_GRANTED)
    fields["changed_height"] = call.height
    create_record(
        call.state,
        KIND_CONSENT,
        get_consent_record_id(enterprise, consent_id),
        fields,
        seed,
        call.height,
        exists_code=ErrorCode.CONSENT_USED,
    )


def check_revoke_consent(payload: finance_pb2.RevokeConsent) -> str:
    """Why a ``RevokeConsent`` payload is unusable, or ""."""
    return get_first_error(
        get_id_error(payload.consent_id, "consent_id"),
        get_text_error(payload.reason, "reason", required=False),
        get_record_seed_error(payload.record_seed),
    )


def execute_revoke_consent(call: TxCall) -> None:
    """The sender enterprise revokes its consent: CONSENT_USED when a transfer used it
    already, CONSENT_REVOKED when it is revoked already."""
    payload: finance_pb2.RevokeConsent = call.payload
    enterprise = call.sender.organisation.id
    record_id = get_consent_record_id(enterprise, payload.consent_id)
    record = read_record(call.state, KIND_CONSENT, record_id)
    changes = {"status": CONSENT_REVOKED, "changed_height": call.height, "reason": payload.reason}
    if record is None:
        fields = _consent_fields(None, enterprise, payload.consent_id, b"", CONSENT_REVOKED)
        fields.update(changes)
        create_record(call.state, KIND_CONSENT, record_id, fields, payload.record_seed, call.height)
        return
    _require_usable(record)
    update_record(call.state, record, changes, call.height)


def _require_usable(record: StoredRecord) -> None:
    status = record.get("status")
    if status == CONSENT_REVOKED:
        raise ConsortiumError(
            ErrorCode.CONSENT_REVOKED,
            f"consent {record.get('consent_id')} was revoked at height "
            f"{record.get('changed_height')}",
        )
    if status == CONSENT_USED:
        raise ConsortiumError(
            ErrorCode.CONSENT_USED,
            f"consent {record.get('consent_id')} was used at height "
            f"{record.get('changed_height')} (data set {record.get('data_set_id')})",
        )


# --------------------------------------------------------------------------
# Transfers
# --------------------------------------------------------------------------


def check_transfer(payload: finance_pb2.RelayTransfer) -> str:
    """Why a ``RelayTransfer`` payload is unusable, or "" (proofs: on execution)."""
    return get_first_error(
        ""
        if len(payload.headers) <= MAX_TRANSFER_HEADERS
        else f"a transfer carries at most {MAX_TRANSFER_HEADERS} headers",
        "" if payload.transfer.signed_consent else "the transfer carries no consent",
        get_record_seed_error(payload.record_seed),
    )


def _read_clients(state: StateReader, transfer: relay_pb2.Transfer, identity_chain: str):
    heights: dict[str, set[int]] = {identity_chain: {transfer.identity.height}}
    for record in transfer.records:
        heights.setdefault(record.chain_id, set()).add(record.height)
    clients = {}
    for chain_id, wanted in heights.items():
        client = read_client(state, chain_id, wanted)
        if client is not None:
            clients[ChainId(chain_id)] = client
    return clients


def encode_data_set_records(data_set: VerifiedDataSet) -> bytes:
    """The ``DataSetRecords`` bytes of a verified data set (fields in disclosed order)."""
    message = finance_pb2.DataSetRecords(
        records=[
            finance_pb2.DataSetRecord(
                chain_id=record.chain_id,
                height=record.height,
                kind=record.kind,
                id=record.record_id,
                version=record.version,
                commitment=record.commitment,
                fields=[
                    records_pb2.RecordField(name=name, value=encode_field_value(value))
                    for name, value in record.fields.items()
                ],
            )
            for record in data_set.records
        ]
    )
    return message.SerializeToString()


def decode_data_set_records(raw: bytes) -> list[VerifiedRecord]:
    """The records of a ``dataset`` record's ``records`` field (``DataSetRecords``), with
    their disclosed values decoded; MALFORMED_INPUT when they do not decode."""
    message = parse_message(finance_pb2.DataSetRecords, raw)
    return [
        VerifiedRecord(
            chain_id=ChainId(record.chain_id),
            height=Height(record.height),
            kind=record.kind,
            record_id=record.id,
            version=record.version,
            commitment=Hash32(record.commitment),
            fields={field.name: decode_field_value(field.value) for field in record.fields},
        )
        for record in message.records
    ]


def get_data_set_sources(data_set: VerifiedDataSet) -> str:
    """The heights a data set rests on, e.g. ``industry-1@31 tax-1@57``."""
    pairs = sorted({(record.chain_id, record.height) for record in data_set.records})
    return " ".join(f"{chain_id}@{height}" for chain_id, height in pairs)


def require_usable_consent(
    state: StateReader, consent: SignedConsent, raw: bytes
) -> StoredRecord | None:
    """The consent's record on this chain (None: not seen yet), if the consent may still be
    used: CONSENT_REVOKED, CONSENT_USED (used, or its id taken by another consent)."""
    enterprise = consent.consent.enterprise
    consent_id = consent.consent.consent_id
    record = read_record(state, KIND_CONSENT, get_consent_record_id(enterprise, consent_id))
    if record is not None:
        _require_usable(record)
        if record.get("consent_hash") != compute_sha256(raw):
            raise ConsortiumError(
                ErrorCode.CONSENT_USED,
                f"consent id {consent_id} of {enterprise} is taken by another consent",
            )
    return record


def verify_and_record_transfer(
    call: TxCall, consent: SignedConsent, bank: str
) -> tuple[VerifiedDataSet, str]:
    """Update the clients with the transfer's headers, verify it for ``bank``, mark the
    consent used and record the data set; return the data set and its record id.

    Refuses the header updates' codes (a conflicting header: CLIENT_FROZEN, with
    nothing recorded: submit it with ``relay.client.update``), CONSENT_REVOKED,
    CONSENT_USED (used, or its id taken by another consent), and every code of
    :func:`relay.transfer.verify_transfer`.
    """
    payload: finance_pb2.RelayTransfer = call.payload
    for header in payload.headers:
        _apply_header(call, header, in_transfer=True)
    enterprise = consent.consent.enterprise
    consent_id = consent.consent.consent_id
    record_id = get_consent_record_id(enterprise, consent_id)
    raw = payload.transfer.signed_consent
    record = require_usable_consent(call.state, consent, raw)
    identity_chain = get_identity_chain(call.state)
    clients = _read_clients(call.state, payload.transfer, identity_chain)
    check = verify_transfer(
        payload.transfer,
        clients,
        identity_chain,
        bank,
        call.context.chain_id,
        call.context.time_unix_ms,
    )
    if check.data_set is None:
        _raise(check.verdict)
    data_set = check.data_set
    used = {"status": CONSENT_USED, "changed_height": call.height, "data_set_id": record_id}
    if record is None:
        fields = _consent_fields(consent, enterprise, consent_id, raw, CONSENT_USED)
        fields.update(used)
        create_record(call.state, KIND_CONSENT, record_id, fields, payload.record_seed, call.height)
    else:
        update_record(call.state, record, used, call.height)
    create_record(
        call.state,
        KIND_DATA_SET,
        record_id,
        {
            "data_set_id": record_id,
            "consent_id": consent_id,
            "consent_hash": compute_sha256(raw),
            "enterprise": enterprise,
            "bank": bank,
            "application_id": data_set.application_id,
            "sources": get_data_set_sources(data_set),
            "record_count": len(data_set.records),
            "records": encode_data_set_records(data_set),
            "transfer_tx": call.tx.tx_id,
            "verified_height": call.height,
            "verified_time_ms": call.context.time_unix_ms,
        },
        payload.record_seed,
        call.height,
    )
    return data_set, record_id
