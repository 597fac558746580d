"""Storage: the declarative base, column types, engines (SQLite replica / PostgreSQL) and migrations."""
