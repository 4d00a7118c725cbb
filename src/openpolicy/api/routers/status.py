"""/v1/status: per-source import freshness, latest runs, data-check findings and whether the synthetic demo
parliament is loaded; import metrics for /metrics.

Importing this module registers a Prometheus collector and a scrape hook: before every ``/metrics`` render the
hook reads the ``import_runs`` and ``data_check_results`` tables, so each api replica exports the same import
metrics (``openpolicy_import_*``, ``openpolicy_data_check_failures``) whatever process ran the import.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from prometheus_client import REGISTRY
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncSession

from openpolicy.api.deps import get_session, get_settings
from openpolicy.config import Settings
from openpolicy.config import get_settings as env_settings
from openpolicy.documents.schemas import CheckFinding, DemoData, SourceFreshness, Status
from openpolicy.observability import names
from openpolicy.observability.metrics import SCRAPE_HOOKS

router = APIRouter(prefix="/status", tags=["status"])


@router.get("", summary="Data freshness and data checks")
async def get_status(
    db: Annotated[AsyncSession, Depends(get_session)], settings: Annotated[Settings, Depends(get_settings)]
) -> Status:
    """Per known import source: its state (not configured, up to date, out of date), last success, age against
    its expected interval, the latest run; the data-check findings of each source's latest successful import;
    and ``demo_data`` while the synthetic demo parliament is in the database."""
    from openpolicy.ingest.status import check_findings, demo_data, freshness

    now = dt.datetime.now(dt.UTC)
    demo = await demo_data(db)
    return Status(
        generated_at=now,
        demo_data=DemoData.model_validate(demo) if demo else None,
        sources=[SourceFreshness.model_validate(item) for item in await freshness(db, settings, now)],
        checks=[CheckFinding.model_validate(item) for item in await check_findings(db)],
    )


# --- metrics ---------------------------------------------------------------------------------------


class ImportCollector(Collector):
    """Exports the latest snapshot taken by :func:`refresh_import_metrics` (nothing before the first one)."""

    def __init__(self) -> None:
        self.snapshot: dict[str, Any] | None = None

    def collect(self) -> Iterator[Metric]:
        snap = self.snapshot
        if snap is None:
            return
        last = GaugeMetricFamily(
            names.IMPORT_LAST_SUCCESS, "Unix time of the latest successful import run.", labels=["source"]
        )
        interval = GaugeMetricFamily(
            names.IMPORT_EXPECTED_INTERVAL, "Seconds expected between successful runs of a source.", labels=["source"]
        )
        duration = GaugeMetricFamily(
            names.IMPORT_DURATION_SECONDS, "Duration of the latest finished import run.", labels=["source"]
        )
        for item in snap["freshness"]:
            if item["state"] == "not configured":
                continue  # never imported: no interval to miss, so StaleData stays quiet about it
            interval.add_metric([item["source"]], float(item["expected_interval_seconds"]))
            if item["last_success"] is not None:
                last.add_metric([item["source"]], item["last_success"].timestamp())
            if item["last_duration_seconds"] is not None:
                duration.add_metric([item["source"]], item["last_duration_seconds"])
        runs = CounterMetricFamily(
            names.IMPORT_RUNS_TOTAL.removesuffix("_total"), "Finished import runs.", labels=["source", "status"]
        )
        for source, status, count in snap["runs"]:
            runs.add_metric([source, status], float(count))
        records = CounterMetricFamily(
            names.IMPORT_RECORDS_TOTAL.removesuffix("_total"),
            "Records handled by successful import runs, by outcome (inserted, updated, unchanged, deleted).",
            labels=["source", "entity", "outcome"],
        )
        for source, entity, outcome, count in snap["records"]:
            records.add_metric([source, entity, outcome], float(count))
        checks = GaugeMetricFamily(
            names.DATA_CHECK_FAILURES, "Data-check findings of the latest successful runs.", labels=["check"]
        )
        for check, count in sorted(snap["checks"].items()):
            checks.add_metric([check], float(count))
        yield from (last, interval, duration, runs, records, checks)


IMPORT_COLLECTOR = ImportCollector()
REGISTRY.register(IMPORT_COLLECTOR)


async def refresh_import_metrics(sessionmaker: Any) -> None:
    """Scrape hook: recompute the import metrics from the database."""
    from openpolicy.ingest.status import metric_snapshot

    async with sessionmaker() as session:
        # The hook gets no app: expected intervals come from the environment (IMPORT_EXPECTED_INTERVALS).
        IMPORT_COLLECTOR.snapshot = await metric_snapshot(session, env_settings())


SCRAPE_HOOKS.append(refresh_import_metrics)
