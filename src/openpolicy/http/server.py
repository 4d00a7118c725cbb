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

HTTP limits (:class:`LimitedHTTPProtocol`, uvicorn's own protocol with a guard in front of its parser), from the
``HTTP_*`` settings: a request's line and headers must arrive within ``HTTP_HEADER_TIMEOUT_SECONDS`` of its first
byte (of the connection's opening for the first request), else the connection is closed — with a 408 when part
of a request had come; a head larger than ``HTTP_MAX_HEADER_BYTES`` or with more than ``HTTP_MAX_HEADERS``
fields is a 431, a request line longer than ``HTTP_MAX_URL_BYTES`` a 414, each an ``application/problem+json``
answer after which the connection is closed, decided as the bytes arrive (an oversized head is never buffered
whole). Idle keep-alive connections close after ``HTTP_KEEPALIVE_TIMEOUT_SECONDS``.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import time
from collections.abc import Generator
from dataclasses import dataclass
from types import FrameType
from typing import Any, ClassVar

import orjson
import uvicorn
from uvicorn.protocols.http.auto import AutoHTTPProtocol

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


@dataclass(frozen=True)
class HttpLimits:
    """The request-head limits of :class:`LimitedHTTPProtocol` (the ``HTTP_*`` settings)."""

    header_timeout: float
    max_head_bytes: int
    max_headers: int
    max_url_bytes: int

    @classmethod
    def from_settings(cls, settings: Settings) -> HttpLimits:
        return cls(
            settings.http_header_timeout_seconds,
            settings.http_max_header_bytes,
            settings.http_max_headers,
            settings.http_max_url_bytes,
        )


def _problem_bytes(status: int, reason: str, detail: str) -> bytes:
    body = orjson.dumps({"type": "about:blank", "title": reason, "status": status, "detail": detail})
    head = (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/problem+json\r\n"
        f"content-length: {len(body)}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


class LimitedHTTPProtocol(AutoHTTPProtocol):  # type: ignore[valid-type,misc]
    """uvicorn's HTTP protocol (httptools, else h11) with the request-head limits of :class:`HttpLimits` checked on
    the raw bytes before its parser sees them (module docstring).

    While a request head is awaited (a new connection, or a keep-alive connection after an answer), the bytes are
    scanned for the end of the head (an empty line), its newlines are counted (header fields) and the length of its
    first line (the request line) is measured; a deadline is armed at the connection's opening and at a request's
    first byte. The first limit crossed answers and closes the connection. ``limits`` is set by
    :func:`build_config` (a worker process started by uvicorn's supervisor reads its own settings).
    """

    limits: ClassVar[HttpLimits | None] = None

    def connection_made(self, transport: asyncio.Transport) -> None:
        super().connection_made(transport)
        if LimitedHTTPProtocol.limits is None:
            from openpolicy.config import load_settings

            LimitedHTTPProtocol.limits = HttpLimits.from_settings(load_settings())
        self.op_limits: HttpLimits = LimitedHTTPProtocol.limits
        self.op_deadline: asyncio.TimerHandle | None = None
        self.op_head_reset()
        self.op_arm()

    def op_head_reset(self) -> None:
        self.op_awaiting = True  # a request head is expected next
        self.op_head_bytes = 0
        self.op_lines = 0
        self.op_line_done = False
        self.op_tail = b""

    def op_arm(self) -> None:
        if self.op_deadline is None:
            self.op_deadline = self.loop.call_later(self.op_limits.header_timeout, self.op_timed_out)

    def op_disarm(self) -> None:
        if self.op_deadline is not None:
            self.op_deadline.cancel()
            self.op_deadline = None

    def op_refuse(self, status: int, reason: str, detail: str) -> None:
        self.op_disarm()
        self.op_awaiting = False
        if not self.transport.is_closing():
            self.transport.write(_problem_bytes(status, reason, detail))
            self.transport.close()

    def op_timed_out(self) -> None:
        self.op_deadline = None
        if self.transport.is_closing():
            return
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            return  # a request is being answered (its head ended in a way the scan did not see)
        if self.op_head_bytes:
            limit = self.op_limits.header_timeout
            self.op_refuse(408, "Request Timeout", f"the request head did not arrive within {limit:g} s")
        else:
            self.transport.close()  # an idle connection that never sent a request

    def data_received(self, data: bytes) -> None:
        if self.op_awaiting and not self.op_check(data):
            return
        super().data_received(data)

    def op_check(self, data: bytes) -> bool:
        """Account for ``data`` of an awaited head; False when a limit refused the request (connection closing)."""
        limits = self.op_limits
        if self.transport.is_closing():
            return False
        self.op_arm()
        window = self.op_tail + data
        ends = [i + len(mark) for mark in (b"\r\n\r\n", b"\n\n") if (i := window.find(mark)) >= 0]
        head_part = window[: min(ends)] if ends else window  # the head's bytes in the window, its empty line included
        new_bytes = len(head_part) - len(self.op_tail)
        if not self.op_line_done:
            newline = head_part.find(b"\n", len(self.op_tail))
            line_length = self.op_head_bytes + (newline - len(self.op_tail) if newline >= 0 else len(data))
            if line_length > limits.max_url_bytes + 32:  # method, spaces and "HTTP/1.1" besides the target
                self.op_refuse(414, "URI Too Long", f"the request target exceeds {limits.max_url_bytes} bytes")
                return False
            self.op_line_done = newline >= 0
        self.op_lines += head_part.count(b"\n", len(self.op_tail))
        self.op_head_bytes += max(new_bytes, 0)
        if self.op_head_bytes > limits.max_head_bytes:
            self.op_refuse(
                431, "Request Header Fields Too Large", f"the request head exceeds {limits.max_head_bytes} bytes"
            )
            return False
        if self.op_lines - (2 if ends else 1) > limits.max_headers:  # less the request line (and the empty line)
            self.op_refuse(431, "Request Header Fields Too Large", f"more than {limits.max_headers} header fields")
            return False
        if ends:
            self.op_awaiting = False
            self.op_disarm()
        else:
            self.op_tail = window[-3:]
        return True

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self.op_head_reset()  # the next bytes start a new head; the deadline is armed by its first byte

    def connection_lost(self, exc: Exception | None) -> None:
        self.op_disarm()
        super().connection_lost(exc)


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
    LimitedHTTPProtocol.limits = HttpLimits.from_settings(settings)
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
        http=LimitedHTTPProtocol,
        timeout_keep_alive=settings.http_keepalive_timeout_seconds,
        h11_max_incomplete_event_size=settings.http_max_header_bytes + 1024,  # a backstop: the guard refuses first
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
        # drains (the class is picklable as openpolicy.http.server.DrainingProcess for the spawned workers).
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


def main() -> None:  # pragma: no cover - `python -m openpolicy.http.server [factory]`
    from openpolicy.config import load_settings

    target = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_FACTORY
    sys.exit(run(load_settings(), app=target))


if __name__ == "__main__":  # pragma: no cover
    main()
