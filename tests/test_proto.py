"""The generated protobuf code is committed, current, and agrees with the Python core."""

from __future__ import annotations

from pathlib import Path

from chains import protogen
from chains.core.errors import ErrorCode
from consortium.v1 import chain_pb2, consensus_pb2, errors_pb2, proofs_pb2

ROOT = Path(__file__).resolve().parent.parent


def test_regenerating_changes_no_committed_file(tmp_path: Path) -> None:
    generated = protogen.generate(tmp_path)
    assert generated, "protoc produced nothing"
    committed = sorted(
        p.relative_to(ROOT) for p in (ROOT / protogen.PACKAGE_DIR).glob("*_pb2*.py*")
    )
    assert generated == committed, "run `make proto` and commit the result"
    for rel in generated:
        fresh = (tmp_path / rel).read_bytes()
        assert (ROOT / rel).read_bytes() == fresh, f"{rel} is stale: run `make proto`"


def test_error_codes_are_the_same_in_proto_and_python() -> None:
    in_proto = {v.name: v.number for v in errors_pb2.ErrorCode.DESCRIPTOR.values}
    in_python = {c.name: c.value for c in ErrorCode}
    assert in_proto == in_python


def test_messages_of_design_section_3_exist() -> None:
    # One of each message the formats of DESIGN §3 name, built and round-tripped.
    messages = [
        chain_pb2.TransactionBody(chain_id="tax-1", sender=b"\x01" * 32, nonce=7, type="t"),
        chain_pb2.SignedTransaction(body=b"body", signature=b"\x02" * 64),
        chain_pb2.BlockHeader(chain_id="tax-1", height=3, tx_root=b"\x03" * 32, tx_count=2),
        chain_pb2.Block(header=b"header", txs=[b"a", b"b"]),
        consensus_pb2.Vote(type=consensus_pb2.PRECOMMIT, height=3, block_hash=b"\x04" * 32),
        consensus_pb2.Proposal(height=3, round=1, valid_round=-1, block=b"block"),
        consensus_pb2.CommitCertificate(height=3, signer_bitmap=b"\x0f"),
        consensus_pb2.ValidatorSet(
            validators=[consensus_pb2.Validator(name="tax bureau", voting_power=10)]
        ),
        proofs_pb2.MerkleInclusionProof(leaf_index=1, tree_size=2, hashes=[b"\x05" * 32]),
        proofs_pb2.MerkleConsistencyProof(old_size=1, new_size=2, hashes=[b"\x06" * 32]),
        proofs_pb2.StateProof(key_hash=b"\x07" * 32),
        proofs_pb2.RecordDisclosure(commitment=b"\x08" * 32, field_count=3),
        errors_pb2.ErrorDetail(code=errors_pb2.BAD_SIGNATURE, message="m"),
    ]
    for message in messages:
        again = type(message).FromString(message.SerializeToString())
        assert again == message
