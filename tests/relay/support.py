"""A source chain in miniature for light-client tests: real BLS keys, headers and certificates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from chains.core.block import Header, decode_header, encode_header
from chains.core.consensus.certificate import (
    CommitCertificate,
    compute_signer_bitmap,
    encode_certificate,
)
from chains.core.consensus.messages import VoteType, compute_vote_sign_bytes
from chains.core.consensus.signing import BlsScheme
from chains.core.consensus.validators import (
    Validator,
    ValidatorSet,
    compute_validators_hash,
    encode_validator_set,
)
from chains.core.crypto.bls import get_bls
from chains.core.types import ChainId, Hash32, Height, Round
from relay.light_client import CertifiedHeader

SCHEME = BlsScheme()
CHAIN = ChainId("tax-1")
START_MS = 1_780_000_000_000
"""The time of the first trusted header."""
BLOCK_MS = 1_000


@cache
def make_validator(secret_key: int, power: int = 10) -> Validator:
    """A validator with a real BLS key (secret ``secret_key``) and its proof of possession."""
    return Validator(
        name=f"validator-{secret_key}",
        public_key=SCHEME.get_public_key(secret_key),
        proof_of_possession=get_bls().PopProve(secret_key),
        voting_power=power,
    )


@dataclass(frozen=True)
class Keys:
    """A validator set with the secret keys behind it, in set order."""

    secrets: tuple[int, ...]
    powers: tuple[int, ...]

    @property
    def validators(self) -> ValidatorSet:
        return ValidatorSet(
            tuple(make_validator(s, p) for s, p in zip(self.secrets, self.powers, strict=True))
        )

    @property
    def hash(self) -> Hash32:
        return compute_validators_hash(self.validators)


def make_keys(*secrets: int, powers: Sequence[int] | None = None) -> Keys:
    """The set of these secret keys (power 10 each unless given)."""
    return Keys(tuple(secrets), tuple(powers or [10] * len(secrets)))


V = make_keys(1001, 1002, 1003, 1004)
W = make_keys(2001, 2002, 2003, 2004)


def make_header(
    height: int,
    keys: Keys = V,
    next_keys: Keys | None = None,
    time_ms: int | None = None,
    chain_id: str = CHAIN,
    state_root: bytes = b"\x05" * 32,
    validators_hash: bytes | None = None,
) -> Header:
    """A header of ``height`` (time START_MS + height seconds unless given)."""
    raw = encode_header(
        chain_id=ChainId(chain_id),
        height=Height(height),
        time_unix_ms=START_MS + height * BLOCK_MS if time_ms is None else time_ms,
        prev_block_hash=b"" if height == 1 else bytes([height % 256]) * 32,
        tx_root=b"\x02" * 32,
        tx_count=0,
        state_root=state_root,
        validators_hash=keys.hash if validators_hash is None else validators_hash,
        next_validators_hash=(next_keys or keys).hash,
        proposer=keys.validators.get_public_key(0),
    )
    return decode_header(raw)


def sign(header: Header, keys: Keys, signers: Sequence[int], bitmap: bytes | None = None) -> bytes:
    """The encoded certificate of ``signers``' precommits for ``header`` (no quorum check)."""
    message = compute_vote_sign_bytes(
        VoteType.PRECOMMIT, header.chain_id, header.height, Round(0), header.hash
    )
    return encode_certificate(
        CommitCertificate(
            height=header.height,
            round=Round(0),
            block_hash=header.hash,
            signer_bitmap=compute_signer_bitmap(signers, len(keys.secrets))
            if bitmap is None
            else bitmap,
            aggregate_signature=SCHEME.aggregate(
                [SCHEME.sign(keys.secrets[i], message) for i in signers]
            ),
        )
    )


def certify(
    header: Header,
    keys: Keys = V,
    signers: Sequence[int] = (0, 1, 2),
    validator_set: Keys | None = None,
) -> CertifiedHeader:
    """``header`` with a certificate by ``signers`` of ``keys``, and a validator set
    (``keys`` unless another is given) as a relayer would submit them."""
    shown = keys if validator_set is None else validator_set
    return CertifiedHeader(
        header.raw, sign(header, keys, signers), encode_validator_set(shown.validators)
    )
