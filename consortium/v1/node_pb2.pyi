from consortium.v1 import errors_pb2 as _errors_pb2
from consortium.v1 import proofs_pb2 as _proofs_pb2
from consortium.v1 import relay_pb2 as _relay_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SubmitTransactionsRequest(_message.Message):
    __slots__ = ("txs",)
    TXS_FIELD_NUMBER: _ClassVar[int]
    txs: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, txs: _Optional[_Iterable[bytes]] = ...) -> None: ...

class TxAdmission(_message.Message):
    __slots__ = ("tx_id", "code", "message")
    TX_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    tx_id: bytes
    code: _errors_pb2.ErrorCode
    message: str
    def __init__(self, tx_id: _Optional[bytes] = ..., code: _Optional[_Union[_errors_pb2.ErrorCode, str]] = ..., message: _Optional[str] = ...) -> None: ...

class SubmitTransactionsResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[TxAdmission]
    def __init__(self, results: _Optional[_Iterable[_Union[TxAdmission, _Mapping]]] = ...) -> None: ...

class GetChainInfoRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ChainInfo(_message.Message):
    __slots__ = ("chain_id", "genesis_hash", "height", "last_block_hash", "last_block_time_unix_ms", "earliest_state_height", "round", "mempool_size", "peers", "node_name", "validator_public_key")
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    GENESIS_HASH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    LAST_BLOCK_HASH_FIELD_NUMBER: _ClassVar[int]
    LAST_BLOCK_TIME_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    EARLIEST_STATE_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    MEMPOOL_SIZE_FIELD_NUMBER: _ClassVar[int]
    PEERS_FIELD_NUMBER: _ClassVar[int]
    NODE_NAME_FIELD_NUMBER: _ClassVar[int]
    VALIDATOR_PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    chain_id: str
    genesis_hash: bytes
    height: int
    last_block_hash: bytes
    last_block_time_unix_ms: int
    earliest_state_height: int
    round: int
    mempool_size: int
    peers: int
    node_name: str
    validator_public_key: bytes
    def __init__(self, chain_id: _Optional[str] = ..., genesis_hash: _Optional[bytes] = ..., height: _Optional[int] = ..., last_block_hash: _Optional[bytes] = ..., last_block_time_unix_ms: _Optional[int] = ..., earliest_state_height: _Optional[int] = ..., round: _Optional[int] = ..., mempool_size: _Optional[int] = ..., peers: _Optional[int] = ..., node_name: _Optional[str] = ..., validator_public_key: _Optional[bytes] = ...) -> None: ...

class GetBlockRequest(_message.Message):
    __slots__ = ("height", "hash")
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    HASH_FIELD_NUMBER: _ClassVar[int]
    height: int
    hash: bytes
    def __init__(self, height: _Optional[int] = ..., hash: _Optional[bytes] = ...) -> None: ...

class GetBlockResponse(_message.Message):
    __slots__ = ("height", "block", "certificate")
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    BLOCK_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    height: int
    block: bytes
    certificate: bytes
    def __init__(self, height: _Optional[int] = ..., block: _Optional[bytes] = ..., certificate: _Optional[bytes] = ...) -> None: ...

class GetTransactionRequest(_message.Message):
    __slots__ = ("tx_id",)
    TX_ID_FIELD_NUMBER: _ClassVar[int]
    tx_id: bytes
    def __init__(self, tx_id: _Optional[bytes] = ...) -> None: ...

class GetTransactionResponse(_message.Message):
    __slots__ = ("tx", "height", "index", "code", "message", "header", "proof", "certificate")
    TX_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    HEADER_FIELD_NUMBER: _ClassVar[int]
    PROOF_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    tx: bytes
    height: int
    index: int
    code: _errors_pb2.ErrorCode
    message: str
    header: bytes
    proof: _proofs_pb2.MerkleInclusionProof
    certificate: bytes
    def __init__(self, tx: _Optional[bytes] = ..., height: _Optional[int] = ..., index: _Optional[int] = ..., code: _Optional[_Union[_errors_pb2.ErrorCode, str]] = ..., message: _Optional[str] = ..., header: _Optional[bytes] = ..., proof: _Optional[_Union[_proofs_pb2.MerkleInclusionProof, _Mapping]] = ..., certificate: _Optional[bytes] = ...) -> None: ...

class GetCertificateRequest(_message.Message):
    __slots__ = ("height",)
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    height: int
    def __init__(self, height: _Optional[int] = ...) -> None: ...

class GetCertificateResponse(_message.Message):
    __slots__ = ("height", "header", "certificate")
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    HEADER_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    height: int
    header: bytes
    certificate: bytes
    def __init__(self, height: _Optional[int] = ..., header: _Optional[bytes] = ..., certificate: _Optional[bytes] = ...) -> None: ...

class GetValidatorSetRequest(_message.Message):
    __slots__ = ("height",)
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    height: int
    def __init__(self, height: _Optional[int] = ...) -> None: ...

class GetValidatorSetResponse(_message.Message):
    __slots__ = ("height", "validator_set")
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    VALIDATOR_SET_FIELD_NUMBER: _ClassVar[int]
    height: int
    validator_set: bytes
    def __init__(self, height: _Optional[int] = ..., validator_set: _Optional[bytes] = ...) -> None: ...

class QueryStateRequest(_message.Message):
    __slots__ = ("key", "height")
    KEY_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    key: bytes
    height: int
    def __init__(self, key: _Optional[bytes] = ..., height: _Optional[int] = ...) -> None: ...

class QueryStateResponse(_message.Message):
    __slots__ = ("height", "found", "value", "proof", "header", "certificate")
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    FOUND_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    PROOF_FIELD_NUMBER: _ClassVar[int]
    HEADER_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    height: int
    found: bool
    value: bytes
    proof: _proofs_pb2.StateProof
    header: bytes
    certificate: bytes
    def __init__(self, height: _Optional[int] = ..., found: _Optional[bool] = ..., value: _Optional[bytes] = ..., proof: _Optional[_Union[_proofs_pb2.StateProof, _Mapping]] = ..., header: _Optional[bytes] = ..., certificate: _Optional[bytes] = ...) -> None: ...

class GetBlobRequest(_message.Message):
    __slots__ = ("key",)
    KEY_FIELD_NUMBER: _ClassVar[int]
    key: bytes
    def __init__(self, key: _Optional[bytes] = ...) -> None: ...

class GetBlobResponse(_message.Message):
    __slots__ = ("found", "value")
    FOUND_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    found: bool
    value: bytes
    def __init__(self, found: _Optional[bool] = ..., value: _Optional[bytes] = ...) -> None: ...

class DiscloseRecordsRequest(_message.Message):
    __slots__ = ("signed_consent", "height")
    SIGNED_CONSENT_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    signed_consent: bytes
    height: int
    def __init__(self, signed_consent: _Optional[bytes] = ..., height: _Optional[int] = ...) -> None: ...

class DiscloseRecordsResponse(_message.Message):
    __slots__ = ("height", "header", "certificate", "validator_set", "records", "identity")
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    HEADER_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    VALIDATOR_SET_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_FIELD_NUMBER: _ClassVar[int]
    height: int
    header: bytes
    certificate: bytes
    validator_set: bytes
    records: _containers.RepeatedCompositeFieldContainer[_relay_pb2.DisclosedRecord]
    identity: _relay_pb2.IdentityProof
    def __init__(self, height: _Optional[int] = ..., header: _Optional[bytes] = ..., certificate: _Optional[bytes] = ..., validator_set: _Optional[bytes] = ..., records: _Optional[_Iterable[_Union[_relay_pb2.DisclosedRecord, _Mapping]]] = ..., identity: _Optional[_Union[_relay_pb2.IdentityProof, _Mapping]] = ...) -> None: ...

class StreamHeadersRequest(_message.Message):
    __slots__ = ("from_height",)
    FROM_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    from_height: int
    def __init__(self, from_height: _Optional[int] = ...) -> None: ...

class CertifiedHeader(_message.Message):
    __slots__ = ("height", "header", "certificate")
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    HEADER_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    height: int
    header: bytes
    certificate: bytes
    def __init__(self, height: _Optional[int] = ..., header: _Optional[bytes] = ..., certificate: _Optional[bytes] = ...) -> None: ...

class PeerMessage(_message.Message):
    __slots__ = ("hello", "consensus", "txs", "status", "block_request", "certified_block")
    HELLO_FIELD_NUMBER: _ClassVar[int]
    CONSENSUS_FIELD_NUMBER: _ClassVar[int]
    TXS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    BLOCK_REQUEST_FIELD_NUMBER: _ClassVar[int]
    CERTIFIED_BLOCK_FIELD_NUMBER: _ClassVar[int]
    hello: Hello
    consensus: bytes
    txs: TxBatch
    status: PeerStatus
    block_request: BlockRequest
    certified_block: CertifiedBlock
    def __init__(self, hello: _Optional[_Union[Hello, _Mapping]] = ..., consensus: _Optional[bytes] = ..., txs: _Optional[_Union[TxBatch, _Mapping]] = ..., status: _Optional[_Union[PeerStatus, _Mapping]] = ..., block_request: _Optional[_Union[BlockRequest, _Mapping]] = ..., certified_block: _Optional[_Union[CertifiedBlock, _Mapping]] = ...) -> None: ...

class Hello(_message.Message):
    __slots__ = ("chain_id", "genesis_hash", "node_name", "validator_public_key")
    CHAIN_ID_FIELD_NUMBER: _ClassVar[int]
    GENESIS_HASH_FIELD_NUMBER: _ClassVar[int]
    NODE_NAME_FIELD_NUMBER: _ClassVar[int]
    VALIDATOR_PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    chain_id: str
    genesis_hash: bytes
    node_name: str
    validator_public_key: bytes
    def __init__(self, chain_id: _Optional[str] = ..., genesis_hash: _Optional[bytes] = ..., node_name: _Optional[str] = ..., validator_public_key: _Optional[bytes] = ...) -> None: ...

class TxBatch(_message.Message):
    __slots__ = ("txs",)
    TXS_FIELD_NUMBER: _ClassVar[int]
    txs: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, txs: _Optional[_Iterable[bytes]] = ...) -> None: ...

class PeerStatus(_message.Message):
    __slots__ = ("height", "round")
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    height: int
    round: int
    def __init__(self, height: _Optional[int] = ..., round: _Optional[int] = ...) -> None: ...

class BlockRequest(_message.Message):
    __slots__ = ("from_height", "max_blocks")
    FROM_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    MAX_BLOCKS_FIELD_NUMBER: _ClassVar[int]
    from_height: int
    max_blocks: int
    def __init__(self, from_height: _Optional[int] = ..., max_blocks: _Optional[int] = ...) -> None: ...

class CertifiedBlock(_message.Message):
    __slots__ = ("block", "certificate")
    BLOCK_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    block: bytes
    certificate: bytes
    def __init__(self, block: _Optional[bytes] = ..., certificate: _Optional[bytes] = ...) -> None: ...
