"""Notifier benchmark (`make bench-notifier`): 10,000 events to 100 subscriptions at a local receiver.

1. a fresh database ``openpolicy_bench_notifier`` gets 100 people and 100 subscriptions, each following one person
   (``person_id``), all pointing at one local receiver: a raw ASGI app under uvicorn that reads each body and
   answers 200 (``bench/webhook_receiver.py``);
2. baseline: the same number of plain POSTs (same body size, no signature, no database) sent to that receiver
   ``WEBHOOK_CONCURRENCY`` at a time through the notifier's client layout (one small httpx pool per
   subscription) — what the receiver and the HTTP client manage here;
3. one notifier process (``openpolicy serve notifier``) is started, then 10,000 ``person.updated`` changes are
   committed to ``change_log`` in transactions of 1,000 (as imports write them): 100 per person, so one
   delivery per event;
4. when every delivery is made: deliveries per second (first commit → last delivery) and the commit → delivery lag
   (p50, p99, max) read from the delivery rows (``delivered_at − committed_at``), and the ratio of the notifier's
   rate to the baseline's. A burst's lag is mostly its queue; so
5. then 1,000 more changes at a steady 100 a second (a transaction every 0.1 s), and their lag alone.

``BENCH_EVENTS``, ``BENCH_SUBSCRIPTIONS`` and ``BENCH_REPLICAS`` (notifier processes) change the sizes. Prints a
table; not a test.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
from pathlib import Path

import asyncpg
import httpx
from api_bench import ADMIN_URL, BIN, OPENPOLICY, free_port, log, process, with_database

ROOT = Path(__file__).resolve().parents[1]
DATABASE_NAME = "openpolicy_bench_notifier"
EVENTS = int(os.environ.get("BENCH_EVENTS", "10000"))
SUBSCRIPTIONS = int(os.environ.get("BENCH_SUBSCRIPTIONS", "100"))
REPLICAS = int(os.environ.get("BENCH_REPLICAS", "1"))
CONCURRENCY = 32  # WEBHOOK_CONCURRENCY
PER_SUBSCRIPTION = 4  # WEBHOOK_PER_SUBSCRIPTION_CONCURRENCY
COMMIT_BATCH = 1000
SECRETS_KEY = "bench-webhook-secrets-key-not-a-real-secret-0123"  # a benchmark value, not a secret
TIMEOUT_SECONDS = 600.0
STEADY_EVENTS = int(os.environ.get("BENCH_STEADY_EVENTS", "1000"))
STEADY_RATE = int(os.environ.get("BENCH_STEADY_RATE", "100"))  # changes a second, committed every 0.1 s


async def fresh_database() -> str:
    from openpolicy.db.migrations import upgrade

    admin = await asyncpg.connect(ADMIN_URL)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE_NAME}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    finally:
        await admin.close()
    url = with_database(ADMIN_URL, DATABASE_NAME)
    await asyncio.to_thread(upgrade, url)
    return url


async def setup(url: str, receiver: str) -> list[str]:
    """People, an API key and the subscriptions (secrets sealed as the api seals them); the people's ids."""
    from openpolicy.api.ratelimit import hash_key, new_key
    from openpolicy.notify.secrets import SecretBox, new_secret

    box = SecretBox(SECRETS_KEY)
    conn = await asyncpg.connect(url)
    try:
        people = [f"ocd-person/bench-{n:04d}" for n in range(SUBSCRIPTIONS)]
        await conn.executemany(
            "INSERT INTO people (id, name, sort_name) VALUES ($1, $2, $2)",
            [(p, f"Bench Person {n:04d}") for n, p in enumerate(people)],
        )
        key = new_key()
        owner = await conn.fetchval(
            "INSERT INTO api_keys (name, key_hash, key_prefix) VALUES ('bench', $1, $2) RETURNING id",
            hash_key(key),
            key[:10],
        )
        for n, person in enumerate(people):
            sub = await conn.fetchval("SELECT nextval(pg_get_serial_sequence('webhook_subscriptions', 'id'))")
            await conn.execute(
                "INSERT INTO webhook_subscriptions (id, api_key_id, url, secret_encrypted, person_id, event_types) "
                "VALUES ($1, $2, $3, $4, $5, '{person.updated}')",
                sub,
                owner,
                f"{receiver}/hooks/{n}",
                box.seal(sub, new_secret()),
                person,
            )
        return people
    finally:
        await conn.close()


async def commit_changes(
    url: str, people: list[str], events: int = EVENTS, batch: int = COMMIT_BATCH, every: float = 0.0
) -> float:
    """``events`` person updates, round robin over ``people``, in transactions of ``batch``, one transaction every
    ``every`` seconds (0: back to back); seconds it took."""
    conn = await asyncpg.connect(url)
    started = time.perf_counter()
    try:
        for start in range(0, events, batch):
            count = min(batch, events - start)
            if every:
                await asyncio.sleep(max(0.0, started + (start // batch) * every - time.perf_counter()))
            await conn.execute(
                """
                INSERT INTO change_log (entity_type, entity_id, operation, data)
                SELECT 'person', ($1::text[])[1 + (n % $2)], 'update',
                       json_build_object('id', ($1::text[])[1 + (n % $2)], 'name', 'Bench Person ' || n)
                FROM generate_series($3::int, $3::int + $4::int - 1) AS n
                """,
                people,
                len(people),
                start,
                count,
            )
    finally:
        await conn.close()
    return time.perf_counter() - started


async def baseline(receiver: str, body: bytes) -> float:
    """Plain POSTs per second to the receiver: EVENTS of them, CONCURRENCY at a time, through the notifier's
    client layout (one httpx client of PER_SUBSCRIPTION connections per subscription) without signing, target
    checks or database — the figure the notifier's own work is measured against."""
    limits = httpx.Limits(max_connections=PER_SUBSCRIPTION, max_keepalive_connections=PER_SUBSCRIPTION)
    clients = [httpx.AsyncClient(limits=limits, timeout=10) for _ in range(SUBSCRIPTIONS)]
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(EVENTS):
        queue.put_nowait(n)

    async def worker() -> None:
        while True:
            try:
                n = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            sub = n % SUBSCRIPTIONS
            answer = await clients[sub].post(f"{receiver}/hooks/{sub}", content=body)
            answer.raise_for_status()

    try:
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return EVENTS / (time.perf_counter() - started)
    finally:
        for client in clients:
            await client.aclose()


async def wait_delivered(url: str, total: int) -> None:
    conn = await asyncpg.connect(url)
    deadline = time.monotonic() + TIMEOUT_SECONDS
    try:
        while True:
            done = await conn.fetchval("SELECT count(*) FROM webhook_deliveries WHERE status = 'delivered'")
            if done >= total:
                return
            if time.monotonic() > deadline:
                raise SystemExit(f"only {done} of {total} deliveries made within {TIMEOUT_SECONDS:.0f} s")
            await asyncio.sleep(0.25)
    finally:
        await conn.close()


async def figures(url: str, after_change: int = 0) -> dict[str, float]:
    """Rate and lag of the deliveries of the changes after ``after_change``."""
    conn = await asyncpg.connect(url)
    try:
        row = await conn.fetchrow(
            """
            SELECT count(*) AS n,
                   extract(epoch FROM max(delivered_at) - min(committed_at)) AS span,
                   extract(epoch FROM percentile_cont(0.5) WITHIN GROUP (ORDER BY delivered_at - committed_at)) AS p50,
                   extract(epoch FROM percentile_cont(0.99) WITHIN GROUP (ORDER BY delivered_at - committed_at)) AS p99,
                   extract(epoch FROM max(delivered_at - committed_at)) AS worst,
                   sum(attempts) AS attempts,
                   avg(octet_length(payload::text)) AS body
            FROM webhook_deliveries WHERE status = 'delivered' AND change_id > $1
            """,
            after_change,
        )
        return {k: float(row[k]) for k in ("n", "span", "p50", "p99", "worst", "attempts", "body")}
    finally:
        await conn.close()


def main() -> int:
    url = asyncio.run(fresh_database())
    receiver_port = free_port()
    receiver = f"http://127.0.0.1:{receiver_port}"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    with contextlib.ExitStack() as stack:
        stack.enter_context(
            process(
                [str(BIN / "uvicorn"), "bench.webhook_receiver:app", "--port", str(receiver_port), "--no-access-log",
                 "--log-level", "warning"],
                env,
                "notifier-receiver.log",
                f"{receiver}/",
            )
        )  # fmt: skip
        people = asyncio.run(setup(url, receiver))
        body = b"x" * 420  # about the size of a person.updated payload
        log(f"baseline: {EVENTS} plain POSTs, {CONCURRENCY} at a time")
        base_rate = asyncio.run(baseline(receiver, body))
        notifier_env = {
            **env,
            "DATABASE_URL": url,
            "WEBHOOK_SECRETS_KEY": SECRETS_KEY,
            "WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
            "WEBHOOK_CONCURRENCY": str(CONCURRENCY),
            "HOST": "127.0.0.1",
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "WARNING",
        }
        for replica in range(REPLICAS):
            port = free_port()
            stack.enter_context(
                process(
                    [OPENPOLICY, "serve", "notifier"],
                    {**notifier_env, "NOTIFIER_PORT": str(port)},
                    f"notifier-{replica}.log",
                    f"http://127.0.0.1:{port}/health/ready",
                )
            )
        log(f"committing {EVENTS} changes for {SUBSCRIPTIONS} subscriptions, {REPLICAS} notifier process(es)")
        commit_seconds = asyncio.run(commit_changes(url, people))
        asyncio.run(wait_delivered(url, EVENTS))
        result = asyncio.run(figures(url))
        log(f"steady: {STEADY_EVENTS} changes at {STEADY_RATE}/s")
        asyncio.run(commit_changes(url, people, STEADY_EVENTS, STEADY_RATE // 10, 0.1))
        asyncio.run(wait_delivered(url, EVENTS + STEADY_EVENTS))
        steady = asyncio.run(figures(url, EVENTS))
    rate = result["n"] / result["span"]
    print(
        f"notifier benchmark: {EVENTS} events to {SUBSCRIPTIONS} subscriptions (one delivery each), "
        f"{REPLICAS} notifier process(es), WEBHOOK_CONCURRENCY={CONCURRENCY}, local receiver (raw ASGI, uvicorn)"
    )
    print(f"  changes committed in            {commit_seconds:8.2f} s ({EVENTS // COMMIT_BATCH or 1} transactions)")
    print(f"  baseline: plain POSTs           {base_rate:8.0f} /s")
    print(f"  notifier: signed deliveries     {rate:8.0f} /s  ({result['n']:.0f} in {result['span']:.1f} s)")
    print(f"  ratio to the baseline           {rate / base_rate:8.3f}")
    print(
        f"  commit → delivery lag           p50 {result['p50']:6.2f} s  p99 {result['p99']:6.2f} s  "
        f"max {result['worst']:6.2f} s"
    )
    print(
        f"  steady {STEADY_RATE}/s, {STEADY_EVENTS} changes: lag  p50 {steady['p50']:6.2f} s  "
        f"p99 {steady['p99']:6.2f} s  max {steady['worst']:6.2f} s"
    )
    print(f"  attempts per delivery           {result['attempts'] / result['n']:8.3f}")
    print(f"  payload size                    {result['body']:8.0f} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
