"""Data generations in Redis: the protocol between the writers of the data and the api's response cache.

Each api resource (the first path segment after /v1, e.g. ``people``) has a counter at :func:`generation_key`.
A writer (an import, ``openpolicy cache purge``) calls :func:`bump` after its commit; the response cache keys
every stored answer by the resource's current counter, so a bump makes the resource's earlier answers
unreachable at once. :func:`resources_for` says which resources show each entity type, for every writer (imports,
reverts, the read model's rebuild); the api derives its resources from its routers and checks what it is given
(``openpolicy.api.cache``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpolicy.observability.logging import get_logger, mask_url_passwords
from openpolicy.observability.metrics import CACHE_ERRORS

KEY_PREFIX = "openpolicy:"

_log = get_logger("openpolicy.cache")


def generation_key(resource: str) -> str:
    return f"{KEY_PREFIX}gen:{resource}"


def client_kwargs(timeout: float) -> dict[str, Any]:
    """redis client options: short timeouts and no retries (failing fast is the point)."""
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return {
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
        "retry": Retry(NoBackoff(), 0),
        "health_check_interval": 0,
    }


def bump(redis_url: str, resources: Iterable[str], *, timeout: float = 2.0, raise_errors: bool = False) -> None:
    """Increment the generation of every resource in ``resources`` (one pipelined ``INCR`` each).

    When Redis cannot be reached the failure is logged and counted (``openpolicy_cache_errors_total
    {operation="bump"}``) and, unless ``raise_errors``, swallowed: cached answers then age out by their TTL.
    """
    import redis

    wanted = sorted(set(resources))
    if not wanted:
        return
    client = redis.Redis.from_url(redis_url, **client_kwargs(timeout))
    try:
        pipe = client.pipeline(transaction=False)
        for resource in wanted:
            pipe.incr(generation_key(resource))
        pipe.execute()
        _log.info("cache generations bumped", resources=wanted)
    except Exception as exc:
        CACHE_ERRORS.labels("bump").inc()
        _log.warning(
            "could not bump cache generations",
            resources=wanted,
            error=mask_url_passwords(f"{type(exc).__name__}: {exc}")[:200],
        )
        if raise_errors:
            raise
    finally:
        client.close()


def resources_for(entities: Iterable[str]) -> set[str]:
    """The api cache resources (first path segment after /v1) to invalidate for changed entity types."""
    table = {
        "jurisdiction": {"jurisdictions"},
        "organization": {"organizations", "committees", "people"},
        "person": {"people", "votes", "bills"},
        "membership": {"people", "organizations", "committees"},
        "area": {"areas", "people"},
        "post": {"organizations", "people"},
        "legislative_period": {"jurisdictions"},
        "session": {"jurisdictions", "bills", "votes"},
        "bill": {"bills", "votes"},
        "vote": {"votes", "bills", "people"},
        "debate": {"debates", "speeches", "people"},
        "boundary_set": {"areas", "represent"},
        "boundary": {"areas", "represent"},
    }
    out: set[str] = set()
    for entity in entities:
        out |= table.get(entity, set())
    if out:
        out |= {"search", "changes", "stats"}
    return out
