"""Organisations, roles, account keys and governance: the membership every chain shares.

State keys:

* ``org/<organisation id>`` -> ``Organisation`` (role, status, governing);
* ``account/<Ed25519 public key>`` -> ``Account`` (the organisation it acts for);
* ``govset`` -> ``GoverningSet`` (ids of the active governing organisations);
* ``gov/<proposal id>`` -> the height that executed the proposal (8 bytes).

Organisations come from genesis. After that:

* the chain's *registrar* (the tax bureau on the tax chain) registers
  enterprises (``member.enterprise.register``): an enterprise's organisation
  id is its unified social credit code;
* an organisation adds more keys of its own (``member.account.add``), e.g.
  one per finance clerk;
* organisations are added, suspended or reinstated only by
  ``member.govern``: a proposal for this chain approved (signed) by accounts
  of more than 2/3 of the active governing organisations, each counted once,
  in integers (``3 * approving > 2 * governing``).

A suspended organisation's accounts may send nothing (MEMBER_SUSPENDED).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from chains.apps.fields import get_first_error, get_id_error, get_text_error, get_uscc_error
from chains.core.app import (
    StateOverlay,
    StateReader,
    decode_genesis_public_key,
    make_genesis_error,
)
from chains.core.crypto import (
    Ed25519KeyPair,
    sign_ed25519,
    verify_ed25519,
)
from chains.core.errors import ConsortiumError, ErrorCode
from chains.core.protobuf import parse_message
from consortium.v1 import membership_pb2

Role = membership_pb2.Role
MemberStatus = membership_pb2.MemberStatus

ORGANISATION_PREFIX = b"org/"
ACCOUNT_PREFIX = b"account/"
GOVERNING_SET_KEY = b"govset"
PROPOSAL_PREFIX = b"gov/"
GOVERNANCE_SIGN_DOMAIN = b"consortium/governance/v1\x00"
"""Domain tag in front of every governance approval signature."""

TX_REGISTER_ENTERPRISE = "member.enterprise.register"
TX_ADD_ACCOUNT = "member.account.add"
TX_GOVERN = "member.govern"

MAX_APPROVALS = 256


def get_role_name(role: int) -> str:
    """The lowercase name of a role as genesis files spell it, e.g. ``tax_bureau``."""
    return Role.Name(role).removeprefix("ROLE_").lower()


def get_role(name: str) -> int:
    """The role spelt ``name`` (e.g. ``bank``); raises ConsortiumError(INVALID_FIELD_VALUE)."""
    try:
        role = Role.Value("ROLE_" + name.upper())
    except ValueError:
        role = Role.ROLE_UNSPECIFIED
    if role == Role.ROLE_UNSPECIFIED or name != name.lower():
        known = ", ".join(get_role_name(r) for r in Role.values() if r)
        raise ConsortiumError(ErrorCode.INVALID_FIELD_VALUE, f"unknown role {name!r}; use {known}")
    return role


def get_organisation_key(organisation_id: str) -> bytes:
    """The state key of an organisation."""
    return ORGANISATION_PREFIX + organisation_id.encode()


def get_account_key(public_key: bytes) -> bytes:
    """The state key of the account with this Ed25519 public key."""
    return ACCOUNT_PREFIX + public_key


@dataclass(frozen=True, slots=True)
class Sender:
    """Who sent a transaction: the key, its account and the organisation it acts for."""

    public_key: bytes
    account: membership_pb2.Account
    organisation: membership_pb2.Organisation


def get_organisation(
    state: StateReader, organisation_id: str
) -> membership_pb2.Organisation | None:
    """The organisation ``organisation_id``, or None."""
    raw = state.get(get_organisation_key(organisation_id))
    return None if raw is None else parse_message(membership_pb2.Organisation, raw)


def require_organisation(state: StateReader, organisation_id: str) -> membership_pb2.Organisation:
    """The organisation ``organisation_id``; raises ConsortiumError(MEMBER_NOT_FOUND)."""
    organisation = get_organisation(state, organisation_id)
    if organisation is None:
        raise ConsortiumError(
            ErrorCode.MEMBER_NOT_FOUND, f"no organisation {organisation_id!r} is registered"
        )
    return organisation


def require_active_organisation(
    state: StateReader, organisation_id: str, role: int | None = None
) -> membership_pb2.Organisation:
    """An active organisation (of ``role`` when given): MEMBER_NOT_FOUND or MEMBER_SUSPENDED."""
    organisation = require_organisation(state, organisation_id)
    if role is not None and organisation.role != role:
        raise ConsortiumError(
            ErrorCode.MEMBER_NOT_FOUND,
            f"{organisation_id!r} is a {get_role_name(organisation.role)}, "
            f"not a {get_role_name(role)}",
        )
    if organisation.status != MemberStatus.MEMBER_STATUS_ACTIVE:
        raise ConsortiumError(ErrorCode.MEMBER_SUSPENDED, f"{organisation_id!r} is suspended")
    return organisation


def get_account(state: StateReader, public_key: bytes) -> membership_pb2.Account | None:
    """The account of ``public_key``, or None."""
    raw = state.get(get_account_key(public_key))
    return None if raw is None else parse_message(membership_pb2.Account, raw)


def require_sender(state: StateReader, public_key: bytes) -> Sender:
    """The account and active organisation of ``public_key``.

    Raises ConsortiumError(UNKNOWN_ACCOUNT) for an unregistered key,
    MEMBER_SUSPENDED when its organisation is suspended.
    """
    account = get_account(state, public_key)
    if account is None:
        raise ConsortiumError(
            ErrorCode.UNKNOWN_ACCOUNT,
            f"key {public_key.hex()} is not an account of this chain; "
            "organisations register their keys (genesis, registration or member.account.add)",
        )
    organisation = require_organisation(state, account.organisation_id)
    if organisation.status != MemberStatus.MEMBER_STATUS_ACTIVE:
        raise ConsortiumError(
            ErrorCode.MEMBER_SUSPENDED,
            f"organisation {organisation.id!r} is suspended and may not send transactions",
        )
    return Sender(public_key, account, organisation)


def get_governing_set(state: StateReader) -> list[str]:
    """The ids of the active governing organisations, sorted."""
    raw = state.get(GOVERNING_SET_KEY)
    if raw is None:
        return []
    return list(parse_message(membership_pb2.GoverningSet, raw).organisation_ids)


def _set_governing_set(state: StateOverlay, ids: Iterable[str]) -> None:
    message = membership_pb2.GoverningSet(organisation_ids=sorted(set(ids)))
    state.set(GOVERNING_SET_KEY, message.SerializeToString())


def is_quorum(approving: int, total: int) -> bool:
    """More than 2/3 of ``total``, in integers (DESIGN §2)."""
    return total > 0 and 3 * approving > 2 * total


# --------------------------------------------------------------------------
# Writing members
# --------------------------------------------------------------------------


def _put_organisation(state: StateOverlay, organisation: membership_pb2.Organisation) -> None:
    state.set(get_organisation_key(organisation.id), organisation.SerializeToString())


def put_new_account(
    state: StateOverlay, public_key: bytes, organisation_id: str, name: str
) -> None:
    if state.get(get_account_key(public_key)) is not None:
        raise ConsortiumError(
            ErrorCode.MEMBER_EXISTS, f"key {public_key.hex()} is already an account"
        )
    account = membership_pb2.Account(organisation_id=organisation_id, name=name)
    state.set(get_account_key(public_key), account.SerializeToString())


def add_organisation(
    state: StateOverlay,
    organisation: membership_pb2.Organisation,
    account_key: bytes,
    account_name: str,
) -> None:
    """Register a new active organisation with its first account (MEMBER_EXISTS if taken)."""
    if state.get(get_organisation_key(organisation.id)) is not None:
        raise ConsortiumError(
            ErrorCode.MEMBER_EXISTS, f"organisation {organisation.id!r} is already registered"
        )
    organisation.status = MemberStatus.MEMBER_STATUS_ACTIVE
    _put_organisation(state, organisation)
    put_new_account(state, account_key, organisation.id, account_name)
    if organisation.governing:
        _set_governing_set(state, [*get_governing_set(state), organisation.id])


def set_organisation_status(
    state: StateOverlay, organisation_id: str, status: int
) -> membership_pb2.Organisation:
    """Suspend or reinstate an organisation; keeps the governing set in step."""
    organisation = require_organisation(state, organisation_id)
    if organisation.status == status:
        word = "suspended" if status == MemberStatus.MEMBER_STATUS_SUSPENDED else "active"
        raise ConsortiumError(
            ErrorCode.INVALID_FIELD_VALUE, f"organisation {organisation_id!r} is already {word}"
        )
    organisation.status = status
    _put_organisation(state, organisation)
    if organisation.governing:
        ids = set(get_governing_set(state))
        if status == MemberStatus.MEMBER_STATUS_ACTIVE:
            ids.add(organisation_id)
        else:
            ids.discard(organisation_id)
        if not ids:  # nobody could ever approve anything again, not even a reinstatement
            raise ConsortiumError(
                ErrorCode.INVALID_FIELD_VALUE,
                f"{organisation_id!r} is the last active governing organisation; "
                "it cannot be suspended",
            )
        _set_governing_set(state, ids)
    return organisation


# --------------------------------------------------------------------------
# Genesis
# --------------------------------------------------------------------------

_ORG_FIELDS = frozenset({"id", "name", "role", "governing", "industry", "region", "accounts"})
_ACCOUNT_FIELDS = frozenset({"name", "public_key"})


def _get_genesis_organisation(item: object, where: str) -> membership_pb2.Organisation:
    if not isinstance(item, Mapping) or not {"id", "name", "role", "accounts"} <= set(item):
        raise make_genesis_error(f'{where} needs "id", "name", "role" and "accounts"')
    unknown = sorted(set(item) - _ORG_FIELDS)
    if unknown:
        raise make_genesis_error(f"{where} has unknown fields {unknown}")
    texts = {name: item.get(name, "") for name in ("id", "name", "role", "industry", "region")}
    if not all(isinstance(value, str) for value in texts.values()):
        raise make_genesis_error(f"{where}: id, name, role, industry and region are strings")
    if not isinstance(item.get("governing", False), bool):
        raise make_genesis_error(f"{where}.governing must be true or false")
    try:
        role = get_role(texts["role"])
    except ConsortiumError as error:
        raise make_genesis_error(f"{where}: {error.message}") from None
    problem = get_first_error(
        get_id_error(texts["id"], "an organisation id"),
        get_uscc_error(texts["id"]) if role == Role.ROLE_ENTERPRISE else "",
        get_text_error(texts["name"], "name"),
    )
    if problem:
        raise make_genesis_error(f"{where}: {problem}")
    return membership_pb2.Organisation(
        id=texts["id"],
        name=texts["name"],
        role=role,
        status=MemberStatus.MEMBER_STATUS_ACTIVE,
        governing=item.get("governing", False),
        industry=texts["industry"],
        region=texts["region"],
    )


def compute_genesis_updates(app_state: Mapping[str, object]) -> dict[bytes, bytes]:
    """The membership state of genesis ``{"organisations": [...]}``.

    Each organisation: ``{"id", "name", "role", "governing" (optional),
    "industry" / "region" (optional), "accounts": [{"name", "public_key"}]}``.
    Raises ConsortiumError(INVALID_CONFIG) naming what is wrong.
    """
    if not isinstance(app_state, Mapping) or set(app_state) != {"organisations"}:
        raise make_genesis_error('must be an object with exactly "organisations"')
    items = app_state["organisations"]
    if not isinstance(items, list) or not items:
        raise make_genesis_error('"organisations" must be a non-empty list')
    state = _DictOverlay()
    for index, item in enumerate(items):
        where = f"organisations[{index}]"
        organisation = _get_genesis_organisation(item, where)
        accounts = item["accounts"]
        if not isinstance(accounts, list) or not accounts:
            raise make_genesis_error(f"{where}.accounts must be a non-empty list")
        try:
            for number, account in enumerate(accounts):
                at = f"{where}.accounts[{number}]"
                if not isinstance(account, Mapping) or set(account) != _ACCOUNT_FIELDS:
                    raise make_genesis_error(f'{at} must have exactly "name" and "public_key"')
                if not isinstance(account["name"], str):
                    raise make_genesis_error(f"{at}.name must be a string")
                key = decode_genesis_public_key(account["public_key"], at)
                if number == 0:
                    add_organisation(state, organisation, key, account["name"])
                else:
                    put_new_account(state, key, organisation.id, account["name"])
        except ConsortiumError as error:
            if error.code == ErrorCode.INVALID_CONFIG:
                raise
            raise make_genesis_error(f"{where}: {error.message}") from None
    if not get_governing_set(state):
        raise make_genesis_error("at least one organisation must be governing")
    return {key: value for key, value in state.get_writes().items() if value is not None}


class _DictOverlay(StateOverlay):
    """An overlay over empty state, for building genesis."""

    def __init__(self) -> None:
        super().__init__(_EMPTY)


class _EmptyState:
    def get(self, key: bytes) -> bytes | None:
        return None

    def get_blob(self, key: bytes) -> bytes | None:
        return None


_EMPTY = _EmptyState()


# --------------------------------------------------------------------------
# Governance proposals and approvals
# --------------------------------------------------------------------------


def compute_approval_message(proposal: bytes) -> bytes:
    """What an approver signs: the governance domain tag and the exact proposal bytes."""
    return GOVERNANCE_SIGN_DOMAIN + proposal


def sign_approval(key_pair: Ed25519KeyPair, proposal: bytes) -> membership_pb2.GovernanceApproval:
    """An approval of the serialised ``proposal`` by ``key_pair``."""
    signature = sign_ed25519(key_pair, compute_approval_message(proposal))
    return membership_pb2.GovernanceApproval(account_key=key_pair.public_key, signature=signature)


def make_governance_action(
    proposal: membership_pb2.GovernanceProposal, approvers: Sequence[Ed25519KeyPair]
) -> membership_pb2.GovernanceAction:
    """The ``member.govern`` payload: ``proposal`` serialised once and signed by ``approvers``."""
    raw = proposal.SerializeToString()
    return membership_pb2.GovernanceAction(
        proposal=raw, approvals=[sign_approval(key, raw) for key in approvers]
    )


def count_approving_organisations(
    state: StateReader, proposal: bytes, approvals: Iterable[membership_pb2.GovernanceApproval]
) -> set[str]:
    """The active governing organisations that approved ``proposal``.

    Raises ConsortiumError(GOVERNANCE_APPROVAL_INVALID) for an approval that
    does not verify, is repeated, or comes from a key that is not an account
    of an active governing organisation.
    """
    governing = set(get_governing_set(state))
    seen_keys: set[bytes] = set()
    organisations: set[str] = set()
    message = compute_approval_message(proposal)
    for approval in approvals:
        key = approval.account_key
        if key in seen_keys:
            raise ConsortiumError(
                ErrorCode.GOVERNANCE_APPROVAL_INVALID, f"key {key.hex()} approves twice"
            )
        seen_keys.add(key)
        verdict = verify_ed25519(key, message, approval.signature)
        if not verdict.ok:
            raise ConsortiumError(
                ErrorCode.GOVERNANCE_APPROVAL_INVALID,
                f"the approval by {key.hex()} does not verify: {verdict.message}",
            )
        account = get_account(state, key)
        if account is None or account.organisation_id not in governing:
            raise ConsortiumError(
                ErrorCode.GOVERNANCE_APPROVAL_INVALID,
                f"key {key.hex()} is not an account of an active governing organisation",
            )
        organisations.add(account.organisation_id)
    return organisations
