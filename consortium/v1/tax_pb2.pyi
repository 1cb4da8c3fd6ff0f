from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class SubmitFiling(_message.Message):
    __slots__ = ("enterprise", "period", "tax_type", "taxable_amount", "tax_due", "filed_on", "record_seed")
    ENTERPRISE_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    TAX_TYPE_FIELD_NUMBER: _ClassVar[int]
    TAXABLE_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    TAX_DUE_FIELD_NUMBER: _ClassVar[int]
    FILED_ON_FIELD_NUMBER: _ClassVar[int]
    RECORD_SEED_FIELD_NUMBER: _ClassVar[int]
    enterprise: str
    period: str
    tax_type: str
    taxable_amount: int
    tax_due: int
    filed_on: str
    record_seed: bytes
    def __init__(self, enterprise: _Optional[str] = ..., period: _Optional[str] = ..., tax_type: _Optional[str] = ..., taxable_amount: _Optional[int] = ..., tax_due: _Optional[int] = ..., filed_on: _Optional[str] = ..., record_seed: _Optional[bytes] = ...) -> None: ...

class RecordPayment(_message.Message):
    __slots__ = ("payment_id", "enterprise", "period", "tax_type", "amount", "paid_on", "record_seed")
    PAYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    TAX_TYPE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    PAID_ON_FIELD_NUMBER: _ClassVar[int]
    RECORD_SEED_FIELD_NUMBER: _ClassVar[int]
    payment_id: str
    enterprise: str
    period: str
    tax_type: str
    amount: int
    paid_on: str
    record_seed: bytes
    def __init__(self, payment_id: _Optional[str] = ..., enterprise: _Optional[str] = ..., period: _Optional[str] = ..., tax_type: _Optional[str] = ..., amount: _Optional[int] = ..., paid_on: _Optional[str] = ..., record_seed: _Optional[bytes] = ...) -> None: ...

class IssueInvoice(_message.Message):
    __slots__ = ("invoice_number", "buyer", "amount", "tax_amount", "tax_rate_bp", "issued_on", "description", "record_seed")
    INVOICE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    BUYER_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    TAX_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    TAX_RATE_BP_FIELD_NUMBER: _ClassVar[int]
    ISSUED_ON_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    RECORD_SEED_FIELD_NUMBER: _ClassVar[int]
    invoice_number: str
    buyer: str
    amount: int
    tax_amount: int
    tax_rate_bp: int
    issued_on: str
    description: str
    record_seed: bytes
    def __init__(self, invoice_number: _Optional[str] = ..., buyer: _Optional[str] = ..., amount: _Optional[int] = ..., tax_amount: _Optional[int] = ..., tax_rate_bp: _Optional[int] = ..., issued_on: _Optional[str] = ..., description: _Optional[str] = ..., record_seed: _Optional[bytes] = ...) -> None: ...

class IssueRedLetter(_message.Message):
    __slots__ = ("invoice_number", "original_number", "reason", "issued_on", "record_seed")
    INVOICE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    ORIGINAL_NUMBER_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ISSUED_ON_FIELD_NUMBER: _ClassVar[int]
    RECORD_SEED_FIELD_NUMBER: _ClassVar[int]
    invoice_number: str
    original_number: str
    reason: str
    issued_on: str
    record_seed: bytes
    def __init__(self, invoice_number: _Optional[str] = ..., original_number: _Optional[str] = ..., reason: _Optional[str] = ..., issued_on: _Optional[str] = ..., record_seed: _Optional[bytes] = ...) -> None: ...

class TransferInvoice(_message.Message):
    __slots__ = ("invoice_number", "new_holder")
    INVOICE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    NEW_HOLDER_FIELD_NUMBER: _ClassVar[int]
    invoice_number: str
    new_holder: str
    def __init__(self, invoice_number: _Optional[str] = ..., new_holder: _Optional[str] = ...) -> None: ...

class LockInvoice(_message.Message):
    __slots__ = ("invoice_number", "reimbursement_ref")
    INVOICE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    REIMBURSEMENT_REF_FIELD_NUMBER: _ClassVar[int]
    invoice_number: str
    reimbursement_ref: str
    def __init__(self, invoice_number: _Optional[str] = ..., reimbursement_ref: _Optional[str] = ...) -> None: ...

class ReimburseInvoice(_message.Message):
    __slots__ = ("invoice_number", "reimbursement_ref")
    INVOICE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    REIMBURSEMENT_REF_FIELD_NUMBER: _ClassVar[int]
    invoice_number: str
    reimbursement_ref: str
    def __init__(self, invoice_number: _Optional[str] = ..., reimbursement_ref: _Optional[str] = ...) -> None: ...

class DeclareInvoice(_message.Message):
    __slots__ = ("invoice_number", "period")
    INVOICE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    invoice_number: str
    period: str
    def __init__(self, invoice_number: _Optional[str] = ..., period: _Optional[str] = ...) -> None: ...

class IssueClearance(_message.Message):
    __slots__ = ("certificate_id", "enterprise", "period_from", "period_to", "issued_on", "valid_until", "statement", "record_seed")
    CERTIFICATE_ID_FIELD_NUMBER: _ClassVar[int]
    ENTERPRISE_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FROM_FIELD_NUMBER: _ClassVar[int]
    PERIOD_TO_FIELD_NUMBER: _ClassVar[int]
    ISSUED_ON_FIELD_NUMBER: _ClassVar[int]
    VALID_UNTIL_FIELD_NUMBER: _ClassVar[int]
    STATEMENT_FIELD_NUMBER: _ClassVar[int]
    RECORD_SEED_FIELD_NUMBER: _ClassVar[int]
    certificate_id: str
    enterprise: str
    period_from: str
    period_to: str
    issued_on: str
    valid_until: str
    statement: str
    record_seed: bytes
    def __init__(self, certificate_id: _Optional[str] = ..., enterprise: _Optional[str] = ..., period_from: _Optional[str] = ..., period_to: _Optional[str] = ..., issued_on: _Optional[str] = ..., valid_until: _Optional[str] = ..., statement: _Optional[str] = ..., record_seed: _Optional[bytes] = ...) -> None: ...

class RevokeClearance(_message.Message):
    __slots__ = ("certificate_id", "reason")
    CERTIFICATE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    certificate_id: str
    reason: str
    def __init__(self, certificate_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...
