"""Both backends refuse what KeyValidate and the PoP ciphersuite refuse.

The identity key, points on the curve but outside the prime-order subgroups
(built in ``conftest.py``), malformed encodings, an empty signer set, a
proof of possession presented as a signature (and the reverse), and a set of
keys that sums to the identity.
"""

from __future__ import annotations

import pytest
from blspy import G1Element, G2Element
from py_ecc.bls.g2_primitives import G1_to_pubkey, pubkey_to_G1
from py_ecc.optimized_bls12_381 import neg

from chains.core.crypto.bls import (
    FIELD_MODULUS,
    G1_INFINITY,
    G2_INFINITY,
    BlsBackend,
    BlsSecretKey,
    get_bls,
    get_g1_encoding_problem,
    get_g2_encoding_problem,
    verify_fast_aggregate,
    verify_proof_of_possession,
    verify_public_key,
    verify_signature,
    verify_signature_encoding,
)
from chains.core.errors import ConsortiumError, ErrorCode

SECRET_KEY = BlsSecretKey(0x263DBD792F5B1BE47ED85F8938C0F29586AF0D3AC7B977F21C278FE1462040E3)
MESSAGE = b"vote: chain tax-1, height 12, round 0, precommit"


def get_public_key() -> bytes:
    """The public key of SECRET_KEY."""
    return get_bls("fast").SkToPk(SECRET_KEY)


def get_signature() -> bytes:
    """SECRET_KEY's signature of MESSAGE."""
    return get_bls("fast").Sign(SECRET_KEY, MESSAGE)


MALFORMED_PUBLIC_KEYS = {
    "empty": b"",
    "47 bytes": bytes.fromhex("a491d1b0ecd9bb917989f0e74f0dea0422eac4a873e5e2644f368dffb9a6e20f")
    + bytes(15),
    "49 bytes": G1_INFINITY + b"\x00",
    "uncompressed flag": bytes([0x00]) + bytes(47),
    "infinity flag with x": bytes([0xC0]) + bytes(46) + b"\x01",
    "infinity with sign flag": bytes([0xE0]) + bytes(47),
    "x = p": (FIELD_MODULUS | 1 << 383).to_bytes(48, "big"),
    "x = p + 1": ((FIELD_MODULUS + 1) | 1 << 383).to_bytes(48, "big"),
    "zero without infinity flag": bytes([0x80]) + bytes(47),
    "not bytes": "a4" * 48,
}

MALFORMED_SIGNATURES = {
    "empty": b"",
    "95 bytes": G2_INFINITY[:95],
    "97 bytes": G2_INFINITY + b"\x00",
    "uncompressed flag": bytes(96),
    "infinity flag with x": bytes([0xC0]) + bytes(94) + b"\x01",
    "infinity with sign flag": bytes([0xE0]) + bytes(95),
    "x_im = p": (FIELD_MODULUS | 1 << 383).to_bytes(48, "big") + bytes(48),
    "x_re = p": bytes([0x80]) + bytes(47) + FIELD_MODULUS.to_bytes(48, "big"),
    "flags in second half": bytes([0x80]) + bytes(47) + bytes([0x80]) + bytes(46) + b"\x01",
    "not bytes": None,
}


def test_blspy_accepts_the_identity_so_we_check_it_ourselves() -> None:
    """Pins the blspy behaviour the fast backend works around."""
    assert G1Element.from_bytes(G1_INFINITY) == G1Element()
    assert get_bls("fast").KeyValidate(G1_INFINITY) is False


def test_blspy_from_bytes_checks_both_subgroups(
    g1_outside_subgroup: bytes, g2_outside_subgroup: bytes
) -> None:
    """The fast backend relies on blspy's from_bytes doing the subgroup check; pin it."""
    with pytest.raises(ValueError):
        G1Element.from_bytes(g1_outside_subgroup)
    with pytest.raises(ValueError):
        G2Element.from_bytes(g2_outside_subgroup)
    # The unchecked decoders accept them: the points are on the curves.
    assert bytes(G1Element.from_bytes_unchecked(g1_outside_subgroup)) == g1_outside_subgroup
    assert bytes(G2Element.from_bytes_unchecked(g2_outside_subgroup)) == g2_outside_subgroup


def test_identity_public_key_is_refused(backend: BlsBackend) -> None:
    assert backend.KeyValidate(G1_INFINITY) is False
    assert verify_public_key(G1_INFINITY, backend).code == ErrorCode.INVALID_PUBLIC_KEY
    assert backend.Verify(G1_INFINITY, MESSAGE, G2_INFINITY) is False
    keys = [get_public_key(), G1_INFINITY]
    assert backend.FastAggregateVerify(keys, MESSAGE, get_signature()) is False
    assert verify_fast_aggregate(keys, MESSAGE, get_signature(), backend).code == (
        ErrorCode.INVALID_PUBLIC_KEY
    )
    assert backend.PopVerify(G1_INFINITY, G2_INFINITY) is False


def test_g1_point_outside_subgroup_is_refused(
    backend: BlsBackend, g1_outside_subgroup: bytes
) -> None:
    assert get_g1_encoding_problem(g1_outside_subgroup) is None  # well-formed bytes
    assert backend.KeyValidate(g1_outside_subgroup) is False
    assert verify_public_key(g1_outside_subgroup, backend).code == ErrorCode.INVALID_PUBLIC_KEY
    assert backend.Verify(g1_outside_subgroup, MESSAGE, get_signature()) is False
    assert backend.PopVerify(g1_outside_subgroup, G2_INFINITY) is False
    verdict = verify_proof_of_possession(g1_outside_subgroup, G2_INFINITY, backend)
    assert verdict.code == ErrorCode.INVALID_PUBLIC_KEY


def test_g2_point_outside_subgroup_is_refused(
    backend: BlsBackend, g2_outside_subgroup: bytes
) -> None:
    assert get_g2_encoding_problem(g2_outside_subgroup) is None  # well-formed bytes
    verdict = verify_signature_encoding(g2_outside_subgroup, backend)
    assert verdict.code == ErrorCode.INVALID_SIGNATURE_ENCODING
    assert backend.Verify(get_public_key(), MESSAGE, g2_outside_subgroup) is False
    verdict = verify_signature(get_public_key(), MESSAGE, g2_outside_subgroup, backend)
    assert verdict.code == ErrorCode.INVALID_SIGNATURE_ENCODING
    with pytest.raises(ConsortiumError) as error:
        backend.Aggregate([get_signature(), g2_outside_subgroup])
    assert error.value.code == ErrorCode.INVALID_SIGNATURE_ENCODING


@pytest.mark.parametrize("name", sorted(MALFORMED_PUBLIC_KEYS))
def test_malformed_public_keys_are_refused(backend: BlsBackend, name: str) -> None:
    public_key = MALFORMED_PUBLIC_KEYS[name]
    assert backend.KeyValidate(public_key) is False  # type: ignore[arg-type]
    assert verify_public_key(public_key, backend).code == ErrorCode.INVALID_PUBLIC_KEY
    # Verify refuses before any pairing, on both backends.
    assert backend.Verify(public_key, MESSAGE, get_signature()) is False  # type: ignore[arg-type]


@pytest.mark.parametrize("name", sorted(MALFORMED_SIGNATURES))
def test_malformed_signatures_are_refused(backend: BlsBackend, name: str) -> None:
    signature = MALFORMED_SIGNATURES[name]
    verdict = verify_signature_encoding(signature, backend)
    assert verdict.code == ErrorCode.INVALID_SIGNATURE_ENCODING
    verdict = verify_signature(get_public_key(), MESSAGE, signature, backend)
    assert verdict.code == ErrorCode.INVALID_SIGNATURE_ENCODING
    assert backend.Verify(get_public_key(), MESSAGE, signature) is False  # type: ignore[arg-type]
    with pytest.raises(ConsortiumError) as error:
        backend.Aggregate([signature])  # type: ignore[list-item]
    assert error.value.code == ErrorCode.INVALID_SIGNATURE_ENCODING


def test_empty_signer_set_is_refused(backend: BlsBackend) -> None:
    assert backend.FastAggregateVerify([], MESSAGE, G2_INFINITY) is False
    assert backend.FastAggregateVerify([], MESSAGE, get_signature()) is False
    assert verify_fast_aggregate([], MESSAGE, G2_INFINITY, backend).code == (
        ErrorCode.EMPTY_SIGNER_SET
    )
    for empty in ([], ()):
        with pytest.raises(ConsortiumError) as error:
            backend.Aggregate(empty)
        assert error.value.code == ErrorCode.EMPTY_SIGNER_SET
        with pytest.raises(ConsortiumError) as error:
            backend.aggregate_public_keys(empty)
        assert error.value.code == ErrorCode.EMPTY_SIGNER_SET


@pytest.mark.parametrize("not_a_list", [None, b"\x00" * 48, "keys", 3])
def test_signer_sets_must_be_lists(backend: BlsBackend, not_a_list: object) -> None:
    assert backend.FastAggregateVerify(not_a_list, MESSAGE, G2_INFINITY) is False  # type: ignore[arg-type]
    verdict = verify_fast_aggregate(not_a_list, MESSAGE, G2_INFINITY, backend)  # type: ignore[arg-type]
    assert verdict.code == ErrorCode.MALFORMED_INPUT
    with pytest.raises(ConsortiumError) as error:
        backend.Aggregate(not_a_list)  # type: ignore[arg-type]
    assert error.value.code == ErrorCode.MALFORMED_INPUT


def test_proof_of_possession_is_not_a_signature(backend: BlsBackend) -> None:
    """Different DSTs: a PoP over the key never verifies as a signature over the key bytes."""
    public_key = get_public_key()
    proof = backend.PopProve(SECRET_KEY)
    assert backend.PopVerify(public_key, proof) is True
    assert backend.Verify(public_key, public_key, proof) is False
    assert verify_signature(public_key, public_key, proof, backend).code == ErrorCode.BAD_SIGNATURE
    assert backend.FastAggregateVerify([public_key], public_key, proof) is False


def test_signature_over_the_key_is_not_a_proof_of_possession(backend: BlsBackend) -> None:
    public_key = get_public_key()
    signature_over_key = backend.Sign(SECRET_KEY, public_key)
    assert backend.PopVerify(public_key, signature_over_key) is False
    verdict = verify_proof_of_possession(public_key, signature_over_key, backend)
    assert verdict.code == ErrorCode.INVALID_PROOF_OF_POSSESSION
    verdict = verify_proof_of_possession(public_key, b"\x00" * 96, backend)
    assert verdict.code == ErrorCode.INVALID_PROOF_OF_POSSESSION


def test_keys_summing_to_the_identity_are_refused(backend: BlsBackend) -> None:
    """A rogue pair pk, -pk aggregates to the identity; py_ecc and we both say no."""
    public_key = get_public_key()
    negated = G1_to_pubkey(neg(pubkey_to_G1(public_key)))
    assert backend.KeyValidate(negated) is True
    assert backend.FastAggregateVerify([public_key, negated], MESSAGE, G2_INFINITY) is False
    verdict = verify_fast_aggregate([public_key, negated], MESSAGE, G2_INFINITY, backend)
    assert verdict.code == ErrorCode.INVALID_PUBLIC_KEY


def test_identity_signature_never_verifies(backend: BlsBackend) -> None:
    assert verify_signature_encoding(G2_INFINITY, backend).ok
    verdict = verify_signature(get_public_key(), MESSAGE, G2_INFINITY, backend)
    assert verdict.code == ErrorCode.BAD_SIGNATURE


def test_unknown_backend_is_refused() -> None:
    with pytest.raises(ConsortiumError) as error:
        get_bls("blst-but-misspelled")
    assert error.value.code == ErrorCode.UNKNOWN_BACKEND
