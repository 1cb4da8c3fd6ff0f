"""Stable error codes, the one typed error that carries them, and verdicts.

``ErrorCode`` mirrors the ``consortium.v1.ErrorCode`` protobuf enum name for
name and number (a test keeps them equal). Codes are stable: never renumber
or reuse one; add new codes at the end of their block.

Verifiers (``verify_*``) return a :class:`Verdict`; code that cannot go on
raises :class:`ConsortiumError`. Neither ever lets a stray exception from
malformed input escape.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class ErrorCode(IntEnum):
    """Why something was refused. Numbers are grouped by area, in blocks of 100."""

    ERROR_CODE_UNSPECIFIED = 0

    # 1..99: general input problems
    MALFORMED_INPUT = 1
    """Bytes or fields that cannot be decoded or have the wrong shape."""
    UNKNOWN_BACKEND = 2
    """A configured implementation (e.g. a BLS backend) does not exist."""
    WRONG_CHAIN_ID = 3
    """A signed message names another chain: it may not be replayed here."""

    # 100..199: signatures and keys
    INVALID_SECRET_KEY = 100
    """A secret key is zero, too large or has the wrong length."""
    INVALID_PUBLIC_KEY = 101
    """A public key is malformed, the identity point, or outside the subgroup."""
    INVALID_SIGNATURE_ENCODING = 102
    """A signature is malformed, not on the curve, or outside the subgroup."""
    BAD_SIGNATURE = 103
    """A well-formed signature does not verify for this key and message."""
    EMPTY_SIGNER_SET = 104
    """An aggregate was asked for or checked with no signers."""
    INVALID_PROOF_OF_POSSESSION = 105
    """A validator key's proof of possession does not verify."""
    INVALID_KEY_MATERIAL = 106
    """Key-generation input is too short or otherwise unusable."""

    # 200..299: RFC 6962 Merkle trees (tx roots, field-committed records)
    MERKLE_INDEX_OUT_OF_RANGE = 200
    """A leaf index is not below the tree size."""
    MERKLE_PROOF_LENGTH = 201
    """A proof has more or fewer hashes than the tree shape requires."""
    MERKLE_HASH_LENGTH = 202
    """A hash inside a proof, or a root, is not 32 bytes."""
    MERKLE_ROOT_MISMATCH = 203
    """The proof recomputes to a root other than the trusted one."""
    MERKLE_TREE_SIZE = 204
    """Tree sizes are impossible (negative, zero where leaves are needed, or shrinking)."""

    # 300..399: state tree (state roots)
    STATE_PROOF_MALFORMED = 300
    """A state proof cannot be decoded or has an impossible shape."""
    STATE_ROOT_MISMATCH = 301
    """A state proof recomputes to a root other than the trusted one."""
    STATE_KEY_PRESENT = 302
    """Absence was claimed for a key that the tree holds."""
    STATE_KEY_ABSENT = 303
    """Presence was claimed for a key that the tree does not hold."""
    STATE_VALUE_MISMATCH = 304
    """The key is present with a different value than the one claimed."""
    STATE_VERSION_UNAVAILABLE = 305
    """The requested version was never written or has been pruned."""

    # 400..499: field-committed records and disclosures
    RECORD_MALFORMED = 400
    """A record or disclosure has an impossible shape (empty, bad salt, bad field name)."""
    RECORD_DUPLICATE_FIELD = 401
    """The same field appears twice."""
    RECORD_FIELD_UNKNOWN = 402
    """A disclosure names a field the record does not have."""
    RECORD_COMMITMENT_MISMATCH = 403
    """The disclosed fields do not prove against the record commitment."""

    # 500..599: consensus and commit certificates
    INSUFFICIENT_VOTING_POWER = 500
    """The signers hold no more than 2/3 of the voting power (quorum: 3 * signed > 2 * total)."""
    UNKNOWN_SIGNER = 501
    """A certificate's signer bitmap names a validator the set does not have."""
    DUPLICATE_SIGNER = 502
    """One public key would be counted twice (a validator set listing a key twice)."""
    WRONG_HEIGHT = 503
    """A certificate, vote or proposal is for another height than the one checked."""
    BLOCK_HASH_MISMATCH = 504
    """A certificate certifies another block than the header it is checked with."""
    DOUBLE_SIGN_REFUSED = 505
    """Signing this would conflict with something this validator already signed."""
    INVALID_VALIDATOR_SET = 506
    """A validator set is empty, has zero or too much power, or admits a key without a valid PoP."""
    VALIDATORS_HASH_MISMATCH = 507
    """A header names another validator set than the one it is checked against."""

    # 600..699: chain node, mempool and storage
    STALE_NONCE = 600
    """A nonce is not above the last one its account used: resend with a higher one."""
    MEMPOOL_FULL = 601
    """The node's mempool is at its bound: retry later or on another node."""
    TX_TOO_LARGE = 602
    """A transaction is larger than the node accepts."""
    DUPLICATE_TX = 603
    """The same transaction is already pending or committed."""
    UNKNOWN_TX_TYPE = 604
    """The chain's application has no such transaction type."""
    NOT_FOUND = 605
    """No block, transaction, certificate or state version is stored for that height or hash."""
    BATCH_TOO_LARGE = 606
    """A batch holds more transactions than one request may carry."""
    STORAGE_MISCONFIGURED = 607
    """The database is not set up as the node requires (journal mode, synchronous, schema)."""
    STORAGE_CONFLICT = 608
    """A write does not follow what is stored (not the next height, or a rewritten block)."""
    GENESIS_MISMATCH = 609
    """A data directory, peer or file belongs to another genesis or chain."""
    STATE_DIVERGED = 610
    """A certified block executes to another state root than its header's: local state is wrong."""
    INVALID_CONFIG = 611
    """A configuration, genesis or key file is missing, unreadable or inconsistent."""
    INVALID_BLOCK = 612
    """A proposed block breaks a rule of the chain (previous hash, roots, time, transactions)."""
    UNKNOWN_ACCOUNT = 613
    """The sender is not an account of this chain (accounts come from genesis or registration)."""
    NONCE_GAP = 614
    """An earlier nonce of the account is missing (in a block), or the nonce is too far ahead."""

    # 700..799: membership, roles and business records (every chain's application)
    ROLE_NOT_ALLOWED = 700
    """The sender's organisation has a role that may not send this transaction type."""
    MEMBER_SUSPENDED = 701
    """The sender's (or the named) organisation is suspended: it may not act until reinstated."""
    MEMBER_EXISTS = 702
    """The organisation, enterprise (credit code) or account key is already registered."""
    MEMBER_NOT_FOUND = 703
    """No organisation, enterprise or account is registered under that id or key."""
    GOVERNANCE_QUORUM_NOT_MET = 704
    """A governance action is approved by no more than 2/3 of the governing organisations."""
    GOVERNANCE_APPROVAL_INVALID = 705
    """An approval is badly signed, by a non-governing or suspended organisation, or repeated."""
    GOVERNANCE_PROPOSAL_USED = 706
    """This governance proposal id was already executed: it cannot be replayed."""
    GOVERNANCE_PROPOSAL_EXPIRED = 707
    """The governance proposal expired before it was executed, or is for another chain."""
    RECORD_EXISTS = 708
    """A business record with this kind and id already exists."""
    RECORD_NOT_FOUND = 709
    """No business record with this kind and id exists."""
    NOT_RECORD_OWNER = 710
    """The sender's organisation is not the one this record belongs to."""
    INVALID_FIELD_VALUE = 711
    """A field is out of range: a negative amount, a bad credit code, period or id."""

    # 800..899: tax chain (e-invoices, filings, clearance certificates)
    INVOICE_NOT_FOUND = 800
    """No e-invoice with this number exists on the tax chain."""
    INVOICE_EXISTS = 801
    """An e-invoice with this number was already issued."""
    INVOICE_ALREADY_REIMBURSED = 802
    """The e-invoice was already reimbursed (or declared): never twice."""
    INVOICE_LOCKED = 803
    """The e-invoice is locked for reimbursement by another organisation."""
    INVOICE_CANCELLED = 804
    """The e-invoice was cancelled by a red-letter invoice."""
    INVOICE_WRONG_STATE = 805
    """The e-invoice is not in a state that allows this step (declaring before reimbursing)."""
    NOT_INVOICE_HOLDER = 806
    """The sender's organisation does not hold this e-invoice."""
    CERTIFICATE_REVOKED = 807
    """The tax-clearance certificate was revoked."""

    # 900..999: industry chain (production, orders, deliveries, attestations)
    ATTESTATION_NOT_REQUIRED = 900
    """The record does not call for an attestation."""
    ALREADY_ATTESTED = 901
    """The record was already attested."""
    ORDER_NOT_FOUND = 902
    """No order with this id exists for this supplier."""
    DELIVERY_EXCEEDS_ORDER = 903
    """Deliveries would exceed the quantity ordered."""

    # 1000..1099: finance chain (credit policies, loan applications and decisions)
    POLICY_INVALID = 1000
    """A credit policy's rules are malformed (unknown operator, empty field, bad bounds)."""
    POLICY_NOT_FOUND = 1001
    """No credit policy with this id exists."""
    LOAN_NOT_FOUND = 1002
    """No loan application with this id exists."""
    LOAN_WRONG_BANK = 1003
    """The loan application is addressed to another bank."""
    LOAN_ALREADY_DECIDED = 1004
    """The loan application was already decided."""

    # 1100..1199: offline bundles (consortium verify)
    BUNDLE_MALFORMED = 1100
    """A bundle file is not valid JSON of the expected shape."""
    BUNDLE_ANCHOR_MISMATCH = 1101
    """The bundle's validator set is not the one the verifier trusts (genesis)."""

    # 1200..1299: light clients of other chains (relay/)
    CLIENT_FROZEN = 1200
    """The light client saw two conflicting certified headers and trusts nothing more."""
    CLIENT_EXPIRED = 1201
    """The light client's latest trusted header is older than its trusting period."""
    HEADER_NOT_NEWER = 1202
    """The header is not above the light client's latest trusted height."""
    HEADER_TIME_NOT_MONOTONIC = 1203
    """The header's time is not after the latest trusted header's time."""
    HEADER_FROM_FUTURE = 1204
    """The header's time is further ahead of now than the maximum clock drift."""
    UNTRUSTED_VALIDATOR_SET = 1205
    """The header is signed by a validator set the client was not handed by the chain
    (through the trusted headers' next_validators_hash)."""
    MISBEHAVIOUR_NOT_PROVEN = 1206
    """Submitted evidence does not show two different certified headers for one height."""
    CONSENSUS_STATE_NOT_FOUND = 1207
    """The light client holds no trusted header at that height."""
    CLIENT_NOT_FOUND = 1208
    """The destination chain keeps no light client of that source chain."""
    CONSENT_NOT_BY_OWNER = 1210
    """The consent's key is not an account of the enterprise it names (or the enterprise is
    not an active enterprise), as the tax chain's identity registry proves."""
    CONSENT_NOT_YET_VALID = 1211
    """The consent's not-before time has not come."""
    CONSENT_EXPIRED = 1212
    """The consent's expiry has passed."""
    CONSENT_REVOKED = 1213
    """The enterprise revoked the consent."""
    CONSENT_USED = 1214
    """The consent was used already: it is good for one transfer."""
    CONSENT_WRONG_BANK = 1215
    """The consent names another bank."""
    CONSENT_SCOPE_EXCEEDED = 1216
    """The consent does not cover this chain, record or field."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of a ``verify_*`` function: either accepted, or refused with a code."""

    code: ErrorCode = ErrorCode.ERROR_CODE_UNSPECIFIED
    message: str = ""

    @property
    def ok(self) -> bool:
        """True when the thing verified was accepted."""
        return self.code == ErrorCode.ERROR_CODE_UNSPECIFIED

    def __bool__(self) -> bool:
        return self.ok

    def raise_for_error(self) -> None:
        """Raise :class:`ConsortiumError` with this verdict's code when it is a refusal."""
        if not self.ok:
            raise ConsortiumError(self.code, self.message)


ACCEPTED = Verdict()
"""The verdict of everything that verified."""


def refuse(code: ErrorCode, message: str) -> Verdict:
    """A refusal verdict with a stable ``code`` and a message a person can act on."""
    if code == ErrorCode.ERROR_CODE_UNSPECIFIED:
        raise ValueError("a refusal needs a code")
    return Verdict(code, message)


class ConsortiumError(Exception):
    """The one typed error of the consortium: a stable code and a readable message."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(f"{code.name}: {message}")
        self.code = code
        self.message = message

    def to_verdict(self) -> Verdict:
        """This error as a refusal verdict."""
        return Verdict(self.code, self.message)
