"""`openpolicy smoke` against a real running api (and web), passing and failing for a real reason."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from tests.conftest import LiveStack
from tests.support import OPENPOLICY, ROOT, create_database, drop_database, start_api

pytestmark = pytest.mark.slow


def smoke(*args: str) -> tuple[int, dict[str, object], str]:
    proc = subprocess.run(
        [OPENPOLICY, "smoke", *args, "--timeout", "60", "--json"], capture_output=True, text=True, timeout=120
    )
    return proc.returncode, json.loads(proc.stdout), proc.stderr


def test_smoke_passes_against_the_running_api_and_web(live_stack: LiveStack) -> None:
    code, report, err = smoke(live_stack.api, "--web-url", live_stack.web)
    assert code == 0, json.dumps(report, indent=1) + err
    names = [c["name"] for c in report["checks"]]  # type: ignore[attr-defined]
    for expected in ("api /health", "api /health/ready", "api /metrics", "api /openapi.json"):
        assert expected in names
    for expected in ("web /health", "web /health/ready", "web /metrics", "web page /"):
        assert expected in names
    assert sum(n.startswith("api GET /v1/") for n in names) >= 3
    assert sum(n.startswith("web page /") for n in names) >= 3  # the home page and pages it links to

    # the pipeline's wrapper script runs the same command
    script = ROOT / "infrastructure" / "scripts" / "deployment" / "smoke-test.sh"
    proc = subprocess.run(
        ["bash", str(script), live_stack.api, "--web-url", live_stack.web], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "smoke test passed" in proc.stdout


def test_smoke_fails_naming_the_database_when_it_is_gone(tmp_path: Path) -> None:
    from openpolicy.db.migrations import upgrade

    url = create_database("openpolicy_ops_smoke")
    upgrade(url)
    api, api_base = start_api(url, tmp_path)
    try:
        code, report, _ = smoke(api_base)
        assert code == 0, report
        drop_database(url)  # the api's database disappears under it
        code, report, _ = smoke(api_base)
        assert code == 1
        assert report["ok"] is False
        assert "api /health/ready" in report["failed"]  # type: ignore[operator]
        ready = next(c for c in report["checks"] if c["name"] == "api /health/ready")  # type: ignore[attr-defined]
        assert ready["status"] == 503 and "database" in ready["detail"]
        # liveness stays up: the process is fine, its dependency is not
        assert next(c for c in report["checks"] if c["name"] == "api /health")["ok"] is True  # type: ignore[attr-defined]
    finally:
        api.stop()
        drop_database(url)


def test_smoke_against_nothing_fails_with_the_connection_error() -> None:
    from tests.support import free_port

    code, report, _ = smoke(f"http://127.0.0.1:{free_port()}")
    assert code == 1 and "api /health" in report["failed"]  # type: ignore[operator]
    assert "request failed: ConnectError" in report["checks"][0]["detail"]  # type: ignore[index]


def test_bad_url_is_a_usage_error() -> None:
    proc = subprocess.run([OPENPOLICY, "smoke", "ftp://x"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "not an http(s) URL" in proc.stderr
