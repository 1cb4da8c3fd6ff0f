from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ErrorCode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ERROR_CODE_UNSPECIFIED: _ClassVar[ErrorCode]
    MALFORMED_INPUT: _ClassVar[ErrorCode]
    UNKNOWN_BACKEND: _ClassVar[ErrorCode]
    WRONG_CHAIN_ID: _ClassVar[ErrorCode]
    INVALID_SECRET_KEY: _ClassVar[ErrorCode]
    INVALID_PUBLIC_KEY: _ClassVar[ErrorCode]
    INVALID_SIGNATURE_ENCODING: _ClassVar[ErrorCode]
    BAD_SIGNATURE: _ClassVar[ErrorCode]
    EMPTY_SIGNER_SET: _ClassVar[ErrorCode]
    INVALID_PROOF_OF_POSSESSION: _ClassVar[ErrorCode]
    INVALID_KEY_MATERIAL: _ClassVar[ErrorCode]
    MERKLE_INDEX_OUT_OF_RANGE: _ClassVar[ErrorCode]
    MERKLE_PROOF_LENGTH: _ClassVar[ErrorCode]
    MERKLE_HASH_LENGTH: _ClassVar[ErrorCode]
    MERKLE_ROOT_MISMATCH: _ClassVar[ErrorCode]
    MERKLE_TREE_SIZE: _ClassVar[ErrorCode]
    STATE_PROOF_MALFORMED: _ClassVar[ErrorCode]
    STATE_ROOT_MISMATCH: _ClassVar[ErrorCode]
    STATE_KEY_PRESENT: _ClassVar[ErrorCode]
    STATE_KEY_ABSENT: _ClassVar[ErrorCode]
    STATE_VALUE_MISMATCH: _ClassVar[ErrorCode]
    STATE_VERSION_UNAVAILABLE: _ClassVar[ErrorCode]
    RECORD_MALFORMED: _ClassVar[ErrorCode]
    RECORD_DUPLICATE_FIELD: _ClassVar[ErrorCode]
    RECORD_FIELD_UNKNOWN: _ClassVar[ErrorCode]
    RECORD_COMMITMENT_MISMATCH: _ClassVar[ErrorCode]
    INSUFFICIENT_VOTING_POWER: _ClassVar[ErrorCode]
    UNKNOWN_SIGNER: _ClassVar[ErrorCode]
    DUPLICATE_SIGNER: _ClassVar[ErrorCode]
    WRONG_HEIGHT: _ClassVar[ErrorCode]
    BLOCK_HASH_MISMATCH: _ClassVar[ErrorCode]
    DOUBLE_SIGN_REFUSED: _ClassVar[ErrorCode]
    INVALID_VALIDATOR_SET: _ClassVar[ErrorCode]
    VALIDATORS_HASH_MISMATCH: _ClassVar[ErrorCode]
    STALE_NONCE: _ClassVar[ErrorCode]
    MEMPOOL_FULL: _ClassVar[ErrorCode]
    TX_TOO_LARGE: _ClassVar[ErrorCode]
    DUPLICATE_TX: _ClassVar[ErrorCode]
    UNKNOWN_TX_TYPE: _ClassVar[ErrorCode]
    NOT_FOUND: _ClassVar[ErrorCode]
    BATCH_TOO_LARGE: _ClassVar[ErrorCode]
    STORAGE_MISCONFIGURED: _ClassVar[ErrorCode]
    STORAGE_CONFLICT: _ClassVar[ErrorCode]
    GENESIS_MISMATCH: _ClassVar[ErrorCode]
    STATE_DIVERGED: _ClassVar[ErrorCode]
    INVALID_CONFIG: _ClassVar[ErrorCode]
    INVALID_BLOCK: _ClassVar[ErrorCode]
    UNKNOWN_ACCOUNT: _ClassVar[ErrorCode]
    NONCE_GAP: _ClassVar[ErrorCode]
ERROR_CODE_UNSPECIFIED: ErrorCode
MALFORMED_INPUT: ErrorCode
UNKNOWN_BACKEND: ErrorCode
WRONG_CHAIN_ID: ErrorCode
INVALID_SECRET_KEY: ErrorCode
INVALID_PUBLIC_KEY: ErrorCode
INVALID_SIGNATURE_ENCODING: ErrorCode
BAD_SIGNATURE: ErrorCode
EMPTY_SIGNER_SET: ErrorCode
INVALID_PROOF_OF_POSSESSION: ErrorCode
INVALID_KEY_MATERIAL: ErrorCode
MERKLE_INDEX_OUT_OF_RANGE: ErrorCode
MERKLE_PROOF_LENGTH: ErrorCode
MERKLE_HASH_LENGTH: ErrorCode
MERKLE_ROOT_MISMATCH: ErrorCode
MERKLE_TREE_SIZE: ErrorCode
STATE_PROOF_MALFORMED: ErrorCode
STATE_ROOT_MISMATCH: ErrorCode
STATE_KEY_PRESENT: ErrorCode
STATE_KEY_ABSENT: ErrorCode
STATE_VALUE_MISMATCH: ErrorCode
STATE_VERSION_UNAVAILABLE: ErrorCode
RECORD_MALFORMED: ErrorCode
RECORD_DUPLICATE_FIELD: ErrorCode
RECORD_FIELD_UNKNOWN: ErrorCode
RECORD_COMMITMENT_MISMATCH: ErrorCode
INSUFFICIENT_VOTING_POWER: ErrorCode
UNKNOWN_SIGNER: ErrorCode
DUPLICATE_SIGNER: ErrorCode
WRONG_HEIGHT: ErrorCode
BLOCK_HASH_MISMATCH: ErrorCode
DOUBLE_SIGN_REFUSED: ErrorCode
INVALID_VALIDATOR_SET: ErrorCode
VALIDATORS_HASH_MISMATCH: ErrorCode
STALE_NONCE: ErrorCode
MEMPOOL_FULL: ErrorCode
TX_TOO_LARGE: ErrorCode
DUPLICATE_TX: ErrorCode
UNKNOWN_TX_TYPE: ErrorCode
NOT_FOUND: ErrorCode
BATCH_TOO_LARGE: ErrorCode
STORAGE_MISCONFIGURED: ErrorCode
STORAGE_CONFLICT: ErrorCode
GENESIS_MISMATCH: ErrorCode
STATE_DIVERGED: ErrorCode
INVALID_CONFIG: ErrorCode
INVALID_BLOCK: ErrorCode
UNKNOWN_ACCOUNT: ErrorCode
NONCE_GAP: ErrorCode

class ErrorDetail(_message.Message):
    __slots__ = ("code", "message")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    code: ErrorCode
    message: str
    def __init__(self, code: _Optional[_Union[ErrorCode, str]] = ..., message: _Optional[str] = ...) -> None: ...
