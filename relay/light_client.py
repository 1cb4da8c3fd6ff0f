"""A light client of another chain: which of its headers to trust, and proofs against them.

The finance chain's application keeps one light client per source chain (tax,
industry) and the relayer runs the same code to know what to submit
(DESIGN §2). It has the shape of IBC's ICS-02 / ICS-07 (Tendermint client):

* **Client state**: the chain id, the trusting period, the maximum clock
  drift, the latest trusted height, and the evidence that froze it (if any).
* **Trusted headers** (ICS-07's consensus states), one per height the client
  accepted: time, state root, the hash of the validator set that signed it
  and the hash of the set named to sign the next height.

An update (:func:`update_client`) trusts a header above the latest only when
its commit certificate is signed by more than 2/3 of the voting power of a
validator set the chain itself handed over: the set whose hash the latest
trusted header names as ``next_validators_hash``. A header further ahead is
accepted when that same set still signs it; a change of validators has to be
walked through the header that announces it. Heights and times only move
forward; a header further in the future than the maximum clock drift is
refused; and a client whose latest trusted header is older than the trusting
period is expired: it trusts nothing more until a recovery, which only the
finance chain's governance (more than 2/3 of its organisations) may order
(:func:`recover_client`).

Two different certified headers for one height, each signed by a trusted
set, prove that more than a third of that set signed twice: the client
freezes and keeps the evidence (:func:`submit_misbehaviour`, and an update
that conflicts with a trusted header does the same). A frozen client refuses
everything.

Pure, like the consensus core: ``now_ms`` is an argument, nothing here reads
a clock, and every refusal is a :class:`~chains.core.errors.Verdict` with a
stable code, never a crash (the code of :func:`chains.core.consensus.certificate.verify_commit`
for a certificate that does not verify: INSUFFICIENT_VOTING_POWER,
UNKNOWN_SIGNER, DUPLICATE_SIGNER, BAD_SIGNATURE, WRONG_CHAIN_ID,
VALIDATORS_HASH_MISMATCH, ...).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from chains.core.block import Header, decode_header
from chains.core.consensus.certificate import decode_certificate, verify_commit
from chains.core.consensus.signing import SignatureScheme
from chains.core.consensus.validators import ValidatorSet, decode_validator_set
from chains.core.errors import ACCEPTED, ConsortiumError, ErrorCode, Verdict, refuse
from chains.core.state_tree import StateProof, verify_state_proof
from chains.core.types import ChainId, Hash32, Height, is_hash32

MAX_TRUSTED_HEADERS = 1_000
"""Trusted headers a client keeps (the newest): proofs are checked against recent heights."""


@dataclass(frozen=True, slots=True)
class TrustedHeader:
    """What a light client keeps of a header it trusts (ICS-07's consensus state)."""

    height: Height
    time_unix_ms: int
    header_hash: Hash32
    state_root: Hash32
    validators_hash: Hash32
    next_validators_hash: Hash32


@dataclass(frozen=True, slots=True)
class CertifiedHeader:
    """A header as a relayer submits it: the exact bytes of the header, its commit
    certificate, and the validator set that signed it (ICS-07's ``Header``)."""

    header: bytes
    certificate: bytes
    validator_set: bytes


@dataclass(frozen=True, slots=True)
class Misbehaviour:
    """Evidence that froze a client: a certified header for ``height`` that differs from
    another certified one (``second``), or from the header the client trusted at that
    height (whose hash is ``trusted_hash``)."""

    height: Height
    first: CertifiedHeader
    second: CertifiedHeader | None = None
    trusted_hash: Hash32 | None = None


@dataclass(frozen=True, slots=True)
class LightClient:
    """A light client of chain ``chain_id`` (client state and trusted headers)."""

    chain_id: ChainId
    trusting_period_ms: int
    max_clock_drift_ms: int
    latest_height: Height
    trusted: Mapping[Height, TrustedHeader] = field(repr=False)
    frozen_by: Misbehaviour | None = None

    @property
    def latest(self) -> TrustedHeader:
        """The newest trusted header."""
        return self.trusted[self.latest_height]

    @property
    def is_frozen(self) -> bool:
        """True once misbehaviour was proven: the client trusts nothing more."""
        return self.frozen_by is not None

    def is_expired(self, now_ms: int) -> bool:
        """True when the latest trusted header is older than the trusting period."""
        return now_ms >= self.latest.time_unix_ms + self.trusting_period_ms


@dataclass(frozen=True, slots=True)
class ClientUpdate:
    """The outcome of an update or of submitted evidence.

    ``client`` is the client afterwards: unchanged when ``verdict`` refuses,
    except when the submission proved misbehaviour, which freezes it
    (``froze`` is then True and the verdict CLIENT_FROZEN).
    """

    client: LightClient
    verdict: Verdict
    froze: bool = False


# --------------------------------------------------------------------------
# Decoding a submission
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Decoded:
    header: Header
    validators: ValidatorSet
    submitted: CertifiedHeader


def _decode(submitted: object) -> _Decoded | Verdict:
    if not isinstance(submitted, CertifiedHeader) or not all(
        isinstance(part, bytes)
        for part in (submitted.header, submitted.certificate, submitted.validator_set)
    ):
        return refuse(ErrorCode.MALFORMED_INPUT, "a certified header is three byte strings")
    try:
        header = decode_header(submitted.header)
        validators = decode_validator_set(submitted.validator_set)
    except ConsortiumError as error:
        return error.to_verdict()
    return _Decoded(header, validators, submitted)


def _verify_chain(client: LightClient, header: Header) -> Verdict:
    if header.chain_id != client.chain_id:
        return refuse(
            ErrorCode.WRONG_CHAIN_ID,
            f"the header is for chain {header.chain_id!r}; this client follows {client.chain_id!r}",
        )
    return ACCEPTED


def _verify_certified(
    client: LightClient,
    decoded: _Decoded,
    trusted_validators_hash: Hash32,
    scheme: SignatureScheme | None,
) -> Verdict:
    # The header is signed by more than 2/3 of the set the client trusts for its height.
    header = decoded.header
    verdict = _verify_chain(client, header)
    if not verdict.ok:
        return verdict
    if header.validators_hash != trusted_validators_hash:
        return refuse(
            ErrorCode.UNTRUSTED_VALIDATOR_SET,
            f"height {header.height} is signed by validator set "
            f"{header.validators_hash.hex()[:16]}…, but the chain handed this client set "
            f"{trusted_validators_hash.hex()[:16]}…; submit the header that changed the set",
        )
    try:
        certificate = decode_certificate(decoded.submitted.certificate)
    except ConsortiumError as error:
        return error.to_verdict()
    return verify_commit(decoded.validators, header, certificate, scheme, chain_id=client.chain_id)


def _to_trusted(header: Header) -> TrustedHeader:
    return TrustedHeader(
        height=header.height,
        time_unix_ms=header.time_unix_ms,
        header_hash=header.hash,
        state_root=header.state_root,
        validators_hash=header.validators_hash,
        next_validators_hash=header.next_validators_hash,
    )


def _verify_usable(client: LightClient, now_ms: int) -> Verdict:
    evidence = client.frozen_by
    if evidence is not None:
        return refuse(
            ErrorCode.CLIENT_FROZEN,
            f"the client of {client.chain_id} is frozen: two certified headers conflict at "
            f"height {evidence.height}; only governance can recover it",
        )
    if client.is_expired(now_ms):
        return refuse(
            ErrorCode.CLIENT_EXPIRED,
            f"the client of {client.chain_id} last trusted a header at "
            f"{client.latest.time_unix_ms} ms, more than its trusting period "
            f"({client.trusting_period_ms} ms) ago; only governance can recover it",
        )
    return ACCEPTED


# --------------------------------------------------------------------------
# Creating, updating, freezing, recovering
# --------------------------------------------------------------------------


def create_client(
    chain_id: ChainId,
    trusted: CertifiedHeader,
    trusting_period_ms: int,
    max_clock_drift_ms: int,
    scheme: SignatureScheme | None = None,
) -> LightClient:
    """A client trusting ``trusted``, a header whose validator set the creator vouches for
    (from the chain's genesis, or a governance decision); its certificate must verify.

    Raises ConsortiumError: MALFORMED_INPUT for a period or drift that is not a positive
    integer, WRONG_CHAIN_ID, or the certificate's own code.
    """
    for name, value in (("trusting_period_ms", trusting_period_ms), ("drift", max_clock_drift_ms)):
        if type(value) is not int or value <= 0:
            raise ConsortiumError(ErrorCode.MALFORMED_INPUT, f"{name} must be a positive int")
    decoded = _decode(trusted)
    if isinstance(decoded, Verdict):
        raise ConsortiumError(decoded.code, decoded.message)
    header = decoded.header
    empty = LightClient(
        chain_id, trusting_period_ms, max_clock_drift_ms, header.height, MappingProxyType({})
    )
    _verify_certified(empty, decoded, header.validators_hash, scheme).raise_for_error()
    return replace(empty, trusted=MappingProxyType({header.height: _to_trusted(header)}))


def create_genesis_client(
    chain_id: ChainId,
    genesis_hash: Hash32,
    genesis_time_unix_ms: int,
    validators_hash: Hash32,
    trusting_period_ms: int,
    max_clock_drift_ms: int,
) -> LightClient:
    """A client of a chain from its genesis: it trusts the genesis validator set (by its
    hash) to sign height 1, the way a genesis file is trusted: by the operators who
    checked it. Height 0 has no state to prove (its state root is zero).

    Raises ConsortiumError(MALFORMED_INPUT) for hashes that are not 32 bytes or periods
    and times that are not positive integers.
    """
    for name, value in (
        ("trusting_period_ms", trusting_period_ms),
        ("max_clock_drift_ms", max_clock_drift_ms),
        ("genesis_time_unix_ms", genesis_time_unix_ms),
    ):
        if type(value) is not int or value <= 0:
            raise ConsortiumError(ErrorCode.MALFORMED_INPUT, f"{name} must be a positive int")
    if not (is_hash32(genesis_hash) and is_hash32(validators_hash)):
        raise ConsortiumError(
            ErrorCode.MALFORMED_INPUT, "a genesis hash and a validators hash are 32 bytes each"
        )
    anchor = TrustedHeader(
        height=Height(0),
        time_unix_ms=genesis_time_unix_ms,
        header_hash=genesis_hash,
        state_root=Hash32(bytes(32)),
        validators_hash=validators_hash,
        next_validators_hash=validators_hash,
    )
    return LightClient(
        chain_id,
        trusting_period_ms,
        max_clock_drift_ms,
        Height(0),
        MappingProxyType({Height(0): anchor}),
    )


def _with_header(client: LightClient, trusted: TrustedHeader) -> LightClient:
    kept = dict(client.trusted)
    kept[trusted.height] = trusted
    for height in sorted(kept)[:-MAX_TRUSTED_HEADERS]:
        del kept[height]
    return replace(client, latest_height=trusted.height, trusted=MappingProxyType(kept))


def _freeze(client: LightClient, evidence: Misbehaviour) -> ClientUpdate:
    frozen = replace(client, frozen_by=evidence)
    verdict = refuse(
        ErrorCode.CLIENT_FROZEN,
        f"two different certified headers for height {evidence.height} of {client.chain_id}: "
        "more than a third of its validators signed twice; the client is frozen",
    )
    return ClientUpdate(frozen, verdict, froze=True)


def update_client(
    client: LightClient,
    submitted: CertifiedHeader,
    now_ms: int,
    scheme: SignatureScheme | None = None,
) -> ClientUpdate:
    """Trust ``submitted`` if it may follow the client's latest trusted header (module docs).

    Refusals, in this order: CLIENT_FROZEN, CLIENT_EXPIRED; MALFORMED_INPUT (and the
    decoders' codes) for bytes that do not decode; WRONG_CHAIN_ID; for a height the
    client trusts already, nothing when it is the same header (HEADER_NOT_NEWER), and
    a frozen client when it is a different certified one; HEADER_NOT_NEWER below the
    latest; HEADER_TIME_NOT_MONOTONIC; HEADER_FROM_FUTURE; UNTRUSTED_VALIDATOR_SET;
    then the certificate's own code.
    """
    verdict = _verify_usable(client, now_ms)
    if not verdict.ok:
        return ClientUpdate(client, verdict)
    decoded = _decode(submitted)
    if isinstance(decoded, Verdict):
        return ClientUpdate(client, decoded)
    header = decoded.header
    verdict = _verify_chain(client, header)
    if not verdict.ok:
        return ClientUpdate(client, verdict)
    known = client.trusted.get(header.height)
    if known is not None:
        if known.header_hash == header.hash:
            return ClientUpdate(
                client,
                refuse(ErrorCode.HEADER_NOT_NEWER, f"height {header.height} is trusted already"),
            )
        # A different header for a trusted height: misbehaviour if it is certified too.
        certified = _verify_certified(client, decoded, known.validators_hash, scheme)
        if not certified.ok:
            return ClientUpdate(client, certified)
        evidence = Misbehaviour(known.height, submitted, trusted_hash=known.header_hash)
        return _freeze(client, evidence)
    latest = client.latest
    if header.height <= latest.height:
        return ClientUpdate(
            client,
            refuse(
                ErrorCode.HEADER_NOT_NEWER,
                f"height {header.height} is not above the latest trusted height {latest.height}",
            ),
        )
    if header.time_unix_ms <= latest.time_unix_ms:
        return ClientUpdate(
            client,
            refuse(
                ErrorCode.HEADER_TIME_NOT_MONOTONIC,
                f"height {header.height} has time {header.time_unix_ms}, not after the "
                f"latest trusted time {latest.time_unix_ms}",
            ),
        )
    if header.time_unix_ms > now_ms + client.max_clock_drift_ms:
        return ClientUpdate(
            client,
            refuse(
                ErrorCode.HEADER_FROM_FUTURE,
                f"height {header.height} has time {header.time_unix_ms}, more than "
                f"{client.max_clock_drift_ms} ms after now ({now_ms})",
            ),
        )
    certified = _verify_certified(client, decoded, latest.next_validators_hash, scheme)
    if not certified.ok:
        return ClientUpdate(client, certified)
    return ClientUpdate(_with_header(client, _to_trusted(header)), ACCEPTED)


def submit_misbehaviour(
    client: LightClient,
    first: CertifiedHeader,
    second: CertifiedHeader,
    now_ms: int,
    scheme: SignatureScheme | None = None,
) -> ClientUpdate:
    """Freeze the client if ``first`` and ``second`` are different headers of one height,
    each certified by the validator set the client trusts for that height.

    The trusted set of a height is the one its trusted header names, or, above the
    latest trusted height, the one the latest names as next. Refusals: CLIENT_FROZEN
    (already), CLIENT_EXPIRED, decoding codes, WRONG_CHAIN_ID, MISBEHAVIOUR_NOT_PROVEN
    (other heights, or the same header twice, or no trusted set for the height), and
    the codes of a certificate that does not verify. Nothing changes unless frozen.
    """
    verdict = _verify_usable(client, now_ms)
    if not verdict.ok:
        return ClientUpdate(client, verdict)
    decoded = []
    for submitted in (first, second):
        result = _decode(submitted)
        if isinstance(result, Verdict):
            return ClientUpdate(client, result)
        decoded.append(result)
    a, b = decoded
    if a.header.height != b.header.height or a.header.hash == b.header.hash:
        return ClientUpdate(
            client,
            refuse(
                ErrorCode.MISBEHAVIOUR_NOT_PROVEN,
                "evidence needs two different headers for one height",
            ),
        )
    height = a.header.height
    known = client.trusted.get(height)
    if known is not None:
        trusted_hash = known.validators_hash
    elif height > client.latest_height:
        trusted_hash = client.latest.next_validators_hash
    else:
        return ClientUpdate(
            client,
            refuse(
                ErrorCode.MISBEHAVIOUR_NOT_PROVEN,
                f"the client keeps no trusted header at height {height} to judge it by",
            ),
        )
    for item in decoded:
        certified = _verify_certified(client, item, trusted_hash, scheme)
        if not certified.ok:
            return ClientUpdate(client, certified)
    return _freeze(client, Misbehaviour(height, first, second=second))


def recover_client(
    client: LightClient,
    trusted: CertifiedHeader,
    scheme: SignatureScheme | None = None,
) -> LightClient:
    """A frozen or expired client restarted from ``trusted``, a header above its latest
    that the finance chain's governance vouches for (more than 2/3 of its organisations
    approved it: the caller checks that). The evidence is dropped with the old headers.

    Raises ConsortiumError: HEADER_NOT_NEWER, or :func:`create_client`'s codes.
    """
    fresh = create_client(
        client.chain_id, trusted, client.trusting_period_ms, client.max_clock_drift_ms, scheme
    )
    if fresh.latest_height <= client.latest_height:
        raise ConsortiumError(
            ErrorCode.HEADER_NOT_NEWER,
            f"a recovery must trust a height above {client.latest_height}, "
            f"not {fresh.latest_height}",
        )
    return fresh


# --------------------------------------------------------------------------
# Proofs against trusted headers
# --------------------------------------------------------------------------


def verify_membership(
    client: LightClient,
    height: Height,
    key: bytes,
    value: bytes | None,
    proof: StateProof,
    now_ms: int,
) -> Verdict:
    """Accept when, in the state after trusted height ``height``, ``key`` holds ``value``
    (None: holds nothing), as ``proof`` shows under that header's state root.

    Refuses CLIENT_FROZEN, CLIENT_EXPIRED, CONSENSUS_STATE_NOT_FOUND, or the state
    proof's codes (STATE_ROOT_MISMATCH, STATE_VALUE_MISMATCH, ...).
    """
    verdict = _verify_usable(client, now_ms)
    if not verdict.ok:
        return verdict
    trusted = client.trusted.get(height) if type(height) is int else None
    if trusted is None:
        return refuse(
            ErrorCode.CONSENSUS_STATE_NOT_FOUND,
            f"the client of {client.chain_id} trusts no header at height {height}",
        )
    return verify_state_proof(trusted.state_root, key, value, proof)
