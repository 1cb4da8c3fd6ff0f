"""The membership transactions every chain has (see :mod:`chains.apps.membership`).

* ``member.enterprise.register`` (payload ``RegisterEnterprise``): the chain's
  registrar roles register an enterprise under its credit code;
* ``member.account.add`` (``AddAccount``): any member adds a key of its own;
* ``member.govern`` (``GovernanceAction``): add, suspend or reinstate an
  organisation with the approval of more than 2/3 of the governing ones, or
  carry out an action of the chain's own (:class:`GovernanceExtension`: the
  finance chain recovers a light client this way).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial

from google.protobuf.message import Message

from chains.apps import membership
from chains.apps.fields import get_first_error, get_id_error, get_text_error, get_uscc_error
from chains.apps.framework import ANY_ROLE, TxCall, TxRule
from chains.apps.membership import (
    PROPOSAL_PREFIX,
    TX_ADD_ACCOUNT,
    TX_GOVERN,
    TX_REGISTER_ENTERPRISE,
    MemberStatus,
    Role,
)
from chains.core.crypto import is_valid_ed25519_public_key
from chains.core.errors import ConsortiumError, ErrorCode
from chains.core.protobuf import parse_message
from consortium.v1 import membership_pb2


def _get_key_error(key: bytes) -> str:
    if not is_valid_ed25519_public_key(key):
        return "account_key must be a valid 32-byte Ed25519 public key"
    return ""


def check_register_enterprise(payload: membership_pb2.RegisterEnterprise) -> str:
    """Why a ``RegisterEnterprise`` payload is unusable, or ""."""
    return get_first_error(
        get_uscc_error(payload.uscc),
        get_text_error(payload.name, "name"),
        get_text_error(payload.industry, "industry", required=False),
        get_text_error(payload.region, "region", required=False),
        get_text_error(payload.account_name, "account_name", required=False),
        _get_key_error(payload.account_key),
    )


def execute_register_enterprise(call: TxCall) -> None:
    """Register the enterprise (MEMBER_EXISTS when its code or key is taken)."""
    payload: membership_pb2.RegisterEnterprise = call.payload
    organisation = membership_pb2.Organisation(
        id=payload.uscc,
        name=payload.name,
        role=Role.ROLE_ENTERPRISE,
        industry=payload.industry,
        region=payload.region,
        registered_height=call.height,
    )
    membership.add_organisation(
        call.state, organisation, payload.account_key, payload.account_name or "primary"
    )


def check_add_account(payload: membership_pb2.AddAccount) -> str:
    """Why an ``AddAccount`` payload is unusable, or ""."""
    return get_first_error(
        _get_key_error(payload.account_key), get_text_error(payload.name, "name", required=False)
    )


def execute_add_account(call: TxCall) -> None:
    """Add the key to the sender's own organisation (MEMBER_EXISTS when it is taken)."""
    payload: membership_pb2.AddAccount = call.payload
    membership.put_new_account(
        call.state, payload.account_key, call.sender.organisation.id, payload.name
    )


def _check_add_member(add: membership_pb2.AddMember) -> str:
    if add.role not in ANY_ROLE:
        return "add_member.role must be a role"
    return get_first_error(
        get_id_error(add.id, "add_member.id"),
        get_uscc_error(add.id) if add.role == Role.ROLE_ENTERPRISE else "",
        get_text_error(add.name, "add_member.name"),
        _get_key_error(add.account_key),
    )


@dataclass(frozen=True, slots=True)
class GovernanceExtension:
    """A governance action only some chains carry out (e.g. the finance chain's
    ``recover_client``): its stateless check and its handler, given the action."""

    check: Callable[[Message], str]
    execute: Callable[[TxCall, Message], None]


BASE_ACTIONS = ("add_member", "suspend_member", "reinstate_member")


def check_govern(
    payload: membership_pb2.GovernanceAction,
    extensions: Mapping[str, GovernanceExtension] | None = None,
) -> str:
    """Why a ``GovernanceAction`` payload is unusable, or "" (signatures: on execution).

    ``extensions``: the chain's own actions beyond adding, suspending and reinstating.
    """
    try:
        proposal = parse_message(membership_pb2.GovernanceProposal, payload.proposal)
    except ConsortiumError as error:
        return f"proposal: {error.message}"
    if not payload.approvals or len(payload.approvals) > membership.MAX_APPROVALS:
        return f"a governance action carries 1 to {membership.MAX_APPROVALS} approvals"
    action = proposal.WhichOneof("action")
    if action is None:
        return "the proposal names no action"
    if action == "add_member":
        problem = _check_add_member(proposal.add_member)
    elif action not in BASE_ACTIONS:
        extension = (extensions or {}).get(action)
        if extension is None:
            return f"this chain does not carry out {action!r}"
        problem = extension.check(getattr(proposal, action))
    else:
        change = getattr(proposal, action)
        problem = get_id_error(change.organisation_id, f"{action}.organisation_id")
    return get_first_error(get_id_error(proposal.proposal_id, "proposal_id"), problem)


def execute_govern(
    call: TxCall, extensions: Mapping[str, GovernanceExtension] | None = None
) -> None:
    """Execute an approved proposal once, on its own chain, before it expires."""
    payload: membership_pb2.GovernanceAction = call.payload
    proposal = parse_message(membership_pb2.GovernanceProposal, payload.proposal)
    if proposal.chain_id != call.context.chain_id:
        raise ConsortiumError(
            ErrorCode.WRONG_CHAIN_ID,
            f"the proposal is for chain {proposal.chain_id!r}, not {call.context.chain_id!r}",
        )
    if proposal.expires_at_unix_ms < call.context.time_unix_ms:
        raise ConsortiumError(
            ErrorCode.GOVERNANCE_PROPOSAL_EXPIRED,
            f"proposal {proposal.proposal_id!r} expired at {proposal.expires_at_unix_ms} ms",
        )
    used_key = PROPOSAL_PREFIX + proposal.proposal_id.encode()
    if call.state.get(used_key) is not None:
        raise ConsortiumError(
            ErrorCode.GOVERNANCE_PROPOSAL_USED,
            f"proposal {proposal.proposal_id!r} was already executed",
        )
    approving = membership.count_approving_organisations(
        call.state, payload.proposal, payload.approvals
    )
    total = len(membership.get_governing_set(call.state))
    if not membership.is_quorum(len(approving), total):
        raise ConsortiumError(
            ErrorCode.GOVERNANCE_QUORUM_NOT_MET,
            f"{len(approving)} of {total} governing organisations approved; "
            f"more than 2/3 must ({2 * total // 3 + 1} or more)",
        )
    action = proposal.WhichOneof("action")
    if action == "add_member":
        add = proposal.add_member
        organisation = membership_pb2.Organisation(
            id=add.id,
            name=add.name,
            role=add.role,
            governing=add.governing,
            industry=add.industry,
            region=add.region,
            registered_height=call.height,
        )
        membership.add_organisation(
            call.state, organisation, add.account_key, add.account_name or "primary"
        )
    elif action not in BASE_ACTIONS:
        (extensions or {})[action].execute(call, getattr(proposal, action))
    elif action == "suspend_member":
        membership.set_organisation_status(
            call.state,
            proposal.suspend_member.organisation_id,
            MemberStatus.MEMBER_STATUS_SUSPENDED,
        )
    else:
        membership.set_organisation_status(
            call.state, proposal.reinstate_member.organisation_id, MemberStatus.MEMBER_STATUS_ACTIVE
        )
    call.state.set(used_key, call.height.to_bytes(8, "big"))


def get_membership_rules(
    registrar_roles: frozenset[int],
    governance_extensions: Mapping[str, GovernanceExtension] | None = None,
) -> list[TxRule]:
    """The membership rules of a chain whose enterprises are registered by ``registrar_roles``
    (and whose governance also carries out ``governance_extensions``)."""
    extensions = dict(governance_extensions or {})
    return [
        TxRule(
            TX_REGISTER_ENTERPRISE,
            membership_pb2.RegisterEnterprise,
            registrar_roles,
            execute_register_enterprise,
            check_register_enterprise,
        ),
        TxRule(
            TX_ADD_ACCOUNT,
            membership_pb2.AddAccount,
            ANY_ROLE,
            execute_add_account,
            check_add_account,
        ),
        TxRule(
            TX_GOVERN,
            membership_pb2.GovernanceAction,
            ANY_ROLE,
            partial(execute_govern, extensions=extensions),
            partial(check_govern, extensions=extensions),
            governing_only=True,
        ),
    ]
