"""Helpers shared by every test folder: throwaway databases, free ports, service processes.

Tests run against the machine's real PostgreSQL and Redis (127.0.0.1:5432 / :6379). Every test run
creates and drops its own databases; nothing here stops the machine's servers — a test that needs an
outage starts a private server (embedded PostgreSQL, a redis-server on a free port) and stops that one.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

ROOT = Path(__file__).resolve().parents[2]
# The real data folder (its README lists the sources); OPENPOLICY_TEST_DATA names it when the tests run from a copy
# of the tree (``make mutate`` runs them from mutmut's ``mutants/`` folder).
SHARED_DATA = Path(os.environ.get("OPENPOLICY_TEST_DATA") or ROOT.parent / "shared" / "data").resolve()
ARTIFACTS = ROOT / "artifacts"
PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_BASE_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
OPENPOLICY = str(Path(sys.executable).with_name("openpolicy"))


IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
REDIS_LEASE_SECONDS = 6 * 3600  # longer than any test run; a crashed run's claim lapses by itself


@contextlib.contextmanager
def redis_database() -> Iterator[int]:
    """A Redis database index (1..15) of the machine's Redis claimed for this test run alone.

    The claim is a key ``openpolicy-test:db:<index>`` in database 0 set only if absent (``SET NX``, with an expiry),
    so two test runs on one machine never share — and never flush — each other's database. Released afterwards.
    """
    import redis

    client = redis.Redis.from_url(f"{REDIS_BASE_URL}/0")
    owner = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        for index in range(1, 16):
            key = f"openpolicy-test:db:{index}"
            if client.set(key, owner, nx=True, ex=REDIS_LEASE_SECONDS):
                try:
                    yield index
                finally:
                    if client.get(key) == owner.encode():
                        client.delete(key)
                return
        raise RuntimeError(f"every Redis database 1..15 of {REDIS_BASE_URL} is claimed by another test run")
    finally:
        client.close()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


async def _admin(sql: str, admin_url: str = PG_ADMIN_URL) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def create_database(prefix: str = "openpolicy_test", admin_url: str = PG_ADMIN_URL) -> str:
    """Create an empty database with a unique name and return its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"', admin_url))
    return with_database(admin_url, name)


def drop_database(url: str, admin_url: str = PG_ADMIN_URL) -> None:
    name = urlsplit(url).path.lstrip("/")
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', admin_url))


@contextlib.contextmanager
def temporary_database(prefix: str = "openpolicy_test", *, migrate: bool = True) -> Iterator[str]:
    """A fresh database (migrated to the current schema unless ``migrate=False``), dropped afterwards."""
    url = create_database(prefix)
    try:
        if migrate:
            from openpolicy.db.migrations import upgrade

            upgrade(url)
        yield url
    finally:
        drop_database(url)


def wait_http(
    url: str, *, status: int = 200, timeout: float = 60.0, proc: subprocess.Popen[bytes] | None = None
) -> httpx.Response:
    """Poll ``url`` until it answers ``status``; fail early when ``proc`` exits."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} answered")
        try:
            response = httpx.get(url, timeout=2.0)
            if response.status_code == status:
                return response
            last = response.status_code
        except httpx.HTTPError as exc:
            last = exc
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer {status} within {timeout}s (last: {last!r})")


class Service:
    """An `openpolicy` command started as a real process (``serve api``, ``serve web``, ``up`` ...)."""

    def __init__(self, args: list[str], env: Mapping[str, str], log_path: Path) -> None:
        self.args = args
        self.log_path = log_path
        full_env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "API_URL"}}
        full_env.update(env)
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = log_path.open("wb")
        self.proc = subprocess.Popen(
            [OPENPOLICY, *args],
            env=full_env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def logs(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self._log.close()
        return int(self.proc.returncode)


def start_api(
    database_url: str,
    tmp_path: Path,
    *,
    redis_url: str | None = None,
    extra_env: Mapping[str, str] | None = None,
) -> tuple[Service, str]:
    """Start `openpolicy serve api` on a free port; return the service and its base URL once /health answers."""
    port = free_port()
    env = {
        "DATABASE_URL": database_url,
        "API_PORT": str(port),
        "HOST": "127.0.0.1",
        "LOG_FORMAT": "json",
        "SHUTDOWN_DRAIN_SECONDS": "0",  # tests of the drain window set it themselves
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra_env or {})
    service = Service(["serve", "api"], env, tmp_path / f"api-{port}.log")
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/health", proc=service.proc)
    except Exception:
        service.stop()
        raise AssertionError(f"api did not start:\n{service.logs()}") from None
    return service, base


def load_demo_data(database_url: str, scale: int = 1) -> None:
    """Fill ``database_url`` with the synthetic demo parliament through the real CLI."""
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "API_URL"}}
    env["DATABASE_URL"] = database_url
    result = subprocess.run(
        [OPENPOLICY, "demo-data", "--scale", str(scale)], env=env, capture_output=True, text=True, timeout=300
    )
    if result.returncode != 0:
        raise RuntimeError(f"demo-data failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")


def start_web(api_url: str, tmp_path: Path, *, extra_env: Mapping[str, str] | None = None) -> tuple[Service, str]:
    """Start `openpolicy serve web` on a free port against ``api_url``; return it once /health answers."""
    port = free_port()
    env = {
        "API_URL": api_url,
        "WEB_PORT": str(port),
        "HOST": "127.0.0.1",
        "LOG_FORMAT": "json",
        "SHUTDOWN_DRAIN_SECONDS": "0",
    }
    env.update(extra_env or {})
    service = Service(["serve", "web"], env, tmp_path / f"web-{port}.log")
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/health", proc=service.proc)
    except Exception:
        service.stop()
        raise AssertionError(f"web did not start:\n{service.logs()}") from None
    return service, base
