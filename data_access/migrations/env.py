"""Alembic environment: migrations always run on a connection handed over by data_access.db."""

from __future__ import annotations

from alembic import context

from data_access.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Run migrations through `python -m data_access init-db`.")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
