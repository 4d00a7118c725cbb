"""The api-service: ``create_app()`` builds the FastAPI application.

Wiring, outermost first: OpenTelemetry server spans (when ``OTEL_*`` asks for them) →
:class:`~openpolicy.observability.metrics.ObservabilityMiddleware` (request id, metrics, one log line per
request, last-resort 500) → :class:`~openpolicy.api.cache.HttpCacheMiddleware` (ETag, Cache-Control, 304,
gzip, Redis response cache) → FastAPI (problem+json error handlers, routers).

Routes: every router of :data:`openpolicy.api.routers.ROUTERS` under ``/v1``; ``/health``, ``/health/ready``
(:mod:`openpolicy.api.health`), ``/metrics``, ``/docs`` and ``/openapi.json``.

The lifespan opens the database engine (``openpolicy.db.engine``; the embedded PostgreSQL when
``DATABASE_URL`` is unset) and, with ``REDIS_URL``, a Redis client, and puts them on ``app.state``:
``settings``, ``engine`` and ``sessionmaker`` (SQLAlchemy: the ORM endpoints, readiness), ``database`` (the
document path's asyncpg pool, :class:`~openpolicy.api.deps.Database`), ``redis`` (or None) and
``response_cache`` (or None). Neither has to be reachable at start: an unreachable database is logged and
reported by ``/health/ready`` (503) until it answers; the process keeps serving ``/health``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute

from openpolicy import __version__
from openpolicy.api.cache import HttpCacheMiddleware, RedisResponseCache, connect_async
from openpolicy.api.errors import document_problems, install_error_handlers
from openpolicy.api.ratelimit import RateLimitMiddleware
from openpolicy.api.strict import StrictRoute
from openpolicy.config import Settings, get_settings
from openpolicy.http.asgi import HeadAsGetMiddleware
from openpolicy.observability.logging import access_log, get_logger, mask_url_passwords
from openpolicy.observability.metrics import DB_POOL_IN_USE, DB_POOL_SIZE, install_observability
from openpolicy.observability.tracing import instrument_engine, shutdown_tracing

SERVICE_NAME = "api-service"
_log = get_logger("openpolicy.api")


def _pool_gauges(state: Any) -> Any:
    async def collect_pool() -> None:
        """The document path's asyncpg pool (the api's busy connections), read through its public methods."""
        database = getattr(state, "database", None)
        if database is None:
            return
        pool = database.pool
        DB_POOL_SIZE.set(pool.get_max_size())
        DB_POOL_IN_USE.set(pool.get_size() - pool.get_idle_size())

    return collect_pool


def _dependency_gauges(state: Any) -> Any:
    async def collect_dependencies() -> None:
        from openpolicy.api.health import readiness

        if getattr(state, "engine", None) is not None:
            await readiness(state)

    return collect_dependencies


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    from openpolicy.api.deps import Database
    from openpolicy.api.health import readiness
    from openpolicy.db.engine import create_engine, create_pool, create_sessionmaker

    settings: Settings = app.state.settings
    engine = await asyncio.to_thread(create_engine, settings, application_name=SERVICE_NAME, read_only=True)
    app.state.engine = engine
    app.state.sessionmaker = create_sessionmaker(engine)
    pool = await create_pool(settings, engine.url.render_as_string(hide_password=False), application_name=SERVICE_NAME)
    app.state.database = Database(pool, settings.db_pool_timeout_seconds)
    instrument_engine(engine)
    redis = None
    if settings.redis_url:
        redis = connect_async(settings.redis_url, settings.redis_timeout_seconds)
        if settings.cache_ttl_seconds > 0:
            app.state.response_cache = RedisResponseCache(
                redis,
                settings.cache_ttl_seconds,
                settings.redis_timeout_seconds,
                local_max_bytes=settings.cache_local_max_mb * 1024 * 1024,
            )
    app.state.redis = redis
    ready, body = await readiness(app.state)
    database = body["checks"].get("database", {})
    if not ready:
        _log.error(
            "database unreachable at start; /health/ready answers 503 until it is back",
            error=database.get("error"),
            database=mask_url_passwords(engine.url.render_as_string(hide_password=True)),
        )
    _log.info(
        "api-service started",
        version=__version__,
        database_status=database.get("status"),
        redis_status=body["checks"].get("redis", {}).get("status", "not configured"),
    )
    try:
        yield
    finally:
        app.state.response_cache = None
        await app.state.database.close()
        if redis is not None:
            await redis.aclose()
        await engine.dispose()
        shutdown_tracing()
        access_log().flush()
        _log.info("api-service stopped")


def add_routes(app: FastAPI, router: APIRouter, prefix: str = "") -> None:
    """Add ``router``'s routes to ``app`` itself, each under ``prefix``: what ``app.include_router`` does, as flat
    routes.

    FastAPI's ``include_router`` (0.16x) keeps every included router as one branch that a request descends into
    to try each of its routes, with the branch's context saved and restored around every attempt: finding
    ``/v1/votes/{id}`` behind the other resources' routers cost many times what a route of the app's own list
    does. The routes here are the routers' own
    (path, endpoint, response model, tags, responses, OpenAPI data), so ``/openapi.json`` is unchanged
    (``test_openapi_is_the_routers``). Only plain ``APIRoute``s without router-level dependencies are used here.
    Each becomes a :class:`~openpolicy.api.strict.StrictRoute`: its query string is checked against the parameters
    it declares.
    """
    for route in router.routes:
        if not isinstance(route, APIRoute) or router.dependencies:
            raise TypeError(f"{route!r}: add_routes takes plain APIRoutes of routers without dependencies")
        app.router.add_api_route(
            prefix + route.path,
            route.endpoint,
            response_model=route.response_model,
            status_code=route.status_code,
            tags=route.tags,
            dependencies=route.dependencies,
            summary=route.summary,
            description=route.description,
            response_description=route.response_description,
            responses=route.responses,
            deprecated=route.deprecated,
            methods=route.methods,
            operation_id=route.operation_id,
            response_model_include=route.response_model_include,
            response_model_exclude=route.response_model_exclude,
            response_model_by_alias=route.response_model_by_alias,
            response_model_exclude_unset=route.response_model_exclude_unset,
            response_model_exclude_defaults=route.response_model_exclude_defaults,
            response_model_exclude_none=route.response_model_exclude_none,
            include_in_schema=route.include_in_schema,
            response_class=route.response_class,
            name=route.name,
            route_class_override=StrictRoute,
            callbacks=route.callbacks,
            openapi_extra=route.openapi_extra,
            generate_unique_id_function=route.generate_unique_id_function,
        )


EXPOSED_HEADERS = ["ETag", "X-Request-ID", "Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"]


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the api-service (see the module docstring). ``settings`` default to the environment's."""
    from openpolicy.api import docs, health
    from openpolicy.api.routers import ROUTERS

    settings = settings or get_settings()
    app = FastAPI(
        title="Open Policy Platform API",
        version=__version__,
        summary="Open parliamentary data: people, parties, districts, bills, votes, committees.",
        description=(
            "Read-only API over open parliamentary data (Popolo / Open Civic Data shapes), and webhook "
            "subscriptions for API keys (/v1/subscriptions). Every error is "
            "`application/problem+json` (RFC 9457); every GET carries an ETag and Cache-Control and answers "
            "304 to a matching If-None-Match; responses are gzip-compressed for clients that accept it."
        ),
        lifespan=lifespan,
        docs_url=None,  # /docs is openpolicy.api.docs: Swagger UI from the api itself, no CDN
        openapi_url="/openapi.json",
        redoc_url=None,
        # FastAPI's native telemetry is off: tracing goes through openpolicy.observability.tracing (OTEL_*),
        # and its per-request provider checks cost more than a cache hit.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.engine = None
    app.state.sessionmaker = None
    app.state.redis = None
    app.state.response_cache = None
    app.state.scrape_callbacks = [_pool_gauges(app.state), _dependency_gauges(app.state)]
    install_error_handlers(app)
    document_problems(app)
    add_routes(app, health.router)
    add_routes(app, docs.router)
    for router in ROUTERS:
        add_routes(app, router, prefix="/v1")
    app.add_middleware(HttpCacheMiddleware, state=app.state, max_age=settings.http_max_age_seconds)
    app.add_middleware(HeadAsGetMiddleware)
    app.add_middleware(RateLimitMiddleware, state=app.state)
    # Public, read-only data: any origin may read it from a browser (no credentials); preflights are answered.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "HEAD", "OPTIONS"],
        allow_headers=["Accept", "If-None-Match", "X-Request-ID", "X-API-Key", "Authorization"],
        expose_headers=EXPOSED_HEADERS,
        allow_credentials=False,
        max_age=86400,
    )
    install_observability(app, service_name=SERVICE_NAME, settings=settings)
    return app
