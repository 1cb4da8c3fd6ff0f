"""The durable storage of a chain node: one interface, in memory, SQLite and PostgreSQL.

Open a store by URL with :func:`open_store`; see :mod:`.base` for the
interface and what is written atomically, :mod:`.sql` for the SQL backends,
and ``docs/postgresql.md`` for running a node on PostgreSQL.
"""

from chains.runtime.storage.base import (
    MEMORY_URL,
    ChainStore,
    CommitRecord,
    StoredTx,
    WalEntry,
    get_redacted_url,
    get_sqlite_url,
    open_store,
    verify_commit_record,
)
from chains.runtime.storage.memory import InMemoryChainStore
from chains.runtime.storage.safety_store import ChainSafetyStore
from chains.runtime.storage.sql import SqlChainStore

__all__ = [
    "MEMORY_URL",
    "ChainSafetyStore",
    "ChainStore",
    "CommitRecord",
    "InMemoryChainStore",
    "SqlChainStore",
    "StoredTx",
    "WalEntry",
    "get_redacted_url",
    "get_sqlite_url",
    "open_store",
    "verify_commit_record",
]
