"""The api's operational contract as a real process: outages, drain on SIGTERM, start-up errors, logs."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.support import OPENPOLICY, free_port, start_api
from tests.support.services import AppProcess, private_postgres, private_redis

pytestmark = pytest.mark.slow


def poll(url: str, status: int, within: float) -> float:
    """Seconds until ``url`` answered ``status``; fails after ``within`` seconds."""
    start = time.monotonic()
    last: object = None
    while time.monotonic() - start < within:
        try:
            response = httpx.get(url, timeout=2.0)
            if response.status_code == status:
                return time.monotonic() - start
            last = response.status_code
        except httpx.HTTPError as exc:
            last = exc
        time.sleep(0.05)
    raise AssertionError(f"{url} did not answer {status} within {within}s (last: {last!r})")


def read_log(service: Any) -> str:
    """The service's log (read from the file: ``Service.logs()`` cannot be called after ``stop()``)."""
    return str(service.log_path.read_text(errors="replace"))


def json_lines(text: str) -> list[dict[str, Any]]:
    out = []
    for line in text.splitlines():
        if line.startswith("{"):
            out.append(json.loads(line))
    return out


def test_readiness_follows_a_postgres_outage_without_restart(tmp_path: Path) -> None:
    with private_postgres() as pg:
        service, base = start_api(pg.url, tmp_path, extra_env={"SHUTDOWN_DRAIN_SECONDS": "0"})
        try:
            ready = httpx.get(f"{base}/health/ready")
            assert ready.status_code == 200, ready.text
            pg.stop()
            # The first probe after the outage is a 503 (no state is kept between probes), answered within the
            # check's own bound, READINESS_TIMEOUT_SECONDS (1 s); the client waits far longer (a loaded machine
            # delays the request, not the verdict) and the bound keeps 2 s of margin for scheduling.
            started = time.monotonic()
            down = httpx.get(f"{base}/health/ready", timeout=30.0)
            took = time.monotonic() - started
            assert down.status_code == 503, down.text
            assert took < 1.0 + 2.0, f"the first probe after the outage took {took:.1f} s"
            assert down.headers["content-type"] == "application/problem+json"
            assert down.json()["failed"] == ["database"]
            assert "database" in down.json()["detail"]
            assert httpx.get(f"{base}/health").status_code == 200  # liveness touches nothing
            pg.start()
            poll(f"{base}/health/ready", 200, within=10.0)
            assert service.proc.poll() is None  # same process throughout
        finally:
            assert service.stop() == 0
        logs = read_log(service)
        assert '"dependency down"' in logs and '"dependency back up"' in logs


OUTAGE_PATHS = [
    "/v1/people",
    "/v1/people/ocd-person/nobody",
    "/v1/people/ocd-person/nobody/votes",
    "/v1/bills?sort=latest_action_date",
    "/v1/votes/ocd-vote/nothing",
    "/v1/search?q=budget",
    "/v1/committees",
    "/v1/jurisdictions",
]


def test_data_routes_answer_503_during_a_postgres_outage_and_recover(tmp_path: Path) -> None:
    """Every data route — document statements, ORM queries, search — says "database unavailable" (503, retryable),
    never 500, while PostgreSQL is down, including on the pooled connections that died with it; and answers
    again once it is back, in the same process."""
    with private_postgres() as pg:
        subprocess.run([OPENPOLICY, "migrate"], env={**os.environ, "DATABASE_URL": pg.url}, check=True)
        service, base = start_api(pg.url, tmp_path, extra_env={"SHUTDOWN_DRAIN_SECONDS": "0"})
        try:
            with httpx.Client(base_url=base, timeout=10) as client:
                for path in OUTAGE_PATHS * 3:  # the pool now holds live connections
                    assert client.get(path).status_code in (200, 404), path
                pg.stop()
                for path in OUTAGE_PATHS * 3:  # dead pooled connections first, then refused new ones
                    response = client.get(path)
                    assert response.status_code == 503, (path, response.text)
                    assert response.headers["content-type"] == "application/problem+json"
                    assert response.headers["retry-after"]
                    assert response.json()["dependency"] == "database"
                pg.start()
                poll(f"{base}/health/ready", 200, within=10.0)
                for path in OUTAGE_PATHS:
                    assert client.get(path).status_code in (200, 404), path
        finally:
            assert service.stop() == 0


def test_redis_outage_keeps_the_api_answering(tmp_path: Path, database_url: str) -> None:
    with private_redis() as redis_server:
        service, base = start_api(
            database_url, tmp_path, redis_url=redis_server.url, extra_env={"SHUTDOWN_DRAIN_SECONDS": "0"}
        )
        try:
            assert httpx.get(f"{base}/v1/jurisdictions").headers["x-cache"] == "miss"
            assert httpx.get(f"{base}/v1/jurisdictions").headers["x-cache"] == "hit"
            redis_server.stop()
            # In-memory hits may continue for up to 1 s (generation check interval), then Redis is bypassed.
            deadline = time.monotonic() + 10
            while True:
                response = httpx.get(f"{base}/v1/jurisdictions")
                assert response.status_code == 200
                if "x-cache" not in response.headers:
                    break
                assert time.monotonic() < deadline, "Redis outage not noticed"
                time.sleep(0.05)
            for _ in range(20):
                assert httpx.get(f"{base}/v1/jurisdictions").status_code == 200
            ready = httpx.get(f"{base}/health/ready")
            assert ready.status_code == 200
            assert ready.json()["checks"]["redis"]["status"] == "down"
            metrics = httpx.get(f"{base}/metrics").text
            errors = [
                float(line.rsplit(" ", 1)[1])
                for line in metrics.splitlines()
                if line.startswith("openpolicy_cache_errors_total{")
            ]
            assert sum(errors) >= 1
            assert 'openpolicy_dependency_up{dependency="redis"} 0.0' in metrics

            redis_server.start()  # same port: caching resumes once the breaker lets a probe through
            deadline = time.monotonic() + 40
            while httpx.get(f"{base}/v1/jurisdictions").headers.get("x-cache") != "hit":
                assert time.monotonic() < deadline, "caching did not resume after Redis came back"
                time.sleep(0.2)
            assert httpx.get(f"{base}/health/ready").json()["status"] == "ok"
        finally:
            assert service.stop() == 0
        assert "redis cache unavailable" in read_log(service)


def test_sigterm_drains_a_slow_request_then_exits_zero(tmp_path: Path, database_url: str) -> None:
    app = AppProcess(
        "tests.support.services:slow_app",
        {"DATABASE_URL": database_url, "SHUTDOWN_DRAIN_SECONDS": "8", "SHUTDOWN_GRACE_SECONDS": "20"},
        tmp_path / "slow.log",
    )
    result: dict[str, Any] = {}

    def slow_request() -> None:
        try:
            response = httpx.get(f"{app.base}/test/slow", params={"seconds": "6"}, timeout=30)
            result["status"] = response.status_code
            result["body"] = response.json()
        except Exception as exc:
            result["error"] = repr(exc)

    worker = threading.Thread(target=slow_request)
    try:
        assert httpx.get(f"{app.base}/health/ready").status_code == 200
        worker.start()
        deadline = time.monotonic() + 10
        while "http_requests_in_flight 1.0" not in httpx.get(f"{app.base}/metrics").text:
            assert time.monotonic() < deadline, "slow request never started"
            time.sleep(0.05)
        app.proc.send_signal(15)
        # At once: readiness 503 naming the shutdown, while the process still answers (the 8 s drain window leaves
        # room for a loaded machine: the second look below still falls inside it).
        poll(f"{app.base}/health/ready", 503, within=4)
        drained = httpx.get(f"{app.base}/health/ready", timeout=3)
        assert drained.status_code == 503, drained.text
        assert "shutdown" in drained.json()["failed"]
        assert app.proc.wait(30) == 0
        worker.join(30)
    finally:
        code = app.stop()
    assert code == 0
    assert result.get("status") == 200, result
    assert result["body"] == {"slept": 6.0}
    logs = app.logs()
    assert "SIGTERM: draining" in logs and "exited cleanly" in logs


def _serve(env: dict[str, str], timeout: float = 20) -> subprocess.CompletedProcess[str]:
    import os

    full = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    full.update({"API_PORT": str(free_port()), "HOST": "127.0.0.1", **env})
    return subprocess.run(
        [OPENPOLICY, "serve", "api"], env=full, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.mark.parametrize(
    "url",
    [
        "mysql://root:hunter2pw@127.0.0.1/openpolicy",
        "postgresql://postgres:hunter2pw@127.0.0.1:notaport/openpolicy",
        "postgresql://postgres:hunter2pw@127.0.0.1:5432/openpolicy?sslmode=bogus",
    ],
)
def test_bad_database_url_fails_at_once_naming_it(url: str) -> None:
    started = time.monotonic()
    completed = _serve({"DATABASE_URL": url})
    assert completed.returncode != 0
    assert time.monotonic() - started < 15
    output = completed.stdout + completed.stderr
    assert "DATABASE_URL" in output
    assert "hunter2pw" not in output


def test_unreachable_database_keeps_the_process_up(tmp_path: Path) -> None:
    url = f"postgresql://postgres:s3cr3t-pw@127.0.0.1:{free_port()}/openpolicy"
    service, base = start_api(url, tmp_path, extra_env={"SHUTDOWN_DRAIN_SECONDS": "0"})
    try:
        assert httpx.get(f"{base}/health").status_code == 200
        ready = httpx.get(f"{base}/health/ready")
        assert ready.status_code == 503
        assert ready.json()["failed"] == ["database"]
        data = httpx.get(f"{base}/v1/jurisdictions")
        assert data.status_code == 503  # a dependency outage, not a bug: 503 problem, never a 500
        assert data.headers["content-type"] == "application/problem+json"
    finally:
        assert service.stop() == 0
    logs = read_log(service)
    assert "database unreachable at start" in logs
    assert "s3cr3t-pw" not in logs


def test_one_json_log_line_per_request(tmp_path: Path, database_url: str) -> None:
    service, base = start_api(database_url, tmp_path, extra_env={"SHUTDOWN_DRAIN_SECONDS": "0", "LOG_FORMAT": "json"})
    try:
        response = httpx.get(
            f"{base}/v1/jurisdictions",
            headers={"X-Request-ID": "request-log-1", "Authorization": "Bearer top-secret-token"},
        )
        assert response.headers["x-request-id"] == "request-log-1"
        httpx.get(f"{base}/health/ready")
        httpx.get(f"{base}/metrics")
    finally:
        assert service.stop() == 0
    lines = json_lines(read_log(service))
    requests = [line for line in lines if line.get("event") == "request"]
    assert len(requests) == 1, requests  # /health* and /metrics are not logged per request
    line = requests[0]
    assert line["request_id"] == "request-log-1"
    assert line["method"] == "GET" and line["route"] == "/v1/jurisdictions" and line["path"] == "/v1/jurisdictions"
    assert line["status"] == 200 and isinstance(line["duration_ms"], float)
    assert line["client"].startswith("127.0.0.1:")
    assert line["level"] == "info" and "timestamp" in line
    text = read_log(service)
    assert "top-secret-token" not in text
    assert '"GET /v1/jurisdictions HTTP/1.1" 200' not in text  # uvicorn's access log is off


def test_health_command_exit_codes(tmp_path: Path, database_url: str) -> None:
    service, base = start_api(database_url, tmp_path, extra_env={"SHUTDOWN_DRAIN_SECONDS": "0"})
    try:
        ok = subprocess.run([OPENPOLICY, "health", f"{base}/health/ready"], capture_output=True, text=True)
        assert ok.returncode == 0, ok.stderr
        missing = subprocess.run([OPENPOLICY, "health", f"{base}/nope"], capture_output=True, text=True)
        assert missing.returncode == 1 and "404" in missing.stderr and len(missing.stderr.strip().splitlines()) == 1
    finally:
        service.stop()
    closed = subprocess.run(
        [OPENPOLICY, "health", f"http://127.0.0.1:{free_port()}/health", "--timeout", "1"],
        capture_output=True,
        text=True,
    )
    assert closed.returncode == 1 and "unreachable" in closed.stderr
