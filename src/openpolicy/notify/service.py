"""``openpolicy serve notifier``: the notifier process — the work loops of :mod:`.worker` and a small HTTP
server on ``NOTIFIER_PORT`` (8002) for probes and Prometheus.

* ``/health/live`` (also ``/health``): 200 while the process serves HTTP (touches nothing);
* ``/health/ready``: 200 while the work loops run and PostgreSQL answers (``SELECT 1``), else 503
  ``application/problem+json`` naming what failed — also from SIGTERM on;
* ``/metrics``: the webhook metrics (the pending and cursor-lag gauges read from the database at each scrape),
  the build info and the dependency gauge.

SIGTERM or SIGINT: stop claiming and fanning out, let deliveries in flight finish within the delivery timeout
(release the rest), close the HTTP server and exit 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Generator
from typing import Any

import orjson
import uvicorn
from fastapi import FastAPI
from starlette.responses import Response

from openpolicy.config import Settings
from openpolicy.notify.worker import Notifier
from openpolicy.observability.health import run_checks
from openpolicy.observability.logging import get_logger
from openpolicy.observability.metrics import install_observability

SERVICE_NAME = "notifier"
_log = get_logger("openpolicy.notify.service")


def create_app(notifier: Notifier, settings: Settings) -> FastAPI:
    app = FastAPI(title="Open Policy Platform notifier", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings

    def _json(body: Any, status: int = 200, media_type: str = "application/json") -> Response:
        return Response(
            orjson.dumps(body), status_code=status, media_type=media_type, headers={"Cache-Control": "no-store"}
        )

    @app.get("/health")
    @app.get("/health/live")
    async def live() -> Response:
        return _json({"status": "ok"})

    async def database() -> None:
        if not await notifier.ready():
            raise RuntimeError("not running" if not notifier.running or notifier.stopping else "no answer")

    @app.get("/health/ready")
    async def ready() -> Response:
        if notifier.stopping or not notifier.running:
            return _json(
                {"type": "about:blank", "title": "Service Unavailable", "status": 503, "failed": ["shutdown"],
                 "detail": "the notifier is starting or stopping"},
                503, "application/problem+json",
            )  # fmt: skip
        results = await run_checks({"database": database}, settings.readiness_timeout_seconds + 2)
        checks = {name: result.as_dict() for name, result in results.items()}
        failed = [name for name, result in results.items() if not result.up]
        if failed:
            return _json(
                {"type": "about:blank", "title": "Service Unavailable", "status": 503, "failed": failed,
                 "checks": checks},
                503, "application/problem+json",
            )  # fmt: skip
        return _json({"status": "ok", "checks": checks})

    app.state.scrape_callbacks = [notifier.refresh_gauges]
    install_observability(app, service_name=SERVICE_NAME, settings=settings)
    return app


class _Server(uvicorn.Server):
    """uvicorn's server without its signal handling: the notifier stops it after draining."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


async def serve(settings: Settings, dsn: str, *, host: str, port: int) -> int:
    """Run until SIGTERM/SIGINT; the exit code (0 after a clean stop, 1 when the HTTP server could not start)."""
    notifier = Notifier(settings, dsn)
    await notifier.start()
    app = create_app(notifier, settings)
    server = _Server(
        uvicorn.Config(
            app, host=host, port=port, log_config=None, access_log=False, lifespan="off", server_header=False
        )
    )
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, notifier.stop)
    http = asyncio.create_task(server.serve())
    work = asyncio.create_task(notifier.run())
    _log.info("notifier started", port=port, replica=notifier.replica)
    done, _ = await asyncio.wait({http, work}, return_when=asyncio.FIRST_COMPLETED)
    code = 0
    if http in done:  # the listener failed (port taken ...): stop the work too
        code = 1
        notifier.stop()
        await work
    else:
        await work
        server.should_exit = True
        with contextlib.suppress(SystemExit):
            await http
    if http.done() and not http.cancelled():
        exc = http.exception()
        if isinstance(exc, SystemExit) or (exc is None and not server.started):
            code = 1
    _log.info("notifier stopped", replica=notifier.replica, code=code)
    return code
