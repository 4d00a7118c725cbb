"""Database: schema (one module), engine, Alembic migrations, embedded PostgreSQL."""
