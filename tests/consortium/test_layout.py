"""Creating a consortium directory: keys, the three chains' genesis, refusals (no processes)."""

from __future__ import annotations

import json
import stat

import pytest
from typer.testing import CliRunner

from chains.apps.fields import get_uscc_error
from chains.apps.membership import get_governing_set
from chains.cli import app
from chains.consortium import (
    CHAIN_IDS,
    CHAIN_NAMES,
    FINANCE,
    LARGE_ELECTRONICS,
    LARGE_MANUFACTURER,
    MEMBERS,
    compute_app_state,
    compute_organisation_code,
    compute_relay_section,
    compute_uscc,
    create_consortium,
    get_consortium_ports,
    get_consortium_status,
    get_validator_names,
    read_consortium,
)
from chains.core.errors import ConsortiumError, ErrorCode
from chains.finance.app import FINANCE_APPLICATION
from chains.industry.app import INDUSTRY_APPLICATION
from chains.runtime.genesis import read_genesis
from chains.runtime.keys import read_account_key
from chains.tax.app import TAX_APPLICATION
from tests.app_helpers import DictState

APPLICATIONS = {
    "tax": TAX_APPLICATION,
    "industry": INDUSTRY_APPLICATION,
    "finance": FINANCE_APPLICATION,
}


@pytest.fixture(scope="module")
def consortium(tmp_path_factory):
    return create_consortium(tmp_path_factory.mktemp("layout") / "c", base_port=31000)


def test_credit_codes_follow_gb_32100_and_gb_11714() -> None:
    # The worked example of GB 32100-2015: organisation code M000100Y4, credit code ...Y43.
    assert compute_organisation_code("M000100Y") == "M000100Y4"
    assert compute_uscc("M000100Y4", region="350100") == "91350100M000100Y43"
    for uscc in (LARGE_MANUFACTURER, LARGE_ELECTRONICS):
        assert get_uscc_error(uscc) == ""
        assert uscc.startswith("91440300")
    with pytest.raises(ConsortiumError) as caught:
        compute_uscc("M000100Y4O")  # too long, and O is not in the alphabet
    assert caught.value.code == ErrorCode.INVALID_FIELD_VALUE


def test_each_chain_is_governed_and_validated_by_its_four_organisations() -> None:
    assert get_validator_names("tax") == [
        "tax-bureau",
        "public-security",
        "customs",
        "pboc-shenzhen",
    ]
    assert get_validator_names("industry") == [
        "industry-association",
        "enterprise-federation",
        LARGE_MANUFACTURER,
        LARGE_ELECTRONICS,
    ]
    assert get_validator_names("finance") == [
        "bank-icbc-sz",
        "bank-ccb-sz",
        "bank-boc-sz",
        "bank-cmb-sz",
    ]


def test_the_layout_records_chains_nodes_and_keys(consortium) -> None:
    root = consortium.root
    document = json.loads((root / "consortium.json").read_text())
    assert set(document["chains"]) == set(CHAIN_NAMES)
    for index, chain in enumerate(consortium.chains):
        assert chain.chain_id == CHAIN_IDS[chain.name]
        assert [node.name for node in chain.nodes] == get_validator_names(chain.name)
        # With a base port, chain i's validator j listens on base + 10 i + j.
        assert chain.addresses == [f"127.0.0.1:{31000 + 10 * index + j}" for j in range(4)]
        recorded = document["chains"][chain.name]["nodes"]
        assert [item["address"] for item in recorded] == chain.addresses
    assert [item["id"] for item in document["organisations"]] == [m.id for m in MEMBERS]
    for item in document["organisations"]:
        path = root / item["key"]
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert read_account_key(path).public_key.hex() == item["public_key"]
    assert read_consortium(root) == consortium


def test_every_genesis_loads_in_its_application_with_one_key_per_organisation(
    consortium,
) -> None:
    keys = consortium.get_public_keys()
    sources = {}
    for chain in consortium.chains:
        genesis = read_genesis(chain.genesis_path)
        assert genesis.chain_id == chain.chain_id
        assert genesis.app == chain.name
        assert [v.name for v in genesis.validators.validators] == get_validator_names(chain.name)
        relay = compute_relay_section(sources) if chain.name == FINANCE else None
        assert genesis.app_state == compute_app_state(chain.name, keys, relay)
        sources[chain.name] = genesis
        state = DictState()
        state.apply(APPLICATIONS[chain.name].get_genesis_updates(genesis.app_state))
        assert get_governing_set(state) == sorted(get_validator_names(chain.name))
        for item in genesis.app_state["organisations"]:
            assert item["accounts"][0]["public_key"] == keys[item["id"]].hex()
    # The finance chain's light clients are anchored in the tax and industry genesis.
    clients = read_genesis(consortium.get_chain(FINANCE).genesis_path).app_state["relay"]
    anchored = {c["chain_id"]: c["genesis_hash"] for c in clients["light_clients"]}
    assert anchored == {
        genesis.chain_id: genesis.hash.hex()
        for name, genesis in sources.items()
        if name != FINANCE
    }
    # One organisation, one key, on every chain it belongs to.
    on_chains = [
        {
            o["id"]: o["accounts"][0]["public_key"]
            for o in read_genesis(c.genesis_path).app_state["organisations"]
        }
        for c in consortium.chains
    ]
    assert (
        on_chains[0]["audit-office"] == on_chains[1]["audit-office"] == on_chains[2]["audit-office"]
    )
    assert on_chains[0]["bank-cmb-sz"] == on_chains[2]["bank-cmb-sz"]
    assert LARGE_MANUFACTURER not in on_chains[0]  # the seed registers it on the tax chain


def test_a_directory_holding_a_consortium_is_refused_unless_reused(consortium) -> None:
    with pytest.raises(ConsortiumError) as caught:
        create_consortium(consortium.root)
    assert caught.value.code == ErrorCode.INVALID_CONFIG
    assert "already holds a consortium" in caught.value.message
    assert create_consortium(consortium.root, reuse=True) == consortium


def test_a_half_created_directory_is_refused(tmp_path) -> None:
    (tmp_path / "orgs").mkdir()
    with pytest.raises(ConsortiumError) as caught:
        create_consortium(tmp_path)
    assert caught.value.code == ErrorCode.INVALID_CONFIG
    assert "orgs" in caught.value.message


def test_a_directory_without_a_consortium_is_refused_plainly(tmp_path) -> None:
    with pytest.raises(ConsortiumError) as caught:
        read_consortium(tmp_path)
    assert caught.value.code == ErrorCode.INVALID_CONFIG
    (tmp_path / "consortium.json").write_text("{}")
    with pytest.raises(ConsortiumError) as caught:
        read_consortium(tmp_path)
    assert caught.value.code == ErrorCode.INVALID_CONFIG
    for command in (["status"], ["down"], ["seed"]):
        result = CliRunner().invoke(app, [*command, str(tmp_path / "nothing")])
        assert result.exit_code == 1, result.output
        assert "INVALID_CONFIG" in result.output


def test_status_of_a_stopped_consortium_shows_every_node_down(consortium) -> None:
    statuses = get_consortium_status(consortium.root)
    assert [s.chain_id for s in statuses] == ["tax-1", "industry-1", "finance-1"]
    for chain in statuses:
        assert chain.nodes_up == 0 and chain.height is None
        assert all(not node.running and node.pid is None for node in chain.nodes)


def test_seeding_a_stopped_consortium_says_to_start_it(consortium) -> None:
    result = CliRunner().invoke(app, ["seed", str(consortium.root), "--enterprises", "2"])
    assert result.exit_code == 1, result.output
    text = " ".join(result.output.split())  # the console wraps long lines
    assert "NOT_FOUND" in text and "is not running" in text and "consortium up" in text
    assert "tax-1: 0 of 4 validators up" in text
    assert not (consortium.root / "enterprises").exists()


def test_free_ports_are_picked_as_one_block_for_the_three_chains(tmp_path) -> None:
    consortium = create_consortium(tmp_path / "c")
    ports = [int(node.address.rsplit(":", 1)[1]) for c in consortium.chains for node in c.nodes]
    base = ports[0]
    assert ports == get_consortium_ports(base)[:12]
    metrics = [int(node.metrics.rsplit(":", 1)[1]) for c in consortium.chains for node in c.nodes]
    assert metrics == get_consortium_ports(base)[12:]
    assert len(set(ports + metrics)) == 24


@pytest.mark.parametrize("base_port", [-5, 65500])
def test_a_base_port_without_room_for_the_block_is_refused(tmp_path, base_port) -> None:
    with pytest.raises(ConsortiumError) as caught:
        create_consortium(tmp_path / "c", base_port=base_port)
    assert caught.value.code == ErrorCode.INVALID_CONFIG
    assert not (tmp_path / "c").exists()
