"""Chain rules for a block's header: what a proposed or certified block must extend.

Pure: the caller passes ``now_ms``. The state root is checked separately, by
executing the block (:mod:`chains.core.app`), since only execution knows it.
"""

from __future__ import annotations

from dataclasses import dataclass

from chains.core.block import Block, verify_block_tx_root
from chains.core.consensus.validators import ValidatorSet, compute_validators_hash
from chains.core.errors import ErrorCode, Verdict, refuse
from chains.core.types import ChainId, Hash32, Height

MAX_FUTURE_MS = 10_000
"""How far a block's time may lie ahead of a validator's clock (clock drift allowance)."""


@dataclass(frozen=True, slots=True)
class ChainTip:
    """The last committed block as the next block must see it (height 0: genesis)."""

    chain_id: ChainId
    height: Height
    block_hash: bytes  # empty at genesis
    time_unix_ms: int
    state_root: Hash32


def compute_block_time(tip: ChainTip, now_ms: int) -> int:
    """The time a proposer puts in the next block: its clock, but strictly after the tip."""
    return max(now_ms, tip.time_unix_ms + 1)


def verify_block_extends(
    block: Block,
    tip: ChainTip,
    validators: ValidatorSet,
    next_validators: ValidatorSet,
    now_ms: int,
    max_future_ms: int = MAX_FUTURE_MS,
) -> Verdict:
    """Accept when ``block`` may follow ``tip``: chain, height, previous hash, time,
    tx root, validator hashes and a proposer of the set. Never raises."""
    header = block.header
    if header.chain_id != tip.chain_id:
        return refuse(ErrorCode.WRONG_CHAIN_ID, f"the block is for chain {header.chain_id!r}")
    if header.height != tip.height + 1:
        return refuse(
            ErrorCode.WRONG_HEIGHT, f"the block has height {header.height}, not {tip.height + 1}"
        )
    if header.prev_block_hash != tip.block_hash:
        return refuse(ErrorCode.INVALID_BLOCK, "the previous block hash is not the tip's")
    if header.time_unix_ms <= tip.time_unix_ms:
        return refuse(ErrorCode.INVALID_BLOCK, "the block's time is not after its parent's")
    if header.time_unix_ms > now_ms + max_future_ms:
        return refuse(ErrorCode.INVALID_BLOCK, "the block's time is too far in the future")
    if header.validators_hash != compute_validators_hash(validators):
        return refuse(ErrorCode.VALIDATORS_HASH_MISMATCH, "the block names another validator set")
    if header.next_validators_hash != compute_validators_hash(next_validators):
        return refuse(
            ErrorCode.VALIDATORS_HASH_MISMATCH, "the block names another next validator set"
        )
    if all(v.public_key != header.proposer for v in validators.validators):
        return refuse(ErrorCode.INVALID_BLOCK, "the proposer is not a validator of this height")
    return verify_block_tx_root(block)


def get_next_height(tip: ChainTip) -> Height:
    """The height being decided after ``tip``."""
    return Height(tip.height + 1)
