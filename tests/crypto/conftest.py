"""Fixtures of the crypto tests: both BLS backends, and points outside the subgroups.

The off-subgroup points are built deterministically with py_ecc's field
arithmetic: the smallest x (from a start value) for which x^3 + b is a square
gives a point on the curve; multiplying by r shows it is outside the
prime-order subgroup (the cofactor is large, so almost every point is).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from py_ecc.bls.point_compression import compress_G1, compress_G2, modular_squareroot_in_FQ2
from py_ecc.optimized_bls12_381 import FQ, FQ2, b, b2, curve_order, field_modulus, is_inf, multiply

from chains.core.crypto.bls import BACKEND_NAMES, BlsBackend, get_bls

VECTORS = Path(__file__).parent / "vectors"


def load_vectors(name: str) -> Any:
    """The parsed JSON vector file ``tests/crypto/vectors/NAME``."""
    return json.loads((VECTORS / name).read_text())


def compute_g1_point_outside_subgroup(start_x: int = 1) -> bytes:
    """A compressed G1 point on y^2 = x^3 + 4 that is not in the order-r subgroup."""
    x = start_x
    while True:
        rhs = (x**3 + b.n) % field_modulus
        y = pow(rhs, (field_modulus + 1) // 4, field_modulus)
        if y * y % field_modulus == rhs:
            point = (FQ(x), FQ(y), FQ(1))
            if not is_inf(multiply(point, curve_order)):
                return compress_G1(point).to_bytes(48, "big")
        x += 1


def compute_g2_point_outside_subgroup(start_x: int = 1) -> bytes:
    """A compressed G2 point on the twist y^2 = x^3 + 4(1 + i), outside the order-r subgroup."""
    x_re = start_x
    while True:
        x = FQ2([x_re, 1])
        y = modular_squareroot_in_FQ2(x**3 + b2)
        if y is not None:
            point = (x, y, FQ2([1, 0]))
            if not is_inf(multiply(point, curve_order)):
                z1, z2 = compress_G2(point)
                return z1.to_bytes(48, "big") + z2.to_bytes(48, "big")
        x_re += 1


@pytest.fixture(params=BACKEND_NAMES)
def backend(request: pytest.FixtureRequest) -> BlsBackend:
    """Each BLS backend in turn: every test using it runs against both."""
    return get_bls(request.param)


@pytest.fixture(scope="session")
def g1_outside_subgroup() -> bytes:
    """A well-encoded public key on the curve but outside G1's prime-order subgroup."""
    return compute_g1_point_outside_subgroup()


@pytest.fixture(scope="session")
def g2_outside_subgroup() -> bytes:
    """A well-encoded signature on the twist but outside G2's prime-order subgroup."""
    return compute_g2_point_outside_subgroup()
