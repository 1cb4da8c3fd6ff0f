"""The state tree: a versioned, compressed sparse Merkle tree behind every state root.

See :mod:`chains.core.state_tree.tree` for the shape, :mod:`.proof` for proofs
and their encoding, :mod:`.store` for node storage, :mod:`.nodes` for node keys
and node encodings, and :mod:`.hashing` for the domain-separated hashes.
"""

from chains.core.state_tree.hashing import (
    PLACEHOLDER_HASH,
    compute_key_hash,
    compute_leaf_hash,
    compute_node_hash,
    compute_value_hash,
)
from chains.core.state_tree.nodes import (
    NodeKey,
    compute_node_key,
    decode_node,
    decode_node_key,
    encode_internal_node,
    encode_leaf_node,
    encode_node_key,
    get_node_key_parts,
    is_leaf_node,
)
from chains.core.state_tree.proof import (
    ProofLeaf,
    StateProof,
    compute_state_proof_root,
    decode_state_proof,
    encode_state_proof,
    get_state_proof_shape_error,
    verify_state_proof,
)
from chains.core.state_tree.store import InMemoryNodeStore, NodeStore, RootRecord, TreeBatch
from chains.core.state_tree.tree import EMPTY_ROOT, StateTree, Updates, compute_tree_batch

__all__ = [
    "EMPTY_ROOT",
    "PLACEHOLDER_HASH",
    "InMemoryNodeStore",
    "NodeKey",
    "NodeStore",
    "ProofLeaf",
    "RootRecord",
    "StateProof",
    "StateTree",
    "TreeBatch",
    "Updates",
    "compute_key_hash",
    "compute_leaf_hash",
    "compute_node_key",
    "compute_node_hash",
    "compute_state_proof_root",
    "compute_tree_batch",
    "compute_value_hash",
    "decode_node",
    "decode_node_key",
    "decode_state_proof",
    "encode_internal_node",
    "encode_leaf_node",
    "encode_node_key",
    "encode_state_proof",
    "get_node_key_parts",
    "get_state_proof_shape_error",
    "is_leaf_node",
    "verify_state_proof",
]
