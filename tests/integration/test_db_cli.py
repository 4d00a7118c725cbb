"""`openpolicy migrate` and `openpolicy demo-data` as a user runs them (real processes, real PostgreSQL)."""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import Iterator

import asyncpg
import pytest
from tests.support import OPENPOLICY, create_database, drop_database, free_port

from openpolicy.db.migrations import current_revision, head_revision


def run(*args: str, database_url: str | None, **env: str) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    if database_url is not None:
        full["DATABASE_URL"] = database_url
    full.update(env)
    return subprocess.run([OPENPOLICY, *args], env=full, capture_output=True, text=True, timeout=300)


def has_table(url: str, name: str) -> bool:
    async def check() -> bool:
        conn = await asyncpg.connect(url)
        try:
            return bool(await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", name))
        finally:
            await conn.close()

    return asyncio.run(check())


@pytest.fixture
def blank_url() -> Iterator[str]:
    url = create_database("openpolicy_test_db_cli")
    try:
        yield url
    finally:
        drop_database(url)


def test_migrate_check_then_migrate_then_check(blank_url: str) -> None:
    check = run("migrate", "--check", database_url=blank_url)
    assert check.returncode == 1, check.stderr
    assert "not current" in check.stderr and head_revision() in check.stderr
    assert not has_table(blank_url, "alembic_version")  # --check changed nothing
    assert not has_table(blank_url, "people")

    migrate = run("migrate", database_url=blank_url)
    assert migrate.returncode == 0, migrate.stderr
    assert head_revision() in migrate.stdout
    assert current_revision(blank_url) == head_revision()

    again = run("migrate", database_url=blank_url)
    assert again.returncode == 0 and "schema is current" in again.stdout
    check = run("migrate", "--check", database_url=blank_url)
    assert check.returncode == 0 and f"revision {head_revision()}" in check.stdout


def test_concurrent_migrations_serialise(blank_url: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env["DATABASE_URL"] = blank_url
    procs = [
        subprocess.Popen([OPENPOLICY, "migrate"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], results
    assert current_revision(blank_url) == head_revision()


def test_demo_data_cli_prints_counts_and_rate(blank_url: str) -> None:
    refused = run("demo-data", database_url=blank_url)
    assert refused.returncode == 1
    assert "openpolicy migrate" in refused.stderr
    assert run("migrate", database_url=blank_url).returncode == 0

    loaded = run("demo-data", "--scale", "1", "--seed", "4", database_url=blank_url)
    assert loaded.returncode == 0, loaded.stderr
    assert "205,000" in loaded.stdout and "ballots/s" in loaded.stdout
    assert "vote_events" in loaded.stdout

    skipped = run("demo-data", "--if-empty", database_url=blank_url)
    assert skipped.returncode == 0 and "nothing loaded" in skipped.stdout

    bad = run("demo-data", "--scale", "0", database_url=blank_url)
    assert bad.returncode == 2 and "--scale" in bad.stderr


def test_bad_or_unreachable_database_gives_a_clear_error() -> None:
    bad = run("migrate", database_url="mysql://u@db/x")
    assert bad.returncode == 2 and "DATABASE_URL" in bad.stderr
    port = free_port()
    down = run("migrate", "--check", database_url=f"postgresql://u:secret@127.0.0.1:{port}/x")
    assert down.returncode == 1
    assert "cannot use the database" in down.stderr
    assert "secret" not in down.stderr + down.stdout
