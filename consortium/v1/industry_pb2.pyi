from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class ReportProduction(_message.Message):
    __slots__ = ("report_id", "period", "product", "quantity", "unit", "output_value", "request_attestation", "record_seed")
    REPORT_ID_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_VALUE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ATTESTATION_FIELD_NUMBER: _ClassVar[int]
    RECORD_SEED_FIELD_NUMBER: _ClassVar[int]
    report_id: str
    period: str
    product: str
    quantity: int
    unit: str
    output_value: int
    request_attestation: bool
    record_seed: bytes
    def __init__(self, report_id: _Optional[str] = ..., period: _Optional[str] = ..., product: _Optional[str] = ..., quantity: _Optional[int] = ..., unit: _Optional[str] = ..., output_value: _Optional[int] = ..., request_attestation: _Optional[bool] = ..., record_seed: _Optional[bytes] = ...) -> None: ...

class RecordOrder(_message.Message):
    __slots__ = ("order_id", "customer", "product", "quantity", "unit", "value", "ordered_on", "record_seed")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    ORDERED_ON_FIELD_NUMBER: _ClassVar[int]
    RECORD_SEED_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    customer: str
    product: str
    quantity: int
    unit: str
    value: int
    ordered_on: str
    record_seed: bytes
    def __init__(self, order_id: _Optional[str] = ..., customer: _Optional[str] = ..., product: _Optional[str] = ..., quantity: _Optional[int] = ..., unit: _Optional[str] = ..., value: _Optional[int] = ..., ordered_on: _Optional[str] = ..., record_seed: _Optional[bytes] = ...) -> None: ...

class RecordDelivery(_message.Message):
    __slots__ = ("delivery_id", "order_id", "quantity", "delivered_on", "record_seed")
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    DELIVERED_ON_FIELD_NUMBER: _ClassVar[int]
    RECORD_SEED_FIELD_NUMBER: _ClassVar[int]
    delivery_id: str
    order_id: str
    quantity: int
    delivered_on: str
    record_seed: bytes
    def __init__(self, delivery_id: _Optional[str] = ..., order_id: _Optional[str] = ..., quantity: _Optional[int] = ..., delivered_on: _Optional[str] = ..., record_seed: _Optional[bytes] = ...) -> None: ...

class Attest(_message.Message):
    __slots__ = ("kind", "record_id", "note")
    KIND_FIELD_NUMBER: _ClassVar[int]
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    kind: str
    record_id: str
    note: str
    def __init__(self, kind: _Optional[str] = ..., record_id: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...
