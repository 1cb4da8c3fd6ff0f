from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class TransactionBody(_message.Message):
    __slots__ = ("chain_id", "sender", "nonce", "type", "payload")
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    SENDER_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    chain_id: str
    sender: bytes
    nonce: int
    type: str
    payload: bytes
    def __init__(self, chain_id: _Optional[str] = ..., sender: _Optional[bytes] = ..., nonce: _Optional[int] = ..., type: _Optional[str] = ..., payload: _Optional[bytes] = ...) -> None: ...

class SignedTransaction(_message.Message):
    __slots__ = ("body", "signature")
    BODY_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    body: bytes
    signature: bytes
    def __init__(self, body: _Optional[bytes] = ..., signature: _Optional[bytes] = ...) -> None: ...

class BlockHeader(_message.Message):
    __slots__ = ("chain_id", "height", "time_unix_ms", "prev_block_hash", "tx_root", "tx_count", "state_root", "validators_hash", "next_validators_hash", "proposer")
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    TIME_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    PREV_BLOCK_HASH_FIELD_NUMBER: _ClassVar[int]
    TX_ROOT_FIELD_NUMBER: _ClassVar[int]
    TX_COUNT_FIELD_NUMBER: _ClassVar[int]
    STATE_ROOT_FIELD_NUMBER: _ClassVar[int]
    VALIDATORS_HASH_FIELD_NUMBER: _ClassVar[int]
    NEXT_VALIDATORS_HASH_FIELD_NUMBER: _ClassVar[int]
    PROPOSER_FIELD_NUMBER: _ClassVar[int]
    chain_id: str
    height: int
    time_unix_ms: int
    prev_block_hash: bytes
    tx_root: bytes
    tx_count: int
    state_root: bytes
    validators_hash: bytes
    next_validators_hash: bytes
    proposer: bytes
    def __init__(self, chain_id: _Optional[str] = ..., height: _Optional[int] = ..., time_unix_ms: _Optional[int] = ..., prev_block_hash: _Optional[bytes] = ..., tx_root: _Optional[bytes] = ..., tx_count: _Optional[int] = ..., state_root: _Optional[bytes] = ..., validators_hash: _Optional[bytes] = ..., next_validators_hash: _Optional[bytes] = ..., proposer: _Optional[bytes] = ...) -> None: ...

class Block(_message.Message):
    __slots__ = ("header", "txs")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    TXS_FIELD_NUMBER: _ClassVar[int]
    header: bytes
    txs: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, header: _Optional[bytes] = ..., txs: _Optional[_Iterable[bytes]] = ...) -> None: ...
