"""The api's database gate: requests get a pool place in arrival order, and a long wait is a 503."""

from __future__ import annotations

import asyncio

import pytest

from openpolicy.api.deps import DatabaseGate, database_gate
from openpolicy.api.errors import DatabaseUnavailable
from openpolicy.config import load_settings


def test_places_go_to_waiters_in_arrival_order_even_when_newcomers_ask_at_release() -> None:
    async def scenario() -> list[str]:
        gate = DatabaseGate(1, timeout=5)
        served: list[str] = []
        release_first = asyncio.Event()

        async def request(name: str, hold: asyncio.Event | None = None) -> None:
            async with gate.place():
                served.append(name)
                if hold is not None:
                    await hold.wait()

        first = asyncio.create_task(request("first", release_first))
        await asyncio.sleep(0)
        waiters = [asyncio.create_task(request(f"waiter-{i}")) for i in range(3)]
        await asyncio.sleep(0.01)
        release_first.set()
        newcomer = asyncio.create_task(request("newcomer"))  # asks right when the place frees up
        await asyncio.gather(first, *waiters, newcomer)
        return served

    assert asyncio.run(scenario()) == ["first", "waiter-0", "waiter-1", "waiter-2", "newcomer"]


def test_a_wait_longer_than_the_pool_timeout_is_database_unavailable() -> None:
    async def scenario() -> None:
        gate = DatabaseGate(1, timeout=0.05)
        async with gate.place():
            with pytest.raises(DatabaseUnavailable, match="no database connection free"):
                async with gate.place():
                    pass

    asyncio.run(scenario())


def test_the_gate_keeps_one_connection_for_health_checks() -> None:
    settings = load_settings(database_url="postgresql://u@db/x", db_pool_size=10, db_max_overflow=2)
    assert database_gate(settings).size == 11
    assert database_gate(load_settings(database_url="postgresql://u@db/x", db_pool_size=1)).size == 1
