"""``GET /health`` (liveness) and ``GET /health/ready`` (readiness) of the api-service.

* ``/health`` touches nothing and answers ``200 {"status": "ok"}`` while the process can serve HTTP.
* ``/health/ready`` checks PostgreSQL (``SELECT 1``) and, when ``REDIS_URL`` is set, Redis (``PING``)
  concurrently, each within ``READINESS_TIMEOUT_SECONDS`` (≤ 1 s by default), and answers with each
  dependency's status:

  - database up → ``200`` (``status`` is ``ok``, or ``degraded`` when Redis is down);
  - database down → ``503 application/problem+json`` naming it in ``failed``;
  - after SIGTERM (the process is draining) → ``503`` naming ``shutdown``.

  **Redis down keeps readiness at 200** (reported as ``"redis": {"status": "down"}``, overall
  ``"degraded"``): Redis is only a cache and the api answers without it, so a cache outage must not make
  Kubernetes pull every pod out of service. ``openpolicy_dependency_up{dependency="redis"}`` still turns 0
  (the RedisDown alert uses it).

  **The database down while the response cache answers keeps readiness at 200** (``"degraded"``, with
  ``"serving": "cache"``): every replica shares the same database, so its outage is every replica's, and taking
  them all out of service would turn the cached answers they can still give (within ``CACHE_TTL_SECONDS``) into
  the proxy's own errors; an answer the cache does not hold is a 503 problem with ``Retry-After``. This holds only
  once the database has answered this process: a process that never reached its database (a wrong URL, a network
  policy) stays unready. ``openpolicy_dependency_up{dependency="database"}`` turns 0 all the same (DatabaseDown
  fires). See ``docs/operations.md`` ("When PostgreSQL is down").

``lookup`` names the point-lookup path of ``/v1/represent`` (openpolicy.api.geo.LOOKUP_PATH), fixed at start.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request
from starlette.responses import Response

from openpolicy.api.errors import problem_response
from openpolicy.api.geo import LOOKUP_PATH
from openpolicy.observability.health import Check, is_draining, redis_check, run_checks, sqlalchemy_check

router = APIRouter(tags=["health"])
NO_STORE = {"Cache-Control": "no-store"}


def _json(body: Any) -> Response:
    return Response(orjson.dumps(body), media_type="application/json", headers=NO_STORE)


@router.get("/health", summary="Liveness: the process serves HTTP (touches no dependency)")
async def health() -> Response:
    return _json({"status": "ok"})


def dependency_checks(state: Any) -> dict[str, Check]:
    checks: dict[str, Check] = {}
    engine = getattr(state, "engine", None)
    if engine is not None:
        checks["database"] = sqlalchemy_check(engine)
    redis = getattr(state, "redis", None)
    if redis is not None:
        checks["redis"] = redis_check(redis)
    return checks


async def readiness(state: Any) -> tuple[bool, dict[str, Any]]:
    """(ready, body) — also used by ``/metrics`` to refresh ``openpolicy_dependency_up``."""
    results = await run_checks(dependency_checks(state), state.settings.readiness_timeout_seconds)
    checks = {name: result.as_dict() for name, result in results.items()}
    failed = [name for name, result in results.items() if not result.up and name != "redis"]
    if "database" not in results:
        failed.append("database")
        checks["database"] = {"status": "down", "error": "not connected (the api is starting or stopping)"}
    elif results["database"].up:
        state.database_answered = True
    degraded = any(not result.up for result in results.values())
    body: dict[str, Any] = {"status": "degraded" if degraded else "ok", "checks": checks, "lookup": LOOKUP_PATH}
    if (
        failed == ["database"]
        and "database" in results
        and getattr(state, "database_answered", False)
        and getattr(state, "response_cache", None) is not None
        and "redis" in results
        and results["redis"].up
    ):
        body["serving"] = "cache"  # the module docstring: cached answers are served, the rest are 503s
        return True, body
    if failed:
        body["failed"] = failed
    return not failed, body


@router.get(
    "/health/ready",
    summary="Readiness: database (and Redis when configured) reachable; 503 naming the failed dependency",
)
async def ready(request: Request) -> Response:
    ok, body = await readiness(request.app.state)
    if is_draining():
        failed = ["shutdown", *body.get("failed", [])]
        return problem_response(
            503,
            detail="shutting down: draining in-flight requests",
            request=request,
            headers=NO_STORE,
            failed=failed,
            checks=body["checks"],
        )
    if not ok:
        return problem_response(
            503,
            detail="not ready: " + ", ".join(f"{name} down" for name in body["failed"]),
            request=request,
            headers=NO_STORE,
            failed=body["failed"],
            checks=body["checks"],
        )
    return _json(body)
