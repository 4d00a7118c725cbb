"""Run a service under uvicorn with a graceful drain: ``openpolicy serve api`` (and any app factory).

SIGTERM (Kubernetes, podman stop, compose down) starts the drain:

1. at once ``/health/ready`` answers 503 (:func:`openpolicy.observability.health.mark_draining`), while the
   server keeps accepting and answering requests for ``SHUTDOWN_DRAIN_SECONDS`` so load balancers notice
   and stop routing here;
2. then the listener closes and in-flight requests get the rest of ``SHUTDOWN_GRACE_SECONDS`` to finish
   (uvicorn's graceful shutdown; whatever is still running after that is cancelled);
3. the lifespan shuts down (engine disposed, Redis closed, spans flushed) and the process exits 0.

A second SIGTERM skips the rest of the drain window; SIGINT (Ctrl-C) skips the window altogether, and a
second SIGINT exits at once. The drain window is clamped to the grace period.

uvicorn's access log is off (the observability middleware writes one line per request) and its own logs go
through structlog. With ``workers > 1`` uvicorn's supervisor forwards SIGTERM to every worker, each drains
the same way.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import time
from collections.abc import Generator
from types import FrameType
from typing import Any

import uvicorn

from openpolicy.config import Settings
from openpolicy.observability.health import mark_draining
from openpolicy.observability.logging import configure_logging, get_logger

DEFAULT_FACTORY = "openpolicy.api.app:create_app"
_log = get_logger("openpolicy.server")


class DrainingServer(uvicorn.Server):
    """uvicorn's server with a drain window between SIGTERM and closing the listener (module docstring)."""

    def __init__(self, config: uvicorn.Config, drain_seconds: float) -> None:
        super().__init__(config)
        self.drain_seconds = drain_seconds
        self.drain_deadline: float | None = None

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if sig == signal.SIGTERM and self.drain_deadline is None and not self.should_exit:
            mark_draining()
            self.drain_deadline = time.monotonic() + self.drain_seconds
            _log.info("SIGTERM: draining", drain_seconds=self.drain_seconds)
            if self.drain_seconds <= 0:
                self.should_exit = True
            return
        if sig == signal.SIGINT:
            mark_draining()
        super().handle_exit(sig, frame)

    async def on_tick(self, counter: int) -> bool:
        if self.drain_deadline is not None and not self.should_exit and time.monotonic() >= self.drain_deadline:
            _log.info("drain window over: closing the listener, waiting for in-flight requests")
            self.should_exit = True
        return await super().on_tick(counter)

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        """Install our handlers; unlike uvicorn's, do not re-raise the signal afterwards (exit code 0)."""
        handled = (signal.SIGINT, signal.SIGTERM)
        try:
            original = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
        except ValueError:  # not the main thread
            yield
            return
        try:
            yield
        finally:
            for sig, handler in original.items():
                signal.signal(sig, handler)


def _draining_process_class() -> type:
    """uvicorn's worker ``Process`` whose server is a :class:`DrainingServer` (for ``workers > 1``)."""
    from uvicorn.supervisors.multiprocess import Process

    class _DrainingProcess(Process):
        @property
        def server(self) -> uvicorn.Server:
            if self._server is None:
                from openpolicy.config import load_settings

                settings = load_settings()
                drain = min(settings.shutdown_drain_seconds, settings.shutdown_grace_seconds)
                self._server = DrainingServer(config=self.config, drain_seconds=drain)
            return self._server

    _DrainingProcess.__qualname__ = "DrainingProcess"
    _DrainingProcess.__name__ = "DrainingProcess"
    return _DrainingProcess


def build_config(
    settings: Settings,
    *,
    host: str | None = None,
    port: int | None = None,
    workers: int | None = None,
    app: Any = DEFAULT_FACTORY,
    factory: bool = True,
) -> tuple[uvicorn.Config, float]:
    """The uvicorn config for ``app`` (import string of a factory taking no arguments, or an app object)."""
    grace = settings.shutdown_grace_seconds
    drain = min(settings.shutdown_drain_seconds, grace)
    config = uvicorn.Config(
        app,
        factory=factory,
        host=host or settings.host,
        port=port or settings.api_port,
        workers=workers or settings.api_workers,
        log_config=None,
        access_log=False,
        server_header=False,
        # The socket's peer is the client: X-Forwarded-For is believed only from TRUSTED_PROXIES, by the api's
        # quotas (openpolicy.api.ratelimit), never rewritten into the scope by uvicorn.
        proxy_headers=False,
        lifespan="on",
        timeout_graceful_shutdown=max(round(grace - drain), 1),
        log_level=settings.log_level.lower(),
    )
    return config, drain


def run(
    settings: Settings,
    *,
    host: str | None = None,
    port: int | None = None,
    workers: int | None = None,
    app: Any = DEFAULT_FACTORY,
    factory: bool = True,
) -> int:
    """Serve until SIGTERM/SIGINT; return the process exit code (0 after a clean drain, 3 when start failed)."""
    configure_logging(settings.log_level, settings.log_format)
    config, drain = build_config(settings, host=host, port=port, workers=workers, app=app, factory=factory)
    server = DrainingServer(config, drain)
    _log.info(
        "starting",
        app=app if isinstance(app, str) else type(app).__name__,
        host=config.host,
        port=config.port,
        workers=config.workers,
        shutdown_grace_seconds=settings.shutdown_grace_seconds,
        shutdown_drain_seconds=drain,
    )
    if config.workers > 1:
        if not isinstance(app, str):
            raise ValueError("several workers need the app as an import string")
        import uvicorn.supervisors.multiprocess as mp

        # The supervisor builds its workers from the module's ``Process``: point it at ours, whose server
        # drains (the class is picklable as openpolicy.api.server.DrainingProcess for the spawned workers).
        mp.Process = DrainingProcess  # type: ignore[misc,assignment]
        sock = config.bind_socket()
        mp.Multiprocess(config, sockets=[sock]).run()
        return 0
    server.run()
    if not server.started:
        _log.error("server did not start")
        return 3
    _log.info("exited cleanly")
    return 0


DrainingProcess = _draining_process_class()


def main() -> None:  # pragma: no cover - `python -m openpolicy.api.server [factory]`
    from openpolicy.config import load_settings

    target = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_FACTORY
    sys.exit(run(load_settings(), app=target))


if __name__ == "__main__":  # pragma: no cover
    main()
