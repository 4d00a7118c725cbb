"""Audit events: rows in audit_events plus a log line; the `cache purge` command records one."""

from __future__ import annotations

import asyncio
import os
import subprocess
from typing import Any

import pytest
import redis
from sqlalchemy import select, text
from tests.support import OPENPOLICY, free_port

from openpolicy.config import load_settings
from openpolicy.db.audit import record
from openpolicy.db.engine import create_engine, create_sessionmaker
from openpolicy.db.models import AuditEvent


async def _rows(database_url: str, action: str) -> list[Any]:
    engine = create_engine(load_settings(database_url=database_url))
    try:
        async with engine.connect() as conn:
            table = AuditEvent.__table__
            result = await conn.execute(select(table).where(table.c.action == action).order_by(table.c.id))
            return [dict(row) for row in result.mappings()]
    finally:
        await engine.dispose()


def test_record_writes_a_scrubbed_row_in_the_callers_transaction(database_url: str) -> None:
    async def scenario() -> None:
        engine = create_engine(load_settings(database_url=database_url))
        sessions = create_sessionmaker(engine)
        try:
            async with sessions() as session:
                await record(
                    session,
                    actor="test:audit",
                    action="audittest.test-write",
                    target="people/abc",
                    outcome="success",
                    request_id="req-audit-1",
                    details={
                        "count": 3,
                        "password": "pw-should-vanish",
                        "source_url": "https://user:url-secret@example.org/x",
                        "nested": {"api_token": "tok-should-vanish"},
                    },
                )
                await session.commit()
            async with sessions() as session:  # rolled back: nothing stays
                await record(session, actor="t", action="audittest.rolled-back", target=None, outcome="failure")
                await session.rollback()
            async with sessions() as session:
                with pytest.raises(ValueError, match="outcome"):
                    record(session, actor="t", action="audittest.bad", target=None, outcome="maybe")
                with pytest.raises(ValueError, match="action"):
                    record(session, actor="t", action="Bad Action!", target=None, outcome="success")
                count = await session.scalar(text("SELECT count(*) FROM audit_events WHERE action = 'audittest.bad'"))
                assert count == 0
        finally:
            await engine.dispose()

    asyncio.run(scenario())
    rows = asyncio.run(_rows(database_url, "audittest.test-write"))
    assert len(rows) == 1
    values = rows[0]
    assert values["actor"] == "test:audit" and values["outcome"] == "success"
    assert values["request_id"] == "req-audit-1" and values["target"] == "people/abc"
    details = values["details"]
    assert details["count"] == 3 and details["password"] == "[redacted]"
    assert details["nested"]["api_token"] == "[redacted]"
    assert "url-secret" not in str(details) and details["source_url"].startswith("https://user:***@")
    assert asyncio.run(_rows(database_url, "audittest.rolled-back")) == []


def _cli(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    full.update(env)
    return subprocess.run([OPENPOLICY, *args], env=full, capture_output=True, text=True, timeout=60, check=False)


def test_cache_purge_bumps_generations_and_is_audited(database_url: str, redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    before = int(client.get("openpolicy:gen:people") or 0)
    done = _cli(["cache", "purge", "--resource", "people"], DATABASE_URL=database_url, REDIS_URL=redis_url)
    assert done.returncode == 0, done.stderr
    assert int(client.get("openpolicy:gen:people") or 0) == before + 1
    assert client.get("openpolicy:gen:bills") is None  # only what was asked
    assert '"audit_action":"cache.purge"' in done.stdout.replace(" ", "")

    dead = f"redis://127.0.0.1:{free_port()}/0"
    failed = _cli(["cache", "purge"], DATABASE_URL=database_url, REDIS_URL=dead)
    assert failed.returncode == 1 and "cache purge failed" in failed.stderr

    unknown = _cli(["cache", "purge", "-r", "peoples"], DATABASE_URL=database_url, REDIS_URL=redis_url)
    assert unknown.returncode == 2 and "peoples" in unknown.stderr
    client.close()

    rows = asyncio.run(_rows(database_url, "cache.purge"))
    outcomes = [(r["outcome"], r["target"]) for r in rows]
    assert ("success", "cache:people") in outcomes
    assert any(outcome == "failure" for outcome, _ in outcomes)
