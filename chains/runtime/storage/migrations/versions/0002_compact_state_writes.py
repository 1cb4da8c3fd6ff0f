"""Cheaper state writes: blobs beside the tree, one stale-node row per version, no rowid.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27

* ``tree_stale`` (one row per stale node) becomes ``tree_stale_sets``: one row
  per version, its ``node_keys`` the version's stale node keys, each preceded
  by its length in one byte, in the order of the old primary key.
* ``blobs`` is new: the content-addressed values blocks store beside the
  state tree (record bodies), one row per key.
* On SQLite, ``tree_nodes`` is rebuilt ``WITHOUT ROWID``, so a node insert
  updates the primary key's b-tree only. PostgreSQL has no rowid: its
  ``tree_nodes`` stays as it is.

Every row is carried over, so a store written before this revision still
reads, proves and prunes the same. Like 0001, this file never imports the
models.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COPY_ROWS = 10_000


def _pack(keys: Sequence[bytes]) -> bytes:
    return b"".join(bytes((len(key),)) + key for key in keys)


def _unpack(packed: bytes) -> Iterator[bytes]:
    offset = 0
    while offset < len(packed):
        length = packed[offset]
        yield packed[offset + 1 : offset + 1 + length]
        offset += 1 + length


def _rebuild_tree_nodes(with_rowid: bool) -> None:
    # SQLite cannot change a table's rowid-ness in place: copy into a new table.
    suffix = "" if with_rowid else " WITHOUT ROWID"
    op.execute(
        "CREATE TABLE tree_nodes_rebuilt (node_key BLOB NOT NULL, node BLOB NOT NULL, "
        f"CONSTRAINT pk_tree_nodes PRIMARY KEY (node_key)){suffix}"
    )
    op.execute("INSERT INTO tree_nodes_rebuilt SELECT node_key, node FROM tree_nodes")
    op.execute("DROP TABLE tree_nodes")
    op.execute("ALTER TABLE tree_nodes_rebuilt RENAME TO tree_nodes")


def upgrade() -> None:
    """Add blobs; group the stale-node index by version; SQLite's tree_nodes without rowid."""
    op.create_table(
        "blobs",
        sa.Column("key", sa.LargeBinary(), nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_blobs")),
    )
    sets = op.create_table(
        "tree_stale_sets",
        sa.Column("stale_since", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("node_keys", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("stale_since", name=op.f("pk_tree_stale_sets")),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.text("SELECT stale_since, node_key FROM tree_stale ORDER BY stale_since, node_key")
    )
    current: int | None = None
    keys: list[bytes] = []
    batch: list[dict[str, object]] = []
    for stale_since, node_key in rows:
        if stale_since != current:
            if keys:
                batch.append({"stale_since": current, "node_keys": _pack(keys)})
            current, keys = stale_since, []
        keys.append(bytes(node_key))
        if len(batch) >= _COPY_ROWS:
            op.bulk_insert(sets, batch)
            batch = []
    if keys:
        batch.append({"stale_since": current, "node_keys": _pack(keys)})
    if batch:
        op.bulk_insert(sets, batch)
    op.drop_table("tree_stale")
    if connection.dialect.name == "sqlite":
        _rebuild_tree_nodes(with_rowid=False)


def downgrade() -> None:
    """Back to one stale-node row per node and SQLite's tree_nodes with a rowid; no blobs.

    Blobs are dropped: a store written with them cannot go back to 0001 and keep its
    records' fields (0001 kept them in the state tree under other keys).
    """
    op.drop_table("blobs")
    stale = op.create_table(
        "tree_stale",
        sa.Column("stale_since", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("node_key", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("stale_since", "node_key", name=op.f("pk_tree_stale")),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.text("SELECT stale_since, node_keys FROM tree_stale_sets ORDER BY stale_since")
    )
    batch: list[dict[str, object]] = []
    for stale_since, packed in rows:
        # A set never names a key twice; dict.fromkeys keeps the old primary key safe anyway.
        for key in dict.fromkeys(_unpack(bytes(packed))):
            batch.append({"stale_since": stale_since, "node_key": key})
        if len(batch) >= _COPY_ROWS:
            op.bulk_insert(stale, batch)
            batch = []
    if batch:
        op.bulk_insert(stale, batch)
    op.drop_table("tree_stale_sets")
    if connection.dialect.name == "sqlite":
        _rebuild_tree_nodes(with_rowid=True)
