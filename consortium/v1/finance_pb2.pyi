from consortium.v1 import records_pb2 as _records_pb2
from consortium.v1 import relay_pb2 as _relay_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PolicyRule(_message.Message):
    __slots__ = ("field", "op", "int_value", "str_value", "bool_value", "reason")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    OP_FIELD_NUMBER: _ClassVar[int]
    INT_VALUE_FIELD_NUMBER: _ClassVar[int]
    STR_VALUE_FIELD_NUMBER: _ClassVar[int]
    BOOL_VALUE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    field: str
    op: str
    int_value: int
    str_value: str
    bool_value: bool
    reason: str
    def __init__(self, field: _Optional[str] = ..., op: _Optional[str] = ..., int_value: _Optional[int] = ..., str_value: _Optional[str] = ..., bool_value: _Optional[bool] = ..., reason: _Optional[str] = ...) -> None: ...

class PolicyRules(_message.Message):
    __slots__ = ("rules",)
    RULES_FIELD_NUMBER: _ClassVar[int]
    rules: _containers.RepeatedCompositeFieldContainer[PolicyRule]
    def __init__(self, rules: _Optional[_Iterable[_Union[PolicyRule, _Mapping]]] = ...) -> None: ...

class RegisterPolicy(_message.Message):
    __slots__ = ("policy_id", "name", "rules", "max_amount", "amount_basis_field", "amount_basis_ratio_bp", "rate_bp", "record_seed")
    POLICY_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    RULES_FIELD_NUMBER: _ClassVar[int]
    MAX_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_BASIS_FIELD_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_BASIS_RATIO_BP_FIELD_NUMBER: _ClassVar[int]
    RATE_BP_FIELD_NUMBER: _ClassVar[int]
    RECORD_SEED_FIELD_NUMBER: _ClassVar[int]
    policy_id: str
    name: str
    rules: _containers.RepeatedCompositeFieldContainer[PolicyRule]
    max_amount: int
    amount_basis_field: str
    amount_basis_ratio_bp: int
    rate_bp: int
    record_seed: bytes
    def __init__(self, policy_id: _Optional[str] = ..., name: _Optional[str] = ..., rules: _Optional[_Iterable[_Union[PolicyRule, _Mapping]]] = ..., max_amount: _Optional[int] = ..., amount_basis_field: _Optional[str] = ..., amount_basis_ratio_bp: _Optional[int] = ..., rate_bp: _Optional[int] = ..., record_seed: _Optional[bytes] = ...) -> None: ...

class ApplyForLoan(_message.Message):
    __slots__ = ("application_id", "bank", "amount", "term_months", "purpose", "policy_id", "record_seed", "signed_consent", "consent_record_seed")
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    BANK_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    TERM_MONTHS_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    POLICY_ID_FIELD_NUMBER: _ClassVar[int]
    RECORD_SEED_FIELD_NUMBER: _ClassVar[int]
    SIGNED_CONSENT_FIELD_NUMBER: _ClassVar[int]
    CONSENT_RECORD_SEED_FIELD_NUMBER: _ClassVar[int]
    application_id: str
    bank: str
    amount: int
    term_months: int
    purpose: str
    policy_id: str
    record_seed: bytes
    signed_consent: bytes
    consent_record_seed: bytes
    def __init__(self, application_id: _Optional[str] = ..., bank: _Optional[str] = ..., amount: _Optional[int] = ..., term_months: _Optional[int] = ..., purpose: _Optional[str] = ..., policy_id: _Optional[str] = ..., record_seed: _Optional[bytes] = ..., signed_consent: _Optional[bytes] = ..., consent_record_seed: _Optional[bytes] = ...) -> None: ...

class DecideLoan(_message.Message):
    __slots__ = ("decision_id", "application_id", "approve", "amount", "rate_bp", "reasons", "record_seed")
    DECISION_ID_FIELD_NUMBER: _ClassVar[int]
    APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    APPROVE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    RATE_BP_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    RECORD_SEED_FIELD_NUMBER: _ClassVar[int]
    decision_id: str
    application_id: str
    approve: bool
    amount: int
    rate_bp: int
    reasons: _containers.RepeatedScalarFieldContainer[str]
    record_seed: bytes
    def __init__(self, decision_id: _Optional[str] = ..., application_id: _Optional[str] = ..., approve: _Optional[bool] = ..., amount: _Optional[int] = ..., rate_bp: _Optional[int] = ..., reasons: _Optional[_Iterable[str]] = ..., record_seed: _Optional[bytes] = ...) -> None: ...

class ClientHeader(_message.Message):
    __slots__ = ("chain_id", "header")
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    HEADER_FIELD_NUMBER: _ClassVar[int]
    chain_id: str
    header: _relay_pb2.CertifiedHeaderBytes
    def __init__(self, chain_id: _Optional[str] = ..., header: _Optional[_Union[_relay_pb2.CertifiedHeaderBytes, _Mapping]] = ...) -> None: ...

class UpdateClient(_message.Message):
    __slots__ = ("header",)
    HEADER_FIELD_NUMBER: _ClassVar[int]
    header: ClientHeader
    def __init__(self, header: _Optional[_Union[ClientHeader, _Mapping]] = ...) -> None: ...

class SubmitMisbehaviour(_message.Message):
    __slots__ = ("chain_id", "first", "second")
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    FIRST_FIELD_NUMBER: _ClassVar[int]
    SECOND_FIELD_NUMBER: _ClassVar[int]
    chain_id: str
    first: _relay_pb2.CertifiedHeaderBytes
    second: _relay_pb2.CertifiedHeaderBytes
    def __init__(self, chain_id: _Optional[str] = ..., first: _Optional[_Union[_relay_pb2.CertifiedHeaderBytes, _Mapping]] = ..., second: _Optional[_Union[_relay_pb2.CertifiedHeaderBytes, _Mapping]] = ...) -> None: ...

class RelayTransfer(_message.Message):
    __slots__ = ("headers", "transfer", "record_seed")
    HEADERS_FIELD_NUMBER: _ClassVar[int]
    TRANSFER_FIELD_NUMBER: _ClassVar[int]
    RECORD_SEED_FIELD_NUMBER: _ClassVar[int]
    headers: _containers.RepeatedCompositeFieldContainer[ClientHeader]
    transfer: _relay_pb2.Transfer
    record_seed: bytes
    def __init__(self, headers: _Optional[_Iterable[_Union[ClientHeader, _Mapping]]] = ..., transfer: _Optional[_Union[_relay_pb2.Transfer, _Mapping]] = ..., record_seed: _Optional[bytes] = ...) -> None: ...

class RevokeConsent(_message.Message):
    __slots__ = ("consent_id", "reason", "record_seed")
    CONSENT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    RECORD_SEED_FIELD_NUMBER: _ClassVar[int]
    consent_id: str
    reason: str
    record_seed: bytes
    def __init__(self, consent_id: _Optional[str] = ..., reason: _Optional[str] = ..., record_seed: _Optional[bytes] = ...) -> None: ...

class DataSetRecord(_message.Message):
    __slots__ = ("chain_id", "height", "kind", "id", "version", "commitment", "fields")
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    chain_id: str
    height: int
    kind: str
    id: str
    version: int
    commitment: bytes
    fields: _containers.RepeatedCompositeFieldContainer[_records_pb2.RecordField]
    def __init__(self, chain_id: _Optional[str] = ..., height: _Optional[int] = ..., kind: _Optional[str] = ..., id: _Optional[str] = ..., version: _Optional[int] = ..., commitment: _Optional[bytes] = ..., fields: _Optional[_Iterable[_Union[_records_pb2.RecordField, _Mapping]]] = ...) -> None: ...

class DataSetRecords(_message.Message):
    __slots__ = ("records",)
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    records: _containers.RepeatedCompositeFieldContainer[DataSetRecord]
    def __init__(self, records: _Optional[_Iterable[_Union[DataSetRecord, _Mapping]]] = ...) -> None: ...
