"""Peer links: one long-lived gRPC stream from this node to each peer, and back.

Each node dials every peer once (``Peer.Connect``) and keeps the stream open,
reconnecting with back-off when it breaks. The dialling side sends (Hello,
then consensus messages, transaction batches, status, block requests); the
listening side answers on the same stream (Hello, then certified blocks for
the block requests). Nothing on the hot path is one RPC per message.

A peer that sends bytes that do not decode, or names another chain or
genesis, is dropped: its stream is closed with INVALID_ARGUMENT or
FAILED_PRECONDITION. Nothing a peer sends can stop the node.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator

import grpc

from chains.core.consensus.certificate import decode_certificate
from chains.core.errors import ConsortiumError, ErrorCode
from consortium.v1 import node_pb2, node_pb2_grpc

log = logging.getLogger("consortium.peers")

SEND_QUEUE_LIMIT = 50_000
TX_BATCH_LIMIT = 2_000
STATUS_INTERVAL_S = 0.25
RECONNECT_MIN_S = 0.1
RECONNECT_MAX_S = 2.0
BLOCK_REQUEST_INTERVAL_S = 0.5
CATCH_UP_BATCH = 32
"""Certified blocks asked for at once; a peer answers at most twice that."""


def _hello(node) -> node_pb2.PeerMessage:
    key = node.validator_key.public_key if node.validator_key else b""
    return node_pb2.PeerMessage(
        hello=node_pb2.Hello(
            chain_id=node.chain_id,
            genesis_hash=node.genesis.hash,
            node_name=node.config.name,
            validator_public_key=key,
        )
    )


def _get_status(node) -> node_pb2.PeerMessage:
    state = node.state
    return node_pb2.PeerMessage(status=node_pb2.PeerStatus(height=state.height, round=state.round))


def check_hello(node, message: node_pb2.PeerMessage) -> str:
    """The peer's name from its Hello; ConsortiumError when it is not one of this chain."""
    if message.WhichOneof("kind") != "hello":
        raise ConsortiumError(ErrorCode.MALFORMED_INPUT, "a peer stream must start with Hello")
    hello = message.hello
    if hello.chain_id != node.chain_id:
        raise ConsortiumError(ErrorCode.WRONG_CHAIN_ID, f"the peer is on chain {hello.chain_id!r}")
    if hello.genesis_hash != node.genesis.hash:
        raise ConsortiumError(ErrorCode.GENESIS_MISMATCH, "the peer has another genesis file")
    return hello.node_name or "?"


class PeerLink:
    """The outbound stream to one peer: a send queue and a reconnecting dialler."""

    def __init__(self, hub: PeerHub, address: str) -> None:
        self.hub = hub
        self.address = address
        self.name: str | None = None
        self.queue: asyncio.Queue[node_pb2.PeerMessage] = asyncio.Queue(SEND_QUEUE_LIMIT)
        self.connected = False
        self.task: asyncio.Task | None = None
        self.last_block_request = 0.0

    def send(self, message: node_pb2.PeerMessage) -> None:
        """Queue ``message``; when the peer is gone or slow it is dropped (gossip recovers)."""
        if not self.connected:
            return
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait(message)

    async def _outgoing(self) -> AsyncIterator[node_pb2.PeerMessage]:
        yield _hello(self.hub.node)
        for raw in self.hub.node.get_current_messages():
            yield node_pb2.PeerMessage(consensus=raw)
        while True:
            yield await self.queue.get()

    async def run(self) -> None:
        """Dial, stream until the link breaks, and dial again with back-off."""
        delay = RECONNECT_MIN_S
        while True:
            channel = self.hub.open_channel(self.address)
            try:
                stub = node_pb2_grpc.PeerStub(channel)
                self.queue = asyncio.Queue(SEND_QUEUE_LIMIT)
                call = stub.Connect(self._outgoing())
                self.connected = True
                async for message in call:
                    delay = RECONNECT_MIN_S
                    self._on_reply(message)
            except grpc.aio.AioRpcError as error:
                if error.code() != grpc.StatusCode.UNAVAILABLE:
                    log.info(
                        "link to %s closed: %s %s", self.address, error.code(), error.details()
                    )
            except ConsortiumError as error:
                log.warning("link to %s dropped: %s", self.address, error)
            except Exception:  # a bug must not end the link for good: log, dial again
                log.exception("link to %s failed", self.address)
            finally:
                self.connected = False
                await channel.close()
            await asyncio.sleep(delay)
            delay = min(RECONNECT_MAX_S, delay * 2)

    def _on_reply(self, message: node_pb2.PeerMessage) -> None:
        kind = message.WhichOneof("kind")
        node = self.hub.node
        if kind == "hello":
            self.name = check_hello(node, message)
        elif kind == "status":
            node.on_peer_status(self.name or self.address, message.status.height)
        elif kind == "certified_block":
            certificate = decode_certificate(message.certified_block.certificate)
            node.on_certified_block(message.certified_block.block, certificate)
        else:
            raise ConsortiumError(ErrorCode.MALFORMED_INPUT, f"unexpected {kind} in a reply")


class PeerHub:
    """All of a node's peer links, and the Peer service other nodes dial."""

    def __init__(self, node, open_channel) -> None:
        self.node = node
        self.open_channel = open_channel
        self.links = [PeerLink(self, address) for address in node.config.peers]
        self.tasks: list[asyncio.Task] = []
        node.broadcast = self.broadcast
        node.request_blocks = self.request_blocks

    def start(self) -> None:
        """Start dialling every peer and the periodic status/gossip loop."""
        loop = asyncio.get_running_loop()
        for link in self.links:
            link.task = loop.create_task(link.run())
            self.tasks.append(link.task)
        self.tasks.append(loop.create_task(self._periodic()))

    async def stop(self) -> None:
        """Cancel the links and the loop."""
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    def get_peer_count(self) -> int:
        """Peers with an open outbound link."""
        return sum(1 for link in self.links if link.connected and link.name)

    def broadcast(self, raw: bytes) -> None:
        """Send one consensus message to every peer."""
        message = node_pb2.PeerMessage(consensus=raw)
        for link in self.links:
            link.send(message)

    def request_blocks(self, peer: str, from_height: int) -> bool:
        """Ask ``peer`` for certified blocks from ``from_height`` (rate-limited)."""
        now = time.monotonic()
        for link in self.links:
            if link.name == peer and link.connected:
                if now - link.last_block_request < BLOCK_REQUEST_INTERVAL_S:
                    return False
                link.last_block_request = now
                request = node_pb2.BlockRequest(from_height=from_height, max_blocks=CATCH_UP_BATCH)
                link.send(node_pb2.PeerMessage(block_request=request))
                return True
        return False

    async def _periodic(self) -> None:
        node = self.node
        last_status = 0.0
        while True:
            await asyncio.sleep(0.02)
            if node.state is None or node.fatal is not None:
                continue
            txs = node.mempool.take_gossip()
            for start in range(0, len(txs), TX_BATCH_LIMIT):
                batch = node_pb2.PeerMessage(
                    txs=node_pb2.TxBatch(txs=txs[start : start + TX_BATCH_LIMIT])
                )
                for link in self.links:
                    link.send(batch)
            now = time.monotonic()
            if now - last_status >= STATUS_INTERVAL_S:
                last_status = now
                status = _get_status(node)
                for link in self.links:
                    link.send(status)
                node.tick()

    def send_status_now(self) -> None:
        """Tell peers at once that this node moved on (after a commit)."""
        status = _get_status(self.node)
        for link in self.links:
            link.send(status)


class PeerService(node_pb2_grpc.PeerServicer):
    """The listening side of peer links."""

    def __init__(self, hub: PeerHub) -> None:
        self.hub = hub

    async def Connect(self, request_iterator, context):  # noqa: N802 (gRPC's name)
        """Read a peer's stream; answer Hello and block requests on the same stream."""
        node = self.hub.node
        replies: asyncio.Queue[node_pb2.PeerMessage | None] = asyncio.Queue(1000)
        name = "?"

        async def read() -> None:
            nonlocal name
            try:
                first = True
                async for message in request_iterator:
                    if first:
                        name = check_hello(node, message)
                        await replies.put(_hello(node))
                        first = False
                        continue
                    self._dispatch(name, message, replies)
            except ConsortiumError as error:
                log.warning("dropping peer %s: %s", name, error)
                await replies.put(error)  # type: ignore[arg-type]
                return
            await replies.put(None)

        reader = asyncio.get_running_loop().create_task(read())
        try:
            while True:
                reply = await replies.get()
                if reply is None:
                    return
                if isinstance(reply, ConsortiumError):
                    status = (
                        grpc.StatusCode.FAILED_PRECONDITION
                        if reply.code in (ErrorCode.WRONG_CHAIN_ID, ErrorCode.GENESIS_MISMATCH)
                        else grpc.StatusCode.INVALID_ARGUMENT
                    )
                    await context.abort(status, f"{reply.code.name}: {reply.message}")
                yield reply
        finally:
            reader.cancel()

    def _dispatch(self, name: str, message: node_pb2.PeerMessage, replies: asyncio.Queue) -> None:
        node = self.hub.node
        if node.state is None or node.fatal is not None:
            return
        kind = message.WhichOneof("kind")
        if kind == "consensus":
            node.on_consensus_message(message.consensus)
        elif kind == "txs":
            node.mempool.add_batch(list(message.txs.txs), from_peer=True, height=node.tip.height)
        elif kind == "status":
            node.on_peer_status(name, message.status.height)
            # Answer with this node's own status, so that a peer this node does not
            # dial (a follower, say) learns when it is behind and fetches blocks.
            with contextlib.suppress(asyncio.QueueFull):
                replies.put_nowait(_get_status(node))
        elif kind == "block_request":
            request = message.block_request
            limit = max(1, min(request.max_blocks, 2 * CATCH_UP_BATCH))
            for block, certificate in node.get_certified_blocks(request.from_height, limit):
                reply = node_pb2.PeerMessage(
                    certified_block=node_pb2.CertifiedBlock(block=block, certificate=certificate)
                )
                with contextlib.suppress(asyncio.QueueFull):
                    replies.put_nowait(reply)
        else:
            raise ConsortiumError(ErrorCode.MALFORMED_INPUT, f"unexpected peer message {kind}")
