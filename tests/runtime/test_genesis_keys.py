"""Genesis files (round trip, exact-bytes hash, every refusal) and key files on disk."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from chains.core.crypto import compute_ed25519_key_pair
from chains.core.errors import ConsortiumError, ErrorCode
from chains.runtime.genesis import decode_genesis, encode_genesis, read_genesis
from chains.runtime.keys import (
    ACCOUNT_KEY_TYPE,
    VALIDATOR_KEY_TYPE,
    AccountKey,
    compute_validator_key,
    read_account_key,
    read_validator_key,
    write_account_key,
    write_validator_key,
)

TAX = compute_validator_key("tax-bureau", b"\x01" * 32)
BANK = compute_validator_key("central-bank", b"\x02" * 32)
INDUSTRY = compute_validator_key("industry-board", b"\x03" * 32)
ALICE = AccountKey("alice", compute_ed25519_key_pair(b"\x0a" * 32))
BOB = AccountKey("bob", compute_ed25519_key_pair(b"\x0b" * 32))
TIME_MS = 1_764_000_000_000


def make_genesis_bytes() -> bytes:
    return encode_genesis("kv-1", TIME_MS, [(TAX, 10), (BANK, 20), (INDUSTRY, 30)], [ALICE, BOB])


def make_document() -> dict:
    return json.loads(make_genesis_bytes())


def refuse_genesis(raw: bytes, code: ErrorCode = ErrorCode.INVALID_CONFIG) -> ConsortiumError:
    with pytest.raises(ConsortiumError) as caught:
        decode_genesis(raw)
    assert caught.value.code is code
    return caught.value


def file_mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


# ---------------------------------------------------------------------- genesis


def test_encode_then_decode_keeps_chain_validators_and_accounts() -> None:
    raw = make_genesis_bytes()

    genesis = decode_genesis(raw)

    assert genesis.chain_id == "kv-1"
    assert genesis.genesis_time_unix_ms == TIME_MS
    assert genesis.app == "kv"
    assert [
        (v.name, v.public_key, v.proof_of_possession, v.voting_power)
        for v in genesis.validators.validators
    ] == [
        (key.name, key.public_key, key.proof_of_possession, power)
        for key, power in ((TAX, 10), (BANK, 20), (INDUSTRY, 30))
    ]
    assert genesis.validators.total_power == 60
    assert genesis.app_state == {
        "accounts": [
            {"name": "alice", "public_key": ALICE.public_key.hex()},
            {"name": "bob", "public_key": BOB.public_key.hex()},
        ]
    }
    assert genesis.raw == raw


def test_the_encoded_file_holds_no_secret() -> None:
    text = make_genesis_bytes().decode()
    for key in (TAX, BANK, INDUSTRY):
        assert key.secret_key.to_bytes(32, "big").hex() not in text
    for account in (ALICE, BOB):
        assert account.key_pair.seed.hex() not in text


def test_encoding_is_deterministic() -> None:
    assert make_genesis_bytes() == make_genesis_bytes()


def test_the_hash_is_sha256_of_the_exact_bytes() -> None:
    raw = make_genesis_bytes()
    assert decode_genesis(raw).hash == hashlib.sha256(raw).digest()


@pytest.mark.parametrize(
    "reformat",
    [
        pytest.param(lambda raw: json.dumps(json.loads(raw)).encode(), id="compact"),
        pytest.param(lambda raw: raw.rstrip(b"\n"), id="no-trailing-newline"),
        pytest.param(lambda raw: b" " + raw, id="leading-space"),
        pytest.param(lambda raw: raw.replace(b"  ", b"\t"), id="tabs"),
    ],
)
def test_changing_only_whitespace_changes_the_hash(reformat: Callable[[bytes], bytes]) -> None:
    raw = make_genesis_bytes()
    other = reformat(raw)
    assert other != raw

    original, reformatted = decode_genesis(raw), decode_genesis(other)

    assert reformatted.chain_id == original.chain_id
    assert reformatted.validators == original.validators
    assert reformatted.app_state == original.app_state
    assert reformatted.hash != original.hash
    assert reformatted.hash == hashlib.sha256(other).digest()


def test_read_genesis_reads_the_file(tmp_path: Path) -> None:
    path = tmp_path / "genesis.json"
    path.write_bytes(make_genesis_bytes())

    assert read_genesis(path) == decode_genesis(make_genesis_bytes())


def test_read_genesis_refuses_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConsortiumError) as caught:
        read_genesis(tmp_path / "genesis.json")
    assert caught.value.code is ErrorCode.INVALID_CONFIG
    assert "cannot read" in caught.value.message


def test_app_state_may_be_left_out() -> None:
    document = make_document()
    del document["app_state"]

    assert decode_genesis(json.dumps(document).encode()).app_state == {}


def test_a_chain_id_of_exactly_64_bytes_is_accepted() -> None:
    document = make_document()
    document["chain_id"] = "c" * 64

    assert decode_genesis(json.dumps(document).encode()).chain_id == "c" * 64


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        pytest.param(b"", "not JSON", id="empty"),
        pytest.param(b'{"chain_id": ', "not JSON", id="truncated"),
        pytest.param(b"\xff\xfe\xfa", "not JSON", id="not-utf8"),
        pytest.param(b"[]", "top level must be an object", id="list"),
        pytest.param(b'"kv-1"', "top level must be an object", id="string"),
        pytest.param(b"null", "top level must be an object", id="null"),
    ],
)
def test_bytes_that_are_not_a_json_object_are_refused(raw: bytes, problem: str) -> None:
    assert problem in refuse_genesis(raw).message


def _set(field: str, value: object) -> Callable[[dict], None]:
    def change(document: dict) -> None:
        document[field] = value

    return change


def _drop(field: str) -> Callable[[dict], None]:
    def change(document: dict) -> None:
        del document[field]

    return change


def _set_validator(index: int, field: str, value: object) -> Callable[[dict], None]:
    def change(document: dict) -> None:
        document["validators"][index][field] = value

    return change


def _drop_validator_field(index: int, field: str) -> Callable[[dict], None]:
    def change(document: dict) -> None:
        del document["validators"][index][field]

    return change


def _pop_of_validator_1_on_validator_0(document: dict) -> None:
    validators = document["validators"]
    validators[0]["proof_of_possession"] = validators[1]["proof_of_possession"]


def _repeat_validator_0_under_another_name(document: dict) -> None:
    document["validators"].append(dict(document["validators"][0], name="impostor"))


GENESIS_REFUSALS = [
    pytest.param(_drop("chain_id"), ErrorCode.INVALID_CONFIG, "chain_id", id="no-chain-id"),
    pytest.param(_set("chain_id", ""), ErrorCode.INVALID_CONFIG, "chain_id", id="empty-chain-id"),
    pytest.param(_set("chain_id", 1), ErrorCode.INVALID_CONFIG, "chain_id", id="int-chain-id"),
    pytest.param(
        _set("chain_id", "c" * 65), ErrorCode.INVALID_CONFIG, "chain_id", id="65-byte-chain-id"
    ),
    pytest.param(  # 33 characters, 66 bytes in UTF-8: the limit is in bytes
        _set("chain_id", "é" * 33), ErrorCode.INVALID_CONFIG, "1..64 bytes", id="utf8-chain-id"
    ),
    pytest.param(
        _set("genesis_time_unix_ms", -1), ErrorCode.INVALID_CONFIG, "genesis_time", id="neg-time"
    ),
    pytest.param(
        _set("genesis_time_unix_ms", 1.5), ErrorCode.INVALID_CONFIG, "genesis_time", id="f-time"
    ),
    pytest.param(
        _set("genesis_time_unix_ms", "0"), ErrorCode.INVALID_CONFIG, "genesis_time", id="s-time"
    ),
    pytest.param(
        _set("genesis_time_unix_ms", True), ErrorCode.INVALID_CONFIG, "genesis_time", id="b-time"
    ),
    pytest.param(
        _drop("genesis_time_unix_ms"), ErrorCode.INVALID_CONFIG, "genesis_time", id="no-time"
    ),
    pytest.param(_set("app", "evm"), ErrorCode.INVALID_CONFIG, "app must be one of", id="app"),
    pytest.param(_drop("app"), ErrorCode.INVALID_CONFIG, "app must be one of", id="no-app"),
    pytest.param(
        _set("validators", []), ErrorCode.INVALID_CONFIG, "non-empty list", id="no-validators"
    ),
    pytest.param(
        _drop("validators"), ErrorCode.INVALID_CONFIG, "non-empty list", id="validators-missing"
    ),
    pytest.param(
        _set("validators", {"tax-bureau": 10}),
        ErrorCode.INVALID_CONFIG,
        "non-empty list",
        id="validators-object",
    ),
    pytest.param(
        _set("validators", ["tax-bureau"]),
        ErrorCode.INVALID_CONFIG,
        "validator 0 must be an object",
        id="validator-string",
    ),
    pytest.param(
        _drop_validator_field(1, "name"),
        ErrorCode.INVALID_CONFIG,
        "validator 1 needs a name",
        id="no-name",
    ),
    pytest.param(
        _set_validator(1, "voting_power", "10"),
        ErrorCode.INVALID_CONFIG,
        "integer voting_power",
        id="power-string",
    ),
    pytest.param(
        _set_validator(1, "voting_power", True),
        ErrorCode.INVALID_CONFIG,
        "integer voting_power",
        id="power-bool",
    ),
    pytest.param(
        _set_validator(2, "bls_public_key", "zz" * 48),
        ErrorCode.INVALID_CONFIG,
        "validator 2: bls_public_key is not hex",
        id="key-not-hex",
    ),
    pytest.param(
        _drop_validator_field(2, "bls_public_key"),
        ErrorCode.INVALID_CONFIG,
        "validator 2: bls_public_key must be a hex string",
        id="no-key",
    ),
    pytest.param(
        _set_validator(0, "proof_of_possession", "0x" + "00" * 96),
        ErrorCode.INVALID_CONFIG,
        "validator 0: proof_of_possession is not hex",
        id="pop-not-hex",
    ),
    pytest.param(
        _set_validator(0, "bls_public_key", "ab" * 10),
        ErrorCode.INVALID_PUBLIC_KEY,
        "validator 0",
        id="key-too-short",
    ),
    pytest.param(
        _pop_of_validator_1_on_validator_0,
        ErrorCode.INVALID_PROOF_OF_POSSESSION,
        "validator 0 (tax-bureau)",
        id="pop-of-another-key",
    ),
    pytest.param(
        _repeat_validator_0_under_another_name,
        ErrorCode.DUPLICATE_SIGNER,
        "validators 0 and 3",
        id="duplicate-key",
    ),
    pytest.param(
        _set_validator(1, "voting_power", 0),
        ErrorCode.INVALID_VALIDATOR_SET,
        "validator 1 must have a positive",
        id="zero-power",
    ),
    pytest.param(
        _set_validator(1, "voting_power", -10),
        ErrorCode.INVALID_VALIDATOR_SET,
        "validator 1 must have a positive",
        id="negative-power",
    ),
    pytest.param(
        _set_validator(1, "name", ""),
        ErrorCode.INVALID_VALIDATOR_SET,
        "validator 1 has no name",
        id="empty-name",
    ),
    pytest.param(
        _set("app_state", []), ErrorCode.INVALID_CONFIG, "app_state must be an object", id="as-list"
    ),
    pytest.param(
        _set("app_state", "x"), ErrorCode.INVALID_CONFIG, "app_state must be an object", id="as-str"
    ),
]


@pytest.mark.parametrize(("change", "code", "problem"), GENESIS_REFUSALS)
def test_each_problem_in_a_genesis_is_refused_with_its_code(
    change: Callable[[dict], None], code: ErrorCode, problem: str
) -> None:
    document = make_document()
    change(document)

    error = refuse_genesis(json.dumps(document).encode(), code)

    assert problem in error.message


def test_encode_refuses_what_a_node_would_refuse() -> None:
    with pytest.raises(ConsortiumError) as caught:
        encode_genesis("kv-1", TIME_MS, [(TAX, 10), (TAX, 10)], [])
    assert caught.value.code is ErrorCode.DUPLICATE_SIGNER

    with pytest.raises(ConsortiumError) as caught:
        encode_genesis("kv-1", TIME_MS, [(TAX, 0)], [])
    assert caught.value.code is ErrorCode.INVALID_VALIDATOR_SET

    with pytest.raises(ConsortiumError) as caught:
        encode_genesis("kv-1", TIME_MS, [], [ALICE])
    assert caught.value.code is ErrorCode.INVALID_CONFIG

    with pytest.raises(ConsortiumError) as caught:
        encode_genesis("", TIME_MS, [(TAX, 10)], [])
    assert caught.value.code is ErrorCode.INVALID_CONFIG

    with pytest.raises(ConsortiumError) as caught:
        encode_genesis("kv-1", TIME_MS, [(TAX, 10)], [], app="evm")
    assert caught.value.code is ErrorCode.INVALID_CONFIG


# ------------------------------------------------------------------------- keys


def test_compute_validator_key_is_deterministic_and_depends_on_the_input() -> None:
    again = compute_validator_key("tax-bureau", b"\x01" * 32)

    assert again == TAX
    assert BANK.public_key != TAX.public_key
    assert BANK.secret_key != TAX.secret_key
    assert len(TAX.public_key) == 48
    assert len(TAX.proof_of_possession) == 96


def test_validator_key_repr_never_shows_the_secret() -> None:
    secret_hex = TAX.secret_key.to_bytes(32, "big").hex()
    for shown in (repr(TAX), str(TAX), f"{TAX}", repr([TAX]), repr({"k": TAX})):
        assert secret_hex not in shown
        assert secret_hex.lstrip("0") not in shown
        assert str(TAX.secret_key) not in shown
        assert "tax-bureau" in shown or "ValidatorKey" in shown


def test_account_key_repr_never_shows_the_seed() -> None:
    for shown in (repr(ALICE), str(ALICE)):
        assert ALICE.key_pair.seed.hex() not in shown
        assert repr(bytes(ALICE.key_pair.seed)) not in shown


def test_validator_key_file_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "validator_key.json"

    write_validator_key(path, TAX)

    assert read_validator_key(path) == TAX
    document = json.loads(path.read_text())
    assert document["type"] == VALIDATOR_KEY_TYPE
    assert document["name"] == "tax-bureau"
    assert sorted(path.parent.iterdir()) == [path]  # no temporary file left behind


def test_account_key_file_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "alice.json"

    write_account_key(path, ALICE)

    assert read_account_key(path) == ALICE
    document = json.loads(path.read_text())
    assert document["type"] == ACCOUNT_KEY_TYPE
    assert document["public_key"] == ALICE.public_key.hex()
    assert sorted(tmp_path.iterdir()) == [path]


WRITERS = [
    pytest.param(write_validator_key, TAX, BANK, read_validator_key, id="validator"),
    pytest.param(write_account_key, ALICE, BOB, read_account_key, id="account"),
]


@pytest.mark.parametrize(("write", "key", "other", "read"), WRITERS)
def test_key_files_are_written_with_mode_0600_whatever_the_umask(
    tmp_path: Path, write: Callable, key: object, other: object, read: Callable
) -> None:
    path = tmp_path / "key.json"
    previous = os.umask(0)
    try:
        write(path, key)
    finally:
        os.umask(previous)

    assert file_mode(path) == 0o600


@pytest.mark.parametrize(("write", "key", "other", "read"), WRITERS)
def test_an_existing_key_file_is_never_overwritten_silently(
    tmp_path: Path, write: Callable, key: object, other: object, read: Callable
) -> None:
    path = tmp_path / "key.json"
    write(path, key)
    before = path.read_bytes()

    with pytest.raises(ConsortiumError) as caught:
        write(path, other)

    assert caught.value.code is ErrorCode.INVALID_CONFIG
    assert "refusing to overwrite" in caught.value.message
    assert path.read_bytes() == before
    assert read(path) == key


@pytest.mark.parametrize(("write", "key", "other", "read"), WRITERS)
def test_overwrite_replaces_the_file_and_makes_it_private(
    tmp_path: Path, write: Callable, key: object, other: object, read: Callable
) -> None:
    path = tmp_path / "key.json"
    path.write_text("{}")
    path.chmod(0o644)

    write(path, other, overwrite=True)

    assert read(path) == other
    assert file_mode(path) == 0o600
    assert sorted(tmp_path.iterdir()) == [path]


def _validator_document() -> dict:
    return {
        "type": VALIDATOR_KEY_TYPE,
        "name": TAX.name,
        "secret_key": TAX.secret_key.to_bytes(32, "big").hex(),
        "public_key": TAX.public_key.hex(),
        "proof_of_possession": TAX.proof_of_possession.hex(),
    }


def _account_document() -> dict:
    return {
        "type": ACCOUNT_KEY_TYPE,
        "name": ALICE.name,
        "seed": ALICE.key_pair.seed.hex(),
        "public_key": ALICE.public_key.hex(),
    }


R_MINUS_1 = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000000

VALIDATOR_FILE_REFUSALS = [
    pytest.param({"public_key": BANK.public_key.hex()}, "does not match", id="another-public-key"),
    pytest.param({"type": ACCOUNT_KEY_TYPE}, "is not a bls12-381-pop key file", id="wrong-type"),
    pytest.param({"type": None}, "is not a bls12-381-pop key file", id="no-type"),
    pytest.param({"secret_key": "zz" * 32}, "secret_key is not hex", id="secret-not-hex"),
    pytest.param({"secret_key": "01" * 31}, "not 32 bytes", id="secret-31-bytes"),
    pytest.param({"secret_key": "01" * 33}, "not 32 bytes", id="secret-33-bytes"),
    pytest.param({"secret_key": None}, "not 32 bytes", id="secret-missing"),
    pytest.param({"secret_key": 12345}, "not 32 bytes", id="secret-int"),
    pytest.param({"secret_key": "00" * 32}, "INVALID_SECRET_KEY", id="secret-zero"),
    pytest.param(
        {"secret_key": (R_MINUS_1 + 1).to_bytes(32, "big").hex()},
        "INVALID_SECRET_KEY",
        id="secret-r",
    ),
    pytest.param({"public_key": "zz"}, "public_key is not hex", id="public-not-hex"),
]


@pytest.mark.parametrize(("changes", "problem"), VALIDATOR_FILE_REFUSALS)
def test_a_bad_validator_key_file_is_refused(tmp_path: Path, changes: dict, problem: str) -> None:
    path = tmp_path / "validator_key.json"
    document = _validator_document() | changes
    path.write_text(json.dumps({k: v for k, v in document.items() if v is not None}))

    with pytest.raises(ConsortiumError) as caught:
        read_validator_key(path)

    assert caught.value.code is ErrorCode.INVALID_CONFIG
    assert problem in caught.value.message


ACCOUNT_FILE_REFUSALS = [
    pytest.param({"public_key": BOB.public_key.hex()}, "does not match", id="another-public-key"),
    pytest.param({"type": VALIDATOR_KEY_TYPE}, "is not a ed25519 key file", id="wrong-type"),
    pytest.param({"seed": "xy" * 32}, "seed is not hex", id="seed-not-hex"),
    pytest.param({"public_key": "xy"}, "public_key is not hex", id="public-not-hex"),
]


@pytest.mark.parametrize(("changes", "problem"), ACCOUNT_FILE_REFUSALS)
def test_a_bad_account_key_file_is_refused(tmp_path: Path, changes: dict, problem: str) -> None:
    path = tmp_path / "alice.json"
    path.write_text(json.dumps(_account_document() | changes))

    with pytest.raises(ConsortiumError) as caught:
        read_account_key(path)

    assert caught.value.code is ErrorCode.INVALID_CONFIG
    assert problem in caught.value.message


@pytest.mark.parametrize(
    "seed",
    [
        pytest.param("0a" * 31, id="31-bytes"),
        pytest.param("0a" * 33, id="33-bytes"),
        pytest.param(None, id="missing"),
    ],
)
def test_an_account_key_file_with_a_wrong_length_seed_is_invalid_config(
    tmp_path: Path, seed: str | None
) -> None:
    path = tmp_path / "alice.json"
    document = _account_document()
    if seed is None:
        del document["seed"]
    else:
        document["seed"] = seed
    path.write_text(json.dumps(document))

    with pytest.raises(ConsortiumError) as caught:
        read_account_key(path)

    assert caught.value.code is ErrorCode.INVALID_CONFIG


@pytest.mark.parametrize("read", [read_validator_key, read_account_key])
@pytest.mark.parametrize(
    ("content", "problem"),
    [
        pytest.param(None, "cannot read", id="missing"),
        pytest.param("{not json", "cannot read", id="bad-json"),
        pytest.param("", "cannot read", id="empty"),
        pytest.param("[1, 2]", "key file", id="list"),
        pytest.param('"ed25519"', "key file", id="string"),
    ],
)
def test_an_unreadable_key_file_is_refused(
    tmp_path: Path, read: Callable, content: str | None, problem: str
) -> None:
    path = tmp_path / "key.json"
    if content is not None:
        path.write_text(content)

    with pytest.raises(ConsortiumError) as caught:
        read(path)

    assert caught.value.code is ErrorCode.INVALID_CONFIG
    assert problem in caught.value.message
    assert str(path) in caught.value.message
