"""URL imports from a local HTTP server (in this test's process): success, retries, 500, 404, timeout, cut-off."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.support import temporary_database
from tests.support.ingest import EP_CANADA, Route, assert_fails, http_server, needs_data, query, run, snapshot

pytestmark = needs_data

FAST = {"import_http_timeout_seconds": 0.5, "import_http_retries": 1, "import_http_backoff_seconds": 0.01}


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    with temporary_database("openpolicy_test_ingest_url") as url:
        yield url


def test_url_import_and_failures(database: str) -> None:
    body = EP_CANADA.read_bytes()
    routes = {
        "/ca/ep-popolo-v1.0.json": Route(body=body),
        "/broken/ep-popolo-v1.0.json": Route(fail_first=1000),
        "/missing/ep-popolo-v1.0.json": Route(status=404),
        "/slow/ep-popolo-v1.0.json": Route(hang=True),
        "/cut/ep-popolo-v1.0.json": Route(body=body[:1000], declared_length=len(body)),
        "/big/ep-popolo-v1.0.json": Route(body=body),
    }
    with http_server(routes) as server:
        url = server.url("/ca/ep-popolo-v1.0.json")
        report = run(database, "popolo", url, "ca", **FAST)
        assert report.counts["person"]["inserted"] == 541
        assert report.location == url and report.files == [url]
        before = snapshot(database)

        # a 500 once, then the same file at the same URL: the retry succeeds and changes nothing
        # (a file at another URL would add that URL to the records' sources)
        routes["/ca/ep-popolo-v1.0.json"].fail_first = routes["/ca/ep-popolo-v1.0.json"].hits + 1
        again = run(database, "popolo", url, "ca", **FAST)
        assert again.changes == 0 and routes["/ca/ep-popolo-v1.0.json"].hits == 3

        broken = server.url("/broken/ep-popolo-v1.0.json")
        assert_fails(lambda: run(database, "popolo", broken, "ca", **FAST), broken, "HTTP 500", "2 attempt")
        assert routes["/broken/ep-popolo-v1.0.json"].hits == 2  # one retry, then give up

        missing = server.url("/missing/ep-popolo-v1.0.json")
        assert_fails(lambda: run(database, "popolo", missing, "ca", **FAST), missing, "HTTP 404")
        assert routes["/missing/ep-popolo-v1.0.json"].hits == 1  # a 404 is not retried

        slow = server.url("/slow/ep-popolo-v1.0.json")
        assert_fails(lambda: run(database, "popolo", slow, "ca", **FAST), slow, "timed out after 0.5s")

        cut = server.url("/cut/ep-popolo-v1.0.json")
        assert_fails(lambda: run(database, "popolo", cut, "ca", **FAST), cut, "download failed")

        big = server.url("/big/ep-popolo-v1.0.json")
        assert_fails(
            lambda: run(database, "popolo", big, "ca", import_max_download_bytes=100_000, **FAST), big, "size limit"
        )
        assert snapshot(database) == before
    runs = query(database, "SELECT status, location, error FROM import_runs ORDER BY id")
    assert [r["status"] for r in runs] == ["succeeded", "succeeded"] + ["failed"] * 5
    assert all(r["location"].startswith(server.base) for r in runs)
    assert all(r["error"] for r in runs[2:])
