"""The SQL schema of a node's store, as SQLAlchemy declarative models.

The schema itself is created and changed only by the Alembic migrations in
``migrations/versions``; these models are what the code reads and writes
through, and a test checks that the two agree (``compare_metadata``).
Heights and versions are BIGINT, hashes, keys and encodings are binary, and
node keys are :func:`~chains.core.state_tree.nodes.encode_node_key` bytes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Deterministic constraint and index names, identical on every database, so
# that migrations can name what they change.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite makes only an INTEGER PRIMARY KEY an auto-incrementing rowid.
AutoIncrementId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    """The declarative base of the store's tables."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Block(Base):
    """One committed block with its commit certificate."""

    __tablename__ = "blocks"

    height: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary, index=True, unique=True)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    certificate: Mapped[bytes] = mapped_column(LargeBinary)
    committed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    """When this node stored the block (its wall clock; the block's own time is in ``raw``)."""


class Transaction(Base):
    """One committed transaction and its result."""

    __tablename__ = "transactions"
    __table_args__ = (Index(None, "height", "tx_index", unique=True),)

    tx_id: Mapped[bytes] = mapped_column(LargeBinary, primary_key=True)
    height: Mapped[int] = mapped_column(BigInteger, ForeignKey("blocks.height"))
    tx_index: Mapped[int] = mapped_column(Integer)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    code: Mapped[int] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(Text)


class TreeNode(Base):
    """One state-tree node under its encoded node key (written once, deleted by pruning).

    On SQLite the table is ``WITHOUT ROWID``: the rows live in the primary key's
    b-tree, so a node insert updates one b-tree, not a table and an index.
    """

    __tablename__ = "tree_nodes"
    __table_args__ = {"sqlite_with_rowid": False}

    node_key: Mapped[bytes] = mapped_column(LargeBinary, primary_key=True)
    node: Mapped[bytes] = mapped_column(LargeBinary)


class TreeRoot(Base):
    """The root of one retained state version (root_key NULL for the empty tree)."""

    __tablename__ = "tree_roots"

    version: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root_key: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary)


class TreeStaleSet(Base):
    """The nodes that no version from ``stale_since`` on uses: pruning deletes them.

    One row per version, however many nodes it made stale: ``node_keys`` packs
    their encoded node keys, each preceded by its length in one byte (see
    ``pack_node_keys`` in ``sql.py``). A block replaces thousands of nodes, and
    one row costs far less to write than thousands.
    """

    __tablename__ = "tree_stale_sets"

    stale_since: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    node_keys: Mapped[bytes] = mapped_column(LargeBinary)


class Blob(Base):
    """A value a block stored beside the state tree under a key that commits to it."""

    __tablename__ = "blobs"

    key: Mapped[bytes] = mapped_column(LargeBinary, primary_key=True)
    value: Mapped[bytes] = mapped_column(LargeBinary)


class Safety(Base):
    """The consensus safety data: a single row with id 1."""

    __tablename__ = "safety"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    raw: Mapped[bytes] = mapped_column(LargeBinary)


class Wal(Base):
    """One entry of the consensus write-ahead log, in insertion order by id."""

    __tablename__ = "wal"

    id: Mapped[int] = mapped_column(AutoIncrementId, primary_key=True, autoincrement=True)
    height: Mapped[int] = mapped_column(BigInteger, index=True)
    raw: Mapped[bytes] = mapped_column(LargeBinary)


class Meta(Base):
    """A small named entry of the node or its application (e.g. ``valset/12``)."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(Text, primary_key=True)
    value: Mapped[bytes] = mapped_column(LargeBinary)
