"""Helpers of the ingest tests: real-data paths, imports, database snapshots, a local HTTP server."""

from __future__ import annotations

import asyncio
import contextlib
import http.server
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.support import SHARED_DATA

EP_CANADA = SHARED_DATA / "everypolitician" / "Canada" / "Commons" / "ep-popolo-v1.0.json"
EP_UK = SHARED_DATA / "everypolitician" / "UK"
US_CONGRESS = SHARED_DATA / "us-congress"
HOC = SHARED_DATA / "canada-hoc"


def missing_data() -> list[Path]:
    """The parts of the real data folder the importer tests read that are absent."""
    return [path for path in (EP_CANADA, EP_UK, US_CONGRESS, HOC) if not path.exists()]


# Tests that read the real data: without it they skip naming what is missing, or fail with CI=true (tests/conftest.py).
needs_data = pytest.mark.needs_data


def run(url: str, source: str, location: str, jurisdiction: str | None = None, **settings: Any) -> Any:
    """Import ``location`` into the database at ``url`` (returns the ImportReport; raises ImportFailed)."""
    from openpolicy.config import load_settings
    from openpolicy.ingest.runs import run_import

    return run_import(load_settings(database_url=url, **settings), source, location, jurisdiction=jurisdiction)


async def _query(url: str, sql: str, *args: Any) -> list[Any]:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


def query(url: str, sql: str, *args: Any) -> list[Any]:
    return asyncio.run(_query(url, sql, *args))


def scalar(url: str, sql: str, *args: Any) -> Any:
    rows = query(url, sql, *args)
    return rows[0][0] if rows else None


# Run records, audit events and per-run check findings are written by every run by design.
OPERATIONAL = {"import_runs", "audit_events", "alembic_version", "data_check_results"}


# Columns a re-import may rewrite without changing what it says (when a row was written).
STAMPS = ("created_at", "updated_at")


def snapshot(
    url: str, *, skip_tables: frozenset[str] = frozenset(), skip_columns: tuple[str, ...] = ()
) -> dict[str, tuple[int, str]]:
    """{table: (row count, content checksum)} of every data table (not the run/audit records each run adds, nor
    ``skip_tables``).

    The checksum is an md5 over the md5 of every row's columns as JSON, minus :data:`STAMPS` and ``skip_columns``,
    taken in order of those row digests: any changed value, added, removed or duplicated row changes it; row order
    on disk does not.
    """

    async def take() -> dict[str, tuple[int, str]]:
        import asyncpg

        conn = await asyncpg.connect(url)
        try:
            tables = await conn.fetch(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
            )
            drop = "".join(f" - '{column}'" for column in (*STAMPS, *skip_columns))
            out: dict[str, tuple[int, str]] = {}
            for row in tables:
                name = row["table_name"]
                if name in OPERATIONAL or name in skip_tables:
                    continue
                ident = '"{}"'.format(name.replace('"', '""'))
                count, digest = await conn.fetchrow(
                    "SELECT count(*), md5(coalesce(string_agg(h, '' ORDER BY h), '')) "
                    f"FROM (SELECT md5((to_jsonb(t){drop})::text) AS h FROM {ident} t) rows"
                )
                out[name] = (int(count), str(digest))
            return out
        finally:
            await conn.close()

    return asyncio.run(take())


def checksum(url: str) -> dict[str, tuple[int, str]]:
    """The public tables' content, as an undo must restore it: :func:`snapshot` without the change feed (a revert
    appends to it), the loader's bookkeeping (``ballots_digest``, which any change of ballots resets) and the read
    model (``documents``: derived from the rest, embedding the ``updated_at`` stamps a restore rewrites; that it
    equals a rebuild from the facts is tests/integration/test_read_model.py's)."""
    return snapshot(url, skip_tables=frozenset({"change_log", "documents"}), skip_columns=("ballots_digest",))


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    fail_first: int = 0  # answer 500 this many times first
    hang: bool = False  # wait (until the server stops) before answering
    declared_length: int | None = None  # a Content-Length larger than the body: an interrupted download
    hits: int = 0


@dataclass
class LocalServer:
    base: str
    routes: dict[str, Route] = field(default_factory=dict)
    release: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str) -> str:
        return f"{self.base}{path}"


@contextlib.contextmanager
def http_server(routes: dict[str, Route]) -> Iterator[LocalServer]:
    """A ThreadingHTTPServer on a free loopback port serving ``routes`` (stopped afterwards)."""
    release = threading.Event()

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            route = routes.get(self.path)
            if route is None:
                self.send_error(404)
                return
            route.hits += 1
            if route.hang:
                release.wait(30)
                with contextlib.suppress(OSError):
                    self.send_error(503)
                return
            if route.hits <= route.fail_first:
                self.send_error(500, "Internal Server Error")
                return
            if route.status != 200:
                self.send_error(route.status)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(route.declared_length or len(route.body)))
            self.end_headers()
            self.wfile.write(route.body)
            if route.declared_length:
                self.close_connection = True

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LocalServer(f"http://127.0.0.1:{server.server_address[1]}", routes, release)
    finally:
        release.set()
        server.shutdown()
        server.server_close()
        thread.join(10)


def assert_fails(fn: Callable[[], Any], *fragments: str) -> str:
    """``fn`` raises ImportFailed whose message contains every fragment; return the message."""
    from openpolicy.ingest.runs import ImportFailed

    with pytest.raises(ImportFailed) as info:
        fn()
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    return message
