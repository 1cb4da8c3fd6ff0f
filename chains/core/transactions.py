"""Signed transactions: sign and verify the exact bytes that travel (DESIGN §3).

A transaction travels as a serialised ``SignedTransaction``: the serialised
``TransactionBody`` as ``body`` bytes and an Ed25519 signature over
``TX_SIGN_DOMAIN || body``. The receiver checks the signature over the body
bytes it received and only then decodes them; nothing is re-serialised. The
body names its chain, so a transaction signed for one chain is refused on
another. Nonces and roles are checked by the chains' applications.
"""

from __future__ import annotations

from dataclasses import dataclass

from chains.core.crypto import Ed25519KeyPair, sign_ed25519, verify_ed25519
from chains.core.errors import ConsortiumError, ErrorCode
from chains.core.protobuf import parse_message
from chains.core.types import ChainId, Hash32, compute_sha256
from consortium.v1 import chain_pb2

TX_SIGN_DOMAIN = b"consortium/tx/v1\x00"
"""Domain tag in front of every transaction signature: no other signed thing starts so."""


@dataclass(frozen=True, slots=True)
class VerifiedTransaction:
    """A transaction whose signature and chain were checked, with the bytes it arrived as."""

    tx_id: Hash32
    body: chain_pb2.TransactionBody
    raw: bytes


def compute_tx_id(raw: bytes) -> Hash32:
    """The id of a transaction: SHA-256 of its serialised ``SignedTransaction`` bytes."""
    return compute_sha256(raw)


def compute_tx_signing_message(body: bytes) -> bytes:
    """What the sender signs: the domain tag followed by the exact body bytes."""
    return TX_SIGN_DOMAIN + body


def sign_transaction(key_pair: Ed25519KeyPair, body: chain_pb2.TransactionBody) -> bytes:
    """Serialise ``body`` once, sign those bytes, and return the ``SignedTransaction`` bytes."""
    if body.sender != key_pair.public_key:
        raise ConsortiumError(ErrorCode.MALFORMED_INPUT, "the body's sender is not this key")
    body_bytes = body.SerializeToString()
    signature = sign_ed25519(key_pair, compute_tx_signing_message(body_bytes))
    return chain_pb2.SignedTransaction(body=body_bytes, signature=signature).SerializeToString()


def decode_verified_transaction(raw: bytes, chain_id: ChainId) -> VerifiedTransaction:
    """Check a received transaction's signature and chain, and decode it.

    Raises ConsortiumError: MALFORMED_INPUT (undecodable), WRONG_CHAIN_ID,
    INVALID_PUBLIC_KEY / INVALID_SIGNATURE_ENCODING / BAD_SIGNATURE.
    """
    signed = parse_message(chain_pb2.SignedTransaction, raw)
    body = parse_message(chain_pb2.TransactionBody, signed.body)
    verdict = verify_ed25519(body.sender, compute_tx_signing_message(signed.body), signed.signature)
    verdict.raise_for_error()
    if body.chain_id != chain_id:
        raise ConsortiumError(
            ErrorCode.WRONG_CHAIN_ID,
            f"the transaction was signed for chain {body.chain_id!r}, not {chain_id!r}",
        )
    return VerifiedTransaction(tx_id=compute_tx_id(raw), body=body, raw=raw)


def make_signed_transaction(
    key_pair: Ed25519KeyPair, chain_id: ChainId, nonce: int, tx_type: str, payload: bytes
) -> bytes:
    """A signed transaction's bytes, ready to submit; ``payload`` is the type's message."""
    body = chain_pb2.TransactionBody(
        chain_id=chain_id, sender=key_pair.public_key, nonce=nonce, type=tx_type, payload=payload
    )
    return sign_transaction(key_pair, body)
