"""Transactions are signed over their exact body bytes and bound to one chain."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chains.core.crypto import compute_ed25519_key_pair
from chains.core.errors import ConsortiumError, ErrorCode
from chains.core.transactions import (
    compute_tx_id,
    decode_verified_transaction,
    sign_transaction,
)
from chains.core.types import ChainId
from consortium.v1 import chain_pb2

TAX = ChainId("tax-1")
SELLER = compute_ed25519_key_pair(b"\x11" * 32)
OTHER = compute_ed25519_key_pair(b"\x22" * 32)


def make_body(**changes: object) -> chain_pb2.TransactionBody:
    fields = {
        "chain_id": TAX,
        "sender": SELLER.public_key,
        "nonce": 1,
        "type": "tax.invoice.issue",
        "payload": b"\x07" * 32,
    }
    fields.update(changes)
    return chain_pb2.TransactionBody(**fields)


def test_a_signed_transaction_verifies_and_keeps_its_exact_bytes() -> None:
    raw = sign_transaction(SELLER, make_body())
    verified = decode_verified_transaction(raw, TAX)
    assert verified.raw == raw
    assert verified.tx_id == compute_tx_id(raw)
    assert verified.body.nonce == 1


def test_a_transaction_for_another_chain_is_refused() -> None:
    raw = sign_transaction(SELLER, make_body(chain_id="finance-1"))
    with pytest.raises(ConsortiumError) as caught:
        decode_verified_transaction(raw, TAX)
    assert caught.value.code is ErrorCode.WRONG_CHAIN_ID


def test_a_changed_body_is_refused() -> None:
    signed = chain_pb2.SignedTransaction.FromString(sign_transaction(SELLER, make_body()))
    signed.body = make_body(nonce=2).SerializeToString()
    with pytest.raises(ConsortiumError) as caught:
        decode_verified_transaction(signed.SerializeToString(), TAX)
    assert caught.value.code is ErrorCode.BAD_SIGNATURE


def test_a_body_claiming_another_sender_is_refused() -> None:
    signed = chain_pb2.SignedTransaction.FromString(sign_transaction(SELLER, make_body()))
    signed.body = make_body(sender=OTHER.public_key).SerializeToString()
    with pytest.raises(ConsortiumError) as caught:
        decode_verified_transaction(signed.SerializeToString(), TAX)
    assert caught.value.code is ErrorCode.BAD_SIGNATURE


def test_signing_a_body_for_another_key_is_refused() -> None:
    with pytest.raises(ConsortiumError) as caught:
        sign_transaction(OTHER, make_body())
    assert caught.value.code is ErrorCode.MALFORMED_INPUT


@given(st.binary(max_size=300))
def test_garbage_is_refused_with_a_code(data: bytes) -> None:
    with pytest.raises(ConsortiumError):
        decode_verified_transaction(data, TAX)
