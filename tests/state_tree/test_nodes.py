"""Domain-separated hashes, node keys and node encodings of the state tree."""

from __future__ import annotations

from hashlib import sha256

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chains.core.errors import ConsortiumError, ErrorCode
from chains.core.state_tree import (
    PLACEHOLDER_HASH,
    StateTree,
    compute_leaf_hash,
    compute_node_hash,
    compute_node_key,
    decode_node,
    decode_node_key,
    encode_internal_node,
    encode_leaf_node,
    encode_node_key,
    get_node_key_parts,
)
from chains.core.state_tree.hashing import EMPTY_TAG, LEAF_TAG, NODE_TAG
from chains.core.state_tree.nodes import MAX_VERSION


def test_tags_are_distinct_and_never_look_like_rfc6962_prefixes() -> None:
    assert len({LEAF_TAG, NODE_TAG, EMPTY_TAG}) == 3
    assert len(LEAF_TAG) == len(NODE_TAG) and len(LEAF_TAG) + 64 <= 119  # two SHA-256 blocks
    for tag in (LEAF_TAG, NODE_TAG, EMPTY_TAG):
        assert tag[0] not in (0x00, 0x01)


def test_leaf_and_node_hashes_of_the_same_bytes_differ() -> None:
    a, b = sha256(b"a").digest(), sha256(b"b").digest()
    assert compute_leaf_hash(a, b) != compute_node_hash(a, b)
    assert compute_node_hash(a, b) != compute_node_hash(b, a)
    rfc6962_leaf = sha256(b"\x00" + a + b).digest()
    rfc6962_node = sha256(b"\x01" + a + b).digest()
    assert {compute_leaf_hash(a, b), compute_node_hash(a, b)}.isdisjoint(
        {rfc6962_leaf, rfc6962_node}
    )
    assert sha256(EMPTY_TAG).digest() == PLACEHOLDER_HASH


@given(
    version=st.integers(0, MAX_VERSION),
    depth=st.integers(0, 256),
    path_bits=st.integers(0, (1 << 256) - 1),
)
def test_node_keys_round_trip(version: int, depth: int, path_bits: int) -> None:
    path = path_bits >> (256 - depth)
    key = compute_node_key(version, depth, path)
    assert get_node_key_parts(key) == (version, depth, path)
    encoded = encode_node_key(key)
    assert len(encoded) == 10 + (depth + 7) // 8
    assert decode_node_key(encoded) == key


def test_node_key_bytes_sort_by_version_first() -> None:
    keys = [compute_node_key(v, d, p) for v in (1, 2) for d, p in ((0, 0), (3, 5), (9, 300))]
    encoded = [encode_node_key(k) for k in keys]
    assert sorted(encoded)[:3] == encoded[:3]


def test_nodes_round_trip() -> None:
    h1, h2 = sha256(b"1").digest(), sha256(b"2").digest()
    for node in ((h1, h2, 1, 2), (h1, PLACEHOLDER_HASH, 7, None), (PLACEHOLDER_HASH, h2, None, 0)):
        assert decode_node(encode_internal_node(*node)) == node
    assert decode_node(encode_leaf_node(h1, b"")) == (h1, b"")
    assert decode_node(encode_leaf_node(h1, b"value")) == (h1, b"value")


def test_every_stored_node_decodes() -> None:
    tree = StateTree()
    tree.apply_updates(1, {bytes([i]): bytes([i]) * i for i in range(100)})
    tree.apply_updates(2, {bytes([i]): None for i in range(0, 100, 2)})
    for key, node in tree.store._nodes.items():  # type: ignore[attr-defined]
        decode_node(node)
        assert decode_node_key(encode_node_key(key)) == key


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x03" + b"\x00" * 80,
        b"\x01" + b"\x00" * 31,
        b"\x02" + b"\x00" * 79,
        encode_internal_node(PLACEHOLDER_HASH, PLACEHOLDER_HASH, 1, 2),  # empty hash, version set
        encode_internal_node(sha256(b"x").digest(), sha256(b"y").digest(), 1, 2)[:-8]
        + b"\xff" * 8,  # version says empty, hash does not
        encode_internal_node(PLACEHOLDER_HASH, PLACEHOLDER_HASH, None, None),  # no children
    ],
)
def test_non_canonical_nodes_are_refused(data: bytes) -> None:
    with pytest.raises(ConsortiumError) as caught:
        decode_node(data)
    assert caught.value.code == ErrorCode.MALFORMED_INPUT


@settings(max_examples=300)
@given(st.binary(max_size=100))
def test_decoding_random_node_bytes_raises_only_a_malformed_error(data: bytes) -> None:
    for decode in (decode_node, decode_node_key):
        try:
            decode(data)
        except ConsortiumError as error:
            assert error.code == ErrorCode.MALFORMED_INPUT
