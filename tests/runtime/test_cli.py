"""The ``consortium`` command line: keys, genesis, and readable refusals (no node processes)."""

from __future__ import annotations

import json
import os
import re
import stat
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from chains.cli import app
from chains.runtime.genesis import read_genesis
from chains.runtime.keys import (
    compute_validator_key,
    read_account_key,
    read_validator_key,
    write_validator_key,
)

runner = CliRunner()


def invoke(*args: str | Path) -> Result:
    return runner.invoke(app, [str(arg) for arg in args])


ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def flat(output: str) -> str:
    """The output without colour codes and whitespace, for rich wraps at the terminal width."""
    return "".join(ANSI_ESCAPE.sub("", output).split())


def assert_ok(result: Result) -> None:
    assert result.exit_code == 0, result.output
    assert result.exception is None


def assert_refused(result: Result, code_name: str) -> None:
    """Exit 1 with ``refused <CODE>: ...`` and no traceback."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "refused" in flat(result.output)
    assert code_name in flat(result.output)
    assert "Traceback" not in result.output


def make_validator(tmp_path: Path, file_name: str, name: str) -> Path:
    path = tmp_path / file_name
    assert_ok(invoke("keys", "validator", path, "--name", name))
    return path


def make_account(tmp_path: Path, file_name: str, name: str) -> Path:
    path = tmp_path / file_name
    assert_ok(invoke("keys", "account", path, "--name", name))
    return path


# ------------------------------------------------------------------------- keys


def test_keys_validator_writes_a_private_key_file_and_prints_its_public_key(
    tmp_path: Path,
) -> None:
    path = tmp_path / "keys" / "tax.json"

    result = invoke("keys", "validator", path, "--name", "tax-bureau")

    assert_ok(result)
    key = read_validator_key(path)
    assert key.name == "tax-bureau"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert key.public_key.hex() in flat(result.output)
    assert key.secret_key.to_bytes(32, "big").hex() not in flat(result.output)


def test_keys_account_writes_a_private_key_file_and_prints_its_public_key(
    tmp_path: Path,
) -> None:
    path = tmp_path / "alice.json"

    result = invoke("keys", "account", path, "--name", "alice")

    assert_ok(result)
    key = read_account_key(path)
    assert key.name == "alice"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert key.public_key.hex() in flat(result.output)
    assert key.key_pair.seed.hex() not in flat(result.output)


def test_two_generated_validator_keys_differ(tmp_path: Path) -> None:
    first = read_validator_key(make_validator(tmp_path, "a.json", "a"))
    second = read_validator_key(make_validator(tmp_path, "b.json", "b"))

    assert first.public_key != second.public_key


@pytest.mark.parametrize("kind", ["validator", "account"])
def test_a_second_key_to_the_same_path_is_refused_and_the_first_kept(
    tmp_path: Path, kind: str
) -> None:
    path = tmp_path / "key.json"
    assert_ok(invoke("keys", kind, path, "--name", "first"))
    before = path.read_bytes()

    result = invoke("keys", kind, path, "--name", "second")

    assert_refused(result, "INVALID_CONFIG")
    assert "refusingtooverwrite" in flat(result.output)
    assert path.read_bytes() == before


def test_keys_show_prints_a_validator_key_public_parts(tmp_path: Path) -> None:
    path = make_validator(tmp_path, "tax.json", "tax-bureau")
    key = read_validator_key(path)

    result = invoke("keys", "show", path)

    assert_ok(result)
    shown = flat(result.output)
    assert "validatortax-bureau" in shown
    assert key.public_key.hex() in shown
    assert key.proof_of_possession.hex() in shown
    assert key.secret_key.to_bytes(32, "big").hex() not in shown


def test_keys_show_prints_an_account_key_public_key(tmp_path: Path) -> None:
    path = make_account(tmp_path, "alice.json", "alice")
    key = read_account_key(path)

    result = invoke("keys", "show", path)

    assert_ok(result)
    assert f"accountalice:{key.public_key.hex()}" in flat(result.output)
    assert key.key_pair.seed.hex() not in flat(result.output)


def test_keys_show_refuses_a_key_file_whose_public_key_is_not_its_own(tmp_path: Path) -> None:
    path = make_validator(tmp_path, "tax.json", "tax-bureau")
    document = json.loads(path.read_text())
    document["public_key"] = compute_validator_key("x", b"\x07" * 32).public_key.hex()
    path.write_text(json.dumps(document))

    result = invoke("keys", "show", path)

    assert_refused(result, "INVALID_CONFIG")
    assert "doesnotmatch" in flat(result.output)


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(None, id="missing"),
        pytest.param("{not json", id="bad-json"),
        pytest.param("[1, 2]", id="json-list"),
    ],
)
def test_keys_show_refuses_an_unreadable_file_without_a_traceback(
    tmp_path: Path, content: str | None
) -> None:
    path = tmp_path / "key.json"
    if content is not None:
        path.write_text(content)

    assert_refused(invoke("keys", "show", path), "INVALID_CONFIG")


# ---------------------------------------------------------------------- genesis


def test_genesis_holds_the_given_validators_and_accounts(tmp_path: Path) -> None:
    tax = make_validator(tmp_path, "tax.json", "tax-bureau")
    bank = make_validator(tmp_path, "bank.json", "central-bank")
    alice = make_account(tmp_path, "alice.json", "alice")
    out = tmp_path / "genesis.json"
    before_ms = int(time.time() * 1000)

    result = invoke(
        "genesis",
        out,
        "--chain-id",
        "kv-7",
        "--validator",
        tax,
        "--validator",
        bank,
        "--account",
        alice,
    )

    assert_ok(result)
    assert "2validators,1accounts" in flat(result.output)
    genesis = read_genesis(out)
    assert genesis.chain_id == "kv-7"
    assert genesis.app == "kv"
    assert before_ms <= genesis.genesis_time_unix_ms <= int(time.time() * 1000)
    members = genesis.validators.validators
    assert [(v.name, v.public_key, v.proof_of_possession, v.voting_power) for v in members] == [
        (key.name, key.public_key, key.proof_of_possession, 10)
        for key in (read_validator_key(tax), read_validator_key(bank))
    ]
    assert genesis.app_state == {
        "accounts": [{"name": "alice", "public_key": read_account_key(alice).public_key.hex()}]
    }
    text = out.read_text()
    assert json.loads(text)["app_state"]["accounts"][0]["public_key"] in text
    assert read_account_key(alice).key_pair.seed.hex() not in text
    assert read_validator_key(tax).secret_key.to_bytes(32, "big").hex() not in text


def test_genesis_gives_each_validator_the_requested_power(tmp_path: Path) -> None:
    tax = make_validator(tmp_path, "tax.json", "tax-bureau")
    out = tmp_path / "genesis.json"

    assert_ok(invoke("genesis", out, "--chain-id", "kv-1", "--validator", tax, "--power", "7"))

    genesis = read_genesis(out)
    assert [v.voting_power for v in genesis.validators.validators] == [7]
    assert genesis.app_state == {"accounts": []}


def _write_organisations(tmp_path: Path, role: str) -> Path:
    bureau = make_account(tmp_path, "bureau.json", "tax-bureau")
    organisations = [
        {
            "id": "tax-bureau",
            "name": "Shenzhen Tax Bureau",
            "role": role,
            "governing": True,
            "accounts": [
                {"name": "primary", "public_key": read_account_key(bureau).public_key.hex()}
            ],
        }
    ]
    path = tmp_path / "organisations.json"
    path.write_text(json.dumps(organisations))
    return path


def test_genesis_of_a_tax_chain_lists_its_organisations(tmp_path: Path) -> None:
    tax = make_validator(tmp_path, "tax.json", "tax-bureau")
    organisations = _write_organisations(tmp_path, "tax_bureau")
    out = tmp_path / "genesis.json"

    result = invoke(
        "genesis", out, "--chain-id", "tax-1", "--validator", tax,
        "--app", "tax", "--organisations", organisations,
    )  # fmt: skip

    assert_ok(result)
    genesis = read_genesis(out)
    assert genesis.app == "tax"
    assert genesis.app_state == {"organisations": json.loads(organisations.read_text())}


@pytest.mark.parametrize(
    ("role", "extra", "code"),
    [
        ("wizard", (), "INVALID_CONFIG"),  # checked by the application when written
        ("tax_bureau", ("--account", "ACCOUNT"), "INVALID_CONFIG"),  # accounts are KV's
    ],
)
def test_genesis_of_a_tax_chain_refuses_what_a_node_would(
    tmp_path: Path, role: str, extra: tuple[str, ...], code: str
) -> None:
    tax = make_validator(tmp_path, "tax.json", "tax-bureau")
    organisations = _write_organisations(tmp_path, role)
    account = make_account(tmp_path, "alice.json", "alice")
    extra = tuple(account if arg == "ACCOUNT" else arg for arg in extra)
    out = tmp_path / "genesis.json"

    result = invoke(
        "genesis", out, "--chain-id", "tax-1", "--validator", tax,
        "--app", "tax", "--organisations", organisations, *extra,
    )  # fmt: skip

    assert_refused(result, code)
    assert not out.exists()


def test_genesis_refuses_the_same_validator_twice(tmp_path: Path) -> None:
    tax = make_validator(tmp_path, "tax.json", "tax-bureau")
    out = tmp_path / "genesis.json"

    result = invoke("genesis", out, "--chain-id", "kv-1", "--validator", tax, "--validator", tax)

    assert_refused(result, "DUPLICATE_SIGNER")
    assert not out.exists()


def test_genesis_refuses_a_missing_validator_key_file(tmp_path: Path) -> None:
    out = tmp_path / "genesis.json"

    result = invoke("genesis", out, "--chain-id", "kv-1", "--validator", tmp_path / "none.json")

    assert_refused(result, "INVALID_CONFIG")
    assert not out.exists()


def test_genesis_refuses_an_account_file_given_as_a_validator(tmp_path: Path) -> None:
    alice = make_account(tmp_path, "alice.json", "alice")
    out = tmp_path / "genesis.json"

    result = invoke("genesis", out, "--chain-id", "kv-1", "--validator", alice)

    assert_refused(result, "INVALID_CONFIG")
    assert not out.exists()


def test_genesis_refuses_a_validator_key_with_another_keys_proof_of_possession(
    tmp_path: Path,
) -> None:
    tax = compute_validator_key("tax-bureau", b"\x01" * 32)
    other = compute_validator_key("other", b"\x02" * 32)
    path = tmp_path / "tax.json"
    write_validator_key(path, tax)
    document = json.loads(path.read_text())
    document["proof_of_possession"] = other.proof_of_possession.hex()
    path.write_text(json.dumps(document))
    out = tmp_path / "genesis.json"

    result = invoke("genesis", out, "--chain-id", "kv-1", "--validator", path)

    # Reading the key file already refuses it: its proof is not its key's.
    assert_refused(result, "INVALID_CONFIG")
    assert "proofofpossession" in flat(result.output)
    assert not out.exists()


def test_genesis_refuses_an_overlong_chain_id(tmp_path: Path) -> None:
    tax = make_validator(tmp_path, "tax.json", "tax-bureau")
    out = tmp_path / "genesis.json"

    result = invoke("genesis", out, "--chain-id", "c" * 65, "--validator", tax)

    assert_refused(result, "INVALID_CONFIG")
    assert "chain_id" in flat(result.output)
    assert not out.exists()


def test_genesis_needs_at_least_one_validator(tmp_path: Path) -> None:
    out = tmp_path / "genesis.json"

    result = invoke("genesis", out, "--chain-id", "kv-1")

    assert result.exit_code == 2  # a usage error
    assert "--validator" in flat(result.output)
    assert not out.exists()


def test_genesis_into_a_missing_directory_creates_it(tmp_path: Path) -> None:
    tax = make_validator(tmp_path, "tax.json", "tax-bureau")
    out = tmp_path / "new" / "genesis.json"

    result = invoke("genesis", out, "--chain-id", "kv", "--validator", tax)

    assert_ok(result)
    assert read_genesis(out).chain_id == "kv"


# ------------------------------------------------------------------------ query


def test_q_info_with_nothing_listening_is_a_readable_refusal() -> None:
    started = time.monotonic()

    result = invoke("q", "info", "--node", "127.0.0.1:1")

    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert flat(result.output).startswith("refused")
    assert "127.0.0.1:1" in flat(result.output)
    assert time.monotonic() - started < 5  # a refused connection fails fast, not by time-out


def test_no_arguments_prints_help() -> None:
    result = invoke()

    for command in ("keys", "genesis", "node", "net", "tx", "q"):
        assert command in flat(result.output)
