"""Helpers of the export tests: run ``openpolicy export`` as a process (with its peak RSS), read manifests, start
``moto``'s standalone S3 server (a fake S3 peer, not an S3 implementation: it speaks the protocol, so the client
library's real requests, presigned URLs included, are exercised against it)."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.support import OPENPOLICY, free_port


@dataclass(frozen=True)
class ExportRun:
    returncode: int
    stdout: str
    stderr: str
    peak_rss_bytes: int
    folder: Path | None
    manifest: dict[str, Any] | None


# Runs a command as a child of this small process and writes the child's peak RSS (KiB) to a file: measured from the
# test process itself, the figure would start from the test process's own size (a fork inherits it until exec).
PEAK_RSS_LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_export(database_url: str, root: Path, *args: str, env: Mapping[str, str] | None = None) -> ExportRun:
    """``openpolicy export --dir ROOT ARGS`` as a child process, with its peak RSS."""
    full = {k: v for k, v in os.environ.items() if not k.startswith(("EXPORT_", "AWS_")) and k != "REDIS_URL"}
    full["DATABASE_URL"] = database_url
    full.update(env or {})
    root.parent.mkdir(parents=True, exist_ok=True)
    rss_file = root.parent / f"{root.name}.maxrss"
    command = [sys.executable, "-c", PEAK_RSS_LAUNCHER, str(rss_file), OPENPOLICY, "export", "--dir", str(root), "-q"]
    proc = subprocess.run([*command, *args], env=full, capture_output=True, text=True, timeout=600)
    folder = manifest = None
    if proc.returncode == 0:
        export_id = proc.stdout.split()[1].rstrip(":")
        folder = root / export_id
        manifest = json.loads((folder / "manifest.json").read_text())
    peak_kib = int(rss_file.read_text()) if rss_file.exists() else 0  # ru_maxrss is in KiB on Linux
    return ExportRun(proc.returncode, proc.stdout, proc.stderr, peak_kib * 1024, folder, manifest)


def files_by_name(manifest: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """The manifest entries whose file name is ``name`` (in every jurisdiction and session folder)."""
    return [f for f in manifest["files"] if f["path"].rsplit("/", 1)[-1] == name]


@contextlib.contextmanager
def moto_s3(tmp: Path) -> Iterator[dict[str, str]]:
    """moto's standalone server on a free port; yields the AWS_* environment that points clients at it."""
    port = free_port()
    log = (tmp / f"moto-{port}.log").open("wb")
    server = Path(sys.executable).with_name("moto_server")
    proc = subprocess.Popen([str(server), "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{endpoint}/moto-api/", timeout=1)
                break
            except httpx.HTTPError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto_server did not start: {(tmp / f'moto-{port}.log').read_text()}") from None
                time.sleep(0.2)
        yield {
            "AWS_ACCESS_KEY_ID": "test-access-key",
            "AWS_SECRET_ACCESS_KEY": "test-secret-key",
            "AWS_REGION": "us-east-1",
            "AWS_ENDPOINT_URL_S3": endpoint,
        }
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        log.close()
