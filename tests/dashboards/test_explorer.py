"""The explorer page against a running consortium (Streamlit AppTest), and its pure checks
against tampered answers (no browser)."""

from __future__ import annotations

import dataclasses

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from chains.apps.bundle import STEPS
from chains.consortium import FINANCE, TAX
from chains.core.errors import ErrorCode
from chains.runtime.client import NodeClient
from chains.runtime.genesis import read_genesis
from consortium.v1 import proofs_pb2
from dashboards import data
from dashboards.explorer_data import (
    STEP_CERTIFICATE,
    STEP_HEADER,
    STEP_INCLUSION,
    STEP_STATE_PROOF,
    STEP_TRANSACTION,
    STEP_TX_ROOT,
    STEP_VALIDATORS,
    fetch_state,
    fetch_transaction,
    verify_state_answer,
    verify_transaction_answer,
)
from tests.dashboards.conftest import APP_TIMEOUT_S, get_page

PAGE = get_page("explorer.py")
CERTIFIED_STEPS = [STEP_VALIDATORS, STEP_HEADER, STEP_CERTIFICATE]
BUNDLE_STEPS = list(STEPS)


def open_page(chain: str = TAX) -> AppTest:
    """The page, run, on ``chain``."""
    app = AppTest.from_file(PAGE, default_timeout=APP_TIMEOUT_S).run()
    if chain != TAX:
        app.selectbox(key="explorer_chain").set_value(chain).run()
    assert not app.exception, app.exception
    return app


def get_metrics(app: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in app.metric}


def get_steps(app: AppTest) -> list[tuple[str, bool]]:
    """The Verify steps shown: (name, passed), the passed ones first (each in page order)."""
    lines = [(e.value, True) for e in app.success] + [(e.value, False) for e in app.error]
    steps = [(text, ok) for text, ok in lines if text.startswith(("✓", "✗"))]
    return [(text.split("**")[1], ok) for text, ok in steps]


def press(app: AppTest, key: str) -> AppTest:
    app.button(key=key).click().run()
    assert not app.exception, app.exception
    return app


def get_decision_id(world) -> str:
    return str(world.outcome.decision.fields["decision_id"])


# --------------------------------------------------------------------------
# The page
# --------------------------------------------------------------------------


def test_recent_blocks_are_listed_and_the_latest_block_verifies(world) -> None:
    app = open_page()
    assert not app.error, [e.value for e in app.error]
    blocks = app.dataframe[0].value
    assert list(blocks.columns) == ["height", "time", "txs", "hash", "proposer"]
    heights = list(blocks["height"])
    assert 0 < len(heights) <= 20
    assert heights == list(range(heights[0], heights[0] - len(heights), -1))  # newest first
    validator_names = {
        v.name
        for v in read_genesis(world.consortium.get_chain(TAX).genesis_path).validators.validators
    }
    assert set(blocks["proposer"]) <= validator_names
    assert int(get_metrics(app)["block height"]) >= heights[0]

    press(app, "explorer_verify_block")
    assert get_steps(app) == [(name, True) for name in [*CERTIFIED_STEPS, STEP_TX_ROOT]]


def test_a_block_lists_its_transactions_with_their_results(world) -> None:
    app = open_page(FINANCE)
    answer = fetch_finance_transfer(world)
    app.number_input(key="explorer_block_height").set_value(answer.certified.height).run()
    assert not app.error, [e.value for e in app.error]
    txs = app.dataframe[1].value
    row = txs[txs["tx id"] == answer.tx_id.hex()].iloc[0]
    assert (row["type"], row["result"]) == ("relay.transfer", "OK")


def test_a_record_key_is_found_and_every_step_verifies(world) -> None:
    app = open_page(FINANCE)
    app.text_input(key="explorer_state_key").input(f"rec/decision/{get_decision_id(world)}").run()
    assert not app.error, [e.value for e in app.error]
    metrics = get_metrics(app)
    assert metrics["key"] == "found"
    assert int(metrics["proof size"].removesuffix(" B")) > 0
    decoded = app.json[-1].value
    assert f"decision/{get_decision_id(world)}" in decoded

    press(app, "explorer_verify_state")
    assert get_steps(app) == [(name, True) for name in [*CERTIFIED_STEPS, STEP_STATE_PROOF]]
    assert not app.error


def test_an_invoice_key_on_the_tax_chain_is_found_and_verifies(world) -> None:
    invoice = next(tx for tx in world.plan.txs if tx.creates == "invoice")
    app = open_page(TAX)
    app.text_input(key="explorer_state_key").input(f"rec/invoice/{invoice.record_id}").run()
    assert get_metrics(app)["key"] == "found"
    press(app, "explorer_verify_state")
    assert [ok for _, ok in get_steps(app)] == [True] * 4


def test_a_hex_key_reads_the_same_state(world) -> None:
    key = f"rec/decision/{get_decision_id(world)}".encode()
    app = open_page(FINANCE)
    app.toggle(key="explorer_state_hex").set_value(True)
    app.text_input(key="explorer_state_key").input(key.hex()).run()
    assert get_metrics(app)["key"] == "found"


def test_an_absent_key_is_proven_absent(world) -> None:
    app = open_page(FINANCE)
    app.text_input(key="explorer_state_key").input("rec/decision/no-such-decision").run()
    assert not app.error, [e.value for e in app.error]
    assert get_metrics(app)["key"] == "absent"

    press(app, "explorer_verify_state")
    assert get_steps(app) == [(name, True) for name in [*CERTIFIED_STEPS, STEP_STATE_PROOF]]
    assert "non-membership" in app.success[-1].value


def test_the_transfer_transaction_shows_its_type_result_and_verified_inclusion(world) -> None:
    tx_id = world.outcome.data_set.fields["transfer_tx"].hex()
    app = open_page(FINANCE)
    app.text_input(key="explorer_tx_id").input(tx_id).run()
    assert not app.error, [e.value for e in app.error]
    metrics = get_metrics(app)
    assert (metrics["type"], metrics["result"]) == ("relay.transfer", "OK")
    assert app.json, "the payload is decoded"

    press(app, "explorer_verify_tx")
    steps = [*CERTIFIED_STEPS, STEP_TRANSACTION, STEP_INCLUSION]
    assert get_steps(app) == [(name, True) for name in steps]


def test_a_record_by_kind_and_id_shows_its_fields_and_verifies(world) -> None:
    decision_id = get_decision_id(world)
    app = open_page(FINANCE)
    app.selectbox(key="explorer_record_kind").set_value("decision")
    app.text_input(key="explorer_record_id").input(decision_id).run()
    assert not app.error, [e.value for e in app.error]
    fields = app.dataframe[-1].value
    assert dict(zip(fields["field"], fields["value"], strict=True))["decision_id"] == decision_id

    press(app, "explorer_verify_record")
    assert get_steps(app) == [(name, True) for name in BUNDLE_STEPS]


def test_an_absent_record_is_said_absent(world) -> None:
    app = open_page(FINANCE)
    app.selectbox(key="explorer_record_kind").set_value("decision")
    app.text_input(key="explorer_record_id").input("no-such-decision").run()
    assert not app.exception and not app.error
    assert "proved it absent" in app.warning[-1].value


def set_block_height(app: AppTest) -> None:
    app.number_input(key="explorer_block_height").set_value(10**9)


def set_state_height(app: AppTest) -> None:
    app.text_input(key="explorer_state_key").input("rec/decision/any")
    app.number_input(key="explorer_state_height").set_value(10**9)


def set_hex_key(app: AppTest) -> None:
    app.toggle(key="explorer_state_hex").set_value(True)
    app.text_input(key="explorer_state_key").input("zz")


BAD_INPUTS = {
    "a block height not committed": (set_block_height, "NOT_FOUND"),
    "a state height not committed": (set_state_height, "NOT_FOUND"),
    "an unknown tx id": (
        lambda app: app.text_input(key="explorer_tx_id").input("00" * 32),
        "NOT_FOUND",
    ),
    "a tx id not hex": (
        lambda app: app.text_input(key="explorer_tx_id").input("not hex"),
        "MALFORMED_INPUT",
    ),
    "a tx id too short": (
        lambda app: app.text_input(key="explorer_tx_id").input("abcd"),
        "MALFORMED_INPUT",
    ),
    "a hex key not hex": (set_hex_key, "MALFORMED_INPUT"),
}


@pytest.mark.parametrize("case", BAD_INPUTS, ids=list(BAD_INPUTS))
def test_bad_input_shows_its_code_not_a_traceback(world, case) -> None:
    enter, code = BAD_INPUTS[case]
    app = open_page()
    enter(app)
    app.run()
    assert not app.exception, app.exception
    (error,) = app.error
    assert code in error.value


def test_a_node_that_does_not_answer_is_explained(world, monkeypatch) -> None:
    # No validator answers: every address the page may try is a closed port.
    def get_unreachable_client(consortium, name):
        return data._get_answering_client(["127.0.0.1:1"])

    monkeypatch.setattr(data, "get_chain_client", get_unreachable_client)
    st.cache_resource.clear()  # the page keeps clients and answers; read afresh
    st.cache_data.clear()
    app = AppTest.from_file(PAGE, default_timeout=APP_TIMEOUT_S).run()
    assert not app.exception, app.exception
    assert app.error
    for error in app.error:
        assert "UNAVAILABLE" in error.value and "consortium up" in error.value


def test_a_missing_consortium_is_explained(world, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("CONSORTIUM_DIR", str(tmp_path / "nowhere"))
    app = AppTest.from_file(PAGE, default_timeout=APP_TIMEOUT_S).run()
    assert not app.exception
    (error,) = app.error
    assert "INVALID_CONFIG" in error.value


# --------------------------------------------------------------------------
# The checks, against answers tampered with (pure, no browser)
# --------------------------------------------------------------------------


def fetch_finance_transfer(world):
    tx_id = world.outcome.data_set.fields["transfer_tx"]
    chain = world.consortium.get_chain(FINANCE)
    with NodeClient(chain.addresses[0]) as client:
        return fetch_transaction(client, chain.chain_id, tx_id)


def get_trusted(world, name: str = FINANCE):
    return read_genesis(world.consortium.get_chain(name).genesis_path).validators


def fetch_decision_head(world):
    chain = world.consortium.get_chain(FINANCE)
    key = f"rec/decision/{get_decision_id(world)}".encode()
    with NodeClient(chain.addresses[0]) as client:
        return fetch_state(client, chain.chain_id, key)


def get_failure(report) -> tuple[str, ErrorCode]:
    assert not report.ok
    failed = report.steps[-1]
    assert not failed.ok and all(step.ok for step in report.steps[:-1])
    return failed.name, failed.code


def flip_last_byte(data: bytes) -> bytes:
    return data[:-1] + bytes([data[-1] ^ 1])


def test_a_state_answer_with_another_value_fails_its_proof(world) -> None:
    answer = fetch_decision_head(world)
    assert verify_state_answer(answer, get_trusted(world)).ok
    forged = dataclasses.replace(answer, value=b"forged")
    assert get_failure(verify_state_answer(forged, get_trusted(world))) == (
        STEP_STATE_PROOF,
        ErrorCode.STATE_VALUE_MISMATCH,
    )
    hidden = dataclasses.replace(answer, value=None, found=False)
    assert get_failure(verify_state_answer(hidden, get_trusted(world))) == (
        STEP_STATE_PROOF,
        ErrorCode.STATE_KEY_PRESENT,
    )


def test_a_validator_set_other_than_genesis_is_not_trusted(world) -> None:
    answer = fetch_decision_head(world)
    # The tax chain's genesis set is a well-formed set, but not the finance chain's.
    assert get_failure(verify_state_answer(answer, get_trusted(world, TAX))) == (
        STEP_VALIDATORS,
        ErrorCode.UNTRUSTED_VALIDATOR_SET,
    )


def test_a_tampered_certificate_or_header_is_refused(world) -> None:
    answer = fetch_decision_head(world)
    certified = answer.certified
    bad_signature = dataclasses.replace(
        certified, certificate=flip_last_byte(certified.certificate)
    )
    name, code = get_failure(
        verify_state_answer(
            dataclasses.replace(answer, certified=bad_signature), get_trusted(world)
        )
    )
    assert name == STEP_CERTIFICATE
    assert code in {ErrorCode.BAD_SIGNATURE, ErrorCode.INVALID_SIGNATURE_ENCODING}
    other_height = dataclasses.replace(certified, height=certified.height + 1)
    name, code = get_failure(
        verify_state_answer(dataclasses.replace(answer, certified=other_height), get_trusted(world))
    )
    assert (name, code) == (STEP_VALIDATORS, ErrorCode.WRONG_HEIGHT)


def test_a_transaction_answer_with_a_bad_proof_or_other_bytes_is_refused(world) -> None:
    answer = fetch_finance_transfer(world)
    assert verify_transaction_answer(answer, get_trusted(world)).ok
    proof = proofs_pb2.MerkleInclusionProof.FromString(answer.proof)
    if proof.hashes:
        proof.hashes[0] = flip_last_byte(proof.hashes[0])
    else:
        proof.tree_size += 1
    forged = dataclasses.replace(answer, proof=proof.SerializeToString())
    name, code = get_failure(verify_transaction_answer(forged, get_trusted(world)))
    assert name == STEP_INCLUSION
    assert code in {ErrorCode.MERKLE_ROOT_MISMATCH, ErrorCode.MERKLE_TREE_SIZE}
    swapped = dataclasses.replace(answer, tx=flip_last_byte(answer.tx))
    assert get_failure(verify_transaction_answer(swapped, get_trusted(world))) == (
        STEP_TRANSACTION,
        ErrorCode.MALFORMED_INPUT,
    )
