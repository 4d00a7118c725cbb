"""Webhook test helpers: API keys, an HTTP receiver that verifies every delivery, notifier processes, Popolo data."""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from standardwebhooks import Webhook, WebhookVerificationError

from tests.support import PG_ADMIN_URL, Service, create_database, drop_database, free_port, wait_http, with_database
from tests.support.ingest import query

SECRETS_KEY = "test-webhook-secrets-key-0123456789abcdef"  # a test value (32+ characters), not a real secret
NOTIFIER_ENV = {
    "WEBHOOK_SECRETS_KEY": SECRETS_KEY,
    "WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
    "WEBHOOK_RETRY_BASE_SECONDS": "0.3",
    "WEBHOOK_TIMEOUT_SECONDS": "2",
    "NOTIFIER_POLL_SECONDS": "0.1",
    "HOST": "127.0.0.1",
    "LOG_FORMAT": "json",
}


_template: list[str] = []


def _drop_template() -> None:
    for url in _template:
        drop_database(url)


async def _clone(template: str, name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        await conn.close()


@contextlib.contextmanager
def webhook_database() -> Iterator[str]:
    """A fresh migrated database, cloned from one migrated once per test process (migrating takes seconds)."""
    if not _template:
        from openpolicy.db.migrations import upgrade

        url = create_database("openpolicy_test_whtpl")
        _template.append(url)
        atexit.register(_drop_template)
        upgrade(url)
    name = f"openpolicy_test_wh_{uuid.uuid4().hex[:10]}"
    asyncio.run(_clone(_template[0].rsplit("/", 1)[1], name))
    url = with_database(PG_ADMIN_URL, name)
    try:
        yield url
    finally:
        drop_database(url)


def create_key(url: str, name: str = "webhook test") -> str:
    """A new API key stored the way ``openpolicy keys create`` stores it; returns the key."""
    from openpolicy.api.ratelimit import hash_key, new_key

    key = new_key()
    query(url, "INSERT INTO api_keys (name, key_hash, key_prefix) VALUES ($1, $2, $3)", name, hash_key(key), key[:10])
    return key


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float
    verified: Any = None  # the parsed payload when the signature verified, else None
    error: str | None = None


@dataclass
class Behaviour:
    status: int = 200
    delay: float = 0.0
    location: str | None = None
    fail_first: int = 0  # answer 503 to this many requests first, then ``status``


@dataclass
class Receiver:
    """A threaded HTTP receiver on 127.0.0.1: every POST is recorded and verified with the path's secret."""

    port: int
    secrets: dict[str, str] = field(default_factory=dict)  # path → whsec_ secret
    behaviours: dict[str, Behaviour] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def at(self, path: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.path == path]

    def wait_for(self, predicate: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.05)
        raise AssertionError(f"timed out after {timeout}s waiting for {what}; received {len(self.received)}")


@contextlib.contextmanager
def receiver() -> Iterator[Receiver]:
    state = Receiver(port=free_port())

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length)
            if len(body) < length:
                return  # the sender died mid-request (a notifier killed on purpose): nothing was delivered
            headers = {k.lower(): v for k, v in self.headers.items()}
            record = Received(self.path, headers, body, time.monotonic())
            secret = state.secrets.get(self.path)
            if secret is not None:
                try:
                    record.verified = Webhook(secret).verify(body, headers)
                except WebhookVerificationError as exc:
                    record.error = str(exc)
            with state.lock:
                state.received.append(record)
                behaviour = state.behaviours.get(self.path, Behaviour())
                status = behaviour.status
                if behaviour.fail_first > 0:
                    behaviour.fail_first -= 1
                    status = 503
            if behaviour.delay:
                time.sleep(behaviour.delay)
            self.send_response(status)
            if behaviour.location:
                self.send_header("Location", behaviour.location)
            self.send_header("Content-Length", "2")
            self.end_headers()
            with contextlib.suppress(OSError):
                self.wfile.write(b"ok")

    class Server(ThreadingHTTPServer):
        def handle_error(self, request: Any, client_address: Any) -> None:
            return  # a client gone mid-request (a notifier killed on purpose) is no error of the receiver

    server = Server(("127.0.0.1", state.port), Handler)
    server.daemon_threads = True
    state.server = server
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def start_notifier(database_url: str, tmp_path: Path, **env: str) -> tuple[Service, str]:
    port = free_port()
    service = Service(
        ["serve", "notifier"],
        {**NOTIFIER_ENV, "DATABASE_URL": database_url, "NOTIFIER_PORT": str(port), **env},
        tmp_path / f"notifier-{port}.log",
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/health/ready", proc=service.proc, timeout=30)
    except Exception:
        service.stop()
        raise AssertionError(f"notifier did not start:\n{service.logs()}") from None
    return service, base


def subscribe(api: str, key: str, receiver: Receiver, path: str, **filters: Any) -> dict[str, Any]:
    """Create a subscription delivering to ``receiver`` at ``path``; remember its secret there."""
    answer = httpx.post(
        f"{api}/v1/subscriptions", headers={"X-API-Key": key}, json={"url": receiver.url(path), **filters}
    )
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    receiver.secrets[path] = created["secret"]
    return created


POPOLO_BASE: dict[str, Any] = {
    "persons": [
        {"id": "p1", "name": "Alice Able"},
        {"id": "p2", "name": "Bob Baker"},
        {"id": "p3", "name": "Carol Chase"},
    ],
    "organizations": [
        {"id": "leg", "name": "Zed Assembly", "classification": "legislature"},
        {"id": "blue", "name": "Blue Party", "classification": "party"},
    ],
    "memberships": [
        {"person_id": "p1", "organization_id": "leg", "start_date": "2020-01-01"},
        {"person_id": "p2", "organization_id": "leg", "start_date": "2020-01-01"},
        {"person_id": "p3", "organization_id": "leg", "start_date": "2020-01-01"},
        {"person_id": "p1", "organization_id": "blue", "start_date": "2020-01-01"},
    ],
}


def write_popolo(folder: Path, doc: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "popolo.json"
    path.write_text(json.dumps(doc))
    return path


def person_id(url: str, name: str) -> str:
    rows = query(url, "SELECT id FROM people WHERE name = $1", name)
    assert len(rows) == 1, rows
    return str(rows[0]["id"])
