"""Hypothesis drives random histories (inserts, updates, deletes, versions, pruning)
and compares the tree with the naive reference at every version."""

from __future__ import annotations

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
)

from chains.core.errors import ConsortiumError, ErrorCode
from chains.core.state_tree import StateTree, verify_state_proof

from .reference import NaiveStateMap, compute_naive_root

KEYS = [f"key-{i}".encode() for i in range(24)]
VALUES = st.one_of(st.none(), st.binary(max_size=4))


class StateTreeMachine(RuleBasedStateMachine):
    """The tree and the reference receive the same batches and prunes."""

    def __init__(self) -> None:
        super().__init__()
        self.tree = StateTree()
        self.model = NaiveStateMap()
        self.version = -1
        self.pruned_below = 0

    @rule(
        updates=st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=12),
        gap=st.integers(1, 3),
    )
    def apply_batch(self, updates: dict[bytes, bytes | None], gap: int) -> None:
        self.version += gap
        root = self.tree.apply_updates(self.version, updates)
        self.model.apply_updates(self.version, updates)
        assert root == compute_naive_root(self.model.latest)
        self.check_version(self.version)

    @precondition(lambda self: self.version >= 0)
    @rule(back=st.integers(0, 6))
    def prune(self, back: int) -> None:
        below = max(self.pruned_below, self.version - back)
        self.tree.prune(below)
        self.model.prune(below)
        self.pruned_below = below

    @precondition(lambda self: self.version >= 0)
    @rule(version=st.integers(-1, 40))
    def read_any_version(self, version: int) -> None:
        if version in self.model.versions:
            self.check_version(version)
            return
        with pytest.raises(ConsortiumError) as caught:
            self.tree.get_root(version)
        assert caught.value.code == ErrorCode.STATE_VERSION_UNAVAILABLE

    @invariant()
    def retained_versions_match(self) -> None:
        retained = [v for v in range(self.version + 1) if self.tree.is_version_available(v)]
        assert retained == sorted(self.model.versions)

    def check_version(self, version: int) -> None:
        """Values, root and proofs (both kinds) of every key at ``version``."""
        state = self.model.versions[version]
        root = self.tree.get_root(version)
        assert root == compute_naive_root(state)
        for key in KEYS:
            value, proof = self.tree.get_with_proof(key, version)
            assert value == state.get(key)
            assert verify_state_proof(root, key, value, proof).ok
            if value is None:
                assert verify_state_proof(root, key, b"x", proof).code == ErrorCode.STATE_KEY_ABSENT
            else:
                assert verify_state_proof(root, key, None, proof).code == (
                    ErrorCode.STATE_KEY_PRESENT
                )

    def teardown(self) -> None:
        for version in self.model.versions:
            self.check_version(version)


TestStateTreeMachine = StateTreeMachine.TestCase
TestStateTreeMachine.settings = settings(max_examples=100, stateful_step_count=25, deadline=None)
