"""Structured logs: structlog, one JSON object per line (``LOG_FORMAT=json``) or a readable console format
(``console``); ``auto`` (the default) picks console when standard output is a terminal, JSON otherwise.

:func:`configure_logging` routes the standard library's loggers (uvicorn, SQLAlchemy, alembic ...) through
the same processors, so every line of a process has one shape. Every line carries the request's
``request_id`` (bound by the HTTP middleware through :mod:`structlog.contextvars`) and, when an OpenTelemetry
span is active, ``trace_id`` and ``span_id``.

Secrets never reach the output: values under secret-looking keys (password, token, authorization, cookie,
secret, database_url ...) are replaced by ``"[redacted]"`` and passwords inside URLs (``scheme://user:pw@``)
are masked wherever they appear in a string.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import os
import re
import sys
import threading
import time
from collections.abc import Mapping, MutableMapping
from typing import Any

import orjson
import structlog

_SECRET_KEY = re.compile(r"pass(word|wd)?|secret|token|authorization|cookie|api[_-]?key|credential|dsn", re.I)
_URL_PASSWORD = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:/@\s]*):(?P<pw>[^@/\s]+)@", re.I)
_SAFE_KEYS = frozenset({"path", "route"})
REDACTED = "[redacted]"


def mask_url_passwords(text: str) -> str:
    """``postgresql://u:secret@h/db`` → ``postgresql://u:***@h/db`` (anywhere in ``text``)."""
    if "://" not in text:
        return text
    return _URL_PASSWORD.sub(lambda m: f"{m['scheme']}{m['user']}:***@", text)


def is_secret_key(key: str) -> bool:
    return key.lower() not in _SAFE_KEYS and bool(_SECRET_KEY.search(key))


def _scrub_item(key: str, value: Any, depth: int) -> Any:
    lowered = key.lower()
    if is_secret_key(key) and not lowered.endswith("_url"):
        return REDACTED
    return scrub(value, depth + 1)


def scrub(value: Any, _depth: int = 0) -> Any:
    """A copy of ``value`` with secret-looking keys redacted and URL passwords masked (nested dicts/lists).

    Keys ending in ``_url`` keep their value with the password masked (a URL without credentials is useful).
    """
    if _depth > 8:
        return "[nested]"
    if isinstance(value, Mapping):
        return {str(k): _scrub_item(str(k), v, _depth) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(item, _depth + 1) for item in value]
    if isinstance(value, str):
        return mask_url_passwords(value)
    return value


def _scrub_processor(_logger: Any, _name: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in list(event_dict):
        if key in ("event", "exception", "timestamp", "level", "logger"):
            value = event_dict[key]
            if isinstance(value, str) and "://" in value:
                event_dict[key] = mask_url_passwords(value)
            continue
        event_dict[key] = _scrub_item(key, event_dict[key], 0)
    return event_dict


_tracing_on = False  # set by openpolicy.observability.tracing once a tracer provider is installed


def enable_trace_fields() -> None:
    global _tracing_on
    _tracing_on = True


def _trace_processor(_logger: Any, _name: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Add ``trace_id``/``span_id`` of the active OpenTelemetry span (W3C hex form)."""
    if not _tracing_on or "trace_id" in event_dict:
        return event_dict
    from opentelemetry import trace

    ctx = trace.get_current_span().get_span_context()
    if ctx.is_valid:
        event_dict["trace_id"] = format(ctx.trace_id, "032x")
        event_dict["span_id"] = format(ctx.span_id, "016x")
    return event_dict


def _json_dumps(obj: Any, default: Any = None) -> str:
    return orjson.dumps(obj, default=default or str).decode()


_configured: tuple[str, str] | None = None


def resolve_format(fmt: str, stream: Any = None) -> str:
    """``json`` or ``console``: ``auto`` becomes ``console`` when ``stream`` (default stdout) is a terminal."""
    if fmt != "auto":
        return fmt
    stream = sys.stdout if stream is None else stream
    try:
        return "console" if stream.isatty() else "json"
    except (AttributeError, ValueError):  # no stream, or a closed one
        return "json"


def configure_logging(level: str = "INFO", fmt: str = "auto") -> None:
    """Configure structlog and the standard library's logging for this process (idempotent).

    ``fmt`` is ``json`` (one object per line on stdout), ``console`` or ``auto`` (:func:`resolve_format`).
    uvicorn's access logger is silenced: the HTTP middleware writes one line per request instead.
    """
    global _configured
    fmt = resolve_format(fmt)
    if _configured == (level, fmt):
        return
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True, key="timestamp"),
        _trace_processor,
        _scrub_processor,
    ]
    renderer: Any
    if fmt == "console":
        renderer = structlog.dev.ConsoleRenderer(colors=sys.stdout.isatty())
    else:
        renderer = structlog.processors.JSONRenderer(serializer=_json_dumps)

    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info if fmt == "json" else _identity,
            _scrub_processor,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        lg = logging.getLogger(name)
        lg.handlers[:] = []
        lg.propagate = True
    access = logging.getLogger("uvicorn.access")
    access.handlers[:] = []
    access.propagate = False
    access.disabled = True
    # httpx logs every request at INFO (the web's api calls): keep it at WARNING.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLevelName(level)))
    # SQLAlchemy echoes statements (with parameters) at INFO: keep it at WARNING whatever LOG_LEVEL says.
    logging.getLogger("sqlalchemy").setLevel(max(logging.WARNING, logging.getLevelName(level)))
    _access.configure(fmt, enabled=logging.getLevelName(level) <= logging.INFO)
    _configured = (level, fmt)


class AccessLog:
    """The one-line-per-request log, on a fast path: with ``LOG_FORMAT=json`` the line is built with orjson
    (instead of the logging module's record machinery), with the same fields and shape as every other line
    (timestamp, level, logger, event, contextvars such as request_id, trace_id/span_id). Callers pass only safe
    fields (no headers, no query string).

    Lines are buffered like nginx's ``access_log … buffer= flush=``: inside an event loop they are written to
    stdout together, at most :data:`FLUSH_SECONDS` after the first of them or once :data:`FLUSH_BYTES` are
    waiting, with one ``write(2)`` — a system call per request is a large share of a cached answer's cost. The
    buffer is written at exit (and by :meth:`flush`, which the servers call when they stop); each line keeps the
    timestamp of its request.
    """

    FLUSH_SECONDS = 0.1
    FLUSH_BYTES = 64 * 1024

    def __init__(self) -> None:
        self.fast = False
        self.enabled = True
        self._fallback: Any = None
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._timer: Any = None
        self._second = -1
        self._second_text = ""

    def configure(self, fmt: str, *, enabled: bool) -> None:
        self.flush()
        self.fast = fmt == "json"
        self.enabled = enabled
        self._fallback = structlog.stdlib.get_logger("openpolicy.http")

    def request(self, **fields: Any) -> None:
        if not self.enabled:
            return
        if not self.fast:
            (self._fallback or structlog.stdlib.get_logger("openpolicy.http")).info("request", **fields)
            return
        line: dict[str, Any] = fields  # request_id is passed in by the middleware (no contextvars scan)
        line["event"] = "request"
        line["level"] = "info"
        line["logger"] = "openpolicy.http"
        line["timestamp"] = self._timestamp()
        _trace_processor(None, "info", line)
        data = orjson.dumps(line, default=str) + b"\n"
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._write(data)
            return
        self._pending.append(data)
        self._pending_bytes += len(data)
        if self._pending_bytes >= self.FLUSH_BYTES:
            self.flush()
        elif self._timer is None:
            self._timer = loop.call_later(self.FLUSH_SECONDS, self.flush)

    def _timestamp(self) -> str:
        """Now in UTC as ``2026-11-26T18:57:36.327784Z`` (the other lines' ISO form, microseconds always written):
        the date and time of day are formatted once per second, a third of the cost of ``datetime.isoformat``."""
        now = time.time()
        second = int(now)
        if second != self._second:
            self._second = second
            self._second_text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        return f"{self._second_text}.{int((now - second) * 1_000_000):06d}Z"

    def flush(self) -> None:
        """Write the buffered lines now."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._pending:
            data = b"".join(self._pending)
            self._pending.clear()
            self._pending_bytes = 0
            self._write(data)

    @staticmethod
    def _write(data: bytes) -> None:
        # stdout closed or full: never fail a request because of its log line
        with contextlib.suppress(OSError):
            view = memoryview(data)
            while view:
                view = view[os.write(1, view) :]


_access = AccessLog()
atexit.register(_access.flush)


def access_log() -> AccessLog:
    return _access


def _identity(_logger: Any, _name: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    return event_dict


def get_logger(name: str) -> Any:
    """A structlog logger (``log.info("event", key=value)``)."""
    return structlog.stdlib.get_logger(name)


class RateLimitedLog:
    """Log an event at most once per ``interval`` seconds, reporting how many were suppressed meanwhile."""

    def __init__(self, logger: Any, interval: float = 10.0) -> None:
        self._logger = logger
        self._interval = interval
        self._next = 0.0
        self._suppressed = 0
        self._lock = threading.Lock()

    def warning(self, event: str, **fields: Any) -> None:
        now = time.monotonic()
        with self._lock:
            if now < self._next:
                self._suppressed += 1
                return
            suppressed, self._suppressed = self._suppressed, 0
            self._next = now + self._interval
        self._logger.warning(event, suppressed=suppressed, **fields)
