"""The notifier's work loop in-process against real PostgreSQL and a loopback receiver: fan-out is idempotent and
held by one replica at a time, claims are exclusive, a delivery failing past its retry window is given up,
deliveries in flight at a stop are released, a revoked key's subscriptions stop, and the command refuses to start
without its secrets key."""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from prometheus_client import REGISTRY
from tests.support import OPENPOLICY
from tests.support.webhooks import SECRETS_KEY, Behaviour, Receiver, receiver, webhook_database

from openpolicy.api.ratelimit import hash_key, new_key
from openpolicy.config import Settings, load_settings
from openpolicy.notify.secrets import SecretBox, new_secret
from openpolicy.notify.worker import Notifier


def failed_total() -> float:
    return REGISTRY.get_sample_value("openpolicy_webhook_deliveries_total", {"outcome": "failed"}) or 0.0


def settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "webhook_secrets_key": SECRETS_KEY,
        "webhook_allow_private_targets": True,
        "webhook_retry_base_seconds": 0.05,
        "webhook_timeout_seconds": 2,
    }
    return load_settings(**{**values, **overrides})


async def prepare(url: str, rx: Receiver) -> tuple[int, str]:
    """Two people, a subscription following the first (delivering to rx at /w); (subscription id, its secret)."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "INSERT INTO people (id, name, sort_name) VALUES ('ocd-person/w1', 'Wendy One', 'One'), "
            "('ocd-person/w2', 'Walt Two', 'Two')"
        )
        key = new_key()
        owner = await conn.fetchval(
            "INSERT INTO api_keys (name, key_hash, key_prefix) VALUES ('w', $1, 'op_') RETURNING id", hash_key(key)
        )
        sub = await conn.fetchval("SELECT nextval(pg_get_serial_sequence('webhook_subscriptions', 'id'))")
        secret = new_secret()
        await conn.execute(
            "INSERT INTO webhook_subscriptions (id, api_key_id, url, secret_encrypted, person_id) "
            "VALUES ($1, $2, $3, $4, 'ocd-person/w1')",
            sub,
            owner,
            rx.url("/w"),
            SecretBox(SECRETS_KEY).seal(sub, secret),
        )
        rx.secrets["/w"] = secret
        for n, person in enumerate(["ocd-person/w1", "ocd-person/w2", "ocd-person/w1"]):
            await conn.execute(
                "INSERT INTO change_log (entity_type, entity_id, operation, data) "
                "VALUES ('person', $1::text, 'update', json_build_object('id', $1::text, 'name', $2::text))",
                person,
                f"Name {n}",
            )
        return int(sub), secret
    finally:
        await conn.close()


async def until(predicate: Callable[[], Awaitable[bool]], seconds: float) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not await predicate():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


def test_fan_out_claims_give_up_and_release() -> None:
    with webhook_database() as url, receiver() as rx:
        asyncio.run(_scenario(url, rx))


async def _scenario(url: str, rx: Receiver) -> None:
    await prepare(url, rx)
    conn = await asyncpg.connect(url)
    one = Notifier(settings(webhook_retry_window_seconds=0.3), url, replica="one")
    two = Notifier(settings(), url, replica="two")
    await one.start()
    await two.start()
    try:
        # fan-out: 3 changes, 2 about the followed person; again from 0 → the same 2 rows (same event ids)
        assert await one.fan_out_once() == 3
        assert await one.fan_out_once() == 0
        rows = await conn.fetch("SELECT event_id FROM webhook_deliveries ORDER BY id")
        assert [r["event_id"] for r in rows] == ["msg_1_0", "msg_3_0"]
        await conn.execute("UPDATE webhook_notifier_cursor SET position = 0")
        assert await two.fan_out_once() == 3
        assert await conn.fetchval("SELECT count(*) FROM webhook_deliveries") == 2
        # a replica that finds the cursor held by another does nothing
        holder = await asyncpg.connect(url)
        try:
            async with holder.transaction():
                await holder.execute("UPDATE webhook_notifier_cursor SET position = 0")
                assert await one.fan_out_once() == 0
        finally:
            await holder.close()

        # claims are exclusive: what one replica holds, the other cannot take
        rx.behaviours["/w"] = Behaviour(status=500, delay=0.5)  # in flight long enough for the other replica to try
        failed_before = failed_total()
        assert await one.claim_and_start(10) == 2
        assert await two.claim_and_start(10) == 0
        await asyncio.gather(*(task for task, _, _ in list(one.in_flight.values())))
        rx.behaviours["/w"] = Behaviour(status=500)
        # first attempt failed: the window (0.3 s) is not over yet unless the backoff passes it
        rows = await conn.fetch("SELECT status, attempts, last_status_code, claimed_by FROM webhook_deliveries")
        assert all(r["attempts"] == 1 and r["last_status_code"] == 500 and r["claimed_by"] is None for r in rows)

        async def given_up() -> bool:
            if await conn.fetchval("SELECT count(*) FROM webhook_deliveries WHERE status = 'failed'") == 2:
                return True
            await one.claim_and_start(10)
            await asyncio.gather(*(task for task, _, _ in list(one.in_flight.values())))
            return False

        await until(given_up, 10)
        assert failed_total() - failed_before == 2
        assert len(rx.at("/w")) == await conn.fetchval("SELECT sum(attempts) FROM webhook_deliveries")
        assert all(r.error is None for r in rx.at("/w"))  # every attempt signed with the subscription's secret

        # a stop releases what is still in flight after the timeout: due again at once, the attempt not counted
        await conn.execute("UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = now(), attempts = 0")
        rx.behaviours["/w"] = Behaviour(delay=5.0)
        slow = Notifier(settings(webhook_timeout_seconds=1.5), url, replica="slow")
        await slow.start()
        slow.sender.timeout = 30  # the attempt outlives the drain (timeout + 1 s): it must be released
        runner = asyncio.create_task(slow.run())
        await until(lambda: _count(conn, "claimed_by = 'slow'", 2), 10)
        slow.stop()
        await asyncio.wait_for(runner, 10)
        rows = await conn.fetch(
            "SELECT status, attempts, claimed_by, next_attempt_at <= now() AS due FROM webhook_deliveries"
        )
        assert [tuple(r) for r in rows] == [("pending", 0, None, True)] * 2

        # a revoked key's subscription hears and sends nothing more
        await conn.execute("UPDATE api_keys SET revoked_at = now()")
        assert await one.claim_and_start(10) == 0
        await conn.execute("UPDATE webhook_notifier_cursor SET position = (SELECT max(id) FROM change_log)")
        await conn.execute(
            "INSERT INTO change_log (entity_type, entity_id, operation, data) "
            "VALUES ('person', 'ocd-person/w1', 'update', json_build_object('id', 'ocd-person/w1', 'name', 'Late'))"
        )
        assert await one.fan_out_once() == 1
        assert await conn.fetchval("SELECT count(*) FROM webhook_deliveries") == 2
    finally:
        for notifier in (one, two):
            if notifier.pool is not None:
                await notifier.pool.close()
            await notifier.sender.aclose()
        await conn.close()


async def _count(conn: asyncpg.Connection, where: str, expected: int) -> bool:
    return bool(await conn.fetchval(f"SELECT count(*) FROM webhook_deliveries WHERE {where}") == expected)


def test_the_command_needs_its_secrets_key() -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"WEBHOOK_SECRETS_KEY", "DATABASE_URL"}}
    done = subprocess.run([OPENPOLICY, "serve", "notifier"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "WEBHOOK_SECRETS_KEY is not set" in done.stderr
    short = subprocess.run(
        [OPENPOLICY, "serve", "notifier"],
        env={**env, "WEBHOOK_SECRETS_KEY": "short"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert short.returncode == 2 and "WEBHOOK_SECRETS_KEY" in short.stderr and "32 characters" in short.stderr
