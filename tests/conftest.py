"""Fixtures shared by every test folder (helpers live in tests/support)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import (
    IN_CI,
    REDIS_BASE_URL,
    load_demo_data,
    redis_database,
    start_api,
    start_web,
    temporary_database,
)
from tests.support.ingest import missing_data


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "needs_data: reads the real data folder (../shared/data)")


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Real data absent: a skip naming what is missing on a developer's machine, a failure with CI=true."""
    if item.get_closest_marker("needs_data") is None:
        return
    missing = missing_data()
    if missing:
        message = f"real data missing: {', '.join(str(p) for p in missing)} (see ../shared/data/README.md)"
        if IN_CI:
            pytest.fail(f"{message}; CI=true runs every test", pytrace=False)
        pytest.skip(message)


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


@pytest.fixture(scope="session")
def redis_index() -> Iterator[int]:
    """The machine's Redis database index this test run claimed for itself (tests.support.redis_database)."""
    with redis_database() as index:
        yield index


@pytest.fixture
def redis_url(redis_index: int) -> Iterator[str]:
    """This run's own Redis database of the machine's Redis, flushed before and after the test."""
    import redis

    url = f"{REDIS_BASE_URL}/{redis_index}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


@pytest.fixture(scope="session")
def demo_database_url() -> Iterator[str]:
    """A migrated database holding the demo parliament (scale 1), shared by the session: read-only for tests."""
    with temporary_database("openpolicy_test_demo") as url:
        load_demo_data(url, scale=1)
        yield url


@dataclass(frozen=True)
class LiveStack:
    """A real api-service and web-interface (separate processes) over the demo database."""

    api: str
    web: str
    database_url: str
    logs: Path


@pytest.fixture(scope="session")
def live_stack(demo_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStack]:
    """api + web processes on free ports over the demo data; shared by the session, never stopped by tests."""
    logs = tmp_path_factory.mktemp("live-stack")
    api, api_base = start_api(demo_database_url, logs)
    try:
        web, web_base = start_web(api_base, logs)
        try:
            yield LiveStack(api=api_base, web=web_base, database_url=demo_database_url, logs=logs)
        finally:
            web.stop()
    finally:
        api.stop()
