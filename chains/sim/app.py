"""The simulator's application: real block headers over toy transactions.

Blocks are real ``consortium.v1.Block`` bytes with real headers (previous
hash, tx root, validators hash, next validators hash), so the consensus core,
its certificates and catch-up see exactly what a chain would. A transaction
``b"power:<index>:<power>"`` changes a validator's power; like every
validator-set change it takes effect two heights after the block that decides
it. A block holding ``b"INVALID"`` is refused, so a Byzantine proposer can try
to get an invalid block decided.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from chains.core.block import decode_block, encode_block, encode_header, get_block_value
from chains.core.consensus.messages import Value
from chains.core.consensus.validators import ValidatorSet, compute_validators_hash
from chains.core.errors import ConsortiumError
from chains.core.merkle import compute_root
from chains.core.types import ChainId, Hash32, Height, compute_sha256

INVALID_TX = b"INVALID"


def apply_power_changes(validators: ValidatorSet, txs: tuple[bytes, ...]) -> ValidatorSet:
    """The set after the ``power:<index>:<power>`` transactions in ``txs``."""
    members = list(validators.validators)
    for tx in txs:
        if not tx.startswith(b"power:"):
            continue
        _, index_text, power_text = tx.decode().split(":")
        index, power = int(index_text), int(power_text)
        if 0 <= index < len(members) and power > 0:
            members[index] = replace(members[index], voting_power=power)
    return ValidatorSet(tuple(members))


@dataclass
class ChainView:
    """One node's committed chain: block hashes and the validator set of every height."""

    chain_id: ChainId
    genesis: ValidatorSet
    hashes: list[Hash32] = field(default_factory=list)
    values: list[Value] = field(default_factory=list)
    certificates: list[object] = field(default_factory=list)
    sets: dict[int, ValidatorSet] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.sets.setdefault(1, self.genesis)
        self.sets.setdefault(2, self.genesis)

    @property
    def next_height(self) -> Height:
        """The height being decided."""
        return Height(len(self.hashes) + 1)

    def get_set(self, height: int) -> ValidatorSet:
        """The validator set of ``height`` (known up to two heights past the last block)."""
        return self.sets[height]

    def build_block(
        self, time_ms: int, proposer: bytes, txs: list[bytes]
    ) -> tuple[Value, ValidatorSet]:
        """A valid block at the next height and the set it installs two heights later."""
        height = self.next_height
        txs_tuple = tuple(txs)
        header = encode_header(
            chain_id=self.chain_id,
            height=height,
            time_unix_ms=time_ms,
            prev_block_hash=self.hashes[-1] if self.hashes else b"",
            tx_root=compute_root(list(txs_tuple)),
            tx_count=len(txs_tuple),
            state_root=compute_sha256(b"state" + (self.hashes[-1] if self.hashes else b"")),
            validators_hash=compute_validators_hash(self.get_set(height)),
            next_validators_hash=compute_validators_hash(self.get_set(height + 1)),
            proposer=proposer,
        )
        value = get_block_value(encode_block(header, txs_tuple))
        return value, apply_power_changes(self.get_set(height + 1), txs_tuple)

    def validate(self, value: Value) -> tuple[bool, ValidatorSet | None]:
        """valid(v) at the next height, and the set the block would install at h + 2."""
        try:
            block = decode_block(value.block)
        except ConsortiumError:
            return False, None
        header = block.header
        height = self.next_height
        expected_prev = self.hashes[-1] if self.hashes else b""
        valid = (
            header.hash == value.block_hash
            and header.chain_id == self.chain_id
            and header.height == height
            and header.prev_block_hash == expected_prev
            and header.tx_root == compute_root(list(block.txs))
            and header.tx_count == len(block.txs)
            and header.validators_hash == compute_validators_hash(self.get_set(height))
            and header.next_validators_hash == compute_validators_hash(self.get_set(height + 1))
            and INVALID_TX not in block.txs
        )
        if not valid:
            return False, None
        return True, apply_power_changes(self.get_set(height + 1), block.txs)

    def commit(self, value: Value, certificate: object) -> None:
        """Append a decided block and learn the set it installs at h + 2."""
        height = self.next_height
        _, after = self.validate(value)
        self.hashes.append(value.block_hash)
        self.values.append(value)
        self.certificates.append(certificate)
        self.sets[height + 2] = after if after is not None else self.get_set(height + 1)
