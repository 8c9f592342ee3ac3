"""Alembic environment: the desk passes its own connection; nothing is read from an ini."""

from alembic import context

from desktop.store.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite rebuilds tables for ALTERs
)
with context.begin_transaction():
    context.run_migrations()
