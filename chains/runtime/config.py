"""A node's configuration: ``node.toml`` in its home directory.

```toml
name = "validator-0"
genesis = "genesis.json"               # relative paths are relative to the home directory
validator_key = "validator_key.json"   # omit for a node that follows without voting
database_url = ""                      # empty: SQLite at <home>/data/chain.db
listen = "127.0.0.1:26600"             # gRPC: the client API and the peer links
metrics_listen = "127.0.0.1:26700"     # Prometheus /metrics; empty to disable
peers = ["127.0.0.1:26601"]            # other validators' listen addresses

[consensus]                            # milliseconds
propose_ms = 3000
min_block_interval_ms = 100
empty_block_interval_ms = 1000
max_block_txs = 5000

[tls]                                  # mutual TLS between members (docs/mtls.md)
ca = "tls/ca.pem"
cert = "tls/node.pem"
key = "tls/node-key.pem"
```
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path

from chains.core.consensus.machine import TimeoutConfig
from chains.core.errors import ConsortiumError, ErrorCode
from chains.runtime.mempool import MempoolConfig

CONFIG_FILE = "node.toml"
MAX_MESSAGE_BYTES = 16 * 1024 * 1024
"""gRPC's maximum message size, both ways: larger messages are refused by gRPC itself."""


@dataclass(frozen=True, slots=True)
class TlsConfig:
    """PEM files for mutual TLS: the members' CA, this node's certificate and key."""

    ca: Path
    cert: Path
    key: Path
    server_name: str = ""  # override the name checked in peers' certificates (tests)


@dataclass(frozen=True, slots=True)
class BlockConfig:
    """When a proposer builds a block and how large it may be."""

    min_block_interval_ms: int = 100
    empty_block_interval_ms: int = 1000
    max_block_txs: int = 5000
    max_block_bytes: int = 8 * 1024 * 1024


@dataclass(frozen=True)
class NodeConfig:
    """Everything a node process needs to start."""

    home: Path
    name: str
    genesis: Path
    validator_key: Path | None
    database_url: str
    listen: str
    metrics_listen: str = ""
    peers: tuple[str, ...] = ()
    timeouts: TimeoutConfig = TimeoutConfig()
    blocks: BlockConfig = BlockConfig()
    mempool: MempoolConfig = field(default_factory=MempoolConfig)
    tls: TlsConfig | None = None
    state_retain_heights: int = 0  # 0 keeps every version's state provable

    @property
    def data_dir(self) -> Path:
        """Where the node keeps its database and logs."""
        return self.home / "data"


def _invalid(path: Path, message: str) -> ConsortiumError:
    return ConsortiumError(ErrorCode.INVALID_CONFIG, f"{path}: {message}")


def _pick(cls: type, table: dict[str, object], path: Path, section: str) -> dict[str, int]:
    names = {f.name for f in fields(cls)}
    unknown = set(table) - names
    if unknown:
        raise _invalid(path, f"[{section}] has unknown keys: {', '.join(sorted(unknown))}")
    for name, value in table.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise _invalid(path, f"[{section}] {name} must be a non-negative integer")
    return table  # type: ignore[return-value]


def _resolve(home: Path, value: object, path: Path, key: str) -> Path:
    if not isinstance(value, str) or not value:
        raise _invalid(path, f"{key} must be a non-empty string")
    candidate = Path(value)
    return candidate if candidate.is_absolute() else home / candidate


def _get_table(document: dict[str, object], section: str, path: Path) -> dict[str, object]:
    table = document.get(section, {})
    if not isinstance(table, dict):
        raise _invalid(path, f"[{section}] must be a table")
    return table


def _get_port_address(document: dict[str, object], key: str, path: Path, optional: bool) -> str:
    value = document.get(key, "" if optional else None)
    if optional and value == "":
        return ""
    host, _, port = value.rpartition(":") if isinstance(value, str) else ("", "", "")
    if not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise _invalid(path, f"{key} must be host:port with a port from 0 to 65535")
    return value


def read_node_config(home: Path) -> NodeConfig:
    """Read ``<home>/node.toml``; raises ConsortiumError(INVALID_CONFIG) with what is wrong."""
    home = Path(home).resolve()
    path = home / CONFIG_FILE
    try:
        document = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise _invalid(path, f"cannot read: {error}") from None
    consensus = _get_table(document, "consensus", path)
    timeout_names = {f.name for f in fields(TimeoutConfig)}
    timeouts = _pick(
        TimeoutConfig, {k: v for k, v in consensus.items() if k in timeout_names}, path, "consensus"
    )
    blocks = _pick(
        BlockConfig,
        {k: v for k, v in consensus.items() if k not in timeout_names},
        path,
        "consensus",
    )
    mempool = _pick(MempoolConfig, _get_table(document, "mempool", path), path, "mempool")
    try:
        mempool_config = MempoolConfig(**mempool)
    except ConsortiumError as error:
        raise _invalid(path, f"[mempool] {error.message}") from None
    tls = None
    if "tls" in document:
        table = _get_table(document, "tls", path)
        server_name = table.get("server_name", "")
        if not isinstance(server_name, str):
            raise _invalid(path, "tls.server_name must be a string")
        tls = TlsConfig(
            ca=_resolve(home, table.get("ca"), path, "tls.ca"),
            cert=_resolve(home, table.get("cert"), path, "tls.cert"),
            key=_resolve(home, table.get("key"), path, "tls.key"),
            server_name=server_name,
        )
    peers = document.get("peers", [])
    if not isinstance(peers, list) or not all(isinstance(p, str) and p for p in peers):
        raise _invalid(path, "peers must be a list of host:port strings")
    name = document.get("name")
    if not isinstance(name, str) or not name:
        raise _invalid(path, "name must be a non-empty string")
    key = document.get("validator_key")
    database_url = document.get("database_url", "")
    if not isinstance(database_url, str):
        raise _invalid(path, "database_url must be a string")
    listen = _get_port_address(document, "listen", path, optional=False)
    metrics_listen = _get_port_address(document, "metrics_listen", path, optional=True)
    retain = document.get("state_retain_heights", 0)
    if not isinstance(retain, int) or isinstance(retain, bool) or retain < 0:
        raise _invalid(path, "state_retain_heights must be a non-negative integer")
    return NodeConfig(
        home=home,
        name=name,
        genesis=_resolve(home, document.get("genesis", "genesis.json"), path, "genesis"),
        validator_key=_resolve(home, key, path, "validator_key") if key else None,
        database_url=database_url,
        listen=listen,
        metrics_listen=metrics_listen,
        peers=tuple(peers),
        timeouts=TimeoutConfig(**timeouts),
        blocks=BlockConfig(**blocks),
        mempool=mempool_config,
        tls=tls,
        state_retain_heights=retain,
    )


def encode_node_config(
    name: str,
    listen: str,
    peers: list[str],
    metrics_listen: str = "",
    validator_key: str | None = "validator_key.json",
    database_url: str = "",
    consensus: dict[str, int] | None = None,
) -> str:
    """The text of a ``node.toml`` (what ``consortium net up`` writes for each validator)."""
    quote = json.dumps  # a JSON string is a valid TOML basic string
    lines = [f"name = {quote(name)}", 'genesis = "genesis.json"']
    if validator_key:
        lines.append(f"validator_key = {quote(validator_key)}")
    lines += [
        f"database_url = {quote(database_url)}",
        f"listen = {quote(listen)}",
        f"metrics_listen = {quote(metrics_listen)}",
        "peers = [" + ", ".join(quote(peer) for peer in peers) + "]",
    ]
    if consensus:
        lines += ["", "[consensus]"] + [f"{key} = {value}" for key, value in consensus.items()]
    return "\n".join(lines) + "\n"
