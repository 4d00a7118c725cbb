"""Every metric name the platform exports: the one list that alert rules and dashboards are checked against.

The objects live in :mod:`openpolicy.observability.metrics`; Prometheus rules, Grafana dashboards and the
smoke test refer to these names, and a test fails when one of them uses a name not listed here.
"""

from __future__ import annotations

# HTTP (both services; Prometheus jobs `api-service` and `web-interface`). `route` is the route template.
HTTP_REQUESTS_TOTAL = "http_requests_total"  # counter {method,route,status}
HTTP_REQUEST_DURATION_SECONDS = "http_request_duration_seconds"  # histogram {method,route}, has le="0.5"
HTTP_REQUESTS_IN_FLIGHT = "http_requests_in_flight"  # gauge

# Process / build
BUILD_INFO = "openpolicy_build_info"  # gauge {version,commit,service}

# Dependencies (readiness) and database pool
DEPENDENCY_UP = "openpolicy_dependency_up"  # gauge {dependency}: 1 reachable, 0 not (last check)
DB_POOL_SIZE = "openpolicy_db_pool_size"  # gauge
DB_POOL_IN_USE = "openpolicy_db_pool_connections_in_use"  # gauge

# Response cache (Redis)
CACHE_HITS_TOTAL = "openpolicy_cache_hits_total"  # counter
CACHE_MISSES_TOTAL = "openpolicy_cache_misses_total"  # counter
CACHE_ERRORS_TOTAL = "openpolicy_cache_errors_total"  # counter {operation}

# Imports (exported by the api from the import-runs table, so they survive the job's process)
IMPORT_LAST_SUCCESS = "openpolicy_import_last_success_timestamp_seconds"  # gauge {source}
IMPORT_EXPECTED_INTERVAL = "openpolicy_import_expected_interval_seconds"  # gauge {source}
IMPORT_RUNS_TOTAL = "openpolicy_import_runs_total"  # counter {source,status}
IMPORT_RECORDS_TOTAL = "openpolicy_import_records_total"  # counter {source,entity,outcome}
IMPORT_DURATION_SECONDS = "openpolicy_import_duration_seconds"  # gauge {source}: last run's duration
DATA_CHECK_FAILURES = "openpolicy_data_check_failures"  # gauge {check}

# Audit
AUDIT_EVENTS_TOTAL = "openpolicy_audit_events_total"  # counter {action,outcome}

# Webhooks (the notifier, `openpolicy serve notifier`, port NOTIFIER_PORT; Prometheus job `notifier`)
WEBHOOK_DELIVERIES_TOTAL = "openpolicy_webhook_deliveries_total"  # counter {outcome}: delivered|retry|failed|disabled
WEBHOOK_DELIVERY_FAILURES_TOTAL = "openpolicy_webhook_delivery_failures_total"  # counter {reason}, see notify.deliver
WEBHOOK_DELIVERY_LAG_SECONDS = "openpolicy_webhook_delivery_lag_seconds"  # histogram: change committed → delivered
WEBHOOK_PENDING_DELIVERIES = "openpolicy_webhook_pending_deliveries"  # gauge: deliveries not yet delivered or given up
NOTIFIER_CURSOR_LAG_EVENTS = "openpolicy_notifier_cursor_lag_events"  # gauge: change_log rows not yet fanned out

ALL_METRIC_NAMES: frozenset[str] = frozenset(
    value for key, value in dict(globals()).items() if key.isupper() and isinstance(value, str)
)
