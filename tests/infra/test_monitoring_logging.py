"""Log shipping config (OpenTelemetry Collector → Loki): every pipeline component is defined and used, the
fields the collector parses exist in real JSON log lines of the app (with an active span), and the Loki labels
are exactly service, pod, namespace and level while trace_id stays a field.

No collector binary can be installed here (see /work/shared/TOOLING.md), so the config is checked statically
against the app's real output rather than by running the collector."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import subprocess
import sys
from typing import Any

import yaml
from tests.support.monitoring import MONITORING

LOGGING = MONITORING / "logging"
COLLECTOR = LOGGING / "otel-collector.yaml"

_EMIT = """
from opentelemetry import trace
from openpolicy.observability.logging import configure_logging, get_logger
from openpolicy.observability.tracing import configure_tracing
configure_logging("INFO", "json")
assert configure_tracing("api-service"), "tracing did not turn on from OTEL_TRACES_EXPORTER"
with trace.get_tracer("test").start_as_current_span("request"):
    get_logger("openpolicy.http").warning("request", route="/v1/people/{person_id}", status=200)
"""


def collector() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COLLECTOR.read_text())
    return data


def app_log_line() -> dict[str, Any]:
    """The app's JSON log line for a request, written with tracing on (configured through OTEL_* only)."""
    env = {**os.environ, "OTEL_TRACES_EXPORTER": "console", "OTEL_SERVICE_NAME": "api-service"}
    out = subprocess.run([sys.executable, "-c", _EMIT], capture_output=True, text=True, timeout=60, check=True, env=env)
    for text in out.stdout.splitlines():
        with contextlib.suppress(ValueError):
            line = json.loads(text)
            if isinstance(line, dict) and line.get("event") == "request":
                return line
    raise AssertionError(f"no request log line in:\n{out.stdout}")


def test_pipeline_components_are_defined_and_used() -> None:
    config = collector()
    used: set[tuple[str, str]] = set()
    for pipeline in config["service"]["pipelines"].values():
        for kind in ("receivers", "processors", "exporters"):
            for name in pipeline.get(kind, []):
                assert name in config[kind], f"{kind}: {name} used but not defined"
                used.add((kind, name))
    for kind in ("receivers", "processors", "exporters"):
        for name in config[kind]:
            assert (kind, name) in used, f"{kind}: {name} defined but unused"
    for name in config["service"].get("extensions", []):
        assert name in config["extensions"]
    assert "logs" in config["service"]["pipelines"]


def test_parsed_fields_exist_in_the_apps_log_lines() -> None:
    line = app_log_line()
    operators = {op["type"]: op for op in collector()["receivers"]["filelog"]["operators"]}
    json_op = operators["json_parser"]
    fields = {
        json_op["timestamp"]["parse_from"],
        json_op["severity"]["parse_from"],
        operators["trace_parser"]["trace_id"]["parse_from"],
        operators["trace_parser"]["span_id"]["parse_from"],
        operators["move"]["from"],
        operators["copy"]["from"],
    }
    for field in fields:
        assert field.startswith("attributes.")
        assert field.removeprefix("attributes.") in line, (field, line)
    assert len(line["trace_id"]) == 32 and len(line["span_id"]) == 16
    # The Go layout of the timestamp parser accepts the app's format (RFC 3339, microseconds, Z).
    assert json_op["timestamp"]["layout"] == "2006-01-02T15:04:05.999999Z07:00"
    parsed = dt.datetime.strptime(line["timestamp"], "%Y-%m-%dT%H:%M:%S.%f%z")
    assert parsed.tzinfo is not None
    mapping = json_op["severity"]["mapping"]
    assert line["level"] in {"debug", "info", "error"} | set(mapping.values())


def test_labels_are_service_pod_level_and_trace_id_is_a_field() -> None:
    config = collector()
    resource_keys = {a["key"] for a in config["processors"]["resource/labels"]["attributes"]}
    operators = {op["type"]: op for op in config["receivers"]["filelog"]["operators"]}
    resource_keys.add(operators["copy"]["to"].removeprefix("resource."))
    limits = yaml.safe_load((LOGGING / "loki-otlp-limits.yaml").read_text())["limits_config"]
    labels = {
        attr
        for cfg in limits["otlp_config"]["resource_attributes"]["attributes_config"]
        if cfg["action"] == "index_label"
        for attr in cfg["attributes"]
    }
    assert {"service", "pod", "level"} <= labels
    assert labels <= resource_keys, labels - resource_keys
    assert "trace_id" not in labels
    assert limits["allow_structured_metadata"] is True
    service = next(
        lbl for lbl in config["processors"]["k8sattributes"]["extract"]["labels"] if lbl["tag_name"] == "service.name"
    )
    assert service["key"] == "app.kubernetes.io/name"
