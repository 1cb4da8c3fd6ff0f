"""Alembic environment of the node's store: migrations run on a connection the store passes in.

There is no ``alembic.ini``: :func:`chains.runtime.storage.sql.upgrade_schema`
builds the configuration in code and hands over an open connection in
``config.attributes["connection"]``, so the migration runs inside the store's
own transaction (SQLite and PostgreSQL both have transactional DDL: a failed
upgrade leaves the schema as it was).
"""

from __future__ import annotations

from alembic import context

from chains.runtime.storage.models import Base


def run_migrations() -> None:
    """Run the pending migrations on the connection given by the store."""
    connection = context.config.attributes.get("connection")
    if connection is None or context.is_offline_mode():
        raise RuntimeError(
            "the store's migrations run only through open_store(url), which passes a connection"
        )
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        transactional_ddl=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
