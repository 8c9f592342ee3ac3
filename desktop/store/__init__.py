"""Local storage: SQLite (WAL) through SQLAlchemy 2, upgraded by Alembic at start-up."""
