"""Explorer: one chain's blocks, transactions, state by key and records, each with a Verify
button that checks, in this session and trusting no node, the certificate against the
chain's genesis validator set and the proof against the certified header."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from chains.apps.bundle import BundleStep
from chains.core.consensus.validators import ValidatorSet
from chains.runtime.client import NodeClient, NodeError
from chains.runtime.genesis import read_genesis
from dashboards.common import DATA_TTL_S, attempt, get_dir, load_consortium, require_consortium
from dashboards.data import get_chain_client, get_recent_blocks, iter_chain_names
from dashboards.explorer_data import (
    RECORD_KINDS,
    BlockView,
    RecordView,
    StateAnswer,
    TxAnswer,
    describe_payload,
    describe_result,
    describe_state_value,
    fetch_block,
    fetch_record,
    fetch_state,
    fetch_transaction,
    format_field_value,
    format_time,
    get_validator_names,
    parse_state_key,
    parse_tx_id,
    verify_block_view,
    verify_record_view,
    verify_state_answer,
    verify_transaction_answer,
)

RECENT_BLOCKS = 20
HEX_PREFIX = 16
"""Hex digits shown of a hash or key in a table."""


# --------------------------------------------------------------------------
# Reading (cached)
# --------------------------------------------------------------------------


def _is_answering(client: NodeClient) -> bool:
    # A cached channel to a node that went down would fail forever: drop it, pick another.
    try:
        client.get_chain_info()
    except NodeError:
        client.close()
        return False
    return True


@st.cache_resource(validate=_is_answering, show_spinner=False)
def get_client(root: str, name: str) -> NodeClient:
    """A client of a node of chain ``name`` that answers (kept while it answers)."""
    return get_chain_client(load_consortium(root), name)


@st.cache_data(show_spinner=False)
def load_trusted(root: str, name: str) -> ValidatorSet:
    """The validator set of chain ``name``'s genesis file: what Verify trusts."""
    return read_genesis(load_consortium(root).get_chain(name).genesis_path).validators


@st.cache_data(ttl=DATA_TTL_S, show_spinner=False)
def load_recent_blocks(root: str, name: str, count: int):
    """The last ``count`` blocks of chain ``name``, newest first."""
    client = get_client(root, name)
    tip = client.get_chain_info().height
    return tuple(reversed(get_recent_blocks(client, tip, count))) if tip else ()


@st.cache_data(ttl=DATA_TTL_S, show_spinner=False)
def load_block(root: str, name: str, chain_id: str, height: int) -> BlockView:
    """Block ``height`` (0: the latest) of chain ``name``."""
    return fetch_block(get_client(root, name), chain_id, height)


@st.cache_data(ttl=DATA_TTL_S, show_spinner=False)
def load_transaction(root: str, name: str, chain_id: str, tx_id: bytes) -> TxAnswer:
    """Committed transaction ``tx_id`` of chain ``name``."""
    return fetch_transaction(get_client(root, name), chain_id, tx_id)


@st.cache_data(ttl=DATA_TTL_S, show_spinner=False)
def load_state(root: str, name: str, chain_id: str, key: bytes, height: int) -> StateAnswer:
    """The value under ``key`` at ``height`` (0: the latest) of chain ``name``."""
    return fetch_state(get_client(root, name), chain_id, key, height)


@st.cache_data(ttl=DATA_TTL_S, show_spinner=False)
def load_record(root: str, name: str, kind: str, record_id: str, height: int) -> RecordView | None:
    """Record ``kind``/``record_id`` at ``height`` (0: the latest) of chain ``name``."""
    return fetch_record(get_client(root, name), kind, record_id, height)


# --------------------------------------------------------------------------
# Showing
# --------------------------------------------------------------------------


def show_steps(steps: Sequence[BundleStep], ok: bool, chain_id: str) -> None:
    """Each checked step as a ✓ or ✗ line (with its code), then the outcome."""
    for step in steps:
        if step.ok:
            st.success(f"✓ **{step.name}**: {step.detail}")
        else:
            st.error(f"✗ **{step.name}**: `{step.code.name}`: {step.detail}")
    if ok:
        st.caption(
            f"Verified here, in this session, against the genesis validator set of {chain_id}: "
            "nothing the node said was taken on trust."
        )
    else:
        st.caption("NOT verified: do not rely on this answer.")


def height_input(label: str, key: str) -> int:
    """A height to read at; 0 means the latest."""
    return int(st.number_input(label, min_value=0, value=0, step=1, key=key, help="0: the latest"))


def show_blocks(root: str, name: str, names: dict[bytes, str]) -> None:
    """The recent blocks' table."""
    st.subheader("Recent blocks")
    blocks = attempt(lambda: load_recent_blocks(root, name, RECENT_BLOCKS))
    if blocks is None:
        return
    if not blocks:
        st.info("No block committed yet.")
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "height": b.height,
                    "time": format_time(b.time_unix_ms),
                    "txs": b.tx_count,
                    "hash": b.block_hash.hex()[:HEX_PREFIX],
                    "proposer": names.get(b.proposer, b.proposer.hex()[:HEX_PREFIX]),
                }
                for b in blocks
            ]
        ),
        hide_index=True,
        width="stretch",
    )


def show_block(
    root: str, name: str, chain_id: str, trusted: ValidatorSet, names: dict[bytes, str]
) -> None:
    """A block by height, its transactions, and its Verify button."""
    st.subheader("Block by height")
    height = height_input("height", "explorer_block_height")
    view = attempt(lambda: load_block(root, name, chain_id, height))
    if view is None:
        return
    left, middle, right = st.columns(3)
    left.metric("block height", view.certified.height)
    middle.metric("transactions", len(view.txs))
    right.metric("proposer", names.get(view.proposer, view.proposer.hex()[:HEX_PREFIX]))
    st.caption(
        f"{format_time(view.time_unix_ms)} · hash `{view.block_hash.hex()}` · "
        f"state root `{view.state_root.hex()}` · tx root `{view.tx_root.hex()}`"
    )
    if view.txs:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "#": row.index,
                        "type": row.tx_type,
                        "sender": row.sender.hex()[:HEX_PREFIX],
                        "tx id": row.tx_id.hex(),
                        "result": describe_result(row.code),
                    }
                    for row in view.txs
                ]
            ),
            hide_index=True,
            width="stretch",
        )
    if st.button("Verify this block", key="explorer_verify_block"):
        report = verify_block_view(view, trusted)
        show_steps(report.steps, report.ok, chain_id)


def show_transaction(root: str, name: str, chain_id: str, trusted: ValidatorSet) -> None:
    """A transaction by id: type, payload, result, inclusion proof, and its Verify button."""
    st.subheader("Transaction by id")
    text = st.text_input("transaction id (64 hex digits)", key="explorer_tx_id")
    if not text.strip():
        return
    tx_id = attempt(lambda: parse_tx_id(text))
    answer = attempt(lambda: load_transaction(root, name, chain_id, tx_id)) if tx_id else None
    if answer is None:
        return
    row = answer.row
    left, middle, right = st.columns(3)
    left.metric("type", row.tx_type if row else "(undecodable)")
    middle.metric("result", describe_result(answer.code))
    right.metric("in block", f"{answer.certified.height} #{answer.index}")
    if answer.message:
        st.caption(f"result message: {answer.message}")
    st.caption(
        "The result is as the node reports it: a header commits to its transactions, "
        "not to their results."
    )
    if row is not None:
        st.caption(f"sender `{row.sender.hex()}` · nonce {row.nonce} · {len(answer.tx)} B")
        payload = describe_payload(name, row.tx_type, row.payload)
        if payload is None:
            st.caption(f"payload: {len(row.payload)} B ({row.tx_type} is not decoded here)")
        else:
            st.json(payload, expanded=False)
    st.caption(f"inclusion proof: {answer.describe_proof()}")
    if st.button("Verify this transaction", key="explorer_verify_tx"):
        report = verify_transaction_answer(answer, trusted)
        show_steps(report.steps, report.ok, chain_id)


def show_state(root: str, name: str, chain_id: str, trusted: ValidatorSet) -> None:
    """A state key's value (or proven absence) at a height, and its Verify button."""
    st.subheader("State by key")
    key_column, hex_column, height_column = st.columns([4, 1, 1])
    text = key_column.text_input(
        "key", key="explorer_state_key", placeholder="rec/invoice/<number>, org/<organisation>"
    )
    with hex_column:
        is_hex = st.toggle("hex", key="explorer_state_hex")
    with height_column:
        height = height_input("at height", "explorer_state_height")
    if not text.strip():
        return
    key = attempt(lambda: parse_state_key(text, is_hex))
    answer = attempt(lambda: load_state(root, name, chain_id, key, height)) if key else None
    if answer is None:
        return
    left, middle, right = st.columns(3)
    left.metric("key", "found" if answer.found else "absent")
    middle.metric("at height", answer.certified.height)
    right.metric("proof size", f"{answer.proof_size} B")
    st.caption(
        f"{'membership' if answer.found else 'non-membership'} proof with "
        f"{answer.proof_siblings} sibling hashes"
    )
    if answer.value is not None:
        st.code(answer.value.hex(), language=None, wrap_lines=True)
        decoded = describe_state_value(answer.key, answer.value)
        if decoded is not None:
            st.json(decoded)
    if st.button("Verify this answer", key="explorer_verify_state"):
        report = verify_state_answer(answer, trusted)
        show_steps(report.steps, report.ok, chain_id)


def show_record(root: str, name: str, chain_id: str, trusted: ValidatorSet) -> None:
    """A record by kind and id with its fields, and its Verify button."""
    st.subheader("Record by kind and id")
    kind_column, id_column, height_column = st.columns([1, 4, 1])
    with kind_column:
        kind = st.selectbox("kind", RECORD_KINDS[name], key="explorer_record_kind")
    record_id = id_column.text_input("id", key="explorer_record_id")
    with height_column:
        height = height_input("at height", "explorer_record_height")
    if not record_id.strip():
        return
    # Wrapped in a tuple: None from attempt() is an error it showed, None inside is absence.
    result = attempt(lambda: (load_record(root, name, kind, record_id.strip(), height),))
    if result is None:
        return
    (view,) = result
    if view is None:
        st.warning(f"No {kind} {record_id.strip()!r} on {chain_id}: the node proved it absent.")
        return
    st.caption(f"{kind} {view.record_id} at height {view.height}")
    st.dataframe(
        pd.DataFrame(
            [{"field": k, "value": format_field_value(v)} for k, v in view.fields.items()]
        ),
        hide_index=True,
        width="stretch",
    )
    if st.button("Verify this record", key="explorer_verify_record"):
        report = verify_record_view(view, trusted, chain_id)
        show_steps(report.steps, report.ok, chain_id)


st.title("Explorer")
consortium = require_consortium()
root = str(get_dir())
chain_name = st.selectbox(
    "chain",
    list(iter_chain_names()),
    format_func=lambda n: consortium.get_chain(n).chain_id,
    key="explorer_chain",
)
chain_id = consortium.get_chain(chain_name).chain_id
trusted_set = attempt(lambda: load_trusted(root, chain_name))
if trusted_set is None:
    st.stop()
proposers = get_validator_names(trusted_set)
blocks_tab, tx_tab, state_tab, record_tab = st.tabs(["Blocks", "Transaction", "State", "Record"])
with blocks_tab:
    show_blocks(root, chain_name, proposers)
    show_block(root, chain_name, chain_id, trusted_set, proposers)
with tx_tab:
    show_transaction(root, chain_name, chain_id, trusted_set)
with state_tab:
    show_state(root, chain_name, chain_id, trusted_set)
with record_tab:
    show_record(root, chain_name, chain_id, trusted_set)
