"""The api-service's engine (create_engine(read_only=True)) against a real PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from openpolicy.config import load_settings
from openpolicy.db.engine import create_engine


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


def test_the_database_reuses_connections_and_gives_back_the_doubtful_ones(database_url: str) -> None:
    """The api's connection free list (``deps.Database``): a request's connection serves the next request; one that
    failed with a statement error, one older than the recycle age and, after a lost connection, every held one go
    back to the pool; an api problem raised after the statement (a 404) keeps it."""
    from openpolicy.api.deps import Database, DatabaseGate
    from openpolicy.api.errors import NotFound

    async def backend(conn: Any) -> int:
        return int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())

    async def check() -> None:
        engine = create_engine(load_settings(database_url=database_url), read_only=True)
        database = Database(engine, DatabaseGate(2, timeout=5))
        try:
            async with database.connection() as conn:
                first = await backend(conn)
            async with database.connection() as conn:
                assert await backend(conn) == first  # the same connection, not a pool checkout
            assert database.idle == 1 and engine.pool.checkedout() == 1  # type: ignore[attr-defined]

            with pytest.raises(NotFound):
                async with database.connection() as conn:
                    await backend(conn)
                    raise NotFound("person", "ocd-person/nobody")
            assert database.idle == 1

            with pytest.raises(DBAPIError):
                async with database.connection() as conn:
                    await conn.execute(text("SELECT 1/0"))
            assert database.idle == 0 and engine.pool.checkedout() == 0  # type: ignore[attr-defined]

            async with database.connection() as a, database.connection() as b:  # two held
                await backend(a), await backend(b)
            assert database.idle == 2
            async with database.connection() as conn:
                await conn.invalidate()  # what driver_call does when the connection is lost
            assert database.idle == 0 and engine.pool.checkedout() == 0  # type: ignore[attr-defined]

            database.recycle = 0.0
            async with database.connection() as conn:
                await backend(conn)
            assert database.idle == 0  # older than the recycle age: back to the pool
        finally:
            await database.close()
            await engine.dispose()

    asyncio.run(check())
