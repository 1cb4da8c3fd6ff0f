"""A small synchronous client of a node's gRPC API (for the CLI, tests and benchmarks).

Every refusal becomes a :class:`NodeError` carrying the node's stable
``ErrorCode`` and the gRPC status.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import grpc

from chains.core.block import Header, decode_block, decode_header
from chains.core.consensus.certificate import CommitCertificate, decode_certificate, verify_commit
from chains.core.consensus.signing import BlsScheme
from chains.core.consensus.validators import ValidatorSet, decode_validator_set
from chains.core.errors import ConsortiumError, ErrorCode, Verdict
from chains.core.merkle import verify_leaf_inclusion
from chains.core.state_tree import verify_state_proof
from chains.core.wire import inclusion_proof_from_proto, state_proof_from_proto
from chains.runtime.api import ERROR_CODE_METADATA
from chains.runtime.config import MAX_MESSAGE_BYTES
from consortium.v1 import node_pb2, node_pb2_grpc


class NodeError(ConsortiumError):
    """A call the node refused (or could not answer)."""

    def __init__(self, code: ErrorCode, message: str, status: grpc.StatusCode) -> None:
        super().__init__(code, message)
        self.status = status


def _to_node_error(error: grpc.RpcError) -> NodeError:
    code = ErrorCode.ERROR_CODE_UNSPECIFIED
    for key, value in error.trailing_metadata() or ():
        if key == ERROR_CODE_METADATA:
            with contextlib.suppress(ValueError):
                code = ErrorCode(int(value))
    return NodeError(code, error.details() or "", error.code())


@dataclass(frozen=True, slots=True)
class CertifiedState:
    """A state value with its proof, header and certificate, as a node served them."""

    key: bytes
    height: int
    value: bytes | None
    verdict: Verdict  # of the proof against the header's state root and the certificate


class NodeClient:
    """Calls one node; use as a context manager or call :meth:`close`."""

    def __init__(self, address: str, timeout_s: float = 10.0, credentials=None) -> None:
        options = [
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
        ]
        if credentials is None:
            self.channel = grpc.insecure_channel(address, options=options)
        else:
            self.channel = grpc.secure_channel(address, credentials, options=options)
        self.stub = node_pb2_grpc.NodeStub(self.channel)
        self.timeout_s = timeout_s
        self.address = address

    def __enter__(self) -> NodeClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the channel."""
        self.channel.close()

    def _call(self, method, request):
        try:
            return method(request, timeout=self.timeout_s)
        except grpc.RpcError as error:
            raise _to_node_error(error) from None

    def submit(self, txs: Sequence[bytes]) -> list[node_pb2.TxAdmission]:
        """Submit a batch; one admission per transaction (NodeError when none was admitted)."""
        request = node_pb2.SubmitTransactionsRequest(txs=list(txs))
        return list(self._call(self.stub.SubmitTransactions, request).results)

    def get_chain_info(self) -> node_pb2.ChainInfo:
        """The node's chain and height."""
        return self._call(self.stub.GetChainInfo, node_pb2.GetChainInfoRequest())

    def get_block(self, height: int = 0, block_hash: bytes = b"") -> node_pb2.GetBlockResponse:
        """A block by height (or by hash) with its certificate."""
        request = (
            node_pb2.GetBlockRequest(hash=block_hash)
            if block_hash
            else node_pb2.GetBlockRequest(height=height)
        )
        return self._call(self.stub.GetBlock, request)

    def get_transaction(self, tx_id: bytes) -> node_pb2.GetTransactionResponse:
        """A committed transaction with its result and inclusion proof."""
        return self._call(self.stub.GetTransaction, node_pb2.GetTransactionRequest(tx_id=tx_id))

    def wait_for_transaction(
        self, tx_id: bytes, timeout_s: float = 30.0
    ) -> node_pb2.GetTransactionResponse:
        """The committed transaction ``tx_id`` once its block is committed (polling).

        Raises NodeError(NOT_FOUND) when it is not committed within ``timeout_s``.
        """
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                return self.get_transaction(tx_id)
            except NodeError as error:
                if error.code != ErrorCode.NOT_FOUND or time.monotonic() > deadline:
                    raise
            time.sleep(0.05)

    def get_certificate(self, height: int) -> node_pb2.GetCertificateResponse:
        """The commit certificate of ``height`` with the exact header bytes it certifies."""
        return self._call(self.stub.GetCertificate, node_pb2.GetCertificateRequest(height=height))

    def get_validator_set_response(self, height: int = 0) -> node_pb2.GetValidatorSetResponse:
        """The validator set signing ``height`` as served: its height and exact encoded bytes."""
        return self._call(self.stub.GetValidatorSet, node_pb2.GetValidatorSetRequest(height=height))

    def get_validator_set(self, height: int = 0) -> ValidatorSet:
        """The validator set signing ``height``."""
        return decode_validator_set(self.get_validator_set_response(height).validator_set)

    def query_state(self, key: bytes, height: int = 0) -> node_pb2.QueryStateResponse:
        """A state value at ``height`` (0: latest) with its proof."""
        return self._call(self.stub.QueryState, node_pb2.QueryStateRequest(key=key, height=height))

    def get_blob(self, key: bytes) -> node_pb2.GetBlobResponse:
        """A blob stored beside the state tree (``found`` false when there is none)."""
        return self._call(self.stub.GetBlob, node_pb2.GetBlobRequest(key=key))

    def disclose_records(
        self, signed_consent: bytes, height: int = 0
    ) -> node_pb2.DiscloseRecordsResponse:
        """The records a signed consent names on this chain, at ``height`` (0: latest), with
        the certified header their proofs are against (NodeError with the refusal's code)."""
        request = node_pb2.DiscloseRecordsRequest(signed_consent=signed_consent, height=height)
        return self._call(self.stub.DiscloseRecords, request)

    def stream_headers(self, from_height: int = 0) -> Iterator[node_pb2.CertifiedHeader]:
        """Certified headers from ``from_height`` on, as they are committed."""
        try:
            yield from self.stub.StreamHeaders(
                node_pb2.StreamHeadersRequest(from_height=from_height)
            )
        except grpc.RpcError as error:
            raise _to_node_error(error) from None


def verify_certified_header(
    validators: ValidatorSet, header_raw: bytes, certificate_raw: bytes
) -> tuple[Header | None, CommitCertificate | None, Verdict]:
    """Decode a header and its certificate and verify the certificate against ``validators``."""
    try:
        header = decode_header(header_raw)
        certificate = decode_certificate(certificate_raw)
    except ConsortiumError as error:
        return None, None, error.to_verdict()
    return header, certificate, verify_commit(validators, header, certificate, BlsScheme())


def verify_state_response(
    validators: ValidatorSet, key: bytes, response: node_pb2.QueryStateResponse
) -> CertifiedState:
    """Check a state answer end to end: certificate over the header, proof against its root."""
    value = response.value if response.found else None
    header, _, verdict = verify_certified_header(validators, response.header, response.certificate)
    if verdict.ok:
        try:
            proof = state_proof_from_proto(response.proof)
            verdict = verify_state_proof(header.state_root, key, value, proof)
        except ConsortiumError as error:
            verdict = error.to_verdict()
    return CertifiedState(key, response.height, value, verdict)


def verify_transaction_response(
    validators: ValidatorSet, response: node_pb2.GetTransactionResponse
) -> Verdict:
    """Check a transaction answer: certificate over the header, inclusion in its tx root."""
    header, _, verdict = verify_certified_header(validators, response.header, response.certificate)
    if not verdict.ok:
        return verdict
    try:
        proof = inclusion_proof_from_proto(response.proof)
    except ConsortiumError as error:
        return error.to_verdict()
    if proof.tree_size != header.tx_count:
        return ConsortiumError(
            ErrorCode.MERKLE_TREE_SIZE, "the proof's tree size is not the header's tx count"
        ).to_verdict()
    return verify_leaf_inclusion(
        response.tx, proof.leaf_index, proof.tree_size, proof.hashes, header.tx_root
    )


def get_block_header(response: node_pb2.GetBlockResponse) -> Header:
    """The header of a served block."""
    return decode_block(response.block).header
