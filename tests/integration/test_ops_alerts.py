"""infrastructure/scripts/monitoring/check-alerts.sh against a real Alertmanager (Debian's, on loopback)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.support import ROOT, free_port, wait_http

SCRIPT = ROOT / "infrastructure" / "scripts" / "monitoring" / "check-alerts.sh"


@pytest.fixture
def alertmanager(tmp_path: Path) -> Iterator[str]:
    config = tmp_path / "alertmanager.yml"
    config.write_text("route:\n  receiver: nobody\nreceivers:\n  - name: nobody\n")
    port = free_port()
    log = (tmp_path / "alertmanager.log").open("wb")
    proc = subprocess.Popen(
        [
            "prometheus-alertmanager",
            f"--config.file={config}",
            f"--storage.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{url}/-/ready", proc=proc)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


def check(url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(SCRIPT), url], capture_output=True, text=True, timeout=60)


def add_alert(url: str, name: str, severity: str) -> None:
    subprocess.run(
        ["amtool", f"--alertmanager.url={url}", "alert", "add", name, f"severity={severity}", "--annotation=summary=t"],
        check=True,
        capture_output=True,
        timeout=30,
    )


def test_exit_code_follows_critical_alerts(alertmanager: str) -> None:
    proc = check(alertmanager)
    assert proc.returncode == 0 and "no critical alerts firing" in proc.stdout

    add_alert(alertmanager, "ApiHighLatency", "warning")
    proc = check(alertmanager)
    assert proc.returncode == 0 and "ApiHighLatency" in proc.stdout  # listed, but not critical

    add_alert(alertmanager, "ApiDown", "critical")
    proc = check(alertmanager)
    assert proc.returncode == 1 and "CRITICAL alerts are firing" in proc.stderr and "ApiDown" in proc.stdout


def test_unreachable_alertmanager_fails() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    proc = check(url)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    # amtool's own words name the address it could not reach; the script never claims an alert is firing
    assert f"dial tcp {url.removeprefix('http://')}: connect: connection refused" in proc.stderr, proc.stderr
    assert "CRITICAL alerts are firing" not in proc.stderr and "no critical alerts firing" not in proc.stdout
