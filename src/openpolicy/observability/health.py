"""Readiness checks shared by the services: run named checks concurrently, each under a timeout.

A check is an async callable that returns when the dependency answered and raises otherwise. Results update
``openpolicy_dependency_up{dependency}`` and log a line when a dependency goes down or comes back (so an
outage yields one clear line, not one per probe).

The process-wide *draining* flag is set when the process got SIGTERM (see :mod:`openpolicy.http.server`):
readiness answers 503 from then on so load balancers stop sending traffic while in-flight requests finish.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from openpolicy.observability.logging import get_logger, mask_url_passwords
from openpolicy.observability.metrics import DEPENDENCY_UP

Check = Callable[[], Awaitable[None]]
_log = get_logger("openpolicy.health")
_last_state: dict[str, bool] = {}
_draining = False


def mark_draining() -> None:
    """Called from the SIGTERM handler: readiness turns 503 from now on (this process only)."""
    global _draining
    _draining = True


def is_draining() -> bool:
    return _draining


@dataclass(frozen=True)
class CheckResult:
    up: bool
    latency_ms: float
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"status": "up" if self.up else "down", "latency_ms": round(self.latency_ms, 2)}
        if self.error:
            body["error"] = self.error
        return body


async def _timed(name: str, check: Check, limit: float) -> CheckResult:
    start = time.perf_counter()
    try:
        await asyncio.wait_for(check(), timeout=limit)
    except TimeoutError:
        return CheckResult(False, (time.perf_counter() - start) * 1000, f"no answer within {limit:g}s")
    except Exception as exc:
        message = mask_url_passwords(str(exc).splitlines()[0] if str(exc) else "")[:200]
        return CheckResult(False, (time.perf_counter() - start) * 1000, f"{type(exc).__name__}: {message}".strip())
    return CheckResult(True, (time.perf_counter() - start) * 1000)


async def run_checks(checks: Mapping[str, Check], limit: float) -> dict[str, CheckResult]:
    """Run every check concurrently (each ≤ ``limit`` s); update the gauge; log up/down transitions."""
    names = list(checks)
    results = await asyncio.gather(*(_timed(name, checks[name], limit) for name in names))
    out = dict(zip(names, results, strict=True))
    for name, result in out.items():
        DEPENDENCY_UP.labels(name).set(1 if result.up else 0)
        previous = _last_state.get(name)
        if previous is not result.up:
            if not result.up:
                _log.warning("dependency down", dependency=name, error=result.error)
            elif previous is False:
                _log.info("dependency back up", dependency=name, latency_ms=round(result.latency_ms, 2))
            _last_state[name] = result.up
    return out


def sqlalchemy_check(engine: Any) -> Check:
    """``SELECT 1`` through ``engine`` (an AsyncEngine)."""
    from sqlalchemy import text

    async def check() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    return check


def redis_check(client: Any) -> Check:
    """``PING`` through a redis.asyncio client."""

    async def check() -> None:
        await client.ping()

    return check
