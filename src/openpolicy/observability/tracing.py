"""OpenTelemetry tracing for the api-service and the web-interface, configured only by the standard variables.

Tracing is **on** when ``OTEL_SDK_DISABLED`` is not ``true`` and one of ``OTEL_EXPORTER_OTLP_ENDPOINT``,
``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` or ``OTEL_TRACES_EXPORTER`` (other than ``none``) is set; otherwise
nothing is installed and requests pay nothing. The exporter is OTLP over HTTP/protobuf (``otlp``, reading
``OTEL_EXPORTER_OTLP_*`` itself) or ``console``; spans are batched (``OTEL_BSP_*``). The service name is
``OTEL_SERVICE_NAME`` when set, else the name the caller passes; ``OTEL_RESOURCE_ATTRIBUTES`` is honoured.
Propagation is W3C ``traceparent``/``baggage`` (``OTEL_PROPAGATORS`` overrides).

What gets traced once on: incoming HTTP (FastAPI/ASGI server spans), SQLAlchemy statements of the engines
passed to :func:`instrument_engine` (child spans of the request), redis-py commands and httpx requests (so the
web's calls to the api carry ``traceparent`` and the api's server span becomes their child). Log lines get
``trace_id``/``span_id`` from :mod:`openpolicy.observability.logging`.

Usage::

    configure_tracing("api-service", app=app)          # in the app factory, before the app starts
    instrument_engine(engine)                          # once the AsyncEngine exists (lifespan)
    shutdown_tracing()                                 # at shutdown: flush what is buffered
"""

from __future__ import annotations

import contextlib
import os
import threading
from typing import Any

from openpolicy.observability.logging import enable_trace_fields, get_logger

_log = get_logger("openpolicy.tracing")
_lock = threading.Lock()
_provider: Any = None
_libraries_instrumented = False
_engines: set[int] = set()


def tracing_requested(environ: os._Environ[str] | dict[str, str] | None = None) -> bool:
    """True when the ``OTEL_*`` variables ask for traces (see the module docstring)."""
    env = os.environ if environ is None else environ
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    exporter = env.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if exporter == "none":
        return False
    return bool(exporter or env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))


def _make_provider(service_name: str) -> Any:
    from opentelemetry import trace
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter

    attributes: dict[str, str] = {}
    if not os.environ.get("OTEL_SERVICE_NAME"):
        attributes[SERVICE_NAME] = service_name
    provider = TracerProvider(resource=Resource.create(attributes))
    exporters: list[SpanExporter] = []
    names = [n.strip().lower() for n in os.environ.get("OTEL_TRACES_EXPORTER", "otlp").split(",") if n.strip()]
    for name in names or ["otlp"]:
        if name == "console":
            exporters.append(ConsoleSpanExporter())
        elif name in {"otlp", "otlp_proto_http"}:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            exporters.append(OTLPSpanExporter())
        else:
            _log.warning("unknown OTEL_TRACES_EXPORTER entry ignored", exporter=name)
    for exporter in exporters:
        provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    return provider


def _instrument_libraries() -> None:
    global _libraries_instrumented
    if _libraries_instrumented:
        return
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    RedisInstrumentor().instrument()
    HTTPXClientInstrumentor().instrument()
    _libraries_instrumented = True


def configure_tracing(service_name: str, *, app: Any = None, engine: Any = None) -> bool:
    """Set up the tracer provider (once per process) and instrument ``app`` and ``engine`` when given.

    Returns True when tracing is on. ``app`` is a FastAPI/Starlette app not yet started; ``engine`` a
    SQLAlchemy ``AsyncEngine`` or ``Engine``. Safe to call several times.
    """
    global _provider
    if not tracing_requested():
        return False
    with _lock:
        if _provider is None:
            _provider = _make_provider(service_name)
            _instrument_libraries()
            enable_trace_fields()
            _log.info("tracing on", service=os.environ.get("OTEL_SERVICE_NAME") or service_name)
    if app is not None and not getattr(app.state, "otel_instrumented", False):
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

        FastAPIInstrumentor.instrument_app(app, excluded_urls="/metrics,/health,/health/ready")
        app.state.otel_instrumented = True
    if engine is not None:
        instrument_engine(engine)
    return True


def instrument_engine(engine: Any) -> None:
    """Trace every statement of ``engine`` (AsyncEngine or Engine) when tracing is on; idempotent."""
    if _provider is None:
        return
    sync_engine = getattr(engine, "sync_engine", engine)
    with _lock:
        if id(sync_engine) in _engines:
            return
        _engines.add(id(sync_engine))
    from opentelemetry import metrics, trace
    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer

    tracer = trace.get_tracer("opentelemetry.instrumentation.sqlalchemy")
    usage = metrics.get_meter("opentelemetry.instrumentation.sqlalchemy").create_up_down_counter(
        name="db.client.connections.usage", unit="connections", description="connections in use"
    )
    EngineTracer(tracer, sync_engine, usage)  # type: ignore[no-untyped-call]


def db_span(name: str) -> Any:
    """A client span around one statement the api sends to asyncpg directly (``openpolicy.api.documents``), named
    ``SELECT <name>``; a no-op context when tracing is off."""
    if _provider is None:
        return contextlib.nullcontext()
    from opentelemetry import trace

    return trace.get_tracer("openpolicy.db").start_as_current_span(
        f"SELECT {name}",
        kind=trace.SpanKind.CLIENT,
        attributes={"db.system": "postgresql", "db.operation": "SELECT", "db.statement.name": name},
    )


def shutdown_tracing() -> None:
    """Flush buffered spans (call at process shutdown)."""
    if _provider is not None:
        _provider.force_flush(timeout_millis=5000)
