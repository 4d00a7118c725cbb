"""The images, run for real with podman against the machine's PostgreSQL and Redis.

Every container runs with ``--read-only`` (writable: the /tmp volume only), ``--network host`` and a free port.
The migrate job runs inside the api image (``openpolicy migrate``), as compose and Kubernetes run it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.support import create_database, drop_database, free_port, wait_http
from tests.support.containers import Container, TcpPostgres, container, podman, run_once

pytestmark = [pytest.mark.podman, pytest.mark.slow]

GRACE_SECONDS = 10


def _api_env(database_url: str, port: int, redis_url: str | None = None) -> dict[str, str]:
    env = {
        "DATABASE_URL": database_url,
        "API_PORT": str(port),
        "HOST": "127.0.0.1",
        "LOG_FORMAT": "json",
        "SHUTDOWN_DRAIN_SECONDS": "1",
        "SHUTDOWN_GRACE_SECONDS": str(GRACE_SECONDS),
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


@pytest.fixture(scope="module")
def migrated_database(built_images: dict[str, str]) -> Iterator[str]:
    """A database of this module's own, migrated by the api image's `openpolicy migrate` job."""
    url = create_database("openpolicy_test_containers")
    try:
        job = run_once(built_images["api-service"], ["migrate"], {"DATABASE_URL": url})
        assert job.returncode == 0, job.stdout + job.stderr
        again = run_once(built_images["api-service"], ["migrate"], {"DATABASE_URL": url})
        assert again.returncode == 0, again.stdout + again.stderr  # idempotent: the schema is current
        yield url
    finally:
        drop_database(url)


def test_backup_job_runs_from_the_api_image(built_images: dict[str, str], migrated_database: str) -> None:
    """`openpolicy backup` (pg_dump from the image's PostgreSQL client tools) works in a read-only container."""
    result = run_once(
        built_images["api-service"], ["backup", "/tmp/backups", "--json"], {"DATABASE_URL": migrated_database}
    )
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = json.loads(result.stdout)["manifest"]
    assert manifest["tool"]["pg_dump"].startswith("pg_dump (PostgreSQL)")
    assert manifest["dump"]["bytes"] > 0 and len(manifest["dump"]["sha256"]) == 64
    assert manifest["tables"]["public.alembic_version"] == 1


@pytest.fixture(scope="module")
def api(built_images: dict[str, str], migrated_database: str, redis_index: int) -> Iterator[tuple[Container, str]]:
    port = free_port()
    env = _api_env(migrated_database, port, f"redis://127.0.0.1:6379/{redis_index}")  # this run's own database
    with container(built_images["api-service"], env=env) as box:
        box.wait_healthy(timeout=60)
        yield box, f"http://127.0.0.1:{port}"


def test_api_becomes_healthy_and_ready(api: tuple[Container, str]) -> None:
    box, base = api
    assert box.health_status() == "healthy"
    ready = httpx.get(f"{base}/health/ready", timeout=5)
    assert ready.status_code == 200, ready.text
    checks = ready.json()["checks"]
    assert checks["database"]["status"] == "up" and checks["redis"]["status"] == "up"


def test_api_serves_the_v1_api_and_metrics(api: tuple[Container, str]) -> None:
    _, base = api
    people = httpx.get(f"{base}/v1/people", params={"limit": 5}, timeout=5)
    assert people.status_code == 200, people.text
    assert people.headers["content-type"].startswith("application/json")
    assert isinstance(people.json()["results"], list)
    missing = httpx.get(f"{base}/v1/people/no-such-person", timeout=5)
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/problem+json")
    metrics = httpx.get(f"{base}/metrics", timeout=5)
    assert metrics.status_code == 200
    assert 'http_requests_total{method="GET",route="/v1/people",status="200"}' in metrics.text


def test_api_runs_as_10001_on_a_read_only_root(api: tuple[Container, str]) -> None:
    box, _ = api
    status = Path(f"/proc/{box.pid()}/status").read_text()
    uid_line = next(line for line in status.splitlines() if line.startswith("Uid:"))
    gid_line = next(line for line in status.splitlines() if line.startswith("Gid:"))
    assert uid_line.split()[1:] == ["10001"] * 4
    assert gid_line.split()[1:] == ["10001"] * 4
    assert box.inspect()["HostConfig"]["ReadonlyRootfs"] is True
    probe = podman(
        "exec", box.name, "python", "-c", "open('/tmp/ok', 'w').write('x'); open('/opt/venv/x', 'w')", check=False
    )
    assert probe.returncode != 0 and "Read-only file system" in probe.stderr


def test_web_container_renders_pages_from_the_api(built_images: dict[str, str], api: tuple[Container, str]) -> None:
    _, api_base = api
    port = free_port()
    env = {"API_URL": api_base, "WEB_PORT": str(port), "HOST": "127.0.0.1", "SHUTDOWN_DRAIN_SECONDS": "1"}
    with container(built_images["web-interface"], env=env) as web:
        web.wait_healthy(timeout=60)
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/health/ready", timeout=5).status_code == 200
        page = httpx.get(f"{base}/", timeout=10)
        assert page.status_code == 200, page.text
        assert page.headers["content-type"].startswith("text/html")
        assert "<html" in page.text.lower()
        people = httpx.get(f"{base}/people", timeout=10)
        assert people.status_code == 200, people.text
        stopped = time.monotonic()
        podman("stop", "--time", str(GRACE_SECONDS + 5), web.name, timeout=60)
        assert time.monotonic() - stopped < GRACE_SECONDS + 5
        assert web.state()["ExitCode"] == 0, web.logs()


def test_sigterm_drains_and_exits_cleanly(built_images: dict[str, str], migrated_database: str) -> None:
    port = free_port()
    with container(built_images["api-service"], env=_api_env(migrated_database, port)) as box:
        box.wait_healthy(timeout=60)
        started = time.monotonic()
        # `podman stop` sends the image's STOPSIGNAL (SIGTERM) and SIGKILLs only after --time seconds.
        podman("stop", "--time", str(GRACE_SECONDS + 5), box.name, timeout=60)
        took = time.monotonic() - started
        print(f"SIGTERM -> exit in {took:.1f}s (drain window 1s, grace {GRACE_SECONDS}s)")
        state = box.state()
        logs = box.logs()
        assert state["ExitCode"] == 0, logs
        assert took < GRACE_SECONDS + 5, f"not stopped within the grace period ({took:.1f}s): killed"
        assert "SIGTERM: draining" in logs and "exited cleanly" in logs, logs


def test_unreachable_database_keeps_the_container_alive_until_it_answers(built_images: dict[str, str]) -> None:
    pg_port = free_port()
    private = TcpPostgres(pg_port)  # initialised, not started: nothing listens on pg_port yet
    try:
        api_port = free_port()
        base = f"http://127.0.0.1:{api_port}"
        with container(built_images["api-service"], env=_api_env(private.url, api_port)) as box:
            # Alive: liveness and the HEALTHCHECK pass without the database ...
            box.wait_healthy(timeout=60)
            # ... but it is not ready, says which dependency is missing, and logs it once, clearly.
            ready = httpx.get(f"{base}/health/ready", timeout=10)
            assert ready.status_code == 503
            assert ready.json()["checks"]["database"]["status"] == "down"
            deadline = time.monotonic() + 20
            while "dependency down" not in box.logs() and time.monotonic() < deadline:
                time.sleep(0.2)
            down_lines = [line for line in box.logs().splitlines() if "dependency down" in line]
            assert down_lines and '"dependency":"database"' in down_lines[0].replace(" ", ""), box.logs()
            assert box.running()

            private.start()
            wait_http(f"{base}/health/ready", status=200, timeout=30)
            assert box.running()
            assert "dependency back up" in box.logs()
    finally:
        private.close()


def test_malformed_database_url_exits_at_once_naming_it(built_images: dict[str, str]) -> None:
    for bad in ("mysql://user@db:3306/openpolicy", "postgresql://user@db:notaport/openpolicy"):
        result = run_once(built_images["api-service"], [], {"DATABASE_URL": bad}, timeout=60)
        assert result.returncode == 2, result.stdout + result.stderr
        assert "DATABASE_URL" in result.stderr
        assert "Traceback" not in result.stderr


def test_missing_database_url_exits_at_once_naming_it(built_images: dict[str, str]) -> None:
    """The image has no embedded PostgreSQL: without DATABASE_URL the api and the migrate job say so and stop."""
    for command in ([], ["migrate"]):
        result = run_once(built_images["api-service"], command, {}, timeout=60)
        assert result.returncode == 2, result.stdout + result.stderr
        assert "DATABASE_URL" in result.stderr and "not set" in result.stderr
        assert "Traceback" not in result.stderr
