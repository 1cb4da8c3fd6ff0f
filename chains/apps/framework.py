"""The rule table every chain's application is built from (pure, deterministic).

A chain's application is a list of :class:`TxRule`: a transaction type, its
payload message, the roles whose accounts may send it, a stateless payload
check and the handler that executes it. :class:`ConsortiumApplication` turns
the table into the node's :class:`chains.core.app.Application`:

* ``check_payload``: a known type (UNKNOWN_TX_TYPE), a decodable payload
  (MALFORMED_INPUT) whose fields are in range (INVALID_FIELD_VALUE);
* ``check_tx`` and ``execute_tx``: the sender's key is an account
  (UNKNOWN_ACCOUNT) of an active organisation (MEMBER_SUSPENDED) whose role
  may send this type (ROLE_NOT_ALLOWED); then the handler runs.

Handlers raise :class:`ConsortiumError` for a business-rule refusal; the
executor turns it into a failing result and drops the transaction's writes.
Handlers never modify the decoded payload: it is kept for the transaction's
next check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from google.protobuf.message import Message

from chains.apps import membership
from chains.apps.membership import Sender
from chains.core.app import (
    TX_OK,
    BlockContext,
    StateOverlay,
    StateReader,
    TxResult,
    make_genesis_error,
)
from chains.core.errors import ACCEPTED, ConsortiumError, ErrorCode, Verdict
from chains.core.protobuf import parse_message
from chains.core.transactions import VerifiedTransaction
from consortium.v1 import membership_pb2

Role = membership_pb2.Role


@dataclass(frozen=True, slots=True)
class TxCall:
    """Everything a handler may use: the transaction, its decoded payload, who sent it, where."""

    tx: VerifiedTransaction
    payload: Message
    sender: Sender
    state: StateOverlay
    context: BlockContext

    @property
    def height(self) -> int:
        """The height of the block the transaction executes in."""
        return self.context.height


DECODED_CACHE_ENTRIES = 50_000
"""Checked payloads kept (a few blocks' worth); only well-formed ones are kept."""

Handler = Callable[[TxCall], TxResult | None]
"""Executes one transaction; None means success. Raises ConsortiumError to refuse."""
PayloadCheck = Callable[[Message], str]
"""Stateless check of a decoded payload: why it is unusable, or ""."""
GenesisSection = Callable[[object], Mapping[bytes, bytes]]
"""Turns one genesis ``app_state`` entry into state; raises INVALID_CONFIG."""


def _no_payload_check(payload: Message) -> str:
    return ""


@dataclass(frozen=True, slots=True)
class TxRule:
    """One transaction type of an application and who may send it."""

    tx_type: str
    payload_type: type[Message]
    roles: frozenset[int]
    """The roles whose accounts may send it (``ANY_ROLE``: every member)."""
    execute: Handler
    check: PayloadCheck = _no_payload_check
    governing_only: bool = False
    """Only accounts of governing organisations may send it (on top of ``roles``)."""


ANY_ROLE: frozenset[int] = frozenset(
    value for value in Role.values() if value != Role.ROLE_UNSPECIFIED
)
"""Every role: the rule is open to any active member."""


def roles(*names: int) -> frozenset[int]:
    """A role set, e.g. ``roles(Role.ROLE_TAX_BUREAU)``."""
    return frozenset(names)


@dataclass(frozen=True)
class ConsortiumApplication:
    """An application made of rules (see the module docstring)."""

    name: str
    rules: Mapping[str, TxRule] = field(default_factory=dict)
    genesis_sections: Mapping[str, GenesisSection] = field(default_factory=dict)
    """Genesis ``app_state`` entries beside "organisations", each turned into state by
    its function (the finance chain's "relay": its light clients)."""
    _decoded: dict[bytes, tuple[TxRule, Message]] = field(
        default_factory=dict, compare=False, repr=False
    )
    """Checked payloads by transaction id: a node checks each transaction in its mempool
    and again when a block holds it; the same bytes always decode the same way."""

    @classmethod
    def from_rules(
        cls,
        name: str,
        rules: Iterable[TxRule],
        genesis_sections: Mapping[str, GenesisSection] | None = None,
    ) -> ConsortiumApplication:
        """An application of ``rules``; refuses two rules for one type."""
        table: dict[str, TxRule] = {}
        for rule in rules:
            if rule.tx_type in table:
                raise ValueError(f"two rules for {rule.tx_type!r}")
            table[rule.tx_type] = rule
        return cls(name, table, dict(genesis_sections or {}))

    def get_tx_types(self) -> list[str]:
        """The transaction types this application executes, sorted."""
        return sorted(self.rules)

    def _decode(self, tx: VerifiedTransaction) -> tuple[TxRule, Message]:
        decoded = self._decoded.get(tx.tx_id)
        if decoded is None:
            decoded = self._decode_and_check(tx)
            if len(self._decoded) >= DECODED_CACHE_ENTRIES:
                self._decoded.clear()
            self._decoded[tx.tx_id] = decoded
        return decoded

    def _decode_and_check(self, tx: VerifiedTransaction) -> tuple[TxRule, Message]:
        rule = self.rules.get(tx.body.type)
        if rule is None:
            raise ConsortiumError(
                ErrorCode.UNKNOWN_TX_TYPE,
                f"the {self.name} chain has no transaction type {tx.body.type!r}",
            )
        payload = parse_message(rule.payload_type, tx.body.payload)
        problem = rule.check(payload)
        if problem:
            raise ConsortiumError(ErrorCode.INVALID_FIELD_VALUE, f"{tx.body.type}: {problem}")
        return rule, payload

    def check_payload(self, tx: VerifiedTransaction) -> Verdict:
        """A known type with a decodable payload whose fields are in range."""
        try:
            self._decode(tx)
        except ConsortiumError as error:
            return error.to_verdict()
        return ACCEPTED

    def _authorise(self, rule: TxRule, state: StateReader, sender_key: bytes) -> Sender:
        sender = membership.require_sender(state, sender_key)
        if sender.organisation.role not in rule.roles:
            raise ConsortiumError(
                ErrorCode.ROLE_NOT_ALLOWED,
                f"{rule.tx_type} may not be sent by {sender.organisation.id!r} "
                f"(role {membership.get_role_name(sender.organisation.role)})",
            )
        if rule.governing_only and not sender.organisation.governing:
            raise ConsortiumError(
                ErrorCode.ROLE_NOT_ALLOWED,
                f"{rule.tx_type} may only be sent by a governing organisation, "
                f"and {sender.organisation.id} is not one",
            )
        return sender

    def check_tx(self, tx: VerifiedTransaction, state: StateReader) -> Verdict:
        """The sender may send this type (UNKNOWN_ACCOUNT, MEMBER_SUSPENDED, ROLE_NOT_ALLOWED)."""
        try:
            rule, _ = self._decode(tx)
            self._authorise(rule, state, tx.body.sender)
        except ConsortiumError as error:
            return error.to_verdict()
        return ACCEPTED

    def execute_tx(
        self, tx: VerifiedTransaction, state: StateOverlay, context: BlockContext
    ) -> TxResult:
        """Authorise the sender, then run the type's handler."""
        try:
            rule, payload = self._decode(tx)
            sender = self._authorise(rule, state, tx.body.sender)
            result = rule.execute(TxCall(tx, payload, sender, state, context))
        except ConsortiumError as error:
            return TxResult(error.code, error.message)
        return TX_OK if result is None else result

    def get_genesis_updates(self, app_state: Mapping[str, object]) -> Mapping[bytes, bytes]:
        """Organisations and their accounts from genesis (see :mod:`chains.apps.membership`),
        and the application's own sections (every one required)."""
        if not isinstance(app_state, Mapping):
            return membership.compute_genesis_updates(app_state)
        missing = sorted(set(self.genesis_sections) - set(app_state))
        if missing:
            raise make_genesis_error(f"the {self.name} chain needs {', '.join(missing)}")
        updates = dict(
            membership.compute_genesis_updates(
                {k: v for k, v in app_state.items() if k not in self.genesis_sections}
            )
        )
        for name, compute in self.genesis_sections.items():
            updates.update(compute(app_state[name]))
        return updates
