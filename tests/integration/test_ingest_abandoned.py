"""A run whose process died (kill -9) does not stay "running" forever: the next look at the runs marks it failed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from tests.support import temporary_database
from tests.support.ingest import Route, http_server, query


def test_a_killed_import_is_marked_failed_by_the_next_look() -> None:
    with (
        temporary_database("openpolicy_test_abandoned") as url,
        http_server({"/slow.json": Route(hang=True)}) as server,
    ):
        env = {**os.environ, "DATABASE_URL": url}
        cli = [sys.executable, "-m", "openpolicy.cli"]
        importer = subprocess.Popen(
            [*cli, "import", "popolo", server.url("/slow.json"), "-j", "ca", "--plain"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while not query(url, "SELECT 1 FROM import_runs WHERE status = 'running'"):
                assert time.monotonic() < deadline and importer.poll() is None, "the import never started"
                time.sleep(0.05)
            # a live run is left alone by the listing
            subprocess.run([*cli, "import-runs"], env=env, capture_output=True, check=True)
            assert [r["status"] for r in query(url, "SELECT status FROM import_runs")] == ["running"]
        finally:
            importer.send_signal(signal.SIGKILL)
            importer.wait()
            server.release.set()
        # the dead process's database session ends with it; the listing then marks the run failed
        deadline = time.monotonic() + 30
        while True:
            listing = subprocess.run([*cli, "import-runs"], env=env, capture_output=True, text=True, check=True)
            if "failed" in listing.stdout or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        [run] = query(url, "SELECT status, error, finished_at FROM import_runs")
        assert run["status"] == "failed" and run["finished_at"] is not None
        assert run["error"].startswith("abandoned: the process running this import ended before it finished")
        assert "failed" in listing.stdout and "abandoned" in listing.stdout
