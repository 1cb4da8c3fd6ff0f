"""BLS12-381 FastAggregateVerify of a commit: the fast backend beside py_ecc, in one run.

A 4-signer commit (4 keys, one ~60-byte message, their aggregate signature)
is verified by both backends; figures are medians in milliseconds.

- ``fast_ms``: production path, key caches warm (a validator set is fixed
  for a height); the signature is still decoded and subgroup-checked on
  every call.
- ``fast_cold_ms``: the same with every cache cleared before each call
  (all keys decoded, KeyValidate'd and summed again).
- ``py_ecc_ms``: py_ecc's FastAggregateVerify (the reference).
- ``fast_ms_100``: 100 signers, caches warm.
- ``speedup`` = py_ecc_ms / fast_ms.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from chains.core.crypto.bls import compute_key_gen, get_bls
from chains.core.crypto.bls.fast_backend import FastBackend

MESSAGE = b"precommit|chain=tax-1|height=1024|round=0|block=" + bytes(range(12))


def measure_ms(call: Callable[[], object], repetitions: int) -> float:
    """Median wall time of ``call`` in milliseconds."""
    samples = []
    for _ in range(repetitions):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def make_commit(backend: FastBackend, signers: int) -> tuple[list[bytes], bytes]:
    """Public keys of ``signers`` deterministic validators and their aggregate signature."""
    secret_keys = [compute_key_gen(b"bench-validator-%06d" % i + bytes(12)) for i in range(signers)]
    public_keys: list[bytes] = [backend.SkToPk(sk) for sk in secret_keys]
    signature = backend.Aggregate([backend.Sign(sk, MESSAGE) for sk in secret_keys])
    return public_keys, signature


def run(quick: bool = False) -> dict:
    """Measure and return the figures (see the module docstring)."""
    fast_reps, py_ecc_reps = (20, 1) if quick else (300, 5)
    fast = FastBackend()  # a private instance, so clearing its caches touches no one else
    reference = get_bls("py_ecc")

    keys, signature = make_commit(fast, 4)
    assert fast.FastAggregateVerify(keys, MESSAGE, signature)
    fast_ms = measure_ms(lambda: fast.FastAggregateVerify(keys, MESSAGE, signature), fast_reps)

    def cold() -> bool:
        fast.clear_caches()
        return fast.FastAggregateVerify(keys, MESSAGE, signature)

    fast_cold_ms = measure_ms(cold, fast_reps)
    assert reference.FastAggregateVerify(keys, MESSAGE, signature)
    py_ecc_ms = measure_ms(
        lambda: reference.FastAggregateVerify(keys, MESSAGE, signature), py_ecc_reps
    )

    keys_100, signature_100 = make_commit(fast, 100)
    assert fast.FastAggregateVerify(keys_100, MESSAGE, signature_100)
    fast_ms_100 = measure_ms(
        lambda: fast.FastAggregateVerify(keys_100, MESSAGE, signature_100), fast_reps
    )

    def cold_100() -> bool:
        fast.clear_caches()
        return fast.FastAggregateVerify(keys_100, MESSAGE, signature_100)

    fast_cold_ms_100 = measure_ms(cold_100, max(3, fast_reps // 10))
    return {
        "fast_ms": round(fast_ms, 4),
        "fast_cold_ms": round(fast_cold_ms, 4),
        "py_ecc_ms": round(py_ecc_ms, 2),
        "speedup": round(py_ecc_ms / fast_ms, 1),
        "fast_ms_100": round(fast_ms_100, 4),
        "fast_cold_ms_100": round(fast_cold_ms_100, 4),
        "message_bytes": len(MESSAGE),
        "repetitions": {"fast": fast_reps, "py_ecc": py_ecc_reps},
    }
