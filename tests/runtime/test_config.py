"""node.toml: what a round trip keeps, how paths resolve, and every refusal (INVALID_CONFIG)."""

from __future__ import annotations

from pathlib import Path

import pytest

from chains.core.consensus.machine import TimeoutConfig
from chains.core.errors import ConsortiumError, ErrorCode
from chains.runtime.config import (
    CONFIG_FILE,
    BlockConfig,
    NodeConfig,
    TlsConfig,
    encode_node_config,
    read_node_config,
)
from chains.runtime.mempool import MempoolConfig

MINIMAL = 'name = "validator-0"\nlisten = "127.0.0.1:26600"\n'


def write_config(home: Path, text: str) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    path = home / CONFIG_FILE
    path.write_text(text)
    return path


def refuse_config(home: Path) -> ConsortiumError:
    with pytest.raises(ConsortiumError) as caught:
        read_node_config(home)
    assert caught.value.code is ErrorCode.INVALID_CONFIG
    return caught.value


# ----------------------------------------------------------------- round trips


def test_encode_then_read_keeps_every_field(tmp_path: Path) -> None:
    text = encode_node_config(
        name="validator-2",
        listen="127.0.0.1:26602",
        peers=["127.0.0.1:26600", "127.0.0.1:26601", "10.0.0.3:26603"],
        metrics_listen="127.0.0.1:26702",
        validator_key="keys/validator_key.json",
        database_url="postgresql://consortium@localhost/chain2",
        consensus={
            "propose_ms": 1234,
            "prevote_delta_ms": 7,
            "precommit_ms": 0,
            "min_block_interval_ms": 5,
            "max_block_txs": 17,
            "max_block_bytes": 4096,
        },
    )
    write_config(tmp_path, text)

    config = read_node_config(tmp_path)

    home = tmp_path.resolve()
    assert config == NodeConfig(
        home=home,
        name="validator-2",
        genesis=home / "genesis.json",
        validator_key=home / "keys" / "validator_key.json",
        database_url="postgresql://consortium@localhost/chain2",
        listen="127.0.0.1:26602",
        metrics_listen="127.0.0.1:26702",
        peers=("127.0.0.1:26600", "127.0.0.1:26601", "10.0.0.3:26603"),
        timeouts=TimeoutConfig(propose_ms=1234, prevote_delta_ms=7, precommit_ms=0),
        blocks=BlockConfig(min_block_interval_ms=5, max_block_txs=17, max_block_bytes=4096),
        mempool=MempoolConfig(),
        tls=None,
        state_retain_heights=0,
    )
    assert config.data_dir == home / "data"


def test_round_trip_of_a_follower_without_key_peers_or_overrides(tmp_path: Path) -> None:
    text = encode_node_config("follower", "0.0.0.0:26650", [], validator_key=None)
    assert "validator_key" not in text
    assert "[consensus]" not in text
    write_config(tmp_path, text)

    config = read_node_config(tmp_path)

    assert config.name == "follower"
    assert config.listen == "0.0.0.0:26650"
    assert config.validator_key is None
    assert config.peers == ()
    assert config.metrics_listen == ""
    assert config.database_url == ""
    assert config.timeouts == TimeoutConfig()
    assert config.blocks == BlockConfig()


def test_minimal_config_takes_the_documented_defaults(tmp_path: Path) -> None:
    write_config(tmp_path, MINIMAL)

    config = read_node_config(tmp_path)

    home = tmp_path.resolve()
    assert config.genesis == home / "genesis.json"
    assert config.validator_key is None
    assert config.database_url == ""
    assert config.metrics_listen == ""
    assert config.peers == ()
    assert config.timeouts == TimeoutConfig()
    assert config.blocks == BlockConfig()
    assert config.mempool == MempoolConfig()
    assert config.tls is None
    assert config.state_retain_heights == 0


def test_consensus_keys_split_between_timeouts_and_blocks(tmp_path: Path) -> None:
    write_config(
        tmp_path,
        MINIMAL + "[consensus]\nprevote_ms = 250\nempty_block_interval_ms = 9000\n",
    )

    config = read_node_config(tmp_path)

    assert config.timeouts == TimeoutConfig(prevote_ms=250)
    assert config.blocks == BlockConfig(empty_block_interval_ms=9000)


def test_mempool_section_and_state_retention_are_read(tmp_path: Path) -> None:
    write_config(
        tmp_path,
        MINIMAL
        + "state_retain_heights = 100\n"
        + "[mempool]\nmax_txs = 10\nmax_tx_bytes = 512\nverified_cache = 0\n",
    )

    config = read_node_config(tmp_path)

    assert config.mempool == MempoolConfig(max_txs=10, max_tx_bytes=512, verified_cache=0)
    assert config.state_retain_heights == 100


# ------------------------------------------------------------------------ paths


def test_relative_paths_resolve_against_the_home_directory(tmp_path: Path) -> None:
    write_config(
        tmp_path,
        MINIMAL
        + 'genesis = "../shared/genesis.json"\n'
        + 'validator_key = "keys/v.json"\n'
        + '[tls]\nca = "tls/ca.pem"\ncert = "tls/node.pem"\nkey = "tls/node-key.pem"\n',
    )

    config = read_node_config(tmp_path)

    home = tmp_path.resolve()
    assert config.genesis == home / "../shared/genesis.json"
    assert config.validator_key == home / "keys/v.json"
    assert config.tls == TlsConfig(
        ca=home / "tls/ca.pem", cert=home / "tls/node.pem", key=home / "tls/node-key.pem"
    )


def test_absolute_paths_are_kept(tmp_path: Path) -> None:
    elsewhere = (tmp_path / "elsewhere").resolve()
    write_config(
        tmp_path / "home",
        MINIMAL
        + f'genesis = "{elsewhere}/genesis.json"\n'
        + f'validator_key = "{elsewhere}/v.json"\n'
        + f'[tls]\nca = "{elsewhere}/ca.pem"\ncert = "{elsewhere}/n.pem"\n'
        + f'key = "{elsewhere}/k.pem"\nserver_name = "validator-0.test"\n',
    )

    config = read_node_config(tmp_path / "home")

    assert config.genesis == elsewhere / "genesis.json"
    assert config.validator_key == elsewhere / "v.json"
    assert config.tls == TlsConfig(
        ca=elsewhere / "ca.pem",
        cert=elsewhere / "n.pem",
        key=elsewhere / "k.pem",
        server_name="validator-0.test",
    )


def test_a_relative_home_is_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_config(tmp_path / "node-home", MINIMAL + 'validator_key = "v.json"\n')
    monkeypatch.chdir(tmp_path)

    config = read_node_config(Path("node-home"))

    assert config.home == (tmp_path / "node-home").resolve()
    assert config.home.is_absolute()
    assert config.validator_key == config.home / "v.json"
    assert config.genesis.is_absolute()


# --------------------------------------------------------------------- refusals


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    error = refuse_config(tmp_path)
    assert "cannot read" in error.message
    assert CONFIG_FILE in error.message


def test_a_missing_home_directory_is_refused(tmp_path: Path) -> None:
    error = refuse_config(tmp_path / "no-such-home")
    assert "cannot read" in error.message


def test_bad_toml_is_refused(tmp_path: Path) -> None:
    write_config(tmp_path, 'name = "validator-0\nlisten = "127.0.0.1:1"\n')
    error = refuse_config(tmp_path)
    assert "cannot read" in error.message


REFUSALS = [
    pytest.param('listen = "127.0.0.1:1"\n', "name must be a non-empty string", id="no-name"),
    pytest.param('name = ""\nlisten = "127.0.0.1:1"\n', "name must be", id="empty-name"),
    pytest.param('name = 7\nlisten = "127.0.0.1:1"\n', "name must be", id="name-not-string"),
    pytest.param('name = "v"\n', "listen must be host:port", id="no-listen"),
    pytest.param('name = "v"\nlisten = "127.0.0.1"\n', "listen must be host:port", id="no-port"),
    pytest.param('name = "v"\nlisten = 26600\n', "listen must be host:port", id="listen-int"),
    pytest.param(MINIMAL + 'peers = "127.0.0.1:2"\n', "peers must be a list", id="peers-str"),
    pytest.param(MINIMAL + "peers = [26601]\n", "peers must be a list", id="peers-int"),
    pytest.param(MINIMAL + 'peers = ["a:1", ""]\n', "peers must be a list", id="peers-empty"),
    pytest.param(MINIMAL + 'peers = [["a:1"]]\n', "peers must be a list", id="peers-nested"),
    pytest.param(
        MINIMAL + "[consensus]\npropose_ms = 10\nturbo = 1\n",
        "[consensus] has unknown keys: turbo",
        id="consensus-unknown",
    ),
    pytest.param(
        MINIMAL + "[consensus]\nmax_txs = 10\n",  # a mempool key in the wrong section
        "[consensus] has unknown keys: max_txs",
        id="consensus-mempool-key",
    ),
    pytest.param(
        MINIMAL + "[mempool]\nmax_txs = 10\nb = 1\na = 2\n",
        "[mempool] has unknown keys: a, b",
        id="mempool-unknown",
    ),
    pytest.param(
        MINIMAL + "[consensus]\npropose_ms = -1\n",
        "[consensus] propose_ms must be a non-negative integer",
        id="timeout-negative",
    ),
    pytest.param(
        MINIMAL + "[consensus]\nprecommit_delta_ms = 1.5\n",
        "[consensus] precommit_delta_ms must be a non-negative integer",
        id="timeout-float",
    ),
    pytest.param(
        MINIMAL + '[consensus]\npropose_ms = "3000"\n',
        "[consensus] propose_ms must be a non-negative integer",
        id="timeout-string",
    ),
    pytest.param(
        MINIMAL + "[consensus]\npropose_ms = true\n",
        "[consensus] propose_ms must be a non-negative integer",
        id="timeout-bool",
    ),
    pytest.param(
        MINIMAL + "[consensus]\nmax_block_txs = -5\n",
        "[consensus] max_block_txs must be a non-negative integer",
        id="block-negative",
    ),
    pytest.param(
        MINIMAL + "[mempool]\nmax_bytes = -1\n",
        "[mempool] max_bytes must be a non-negative integer",
        id="mempool-negative",
    ),
    pytest.param(
        MINIMAL + "[mempool]\nttl_heights = 2.0\n",
        "[mempool] ttl_heights must be a non-negative integer",
        id="mempool-float",
    ),
    pytest.param(
        MINIMAL + '[tls]\nca = "ca.pem"\ncert = "n.pem"\n',
        "tls.key must be a non-empty string",
        id="tls-no-key",
    ),
    pytest.param(
        MINIMAL + '[tls]\ncert = "n.pem"\nkey = "k.pem"\n',
        "tls.ca must be a non-empty string",
        id="tls-no-ca",
    ),
    pytest.param(
        MINIMAL + '[tls]\nca = "ca.pem"\ncert = ""\nkey = "k.pem"\n',
        "tls.cert must be a non-empty string",
        id="tls-empty-cert",
    ),
    pytest.param(MINIMAL + "[tls]\n", "tls.ca must be a non-empty string", id="tls-empty"),
    pytest.param(MINIMAL + 'genesis = ""\n', "genesis must be a non-empty string", id="genesis"),
    pytest.param(MINIMAL + "genesis = 3\n", "genesis must be a non-empty string", id="gen-int"),
    pytest.param(
        MINIMAL + "validator_key = 3\n",
        "validator_key must be a non-empty string",
        id="key-int",
    ),
    pytest.param(MINIMAL + "database_url = 5\n", "database_url must be a string", id="db-int"),
    pytest.param(
        MINIMAL + "state_retain_heights = -1\n",
        "state_retain_heights must be a non-negative integer",
        id="retain-negative",
    ),
    pytest.param(
        MINIMAL + 'state_retain_heights = "10"\n',
        "state_retain_heights must be a non-negative integer",
        id="retain-string",
    ),
]


@pytest.mark.parametrize(("text", "problem"), REFUSALS)
def test_each_problem_is_refused_with_invalid_config_naming_it(
    tmp_path: Path, text: str, problem: str
) -> None:
    path = write_config(tmp_path, text)

    error = refuse_config(tmp_path)

    assert problem in error.message
    assert str(path.resolve()) in error.message


def test_a_zero_mempool_bound_is_refused_by_the_mempool_config(tmp_path: Path) -> None:
    # [mempool] values pass the file's non-negative check; MempoolConfig then refuses a 0 bound
    # (its message names the setting but, unlike the others, not the file).
    write_config(tmp_path, MINIMAL + "[mempool]\nmax_txs = 0\n")

    error = refuse_config(tmp_path)

    assert "mempool max_txs must be a positive integer" in error.message


# ------------------------------------------------ known gaps (see the report)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(MINIMAL + "consensus = 5\n", id="consensus-int"),
        pytest.param(MINIMAL + 'consensus = "fast"\n', id="consensus-str"),
        pytest.param(MINIMAL + "mempool = [1]\n", id="mempool-list"),
        pytest.param(MINIMAL + 'tls = "tls/"\n', id="tls-str"),
    ],
)
def test_a_section_that_is_not_a_table_is_refused(tmp_path: Path, text: str) -> None:
    write_config(tmp_path, text)
    refuse_config(tmp_path)


@pytest.mark.parametrize("listen", ["127.0.0.1:", "127.0.0.1:http", "127.0.0.1:99999"])
def test_listen_with_an_empty_or_non_numeric_port_is_refused(tmp_path: Path, listen: str) -> None:
    write_config(tmp_path, f'name = "v"\nlisten = "{listen}"\n')
    error = refuse_config(tmp_path)
    assert "listen" in error.message


def test_state_retain_heights_refuses_a_boolean(tmp_path: Path) -> None:
    write_config(tmp_path, MINIMAL + "state_retain_heights = true\n")
    refuse_config(tmp_path)


def test_encode_escapes_a_name_with_a_quote(tmp_path: Path) -> None:
    write_config(tmp_path, encode_node_config('member "A"', "127.0.0.1:1", []))
    assert read_node_config(tmp_path).name == 'member "A"'
