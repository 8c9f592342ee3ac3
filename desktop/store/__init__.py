"""Local storage: SQLite (WAL) through SQLAlchemy 2, upgraded by Alembic at start-up."""

# The schema revision this code writes (the newest of ``migrations/versions``; a test keeps
# the two in step). Here, in the package, so the start-up reads it without the store.
HEAD_REVISION = "0011"
