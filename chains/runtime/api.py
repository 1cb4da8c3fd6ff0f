"""The client API of a node (``consortium.v1.Node``): transactions in, blocks and proofs out.

Refusals carry a stable ``ErrorCode``: the status details read
``CODE_NAME: message`` and the trailing metadata ``consortium-error-code``
holds the number. gRPC status codes follow their meaning (DESIGN §3).

A batch of transactions gets one admission result per transaction. When
none of them is admitted the call itself fails with the first refusal's
status and code, so a client sending one transaction sees a plain error.

``GetBlob`` serves any record's fields: it is for the chain's members, on the
mutual-TLS network. Outsiders (a relay) get records through
``DiscloseRecords``, only under a consent the owner signed
(:mod:`chains.apps.disclosure`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

import grpc

from chains.apps.disclosure import disclose_consented_records
from chains.core.block import decode_block
from chains.core.consensus.validators import encode_validator_set
from chains.core.errors import ConsortiumError, ErrorCode
from chains.core.merkle import MerkleTree
from chains.core.state_tree import StateProof, StateTree
from chains.core.types import Height, Version
from chains.core.wire import inclusion_proof_to_proto, state_proof_to_proto
from chains.runtime.node import get_now_ms
from consortium.v1 import node_pb2, node_pb2_grpc

ERROR_CODE_METADATA = "consortium-error-code"
MAX_BATCH_TXS = 10_000
HEADER_STREAM_QUEUE = 1_000

_STATUS_BY_CODE = {
    ErrorCode.NOT_FOUND: grpc.StatusCode.NOT_FOUND,
    ErrorCode.STATE_VERSION_UNAVAILABLE: grpc.StatusCode.NOT_FOUND,
    ErrorCode.STALE_NONCE: grpc.StatusCode.FAILED_PRECONDITION,
    ErrorCode.UNKNOWN_ACCOUNT: grpc.StatusCode.FAILED_PRECONDITION,
    ErrorCode.GENESIS_MISMATCH: grpc.StatusCode.FAILED_PRECONDITION,
    ErrorCode.DUPLICATE_TX: grpc.StatusCode.ALREADY_EXISTS,
    ErrorCode.MEMPOOL_FULL: grpc.StatusCode.UNAVAILABLE,
    ErrorCode.ROLE_NOT_ALLOWED: grpc.StatusCode.PERMISSION_DENIED,
    ErrorCode.NOT_RECORD_OWNER: grpc.StatusCode.PERMISSION_DENIED,
    ErrorCode.CONSENT_NOT_BY_OWNER: grpc.StatusCode.PERMISSION_DENIED,
    ErrorCode.CONSENT_NOT_YET_VALID: grpc.StatusCode.PERMISSION_DENIED,
    ErrorCode.CONSENT_EXPIRED: grpc.StatusCode.PERMISSION_DENIED,
    ErrorCode.CONSENT_SCOPE_EXCEEDED: grpc.StatusCode.PERMISSION_DENIED,
    ErrorCode.NOT_INVOICE_HOLDER: grpc.StatusCode.PERMISSION_DENIED,
    ErrorCode.LOAN_WRONG_BANK: grpc.StatusCode.PERMISSION_DENIED,
    ErrorCode.MEMBER_SUSPENDED: grpc.StatusCode.PERMISSION_DENIED,
    ErrorCode.MEMBER_EXISTS: grpc.StatusCode.ALREADY_EXISTS,
    ErrorCode.RECORD_EXISTS: grpc.StatusCode.ALREADY_EXISTS,
    ErrorCode.INVOICE_EXISTS: grpc.StatusCode.ALREADY_EXISTS,
    ErrorCode.MEMBER_NOT_FOUND: grpc.StatusCode.NOT_FOUND,
    ErrorCode.RECORD_NOT_FOUND: grpc.StatusCode.NOT_FOUND,
    ErrorCode.INVOICE_NOT_FOUND: grpc.StatusCode.NOT_FOUND,
    ErrorCode.POLICY_NOT_FOUND: grpc.StatusCode.NOT_FOUND,
    ErrorCode.LOAN_NOT_FOUND: grpc.StatusCode.NOT_FOUND,
    ErrorCode.ORDER_NOT_FOUND: grpc.StatusCode.NOT_FOUND,
}


def get_grpc_status(code: ErrorCode) -> grpc.StatusCode:
    """The gRPC status that fits a refusal code (INVALID_ARGUMENT for bad input)."""
    return _STATUS_BY_CODE.get(code, grpc.StatusCode.INVALID_ARGUMENT)


async def abort_with(context: grpc.aio.ServicerContext, code: ErrorCode, message: str) -> None:
    """End the call with the status that fits ``code`` and the code in trailing metadata."""
    context.set_trailing_metadata(((ERROR_CODE_METADATA, str(int(code))),))
    await context.abort(get_grpc_status(code), f"{code.name}: {message}")


class NodeService(node_pb2_grpc.NodeServicer):
    """Serves one node's chain to clients."""

    def __init__(self, node, hub, on_admitted=None) -> None:
        self.node = node
        self.hub = hub
        self.on_admitted = on_admitted or (lambda tx_ids: None)
        self.header_streams: set[asyncio.Queue] = set()
        node.commit_listeners.append(self._on_commit)

    def _on_commit(self, height: int, header: bytes, certificate: bytes, tx_ids: list) -> None:
        item = node_pb2.CertifiedHeader(height=height, header=header, certificate=certificate)
        for stream in list(self.header_streams):
            try:
                stream.queue.put_nowait(item)
            except asyncio.QueueFull:
                stream.overflowed = True  # a reader this slow is cut off, not waited for
                self.header_streams.discard(stream)

    async def SubmitTransactions(self, request, context):  # noqa: N802
        """Admit a batch of transactions to the mempool (and gossip them)."""
        txs = list(request.txs)
        if not txs:
            await abort_with(context, ErrorCode.MALFORMED_INPUT, "the batch is empty")
        if len(txs) > MAX_BATCH_TXS:
            await abort_with(
                context, ErrorCode.BATCH_TOO_LARGE, f"at most {MAX_BATCH_TXS} per batch"
            )
        node = self.node
        results = node.mempool.add_batch(txs, height=node.tip.height)
        self.on_admitted([r.tx_id for r in results if r.ok])
        if not any(result.ok for result in results):
            first = results[0]
            await abort_with(context, first.code, first.message)
        return node_pb2.SubmitTransactionsResponse(
            results=[
                node_pb2.TxAdmission(tx_id=r.tx_id, code=int(r.code), message=r.message)
                for r in results
            ]
        )

    async def GetChainInfo(self, request, context):  # noqa: N802
        """Where this node is."""
        node = self.node
        tip = node.tip
        state = node.state
        return node_pb2.ChainInfo(
            chain_id=node.chain_id,
            genesis_hash=node.genesis.hash,
            height=tip.height,
            last_block_hash=tip.block_hash,
            last_block_time_unix_ms=tip.time_unix_ms,
            earliest_state_height=node.tree.get_oldest_version() or 0,
            round=state.round if state else 0,
            mempool_size=len(node.mempool),
            peers=self.hub.get_peer_count(),
            node_name=node.config.name,
            validator_public_key=node.validator_key.public_key if node.validator_key else b"",
        )

    async def _get_height(self, context, height: int) -> Height:
        if not 1 <= height <= self.node.tip.height:
            await abort_with(
                context,
                ErrorCode.NOT_FOUND,
                f"height {height} is not committed (last is {self.node.tip.height})",
            )
        return Height(height)

    async def GetBlock(self, request, context):  # noqa: N802
        """A block by height or hash, with its certificate."""
        store = self.node.store
        if request.WhichOneof("selector") == "hash":
            height = store.get_height_by_hash(request.hash)
            if height is None:
                await abort_with(context, ErrorCode.NOT_FOUND, "no block has that hash")
        else:
            height = await self._get_height(context, request.height)
        return node_pb2.GetBlockResponse(
            height=height,
            block=store.get_block(height),
            certificate=store.get_certificate(height),
        )

    async def GetTransaction(self, request, context):  # noqa: N802
        """A committed transaction with its result and inclusion proof."""
        store = self.node.store
        stored = store.get_tx(request.tx_id)
        if stored is None:
            await abort_with(context, ErrorCode.NOT_FOUND, "no committed transaction has that id")
        block = decode_block(store.get_block(stored.height))
        proof = MerkleTree.from_leaves(block.txs).get_inclusion_proof(stored.index)
        return node_pb2.GetTransactionResponse(
            tx=stored.raw,
            height=stored.height,
            index=stored.index,
            code=stored.code,
            message=stored.message,
            header=block.header.raw,
            proof=inclusion_proof_to_proto(proof),
            certificate=store.get_certificate(stored.height),
        )

    async def GetCertificate(self, request, context):  # noqa: N802
        """The commit certificate of a height and the header it certifies."""
        height = await self._get_height(context, request.height)
        store = self.node.store
        header = decode_block(store.get_block(height)).header
        return node_pb2.GetCertificateResponse(
            height=height, header=header.raw, certificate=store.get_certificate(height)
        )

    async def GetValidatorSet(self, request, context):  # noqa: N802
        """The validator set that signs a height."""
        height = request.height or self.node.tip.height + 1
        if height > self.node.tip.height + 2:
            await abort_with(context, ErrorCode.NOT_FOUND, f"the set of {height} is not known yet")
        validators = self.node.get_validator_set(height)
        return node_pb2.GetValidatorSetResponse(
            height=height, validator_set=encode_validator_set(validators)
        )

    async def QueryState(self, request, context):  # noqa: N802
        """A state value with its proof, the header holding the root, and its certificate."""
        node = self.node
        height = await self._get_height(context, request.height or node.tip.height)
        try:
            value, proof = node.tree.get_with_proof(request.key, Version(height))
        except ConsortiumError as error:
            await abort_with(context, error.code, error.message)
        store = node.store
        header = decode_block(store.get_block(height)).header
        return node_pb2.QueryStateResponse(
            height=height,
            found=value is not None,
            value=value or b"",
            proof=state_proof_to_proto(proof),
            header=header.raw,
            certificate=store.get_certificate(height),
        )

    async def GetBlob(self, request, context):  # noqa: N802
        """A blob stored beside the state tree, or found=false."""
        if not request.key:
            await abort_with(context, ErrorCode.MALFORMED_INPUT, "a blob key is not empty")
        value = self.node.store.get_blob(request.key)
        return node_pb2.GetBlobResponse(found=value is not None, value=value or b"")

    async def DiscloseRecords(self, request, context):  # noqa: N802
        """An enterprise's consented records at a height, with the certified header."""
        node = self.node
        height = await self._get_height(context, request.height or node.tip.height)
        version = Version(height)
        tree = node.tree

        def prove(key: bytes) -> tuple[bytes | None, StateProof]:
            return tree.get_with_proof(key, version)

        state = _StateAt(tree, version, node.store.get_blob)
        outcome = disclose_consented_records(
            state, prove, node.chain_id, height, request.signed_consent, get_now_ms()
        )
        if not outcome.ok:
            await abort_with(context, outcome.verdict.code, outcome.verdict.message)
        store = node.store
        return node_pb2.DiscloseRecordsResponse(
            height=height,
            header=decode_block(store.get_block(height)).header.raw,
            certificate=store.get_certificate(height),
            validator_set=encode_validator_set(node.get_validator_set(height)),
            records=outcome.records,
            identity=outcome.identity,
        )

    async def StreamHeaders(self, request, context):  # noqa: N802
        """Committed headers from ``from_height``, then every new one."""
        node = self.node
        stream = _HeaderStream(asyncio.Queue(HEADER_STREAM_QUEUE))
        self.header_streams.add(stream)
        try:
            next_height = request.from_height or node.tip.height + 1
            while next_height <= node.tip.height:
                header = decode_block(node.store.get_block(next_height)).header
                yield node_pb2.CertifiedHeader(
                    height=next_height,
                    header=header.raw,
                    certificate=node.store.get_certificate(next_height),
                )
                next_height += 1
            while True:
                if stream.overflowed and stream.queue.empty():
                    await abort_with(
                        context, ErrorCode.MEMPOOL_FULL, "the reader fell too far behind; reconnect"
                    )
                item = await stream.queue.get()
                if item.height >= next_height:
                    next_height = item.height + 1
                    yield item
        finally:
            self.header_streams.discard(stream)


@dataclass(frozen=True, slots=True)
class _StateAt:
    """The committed state after one height, read from the tree (no tip cache)."""

    tree: StateTree
    version: Version
    get_blob: Callable[[bytes], bytes | None]

    def get(self, key: bytes) -> bytes | None:
        """The value of ``key`` at this height, or None."""
        return self.tree.get(key, self.version)


@dataclass(eq=False)
class _HeaderStream:
    queue: asyncio.Queue
    overflowed: bool = False
