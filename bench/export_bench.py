"""Export of the 1,000,000-ballot demo data: `openpolicy export` time and peak RSS beside a raw COPY baseline.

Run with ``make bench-export`` (or ``.venv/bin/python bench/export_bench.py [--scale N]``). In one run, on the same
PostgreSQL (``BENCH_POSTGRES_URL``, default ``postgresql://postgres@127.0.0.1:5432/postgres``):

1. a fresh migrated database gets ``openpolicy demo-data --scale 5`` (1,025,000 ballots) and its documents;
2. **baseline**: one raw ``COPY (SELECT * FROM t) TO STDOUT (FORMAT csv, HEADER)`` per exported table into files,
   on one connection, no filtering, no checksums (what the export cannot beat);
3. **export**: ``openpolicy export`` as a child process (the real command), timed, its peak RSS from ``wait4``;
4. prints the export's files, rows and bytes, both times, their ratio (also without the command's own start,
   timed as ``openpolicy export --help``), and the peak RSS beside the bytes written.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scratch import scratch_database

OPENPOLICY = str(Path(sys.executable).with_name("openpolicy"))


async def baseline(url: str, folder: Path) -> float:
    """Raw COPY of every exported table to files; seconds."""
    import asyncpg

    from openpolicy.export.spec import FILES

    conn = await asyncpg.connect(url)
    try:
        started = time.perf_counter()
        for table in sorted({spec.table for spec in FILES}):
            await conn.copy_from_query(f"SELECT * FROM {table}", output=str(folder / f"{table}.csv"), format="csv",
                                       header=True)  # fmt: skip
        seconds = time.perf_counter() - started
    finally:
        await conn.close()
    return seconds


# The command runs as a child of this small launcher, which writes the child's peak RSS (KiB): a child forked from
# the benchmark process itself would start from the benchmark's own size (a fork inherits it until exec).
LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run(env: dict[str, str], *args: str) -> tuple[float, int, str]:
    """Seconds, peak RSS (bytes) and standard output of ``openpolicy ARGS``."""
    with tempfile.NamedTemporaryFile("r", suffix=".maxrss") as rss:
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", LAUNCHER, rss.name, OPENPOLICY, *args], env=env,
                              capture_output=True, text=True)  # fmt: skip
        seconds = time.perf_counter() - started
        if proc.returncode != 0:
            raise SystemExit(f"openpolicy {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
        return seconds, int(rss.read() or 0) * 1024, proc.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=5)
    args = parser.parse_args()

    with scratch_database("openpolicy_bench_export") as url:
        return _measure(args.scale, url)


def _measure(scale: int, url: str) -> int:
    work = Path(tempfile.mkdtemp(prefix="openpolicy-bench-export-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EXPORT_", "AWS_")) and k != "REDIS_URL"}
    env["DATABASE_URL"] = url
    try:
        run(env, "migrate")
        load_s, _, _ = run(env, "demo-data", "--scale", str(scale))
        (work / "baseline").mkdir()
        raw_s = asyncio.run(baseline(url, work / "baseline"))
        raw_bytes = sum(p.stat().st_size for p in (work / "baseline").iterdir())
        start_s, _, _ = run(env, "export", "--help")  # the command's own start (imports), no database work
        export_s, rss, out = run(env, "export", "--dir", str(work / "exports"), "--quiet")
        import json

        (folder,) = [p for p in (work / "exports").iterdir()]
        manifest = json.loads((folder / "manifest.json").read_text())
        files = manifest["files"]
        rows, written = sum(f["rows"] for f in files), sum(f["bytes"] for f in files)
        ballots = sum(f["rows"] for f in files if f["path"].endswith("/ballots.csv"))
        print(f"demo data scale {scale}: loaded in {load_s:.1f} s; {ballots:,} ballots exported")
        print(f"export:   {export_s:6.2f} s  {len(files)} files, {rows:,} rows, {written / 1e6:,.1f} MB "
              f"(CSV, Popolo, JSON Lines{'' if manifest['documents'] else ', no documents table'}), "
              f"peak RSS {rss / 1e6:.0f} MB = {rss / written:.2f} x the bytes written")  # fmt: skip
        print(f"baseline: {raw_s:6.2f} s  raw COPY of the same tables to CSV files, {raw_bytes / 1e6:,.1f} MB")
        print(f"start:    {start_s:6.2f} s  `openpolicy export --help` (the process start the export includes)")
        print(f"ratio:    export / raw COPY = {export_s / raw_s:.2f} x the time; without the process start "
              f"{(export_s - start_s) / raw_s:.2f} x")  # fmt: skip
        print(out.strip())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
