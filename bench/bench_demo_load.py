"""Demo-data load speed: `openpolicy demo-data --scale 5` (≥ 1,000,000 ballots) vs a raw COPY ceiling.

Run with ``make bench-demo-load`` (or ``.venv/bin/python bench/bench_demo_load.py [--scale N]``). In one run,
on the same PostgreSQL (``BENCH_POSTGRES_URL``, default the machine's ``postgresql://postgres@127.0.0.1:5432/postgres``):

1. **generate**: the synthetic parliament in memory (deterministic, seed 1);
2. **load**: the demo as an import run (``openpolicy.ingest.demo.load``: the importers' loader in one transaction —
   staging and upserts, ballots COPY-ed with their keys rebuilt, change log, documents, data checks) into a fresh
   migrated database; the run's phases;
3. **reload**: the same data again (nothing changes: every row compared, none written);
4. **ceiling**: a raw binary COPY of the very same ballot rows into an unindexed, unconstrained table;
5. prints ballots/s of the load and of the ceiling and their ratio (the load includes everything above, which the
   ceiling does not).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from urllib.parse import urlsplit

from scratch import ADMIN_URL, scratch_database

from openpolicy.config import load_settings
from openpolicy.db.migrations import upgrade
from openpolicy.ingest import demo


async def ceiling(url: str, data: demo.DemoData) -> float:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "CREATE TABLE bench_ballots_ceiling (vote_event_id varchar(300), ordinal smallint, "
            "person_id varchar(300), voter_name text, option varchar(20))"
        )
        started = time.perf_counter()
        await conn.copy_records_to_table("bench_ballots_ceiling", records=data.ballots())
        return time.perf_counter() - started
    finally:
        await conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    with scratch_database("openpolicy_bench_demo") as url:
        upgrade(url)
        t0 = time.perf_counter()
        data = demo.generate(args.scale, args.seed)
        generated = time.perf_counter() - t0
        settings = load_settings(redis_url=None)
        report = asyncio.run(demo.load(settings, data, database_url=url, generate_seconds=generated))
        again = asyncio.run(demo.load(settings, data, database_url=url))
        raw = asyncio.run(ceiling(url, data))

    ballots = report.counts["ballots"]
    load = report.seconds["load"]
    print(f"demo-data load, scale {args.scale}, seed {args.seed} (PostgreSQL {urlsplit(ADMIN_URL).hostname})")
    print(f"{'table':<22}{'rows':>12}")
    for table, count in report.counts.items():
        print(f"{table:<22}{count:>12,}")
    print(f"{'phase':<22}{'seconds':>12}")
    for phase, seconds in report.seconds.items():
        print(f"{phase:<22}{seconds:>12.2f}")
    print(f"total (generate + load)     {report.total_seconds:>6.2f}")
    changes = sum(c["inserted"] + c["updated"] + c["deleted"] for c in again.changes.values())
    print(f"reload of the same data     {again.seconds['load']:>6.2f}   ({changes} changes)")
    print()
    print(f"ballots, whole load      {ballots / load:>12,.0f} ballots/s")
    print(f"raw COPY ceiling         {ballots / raw:>12,.0f} ballots/s")
    print(f"ratio (load / ceiling)       {raw / load:>8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
