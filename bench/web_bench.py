"""web-interface benchmark (`make bench-web`): person, bill and vote pages at 16 connections, api warm.

Same harness as ``bench/api_bench.py`` (database with ≥ 1,000,000 ballots, wrk, free ports): the raw-ASGI
baseline, one api worker with a Redis response cache (warm: the web's api calls are cache hits after the
warm-up, as in production), and one web worker in front of it, measured twice: rendering every page
(``WEB_PAGE_CACHE_SECONDS=0``) and with the default page micro-cache (10 s). wrk (1 thread, 16 connections)
measures req/s, p50 and p99 per page; the ratio is against the baseline measured in the same run.
Target: p99 ≤ 100 ms.
Figures are written to ``artifacts/bench/web.json``.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from dataclasses import asdict
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))

from api_bench import (
    ARTIFACTS,
    BIN,
    DURATION,
    OPENPOLICY,
    Result,
    ensure_database,
    free_port,
    log,
    measure,
    process,
    sample_paths,
)

CONNECTIONS = 16
TARGET_P99_MS = 100.0


def page_paths(api_paths: dict[str, str]) -> dict[str, str]:
    def ident(path: str) -> str:
        return path.rsplit("/", 1)[1]

    from urllib.parse import unquote

    person = unquote(ident(api_paths["people detail"]))
    bill = unquote(ident(api_paths["bill detail"]))
    vote = unquote(ident(api_paths["vote detail"]))
    return {
        "person page": f"/people/{quote(person, safe='/:')}",
        "bill page": f"/bills/{quote(bill, safe='/:')}",
        "vote page": f"/votes/{quote(vote, safe='/:')}",
    }


def main() -> int:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (make bench-deps installs the Debian package)")
    database_url = ensure_database()
    pages = page_paths(sample_paths(database_url))
    base_env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "API_URL"}}
    flags = ["--workers", "1", "--no-access-log", "--log-level", "warning", "--host", "127.0.0.1"]
    baseline_port, redis_port, api_port = free_port(), free_port(), free_port()
    api = f"http://127.0.0.1:{api_port}"
    results: list[Result] = []
    with (
        process(
            [str(BIN / "uvicorn"), "bench.raw_asgi:app", "--port", str(baseline_port), *flags],
            base_env,
            "web-baseline.log",
            f"http://127.0.0.1:{baseline_port}/",
        ),
        process(
            ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            base_env,
            "web-redis.log",
            None,
        ),
        process(
            [OPENPOLICY, "serve", "api", "--host", "127.0.0.1", "--port", str(api_port), "--workers", "1"],
            {
                **base_env,
                "DATABASE_URL": database_url,
                "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
                "CACHE_TTL_SECONDS": "600",
                "SHUTDOWN_DRAIN_SECONDS": "0",
            },
            "web-api.log",
            f"{api}/health/ready",
        ),
    ):
        results += measure(
            "raw-asgi", "baseline", f"http://127.0.0.1:{baseline_port}", {"fixed bytes": "/"}, connections=CONNECTIONS
        )
        # Each page rendered on every request (page cache off), then the default micro-cached web.
        for mode, cache_seconds in (("rendered", "0"), ("cached", "10")):
            web_port = free_port()
            web = f"http://127.0.0.1:{web_port}"
            with process(
                [OPENPOLICY, "serve", "web", "--host", "127.0.0.1", "--port", str(web_port)],
                {**base_env, "API_URL": api, "SHUTDOWN_DRAIN_SECONDS": "0", "WEB_PAGE_CACHE_SECONDS": cache_seconds},
                f"web-web-{mode}.log",
                f"{web}/health/ready",
            ):
                results += measure("web", mode, web, pages, connections=CONNECTIONS)
    baseline = results[0]
    print()
    print(f"web benchmark: wrk -t1 -c{CONNECTIONS} -d{DURATION}s, one web worker → one api worker (Redis-cached)")
    print(f"baseline raw ASGI: {baseline.rps:,.0f} req/s, p50 {baseline.p50_ms:.2f} ms, p99 {baseline.p99_ms:.2f} ms")
    header = f"{'page':12} {'web':9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'vs raw':>7} {'non-2xx':>8}  target"
    print(header)
    print("-" * len(header))
    missed = []
    for r in results[1:]:
        ok = r.p99_ms <= TARGET_P99_MS and not r.errors and not r.non_2xx
        if not ok:
            missed.append(f"{r.endpoint} {r.mode}")
        print(
            f"{r.endpoint:12} {r.mode:9} {r.rps:8,.0f} {r.p50_ms:8.2f} {r.p99_ms:8.2f} {r.rps / baseline.rps:7.1%}"
            f" {r.non_2xx:8}  p99 ≤ {TARGET_P99_MS:g} ms: {'ok' if ok else 'MISSED'}"
        )
    print("targets missed: " + (", ".join(missed) if missed else "none"))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "web.json").write_text(
        json.dumps(
            {"duration_s": DURATION, "connections": CONNECTIONS, "results": [asdict(r) for r in results]}, indent=2
        )
        + "\n"
    )
    log(f"figures written to {ARTIFACTS / 'web.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
