"""Alembic migrations, configured in code (no alembic.ini): upgrade, downgrade, revisions, drift check.

All functions are synchronous (the CLI and the test helpers call them outside an event loop); when called
from inside a running loop they run in a worker thread instead.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

SCRIPT_LOCATION = Path(__file__).with_name("alembic")

T = TypeVar("T")


def alembic_config(database_url: str) -> Config:
    """An Alembic :class:`Config` for ``database_url`` (the URL travels in ``attributes``, never in an ini)."""
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    config.set_main_option("path_separator", "os")
    config.attributes["database_url"] = database_url
    return config


def _outside_loop(fn: Callable[[], T]) -> T:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn()
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn).result()


def upgrade(database_url: str, revision: str = "head") -> None:
    """Migrate the database to ``revision`` (default: head). Idempotent; concurrent callers serialise."""
    _outside_loop(lambda: command.upgrade(alembic_config(database_url), revision))


def downgrade(database_url: str, revision: str = "base") -> None:
    """Migrate the database down to ``revision`` (default: base, an empty schema)."""
    _outside_loop(lambda: command.downgrade(alembic_config(database_url), revision))


def head_revision() -> str:
    """The revision the code expects (the single head of the migration scripts)."""
    script = ScriptDirectory.from_config(alembic_config("postgresql://unused@localhost/unused"))
    head = script.get_current_head()
    if head is None:
        raise RuntimeError(f"no migration scripts in {SCRIPT_LOCATION}")
    return head


async def _current_revision_async(database_url: str) -> str | None:
    import asyncpg

    from openpolicy.db.engine import to_asyncpg_dsn

    conn = await asyncpg.connect(to_asyncpg_dsn(database_url), timeout=10)
    try:
        exists = await conn.fetchval("SELECT to_regclass('public.alembic_version') IS NOT NULL")
        if not exists:
            return None
        rows = await conn.fetch("SELECT version_num FROM alembic_version")
    finally:
        await conn.close()
    if len(rows) > 1:
        raise RuntimeError(f"database has {len(rows)} alembic versions; expected one")
    return str(rows[0]["version_num"]) if rows else None


def current_revision(database_url: str) -> str | None:
    """The revision the database is at (None: never migrated)."""
    return _outside_loop(lambda: asyncio.run(_current_revision_async(database_url)))


def is_current(database_url: str) -> bool:
    return current_revision(database_url) == head_revision()


def schema_diff(database_url: str) -> list[Any]:
    """Differences between the database and :mod:`openpolicy.db.models` (Alembic autogenerate); [] when equal."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import pool
    from sqlalchemy.engine import Connection
    from sqlalchemy.ext.asyncio import create_async_engine

    from openpolicy.db.engine import to_async_url
    from openpolicy.db.models import Base

    def compare(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "compare_server_default": False,
                "include_object": lambda obj, name, type_, reflected, compare_to: (
                    not (type_ == "table" and name == "alembic_version")
                ),
            },
        )
        return list(compare_metadata(context, Base.metadata))

    async def run() -> list[Any]:
        engine = create_async_engine(to_async_url(database_url), poolclass=pool.NullPool)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(compare)
        finally:
            await engine.dispose()

    return _outside_loop(lambda: asyncio.run(run()))
