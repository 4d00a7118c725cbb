"""Tracing: a real api process exports OTLP/HTTP spans to a receiver started by the test."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest
from tests.support import start_api
from tests.support.services import OtlpReceiver

pytestmark = pytest.mark.slow

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_SPAN = "00f067aa0ba902b7"
PEOPLE_TRACE = "5bf92f3577b34da6a3ce929d0e0e4737"


def test_request_yields_server_and_database_spans_and_logs_carry_the_trace(tmp_path: Path, database_url: str) -> None:
    receiver = OtlpReceiver()
    try:
        service, base = start_api(
            database_url,
            tmp_path,
            extra_env={
                "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
                "OTEL_BSP_SCHEDULE_DELAY": "100",
                "SHUTDOWN_DRAIN_SECONDS": "0",
            },
        )
        try:
            response = httpx.get(
                f"{base}/v1/jurisdictions",
                headers={"traceparent": f"00-{TRACE_ID}-{PARENT_SPAN}-01", "X-Request-ID": "trace-1"},
            )
            assert response.status_code == 200
            # people are served from a document PostgreSQL builds, sent to asyncpg directly: traced too
            people = httpx.get(f"{base}/v1/people", headers={"traceparent": f"00-{PEOPLE_TRACE}-{PARENT_SPAN}-01"})
            assert people.status_code == 200
            deadline = time.monotonic() + 15
            while True:
                spans = [s for s in receiver.snapshot() if s["trace_id"] == TRACE_ID]
                people_spans = [s for s in receiver.snapshot() if s["trace_id"] == PEOPLE_TRACE]
                if (
                    any("sqlalchemy" in s["scope"] for s in spans)
                    and any(s["kind"] == 2 for s in spans)
                    and any(s["scope"] == "openpolicy.db" for s in people_spans)
                ):
                    break
                assert time.monotonic() < deadline, f"spans not received: {receiver.snapshot()}"
                time.sleep(0.1)
        finally:
            assert service.stop() == 0
    finally:
        receiver.close()

    by_id = {s["span_id"]: s for s in spans}
    server = [s for s in spans if s["kind"] == 2]  # SPAN_KIND_SERVER
    assert len(server) == 1
    assert server[0]["parent_span_id"] == PARENT_SPAN  # W3C traceparent propagated
    assert server[0]["service"] == "api-service"
    assert "/v1/jurisdictions" in server[0]["name"]
    db_spans = [s for s in spans if "sqlalchemy" in s["scope"]]
    assert db_spans
    for span in db_spans:  # every database span descends from the request's server span
        ancestor = span
        while ancestor["parent_span_id"] in by_id and ancestor["span_id"] != server[0]["span_id"]:
            ancestor = by_id[ancestor["parent_span_id"]]
        assert ancestor["span_id"] == server[0]["span_id"], span

    (people_server,) = [s for s in people_spans if s["kind"] == 2]
    (document,) = [s for s in people_spans if s["scope"] == "openpolicy.db"]
    assert document["name"] == "SELECT people_page" and document["kind"] == 3  # SPAN_KIND_CLIENT
    people_by_id = {s["span_id"]: s for s in people_spans}
    ancestor = document
    while ancestor["parent_span_id"] in people_by_id and ancestor["span_id"] != people_server["span_id"]:
        ancestor = people_by_id[ancestor["parent_span_id"]]
    assert ancestor["span_id"] == people_server["span_id"]

    lines = [json.loads(x) for x in service.log_path.read_text().splitlines() if x.startswith("{")]
    request_line = next(x for x in lines if x.get("event") == "request" and x.get("request_id") == "trace-1")
    assert request_line["trace_id"] == TRACE_ID
    assert request_line["span_id"] == server[0]["span_id"]


def test_tracing_is_off_without_otel_variables() -> None:
    from openpolicy.observability.tracing import tracing_requested

    assert not tracing_requested({})
    assert not tracing_requested({"OTEL_SERVICE_NAME": "x"})
    assert tracing_requested({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"})
    assert tracing_requested({"OTEL_TRACES_EXPORTER": "console"})
    assert not tracing_requested({"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"})
    assert not tracing_requested({"OTEL_SDK_DISABLED": "true", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"})
