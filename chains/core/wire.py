"""Proofs to and from their protobuf messages (``consortium.v1``).

The core works on frozen dataclasses; proofs travel as protobuf. These
functions convert both ways. Decoding never trusts its input: garbage raises
ConsortiumError (MALFORMED_INPUT, or the area's own code), and a decoded proof
is still checked in full by its ``verify_*`` function.
"""

from __future__ import annotations

from chains.core.errors import ConsortiumError, ErrorCode
from chains.core.merkle import InclusionProof
from chains.core.protobuf import parse_message
from chains.core.records import (
    DisclosedField,
    Disclosure,
    decode_field_value,
    encode_field_value,
)
from chains.core.state_tree import ProofLeaf, StateProof
from chains.core.types import Hash32
from consortium.v1 import proofs_pb2


def inclusion_proof_to_proto(proof: InclusionProof) -> proofs_pb2.MerkleInclusionProof:
    """An RFC 6962 inclusion proof as its protobuf message."""
    return proofs_pb2.MerkleInclusionProof(
        leaf_index=proof.leaf_index, tree_size=proof.tree_size, hashes=list(proof.hashes)
    )


def inclusion_proof_from_proto(message: proofs_pb2.MerkleInclusionProof) -> InclusionProof:
    """The inclusion proof carried by ``message`` (hash lengths are checked on verify)."""
    return InclusionProof(
        leaf_index=message.leaf_index,
        tree_size=message.tree_size,
        hashes=tuple(Hash32(h) for h in message.hashes),
    )


def decode_inclusion_proof(data: bytes) -> InclusionProof:
    """Decode a serialised ``MerkleInclusionProof``."""
    return inclusion_proof_from_proto(parse_message(proofs_pb2.MerkleInclusionProof, data))


def state_proof_to_proto(proof: StateProof) -> proofs_pb2.StateProof:
    """A state-tree proof as its protobuf message."""
    message = proofs_pb2.StateProof(
        key_hash=proof.key_hash,
        sibling_bitmap=proof.sibling_bitmap,
        siblings=list(proof.siblings),
        depth=proof.depth,
    )
    if proof.leaf is not None:
        message.leaf.key_hash = proof.leaf.key_hash
        message.leaf.value_hash = proof.leaf.value_hash
    return message


def state_proof_from_proto(message: proofs_pb2.StateProof) -> StateProof:
    """The state proof carried by ``message`` (its shape is checked on verify)."""
    leaf = None
    if message.HasField("leaf"):
        leaf = ProofLeaf(Hash32(message.leaf.key_hash), Hash32(message.leaf.value_hash))
    return StateProof(
        key_hash=Hash32(message.key_hash),
        leaf=leaf,
        depth=message.depth,
        sibling_bitmap=message.sibling_bitmap,
        siblings=tuple(Hash32(s) for s in message.siblings),
    )


def decode_state_proof_message(data: bytes) -> StateProof:
    """Decode a serialised ``StateProof`` message."""
    return state_proof_from_proto(parse_message(proofs_pb2.StateProof, data))


def disclosure_to_proto(commitment: bytes, disclosure: Disclosure) -> proofs_pb2.RecordDisclosure:
    """A record disclosure, with the commitment it proves against, as its protobuf message."""
    return proofs_pb2.RecordDisclosure(
        commitment=commitment,
        field_count=disclosure.field_count,
        fields=[
            proofs_pb2.DisclosedField(
                name=f.name,
                value=encode_field_value(f.value),
                salt=f.salt,
                proof=proofs_pb2.MerkleInclusionProof(
                    leaf_index=f.index, tree_size=disclosure.field_count, hashes=list(f.proof)
                ),
            )
            for f in disclosure.fields
        ],
    )


def disclosure_from_proto(message: proofs_pb2.RecordDisclosure) -> tuple[Hash32, Disclosure]:
    """The commitment and the disclosure carried by ``message``.

    Raises ConsortiumError(RECORD_MALFORMED) when a value is not canonically
    encoded or a field's proof names another tree size than the record's.
    """
    fields = []
    for field in message.fields:
        if field.proof.tree_size != message.field_count:
            raise ConsortiumError(
                ErrorCode.RECORD_MALFORMED,
                f"field {field.name!r} is proven in a tree of {field.proof.tree_size} leaves, "
                f"but the record has {message.field_count} fields",
            )
        fields.append(
            DisclosedField(
                index=field.proof.leaf_index,
                name=field.name,
                value=decode_field_value(field.value),
                salt=field.salt,
                proof=tuple(Hash32(h) for h in field.proof.hashes),
            )
        )
    return Hash32(message.commitment), Disclosure(message.field_count, tuple(fields))


def decode_disclosure(data: bytes) -> tuple[Hash32, Disclosure]:
    """Decode a serialised ``RecordDisclosure`` into its commitment and disclosure."""
    return disclosure_from_proto(parse_message(proofs_pb2.RecordDisclosure, data))
