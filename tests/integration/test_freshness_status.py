"""Freshness comes from the registry of sources: never imported reads "not configured", other runs are no source."""

from __future__ import annotations

import datetime as dt
import re

from tests.support.ingest import query
from tests.support.routers import api_client

from openpolicy.ingest.registry import NAMES as SOURCES

HOUR, DAY = dt.timedelta(hours=1), dt.timedelta(days=1)


def _run(url: str, source: str, status: str, age: dt.timedelta) -> None:
    query(
        url,
        "INSERT INTO import_runs (source, location, status, triggered_by, started_at, finished_at, counts) "
        "VALUES ($1, 'test', $2, 'test', now() - $3::interval - interval '1 minute', now() - $3::interval, "
        '\'{"person": {"inserted": 1}}\'::jsonb)',
        source,
        status,
        age,
    )


def test_never_imported_is_not_configured_and_other_runs_are_no_source(empty_database_url: str) -> None:
    url = empty_database_url
    _run(url, "popolo", "succeeded", HOUR)
    _run(url, "ourcommons", "failed", HOUR)  # configured, never succeeded: out of date
    _run(url, "demo", "succeeded", HOUR)  # the demo generator
    _run(url, "revert", "succeeded", HOUR)  # an undo of a run
    with api_client(url, import_expected_intervals={"popolo": 86400, "ourcommons": 86400}) as api:
        status = api.get("/v1/status").json()
        metrics = api.get("/metrics").text
    sources = {item["source"]: item for item in status["sources"]}
    assert sorted(sources) == sorted(SOURCES)
    assert (sources["us-congress"]["state"], sources["us-congress"]["stale"]) == ("not configured", False)
    assert sources["us-congress"]["last_run"] is None
    assert (sources["ourcommons"]["state"], sources["ourcommons"]["stale"]) == ("out of date", True)
    assert (sources["popolo"]["state"], sources["popolo"]["stale"]) == ("up to date", False)
    assert status["demo_data"] is None  # runs alone are not data: no demo jurisdiction here

    # StaleData compares these two gauges: a never-imported source exports neither, a failing one its interval.
    intervals = set(re.findall(r'^openpolicy_import_expected_interval_seconds\{source="([^"]+)"\}', metrics, re.M))
    assert intervals == {"popolo", "ourcommons"}
    assert 'openpolicy_import_last_success_timestamp_seconds{source="popolo"}' in metrics
    assert 'openpolicy_import_runs_total{source="ourcommons",status="failed"} 1.0' in metrics
    assert 'source="demo"' not in metrics and 'source="revert"' not in metrics


def test_a_stale_source_is_out_of_date(empty_database_url: str) -> None:
    _run(empty_database_url, "us-congress", "succeeded", 3 * DAY)
    with api_client(empty_database_url, import_expected_intervals={"us-congress": 86400}) as api:
        sources = {item["source"]: item for item in api.get("/v1/status").json()["sources"]}
    assert (sources["us-congress"]["state"], sources["us-congress"]["stale"]) == ("out of date", True)
    assert sources["us-congress"]["age_seconds"] >= 3 * 86400
    assert sources["popolo"]["state"] == "not configured"
