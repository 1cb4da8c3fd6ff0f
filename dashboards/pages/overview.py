"""Consortium overview: the three chains side by side, the light clients and the relay."""

from __future__ import annotations

import datetime

import altair as alt
import pandas as pd
import streamlit as st

from dashboards.common import DATA_TTL_S, attempt, get_dir, require_consortium
from dashboards.data import (
    get_chain_overview,
    get_light_clients,
    get_relay_status,
    iter_chain_names,
)

REFRESH_S = 3


@st.cache_data(ttl=DATA_TTL_S, show_spinner=False)
def load_chain(root: str, name: str):
    """One chain's overview (cached briefly)."""
    from dashboards.common import load_consortium

    return get_chain_overview(load_consortium(root), name)


@st.cache_data(ttl=DATA_TTL_S, show_spinner=False)
def load_clients(root: str):
    """The finance chain's light clients (cached briefly)."""
    from dashboards.common import load_consortium

    return get_light_clients(load_consortium(root))


def _time(ms: int) -> str:
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.UTC).strftime("%H:%M:%S UTC")


def block_time_chart(overview) -> alt.Chart | None:
    """Seconds between consecutive recent blocks, by height (None with fewer than 2)."""
    blocks = overview.blocks
    if len(blocks) < 2:
        return None
    rows = [
        {"height": b.height, "seconds": (b.time_unix_ms - a.time_unix_ms) / 1000, "txs": b.tx_count}
        for a, b in zip(blocks, blocks[1:], strict=False)
    ]
    return (
        alt.Chart(pd.DataFrame(rows))
        .mark_bar()
        .encode(
            x=alt.X("height:O", title="height"),
            y=alt.Y("seconds:Q", title="block time (s)"),
            tooltip=["height", "seconds", "txs"],
        )
        .properties(height=160)
    )


def show_chain(root: str, name: str) -> None:
    """One chain's column."""
    overview = attempt(lambda: load_chain(root, name))
    if overview is None:
        return
    st.subheader(overview.chain_id)
    left, right = st.columns(2)
    left.metric("height", overview.height)
    right.metric("committed tx/s", f"{overview.tx_per_s:.1f}")
    if overview.blocks:
        st.caption(f"last block at {_time(overview.blocks[-1].time_unix_ms)}")
    chart = block_time_chart(overview)
    if chart is not None:
        st.altair_chart(chart, width="stretch")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "validator": v.name,
                    "voting power": v.power,
                    "status": "up" if v.up else "down",
                    "height": v.height if v.height is not None else "-",
                }
                for v in overview.validators
            ]
        ),
        hide_index=True,
        width="stretch",
    )


@st.fragment(run_every=REFRESH_S)
def live_tiles(root: str) -> None:
    """The tiles that refresh themselves."""
    columns = st.columns(3)
    for column, name in zip(columns, iter_chain_names(), strict=True):
        with column:
            show_chain(root, name)
    st.divider()
    clients_column, relay_column = st.columns(2)
    with clients_column:
        st.subheader("Light clients on finance-1")
        clients = attempt(lambda: load_clients(root))
        if clients is not None:
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            "source chain": c.chain_id,
                            "trusted height": c.height,
                            "header time": _time(c.header_time_unix_ms),
                            "status": c.status,
                        }
                        for c in clients
                    ]
                ),
                hide_index=True,
                width="stretch",
            )
    with relay_column:
        st.subheader("Relay")
        relay = attempt(lambda: get_relay_status(require_consortium()))
        if relay is not None:
            left, right = st.columns(2)
            left.metric("relayer", "running" if relay.running else "stopped")
            right.metric("backlog", relay.backlog)
            count = len(relay.state.packets)
            st.caption(f"{count} consent{'' if count == 1 else 's'} carried or pending")


st.title("Consortium overview")
consortium = require_consortium()
live_tiles(str(get_dir()))
