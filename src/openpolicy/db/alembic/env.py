"""Alembic environment: runs migrations over asyncpg, serialised by a PostgreSQL advisory lock.

Configured in code by :mod:`openpolicy.db.migrations` (no alembic.ini): the database URL arrives in
``config.attributes["database_url"]`` so passwords never pass through configparser interpolation.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from openpolicy.db.engine import to_async_url
from openpolicy.db.models import Base

# Any constant works; it only has to be the same for every `openpolicy migrate` racing on one database.
MIGRATION_LOCK_ID = 7_202_611_260

config = context.config
target_metadata = Base.metadata


def _include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    # Alembic's own version table is not part of the schema module.
    return not (type_ == "table" and name == "alembic_version")


def _run(connection: Connection) -> None:
    # A session-level lock: it survives the commits of the migrations and is released below.
    connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": MIGRATION_LOCK_ID})
    connection.commit()
    try:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            include_object=_include_object,
            compare_type=True,
            transaction_per_migration=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    finally:
        if connection.in_transaction():
            connection.rollback()
        connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": MIGRATION_LOCK_ID})
        connection.commit()


async def _run_async(url: str) -> None:
    engine = create_async_engine(to_async_url(url), poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
    finally:
        await engine.dispose()


def _main() -> None:
    url = config.attributes.get("database_url")
    if not url:
        raise RuntimeError("openpolicy.db.migrations must pass config.attributes['database_url']")
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    if context.is_offline_mode():
        context.configure(url=to_async_url(url), target_metadata=target_metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    asyncio.run(_run_async(url))


_main()
