"""The hot path: a signer set validated and aggregated once, then many verifications.

Also: the caches are bounded, hold only keys that passed KeyValidate, and
never let a bad signature through because its keys were warm.
"""

from __future__ import annotations

import pytest
from py_ecc.bls import G2ProofOfPossession

from chains.core.crypto.bls import (
    G1_INFINITY,
    AggregatePublicKey,
    BlsBackend,
    compute_key_gen,
    get_bls,
    verify_aggregate_signature,
)
from chains.core.crypto.bls.fast_backend import BoundedCache, FastBackend
from chains.core.errors import ErrorCode

MESSAGE = b"precommit|tax-1|height=42|round=0|block=" + bytes(range(20))


def make_validators(count: int) -> list[tuple[int, bytes]]:
    """``count`` deterministic (secret key, public key) pairs, made with the fast backend."""
    fast = get_bls("fast")
    keys = []
    for i in range(count):
        secret_key = compute_key_gen(i.to_bytes(4, "big") * 8)
        keys.append((secret_key, fast.SkToPk(secret_key)))
    return keys


def test_aggregate_public_key_matches_py_ecc(backend: BlsBackend) -> None:
    validators = make_validators(4)
    public_keys = [pk for _, pk in validators]
    aggregate = backend.aggregate_public_keys(public_keys)
    assert isinstance(aggregate, AggregatePublicKey)
    assert aggregate.backend == backend.name
    assert aggregate.public_keys == tuple(public_keys)
    assert aggregate.encoded == G2ProofOfPossession._AggregatePKs(public_keys)


def test_commit_of_a_subset_verifies_with_a_precomputed_aggregate() -> None:
    fast = get_bls("fast")
    validators = make_validators(10)
    bitmap = [i % 3 != 0 for i in range(10)]  # 6 of 10 signed
    signers = [v for v, signed in zip(validators, bitmap, strict=True) if signed]
    signature = fast.Aggregate([fast.Sign(sk, MESSAGE) for sk, _ in signers])
    aggregate = fast.aggregate_public_keys([pk for _, pk in signers])
    for _ in range(3):  # repeated verification reuses the aggregate
        assert verify_aggregate_signature(aggregate, MESSAGE, signature).ok
    assert verify_aggregate_signature(aggregate, MESSAGE + b"!", signature).code == (
        ErrorCode.BAD_SIGNATURE
    )
    tampered = signature[:-1] + bytes([signature[-1] ^ 1])
    assert verify_aggregate_signature(aggregate, MESSAGE, tampered).code in (
        ErrorCode.INVALID_SIGNATURE_ENCODING,
        ErrorCode.BAD_SIGNATURE,
    )
    assert fast.FastAggregateVerify([pk for _, pk in signers], MESSAGE, signature)
    assert not fast.FastAggregateVerify([pk for _, pk in validators], MESSAGE, signature)


def test_aggregate_of_another_backend_is_refused() -> None:
    validators = make_validators(2)
    aggregate = get_bls("fast").aggregate_public_keys([pk for _, pk in validators])
    verdict = verify_aggregate_signature(aggregate, MESSAGE, bytes(96), get_bls("py_ecc"))
    assert verdict.code == ErrorCode.MALFORMED_INPUT
    assert verify_aggregate_signature("not an aggregate", MESSAGE, bytes(96)).code == (  # type: ignore[arg-type]
        ErrorCode.MALFORMED_INPUT
    )


def test_warm_keys_do_not_let_a_bad_signature_through(g2_outside_subgroup: bytes) -> None:
    fast = FastBackend()
    validators = make_validators(4)
    public_keys = [pk for _, pk in validators]
    signature = fast.Aggregate([fast.Sign(sk, MESSAGE) for sk, _ in validators])
    assert fast.FastAggregateVerify(public_keys, MESSAGE, signature)  # caches now warm
    assert len(fast.key_cache) == 4 and len(fast.aggregate_cache) == 1
    assert fast.FastAggregateVerify(public_keys, MESSAGE, signature)  # from the caches
    assert not fast.FastAggregateVerify(public_keys, MESSAGE, g2_outside_subgroup)
    assert not fast.FastAggregateVerify(public_keys, MESSAGE, G1_INFINITY * 2)


def test_caches_hold_only_valid_keys_and_stay_bounded(g1_outside_subgroup: bytes) -> None:
    fast = FastBackend(key_cache_size=3, aggregate_cache_size=2)
    for bad in (G1_INFINITY, g1_outside_subgroup, b"\x00" * 48):
        assert not fast.KeyValidate(bad)
    assert len(fast.key_cache) == 0
    validators = make_validators(6)
    for secret_key, public_key in validators:
        assert fast.Verify(public_key, MESSAGE, fast.Sign(secret_key, MESSAGE))
        assert len(fast.key_cache) <= 3
    assert len(fast.aggregate_cache) == 0  # single keys do not take aggregate slots
    for first in range(5):
        pair = validators[first : first + 2]
        signature = fast.Aggregate([fast.Sign(sk, MESSAGE) for sk, _ in pair])
        assert fast.FastAggregateVerify([pk for _, pk in pair], MESSAGE, signature)
        assert len(fast.key_cache) <= 3 and len(fast.aggregate_cache) <= 2
    fast.clear_caches()
    assert len(fast.key_cache) == 0 and len(fast.aggregate_cache) == 0


def test_bounded_cache_evicts_least_recently_used() -> None:
    cache = BoundedCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "b" is now the least recently used
    cache.put("c", 3)
    assert cache.get("b") is None and cache.get("a") == 1 and cache.get("c") == 3
    with pytest.raises(ValueError):
        BoundedCache(0)


def test_hundred_signers() -> None:
    fast = get_bls("fast")
    validators = make_validators(100)
    signature = fast.Aggregate([fast.Sign(sk, MESSAGE) for sk, _ in validators])
    public_keys = [pk for _, pk in validators]
    assert fast.FastAggregateVerify(public_keys, MESSAGE, signature)
    assert not fast.FastAggregateVerify(public_keys[:-1], MESSAGE, signature)
