"""Demo-data load speed: `openpolicy demo-data --scale 5` (≥ 1,000,000 ballots) vs a raw COPY ceiling.

Run with ``make bench-demo-load`` (or ``.venv/bin/python bench/bench_demo_load.py [--scale N]``). In one run,
on the same PostgreSQL (``BENCH_POSTGRES_URL``, default the machine's ``postgresql://postgres@127.0.0.1:5432/postgres``):

1. **generate**: the synthetic parliament in memory (deterministic, seed 1);
2. **load**: the real loader (``openpolicy.ingest.demo.load``: one transaction, COPY per table, ballot keys
   and indexes rebuilt after the bulk COPY, ANALYZE) into a fresh migrated database; per-table seconds;
3. **ceiling**: a raw binary COPY of the very same ballot rows into an unindexed, unconstrained table;
4. prints ballots/s of both and the ratio (the ballots path includes building the primary key, the
   (person, vote) index and validating both foreign keys, which the ceiling does not).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid
from urllib.parse import urlsplit, urlunsplit

from openpolicy.db.migrations import upgrade
from openpolicy.ingest import demo

ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


async def admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(ADMIN_URL)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


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

    name = f"openpolicy_bench_demo_{uuid.uuid4().hex[:8]}"
    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    url = with_database(ADMIN_URL, name)
    try:
        upgrade(url)
        t0 = time.perf_counter()
        data = demo.generate(args.scale, args.seed)
        generated = time.perf_counter() - t0
        report = asyncio.run(demo.load(url, data, generate_seconds=generated))
        raw = asyncio.run(ceiling(url, data))
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    ballots = report.counts["ballots"]
    ballot_path = report.seconds["ballots"] + report.seconds["ballot indexes"]
    print(f"demo-data load, scale {args.scale}, seed {args.seed} (PostgreSQL {urlsplit(ADMIN_URL).hostname})")
    print(f"{'table':<22}{'rows':>12}{'seconds':>10}")
    for table, count in report.counts.items():
        print(f"{table:<22}{count:>12,}{report.seconds.get(table, 0.0):>10.2f}")
    for step in ("delete", "ballot indexes", "analyze"):
        print(f"{step:<22}{'':>12}{report.seconds.get(step, 0.0):>10.2f}")
    print(f"generate                        {generated:>10.2f}")
    print(f"total (generate + load)         {report.total_seconds:>10.2f}")
    print()
    print(f"ballots COPY only        {ballots / report.seconds['ballots']:>12,.0f} ballots/s")
    print(f"ballots incl. keys       {ballots / ballot_path:>12,.0f} ballots/s")
    print(f"raw COPY ceiling         {ballots / raw:>12,.0f} ballots/s")
    print(f"ratio (incl. keys / ceiling) {raw / ballot_path:>8.2f}")
    print(f"ratio (COPY only / ceiling)  {raw / report.seconds['ballots']:>8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
