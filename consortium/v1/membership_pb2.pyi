from consortium.v1 import relay_pb2 as _relay_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Role(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ROLE_UNSPECIFIED: _ClassVar[Role]
    ROLE_TAX_BUREAU: _ClassVar[Role]
    ROLE_PUBLIC_SECURITY: _ClassVar[Role]
    ROLE_CUSTOMS: _ClassVar[Role]
    ROLE_CENTRAL_BANK: _ClassVar[Role]
    ROLE_INDUSTRY_ASSOCIATION: _ClassVar[Role]
    ROLE_ENTERPRISE_FEDERATION: _ClassVar[Role]
    ROLE_BANK: _ClassVar[Role]
    ROLE_ENTERPRISE: _ClassVar[Role]
    ROLE_AUDITOR: _ClassVar[Role]
    ROLE_RELAY: _ClassVar[Role]

class MemberStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MEMBER_STATUS_UNSPECIFIED: _ClassVar[MemberStatus]
    MEMBER_STATUS_ACTIVE: _ClassVar[MemberStatus]
    MEMBER_STATUS_SUSPENDED: _ClassVar[MemberStatus]
ROLE_UNSPECIFIED: Role
ROLE_TAX_BUREAU: Role
ROLE_PUBLIC_SECURITY: Role
ROLE_CUSTOMS: Role
ROLE_CENTRAL_BANK: Role
ROLE_INDUSTRY_ASSOCIATION: Role
ROLE_ENTERPRISE_FEDERATION: Role
ROLE_BANK: Role
ROLE_ENTERPRISE: Role
ROLE_AUDITOR: Role
ROLE_RELAY: Role
MEMBER_STATUS_UNSPECIFIED: MemberStatus
MEMBER_STATUS_ACTIVE: MemberStatus
MEMBER_STATUS_SUSPENDED: MemberStatus

class Organisation(_message.Message):
    __slots__ = ("id", "name", "role", "status", "governing", "industry", "region", "registered_height")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    GOVERNING_FIELD_NUMBER: _ClassVar[int]
    INDUSTRY_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    REGISTERED_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    role: Role
    status: MemberStatus
    governing: bool
    industry: str
    region: str
    registered_height: int
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., role: _Optional[_Union[Role, str]] = ..., status: _Optional[_Union[MemberStatus, str]] = ..., governing: _Optional[bool] = ..., industry: _Optional[str] = ..., region: _Optional[str] = ..., registered_height: _Optional[int] = ...) -> None: ...

class Account(_message.Message):
    __slots__ = ("organisation_id", "name")
    ORGANISATION_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    organisation_id: str
    name: str
    def __init__(self, organisation_id: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class RegisterEnterprise(_message.Message):
    __slots__ = ("uscc", "name", "industry", "region", "account_key", "account_name")
    USCC_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    INDUSTRY_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_KEY_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_NAME_FIELD_NUMBER: _ClassVar[int]
    uscc: str
    name: str
    industry: str
    region: str
    account_key: bytes
    account_name: str
    def __init__(self, uscc: _Optional[str] = ..., name: _Optional[str] = ..., industry: _Optional[str] = ..., region: _Optional[str] = ..., account_key: _Optional[bytes] = ..., account_name: _Optional[str] = ...) -> None: ...

class AddAccount(_message.Message):
    __slots__ = ("account_key", "name")
    ACCOUNT_KEY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    account_key: bytes
    name: str
    def __init__(self, account_key: _Optional[bytes] = ..., name: _Optional[str] = ...) -> None: ...

class GovernanceProposal(_message.Message):
    __slots__ = ("chain_id", "proposal_id", "expires_at_unix_ms", "add_member", "suspend_member", "reinstate_member", "recover_client")
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    PROPOSAL_ID_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    ADD_MEMBER_FIELD_NUMBER: _ClassVar[int]
    SUSPEND_MEMBER_FIELD_NUMBER: _ClassVar[int]
    REINSTATE_MEMBER_FIELD_NUMBER: _ClassVar[int]
    RECOVER_CLIENT_FIELD_NUMBER: _ClassVar[int]
    chain_id: str
    proposal_id: str
    expires_at_unix_ms: int
    add_member: AddMember
    suspend_member: SetMemberStatus
    reinstate_member: SetMemberStatus
    recover_client: RecoverClient
    def __init__(self, chain_id: _Optional[str] = ..., proposal_id: _Optional[str] = ..., expires_at_unix_ms: _Optional[int] = ..., add_member: _Optional[_Union[AddMember, _Mapping]] = ..., suspend_member: _Optional[_Union[SetMemberStatus, _Mapping]] = ..., reinstate_member: _Optional[_Union[SetMemberStatus, _Mapping]] = ..., recover_client: _Optional[_Union[RecoverClient, _Mapping]] = ...) -> None: ...

class RecoverClient(_message.Message):
    __slots__ = ("client_chain_id", "header")
    CLIENT_CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    HEADER_FIELD_NUMBER: _ClassVar[int]
    client_chain_id: str
    header: _relay_pb2.CertifiedHeaderBytes
    def __init__(self, client_chain_id: _Optional[str] = ..., header: _Optional[_Union[_relay_pb2.CertifiedHeaderBytes, _Mapping]] = ...) -> None: ...

class AddMember(_message.Message):
    __slots__ = ("id", "name", "role", "governing", "account_key", "account_name", "industry", "region")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    GOVERNING_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_KEY_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_NAME_FIELD_NUMBER: _ClassVar[int]
    INDUSTRY_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    role: Role
    governing: bool
    account_key: bytes
    account_name: str
    industry: str
    region: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., role: _Optional[_Union[Role, str]] = ..., governing: _Optional[bool] = ..., account_key: _Optional[bytes] = ..., account_name: _Optional[str] = ..., industry: _Optional[str] = ..., region: _Optional[str] = ...) -> None: ...

class SetMemberStatus(_message.Message):
    __slots__ = ("organisation_id", "reason")
    ORGANISATION_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    organisation_id: str
    reason: str
    def __init__(self, organisation_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class GovernanceApproval(_message.Message):
    __slots__ = ("account_key", "signature")
    ACCOUNT_KEY_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    account_key: bytes
    signature: bytes
    def __init__(self, account_key: _Optional[bytes] = ..., signature: _Optional[bytes] = ...) -> None: ...

class GovernanceAction(_message.Message):
    __slots__ = ("proposal", "approvals")
    PROPOSAL_FIELD_NUMBER: _ClassVar[int]
    APPROVALS_FIELD_NUMBER: _ClassVar[int]
    proposal: bytes
    approvals: _containers.RepeatedCompositeFieldContainer[GovernanceApproval]
    def __init__(self, proposal: _Optional[bytes] = ..., approvals: _Optional[_Iterable[_Union[GovernanceApproval, _Mapping]]] = ...) -> None: ...

class GoverningSet(_message.Message):
    __slots__ = ("organisation_ids",)
    ORGANISATION_IDS_FIELD_NUMBER: _ClassVar[int]
    organisation_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, organisation_ids: _Optional[_Iterable[str]] = ...) -> None: ...
