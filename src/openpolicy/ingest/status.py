"""Import freshness, run history, data-check findings and the demo data set, read from the database.

Shared by ``GET /v1/status``, ``openpolicy import-runs`` and the api's ``/metrics`` (the import metrics are
derived from the ``import_runs`` table at scrape time, so every api replica exports the same figures and they
survive the import job's process).

The data sources are those of :mod:`openpolicy.ingest.registry`, each listed whether or not it ever
ran: a source without any run is ``not configured`` (neither stale nor exported with an expected interval, so
the StaleData alert ignores it). Runs recorded under other names (the demo generator's ``demo``, a ``revert``)
are not data sources: they appear in the run history only. Whether the demo parliament is loaded is read from
its jurisdiction row (:func:`demo_data`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from openpolicy.ingest.registry import NAMES, expected_interval

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

    from openpolicy.config import Settings

    Db = AsyncSession | AsyncConnection


NOT_CONFIGURED, UP_TO_DATE, OUT_OF_DATE = "not configured", "up to date", "out of date"


def known_sources(sources: Iterable[str] = NAMES) -> list[str]:
    """The data sources freshness is reported for, sorted: the source registry, nothing else."""
    return sorted(set(sources))


LAST_RUNS_SQL = text(
    """
    SELECT s.source,
           (SELECT max(finished_at) FROM import_runs r WHERE r.source = s.source AND r.status = 'succeeded')
               AS last_success,
           l.id AS last_run_id, l.status AS last_status, l.started_at AS last_started_at,
           l.finished_at AS last_finished_at, l.error AS last_error,
           (SELECT extract(epoch FROM r.finished_at - r.started_at) FROM import_runs r
             WHERE r.source = s.source AND r.finished_at IS NOT NULL ORDER BY r.id DESC LIMIT 1) AS last_duration
    FROM unnest(CAST(:sources AS text[])) AS s(source)
    JOIN LATERAL (SELECT * FROM import_runs r WHERE r.source = s.source ORDER BY r.id DESC LIMIT 1) l ON true
    """
)

# Findings of each source's latest successful run.
CHECKS_SQL = text(
    """
    WITH latest AS (
        SELECT DISTINCT ON (source) id, source FROM import_runs
        WHERE status = 'succeeded' AND source = ANY(CAST(:sources AS text[]))
        ORDER BY source, id DESC
    )
    SELECT l.source, d.check_name, count(*) AS findings,
           (array_agg(jsonb_build_object('entity_type', d.entity_type, 'entity_id', d.entity_id,
                                         'message', d.message) ORDER BY d.id))[1:5] AS examples
    FROM latest l JOIN data_check_results d ON d.import_run_id = l.id
    GROUP BY l.source, d.check_name ORDER BY l.source, d.check_name
    """
)


async def freshness(
    db: Db, settings: Settings, now: dt.datetime | None = None, sources: Iterable[str] = NAMES
) -> list[dict[str, Any]]:
    """Per known source: its state, last success, age, expected interval, staleness and latest run.

    ``state`` is ``not configured`` (no run ever), ``out of date`` (runs, but no success within the expected
    interval) or ``up to date``; ``stale`` is true for ``out of date`` only.
    """
    now = now or dt.datetime.now(dt.UTC)
    names = known_sources(sources)
    rows = {row.source: row for row in (await db.execute(LAST_RUNS_SQL, {"sources": names})).all()}
    out: list[dict[str, Any]] = []
    for source in names:
        row = rows.get(source)
        interval = expected_interval(settings, source)
        last_success = row.last_success if row else None
        age = int((now - last_success).total_seconds()) if last_success else None
        fresh = age is not None and age <= interval
        state = NOT_CONFIGURED if row is None else UP_TO_DATE if fresh else OUT_OF_DATE
        out.append(
            {
                "source": source,
                "state": state,
                "last_success": last_success,
                "age_seconds": age,
                "expected_interval_seconds": interval,
                "stale": state == OUT_OF_DATE,
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


async def check_findings(db: Db, sources: Iterable[str] = NAMES) -> list[dict[str, Any]]:
    """Data-check findings of each known source's latest successful run."""
    rows = (await db.execute(CHECKS_SQL, {"sources": known_sources(sources)})).all()
    return [
        {"source": r.source, "check": r.check_name, "findings": int(r.findings), "examples": list(r.examples or [])}
        for r in rows
    ]


DEMO_SQL = text(
    """
    SELECT j.id, j.name,
           (SELECT r.id FROM import_runs r WHERE r.source = :source AND r.status = 'succeeded'
             ORDER BY r.id DESC LIMIT 1) AS run_id,
           (SELECT max(r.finished_at) FROM import_runs r WHERE r.source = :source AND r.status = 'succeeded')
               AS loaded_at
    FROM jurisdictions j WHERE j.id = :jurisdiction
    """
)


async def demo_data(db: Db) -> dict[str, Any] | None:
    """The synthetic demo parliament while it is in the database (its jurisdiction row exists), else None.

    It stays until its jurisdiction is deleted (``openpolicy demo-data`` replaces it; imports leave it alone).
    """
    from openpolicy.ingest import demo

    row = (await db.execute(DEMO_SQL, {"source": demo.SOURCE, "jurisdiction": demo.JURISDICTION_ID})).first()
    if row is None:
        return None
    return {
        "jurisdiction_id": row.id,
        "jurisdiction_name": row.name,
        "import_run_id": row.run_id,
        "loaded_at": row.loaded_at,
    }


# A run is ``running`` while the database session that started it (``details.backend_pid``) lives; a session gone
# (the process was killed, the machine lost) leaves a run that will never finish: it is marked failed, so the
# import metrics count it and the failed-import alert fires. A new session that reused the pid started later.
ABANDONED_SQL = """
UPDATE import_runs r SET status = 'failed', finished_at = clock_timestamp(),
    error = 'abandoned: the process running this import ended before it finished (its database session '
            || (r.details ->> 'backend_pid') || ' is gone)'
WHERE r.status = 'running' AND r.details ? 'backend_pid' AND NOT EXISTS (
    SELECT 1 FROM pg_stat_activity a
    WHERE a.pid = (r.details ->> 'backend_pid')::int AND a.backend_start <= r.started_at)
RETURNING r.id
"""


async def mark_abandoned(db: Db) -> list[int]:
    """Mark the runs whose importing session is gone as failed (see :data:`ABANDONED_SQL`); their ids."""
    return [int(row[0]) for row in (await db.execute(text(ABANDONED_SQL))).all()]


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
        async with engine.begin() as conn:
            await mark_abandoned(conn)
            return await recent_runs(conn, limit=limit, source=source), await freshness(conn, settings)
    finally:
        await engine.dispose()


# --- metrics ---------------------------------------------------------------------------------------

METRICS_SQL = text(
    """
    SELECT source, status, count(*) AS runs FROM import_runs
    WHERE status <> 'running' AND source = ANY(CAST(:sources AS text[])) GROUP BY source, status
    """
)
RECORDS_SQL = text(
    """
    SELECT r.source, e.key AS entity, o.key AS outcome, sum(o.value::bigint) AS n
    FROM import_runs r, jsonb_each(r.counts) e, jsonb_each_text(e.value) o
    WHERE r.status = 'succeeded' AND r.source = ANY(CAST(:sources AS text[]))
    GROUP BY r.source, e.key, o.key
    """
)


async def metric_snapshot(db: Db, settings: Settings) -> dict[str, Any]:
    """Every import metric's samples (known sources only), computed from the tables."""
    names = {"sources": known_sources()}
    fresh = await freshness(db, settings)
    runs = [(r.source, r.status, int(r.runs)) for r in (await db.execute(METRICS_SQL, names)).all()]
    records = [(r.source, r.entity, r.outcome, int(r.n)) for r in (await db.execute(RECORDS_SQL, names)).all()]
    checks: dict[str, int] = {}
    for finding in await check_findings(db):
        checks[finding["check"]] = checks.get(finding["check"], 0) + finding["findings"]
    from openpolicy.ingest.checks import CHECKS

    for name in CHECKS:
        checks.setdefault(name, 0)
    return {"freshness": fresh, "runs": runs, "records": records, "checks": checks}
