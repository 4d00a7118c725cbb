"""The web-interface: ``create_app()`` builds the public site (server-rendered, JavaScript optional).

It reads the platform only through the api-service's HTTP API (``API_URL``) with :class:`ApiClient`.
Operational contract like the api's: ``/health`` (liveness), ``/health/ready`` (the api answers; 503 when not,
or while draining after SIGTERM), ``/metrics`` (same metric names, Prometheus job ``web-interface``), one JSON
log line per request. An api that is down gives a friendly 503 page with retry advice; unknown ids a 404 page.
While the synthetic demo parliament is loaded every page says so in a banner (:mod:`openpolicy.web.notice`).
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException

from openpolicy import __version__
from openpolicy.config import Settings, get_settings
from openpolicy.http.asgi import HeadAsGetMiddleware
from openpolicy.observability.health import is_draining
from openpolicy.observability.logging import access_log, get_logger
from openpolicy.observability.metrics import DEPENDENCY_UP, install_observability
from openpolicy.web.client import ApiBadRequest, ApiClient, ApiNotFound, ApiUnavailable
from openpolicy.web.headers import SecurityHeadersMiddleware
from openpolicy.web.notice import DemoNotice
from openpolicy.web.pagecache import PageCacheMiddleware

SERVICE_NAME = "web-interface"
STATIC_MAX_AGE = 31_536_000  # a year: static URLs carry a content hash
PAGE_MAX_AGE = 30
_log = get_logger("openpolicy.web")

NAV_LINKS = (
    ("/people", "People"),
    ("/bills", "Bills"),
    ("/votes", "Votes"),
    ("/debates", "Debates"),
    ("/districts", "Districts"),
    ("/represent", "Who represents me"),
    ("/committees", "Committees"),
    ("/status", "Data status"),
)


@dataclass(frozen=True)
class StaticFile:
    body: bytes
    media_type: str
    digest: str


def _load_static() -> dict[str, StaticFile]:
    files: dict[str, StaticFile] = {}
    folder = resources.files("openpolicy.web") / "static"
    types = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml"}
    for entry in folder.iterdir():
        suffix = "." + entry.name.rsplit(".", 1)[-1]
        if entry.is_file() and suffix in types:
            body = entry.read_bytes()
            files[entry.name] = StaticFile(body, types[suffix], hashlib.sha256(body).hexdigest()[:12])
    return files


class Renderer:
    """Jinja2 templates with the site's globals (navigation, static URLs)."""

    def __init__(self, settings: Settings, static: dict[str, StaticFile]) -> None:
        self.env = Environment(
            loader=PackageLoader("openpolicy.web", "templates"),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,
        )
        self.env.globals.update(
            nav_links=NAV_LINKS,
            static_url=lambda name: f"/static/{name}?v={static[name].digest}",
            api_docs_url="/docs",
            version=__version__,
        )
        from openpolicy.web import views

        self.env.filters.update(views.FILTERS)

    def page(self, template: str, status: int = 200, *, max_age: int = PAGE_MAX_AGE, **context: Any) -> HTMLResponse:
        html = self.env.get_template(template).render(**context)
        headers = {"Cache-Control": f"public, max-age={max_age}" if status == 200 else "no-store"}
        return HTMLResponse(html, status_code=status, headers=headers)


def _request_id(request: Request) -> str | None:
    state = request.scope.get("state") or {}
    value = state.get("request_id")
    return str(value) if value else None


def error_page(request: Request, status: int, heading: str, message: str, advice: str | None = None) -> Response:
    renderer: Renderer = request.app.state.renderer
    response = renderer.page(
        "error.html",
        status,
        title=heading,
        description=message,
        heading=heading,
        message=message,
        advice=advice,
        retry=str(request.url.path) + (f"?{request.url.query}" if request.url.query else "") if status >= 500 else None,
        request_id=_request_id(request),
        demo_data=request.app.state.demo.known(),
    )
    if status == 503:
        response.headers["Retry-After"] = "30"
    return response


def _install_error_pages(app: FastAPI) -> None:
    @app.exception_handler(ApiUnavailable)
    async def api_unavailable(request: Request, exc: ApiUnavailable) -> Response:
        _log.warning("api unavailable", status=exc.status, detail=exc.detail[:300], path=request.url.path)
        return error_page(
            request,
            503,
            "The data service is unavailable",
            "This page needs the platform's data service, which is not answering right now.",
            "Please try again in a minute. If it keeps happening, the status of the service is being looked into.",
        )

    @app.exception_handler(ApiNotFound)
    async def api_not_found(request: Request, exc: ApiNotFound) -> Response:
        return error_page(
            request,
            404,
            "Not found",
            "There is no record at this address.",
            "It may have been removed, or the link may be mistyped. Try the search box above.",
        )

    @app.exception_handler(ApiBadRequest)
    async def api_bad_request(request: Request, exc: ApiBadRequest) -> Response:
        return error_page(
            request,
            400,
            "That request could not be understood",
            f"The filters or search terms were not accepted: {exc.detail}",
            "Change the filters and try again.",
        )

    @app.exception_handler(RequestValidationError)
    async def bad_parameter(request: Request, exc: RequestValidationError) -> Response:
        names = ", ".join(str(err["loc"][-1]) for err in exc.errors() if err.get("loc"))
        return error_page(
            request,
            400,
            "That request could not be understood",
            f"These parameters were not accepted: {names}.",
            "Change the filters and try again.",
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return error_page(
                request,
                404,
                "Page not found",
                "There is no page at this address.",
                "Check the address, or use the search box above.",
            )
        if exc.status_code == 405:
            return error_page(request, 405, "Method not allowed", "This page can only be read.")
        return error_page(request, exc.status_code, "Request failed", str(exc.detail))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        _log.exception("page failed", path=request.url.path)
        return error_page(
            request,
            500,
            "Something went wrong",
            "The page could not be shown because of an error on our side.",
            "It has been logged. Please try again later.",
        )


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    if app.state.api is None:
        app.state.api = ApiClient(settings.api_url, timeout=settings.api_timeout_seconds, retries=settings.api_retries)
    _log.info("web-interface started", version=__version__, api_url=settings.api_url)
    try:
        yield
    finally:
        await app.state.api.aclose()
        access_log().flush()
        _log.info("web-interface stopped")


def create_app(settings: Settings | None = None, *, api: ApiClient | None = None) -> FastAPI:
    """Build the web-interface. ``api`` may be given (tests); by default one is made from ``API_URL``."""
    from openpolicy.web import debates, feeds, pages, represent

    settings = settings or get_settings()
    app = FastAPI(title="Open Policy Platform web", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.settings = settings
    app.state.api = api
    static = _load_static()
    app.state.static = static
    app.state.renderer = Renderer(settings, static)
    app.state.demo = DemoNotice(ttl=PAGE_MAX_AGE)

    @app.get("/health", include_in_schema=False)
    async def health() -> JSONResponse:
        return JSONResponse({"status": "ok"}, headers={"Cache-Control": "no-store"})

    @app.get("/health/ready", include_in_schema=False)
    async def ready(request: Request) -> JSONResponse:
        client: ApiClient = request.app.state.api
        headers = {"Cache-Control": "no-store"}
        if is_draining():
            return JSONResponse(
                {"status": "draining"}, status_code=503, headers=headers, media_type="application/problem+json"
            )
        up = await client.ping()
        DEPENDENCY_UP.labels("api").set(1 if up else 0)
        if not up:
            body = {
                "type": "about:blank",
                "title": "Service Unavailable",
                "status": 503,
                "detail": f"api unreachable at {settings.api_url}",
                "checks": {"api": {"status": "down"}},
            }
            return JSONResponse(body, status_code=503, headers=headers, media_type="application/problem+json")
        return JSONResponse({"status": "ready", "checks": {"api": {"status": "up"}}}, headers=headers)

    @app.get("/static/{name}", include_in_schema=False)
    async def static_file(name: str, request: Request) -> Response:
        item = static.get(name)
        if item is None:
            raise StarletteHTTPException(404)
        etag = f'"{item.digest}"'
        headers = {"Cache-Control": f"public, max-age={STATIC_MAX_AGE}, immutable", "ETag": etag}
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=headers)
        return Response(item.body, media_type=item.media_type, headers=headers)

    app.include_router(feeds.router)  # before pages: /people/{id}/feed.atom is not a person id
    app.include_router(pages.router)
    app.include_router(represent.router)
    app.include_router(debates.router)
    _install_error_pages(app)
    app.add_middleware(
        PageCacheMiddleware,
        ttl_seconds=settings.web_page_cache_seconds,
        max_bytes=settings.web_page_cache_max_mb * 1024 * 1024,
    )
    app.add_middleware(HeadAsGetMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    install_observability(app, service_name=SERVICE_NAME, settings=settings)
    return app
