"""The embedded PostgreSQL: start, reuse, shared between processes, stale state, binaries for backups."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from tests.support import OPENPOLICY
from tests.support.db import embedded_data_dir

from openpolicy.config import Settings, load_settings
from openpolicy.db import embedded

pytestmark = pytest.mark.slow


def query(url: str, sql: str) -> object:
    async def run() -> object:
        conn = await asyncpg.connect(url)
        try:
            return await conn.fetchval(sql)
        finally:
            await conn.close()

    return asyncio.run(run())


@pytest.fixture
def settings() -> Iterator[Settings]:
    with embedded_data_dir() as data_dir:
        settings = load_settings(openpolicy_data_dir=data_dir, database_url="")
        yield settings
        embedded.stop(settings)
        assert not embedded.is_running(settings), "the test left the embedded server running"


HOLDER = textwrap.dedent(
    """
    import sys
    from openpolicy.config import load_settings
    from openpolicy.db.embedded import resolve_database_url
    url = resolve_database_url(load_settings(openpolicy_data_dir=sys.argv[1]))
    print(url, flush=True)
    sys.stdin.readline()  # hold the handle until the test says so
    """
)


def test_start_reuse_and_stop(settings: Settings) -> None:
    assert not embedded.is_running(settings)
    url = embedded.resolve_database_url(settings)
    assert url.startswith("postgresql://") and "/openpolicy?host=" in url
    assert embedded.is_running(settings)
    assert query(url, "SELECT current_database()") == "openpolicy"
    assert str(query(url, "SHOW server_version")).split(".")[0] == "18"
    assert query(url, "SELECT count(*) FROM pg_available_extensions WHERE name = 'pg_trgm'") == 1
    assert embedded.resolve_database_url(settings) == url  # same process: same server, no restart
    assert embedded.stop(settings) is True
    assert not embedded.is_running(settings)
    # A second start reuses the data folder.
    again = embedded.resolve_database_url(settings)
    assert again == url
    assert query(again, "SELECT 1") == 1


def test_database_url_wins_over_embedded(tmp_path: Path) -> None:
    settings = load_settings(openpolicy_data_dir=tmp_path / "unused", database_url="postgresql://u@db:5432/x")
    assert embedded.resolve_database_url(settings) == "postgresql://u@db:5432/x"
    assert not (tmp_path / "unused").exists()


def test_second_process_sees_the_same_database_and_keeps_it_alive(settings: Settings) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(settings.openpolicy_data_dir)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdin is not None
        other_url = holder.stdout.readline().strip()
        if not other_url.startswith("postgresql://"):
            holder.kill()
            raise AssertionError(f"the second process could not start the server: {holder.communicate()[1]}")
        query(other_url, "CREATE TABLE shared_marker (x int)")
        url = embedded.resolve_database_url(settings)
        assert url == other_url
        assert query(url, "SELECT to_regclass('shared_marker') IS NOT NULL") is True
        # This process releases its handle: the other one still uses the server, so it keeps running.
        assert embedded.stop(settings) is False
        assert embedded.is_running(settings)
        url = embedded.resolve_database_url(settings)
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.wait(30) == 0
        assert embedded.is_running(settings)  # we still hold a handle
        assert query(url, "SELECT 1") == 1
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(10)
    assert embedded.stop(settings) is True
    assert not embedded.is_running(settings)


def test_dead_handles_and_stale_pid_files_do_not_block(settings: Settings) -> None:
    embedded.resolve_database_url(settings)
    embedded.stop(settings)
    pgdata = embedded.pgdata_dir(settings)
    # A process that died holding a handle (its pid no longer exists) ...
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (pgdata / ".handle_pids.json").write_text(json.dumps([dead.pid]))
    # ... and a postmaster.pid left by a crashed server whose pid now belongs to an unrelated process.
    (pgdata / "postmaster.pid").write_text(f"{os.getpid()}\n{pgdata}\n0\n5432\n{pgdata}\n\n0 0\nready\n")
    url = embedded.resolve_database_url(settings)
    assert query(url, "SELECT 1") == 1
    assert json.loads((pgdata / ".handle_pids.json").read_text()) == [os.getpid()]
    assert embedded.stop(settings) is True  # the ghost did not keep it alive
    assert not embedded.is_running(settings)


def test_cli_commands_without_database_url_use_the_embedded_database(settings: Settings) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env["OPENPOLICY_DATA_DIR"] = str(settings.openpolicy_data_dir)
    done = subprocess.run([OPENPOLICY, "migrate"], env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    assert "embedded PostgreSQL in" in done.stdout
    assert not embedded.is_running(settings)  # the command started it and stopped it again
    url = embedded.resolve_database_url(settings)
    assert query(url, "SELECT version_num FROM alembic_version") is not None
    # While this process holds the server, a command joins it instead of starting another one.
    done = subprocess.run([OPENPOLICY, "migrate", "--check"], env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    assert embedded.is_running(settings)


def test_binaries_for_backup_and_restore() -> None:
    bin_dir = embedded.embedded_bin_dir()
    for tool in ("pg_dump", "pg_restore", "psql"):
        assert os.access(bin_dir / tool, os.X_OK), tool
    out = subprocess.run([str(bin_dir / "pg_dump"), "--version"], capture_output=True, text=True, check=True)
    assert "18." in out.stdout
