"""Central-system tests: its store, API, pages and CLI on SQLite and PostgreSQL."""
