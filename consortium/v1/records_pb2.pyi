from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RecordHead(_message.Message):
    __slots__ = ("kind", "id", "commitment", "field_count", "version", "updated_height")
    KIND_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    FIELD_COUNT_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    UPDATED_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    kind: str
    id: str
    commitment: bytes
    field_count: int
    version: int
    updated_height: int
    def __init__(self, kind: _Optional[str] = ..., id: _Optional[str] = ..., commitment: _Optional[bytes] = ..., field_count: _Optional[int] = ..., version: _Optional[int] = ..., updated_height: _Optional[int] = ...) -> None: ...

class RecordBody(_message.Message):
    __slots__ = ("seed", "fields")
    SEED_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    seed: bytes
    fields: _containers.RepeatedCompositeFieldContainer[RecordField]
    def __init__(self, seed: _Optional[bytes] = ..., fields: _Optional[_Iterable[_Union[RecordField, _Mapping]]] = ...) -> None: ...

class RecordField(_message.Message):
    __slots__ = ("name", "value")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    name: str
    value: bytes
    def __init__(self, name: _Optional[str] = ..., value: _Optional[bytes] = ...) -> None: ...
