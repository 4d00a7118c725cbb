"""Quotas through a real api process: anonymous per address, higher with an API key, 429 with Retry-After,
RateLimit headers on every /v1 answer, keys hashed at rest, revoked keys refused, Redis shared or per process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.support import start_api, temporary_database
from tests.support.ingest import query

LIMITS = {"RATE_LIMIT_ANONYMOUS_PER_MINUTE": "3", "RATE_LIMIT_KEY_PER_MINUTE": "5", "RATE_LIMIT_EXEMPT_NETWORKS": ""}


@pytest.fixture
def database() -> Iterator[str]:
    with temporary_database("openpolicy_test_quotas") as url:
        yield url


def cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "openpolicy.cli", *args],
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
    )


def exhaust(base: str, headers: dict[str, str], allowed: int) -> httpx.Response:
    """``allowed`` requests pass with a shrinking RateLimit-Remaining; the next one is returned."""
    for n in range(allowed):
        answer = httpx.get(f"{base}/v1/jurisdictions", headers=headers)
        assert answer.status_code == 200, answer.text
        assert answer.headers["ratelimit-limit"] == str(allowed)
        assert answer.headers["ratelimit-remaining"] == str(allowed - n - 1)
        assert int(answer.headers["ratelimit-reset"]) >= 1
    return httpx.get(f"{base}/v1/jurisdictions", headers=headers)


@pytest.mark.parametrize("with_redis", [True, False], ids=["redis", "per-process"])
def test_quotas_keys_and_refusals(database: str, tmp_path: Path, redis_url: str, with_redis: bool) -> None:
    api, base = start_api(database, tmp_path, redis_url=redis_url if with_redis else None, extra_env=LIMITS)
    try:
        refused = exhaust(base, {}, 3)
        assert refused.status_code == 429
        assert refused.headers["content-type"] == "application/problem+json"
        assert 1 <= int(refused.headers["retry-after"]) <= 20
        assert refused.json()["status"] == 429 and "request_id" in refused.json()
        # probes and metrics are never limited
        assert all(httpx.get(f"{base}/health").status_code == 200 for _ in range(5))
        # a key has its own, higher quota; its digest alone is stored
        created = cli(database, "keys", "create", "test client")
        assert created.returncode == 0, created.stderr
        key = next(word for word in created.stdout.split() if word.startswith("op_"))
        [stored] = query(database, "SELECT id, key_hash, key_prefix FROM api_keys")
        assert key.encode() not in bytes(stored["key_hash"]) and key.startswith(stored["key_prefix"])
        assert exhaust(base, {"X-API-Key": key}, 5).status_code == 429
        assert httpx.get(f"{base}/v1/jurisdictions", headers={"Authorization": f"Bearer {key}"}).status_code == 429
        listed = cli(database, "keys", "list").stdout
        assert "test client" in listed and "active" in listed and "last used 20" in listed
        # unknown and revoked keys are refused, never served anonymously
        bogus = httpx.get(f"{base}/v1/jurisdictions", headers={"X-API-Key": "op_not-a-key"})
        assert bogus.status_code == 401 and bogus.headers["content-type"] == "application/problem+json"
        assert cli(database, "keys", "revoke", str(stored["id"])).returncode == 0
        assert cli(database, "keys", "revoke", str(stored["id"])).returncode == 1
        audits = query(database, "SELECT action, outcome FROM audit_events WHERE action LIKE 'api-key.%' ORDER BY id")
        assert [tuple(a) for a in audits] == [
            ("api-key.create", "success"), ("api-key.revoke", "success"), ("api-key.revoke", "failure")
        ]  # fmt: skip
    finally:
        api.stop()


def test_forwarded_clients_are_told_apart_only_behind_a_trusted_proxy(database: str, tmp_path: Path) -> None:
    trusted = {**LIMITS, "TRUSTED_PROXIES": "127.0.0.1/32"}
    api, base = start_api(database, tmp_path, extra_env=trusted)
    try:
        assert exhaust(base, {"X-Forwarded-For": "203.0.113.7"}, 3).status_code == 429
        # another client behind the proxy has its own quota; a client cannot pose as a proxy hop
        assert httpx.get(f"{base}/v1/jurisdictions", headers={"X-Forwarded-For": "203.0.113.8"}).status_code == 200
        spoofed = {"X-Forwarded-For": "198.51.100.1, 203.0.113.7"}
        assert httpx.get(f"{base}/v1/jurisdictions", headers=spoofed).status_code == 429
    finally:
        api.stop()
    api, base = start_api(database, tmp_path, extra_env=LIMITS)  # no trusted proxy: the header means nothing
    try:
        assert exhaust(base, {"X-Forwarded-For": "203.0.113.7"}, 3).status_code == 429
        assert httpx.get(f"{base}/v1/jurisdictions", headers={"X-Forwarded-For": "203.0.113.8"}).status_code == 429
    finally:
        api.stop()


def test_a_key_that_cannot_be_checked_is_a_503_not_a_500(tmp_path: Path) -> None:
    unreachable = "postgresql://openpolicy@127.0.0.1:9/nowhere"  # nothing listens on port 9
    api, base = start_api(unreachable, tmp_path, extra_env={**LIMITS, "DB_CONNECT_TIMEOUT_SECONDS": "1"})
    try:
        answer = httpx.get(f"{base}/v1/jurisdictions", headers={"X-API-Key": "op_anything"}, timeout=30)
        assert answer.status_code == 503
        assert answer.headers["content-type"] == "application/problem+json" and answer.headers["retry-after"] == "5"
    finally:
        api.stop()
