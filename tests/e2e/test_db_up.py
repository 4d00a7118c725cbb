"""`openpolicy up` end to end in a fresh folder: embedded PostgreSQL, migrations, demo data, api (and web)."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from tests.support import OPENPOLICY, Service, free_port, wait_http
from tests.support.db import embedded_data_dir

from openpolicy.config import load_settings
from openpolicy.db import embedded
from openpolicy.up import web_available

pytestmark = pytest.mark.slow


def start_up(data_dir: Path, tmp_path: Path, name: str) -> tuple[Service, str, str]:
    api_port, web_port = free_port(), free_port()
    service = Service(
        ["up", "--api-port", str(api_port), "--web-port", str(web_port), "--data-dir", str(data_dir)],
        {"LOG_FORMAT": "json"},
        tmp_path / f"{name}.log",
    )
    return service, f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{web_port}"


def wait_ready(service: Service, timeout: float = 60.0) -> None:
    """`up` prints "ready" once the api (and web) answer; stopping earlier counts as an interrupted start."""
    deadline = time.monotonic() + timeout
    while "press Ctrl-C to stop" not in service.logs():
        if service.proc.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"`openpolicy up` did not become ready:\n{service.logs()}")
        time.sleep(0.1)


def test_up_serves_demo_data_stops_cleanly_and_reuses_data(tmp_path: Path) -> None:
    with embedded_data_dir() as data_dir:
        settings = load_settings(openpolicy_data_dir=data_dir, database_url="")
        service, api, web = start_up(data_dir, tmp_path, "first")
        try:
            wait_http(f"{api}/health", timeout=180, proc=service.proc)
            people = httpx.get(f"{api}/v1/people", timeout=10).json()
            assert len(people["results"]) == 20  # default page of the ~400 demo people
            first_person = people["results"][0]["id"]
            assert embedded.is_running(settings)
            if web_available():
                wait_http(f"{web}/health", timeout=60, proc=service.proc)
            wait_ready(service)
            logs = service.logs()
            assert "loaded the demo parliament" in logs and f"{api}/docs" in logs
            # LOG_FORMAT=json: up's own lines are log objects too, and one says the data is synthetic
            notices = [
                json.loads(line)
                for line in logs.splitlines()
                if line.startswith("{") and '"openpolicy.up"' in line and "SYNTHETIC" in line
            ]
            assert notices and "not real" in notices[0]["event"], logs
            assert any("SYNTHETIC" in n["event"] and "ready" in n["event"] for n in notices), logs
        finally:
            code = service.stop(signal.SIGTERM, timeout=60)
        logs = service.log_path.read_text(errors="replace")
        assert code == 0, logs
        assert "embedded PostgreSQL stopped" in logs
        assert not embedded.is_running(settings)
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"{api}/health", timeout=2)

        # Second start: same data, no new demo load.
        service, api, web = start_up(data_dir, tmp_path, "second")
        try:
            wait_http(f"{api}/health", timeout=180, proc=service.proc)
            if web_available():
                wait_http(f"{web}/health", timeout=60, proc=service.proc)
            wait_ready(service)
            people = httpx.get(f"{api}/v1/people", timeout=10).json()
            assert people["results"][0]["id"] == first_person
            assert "reusing the data already in the database" in service.logs()
        finally:
            code = service.stop(signal.SIGINT, timeout=60)
        assert code == 0, service.log_path.read_text(errors="replace")
        assert not embedded.is_running(settings)


def test_up_refuses_a_busy_port(tmp_path: Path) -> None:
    import socket

    with embedded_data_dir() as data_dir, socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        service = Service(
            ["up", "--api-port", str(port), "--web-port", str(free_port()), "--data-dir", str(data_dir)],
            {},
            tmp_path / "busy.log",
        )
        assert service.proc.wait(60) == 1
        service.stop()
        logs = service.log_path.read_text(errors="replace")
        assert f"port {port}" in logs and "--api-port" in logs
        assert not (data_dir / "pgdata").exists()  # nothing was started


def test_up_in_a_terminal_writes_readable_lines_saying_the_data_is_synthetic(tmp_path: Path) -> None:
    """No LOG_FORMAT and a terminal as output: plain lines for a person (up's and its children's), no JSON."""
    with embedded_data_dir() as data_dir:
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "API_URL", "LOG_FORMAT"}}
        args = ["up", "--api-port", str(free_port()), "--web-port", str(free_port()), "--data-dir", str(data_dir)]
        primary, secondary = pty.openpty()
        proc = subprocess.Popen(
            [OPENPOLICY, *args], stdin=secondary, stdout=secondary, stderr=secondary, env=env, start_new_session=True
        )
        os.close(secondary)
        output = b""

        def read_for(seconds: float, until: bytes | None = None) -> None:
            nonlocal output
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline and (until is None or until not in output):
                if not select.select([primary], [], [], 0.2)[0]:
                    if proc.poll() is not None:
                        return
                    continue
                try:
                    chunk = os.read(primary, 65536)
                except OSError:  # the terminal closed: up exited
                    return
                if not chunk:
                    return
                output += chunk

        try:
            read_for(180, b"press Ctrl-C to stop")
            read_for(1)  # the children's start-up lines after "ready"
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
            read_for(60)
            proc.wait(60)
            os.close(primary)
        text = output.decode(errors="replace")
        assert "press Ctrl-C to stop" in text, text
        assert "openpolicy up: data: the demo parliament is SYNTHETIC" in text, text
        assert "data the demo parliament is SYNTHETIC" in text.split("ready:", 1)[1], text
        lines = [line.strip() for line in text.replace("\r", "").splitlines() if line.strip()]
        assert not [line for line in lines if line.startswith('{"')], text  # no JSON line
        assert any("api-service started" in line for line in lines), text  # the api's console line
