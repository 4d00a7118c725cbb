"""Metrics, the per-request log line and request ids, shared by the api-service and the web-interface.

Use it from an app factory::

    from openpolicy.observability.metrics import install_observability

    app = FastAPI(...)
    install_observability(app, service_name="web-interface", settings=settings)

:func:`install_observability` (call it after adding the app's own middleware, so it ends up outermost)

* configures structlog for the process (``LOG_LEVEL``, ``LOG_FORMAT``) and OpenTelemetry tracing from the
  standard ``OTEL_*`` variables (off when none is set; see :mod:`openpolicy.observability.tracing`);
* adds :class:`ObservabilityMiddleware`, a pure ASGI middleware that accepts or generates ``X-Request-ID``
  (echoed on the response, bound to every log line of the request as ``request_id`` and exposed as
  ``request.state.request_id``), counts ``http_requests_total{method,route,status}``, observes
  ``http_request_duration_seconds{method,route}``, tracks ``http_requests_in_flight``, writes one log line per
  request (method, route, path, status, duration_ms, request_id, client; trace_id/span_id when tracing) and
  turns an unexpected exception into a logged ``500 application/problem+json`` that never shows a traceback.
  ``route`` is the route template (``/v1/people/{person_id}``); requests no route matched are labelled
  ``unmatched``. ``/metrics`` and ``/health*`` are neither counted nor logged;
* sets ``openpolicy_build_info{version,commit,service} 1``;
* adds ``GET /metrics``, which first runs the app's scrape callbacks (``app.state.scrape_callbacks``: async
  callables without arguments) and, when the app has ``app.state.sessionmaker``, the hooks in
  :data:`SCRAPE_HOOKS` (each receives the sessionmaker) — all concurrently, each under a 2 s timeout; a failing
  hook is logged (rate-limited) and never breaks ``/metrics``.

Every metric name comes from :mod:`openpolicy.observability.names`. One process = one registry: with several
uvicorn workers each worker has its own figures (run one worker per container and scale replicas instead).
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import orjson
import structlog
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, Histogram, generate_latest

from openpolicy import __version__
from openpolicy.observability import names
from openpolicy.observability.logging import RateLimitedLog, access_log, configure_logging, get_logger

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from openpolicy.config import Settings

# Async hooks run by the api's /metrics endpoint before it renders (each under a timeout, failures logged
# and never breaking /metrics). They refresh gauges that come from the database, such as import freshness.
# A hook receives the app's SQLAlchemy async_sessionmaker.
ScrapeHook = Callable[[Any], Awaitable[None]]
SCRAPE_HOOKS: list[ScrapeHook] = []
SCRAPE_TIMEOUT_SECONDS = 2.0

DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HTTP_REQUESTS = Counter(
    names.HTTP_REQUESTS_TOTAL,
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
)
HTTP_DURATION = Histogram(
    names.HTTP_REQUEST_DURATION_SECONDS,
    "HTTP request duration in seconds, by method and route template.",
    ["method", "route"],
    buckets=DURATION_BUCKETS,
)
HTTP_IN_FLIGHT = Gauge(names.HTTP_REQUESTS_IN_FLIGHT, "HTTP requests being answered right now.")
BUILD_INFO = Gauge(names.BUILD_INFO, "Build of the running service (value 1).", ["version", "commit", "service"])
DEPENDENCY_UP = Gauge(
    names.DEPENDENCY_UP, "1 when the dependency answered the last readiness check, else 0.", ["dependency"]
)
DB_POOL_SIZE = Gauge(names.DB_POOL_SIZE, "Connections the database pool keeps (pool_size).")
DB_POOL_IN_USE = Gauge(names.DB_POOL_IN_USE, "Database connections checked out of the pool.")
CACHE_HITS = Counter(names.CACHE_HITS_TOTAL, "Response cache hits (Redis).")
CACHE_MISSES = Counter(names.CACHE_MISSES_TOTAL, "Response cache misses (Redis).")
CACHE_ERRORS = Counter(
    names.CACHE_ERRORS_TOTAL, "Response cache operations that failed or were skipped (Redis down).", ["operation"]
)
AUDIT_EVENTS = Counter(names.AUDIT_EVENTS_TOTAL, "Audit events recorded, by action and outcome.", ["action", "outcome"])

UNMATCHED_ROUTE = "unmatched"
_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
REQUEST_ID_HEADER = b"x-request-id"
_REQUEST_ID_OK = re.compile(rb"^[A-Za-z0-9._:@/+=-]{1,128}$")

_log = get_logger("openpolicy.http")
_access = access_log()
_hook_log = RateLimitedLog(get_logger("openpolicy.metrics"), interval=60.0)


def is_unobserved_path(path: str) -> bool:
    """``/metrics`` and ``/health*`` are neither counted nor logged per request."""
    return path == "/metrics" or path == "/health" or path.startswith("/health/")


def accept_request_id(raw: bytes | None) -> str:
    """The client's ``X-Request-ID`` when it is sane (1–128 chars of ``[A-Za-z0-9._:@/+=-]``), else a new one."""
    if raw and _REQUEST_ID_OK.match(raw):
        return raw.decode("ascii")
    return os.urandom(16).hex()  # 128 random bits, like a uuid4, at a fraction of the cost


def route_template(scope: Scope) -> str:
    """The matched route's template with the prefixes of included routers (``/v1/people/{person_id}``).

    FastAPI ≥ 0.16x keeps the included router's own route in ``scope["route"]`` (path without the
    ``include_router`` prefix) and the full template in its effective route context; a test pins this.
    """
    fastapi_scope = scope.get("fastapi")
    if isinstance(fastapi_scope, dict):
        context = fastapi_scope.get("effective_route_context")
        full = getattr(context, "path", None)
        if isinstance(full, str) and full:
            return full
    path = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) and path else UNMATCHED_ROUTE


def _internal_error_body(request_id: str, path: str) -> bytes:
    return orjson.dumps(
        {
            "type": "about:blank",
            "title": "Internal Server Error",
            "status": 500,
            "detail": "The server failed to answer this request. Quote the request id when reporting it.",
            "instance": path,
            "request_id": request_id,
        }
    )


class ObservabilityMiddleware:
    """Pure ASGI middleware: request id, request metrics, one log line per request, last-resort 500."""

    def __init__(self, app: ASGIApp, service_name: str = "api-service") -> None:
        self.app = app
        self.service_name = service_name
        self._counters: dict[tuple[str, str, int], Any] = {}  # labelled children, looked up once
        self._histograms: dict[tuple[str, str], Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or is_unobserved_path(scope["path"]):
            await self.app(scope, receive, send)
            return

        raw_id = None
        for key, value in scope["headers"]:
            if key == REQUEST_ID_HEADER:
                raw_id = value
                break
        request_id = accept_request_id(raw_id)
        scope.setdefault("state", {})["request_id"] = request_id
        encoded_id = request_id.encode("ascii")
        status = 500
        started = False

        async def send_wrapper(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                started = True
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (REQUEST_ID_HEADER, encoded_id)]
            await send(message)

        tokens = structlog.contextvars.bind_contextvars(request_id=request_id)
        HTTP_IN_FLIGHT.inc()
        start = time.perf_counter()
        try:
            await self.app(scope, receive, send_wrapper)
        except Exception:
            status = 500
            _log.exception(
                "unhandled exception", method=scope["method"], path=scope["path"], route=route_template(scope)
            )
            if started:
                raise  # the response is half sent: let the server close the connection
            body = _internal_error_body(request_id, scope["path"])
            await send(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [
                        (b"content-type", b"application/problem+json"),
                        (b"content-length", str(len(body)).encode()),
                        (b"cache-control", b"no-store"),
                        (REQUEST_ID_HEADER, encoded_id),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
        finally:
            duration = time.perf_counter() - start
            HTTP_IN_FLIGHT.dec()
            method = scope["method"] if scope["method"] in _KNOWN_METHODS else "OTHER"  # bounded label values
            route = route_template(scope)
            counter = self._counters.get((method, route, status))
            if counter is None:
                counter = self._counters[(method, route, status)] = HTTP_REQUESTS.labels(method, route, str(status))
            histogram = self._histograms.get((method, route))
            if histogram is None:
                histogram = self._histograms[(method, route)] = HTTP_DURATION.labels(method, route)
            counter.inc()
            histogram.observe(duration)
            client = scope.get("client")
            _access.request(
                request_id=request_id,
                method=method,
                route=route,
                path=scope["path"],
                status=status,
                duration_ms=round(duration * 1000, 3),
                client=f"{client[0]}:{client[1]}" if client else None,
                service=self.service_name,
            )
            structlog.contextvars.reset_contextvars(**tokens)


async def _run_one(name: str, hook: Callable[[], Awaitable[None]]) -> None:
    try:
        await asyncio.wait_for(hook(), timeout=SCRAPE_TIMEOUT_SECONDS)
    except Exception as exc:  # a hook never breaks /metrics
        _hook_log.warning("metrics scrape hook failed", hook=name, error=f"{type(exc).__name__}: {exc}")


async def run_scrape_callbacks(app: Any) -> None:
    """Run the app's scrape callbacks and (with a sessionmaker) :data:`SCRAPE_HOOKS`, concurrently."""
    jobs: list[Awaitable[None]] = []
    for callback in getattr(app.state, "scrape_callbacks", []):
        jobs.append(_run_one(getattr(callback, "__qualname__", repr(callback)), callback))
    sessionmaker = getattr(app.state, "sessionmaker", None)
    if sessionmaker is not None:
        for hook in list(SCRAPE_HOOKS):

            def bound(hook: ScrapeHook = hook) -> Awaitable[None]:
                return hook(sessionmaker)

            jobs.append(_run_one(getattr(hook, "__qualname__", repr(hook)), bound))
    if jobs:
        await asyncio.gather(*jobs)


async def metrics_endpoint(request: Request) -> Response:
    from starlette.responses import Response

    await run_scrape_callbacks(request.app)
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})


def install_observability(app: FastAPI, *, service_name: str, settings: Settings | None = None) -> None:
    """Wire logging, tracing, request metrics/logs/ids, build info and ``GET /metrics`` into ``app``.

    See the module docstring for what each part does. Call it once per app, after the app's own middleware.
    """
    from openpolicy.config import get_settings
    from openpolicy.observability.tracing import configure_tracing

    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.log_format)
    BUILD_INFO.labels(__version__, settings.build_commit, service_name).set(1)
    if not hasattr(app.state, "scrape_callbacks"):
        app.state.scrape_callbacks = []
    app.add_route("/metrics", metrics_endpoint, methods=["GET"], include_in_schema=False)
    app.add_middleware(ObservabilityMiddleware, service_name=service_name)
    configure_tracing(service_name, app=app)
