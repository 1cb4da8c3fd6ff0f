"""The consortium on one machine: the tax, industry and finance chains, four validators each.

``create_consortium`` writes a consortium directory::

    ROOT/consortium.json        chains, node addresses, organisations and their key files
    ROOT/orgs/<org id>.json     one Ed25519 account key per organisation (mode 0600), the same
                                key on every chain the organisation belongs to
    ROOT/tax/                   a local network (chains.runtime.launcher) of chain tax-1
    ROOT/industry/              ... of industry-1
    ROOT/finance/               ... of finance-1
    ROOT/enterprises/<uscc>.json  enterprise keys, written by ``consortium seed``

Each chain's validators are its four governing organisations (the validator
homes are named after them). ``start_consortium`` starts the twelve
processes, ``stop_consortium`` stops them and ``get_consortium_status``
asks each node where it is.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from chains.apps.fields import USCC_ALPHABET, compute_uscc_check_character
from chains.core.consensus.validators import compute_validators_hash
from chains.core.errors import ConsortiumError, ErrorCode
from chains.finance.relay_rules import DEFAULT_MAX_CLOCK_DRIFT_MS, DEFAULT_TRUSTING_PERIOD_MS
from chains.runtime.client import NodeClient, NodeError
from chains.runtime.genesis import Genesis, read_genesis
from chains.runtime.keys import (
    AccountKey,
    generate_account_key,
    read_account_key,
    write_account_key,
)
from chains.runtime.launcher import (
    NetNode,
    create_network,
    get_free_ports,
    is_process_alive,
    read_network,
    start_network,
    stop_network,
)

LAYOUT_FILE = "consortium.json"
LAYOUT_FORMAT = "consortium/layout/v1"
ORGS_DIR = "orgs"
ENTERPRISES_DIR = "enterprises"
VALIDATORS_PER_CHAIN = 4
CHAIN_PORT_STRIDE = 10
"""With a base port, chain i's validator j listens on base + 10 * i + j (metrics: + 100)."""

TAX, INDUSTRY, FINANCE = "tax", "industry", "finance"
CHAIN_NAMES = (TAX, INDUSTRY, FINANCE)
CHAIN_IDS = {TAX: "tax-1", INDUSTRY: "industry-1", FINANCE: "finance-1"}
TAX_CHAIN_CONSENSUS = {"min_block_interval_ms": 300}
"""The tax chain's block pacing. It carries a steady stream of e-invoices (Shenzhen issued
33 million in 2020, with bursts far above the average), so its proposers wait 300 ms
after a commit, executing the arriving invoices meanwhile: blocks of hundreds of
invoices share one round of votes, and a lone invoice still commits within half a
second. The other chains keep the node default (100 ms)."""
CHAIN_CONSENSUS: dict[str, Mapping[str, int]] = {TAX: TAX_CHAIN_CONSENSUS}

SHENZHEN_REGION_CODE = "440300"
"""Administrative division code of Shenzhen, in the credit codes of enterprises registered there."""


def compute_organisation_code(first8: str) -> str:
    """A 9-character organisation code (GB 11714-1997): ``first8`` and its check character.

    It is characters 9 to 17 of a unified social credit code.
    """
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(char, 36) * weight for char, weight in zip(first8, weights, strict=True))
    check = 11 - total % 11
    return first8 + ("X" if check == 10 else "0" if check == 11 else str(check))


def compute_uscc(organisation_code: str, region: str = SHENZHEN_REGION_CODE) -> str:
    """The unified social credit code of an enterprise (91: a company registered with the
    market regulator) in ``region``, with its GB 32100-2015 check character."""
    first17 = "91" + region + organisation_code
    if len(first17) != 17 or any(char not in USCC_ALPHABET for char in first17):
        raise ConsortiumError(
            ErrorCode.INVALID_FIELD_VALUE,
            f"{first17!r} is not 17 characters of the credit-code alphabet",
        )
    return first17 + compute_uscc_check_character(first17)


@dataclass(frozen=True, slots=True)
class Member:
    """An organisation of the consortium and the chains it belongs to."""

    id: str
    name: str
    role: str
    chains: tuple[tuple[str, bool], ...]
    """(chain name, governing) for every chain the organisation is a genesis member of."""
    industry: str = ""
    region: str = ""

    def is_on(self, chain: str) -> bool:
        """True when the organisation is a genesis member of ``chain``."""
        return any(name == chain for name, _ in self.chains)

    def is_governing(self, chain: str) -> bool:
        """True when the organisation governs (and validates) ``chain``."""
        return any(name == chain and governing for name, governing in self.chains)


BANKS = ("bank-icbc-sz", "bank-ccb-sz", "bank-boc-sz", "bank-cmb-sz")
LARGE_MANUFACTURER = compute_uscc(compute_organisation_code("27935164"))
LARGE_ELECTRONICS = compute_uscc(compute_organisation_code("19224871"))

MEMBERS: tuple[Member, ...] = (
    Member(
        "tax-bureau",
        "Shenzhen Municipal Tax Service, State Taxation Administration",
        "tax_bureau",
        ((TAX, True),),
    ),
    Member(
        "public-security",
        "Shenzhen Municipal Public Security Bureau",
        "public_security",
        ((TAX, True),),
    ),
    Member("customs", "Shenzhen Customs District", "customs", ((TAX, True),)),
    Member(
        "pboc-shenzhen",
        "People's Bank of China, Shenzhen Branch",
        "central_bank",
        ((TAX, True), (FINANCE, False)),
    ),
    Member(
        "industry-association",
        "Shenzhen Industry Association",
        "industry_association",
        ((INDUSTRY, True),),
    ),
    Member(
        "enterprise-federation",
        "Shenzhen Enterprise Confederation",
        "enterprise_federation",
        ((INDUSTRY, True),),
    ),
    Member(
        LARGE_MANUFACTURER,
        "Shenzhen Pengcheng Heavy Industry Manufacturing Co., Ltd.",
        "enterprise",
        ((INDUSTRY, True),),
        industry="manufacturing",
        region="Bao'an",
    ),
    Member(
        LARGE_ELECTRONICS,
        "Shenzhen Huadian Electronics Technology Co., Ltd.",
        "enterprise",
        ((INDUSTRY, True),),
        industry="electronics",
        region="Longgang",
    ),
    Member(
        "bank-icbc-sz",
        "Industrial and Commercial Bank of China, Shenzhen Branch",
        "bank",
        ((TAX, False), (FINANCE, True)),
    ),
    Member(
        "bank-ccb-sz",
        "China Construction Bank, Shenzhen Branch",
        "bank",
        ((TAX, False), (FINANCE, True)),
    ),
    Member(
        "bank-boc-sz",
        "Bank of China, Shenzhen Branch",
        "bank",
        ((TAX, False), (FINANCE, True)),
    ),
    Member(
        "bank-cmb-sz",
        "China Merchants Bank, Shenzhen Branch",
        "bank",
        ((TAX, False), (FINANCE, True)),
    ),
    Member(
        "consortium-relay",
        "Shenzhen Consortium Relay Service",
        "relay",
        ((FINANCE, False),),
    ),
    Member(
        "audit-office",
        "Shenzhen Municipal Audit Bureau",
        "auditor",
        ((TAX, False), (INDUSTRY, False), (FINANCE, False)),
    ),
)
"""The consortium's genesis members (docs/consortium.md); enterprises join by registration."""


def get_member(member_id: str) -> Member:
    """The genesis member ``member_id``; raises ConsortiumError(MEMBER_NOT_FOUND)."""
    for member in MEMBERS:
        if member.id == member_id:
            return member
    raise ConsortiumError(ErrorCode.MEMBER_NOT_FOUND, f"{member_id!r} is no consortium member")


def get_validator_names(chain: str) -> list[str]:
    """The ids of ``chain``'s governing organisations, which run its validators, in order."""
    return [member.id for member in MEMBERS if member.is_governing(chain)]


def compute_relay_section(
    sources: Mapping[str, Genesis],
    trusting_period_ms: int = DEFAULT_TRUSTING_PERIOD_MS,
    max_clock_drift_ms: int = DEFAULT_MAX_CLOCK_DRIFT_MS,
) -> dict[str, object]:
    """The finance genesis's ``relay`` section: a light client of each source chain
    (by chain name), anchored in its genesis file and validator set; the tax chain
    proves identities."""
    return {
        "identity_chain": CHAIN_IDS[TAX],
        "light_clients": [
            {
                "chain_id": genesis.chain_id,
                "genesis_hash": genesis.hash.hex(),
                "genesis_time_unix_ms": genesis.genesis_time_unix_ms,
                "validators_hash": compute_validators_hash(genesis.validators).hex(),
                "trusting_period_ms": trusting_period_ms,
                "max_clock_drift_ms": max_clock_drift_ms,
            }
            for genesis in sources.values()
        ],
    }


def compute_app_state(
    chain: str, public_keys: Mapping[str, bytes], relay: Mapping[str, object] | None = None
) -> dict[str, object]:
    """The genesis ``app_state`` of ``chain``: its members, each with its one account key,
    and for the finance chain, the ``relay`` section (:func:`compute_relay_section`)."""
    organisations = []
    for member in MEMBERS:
        if not member.is_on(chain):
            continue
        item: dict[str, object] = {
            "id": member.id,
            "name": member.name,
            "role": member.role,
            "governing": member.is_governing(chain),
        }
        if member.industry:
            item["industry"] = member.industry
        if member.region:
            item["region"] = member.region
        item["accounts"] = [{"name": "primary", "public_key": public_keys[member.id].hex()}]
        organisations.append(item)
    if chain == FINANCE:
        return {"organisations": organisations, "relay": dict(relay or {})}
    return {"organisations": organisations}


# ------------------------------------------------------------------ layout


def get_consortium_ports(base_port: int) -> list[int]:
    """Every port a consortium at ``base_port`` listens on (gRPC, then metrics)."""
    return [
        base_port + offset + CHAIN_PORT_STRIDE * chain + validator
        for offset in (0, 100)
        for chain in range(len(CHAIN_NAMES))
        for validator in range(VALIDATORS_PER_CHAIN)
    ]


def _are_free(ports: list[int]) -> bool:
    sockets = []
    try:
        for port in ports:
            sock = socket.socket()
            sockets.append(sock)
            sock.bind(("127.0.0.1", port))
    except OSError:
        return False
    finally:
        for sock in sockets:
            sock.close()
    return True


def find_free_base_port(attempts: int = 50) -> int:
    """A base port whose whole block (24 ports) is free right now.

    One block for the three chains: ports picked chain by chain could collide.
    """
    for _ in range(attempts):
        (port,) = get_free_ports(1)
        base = port - port % CHAIN_PORT_STRIDE
        ports = get_consortium_ports(base)
        if base >= 1024 and max(ports) <= 65535 and _are_free(ports):
            return base
    raise ConsortiumError(
        ErrorCode.INVALID_CONFIG, "found no free block of 24 ports on loopback; pass --base-port"
    )


@dataclass(frozen=True, slots=True)
class ChainLayout:
    """One chain of a consortium directory: its id, network directory and validators."""

    name: str
    chain_id: str
    directory: Path
    nodes: tuple[NetNode, ...]

    @property
    def addresses(self) -> list[str]:
        """The gRPC addresses of the chain's validators."""
        return [node.address for node in self.nodes]

    @property
    def genesis_path(self) -> Path:
        """The chain's genesis file (its validator set is the trust anchor of bundles)."""
        return self.directory / "genesis.json"


@dataclass(frozen=True, slots=True)
class Consortium:
    """A consortium directory as ``consortium.json`` describes it."""

    root: Path
    chains: tuple[ChainLayout, ...]
    key_paths: Mapping[str, Path]
    """Organisation id -> its account key file."""

    def get_chain(self, name: str) -> ChainLayout:
        """The chain called ``name`` (tax, industry or finance)."""
        for chain in self.chains:
            if chain.name == name:
                return chain
        raise ConsortiumError(
            ErrorCode.NOT_FOUND, f"no chain {name!r}; use one of {', '.join(CHAIN_NAMES)}"
        )

    def read_key(self, organisation_id: str) -> AccountKey:
        """The account key of a genesis organisation (or of an enterprise seeded here)."""
        path = self.key_paths.get(organisation_id)
        if path is None:
            path = self.root / ENTERPRISES_DIR / f"{organisation_id}.json"
            if not path.exists():
                raise ConsortiumError(
                    ErrorCode.MEMBER_NOT_FOUND,
                    f"no key of {organisation_id!r} in {self.root}; "
                    "enterprises get keys from `consortium seed`",
                )
        return read_account_key(path)

    def get_public_keys(self) -> dict[str, bytes]:
        """Organisation id -> public key of every genesis organisation."""
        return {org_id: self.read_key(org_id).public_key for org_id in self.key_paths}


def is_consortium(root: Path) -> bool:
    """True when ``root`` holds a consortium (its ``consortium.json``)."""
    return (Path(root) / LAYOUT_FILE).exists()


def read_consortium(root: Path) -> Consortium:
    """The consortium in ``root``; raises ConsortiumError(INVALID_CONFIG) when there is none."""
    root = Path(root)
    path = root / LAYOUT_FILE
    try:
        document = json.loads(path.read_text())
    except OSError:
        raise ConsortiumError(
            ErrorCode.INVALID_CONFIG,
            f"no consortium at {root}; create one with `consortium up {root}`",
        ) from None
    except ValueError as error:
        raise ConsortiumError(ErrorCode.INVALID_CONFIG, f"{path}: not JSON: {error}") from None
    if not isinstance(document, dict) or document.get("format") != LAYOUT_FORMAT:
        raise ConsortiumError(ErrorCode.INVALID_CONFIG, f"{path} is not a {LAYOUT_FORMAT} file")
    try:
        chains = []
        for name in CHAIN_NAMES:
            item = document["chains"][name]
            directory = root / item["directory"]
            chain_id, nodes, _ = read_network(directory)
            chains.append(ChainLayout(name, chain_id, directory, tuple(nodes)))
        key_paths = {item["id"]: root / item["key"] for item in document["organisations"]}
    except (KeyError, TypeError) as error:
        raise ConsortiumError(
            ErrorCode.INVALID_CONFIG, f"{path} lacks {error}; recreate the consortium"
        ) from None
    return Consortium(root, tuple(chains), key_paths)


def _write_layout(root: Path, consortium: Consortium, public_keys: Mapping[str, bytes]) -> None:
    document = {
        "format": LAYOUT_FORMAT,
        "chains": {
            chain.name: {
                "chain_id": chain.chain_id,
                "directory": chain.directory.name,
                "genesis": str(chain.genesis_path.relative_to(root)),
                "nodes": [
                    {"name": node.name, "address": node.address, "metrics": node.metrics}
                    for node in chain.nodes
                ],
            }
            for chain in consortium.chains
        },
        "organisations": [
            {
                "id": member.id,
                "name": member.name,
                "role": member.role,
                "chains": {chain: governing for chain, governing in member.chains},
                "key": str(consortium.key_paths[member.id].relative_to(root)),
                "public_key": public_keys[member.id].hex(),
            }
            for member in MEMBERS
        ],
    }
    tmp = root / (LAYOUT_FILE + ".tmp")
    tmp.write_text(json.dumps(document, indent=2) + "\n")
    os.replace(tmp, root / LAYOUT_FILE)


def create_consortium(
    root: Path,
    base_port: int = 0,
    consensus: Mapping[str, int] | None = None,
    reuse: bool = False,
    on_progress: Callable[[str], None] = lambda step: None,
) -> Consortium:
    """Write organisation keys and the three chains' networks into ``root``.

    Chain i's validator j listens on ``base_port + 10 * i + j`` (metrics: 100
    above); ``base_port`` 0 picks a block of ports that is free now.
    ``consensus`` overrides the nodes' consensus settings (milliseconds, see
    chains.runtime.config) on every chain, over each chain's own
    (:data:`CHAIN_CONSENSUS`). A directory that already holds a consortium is
    refused (INVALID_CONFIG) unless ``reuse``, which returns the existing one
    unchanged.
    """
    root = Path(root)
    if base_port and not 0 < base_port <= 65535 - max(get_consortium_ports(0)):
        raise ConsortiumError(
            ErrorCode.INVALID_CONFIG,
            f"base port {base_port}: the consortium listens on it and up to "
            f"{max(get_consortium_ports(0))} ports above it; pick 1 to "
            f"{65535 - max(get_consortium_ports(0))}, or 0 for free ports",
        )
    if is_consortium(root):
        if reuse:
            return read_consortium(root)
        raise ConsortiumError(
            ErrorCode.INVALID_CONFIG,
            f"{root} already holds a consortium; start it with `consortium up {root}` "
            "or choose a new directory",
        )
    leftovers = [name for name in (ORGS_DIR, *CHAIN_NAMES) if (root / name).exists()]
    if leftovers:
        raise ConsortiumError(
            ErrorCode.INVALID_CONFIG,
            f"{root} holds {', '.join(leftovers)} but no {LAYOUT_FILE} (an interrupted "
            "creation?); remove it or choose a new directory",
        )
    root.mkdir(parents=True, exist_ok=True)
    key_paths: dict[str, Path] = {}
    public_keys: dict[str, bytes] = {}
    for member in MEMBERS:
        key = generate_account_key(member.id)
        path = root / ORGS_DIR / f"{member.id}.json"
        write_account_key(path, key)
        key_paths[member.id] = path
        public_keys[member.id] = key.public_key
        on_progress(f"account key of {member.id}")
    base_port = base_port or find_free_base_port()
    chains: list[ChainLayout] = []
    for index, name in enumerate(CHAIN_NAMES):
        # The finance chain comes last: its genesis anchors light clients in the others'.
        sources = {chain.name: read_genesis(chain.genesis_path) for chain in chains}
        relay = compute_relay_section(sources) if name == FINANCE else None
        nodes = create_network(
            root / name,
            VALIDATORS_PER_CHAIN,
            CHAIN_IDS[name],
            accounts=0,
            base_port=base_port + CHAIN_PORT_STRIDE * index,
            consensus={**CHAIN_CONSENSUS.get(name, {}), **(consensus or {})} or None,
            on_progress=on_progress,
            app=name,
            app_state=compute_app_state(name, public_keys, relay),
            validator_names=get_validator_names(name),
        )
        chains.append(ChainLayout(name, CHAIN_IDS[name], root / name, tuple(nodes)))
    consortium = Consortium(root, tuple(chains), key_paths)
    _write_layout(root, consortium, public_keys)
    return consortium


def get_creation_steps() -> int:
    """How many progress steps :func:`create_consortium` reports (for a progress bar)."""
    return len(MEMBERS) + len(CHAIN_NAMES) * 2 * VALIDATORS_PER_CHAIN


# ------------------------------------------------------------- processes


def start_consortium(
    root: Path,
    on_progress: Callable[[str], None] = lambda step: None,
    with_relayer: bool = True,
) -> Consortium:
    """Start every validator of the three chains that is not running; wait until all serve;
    then the relayer (:mod:`relay.daemon`) unless ``with_relayer`` is False.

    The chains start side by side; ``on_progress`` hears of each node that serves.
    """
    consortium = read_consortium(root)
    with ThreadPoolExecutor(len(consortium.chains)) as pool:
        futures = [
            pool.submit(
                start_network,
                chain.directory,
                lambda step, name=chain.name: on_progress(f"{name}: {step}"),
            )
            for chain in consortium.chains
        ]
        for future in futures:
            future.result()
    if with_relayer:
        from relay.daemon import start_relayer_process  # relay.daemon reads consortia

        start_relayer_process(root)
    return consortium


def stop_consortium(root: Path, remove: bool = False) -> int:
    """Stop the relayer and every running validator of the consortium; returns how many
    validators were stopped.

    ``remove`` also deletes the consortium directory (keys, chains, data).
    """
    consortium = read_consortium(root)
    from relay.daemon import stop_relayer  # relay.daemon reads consortia

    stop_relayer(root)
    # Signal all twelve first, so that they shut down side by side, then wait for each.
    running = [
        pid
        for chain in consortium.chains
        for pid in read_network(chain.directory)[2].values()
        if is_process_alive(pid)
    ]
    for pid in running:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    with ThreadPoolExecutor(len(consortium.chains)) as pool:
        list(pool.map(lambda chain: stop_network(chain.directory), consortium.chains))
    if remove:
        shutil.rmtree(consortium.root)
    return len(running)


@dataclass(frozen=True, slots=True)
class NodeStatus:
    """One validator: its process and, when it answers, its height."""

    name: str
    address: str
    pid: int | None
    running: bool
    height: int | None
    """None when the node does not answer."""

    @property
    def is_up(self) -> bool:
        """True when the node answered."""
        return self.height is not None


@dataclass(frozen=True, slots=True)
class ChainStatus:
    """One chain: its validators' status."""

    name: str
    chain_id: str
    nodes: tuple[NodeStatus, ...]

    @property
    def height(self) -> int | None:
        """The highest height any validator reports (None when none answers)."""
        heights = [node.height for node in self.nodes if node.height is not None]
        return max(heights) if heights else None

    @property
    def nodes_up(self) -> int:
        """How many validators answer."""
        return sum(node.is_up for node in self.nodes)


def get_node_height(address: str, timeout_s: float = 2.0) -> int | None:
    """The last committed height of the node at ``address``, or None when it does not answer."""
    try:
        with NodeClient(address, timeout_s=timeout_s) as client:
            return client.get_chain_info().height
    except NodeError:
        return None


def get_consortium_status(root: Path) -> list[ChainStatus]:
    """Per chain: every validator's process and height."""
    consortium = read_consortium(root)
    result = []
    for chain in consortium.chains:
        _, nodes, pids = read_network(chain.directory)
        result.append(
            ChainStatus(
                chain.name,
                chain.chain_id,
                tuple(
                    NodeStatus(
                        node.name,
                        node.address,
                        pids.get(node.name),
                        is_process_alive(pids.get(node.name)),
                        get_node_height(node.address),
                    )
                    for node in nodes
                ),
            )
        )
    return result


def require_running(root: Path) -> Consortium:
    """The consortium in ``root`` when each chain has a quorum of validators up (3 of 4).

    Raises ConsortiumError(NOT_FOUND) naming the chains that are down.
    """
    consortium = read_consortium(root)
    down = [
        f"{chain.chain_id}: {chain.nodes_up} of {len(chain.nodes)} validators up"
        for chain in get_consortium_status(root)
        if 3 * chain.nodes_up <= 2 * len(chain.nodes)
    ]
    if down:
        raise ConsortiumError(
            ErrorCode.NOT_FOUND,
            f"the consortium at {root} is not running ({'; '.join(down)}); "
            f"start it with `consortium up {root}`",
        )
    return consortium
