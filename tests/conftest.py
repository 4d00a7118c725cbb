"""Fixtures shared by every test folder (helpers live in tests/support)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import REDIS_BASE_URL, temporary_database


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A database migrated to the current schema, shared by the session (tests must not depend on emptiness)."""
    with temporary_database("openpolicy_test") as url:
        yield url


@pytest.fixture
def empty_database_url() -> Iterator[str]:
    """A fresh, migrated, empty database of this test's own."""
    with temporary_database("openpolicy_test_fn") as url:
        yield url


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A Redis database index of the machine's Redis, flushed before and after the test."""
    import redis

    url = f"{REDIS_BASE_URL}/9"
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()
