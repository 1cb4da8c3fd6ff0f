"""The initial schema of a node's store.

Revision ID: 0001
Revises:
Create Date: 2026-11-27

Blocks with their certificates, transactions with their results, the state
tree (nodes, roots by version, the stale-node index), the consensus safety
data and write-ahead log, and small metadata entries. A migration never
imports the models: it must keep creating this exact schema when the models
have moved on.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create every table of the store."""
    op.create_table(
        "blocks",
        sa.Column("height", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("certificate", sa.LargeBinary(), nullable=False),
        sa.Column("committed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("height", name=op.f("pk_blocks")),
    )
    op.create_index(op.f("ix_blocks_hash"), "blocks", ["hash"], unique=True)
    op.create_table(
        "transactions",
        sa.Column("tx_id", sa.LargeBinary(), nullable=False),
        sa.Column("height", sa.BigInteger(), nullable=False),
        sa.Column("tx_index", sa.Integer(), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("code", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["height"], ["blocks.height"], name=op.f("fk_transactions_height_blocks")
        ),
        sa.PrimaryKeyConstraint("tx_id", name=op.f("pk_transactions")),
    )
    op.create_index(
        op.f("ix_transactions_height_tx_index"),
        "transactions",
        ["height", "tx_index"],
        unique=True,
    )
    op.create_table(
        "tree_nodes",
        sa.Column("node_key", sa.LargeBinary(), nullable=False),
        sa.Column("node", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("node_key", name=op.f("pk_tree_nodes")),
    )
    op.create_table(
        "tree_roots",
        sa.Column("version", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("root_key", sa.LargeBinary(), nullable=True),
        sa.Column("root_hash", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_tree_roots")),
    )
    op.create_table(
        "tree_stale",
        sa.Column("stale_since", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("node_key", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("stale_since", "node_key", name=op.f("pk_tree_stale")),
    )
    op.create_table(
        "safety",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety")),
    )
    op.create_table(
        "wal",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("height", sa.BigInteger(), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wal")),
    )
    op.create_index(op.f("ix_wal_height"), "wal", ["height"], unique=False)
    op.create_table(
        "meta",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_meta")),
    )


def downgrade() -> None:
    """Drop every table of the store (and with them all its data)."""
    op.drop_table("meta")
    op.drop_index(op.f("ix_wal_height"), table_name="wal")
    op.drop_table("wal")
    op.drop_table("safety")
    op.drop_table("tree_stale")
    op.drop_table("tree_roots")
    op.drop_table("tree_nodes")
    op.drop_index(op.f("ix_transactions_height_tx_index"), table_name="transactions")
    op.drop_table("transactions")
    op.drop_index(op.f("ix_blocks_hash"), table_name="blocks")
    op.drop_table("blocks")
