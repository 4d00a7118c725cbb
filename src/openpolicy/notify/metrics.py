"""The notifier's metrics (names in :mod:`openpolicy.observability.names`)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

from openpolicy.observability import names

DELIVERY_OUTCOMES = ("delivered", "retry", "failed", "disabled")

DELIVERIES = Counter(
    names.WEBHOOK_DELIVERIES_TOTAL,
    "Webhook delivery attempts by outcome: delivered, retry (failed, tried again later), failed (given up), "
    "disabled (failed, and its subscription was disabled).",
    ["outcome"],
)
FAILURES = Counter(
    names.WEBHOOK_DELIVERY_FAILURES_TOTAL,
    "Failed webhook delivery attempts by reason: timeout, connect, http_4xx, http_5xx, refused_address, other.",
    ["reason"],
)
LAG = Histogram(
    names.WEBHOOK_DELIVERY_LAG_SECONDS,
    "Seconds from a change's commit to its event's delivery (first successful attempt).",
    buckets=(0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0, 3600.0, 21600.0, 86400.0, 259200.0),
)
PENDING = Gauge(names.WEBHOOK_PENDING_DELIVERIES, "Webhook deliveries waiting to be delivered (or retried).")
CURSOR_LAG = Gauge(names.NOTIFIER_CURSOR_LAG_EVENTS, "change_log rows the notifier has not fanned out yet.")

for _outcome in DELIVERY_OUTCOMES:
    DELIVERIES.labels(_outcome)
for _reason in ("timeout", "connect", "http_4xx", "http_5xx", "refused_address", "other"):
    FAILURES.labels(_reason)
