"""Differential test: the fast backend against the py_ecc oracle, on 100 seeded keys.

Byte-identical for all 100: KeyGen, SkToPk, Sign, PopProve. py_ecc verifies
at ~0.6 s a pairing, so verdicts are compared on a subset that still has
both outcomes: 34 valid signatures, 34 signatures over another message and
33 tampered signatures (one bit flipped) = 101 verdicts, plus verdict codes.
All inputs derive from SHA-256 of a counter: deterministic, no random module.
The oracle's work runs in two worker processes (the suite's machines have two
cores), which keeps this module near a minute.
"""

from __future__ import annotations

import hashlib
import multiprocessing
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache
from typing import TypeVar

import pytest

from chains.core.crypto.bls import (
    BlsPublicKey,
    BlsSecretKey,
    BlsSignature,
    get_bls,
    verify_signature,
)

T = TypeVar("T")
R = TypeVar("R")

KEY_COUNT = 100
VERDICT_SUBSET = range(0, KEY_COUNT, 3)  # 34 keys


def compute_seeded_bytes(label: str, index: int, length: int) -> bytes:
    """Deterministic pseudo-random bytes for test input number ``index``."""
    out = b""
    counter = 0
    while len(out) < length:
        out += hashlib.sha256(f"{label}/{index}/{counter}".encode()).digest()
        counter += 1
    return out[:length]


@dataclass(frozen=True)
class Sample:
    """One key and message, with what the py_ecc oracle produced for them."""

    ikm: bytes
    secret_key: BlsSecretKey
    public_key: BlsPublicKey
    message: bytes
    signature: BlsSignature
    proof: BlsSignature


def compute_in_workers(function: Callable[[T], R], inputs: Iterable[T]) -> list[R]:
    """``[function(x) for x in inputs]`` on two forked worker processes, in order."""
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        return list(pool.map(function, inputs, chunksize=4))


def compute_oracle_sample(index: int) -> Sample:
    """Sample number ``index``, entirely from py_ecc."""
    oracle = get_bls("py_ecc")
    ikm = compute_seeded_bytes("ikm", index, 32 + index % 17)
    message = compute_seeded_bytes("message", index, index % 97)  # lengths 0..96, empty too
    secret_key = oracle.KeyGen(ikm)
    return Sample(
        ikm=ikm,
        secret_key=secret_key,
        public_key=oracle.SkToPk(secret_key),
        message=message,
        signature=oracle.Sign(secret_key, message),
        proof=oracle.PopProve(secret_key),
    )


def compute_oracle_verify(arguments: tuple[bytes, bytes, bytes]) -> bool:
    """py_ecc's Verify of (public key, message, signature)."""
    return get_bls("py_ecc").Verify(*arguments)


@cache
def get_samples() -> tuple[Sample, ...]:
    """The 100 samples, computed once with py_ecc (the slow part of this module)."""
    return tuple(compute_in_workers(compute_oracle_sample, range(KEY_COUNT)))


def flip_bit(data: bytes, index: int) -> bytes:
    """``data`` with one bit flipped, past the flag bits so the encoding stays plausible."""
    position = 1 + index * 7 % (len(data) - 1)
    changed = bytearray(data)
    changed[position] ^= 1 << (index % 8)
    return bytes(changed)


@pytest.mark.slow
def test_keys_signatures_and_proofs_are_byte_identical() -> None:
    fast = get_bls("fast")
    for sample in get_samples():
        assert fast.KeyGen(sample.ikm) == sample.secret_key
        assert fast.SkToPk(sample.secret_key) == sample.public_key
        assert fast.Sign(sample.secret_key, sample.message) == sample.signature
        assert fast.PopProve(sample.secret_key) == sample.proof


@pytest.mark.slow
def test_verdicts_agree_on_valid_wrong_message_and_tampered() -> None:
    fast = get_bls("fast")
    samples = get_samples()
    cases: list[tuple[bytes, bytes, bytes]] = []
    for n, i in enumerate(VERDICT_SUBSET):
        sample = samples[i]
        other_message = samples[(i + 1) % KEY_COUNT].message
        cases.append((sample.public_key, sample.message, sample.signature))
        cases.append((sample.public_key, other_message, sample.signature))
        if n < 33:
            cases.append((sample.public_key, sample.message, flip_bit(sample.signature, i)))
    expected_verdicts = compute_in_workers(compute_oracle_verify, cases)
    for (public_key, message, signature), expected in zip(cases, expected_verdicts, strict=True):
        assert fast.Verify(public_key, message, signature) is expected
        # The production verdict agrees with the oracle's bool.
        assert verify_signature(public_key, message, signature).ok is expected
    assert expected_verdicts.count(True) == 34
    assert expected_verdicts.count(False) == 67


@pytest.mark.slow
def test_aggregates_and_fast_aggregate_verify_agree() -> None:
    fast, oracle = get_bls("fast"), get_bls("py_ecc")
    samples = get_samples()
    message = b"commit: chain tax-1, height 7, round 0, block 0x" + b"ab" * 6
    signers = samples[:4]
    signatures = [fast.Sign(s.secret_key, message) for s in signers]
    aggregate = fast.Aggregate(signatures)
    assert aggregate == oracle.Aggregate(signatures)
    keys = [s.public_key for s in signers]
    for public_keys, signature in [
        (keys, aggregate),
        (keys[:3], aggregate),  # a signer missing from the set
        (keys + [samples[4].public_key], aggregate),  # an extra key
    ]:
        expected = oracle.FastAggregateVerify(public_keys, message, signature)
        assert fast.FastAggregateVerify(public_keys, message, signature) is expected
    assert fast.FastAggregateVerify(keys, message, aggregate)


@pytest.mark.slow
def test_proofs_of_possession_verify_on_both() -> None:
    fast, oracle = get_bls("fast"), get_bls("py_ecc")
    for sample in get_samples()[:3]:
        assert oracle.PopVerify(sample.public_key, sample.proof)
        assert fast.PopVerify(sample.public_key, sample.proof)
    for sample in get_samples():
        assert fast.PopVerify(sample.public_key, sample.proof)
