from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MerkleInclusionProof(_message.Message):
    __slots__ = ("leaf_index", "tree_size", "hashes")
    LEAF_INDEX_FIELD_NUMBER: _ClassVar[int]
    TREE_SIZE_FIELD_NUMBER: _ClassVar[int]
    HASHES_FIELD_NUMBER: _ClassVar[int]
    leaf_index: int
    tree_size: int
    hashes: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, leaf_index: _Optional[int] = ..., tree_size: _Optional[int] = ..., hashes: _Optional[_Iterable[bytes]] = ...) -> None: ...

class MerkleConsistencyProof(_message.Message):
    __slots__ = ("old_size", "new_size", "hashes")
    OLD_SIZE_FIELD_NUMBER: _ClassVar[int]
    NEW_SIZE_FIELD_NUMBER: _ClassVar[int]
    HASHES_FIELD_NUMBER: _ClassVar[int]
    old_size: int
    new_size: int
    hashes: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, old_size: _Optional[int] = ..., new_size: _Optional[int] = ..., hashes: _Optional[_Iterable[bytes]] = ...) -> None: ...

class StateProof(_message.Message):
    __slots__ = ("key_hash", "leaf", "sibling_bitmap", "siblings", "depth")
    KEY_HASH_FIELD_NUMBER: _ClassVar[int]
    LEAF_FIELD_NUMBER: _ClassVar[int]
    SIBLING_BITMAP_FIELD_NUMBER: _ClassVar[int]
    SIBLINGS_FIELD_NUMBER: _ClassVar[int]
    DEPTH_FIELD_NUMBER: _ClassVar[int]
    key_hash: bytes
    leaf: StateLeaf
    sibling_bitmap: bytes
    siblings: _containers.RepeatedScalarFieldContainer[bytes]
    depth: int
    def __init__(self, key_hash: _Optional[bytes] = ..., leaf: _Optional[_Union[StateLeaf, _Mapping]] = ..., sibling_bitmap: _Optional[bytes] = ..., siblings: _Optional[_Iterable[bytes]] = ..., depth: _Optional[int] = ...) -> None: ...

class StateLeaf(_message.Message):
    __slots__ = ("key_hash", "value_hash")
    KEY_HASH_FIELD_NUMBER: _ClassVar[int]
    VALUE_HASH_FIELD_NUMBER: _ClassVar[int]
    key_hash: bytes
    value_hash: bytes
    def __init__(self, key_hash: _Optional[bytes] = ..., value_hash: _Optional[bytes] = ...) -> None: ...

class DisclosedField(_message.Message):
    __slots__ = ("name", "value", "salt", "proof")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    SALT_FIELD_NUMBER: _ClassVar[int]
    PROOF_FIELD_NUMBER: _ClassVar[int]
    name: str
    value: bytes
    salt: bytes
    proof: MerkleInclusionProof
    def __init__(self, name: _Optional[str] = ..., value: _Optional[bytes] = ..., salt: _Optional[bytes] = ..., proof: _Optional[_Union[MerkleInclusionProof, _Mapping]] = ...) -> None: ...

class RecordDisclosure(_message.Message):
    __slots__ = ("commitment", "field_count", "fields")
    COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    FIELD_COUNT_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    commitment: bytes
    field_count: int
    fields: _containers.RepeatedCompositeFieldContainer[DisclosedField]
    def __init__(self, commitment: _Optional[bytes] = ..., field_count: _Optional[int] = ..., fields: _Optional[_Iterable[_Union[DisclosedField, _Mapping]]] = ...) -> None: ...
