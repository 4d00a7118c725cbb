"""``/v1/represent`` benchmark (`make bench-represent`): every boundary set loaded, 32 connections, uncached.

1. a fresh database ``openpolicy_bench_represent`` gets the people of every legislature the sets draw
   (EveryPolitician Northern Ireland and UK, the US Congress legislators, the House of Commons member list) and
   then each boundary set, each import timed (``openpolicy import boundaries``);
2. one api worker without Redis (no response cache) and a raw-ASGI baseline run under the same uvicorn;
3. wrk (one thread, 32 connections) asks ``/v1/represent`` for points spread over every set — a Lua script walks
   a list of points, a new point each request, dated so that each point's set is in force — and the baseline's
   fixed bytes, for the ratio;
4. the api's peak RSS (``VmHWM``) over the run is read from /proc.

Prints a table and the verdicts against the issue's targets (p99 ≤ 25 ms, RSS ≤ 200 MB); not a test.
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

from api_bench import (
    ADMIN_URL,
    ARTIFACTS,
    BIN,
    CONNECTIONS,
    OPENPOLICY,
    _scalar,
    free_port,
    log,
    peak_rss_mb,
    process,
    with_database,
    wrk,
)

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
DATABASE_NAME = "openpolicy_bench_represent"
DURATION = int(os.environ.get("BENCH_DURATION", "10"))
POINTS = int(os.environ.get("BENCH_POINTS", "2000"))
TARGETS = {"p99_ms": 25.0, "rss_mb": 200.0}
PEOPLE = [
    ("popolo", DATA / "everypolitician" / "Northern_Ireland", None),
    ("popolo", DATA / "everypolitician" / "UK", None),
    ("us-congress", DATA / "us-congress" / "congress-legislators", None),
    ("ourcommons", DATA / "canada-hoc" / "ourcommons-members", None),
]
SETS = [
    DATA / "boundaries" / "uk" / "ni-topo_wpc.json",
    DATA / "boundaries" / "uk" / "gb-topo_wpc.json",
    DATA / "boundaries" / "us-cd119",
    DATA / "boundaries" / "canada-fed-2013",
]
# (south, west, north, east, date in force) of the regions the points are drawn from
REGIONS = [
    (54.0, -8.2, 55.3, -5.4, "2014-01-01"),  # Northern Ireland: two sets
    (50.0, -5.7, 55.8, 1.8, "2014-01-01"),  # Great Britain
    (25.0, -124.0, 49.0, -67.0, "2025-06-01"),  # contiguous United States
    (42.0, -123.5, 54.0, -52.0, "2023-01-01"),  # southern Canada
]


def fresh_database() -> tuple[str, dict[str, float]]:
    """The database with people and every set; the seconds each boundary set's import took."""
    url = with_database(ADMIN_URL, DATABASE_NAME)
    asyncio.run(_scalar(ADMIN_URL, f'DROP DATABASE IF EXISTS "{DATABASE_NAME}"'))
    asyncio.run(_scalar(ADMIN_URL, f'CREATE DATABASE "{DATABASE_NAME}"'))
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([OPENPOLICY, "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
    for source, location, jurisdiction in PEOPLE:
        args = [OPENPOLICY, "import", source, str(location), *(["-j", jurisdiction] if jurisdiction else [])]
        subprocess.run(args, env=env, check=True, capture_output=True)
    timings: dict[str, float] = {}
    for location in SETS:
        started = time.monotonic()
        subprocess.run([OPENPOLICY, "import", "boundaries", str(location)], env=env, check=True, capture_output=True)
        timings[location.name] = time.monotonic() - started
        log(f"imported {location.name} in {timings[location.name]:.1f} s")
    return url, timings


def write_script(path: Path) -> None:
    """A wrk Lua script asking for a new point each request."""
    rng = random.Random(19)
    lines = []
    for _ in range(POINTS):
        south, west, north, east, date = rng.choice(REGIONS)
        lines.append(
            f'"/v1/represent?lat={rng.uniform(south, north):.5f}&lon={rng.uniform(west, east):.5f}&date={date}"'
        )
    path.write_text(
        "paths = {" + ",\n".join(lines) + "}\n"
        "counter = 0\n"
        "request = function()\n"
        "  counter = counter + 1\n"
        "  return wrk.format('GET', paths[(counter % #paths) + 1])\n"
        "end\n"
    )


def wrk_script(url: str, script: Path, duration: int) -> tuple[float, float, float, int]:
    rps, p50, p99, non_2xx, _errors = wrk(url, duration, script=script)
    return rps, p50, p99, non_2xx


def main() -> int:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (make bench-deps installs the Debian package)")
    url, timings = fresh_database()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    script = ARTIFACTS / "represent.lua"
    write_script(script)
    base_env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    flags = ["--workers", "1", "--no-access-log", "--log-level", "warning", "--host", "127.0.0.1"]
    baseline_port, api_port = free_port(), free_port()
    api_env = {**base_env, "DATABASE_URL": url, "SHUTDOWN_DRAIN_SECONDS": "0", "LOG_FORMAT": "json"}
    with (
        process(
            [str(BIN / "uvicorn"), "bench.raw_asgi:app", "--port", str(baseline_port), *flags],
            base_env,
            "represent-baseline.log",
            f"http://127.0.0.1:{baseline_port}/",
        ),
        process(
            [OPENPOLICY, "serve", "api", "--host", "127.0.0.1", "--port", str(api_port), "--workers", "1"],
            api_env,
            "represent-api.log",
            f"http://127.0.0.1:{api_port}/health/ready",
        ) as proc,
    ):
        base_rps, _b50, base_p99, _bn, _be = wrk(f"http://127.0.0.1:{baseline_port}/", DURATION)
        wrk_script(f"http://127.0.0.1:{api_port}", script, 3)  # warm-up: the shapes parsed once per process
        rps, p50, p99, non_2xx = wrk_script(f"http://127.0.0.1:{api_port}", script, DURATION)
        rss = peak_rss_mb(proc.pid)
    print(f"/v1/represent benchmark: wrk -t1 -c{CONNECTIONS} -d{DURATION}s, {POINTS} points, no response cache")
    for name, seconds in timings.items():
        print(f"  import of {name:<20} {seconds:6.1f} s")
    print(f"  raw ASGI baseline      {base_rps:9.0f} req/s  p99 {base_p99:6.1f} ms")
    print(f"  /v1/represent          {rps:9.0f} req/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  non-2xx {non_2xx}")
    print(f"  ratio to the baseline  {rps / base_rps:9.3f}")
    print(f"  api peak RSS (VmHWM)   {rss:9.0f} MB")
    verdicts = [
        f"p99 {p99:.1f} ms (target ≤ {TARGETS['p99_ms']:.0f}): {'ok' if p99 <= TARGETS['p99_ms'] else 'MISSED'}",
        f"RSS {rss:.0f} MB (target ≤ {TARGETS['rss_mb']:.0f}): {'ok' if rss <= TARGETS['rss_mb'] else 'MISSED'}",
    ]
    print("  " + "; ".join(verdicts))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main())
