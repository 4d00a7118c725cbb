"""The api-service's engine (create_engine(read_only=True)) against a real PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from openpolicy.config import load_settings
from openpolicy.db.engine import create_engine, to_asyncpg_dsn


def test_the_api_engine_is_read_only_autocommit_with_generic_plans(database_url: str) -> None:
    async def check() -> tuple[str, str, str, str]:
        engine = create_engine(load_settings(database_url=database_url), read_only=True)
        try:
            async with engine.connect() as conn:
                read_only = (await conn.execute(text("SHOW transaction_read_only"))).scalar_one()
                plans = (await conn.execute(text("SHOW plan_cache_mode"))).scalar_one()
                # autocommit: no transaction is left open after a statement (no BEGIN, no ROLLBACK round trips)
                driver = (await conn.get_raw_connection()).driver_connection
                assert driver is not None
                autocommit = not driver.is_in_transaction()
                with pytest.raises(DBAPIError, match="read-only transaction"):
                    await conn.execute(text("CREATE TEMP TABLE api_must_not_write (x int)"))
                return read_only, plans, str(autocommit), str(engine.pool._pre_ping)  # type: ignore[attr-defined]
        finally:
            await engine.dispose()

    assert asyncio.run(check()) == ("on", "force_generic_plan", "True", "False")


def test_other_engines_keep_transactions_and_the_ping(database_url: str) -> None:
    async def check() -> tuple[str, bool]:
        engine = create_engine(load_settings(database_url=database_url))
        try:
            async with engine.connect() as conn:
                return (await conn.execute(text("SHOW transaction_read_only"))).scalar_one(), engine.pool._pre_ping  # type: ignore[attr-defined]
        finally:
            await engine.dispose()

    assert asyncio.run(check()) == ("off", True)


def test_the_document_pool_is_read_only_reuses_connections_and_replaces_lost_ones(database_url: str) -> None:
    """The api's document path (``deps.Database`` over ``db.engine.create_pool``): read-only sessions with generic
    plans; a connection serves the next request; waiting requests are served in arrival order and a wait longer than
    the timeout is a 503 (DatabaseUnavailable); a connection the server dropped fails its request as a database
    error and the pool opens a new one for the next."""
    import asyncpg

    from openpolicy.api.deps import Database
    from openpolicy.api.errors import DatabaseUnavailable, asyncpg_connection_lost
    from openpolicy.db.engine import create_pool

    async def check() -> None:
        settings = load_settings(database_url=database_url, db_pool_size=1, db_max_overflow=0)
        database = Database(await create_pool(settings, database_url), timeout=0.5)
        try:
            async with database.connection() as conn:
                first = await conn.fetchval("SELECT pg_backend_pid()")
                assert await conn.fetchval("SHOW transaction_read_only") == "on"
                assert await conn.fetchval("SHOW plan_cache_mode") == "force_generic_plan"
                with pytest.raises(asyncpg.exceptions.ReadOnlySQLTransactionError):
                    await conn.execute("CREATE TEMP TABLE api_must_not_write (x int)")
            async with database.connection() as conn:
                assert await conn.fetchval("SELECT pg_backend_pid()") == first

            served: list[str] = []
            release = asyncio.Event()

            async def request(name: str, hold: asyncio.Event | None = None) -> None:
                async with database.connection():
                    served.append(name)
                    if hold is not None:
                        await hold.wait()

            holder = asyncio.create_task(request("first", release))
            await asyncio.sleep(0.05)
            with pytest.raises(DatabaseUnavailable, match="no database connection free"):
                await request("too late")
            waiters = [asyncio.create_task(request(f"waiter-{i}")) for i in range(3)]
            await asyncio.sleep(0.01)
            release.set()
            await asyncio.gather(holder, *waiters)
            assert served == ["first", "waiter-0", "waiter-1", "waiter-2"]

            admin = await asyncpg.connect(to_asyncpg_dsn(database_url))
            try:
                await admin.execute("SELECT pg_terminate_backend($1)", first)
            finally:
                await admin.close()
            # Whether this request meets the dead connection depends on timing (the pool may already have seen it
            # close): if it does, the failure is one of the errors the api answers as a 503; either way the
            # connection is never used again.
            with contextlib.suppress(asyncpg_connection_lost()):
                async with database.connection() as conn:
                    assert await conn.fetchval("SELECT pg_backend_pid()") != first
            async with database.connection() as conn:
                assert await conn.fetchval("SELECT pg_backend_pid()") != first
        finally:
            await database.close()

    asyncio.run(check())
