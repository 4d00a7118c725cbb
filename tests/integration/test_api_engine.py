"""The api-service's engine (create_engine(read_only=True)) against a real PostgreSQL."""

from __future__ import annotations

import asyncio

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
