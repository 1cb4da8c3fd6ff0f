from consortium.v1 import proofs_pb2 as _proofs_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ConsentRecord(_message.Message):
    __slots__ = ("kind", "id", "fields")
    KIND_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    kind: str
    id: str
    fields: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, kind: _Optional[str] = ..., id: _Optional[str] = ..., fields: _Optional[_Iterable[str]] = ...) -> None: ...

class ConsentScope(_message.Message):
    __slots__ = ("chain_id", "records")
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    chain_id: str
    records: _containers.RepeatedCompositeFieldContainer[ConsentRecord]
    def __init__(self, chain_id: _Optional[str] = ..., records: _Optional[_Iterable[_Union[ConsentRecord, _Mapping]]] = ...) -> None: ...

class Consent(_message.Message):
    __slots__ = ("consent_id", "enterprise", "bank", "destination_chain", "purpose", "application_id", "scopes", "not_before_ms", "expires_ms", "nonce")
    CONSENT_ID_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_FIELD_NUMBER: _ClassVar[int]
    BANK_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_CHAIN_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    SCOPES_FIELD_NUMBER: _ClassVar[int]
    NOT_BEFORE_MS_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_MS_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    consent_id: str
    enterprise: str
    bank: str
    destination_chain: str
    purpose: str
    application_id: str
    scopes: _containers.RepeatedCompositeFieldContainer[ConsentScope]
    not_before_ms: int
    expires_ms: int
    nonce: bytes
    def __init__(self, consent_id: _Optional[str] = ..., enterprise: _Optional[str] = ..., bank: _Optional[str] = ..., destination_chain: _Optional[str] = ..., purpose: _Optional[str] = ..., application_id: _Optional[str] = ..., scopes: _Optional[_Iterable[_Union[ConsentScope, _Mapping]]] = ..., not_before_ms: _Optional[int] = ..., expires_ms: _Optional[int] = ..., nonce: _Optional[bytes] = ...) -> None: ...

class SignedConsent(_message.Message):
    __slots__ = ("consent", "public_key", "signature")
    CONSENT_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    consent: bytes
    public_key: bytes
    signature: bytes
    def __init__(self, consent: _Optional[bytes] = ..., public_key: _Optional[bytes] = ..., signature: _Optional[bytes] = ...) -> None: ...

class IdentityProof(_message.Message):
    __slots__ = ("height", "account", "account_proof", "organisation", "organisation_proof")
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_PROOF_FIELD_NUMBER: _ClassVar[int]
    ORGANISATION_FIELD_NUMBER: _ClassVar[int]
    ORGANISATION_PROOF_FIELD_NUMBER: _ClassVar[int]
    height: int
    account: bytes
    account_proof: _proofs_pb2.StateProof
    organisation: bytes
    organisation_proof: _proofs_pb2.StateProof
    def __init__(self, height: _Optional[int] = ..., account: _Optional[bytes] = ..., account_proof: _Optional[_Union[_proofs_pb2.StateProof, _Mapping]] = ..., organisation: _Optional[bytes] = ..., organisation_proof: _Optional[_Union[_proofs_pb2.StateProof, _Mapping]] = ...) -> None: ...

class DisclosedRecord(_message.Message):
    __slots__ = ("chain_id", "height", "kind", "id", "head", "head_proof", "disclosure")
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    HEAD_FIELD_NUMBER: _ClassVar[int]
    HEAD_PROOF_FIELD_NUMBER: _ClassVar[int]
    DISCLOSURE_FIELD_NUMBER: _ClassVar[int]
    chain_id: str
    height: int
    kind: str
    id: str
    head: bytes
    head_proof: _proofs_pb2.StateProof
    disclosure: _proofs_pb2.RecordDisclosure
    def __init__(self, chain_id: _Optional[str] = ..., height: _Optional[int] = ..., kind: _Optional[str] = ..., id: _Optional[str] = ..., head: _Optional[bytes] = ..., head_proof: _Optional[_Union[_proofs_pb2.StateProof, _Mapping]] = ..., disclosure: _Optional[_Union[_proofs_pb2.RecordDisclosure, _Mapping]] = ...) -> None: ...

class Transfer(_message.Message):
    __slots__ = ("signed_consent", "identity", "records")
    SIGNED_CONSENT_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    signed_consent: bytes
    identity: IdentityProof
    records: _containers.RepeatedCompositeFieldContainer[DisclosedRecord]
    def __init__(self, signed_consent: _Optional[bytes] = ..., identity: _Optional[_Union[IdentityProof, _Mapping]] = ..., records: _Optional[_Iterable[_Union[DisclosedRecord, _Mapping]]] = ...) -> None: ...

class CertifiedHeaderBytes(_message.Message):
    __slots__ = ("header", "certificate", "validator_set")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    VALIDATOR_SET_FIELD_NUMBER: _ClassVar[int]
    header: bytes
    certificate: bytes
    validator_set: bytes
    def __init__(self, header: _Optional[bytes] = ..., certificate: _Optional[bytes] = ..., validator_set: _Optional[bytes] = ...) -> None: ...

class Misbehaviour(_message.Message):
    __slots__ = ("height", "first", "second", "trusted_hash")
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    FIRST_FIELD_NUMBER: _ClassVar[int]
    SECOND_FIELD_NUMBER: _ClassVar[int]
    TRUSTED_HASH_FIELD_NUMBER: _ClassVar[int]
    height: int
    first: CertifiedHeaderBytes
    second: CertifiedHeaderBytes
    trusted_hash: bytes
    def __init__(self, height: _Optional[int] = ..., first: _Optional[_Union[CertifiedHeaderBytes, _Mapping]] = ..., second: _Optional[_Union[CertifiedHeaderBytes, _Mapping]] = ..., trusted_hash: _Optional[bytes] = ...) -> None: ...

class LightClientState(_message.Message):
    __slots__ = ("chain_id", "trusting_period_ms", "max_clock_drift_ms", "latest_height", "frozen_by")
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    TRUSTING_PERIOD_MS_FIELD_NUMBER: _ClassVar[int]
    MAX_CLOCK_DRIFT_MS_FIELD_NUMBER: _ClassVar[int]
    LATEST_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    FROZEN_BY_FIELD_NUMBER: _ClassVar[int]
    chain_id: str
    trusting_period_ms: int
    max_clock_drift_ms: int
    latest_height: int
    frozen_by: Misbehaviour
    def __init__(self, chain_id: _Optional[str] = ..., trusting_period_ms: _Optional[int] = ..., max_clock_drift_ms: _Optional[int] = ..., latest_height: _Optional[int] = ..., frozen_by: _Optional[_Union[Misbehaviour, _Mapping]] = ...) -> None: ...

class TrustedHeader(_message.Message):
    __slots__ = ("height", "time_unix_ms", "header_hash", "state_root", "validators_hash", "next_validators_hash")
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    TIME_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    HEADER_HASH_FIELD_NUMBER: _ClassVar[int]
    STATE_ROOT_FIELD_NUMBER: _ClassVar[int]
    VALIDATORS_HASH_FIELD_NUMBER: _ClassVar[int]
    NEXT_VALIDATORS_HASH_FIELD_NUMBER: _ClassVar[int]
    height: int
    time_unix_ms: int
    header_hash: bytes
    state_root: bytes
    validators_hash: bytes
    next_validators_hash: bytes
    def __init__(self, height: _Optional[int] = ..., time_unix_ms: _Optional[int] = ..., header_hash: _Optional[bytes] = ..., state_root: _Optional[bytes] = ..., validators_hash: _Optional[bytes] = ..., next_validators_hash: _Optional[bytes] = ...) -> None: ...
