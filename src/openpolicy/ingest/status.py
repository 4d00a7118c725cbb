"""Import freshness, run history and data-check findings, read from the database.

Shared by ``GET /v1/status``, ``openpolicy import-runs`` and the api's ``/metrics`` (the import metrics are
derived from the ``import_runs`` table at scrape time, so every api replica exports the same figures and they
survive the import job's process).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from openpolicy.ingest.runs import DEFAULT_EXPECTED_INTERVALS, SOURCES, expected_interval

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

    from openpolicy.config import Settings

    Db = AsyncSession | AsyncConnection


def known_sources(settings: Settings, seen: Iterable[str] = ()) -> list[str]:
    return sorted(set(SOURCES) | set(settings.import_expected_intervals) | set(DEFAULT_EXPECTED_INTERVALS) | set(seen))


LAST_RUNS_SQL = text(
    """
    SELECT s.source,
           (SELECT max(finished_at) FROM import_runs r WHERE r.source = s.source AND r.status = 'succeeded')
               AS last_success,
           l.id AS last_run_id, l.status AS last_status, l.started_at AS last_started_at,
           l.finished_at AS last_finished_at, l.error AS last_error,
           (SELECT extract(epoch FROM r.finished_at - r.started_at) FROM import_runs r
             WHERE r.source = s.source AND r.finished_at IS NOT NULL ORDER BY r.id DESC LIMIT 1) AS last_duration
    FROM (SELECT DISTINCT source FROM import_runs) s
    LEFT JOIN LATERAL (SELECT * FROM import_runs r WHERE r.source = s.source ORDER BY r.id DESC LIMIT 1) l ON true
    """
)

# Findings of each source's latest successful run.
CHECKS_SQL = text(
    """
    WITH latest AS (
        SELECT DISTINCT ON (source) id, source FROM import_runs WHERE status = 'succeeded'
        ORDER BY source, id DESC
    )
    SELECT l.source, d.check_name, count(*) AS findings,
           (array_agg(jsonb_build_object('entity_type', d.entity_type, 'entity_id', d.entity_id,
                                         'message', d.message) ORDER BY d.id))[1:5] AS examples
    FROM latest l JOIN data_check_results d ON d.import_run_id = l.id
    GROUP BY l.source, d.check_name ORDER BY l.source, d.check_name
    """
)


async def freshness(db: Db, settings: Settings, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Per source: last success, its age, the expected interval, whether it is stale, and the latest run."""
    now = now or dt.datetime.now(dt.UTC)
    rows = {row.source: row for row in (await db.execute(LAST_RUNS_SQL)).all()}
    out: list[dict[str, Any]] = []
    for source in known_sources(settings, rows):
        row = rows.get(source)
        interval = expected_interval(settings, source)
        last_success = row.last_success if row else None
        age = int((now - last_success).total_seconds()) if last_success else None
        out.append(
            {
                "source": source,
                "last_success": last_success,
                "age_seconds": age,
                "expected_interval_seconds": interval,
                "stale": age is None or age > interval,
                "last_run": None
                if row is None
                else {
                    "id": row.last_run_id,
                    "status": row.last_status,
                    "started_at": row.last_started_at,
                    "finished_at": row.last_finished_at,
                    "error": row.last_error,
                },
                "last_duration_seconds": float(row.last_duration) if row and row.last_duration is not None else None,
            }
        )
    return out


async def check_findings(db: Db) -> list[dict[str, Any]]:
    rows = (await db.execute(CHECKS_SQL)).all()
    return [
        {"source": r.source, "check": r.check_name, "findings": int(r.findings), "examples": list(r.examples or [])}
        for r in rows
    ]


async def recent_runs(db: Db, *, limit: int = 20, source: str | None = None) -> list[dict[str, Any]]:
    stmt = text(
        "SELECT id, source, location, status, started_at, finished_at, counts, error FROM import_runs "
        "WHERE (CAST(:source AS text) IS NULL OR source = :source) ORDER BY id DESC LIMIT :limit"
    )
    rows = (await db.execute(stmt, {"source": source, "limit": limit})).mappings().all()
    return [dict(row) for row in rows]


async def fetch_runs_and_freshness(
    settings: Settings, *, limit: int = 20, source: str | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """For the CLI: recent runs and freshness, on an engine of its own."""
    from openpolicy.db.engine import create_engine

    engine = create_engine(settings, application_name="openpolicy-import-runs")
    try:
        async with engine.connect() as conn:
            return await recent_runs(conn, limit=limit, source=source), await freshness(conn, settings)
    finally:
        await engine.dispose()


# --- metrics ---------------------------------------------------------------------------------------

METRICS_SQL = text(
    """
    SELECT source, status, count(*) AS runs FROM import_runs WHERE status <> 'running' GROUP BY source, status
    """
)
RECORDS_SQL = text(
    """
    SELECT r.source, e.key AS entity, o.key AS outcome, sum(o.value::bigint) AS n
    FROM import_runs r, jsonb_each(r.counts) e, jsonb_each_text(e.value) o
    WHERE r.status = 'succeeded'
    GROUP BY r.source, e.key, o.key
    """
)


async def metric_snapshot(db: Db, settings: Settings) -> dict[str, Any]:
    """Every import metric's samples, computed from the tables."""
    fresh = await freshness(db, settings)
    runs = [(r.source, r.status, int(r.runs)) for r in (await db.execute(METRICS_SQL)).all()]
    records = [(r.source, r.entity, r.outcome, int(r.n)) for r in (await db.execute(RECORDS_SQL)).all()]
    checks: dict[str, int] = {}
    for finding in await check_findings(db):
        checks[finding["check"]] = checks.get(finding["check"], 0) + finding["findings"]
    from openpolicy.ingest.checks import CHECKS

    for name in CHECKS:
        checks.setdefault(name, 0)
    return {"freshness": fresh, "runs": runs, "records": records, "checks": checks}
