"""Membership every chain shares: genesis, registration, accounts, governance, replays.

A small application made only of the membership rules (the tax bureau is its
registrar) runs in :class:`AppHarness`, exactly as a node would run it. Every
refusal is asserted by its code, and that it changed nothing but the sender's
nonce.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence

import pytest

from chains.apps.fields import compute_uscc_check_character
from chains.apps.framework import ConsortiumApplication, roles
from chains.apps.member_rules import get_membership_rules
from chains.apps.membership import (
    GOVERNING_SET_KEY,
    TX_ADD_ACCOUNT,
    TX_GOVERN,
    TX_REGISTER_ENTERPRISE,
    MemberStatus,
    Role,
    get_account,
    get_account_key,
    get_governing_set,
    get_organisation,
    get_organisation_key,
    get_role_name,
    make_governance_action,
)
from chains.core.app import TxResult, get_nonce_key
from chains.core.crypto import Ed25519KeyPair
from chains.core.errors import ConsortiumError, ErrorCode
from consortium.v1 import membership_pb2
from tests.apps.harness import AppHarness, assert_refused, make_key, make_org

APP = ConsortiumApplication.from_rules("test", get_membership_rules(roles(Role.ROLE_TAX_BUREAU)))
CHAIN = "test-1"
FAR_FUTURE_MS = 4_000_000_000_000


def make_uscc(first17: str) -> str:
    """A unified social credit code with its check character."""
    return first17 + compute_uscc_check_character(first17)


GENESIS_ENTERPRISE = make_uscc("91440300MA5F00001")
NEW_ENTERPRISE = make_uscc("91440300MA5F00002")
OTHER_ENTERPRISE = make_uscc("91440300MA5F00003")

GOVERNING = ("tax-bureau", "public-security", "customs", "pboc-shenzhen")
KEYS: dict[str, Ed25519KeyPair] = {
    name: make_key(name)
    for name in (
        *GOVERNING,
        "audit-office",
        "bank-icbc-sz",
        "industry-association",
        "enterprise-federation",
        GENESIS_ENTERPRISE,
    )
}
ROLE_OF = {
    "tax-bureau": "tax_bureau",
    "public-security": "public_security",
    "customs": "customs",
    "pboc-shenzhen": "central_bank",
    "audit-office": "auditor",
    "bank-icbc-sz": "bank",
    "industry-association": "industry_association",
    "enterprise-federation": "enterprise_federation",
    GENESIS_ENTERPRISE: "enterprise",
}


def make_app_state() -> dict[str, object]:
    """Four governing organisations and one organisation of every other role."""
    return {
        "organisations": [
            make_org(org_id, ROLE_OF[org_id], KEYS[org_id], governing=org_id in GOVERNING)
            for org_id in KEYS
        ]
    }


@pytest.fixture
def chain() -> AppHarness:
    return AppHarness(APP, make_app_state(), chain_id=CHAIN)


def register_payload(
    uscc: str = NEW_ENTERPRISE, key: bytes | None = None, name: str = "Shenzhen Widgets Ltd"
) -> membership_pb2.RegisterEnterprise:
    return membership_pb2.RegisterEnterprise(
        uscc=uscc,
        name=name,
        industry="manufacturing",
        region="Nanshan",
        account_key=make_key("new-enterprise").public_key if key is None else key,
        account_name="primary",
    )


def proposal(
    proposal_id: str = "p-1",
    *,
    add: membership_pb2.AddMember | None = None,
    suspend: str = "",
    reinstate: str = "",
    chain_id: str = CHAIN,
    expires_at_unix_ms: int = FAR_FUTURE_MS,
) -> membership_pb2.GovernanceProposal:
    message = membership_pb2.GovernanceProposal(
        chain_id=chain_id, proposal_id=proposal_id, expires_at_unix_ms=expires_at_unix_ms
    )
    if add is not None:
        message.add_member.CopyFrom(add)
    elif suspend:
        message.suspend_member.organisation_id = suspend
    else:
        message.reinstate_member.organisation_id = reinstate
    return message


def new_member(org_id: str = "customs-lab", governing: bool = False) -> membership_pb2.AddMember:
    return membership_pb2.AddMember(
        id=org_id,
        name=f"{org_id} (new)",
        role=Role.ROLE_CUSTOMS,
        governing=governing,
        account_key=make_key(org_id).public_key,
        account_name="primary",
    )


def govern(
    chain: AppHarness,
    message: membership_pb2.GovernanceProposal,
    approvers: Sequence[str | Ed25519KeyPair],
    sender: str = "tax-bureau",
) -> TxResult:
    keys = [KEYS[a] if isinstance(a, str) else a for a in approvers]
    return chain.run(KEYS[sender], TX_GOVERN, make_governance_action(message, keys))


def assert_only_nonce_changed(
    before: dict[bytes, bytes], after: dict[bytes, bytes], sender: Ed25519KeyPair
) -> None:
    """Nothing but ``sender``'s nonce differs between the two snapshots."""
    nonce_key = get_nonce_key(sender.public_key)
    changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    assert changed <= {nonce_key}, sorted(changed)


def assert_refused_without_effect(
    chain: AppHarness,
    sender: Ed25519KeyPair,
    send: Callable[[], TxResult],
    code: ErrorCode,
) -> None:
    before = chain.snapshot()
    assert_refused(send(), code)
    assert_only_nonce_changed(before, chain.snapshot(), sender)


def org_status(chain: AppHarness, org_id: str) -> int:
    organisation = get_organisation(chain.state, org_id)
    assert organisation is not None
    return organisation.status


# ---------------------------------------------------------------------------
# Genesis
# ---------------------------------------------------------------------------


def test_genesis_loads_organisations_accounts_and_the_governing_set() -> None:
    updates = APP.get_genesis_updates(make_app_state())
    for org_id, key in KEYS.items():
        organisation = membership_pb2.Organisation()
        organisation.ParseFromString(updates[get_organisation_key(org_id)])
        assert organisation.id == org_id
        assert get_role_name(organisation.role) == ROLE_OF[org_id]
        assert organisation.status == MemberStatus.MEMBER_STATUS_ACTIVE
        assert organisation.governing == (org_id in GOVERNING)
        assert organisation.registered_height == 0
        account = membership_pb2.Account()
        account.ParseFromString(updates[get_account_key(key.public_key)])
        assert account.organisation_id == org_id
        assert account.name == "primary"
    governing = membership_pb2.GoverningSet()
    governing.ParseFromString(updates[GOVERNING_SET_KEY])
    assert list(governing.organisation_ids) == sorted(GOVERNING)
    # Nothing else: organisations, accounts and the governing set.
    assert len(updates) == 2 * len(KEYS) + 1


def test_genesis_keeps_every_account_of_an_organisation() -> None:
    state = make_app_state()
    second = make_key("tax-bureau-2")
    state["organisations"][0]["accounts"].append(  # type: ignore[index]
        {"name": "desk-2", "public_key": second.public_key.hex()}
    )
    chain = AppHarness(APP, state, chain_id=CHAIN)
    account = get_account(chain.state, second.public_key)
    assert account is not None and account.organisation_id == "tax-bureau"
    assert account.name == "desk-2"
    assert chain.run(second, TX_REGISTER_ENTERPRISE, register_payload()).ok


def _org(state: dict, index: int = 0) -> dict:
    return state["organisations"][index]


SMALL_ORDER_KEY = (b"\x01" + bytes(31)).hex()  # the identity point: order 1
BAD_GENESIS: dict[str, Callable[[dict], object]] = {
    "extra top-level field": lambda s: s.update(accounts=[]),
    "no organisations": lambda s: s.update(organisations=[]),
    "organisations not a list": lambda s: s.update(organisations={"a": 1}),
    "organisation not an object": lambda s: s["organisations"].append("tax-bureau"),
    "missing id": lambda s: _org(s).pop("id"),
    "missing name": lambda s: _org(s).pop("name"),
    "missing role": lambda s: _org(s).pop("role"),
    "missing accounts": lambda s: _org(s).pop("accounts"),
    "unknown organisation field": lambda s: _org(s).update(website="https://x"),
    "unknown role": lambda s: _org(s).update(role="mayor"),
    "role in capitals": lambda s: _org(s).update(role="TAX_BUREAU"),
    "unspecified role": lambda s: _org(s).update(role="unspecified"),
    "role not a string": lambda s: _org(s).update(role=1),
    "governing not a bool": lambda s: _org(s).update(governing=1),
    "empty name": lambda s: _org(s).update(name="  "),
    "bad id": lambda s: _org(s).update(id="tax bureau/1"),
    "region not a string": lambda s: _org(s).update(region=7),
    "bad key hex": lambda s: _org(s)["accounts"][0].update(public_key="zz" * 32),
    "short key": lambda s: _org(s)["accounts"][0].update(public_key="ab" * 31),
    "key not a string": lambda s: _org(s)["accounts"][0].update(public_key=12),
    "small-order key": lambda s: _org(s)["accounts"][0].update(public_key=SMALL_ORDER_KEY),
    "unknown account field": lambda s: _org(s)["accounts"][0].update(admin=True),
    "account name not a string": lambda s: _org(s)["accounts"][0].update(name=None),
    "account not an object": lambda s: _org(s)["accounts"].append("key"),
    "duplicate id": lambda s: s["organisations"].append(
        make_org("tax-bureau", "customs", make_key("another"))
    ),
    "duplicate key across organisations": lambda s: s["organisations"].append(
        make_org("another", "customs", KEYS["tax-bureau"])
    ),
    "duplicate key within an organisation": lambda s: _org(s)["accounts"].append(
        dict(_org(s)["accounts"][0], name="again")
    ),
    "enterprise id not a USCC": lambda s: s["organisations"].append(
        make_org("acme-ltd", "enterprise", make_key("acme"))
    ),
    "enterprise id with a wrong check character": lambda s: s["organisations"].append(
        make_org(GENESIS_ENTERPRISE[:17] + "0", "enterprise", make_key("acme"))
        if GENESIS_ENTERPRISE[17] != "0"
        else make_org(GENESIS_ENTERPRISE[:17] + "1", "enterprise", make_key("acme"))
    ),
    "no governing organisation": lambda s: [o.update(governing=False) for o in s["organisations"]],
    "empty accounts": lambda s: _org(s).update(accounts=[]),
    "accounts not a list": lambda s: _org(s).update(accounts={"name": "primary"}),
}


@pytest.mark.parametrize("mutate", BAD_GENESIS.values(), ids=BAD_GENESIS.keys())
def test_malformed_genesis_is_refused_with_invalid_config(mutate: Callable[[dict], object]) -> None:
    state = copy.deepcopy(make_app_state())
    mutate(state)
    with pytest.raises(ConsortiumError) as raised:
        APP.get_genesis_updates(state)
    assert raised.value.code == ErrorCode.INVALID_CONFIG, raised.value.message


@pytest.mark.parametrize("app_state", [None, [], "organisations", {"organisations": None}])
def test_genesis_that_is_not_an_object_is_refused(app_state: object) -> None:
    with pytest.raises(ConsortiumError) as raised:
        APP.get_genesis_updates(app_state)  # type: ignore[arg-type]
    assert raised.value.code == ErrorCode.INVALID_CONFIG


# ---------------------------------------------------------------------------
# member.enterprise.register
# ---------------------------------------------------------------------------


def test_the_registrar_registers_an_enterprise_that_can_then_act(chain: AppHarness) -> None:
    result = chain.run(KEYS["tax-bureau"], TX_REGISTER_ENTERPRISE, register_payload())
    assert result.ok, result
    organisation = get_organisation(chain.state, NEW_ENTERPRISE)
    assert organisation is not None
    assert organisation.role == Role.ROLE_ENTERPRISE
    assert organisation.status == MemberStatus.MEMBER_STATUS_ACTIVE
    assert not organisation.governing
    assert (organisation.name, organisation.industry, organisation.region) == (
        "Shenzhen Widgets Ltd",
        "manufacturing",
        "Nanshan",
    )
    assert organisation.registered_height == chain.height
    account = get_account(chain.state, make_key("new-enterprise").public_key)
    assert account is not None and account.organisation_id == NEW_ENTERPRISE
    # Its key is an account now: it may add a key of its own.
    added = membership_pb2.AddAccount(account_key=make_key("clerk").public_key, name="clerk")
    assert chain.run(make_key("new-enterprise"), TX_ADD_ACCOUNT, added).ok
    # The governing set is unchanged: an enterprise is not governing.
    assert get_governing_set(chain.state) == sorted(GOVERNING)


@pytest.mark.parametrize("org_id", [o for o in KEYS if o != "tax-bureau"])
def test_every_other_role_may_not_register(chain: AppHarness, org_id: str) -> None:
    sender = KEYS[org_id]
    send = lambda: chain.run(sender, TX_REGISTER_ENTERPRISE, register_payload())  # noqa: E731
    assert_refused_without_effect(chain, sender, send, ErrorCode.ROLE_NOT_ALLOWED)
    # A faulty proposer including it anyway: the block refuses it just the same.
    execute = lambda: chain.execute(sender, TX_REGISTER_ENTERPRISE, register_payload())  # noqa: E731
    assert_refused_without_effect(chain, sender, execute, ErrorCode.ROLE_NOT_ALLOWED)
    assert get_organisation(chain.state, NEW_ENTERPRISE) is None


def test_an_unknown_key_may_send_nothing(chain: AppHarness) -> None:
    stranger = make_key("stranger")
    send = lambda: chain.run(stranger, TX_REGISTER_ENTERPRISE, register_payload())  # noqa: E731
    assert_refused_without_effect(chain, stranger, send, ErrorCode.UNKNOWN_ACCOUNT)
    execute = lambda: chain.execute(stranger, TX_REGISTER_ENTERPRISE, register_payload())  # noqa: E731
    assert_refused_without_effect(chain, stranger, execute, ErrorCode.UNKNOWN_ACCOUNT)


@pytest.mark.parametrize(
    "payload",
    [
        register_payload(uscc=GENESIS_ENTERPRISE),
        register_payload(key=KEYS["audit-office"].public_key),
        register_payload(key=KEYS[GENESIS_ENTERPRISE].public_key),
    ],
    ids=["taken credit code", "key of another organisation", "key of an enterprise"],
)
def test_a_taken_credit_code_or_key_is_refused(
    chain: AppHarness, payload: membership_pb2.RegisterEnterprise
) -> None:
    sender = KEYS["tax-bureau"]
    send = lambda: chain.run(sender, TX_REGISTER_ENTERPRISE, payload)  # noqa: E731
    assert_refused_without_effect(chain, sender, send, ErrorCode.MEMBER_EXISTS)


def test_registering_the_same_enterprise_twice_is_refused(chain: AppHarness) -> None:
    sender = KEYS["tax-bureau"]
    assert chain.run(sender, TX_REGISTER_ENTERPRISE, register_payload()).ok
    again = register_payload(key=make_key("another-key").public_key)
    send = lambda: chain.run(sender, TX_REGISTER_ENTERPRISE, again)  # noqa: E731
    assert_refused_without_effect(chain, sender, send, ErrorCode.MEMBER_EXISTS)


def _wrong_check_character(uscc: str) -> str:
    wrong = "1" if uscc[17] != "1" else "2"
    return uscc[:17] + wrong


BAD_REGISTRATIONS = {
    "wrong check character": register_payload(uscc=_wrong_check_character(NEW_ENTERPRISE)),
    "lowercase credit code": register_payload(uscc=NEW_ENTERPRISE.lower()),
    "credit code with an I": register_payload(uscc="91440300MA5F0000I" + "0"),
    "17 characters": register_payload(uscc=NEW_ENTERPRISE[:17]),
    "empty credit code": register_payload(uscc=""),
    "empty name": register_payload(name=""),
    "blank name": register_payload(name="   "),
    "name too long": register_payload(name="x" * 513),
    "short key": register_payload(key=b"\x07" * 31),
    "empty key": register_payload(key=b""),
    "small-order key": register_payload(key=b"\x01" + bytes(31)),
}


@pytest.mark.parametrize("payload", BAD_REGISTRATIONS.values(), ids=BAD_REGISTRATIONS.keys())
def test_a_bad_registration_is_refused_before_anything_is_written(
    chain: AppHarness, payload: membership_pb2.RegisterEnterprise
) -> None:
    sender = KEYS["tax-bureau"]
    before = chain.snapshot()
    assert_refused(
        chain.run(sender, TX_REGISTER_ENTERPRISE, payload), ErrorCode.INVALID_FIELD_VALUE
    )
    assert chain.snapshot() == before  # the mempool refused it: not even a nonce was used


# ---------------------------------------------------------------------------
# member.account.add
# ---------------------------------------------------------------------------


def test_an_organisation_adds_a_key_that_then_acts_for_it(chain: AppHarness) -> None:
    clerk = make_key("tax-bureau-clerk")
    payload = membership_pb2.AddAccount(account_key=clerk.public_key, name="clerk-1")
    assert chain.run(KEYS["tax-bureau"], TX_ADD_ACCOUNT, payload).ok
    account = get_account(chain.state, clerk.public_key)
    assert account is not None
    assert (account.organisation_id, account.name) == ("tax-bureau", "clerk-1")
    # The clerk acts with the tax bureau's role: it may register an enterprise.
    assert chain.run(clerk, TX_REGISTER_ENTERPRISE, register_payload()).ok


def test_a_key_added_by_a_non_registrar_acts_with_that_role(chain: AppHarness) -> None:
    clerk = make_key("audit-clerk")
    payload = membership_pb2.AddAccount(account_key=clerk.public_key, name="clerk")
    assert chain.run(KEYS["audit-office"], TX_ADD_ACCOUNT, payload).ok
    assert_refused(
        chain.run(clerk, TX_REGISTER_ENTERPRISE, register_payload()), ErrorCode.ROLE_NOT_ALLOWED
    )


@pytest.mark.parametrize("owner", ["tax-bureau", "audit-office", GENESIS_ENTERPRISE])
def test_adding_a_taken_key_is_refused(chain: AppHarness, owner: str) -> None:
    sender = KEYS["tax-bureau"]
    payload = membership_pb2.AddAccount(account_key=KEYS[owner].public_key, name="mine")
    send = lambda: chain.run(sender, TX_ADD_ACCOUNT, payload)  # noqa: E731
    assert_refused_without_effect(chain, sender, send, ErrorCode.MEMBER_EXISTS)
    account = get_account(chain.state, KEYS[owner].public_key)
    assert account is not None and account.organisation_id == owner


@pytest.mark.parametrize("key", [b"", b"\x05" * 33, b"\x01" + bytes(31)], ids=["empty", "33", "id"])
def test_adding_a_bad_key_is_refused(chain: AppHarness, key: bytes) -> None:
    before = chain.snapshot()
    payload = membership_pb2.AddAccount(account_key=key, name="x")
    assert_refused(
        chain.run(KEYS["tax-bureau"], TX_ADD_ACCOUNT, payload), ErrorCode.INVALID_FIELD_VALUE
    )
    assert chain.snapshot() == before


# ---------------------------------------------------------------------------
# member.govern
# ---------------------------------------------------------------------------


def test_three_of_four_add_a_member(chain: AppHarness) -> None:
    message = proposal(add=new_member("customs-lab"))
    assert govern(chain, message, GOVERNING[:3]).ok
    organisation = get_organisation(chain.state, "customs-lab")
    assert organisation is not None
    assert organisation.role == Role.ROLE_CUSTOMS
    assert organisation.status == MemberStatus.MEMBER_STATUS_ACTIVE
    assert organisation.registered_height == chain.height
    account = get_account(chain.state, make_key("customs-lab").public_key)
    assert account is not None and account.organisation_id == "customs-lab"
    assert get_governing_set(chain.state) == sorted(GOVERNING)  # not a governing member
    # The new member's key can act.
    payload = membership_pb2.AddAccount(account_key=make_key("lab-2").public_key)
    assert chain.run(make_key("customs-lab"), TX_ADD_ACCOUNT, payload).ok


def test_three_of_four_suspend_then_reinstate(chain: AppHarness) -> None:
    assert govern(chain, proposal("p-s", suspend="bank-icbc-sz"), GOVERNING[1:]).ok
    assert org_status(chain, "bank-icbc-sz") == MemberStatus.MEMBER_STATUS_SUSPENDED
    payload = membership_pb2.AddAccount(account_key=make_key("bank-2").public_key)
    assert_refused(
        chain.run(KEYS["bank-icbc-sz"], TX_ADD_ACCOUNT, payload), ErrorCode.MEMBER_SUSPENDED
    )
    assert govern(chain, proposal("p-r", reinstate="bank-icbc-sz"), GOVERNING[:3]).ok
    assert org_status(chain, "bank-icbc-sz") == MemberStatus.MEMBER_STATUS_ACTIVE
    assert chain.run(KEYS["bank-icbc-sz"], TX_ADD_ACCOUNT, payload).ok


def test_two_of_four_are_not_a_quorum(chain: AppHarness) -> None:
    sender = KEYS["tax-bureau"]
    for message in (
        proposal(add=new_member()),
        proposal(suspend="bank-icbc-sz"),
        proposal(reinstate="bank-icbc-sz"),
    ):
        send = lambda m=message: govern(chain, m, GOVERNING[:2])  # noqa: E731
        assert_refused_without_effect(chain, sender, send, ErrorCode.GOVERNANCE_QUORUM_NOT_MET)
    # The id was not used up by the failed attempts.
    assert govern(chain, proposal(add=new_member()), GOVERNING[:3]).ok


def test_two_keys_of_one_organisation_count_once(chain: AppHarness) -> None:
    second = make_key("tax-bureau-2")
    payload = membership_pb2.AddAccount(account_key=second.public_key)
    assert chain.run(KEYS["tax-bureau"], TX_ADD_ACCOUNT, payload).ok
    message = proposal(suspend="bank-icbc-sz")
    approvers = [KEYS["tax-bureau"], second, KEYS["customs"]]
    send = lambda: govern(chain, message, approvers)  # noqa: E731
    assert_refused_without_effect(
        chain, KEYS["tax-bureau"], send, ErrorCode.GOVERNANCE_QUORUM_NOT_MET
    )
    # The same two keys with two other organisations: three organisations.
    assert govern(chain, message, [*approvers, KEYS["public-security"]]).ok


def _with_bad_signature(message: membership_pb2.GovernanceProposal) -> object:
    action = make_governance_action(message, [KEYS[o] for o in GOVERNING])
    signature = bytearray(action.approvals[1].signature)
    signature[0] ^= 1
    action.approvals[1].signature = bytes(signature)
    return action


def _signed_over_other_bytes(message: membership_pb2.GovernanceProposal) -> object:
    action = make_governance_action(message, [KEYS[o] for o in GOVERNING])
    other = make_governance_action(proposal("other"), [KEYS["customs"]])
    action.approvals[2].CopyFrom(other.approvals[0])
    return action


BAD_APPROVALS: dict[str, Callable[[membership_pb2.GovernanceProposal], object]] = {
    "bad signature": _with_bad_signature,
    "signature over another proposal": _signed_over_other_bytes,
    "non-governing approver": lambda m: make_governance_action(
        m, [KEYS[o] for o in (*GOVERNING, "audit-office")]
    ),
    "unknown approver": lambda m: make_governance_action(
        m, [*(KEYS[o] for o in GOVERNING), make_key("nobody")]
    ),
    "repeated key": lambda m: make_governance_action(
        m, [KEYS[o] for o in (*GOVERNING[:3], GOVERNING[0])]
    ),
}


@pytest.mark.parametrize("make_action", BAD_APPROVALS.values(), ids=BAD_APPROVALS.keys())
def test_an_invalid_approval_refuses_the_action(
    chain: AppHarness, make_action: Callable[[membership_pb2.GovernanceProposal], object]
) -> None:
    sender = KEYS["tax-bureau"]
    action = make_action(proposal(suspend="bank-icbc-sz"))
    send = lambda: chain.run(sender, TX_GOVERN, action)  # noqa: E731
    assert_refused_without_effect(chain, sender, send, ErrorCode.GOVERNANCE_APPROVAL_INVALID)
    assert org_status(chain, "bank-icbc-sz") == MemberStatus.MEMBER_STATUS_ACTIVE


def test_a_suspended_organisation_may_not_approve(chain: AppHarness) -> None:
    assert govern(chain, proposal("p-1", suspend="pboc-shenzhen"), GOVERNING[:3]).ok
    sender = KEYS["tax-bureau"]
    message = proposal("p-2", suspend="bank-icbc-sz")
    send = lambda: govern(chain, message, GOVERNING)  # noqa: E731
    assert_refused_without_effect(chain, sender, send, ErrorCode.GOVERNANCE_APPROVAL_INVALID)


def test_a_proposal_executes_once(chain: AppHarness) -> None:
    message = proposal("p-once", suspend="bank-icbc-sz")
    assert govern(chain, message, GOVERNING[:3]).ok
    sender = KEYS["tax-bureau"]
    # Replayed as it was (with other approvers), and with its id on another action.
    for replay in (message, proposal("p-once", reinstate="bank-icbc-sz")):
        send = lambda m=replay: govern(chain, m, GOVERNING[1:])  # noqa: E731
        assert_refused_without_effect(chain, sender, send, ErrorCode.GOVERNANCE_PROPOSAL_USED)
    assert org_status(chain, "bank-icbc-sz") == MemberStatus.MEMBER_STATUS_SUSPENDED


def test_an_expired_proposal_is_refused(chain: AppHarness) -> None:
    next_block_time = chain.time_unix_ms + 1_000
    sender = KEYS["tax-bureau"]
    expired = proposal(suspend="bank-icbc-sz", expires_at_unix_ms=next_block_time - 1)
    send = lambda: govern(chain, expired, GOVERNING)  # noqa: E731
    assert_refused_without_effect(chain, sender, send, ErrorCode.GOVERNANCE_PROPOSAL_EXPIRED)
    # Expiring exactly at the block's time is still in time.
    just_in_time = proposal(suspend="bank-icbc-sz", expires_at_unix_ms=chain.time_unix_ms + 1_000)
    assert govern(chain, just_in_time, GOVERNING).ok


def test_a_proposal_for_another_chain_is_refused(chain: AppHarness) -> None:
    sender = KEYS["tax-bureau"]
    message = proposal(suspend="bank-icbc-sz", chain_id="finance-1")
    send = lambda: govern(chain, message, GOVERNING)  # noqa: E731
    assert_refused_without_effect(chain, sender, send, ErrorCode.WRONG_CHAIN_ID)


@pytest.mark.parametrize("org_id", ["audit-office", "bank-icbc-sz", GENESIS_ENTERPRISE])
def test_a_non_governing_organisation_may_not_send_a_governance_action(
    chain: AppHarness, org_id: str
) -> None:
    message = proposal(suspend="bank-icbc-sz")
    send = lambda: govern(chain, message, GOVERNING, sender=org_id)  # noqa: E731
    assert_refused_without_effect(chain, KEYS[org_id], send, ErrorCode.ROLE_NOT_ALLOWED)
    action = make_governance_action(message, [KEYS[o] for o in GOVERNING])
    execute = lambda: chain.execute(KEYS[org_id], TX_GOVERN, action)  # noqa: E731
    assert_refused_without_effect(chain, KEYS[org_id], execute, ErrorCode.ROLE_NOT_ALLOWED)


def test_governance_of_an_unknown_organisation_is_refused(chain: AppHarness) -> None:
    sender = KEYS["tax-bureau"]
    send = lambda: govern(chain, proposal(suspend="nobody"), GOVERNING)  # noqa: E731
    assert_refused_without_effect(chain, sender, send, ErrorCode.MEMBER_NOT_FOUND)


def test_adding_a_member_whose_id_or_key_is_taken_is_refused(chain: AppHarness) -> None:
    sender = KEYS["tax-bureau"]
    taken_id = proposal("p-1", add=new_member("customs"))
    send = lambda: govern(chain, taken_id, GOVERNING)  # noqa: E731
    assert_refused_without_effect(chain, sender, send, ErrorCode.MEMBER_EXISTS)
    member = new_member("customs-lab")
    member.account_key = KEYS["audit-office"].public_key
    send = lambda: govern(chain, proposal("p-2", add=member), GOVERNING)  # noqa: E731
    assert_refused_without_effect(chain, sender, send, ErrorCode.MEMBER_EXISTS)


BAD_PROPOSALS = {
    "no action": membership_pb2.GovernanceProposal(chain_id=CHAIN, proposal_id="p"),
    "bad proposal id": proposal("p 1", suspend="customs"),
    "bad organisation id": proposal(suspend="cus/toms"),
    "enterprise that is not a USCC": proposal(
        add=membership_pb2.AddMember(
            id="acme",
            name="Acme",
            role=Role.ROLE_ENTERPRISE,
            account_key=make_key("acme").public_key,
        )
    ),
    "unknown role": proposal(
        add=membership_pb2.AddMember(
            id="x", name="X", role=99, account_key=make_key("x").public_key
        )
    ),
    "bad key": proposal(
        add=membership_pb2.AddMember(id="x", name="X", role=Role.ROLE_BANK, account_key=b"k")
    ),
}


@pytest.mark.parametrize("message", BAD_PROPOSALS.values(), ids=BAD_PROPOSALS.keys())
def test_a_malformed_proposal_is_refused_by_the_mempool(
    chain: AppHarness, message: membership_pb2.GovernanceProposal
) -> None:
    before = chain.snapshot()
    assert_refused(govern(chain, message, GOVERNING), ErrorCode.INVALID_FIELD_VALUE)
    assert chain.snapshot() == before


def test_an_action_without_approvals_or_proposal_is_refused(chain: AppHarness) -> None:
    before = chain.snapshot()
    no_approvals = membership_pb2.GovernanceAction(
        proposal=proposal(suspend="customs").SerializeToString()
    )
    assert_refused(
        chain.run(KEYS["tax-bureau"], TX_GOVERN, no_approvals), ErrorCode.INVALID_FIELD_VALUE
    )
    garbage = make_governance_action(proposal(suspend="customs"), [KEYS["customs"]])
    garbage.proposal = b"\xff\xff\xff"
    assert_refused(chain.run(KEYS["tax-bureau"], TX_GOVERN, garbage), ErrorCode.INVALID_FIELD_VALUE)
    assert chain.snapshot() == before


@pytest.mark.parametrize("tx_type", [TX_REGISTER_ENTERPRISE, TX_ADD_ACCOUNT, TX_GOVERN])
def test_a_suspended_organisations_accounts_may_send_nothing(
    chain: AppHarness, tx_type: str
) -> None:
    clerk = make_key("tax-bureau-clerk")
    added = membership_pb2.AddAccount(account_key=clerk.public_key)
    assert chain.run(KEYS["tax-bureau"], TX_ADD_ACCOUNT, added).ok
    assert govern(chain, proposal("p-1", suspend="tax-bureau"), GOVERNING[1:]).ok
    payloads = {
        TX_REGISTER_ENTERPRISE: register_payload(),
        TX_ADD_ACCOUNT: membership_pb2.AddAccount(account_key=make_key("more").public_key),
        TX_GOVERN: make_governance_action(
            proposal("p-2", reinstate="tax-bureau"), [KEYS[o] for o in GOVERNING[1:]]
        ),
    }
    for key in (KEYS["tax-bureau"], clerk):  # every account of the organisation
        send = lambda k=key: chain.run(k, tx_type, payloads[tx_type])  # noqa: E731
        assert_refused_without_effect(chain, key, send, ErrorCode.MEMBER_SUSPENDED)
        execute = lambda k=key: chain.execute(k, tx_type, payloads[tx_type])  # noqa: E731
        assert_refused_without_effect(chain, key, execute, ErrorCode.MEMBER_SUSPENDED)
    # Another governing organisation may send the reinstatement, which then lets it act.
    assert chain.run(KEYS["customs"], TX_GOVERN, payloads[TX_GOVERN]).ok
    assert chain.run(clerk, TX_REGISTER_ENTERPRISE, register_payload()).ok


def test_suspending_a_governing_organisation_shrinks_the_quorum_base(chain: AppHarness) -> None:
    assert govern(chain, proposal("s-1", suspend="pboc-shenzhen"), GOVERNING[:3]).ok
    assert get_governing_set(chain.state) == sorted(GOVERNING[:3])
    # Of three governing organisations, two are not more than 2/3 ...
    two = ("tax-bureau", "customs")
    assert_refused(
        govern(chain, proposal("s-2", suspend="public-security"), two),
        ErrorCode.GOVERNANCE_QUORUM_NOT_MET,
    )
    assert govern(chain, proposal("s-2", suspend="public-security"), GOVERNING[:3]).ok
    assert get_governing_set(chain.state) == sorted(two)
    # ... but of two, two are: a base of four would have refused them.
    assert govern(chain, proposal("s-3", suspend="bank-icbc-sz"), two).ok
    assert org_status(chain, "bank-icbc-sz") == MemberStatus.MEMBER_STATUS_SUSPENDED
    # Reinstating a governing organisation grows the base again.
    assert govern(chain, proposal("r-1", reinstate="public-security"), two).ok
    assert get_governing_set(chain.state) == sorted(GOVERNING[:3])
    assert_refused(
        govern(chain, proposal("r-2", reinstate="bank-icbc-sz"), two),
        ErrorCode.GOVERNANCE_QUORUM_NOT_MET,
    )


def test_the_last_governing_organisation_cannot_be_suspended(chain: AppHarness) -> None:
    for number, name in enumerate(GOVERNING[1:], start=1):
        remaining = [o for o in GOVERNING if o not in GOVERNING[1:number]]
        assert govern(chain, proposal(f"s-{number}", suspend=name), remaining).ok
    assert get_governing_set(chain.state) == ["tax-bureau"]
    sender = KEYS["tax-bureau"]
    send = lambda: govern(chain, proposal("s-last", suspend="tax-bureau"), ["tax-bureau"])  # noqa: E731
    assert_refused_without_effect(chain, sender, send, ErrorCode.INVALID_FIELD_VALUE)
    # Still governed: the last one reinstates another alone.
    assert govern(chain, proposal("r-1", reinstate="customs"), ["tax-bureau"]).ok


def test_adding_a_governing_organisation_grows_the_quorum_base(chain: AppHarness) -> None:
    assert govern(
        chain, proposal("a-1", add=new_member("customs-sz", governing=True)), GOVERNING[:3]
    ).ok
    assert get_governing_set(chain.state) == sorted([*GOVERNING, "customs-sz"])
    # Three of five are not more than 2/3; four are, and the new member counts.
    message = proposal("s-1", suspend="bank-icbc-sz")
    assert_refused(govern(chain, message, GOVERNING[:3]), ErrorCode.GOVERNANCE_QUORUM_NOT_MET)
    assert govern(chain, message, [*GOVERNING[:3], make_key("customs-sz")]).ok
    # And it may send governance actions itself.
    message = proposal("r-1", reinstate="bank-icbc-sz")
    action = make_governance_action(message, [KEYS[o] for o in GOVERNING])
    assert chain.run(make_key("customs-sz"), TX_GOVERN, action).ok


def test_suspending_an_already_suspended_organisation_is_refused(chain: AppHarness) -> None:
    assert govern(chain, proposal("s-1", suspend="bank-icbc-sz"), GOVERNING).ok
    sender = KEYS["tax-bureau"]
    send = lambda: govern(chain, proposal("s-2", suspend="bank-icbc-sz"), GOVERNING)  # noqa: E731
    assert_refused_without_effect(chain, sender, send, ErrorCode.INVALID_FIELD_VALUE)
    send = lambda: govern(chain, proposal("r-1", reinstate="customs"), GOVERNING)  # noqa: E731
    assert_refused_without_effect(chain, sender, send, ErrorCode.INVALID_FIELD_VALUE)


# ---------------------------------------------------------------------------
# Replays and undecodable transactions
# ---------------------------------------------------------------------------


def test_the_same_bytes_twice_are_a_stale_nonce(chain: AppHarness) -> None:
    raw = chain.make_tx(KEYS["tax-bureau"], TX_REGISTER_ENTERPRISE, register_payload())
    assert chain.admit(raw).ok
    assert chain.run_block([raw])[0].ok
    before = chain.snapshot()
    assert_refused(chain.admit(raw), ErrorCode.STALE_NONCE)
    with pytest.raises(ConsortiumError) as raised:  # a block holding it is invalid
        chain.run_block([raw])
    assert raised.value.code == ErrorCode.INVALID_BLOCK
    assert chain.snapshot() == before


def test_a_transaction_for_another_chain_is_refused(chain: AppHarness) -> None:
    raw = chain.make_tx(
        KEYS["tax-bureau"], TX_REGISTER_ENTERPRISE, register_payload(), chain_id="finance-1"
    )
    assert_refused(chain.admit(raw), ErrorCode.WRONG_CHAIN_ID)


def test_an_undecodable_payload_is_malformed(chain: AppHarness) -> None:
    before = chain.snapshot()
    result = chain.run(KEYS["tax-bureau"], TX_REGISTER_ENTERPRISE, b"\xff\xff\xff\xff")
    assert_refused(result, ErrorCode.MALFORMED_INPUT)
    assert chain.snapshot() == before


def test_an_unknown_type_is_refused(chain: AppHarness) -> None:
    before = chain.snapshot()
    result = chain.run(KEYS["tax-bureau"], "tax.invoice.issue", register_payload())
    assert_refused(result, ErrorCode.UNKNOWN_TX_TYPE)
    assert chain.snapshot() == before


def test_get_role_spellings() -> None:
    from chains.apps.membership import get_role

    assert get_role("tax_bureau") == Role.ROLE_TAX_BUREAU
    assert get_role_name(Role.ROLE_CENTRAL_BANK) == "central_bank"
    for name in ("", "unspecified", "Tax_Bureau", "ROLE_BANK", "bank "):
        with pytest.raises(ConsortiumError) as raised:
            get_role(name)
        assert raised.value.code == ErrorCode.INVALID_FIELD_VALUE
