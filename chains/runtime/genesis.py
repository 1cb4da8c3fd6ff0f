"""Genesis files: a chain's id, first validator set and initial application state.

A genesis file is JSON. Its hash is SHA-256 of the file's exact bytes: nodes
compare it when they connect and when they reopen a data directory, so a node
can never join or resume a chain other than the one it was set up for.

```json
{
  "chain_id": "kv-1",
  "genesis_time_unix_ms": 1764000000000,
  "app": "kv",
  "validators": [{"name": "tax-bureau", "bls_public_key": "<96 hex>",
                  "proof_of_possession": "<192 hex>", "voting_power": 10}],
  "app_state": {"accounts": [{"name": "alice", "public_key": "<64 hex>"}]}
}
```

Every validator key is admitted only with KeyValidate and a valid proof of
possession (DESIGN §3), checked when the file is read.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from chains.core.consensus.messages import MAX_CHAIN_ID_BYTES
from chains.core.consensus.validators import Validator, ValidatorSet, verify_validator_set
from chains.core.errors import ConsortiumError, ErrorCode
from chains.core.types import ChainId, Hash32, compute_sha256
from chains.runtime.keys import AccountKey, ValidatorKey

KNOWN_APPS = ("kv", "tax", "industry", "finance")


@dataclass(frozen=True)
class Genesis:
    """A decoded, checked genesis file and the hash of its exact bytes."""

    chain_id: ChainId
    genesis_time_unix_ms: int
    app: str
    validators: ValidatorSet
    app_state: Mapping[str, object] = field(default_factory=dict)
    raw: bytes = b""
    hash: Hash32 = Hash32(b"")


def _invalid(message: str) -> ConsortiumError:
    return ConsortiumError(ErrorCode.INVALID_CONFIG, f"genesis: {message}")


def _get_hex(item: Mapping[str, object], name: str, index: int) -> bytes:
    value = item.get(name)
    if not isinstance(value, str):
        raise _invalid(f"validator {index}: {name} must be a hex string")
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise _invalid(f"validator {index}: {name} is not hex") from None


def decode_genesis(raw: bytes) -> Genesis:
    """Decode and check genesis bytes; raises ConsortiumError (INVALID_CONFIG, or the
    validator set's own code such as INVALID_PROOF_OF_POSSESSION)."""
    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise _invalid(f"not JSON: {error}") from None
    if not isinstance(document, dict):
        raise _invalid("the top level must be an object")
    chain_id = document.get("chain_id")
    if not isinstance(chain_id, str) or not 0 < len(chain_id.encode()) <= MAX_CHAIN_ID_BYTES:
        raise _invalid(f"chain_id must be a string of 1..{MAX_CHAIN_ID_BYTES} bytes")
    time_ms = document.get("genesis_time_unix_ms")
    if not isinstance(time_ms, int) or isinstance(time_ms, bool) or time_ms < 0:
        raise _invalid("genesis_time_unix_ms must be a non-negative integer")
    app = document.get("app")
    if app not in KNOWN_APPS:
        raise _invalid(f"app must be one of {', '.join(KNOWN_APPS)}")
    items = document.get("validators")
    if not isinstance(items, list) or not items:
        raise _invalid("validators must be a non-empty list")
    members = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise _invalid(f"validator {index} must be an object")
        name, power = item.get("name"), item.get("voting_power")
        if not isinstance(name, str) or not isinstance(power, int) or isinstance(power, bool):
            raise _invalid(f"validator {index} needs a name and an integer voting_power")
        members.append(
            Validator(
                name,
                _get_hex(item, "bls_public_key", index),
                _get_hex(item, "proof_of_possession", index),
                power,
            )
        )
    validators = ValidatorSet(tuple(members))
    verify_validator_set(validators).raise_for_error()
    app_state = document.get("app_state", {})
    if not isinstance(app_state, dict):
        raise _invalid("app_state must be an object")
    return Genesis(ChainId(chain_id), time_ms, app, validators, app_state, raw, compute_sha256(raw))


def read_genesis(path: Path) -> Genesis:
    """Read and check the genesis file at ``path``."""
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        raise _invalid(f"cannot read {path}: {error}") from None
    return decode_genesis(raw)


def encode_genesis(
    chain_id: str,
    genesis_time_unix_ms: int,
    validators: Sequence[tuple[ValidatorKey, int]],
    accounts: Sequence[AccountKey],
    app: str = "kv",
    app_state: Mapping[str, object] | None = None,
) -> bytes:
    """The bytes of a genesis file for these validators (with power) and accounts.

    ``app_state`` replaces the KV application's ``{"accounts": [...]}`` made
    from ``accounts`` (the tax, industry and finance chains list
    organisations instead). Only public keys and proofs of possession go in;
    the result is checked by decoding it, so a file this writes is always one
    a node accepts.
    """
    document = {
        "chain_id": chain_id,
        "genesis_time_unix_ms": genesis_time_unix_ms,
        "app": app,
        "validators": [
            {
                "name": key.name,
                "bls_public_key": key.public_key.hex(),
                "proof_of_possession": key.proof_of_possession.hex(),
                "voting_power": power,
            }
            for key, power in validators
        ],
        "app_state": dict(app_state)
        if app_state is not None
        else {
            "accounts": [
                {"name": account.name, "public_key": account.public_key.hex()}
                for account in accounts
            ]
        },
    }
    raw = (json.dumps(document, indent=2) + "\n").encode()
    decode_genesis(raw)
    return raw
