from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class VoteType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VOTE_TYPE_UNSPECIFIED: _ClassVar[VoteType]
    PREVOTE: _ClassVar[VoteType]
    PRECOMMIT: _ClassVar[VoteType]
VOTE_TYPE_UNSPECIFIED: VoteType
PREVOTE: VoteType
PRECOMMIT: VoteType

class Vote(_message.Message):
    __slots__ = ("type", "chain_id", "height", "round", "block_hash", "validator_index", "signature")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    BLOCK_HASH_FIELD_NUMBER: _ClassVar[int]
    VALIDATOR_INDEX_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    type: VoteType
    chain_id: str
    height: int
    round: int
    block_hash: bytes
    validator_index: int
    signature: bytes
    def __init__(self, type: _Optional[_Union[VoteType, str]] = ..., chain_id: _Optional[str] = ..., height: _Optional[int] = ..., round: _Optional[int] = ..., block_hash: _Optional[bytes] = ..., validator_index: _Optional[int] = ..., signature: _Optional[bytes] = ...) -> None: ...

class Proposal(_message.Message):
    __slots__ = ("chain_id", "height", "round", "valid_round", "block", "proposer_index", "signature")
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    VALID_ROUND_FIELD_NUMBER: _ClassVar[int]
    BLOCK_FIELD_NUMBER: _ClassVar[int]
    PROPOSER_INDEX_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    chain_id: str
    height: int
    round: int
    valid_round: int
    block: bytes
    proposer_index: int
    signature: bytes
    def __init__(self, chain_id: _Optional[str] = ..., height: _Optional[int] = ..., round: _Optional[int] = ..., valid_round: _Optional[int] = ..., block: _Optional[bytes] = ..., proposer_index: _Optional[int] = ..., signature: _Optional[bytes] = ...) -> None: ...

class CommitCertificate(_message.Message):
    __slots__ = ("height", "round", "block_hash", "signer_bitmap", "aggregate_signature")
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    BLOCK_HASH_FIELD_NUMBER: _ClassVar[int]
    SIGNER_BITMAP_FIELD_NUMBER: _ClassVar[int]
    AGGREGATE_SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    height: int
    round: int
    block_hash: bytes
    signer_bitmap: bytes
    aggregate_signature: bytes
    def __init__(self, height: _Optional[int] = ..., round: _Optional[int] = ..., block_hash: _Optional[bytes] = ..., signer_bitmap: _Optional[bytes] = ..., aggregate_signature: _Optional[bytes] = ...) -> None: ...

class Validator(_message.Message):
    __slots__ = ("name", "bls_public_key", "proof_of_possession", "voting_power")
    NAME_FIELD_NUMBER: _ClassVar[int]
    BLS_PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    PROOF_OF_POSSESSION_FIELD_NUMBER: _ClassVar[int]
    VOTING_POWER_FIELD_NUMBER: _ClassVar[int]
    name: str
    bls_public_key: bytes
    proof_of_possession: bytes
    voting_power: int
    def __init__(self, name: _Optional[str] = ..., bls_public_key: _Optional[bytes] = ..., proof_of_possession: _Optional[bytes] = ..., voting_power: _Optional[int] = ...) -> None: ...

class ValidatorSet(_message.Message):
    __slots__ = ("validators",)
    VALIDATORS_FIELD_NUMBER: _ClassVar[int]
    validators: _containers.RepeatedCompositeFieldContainer[Validator]
    def __init__(self, validators: _Optional[_Iterable[_Union[Validator, _Mapping]]] = ...) -> None: ...
