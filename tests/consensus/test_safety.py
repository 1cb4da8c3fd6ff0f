"""SafetyRules never signs two different messages for one (height, round, step).

Most tests use a fake scheme whose every signature is new, so that signing a
message twice (instead of returning the stored signature) is visible; a few
use real BLS to show the signatures verify.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chains.core.consensus.messages import Proposal, Step, Value, Vote, VoteType
from chains.core.consensus.safety import (
    NO_LOCK,
    InMemorySafetyStore,
    SafetyData,
    SafetyRules,
    decode_safety_data,
    encode_safety_data,
)
from chains.core.consensus.signing import BlsScheme
from chains.core.errors import ConsortiumError, ErrorCode, Verdict
from chains.core.types import ChainId, Hash32, Height, Round

CHAIN = ChainId("tax-1")
OTHER_CHAIN = ChainId("finance-1")
SECRET_KEY = 0x1234_5678_9ABC_DEF0_1122_3344_5566_7788
A = Hash32(b"\xaa" * 32)
B = Hash32(b"\xbb" * 32)


class CountingScheme:
    """A fake signature scheme: every call to ``sign`` returns a signature never seen before."""

    name = "counting"

    def __init__(self) -> None:
        self.count = 0

    def sign(self, secret_key: int, message: bytes) -> bytes:
        """A fresh 'signature': the hash of a counter, the key and the message."""
        self.count += 1
        material = self.count.to_bytes(8, "big") + secret_key.to_bytes(32, "big") + message
        return hashlib.sha256(material).digest()

    def get_public_key(self, secret_key: int) -> bytes:
        """The key itself: nothing here is secret."""
        return secret_key.to_bytes(32, "big")

    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> Verdict:
        """Not needed by SafetyRules."""
        raise AssertionError("SafetyRules never verifies")

    def aggregate(self, signatures: Sequence[bytes]) -> bytes:
        """Not needed by SafetyRules."""
        raise AssertionError("SafetyRules never aggregates")

    def verify_aggregate(
        self, public_keys: Sequence[bytes], message: bytes, signature: bytes
    ) -> Verdict:
        """Not needed by SafetyRules."""
        raise AssertionError("SafetyRules never verifies")


class FlakyStore(InMemorySafetyStore):
    """An in-memory store whose ``save`` fails while ``failing`` is set (a full disk)."""

    def __init__(self) -> None:
        super().__init__()
        self.failing = False

    def save(self, data: SafetyData) -> None:
        """Fail like a full disk, or keep ``data``."""
        if self.failing:
            raise OSError("no space left on device")
        super().save(data)


def prevote(height: int, round_: int, block_hash: Hash32 | None, chain: str = CHAIN) -> Vote:
    """An unsigned prevote by validator 0."""
    return Vote(VoteType.PREVOTE, ChainId(chain), Height(height), Round(round_), block_hash, 0)


def precommit(height: int, round_: int, block_hash: Hash32 | None, chain: str = CHAIN) -> Vote:
    """An unsigned precommit by validator 0."""
    return Vote(VoteType.PRECOMMIT, ChainId(chain), Height(height), Round(round_), block_hash, 0)


def propose(
    height: int, round_: int, block_hash: Hash32, valid_round: int = -1, chain: str = CHAIN
) -> Proposal:
    """An unsigned proposal by validator 0 (the block bytes are a stand-in)."""
    value = Value(block=b"block " + block_hash, block_hash=block_hash)
    return Proposal(ChainId(chain), Height(height), Round(round_), Round(valid_round), value, 0)


Request = Vote | Proposal


def sign(rules: SafetyRules, request: Request) -> Request:
    """Ask ``rules`` to sign ``request``, whichever kind it is."""
    if isinstance(request, Vote):
        return rules.sign_vote(request)
    return rules.sign_proposal(request)


def get_step(request: Request) -> Step:
    """The step at which ``request`` is signed."""
    if isinstance(request, Proposal):
        return Step.PROPOSE
    return Step.PREVOTE if request.vote_type == VoteType.PREVOTE else Step.PRECOMMIT


SIGNED = "signed"
"""Expected outcome: a signature made just now."""


@dataclass(frozen=True)
class Resent:
    """Expected outcome: the signature already returned for request ``index``, not a new one."""

    index: int


Outcome = str | Resent | ErrorCode


@dataclass(frozen=True)
class Case:
    """A table row: sign ``requests`` in order; each must end as its ``outcomes`` entry says."""

    description: str
    requests: tuple[Request, ...]
    outcomes: tuple[Outcome, ...]
    locks: tuple[tuple[int, tuple[int, Hash32 | None]], ...] = field(default=())
    """(height, expected ``get_lock(height)``) after the last request."""


REFUSED = ErrorCode.DOUBLE_SIGN_REFUSED

CASES = [
    Case(
        "increasing (height, round, step) is accepted",
        (
            propose(1, 0, A),
            prevote(1, 0, A),
            precommit(1, 0, A),
            prevote(1, 1, A),
            precommit(1, 1, None),
            propose(1, 2, A, valid_round=0),
            prevote(2, 0, B),
        ),
        (SIGNED,) * 7,
    ),
    Case(
        "the same key with identical bytes returns the stored signature",
        (prevote(1, 0, A), prevote(1, 0, A), prevote(1, 0, A)),
        (SIGNED, Resent(0), Resent(0)),
    ),
    Case(
        "the same key for another block is refused, and the first can still be re-sent",
        (prevote(1, 0, A), prevote(1, 0, B), prevote(1, 0, A)),
        (SIGNED, REFUSED, Resent(0)),
    ),
    Case(
        "the same key for nil after a block is refused",
        (precommit(1, 0, A), precommit(1, 0, None)),
        (SIGNED, REFUSED),
    ),
    Case(
        "a lower round is refused",
        (prevote(1, 2, A), prevote(1, 1, A), precommit(1, 1, A), propose(1, 0, A)),
        (SIGNED, REFUSED, REFUSED, REFUSED),
    ),
    Case(
        "a lower step is refused",
        (precommit(1, 0, A), prevote(1, 0, A), propose(1, 0, A)),
        (SIGNED, REFUSED, REFUSED),
    ),
    Case(
        "an older message is refused even when identical: only the last can be re-sent",
        (prevote(1, 0, A), precommit(1, 0, A), prevote(1, 0, A)),
        (SIGNED, SIGNED, REFUSED),
    ),
    Case(
        "a lower height is refused",
        (prevote(2, 0, A), precommit(1, 5, A), propose(1, 9, A)),
        (SIGNED, REFUSED, REFUSED),
    ),
    Case(
        "a new height is accepted and starts unlocked",
        (precommit(1, 0, A), prevote(2, 0, B)),
        (SIGNED, SIGNED),
        locks=((1, NO_LOCK), (2, NO_LOCK)),
    ),
    Case(
        "a prevote for nil then a precommit is accepted",
        (prevote(1, 0, None), precommit(1, 0, A)),
        (SIGNED, SIGNED),
        locks=((1, (0, A)),),
    ),
    Case(
        "a prevote for nil then a precommit for nil is accepted and does not lock",
        (prevote(1, 0, None), precommit(1, 0, None)),
        (SIGNED, SIGNED),
        locks=((1, NO_LOCK),),
    ),
    Case(
        "a nil precommit keeps the lock of the height",
        (precommit(1, 0, A), prevote(1, 1, None), precommit(1, 1, None)),
        (SIGNED, SIGNED, SIGNED),
        locks=((1, (0, A)),),
    ),
    Case(
        "a later precommit for another block moves the lock",
        (precommit(1, 0, A), prevote(1, 2, B), precommit(1, 2, B)),
        (SIGNED, SIGNED, SIGNED),
        locks=((1, (2, B)),),
    ),
    Case(
        "two proposals for one round with different values are refused",
        (propose(1, 0, A), propose(1, 0, B), propose(1, 0, A)),
        (SIGNED, REFUSED, Resent(0)),
    ),
    Case(
        "two proposals for one round with different valid rounds are refused",
        (propose(1, 2, A, valid_round=-1), propose(1, 2, A, valid_round=1)),
        (SIGNED, REFUSED),
    ),
    Case(
        "another chain is refused and changes nothing",
        (
            prevote(1, 0, A, chain=OTHER_CHAIN),
            propose(1, 0, A, chain=OTHER_CHAIN),
            prevote(1, 0, A),
            precommit(1, 0, B, chain=OTHER_CHAIN),
        ),
        (ErrorCode.WRONG_CHAIN_ID, ErrorCode.WRONG_CHAIN_ID, SIGNED, ErrorCode.WRONG_CHAIN_ID),
    ),
    Case(
        "a vote without canonical bytes is refused as malformed",
        (prevote(1, 0, Hash32(b"\xaa" * 31)), prevote(1, 0, A)),
        (ErrorCode.MALFORMED_INPUT, SIGNED),
    ),
]


@pytest.mark.parametrize("restart_each_time", [False, True], ids=["one-process", "restarts"])
@pytest.mark.parametrize("case", CASES, ids=[c.description for c in CASES])
def test_sign_requests(case: Case, restart_each_time: bool) -> None:
    assert len(case.requests) == len(case.outcomes), "a table row needs one outcome per request"
    scheme = CountingScheme()
    store = InMemorySafetyStore()
    rules = SafetyRules(CHAIN, SECRET_KEY, scheme, store)
    signatures: list[bytes | None] = []
    for index, (request, expected) in enumerate(zip(case.requests, case.outcomes, strict=True)):
        if restart_each_time:
            # A crash between any two requests: only the store survives.
            rules = SafetyRules(CHAIN, SECRET_KEY, scheme, store)
        before = (scheme.count, rules.get_safety_data(), store.load())
        if isinstance(expected, ErrorCode):
            with pytest.raises(ConsortiumError) as caught:
                sign(rules, request)
            assert caught.value.code == expected, f"request {index}"
            assert (scheme.count, rules.get_safety_data(), store.load()) == before
            signatures.append(None)
            continue
        signed = sign(rules, request)
        assert signed == _with_signature(request, signed.signature)
        if expected == SIGNED:
            assert scheme.count == before[0] + 1, f"request {index} was not freshly signed"
            assert signed.signature not in signatures
        else:
            assert isinstance(expected, Resent)
            assert scheme.count == before[0], f"request {index} was signed again"
            assert signed.signature == signatures[expected.index]
        data = store.load()
        assert data is not None and data == rules.get_safety_data()
        assert (data.height, data.round, data.step) == (
            request.height,
            request.round,
            get_step(request),
        )
        assert data.signature == signed.signature
        assert data.sign_bytes == request.get_sign_bytes()
        signatures.append(signed.signature)
    for height, lock in case.locks:
        assert rules.get_lock(Height(height)) == lock, f"lock at height {height}"


def _with_signature(request: Request, signature: bytes) -> Request:
    if isinstance(request, Vote):
        return Vote(
            request.vote_type,
            request.chain_id,
            request.height,
            request.round,
            request.block_hash,
            request.validator_index,
            signature,
        )
    return Proposal(
        request.chain_id,
        request.height,
        request.round,
        request.valid_round,
        request.value,
        request.proposer_index,
        signature,
    )


def test_nothing_signed_yet() -> None:
    rules = SafetyRules(CHAIN, SECRET_KEY, CountingScheme(), InMemorySafetyStore())
    assert rules.get_safety_data() is None
    assert rules.get_lock(Height(1)) == NO_LOCK
    assert rules.chain_id == CHAIN


def test_restart_refuses_conflicts_and_restores_the_lock() -> None:
    scheme = CountingScheme()
    store = InMemorySafetyStore()
    before_crash = SafetyRules(CHAIN, SECRET_KEY, scheme, store)
    before_crash.sign_vote(precommit(4, 0, A))
    sent = before_crash.sign_vote(prevote(4, 1, A))

    after_crash = SafetyRules(CHAIN, SECRET_KEY, scheme, store)
    assert after_crash.get_safety_data() == before_crash.get_safety_data()
    assert after_crash.get_lock(Height(4)) == (0, A)
    assert after_crash.get_lock(Height(3)) == NO_LOCK
    for conflicting in (prevote(4, 1, B), prevote(4, 1, None), precommit(4, 0, B)):
        with pytest.raises(ConsortiumError) as caught:
            after_crash.sign_vote(conflicting)
        assert caught.value.code == ErrorCode.DOUBLE_SIGN_REFUSED
    count = scheme.count
    assert after_crash.sign_vote(prevote(4, 1, A)) == sent
    assert scheme.count == count, "the re-sent vote must carry the stored signature"
    after_crash.sign_vote(precommit(4, 1, A))
    assert after_crash.get_lock(Height(4)) == (1, A)


def test_a_failing_store_returns_no_signature_and_changes_nothing() -> None:
    scheme = CountingScheme()
    store = FlakyStore()
    rules = SafetyRules(CHAIN, SECRET_KEY, scheme, store)

    store.failing = True
    with pytest.raises(OSError):
        rules.sign_vote(prevote(1, 0, A))
    assert rules.get_safety_data() is None and store.load() is None

    store.failing = False
    first = rules.sign_vote(prevote(1, 0, A))
    saved = store.load()

    store.failing = True
    with pytest.raises(OSError):
        rules.sign_vote(precommit(1, 0, A))
    assert rules.get_safety_data() == saved and store.load() == saved
    assert rules.get_lock(Height(1)) == NO_LOCK
    # The vote that was persisted can still be re-sent: it needs no save.
    assert rules.sign_vote(prevote(1, 0, A)) == first

    store.failing = False
    rules.sign_vote(precommit(1, 0, A))
    assert rules.get_lock(Height(1)) == (0, A)


def test_real_bls_signatures_verify_and_survive_a_restart() -> None:
    scheme = BlsScheme()
    store = InMemorySafetyStore()
    rules = SafetyRules(CHAIN, SECRET_KEY, scheme, store)
    public_key = rules.get_public_key()
    assert public_key == scheme.get_public_key(SECRET_KEY)

    proposal = rules.sign_proposal(propose(7, 0, A))
    assert scheme.verify(public_key, proposal.get_sign_bytes(), proposal.signature).ok
    vote = rules.sign_vote(precommit(7, 0, A))
    assert scheme.verify(public_key, vote.get_sign_bytes(), vote.signature).ok
    assert not scheme.verify(public_key, proposal.get_sign_bytes(), vote.signature).ok

    restarted = SafetyRules(CHAIN, SECRET_KEY, scheme, store)
    assert restarted.sign_vote(precommit(7, 0, A)) == vote
    assert restarted.get_lock(Height(7)) == (0, A)


# --- SafetyData encoding -----------------------------------------------------------


SAFETY_DATA_EXAMPLES = [
    SafetyData(Height(1), Round(0), Step.PROPOSE, b"sign bytes", b"\x01" * 96),
    SafetyData(Height(2**64 - 1), Round(2**31 - 1), Step.PRECOMMIT, b"", b"", Round(5), A),
    SafetyData(Height(9), Round(3), Step.PREVOTE, b"\x00\xff", b"sig", Round(3), B),
]


@pytest.mark.parametrize("data", SAFETY_DATA_EXAMPLES)
def test_safety_data_round_trips(data: SafetyData) -> None:
    raw = encode_safety_data(data)
    assert decode_safety_data(raw) == data
    assert encode_safety_data(decode_safety_data(raw)) == raw


def _document(**changes: object) -> bytes:
    """Canonical encoded safety data with some JSON fields replaced (spelled as given)."""
    raw = encode_safety_data(SAFETY_DATA_EXAMPLES[2]).decode()
    for key, value in changes.items():
        start = raw.index(f'"{key}":') + len(key) + 3
        end = min(i for i in (raw.find(",", start), raw.find("}", start)) if i != -1)
        raw = raw[:start] + str(value) + raw[end:]
    return raw.encode()


GARBAGE_SAFETY_DATA = {
    "empty": b"",
    "not json": b"not json",
    "invalid utf-8": b"\xff\xfe",
    "a list": b"[]",
    "a number": b"7",
    "deep list nesting": b"[" * 100_000,
    "deep object nesting": b'{"a":' * 100_000,
    "too long": b"{" + b" " * 30_000 + b"}",
    "missing key": encode_safety_data(SAFETY_DATA_EXAMPLES[0]).replace(b'"height":1,', b""),
    "extra key": encode_safety_data(SAFETY_DATA_EXAMPLES[0])[:-1] + b',"zzz":1}',
    "other version": _document(version=2),
    "boolean height": _document(height="true"),
    "negative height": _document(height=-1),
    "float round": _document(round="1.0"),
    "round too large": _document(round=2**31),
    "unknown step": _document(step=3),
    "step as string": _document(step='"1"'),
    "lock above round": _document(locked_round=4, round=3),
    "lock round below -1": _document(locked_round=-2),
    "lock round without hash": _document(locked_block_hash="null"),
    "lock hash without round": _document(locked_round=-1),
    "lock hash too short": _document(locked_block_hash='"' + "bb" * 31 + '"'),
    "lock hash not hex": _document(locked_block_hash='"' + "zz" * 32 + '"'),
    "signature not hex": _document(signature='"xyz"'),
    "signature as list": _document(signature="[1]"),
    "upper-case hex": _document(signature='"ABCD"'),
    "spaces": encode_safety_data(SAFETY_DATA_EXAMPLES[0]).replace(b",", b", "),
    "oversize blob": _document(sign_bytes='"' + "00" * 5000 + '"'),
}


@pytest.mark.parametrize("raw", GARBAGE_SAFETY_DATA.values(), ids=GARBAGE_SAFETY_DATA.keys())
def test_garbage_safety_data_is_refused(raw: bytes) -> None:
    with pytest.raises(ConsortiumError) as caught:
        decode_safety_data(raw)
    assert caught.value.code == ErrorCode.MALFORMED_INPUT


UNENCODABLE_SAFETY_DATA = {
    "lock round without hash": SafetyData(Height(1), Round(2), Step.PREVOTE, b"", b"", Round(0)),
    "lock hash without round": SafetyData(
        Height(1), Round(2), Step.PREVOTE, b"", b"", Round(-1), A
    ),
    "lock above round": SafetyData(Height(1), Round(2), Step.PREVOTE, b"", b"", Round(3), A),
    "oversize sign bytes": SafetyData(Height(1), Round(0), Step.PREVOTE, b"x" * 5000, b""),
    "signature not bytes": SafetyData(Height(1), Round(0), Step.PREVOTE, b"", "sig"),  # type: ignore[arg-type]
}


@pytest.mark.parametrize(
    "data", UNENCODABLE_SAFETY_DATA.values(), ids=UNENCODABLE_SAFETY_DATA.keys()
)
def test_safety_data_that_could_not_be_read_back_is_not_encoded(data: SafetyData) -> None:
    with pytest.raises(ConsortiumError) as caught:
        encode_safety_data(data)
    assert caught.value.code == ErrorCode.MALFORMED_INPUT


def test_safety_data_must_be_bytes() -> None:
    with pytest.raises(ConsortiumError) as caught:
        decode_safety_data("{}")  # type: ignore[arg-type]
    assert caught.value.code == ErrorCode.MALFORMED_INPUT


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_are_refused_as_malformed(raw: bytes) -> None:
    try:
        decode_safety_data(raw)
    except ConsortiumError as error:
        assert error.code == ErrorCode.MALFORMED_INPUT


safety_data = st.builds(
    lambda h, r, step, sb, sig, lock: SafetyData(
        Height(h),
        Round(r),
        Step(step),
        sb,
        sig,
        Round(-1 if lock is None else min(lock[0], r)),
        None if lock is None else Hash32(lock[1]),
    ),
    st.integers(0, 2**64 - 1),
    st.integers(0, 2**31 - 1),
    st.sampled_from(list(Step)),
    st.binary(max_size=200),
    st.binary(max_size=100),
    st.none() | st.tuples(st.integers(0, 2**31 - 1), st.binary(min_size=32, max_size=32)),
)


@settings(max_examples=200, deadline=None)
@given(safety_data)
def test_any_safety_data_round_trips(data: SafetyData) -> None:
    assert decode_safety_data(encode_safety_data(data)) == data


# --- Random sequences with restarts and failing saves --------------------------------

HASHES = (None, A, B)

request_strategy = st.one_of(
    st.builds(
        lambda kind, h, r, b: (prevote if kind else precommit)(h, r, b),
        st.booleans(),
        st.integers(1, 3),
        st.integers(0, 2),
        st.sampled_from(HASHES),
    ),
    st.integers(1, 3).flatmap(
        lambda h: st.integers(0, 2).flatmap(
            lambda r: st.builds(
                lambda b, vr: propose(h, r, b, valid_round=vr),
                st.sampled_from((A, B)),
                st.integers(-1, r - 1),
            )
        )
    ),
)
action_strategy = st.one_of(
    request_strategy,
    st.just("restart"),
    st.just("fail next save"),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(action_strategy, max_size=40))
def test_no_two_signatures_for_one_key(actions: list[object]) -> None:
    scheme = CountingScheme()
    store = FlakyStore()
    rules = SafetyRules(CHAIN, SECRET_KEY, scheme, store)
    signed_at: dict[tuple[int, int, int], set[tuple[bytes, bytes]]] = {}
    last_fresh_key: tuple[int, int, int] | None = None
    locks: dict[int, tuple[int, Hash32 | None]] = {}
    for action in actions:
        if action == "restart":
            rules = SafetyRules(CHAIN, SECRET_KEY, scheme, store)
            continue
        if action == "fail next save":
            store.failing = True
            continue
        assert isinstance(action, Vote | Proposal)
        key = (action.height, action.round, int(get_step(action)))
        count = scheme.count
        try:
            signed = sign(rules, action)
        except ConsortiumError as error:
            assert error.code == ErrorCode.DOUBLE_SIGN_REFUSED
            continue
        except OSError:
            store.failing = False
            assert store.load() == rules.get_safety_data()
            continue
        signed_at.setdefault(key, set()).add((action.get_sign_bytes(), signed.signature))
        assert len(signed_at[key]) == 1, f"two different signatures at {key}"
        if scheme.count != count:
            # A fresh signature must move strictly forward.
            assert last_fresh_key is None or key > last_fresh_key
            last_fresh_key = key
            if isinstance(action, Vote) and key[2] == Step.PRECOMMIT and action.block_hash:
                locks[action.height] = (action.round, action.block_hash)
        assert last_fresh_key is not None
        height = last_fresh_key[0]
        assert rules.get_lock(Height(height)) == locks.get(height, NO_LOCK)
        assert rules.get_lock(Height(height + 1)) == NO_LOCK
