"""Quotas of the public api: who is asking, how much they may ask, and the answer when they ask too much.

* **Who**: a request carrying an API key (``X-API-Key: op_…`` or ``Authorization: Bearer op_…``; other bearer
  tokens are not this api's and are ignored) is that key's;
  an unknown or revoked key is a 401 (never silently anonymous). Otherwise it is its client address's: the
  socket's peer, or — only when the peer is one of ``TRUSTED_PROXIES`` — the right-most address of
  ``X-Forwarded-For`` that is not itself a trusted proxy. Addresses in ``RATE_LIMIT_EXEMPT_NETWORKS`` (the
  platform's own web, jobs and probes on loopback and private networks) are not limited.
* **How much**: a GCRA (generic cell rate algorithm) per client: ``RATE_LIMIT_ANONYMOUS_PER_MINUTE`` or
  ``RATE_LIMIT_KEY_PER_MINUTE`` requests a minute, a burst of as many. The state lives in Redis, one key per
  client, updated atomically by a Lua script on the server's clock, so every api replica shares it; without
  Redis (unset, or failing) each process keeps its own — logged once per outage — and the limit holds per process.
  A failing Redis is skipped by a circuit breaker (:mod:`openpolicy.api.breaker`: one trial call per probe window),
  so a frozen Redis does not add its timeout to every request.
* **The answer**: every ``/v1`` answer carries ``RateLimit-Limit``, ``RateLimit-Remaining`` and ``RateLimit-Reset``
  (seconds; IETF RateLimit header fields draft); beyond the quota, 429 ``application/problem+json`` with
  ``Retry-After``. ``/health``, ``/metrics`` and ``/docs`` are not limited.

API keys are stored as SHA-256 digests (``api_keys``); the key itself is shown once, at creation.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Final

import orjson
import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from openpolicy.api.breaker import CircuitBreaker
from openpolicy.observability.logging import get_logger

KEY_PREFIX: Final = "op_"
LIMITED_PREFIX: Final = "/v1"
_log = get_logger("openpolicy.api.ratelimit")

# KEYS[1]: the client's key. ARGV: emission interval (µs), burst tolerance (µs). Returns {allowed, remaining,
# reset µs (allowed) or retry-after µs (refused)}. The theoretical arrival time (TAT) is kept in µs of Redis' clock.
GCRA_LUA: Final = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local allow_at = tat - tolerance
if now < allow_at then
  return {0, 0, allow_at - now}
end
local new_tat = tat + interval
redis.call('SET', KEYS[1], new_tat, 'PX', math.ceil((new_tat - now) / 1000) + 1000)
return {1, math.floor((now + tolerance - new_tat + interval) / interval), new_tat - now}
"""


KEY_ID_STATE: Final = "api_key_id"  # request.state member: the id of the valid API key the request presented


def request_key_id(scope: Scope) -> int | None:
    """The id of the valid (stored, not revoked) API key a ``/v1`` request presented, as checked by
    :class:`RateLimitMiddleware` (which answered 401 for an unknown or revoked one); None when it presented none."""
    value = scope.get("state", {}).get(KEY_ID_STATE)
    return value if isinstance(value, int) else None


def hash_key(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


def new_key() -> str:
    """A new API key: ``op_`` and 43 URL-safe characters (256 random bits)."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int  # until the quota is whole again (allowed) or until a request is allowed (refused)


def _decision(limit: int, allowed: bool, remaining: int, micros: float) -> Decision:
    return Decision(allowed, limit, max(0, min(limit, remaining)), max(1, math.ceil(micros / 1_000_000)))


class LocalLimiter:
    """The same GCRA in one process (monotonic clock), for when Redis is absent or failing; bounded in clients."""

    def __init__(self, max_clients: int = 100_000) -> None:
        self._tat: OrderedDict[str, float] = OrderedDict()
        self.max_clients = max_clients

    def hit(self, client: str, per_minute: int, now: float | None = None) -> Decision:
        now_us = (time.monotonic() if now is None else now) * 1_000_000
        interval = 60_000_000 / per_minute
        tolerance = interval * (per_minute - 1)
        tat = max(self._tat.get(client, now_us), now_us)
        if now_us < tat - tolerance:
            return _decision(per_minute, False, 0, tat - tolerance - now_us)
        new_tat = tat + interval
        self._tat[client] = new_tat
        self._tat.move_to_end(client)
        while len(self._tat) > self.max_clients:
            self._tat.popitem(last=False)
        remaining = math.floor((now_us + tolerance - new_tat + interval) / interval)
        return _decision(per_minute, True, remaining, new_tat - now_us)


class RedisLimiter:
    """The GCRA in Redis (see :data:`GCRA_LUA`); raises on any Redis failure (the caller falls back)."""

    def __init__(self, client: Any, prefix: str = "openpolicy:ratelimit:") -> None:
        self.client = client
        self.prefix = prefix
        self.script = client.register_script(GCRA_LUA)

    async def hit(self, client: str, per_minute: int) -> Decision:
        interval = 60_000_000 / per_minute
        tolerance = interval * (per_minute - 1)
        allowed, remaining, micros = await self.script(keys=[self.prefix + client], args=[interval, tolerance])
        return _decision(per_minute, bool(allowed), int(remaining), float(micros))


def _networks(spec: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in spec.split(",") if part.strip())


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def client_address(scope: Scope, trusted: tuple[Any, ...]) -> str:
    """The client's address (see the module doc: trusted proxies' ``X-Forwarded-For``, right to left)."""
    peer = (scope.get("client") or ("unknown", 0))[0]
    address = _address(peer)
    if address is None or not any(address in net for net in trusted):
        return peer
    forwarded = b",".join(v for k, v in scope.get("headers", []) if k == b"x-forwarded-for").decode("latin-1")
    for hop in reversed([h.strip() for h in forwarded.split(",") if h.strip()]):
        hop_address = _address(hop)
        if hop_address is None:
            return peer  # a malformed chain: believe only the socket
        if not any(hop_address in net for net in trusted):
            return str(hop_address)
    return peer


def presented_key(scope: Scope) -> str | None:
    """The API key a request presents (``X-API-Key``, or an ``op_`` token in ``Authorization: Bearer``), if any."""
    for name, value in scope.get("headers", []):
        if name == b"x-api-key":
            return str(value.decode("latin-1")).strip()
        if name == b"authorization" and value[:7].lower() == b"bearer ":
            token = str(value[7:].decode("latin-1")).strip()
            if token.startswith(KEY_PREFIX):  # other bearer tokens (a proxy's, say) are not this api's keys
                return token
    return None


def _problem(status: int, title: str, detail: str, headers: list[tuple[bytes, bytes]]) -> tuple[bytes, list[Any]]:
    problem: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    if request_id:
        problem["request_id"] = str(request_id)
    body = orjson.dumps(problem)
    return body, [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
        *headers,
    ]


class KeyBook:
    """The API keys the api has seen, read from ``api_keys`` at most once a minute per key and process; a key's
    ``last_used_at`` is written then (so at most once a minute)."""

    def __init__(self, state: Any, ttl_seconds: float = 60.0) -> None:
        self.state = state
        self.ttl = ttl_seconds
        self._known: dict[bytes, tuple[float, int | None]] = {}

    async def key_id(self, key: str) -> int | None:
        """The id of a valid (stored, not revoked) key; None otherwise."""
        digest = hash_key(key)
        now = time.monotonic()
        cached = self._known.get(digest)
        if cached is not None and now - cached[0] < self.ttl:
            return cached[1]
        from sqlalchemy import text

        engine = self.state.engine
        async with engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="READ COMMITTED")
            async with conn.begin():
                await conn.execute(text("SET TRANSACTION READ WRITE"))
                row = (
                    await conn.execute(
                        text(
                            "UPDATE api_keys SET last_used_at = now() WHERE key_hash = :digest AND revoked_at IS NULL "
                            "RETURNING id"
                        ),
                        {"digest": digest},
                    )
                ).first()
        found = int(row[0]) if row is not None else None
        if len(self._known) > 10_000:
            self._known.clear()
        self._known[digest] = (now, found)
        return found


class RateLimitMiddleware:
    """Pure ASGI: identify the client, apply its quota to ``/v1`` requests, add the RateLimit headers."""

    def __init__(self, app: ASGIApp, *, state: Any) -> None:
        self.app = app
        self.state = state
        settings = state.settings
        self.anonymous = settings.rate_limit_anonymous_per_minute
        self.keyed = settings.rate_limit_key_per_minute
        self.trusted = _networks(settings.trusted_proxies)
        self.exempt = _networks(settings.rate_limit_exempt_networks)
        self.local = LocalLimiter()
        self.keys = KeyBook(state)
        self._redis: RedisLimiter | None = None
        self._redis_failing = False
        self.breaker = CircuitBreaker()

    async def _limiter_hit(self, client: str, per_minute: int) -> Decision:
        redis = self.state.redis
        ticket = self.breaker.allow() if redis is not None else None
        if ticket is not None:
            if self._redis is None or self._redis.client is not redis:
                self._redis = RedisLimiter(redis)
            try:
                decision = await self._redis.hit(client, per_minute)
            except Exception as exc:
                self.breaker.failure(ticket)
                if not self._redis_failing:
                    _log.warning("rate limits held per process: Redis failed", error=f"{type(exc).__name__}: {exc}")
                self._redis_failing = True
            else:
                self.breaker.success(ticket)
                if self._redis_failing:
                    _log.info("rate limits shared through Redis again")
                self._redis_failing = False
                return decision
        return self.local.hit(client, per_minute)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(LIMITED_PREFIX):
            await self.app(scope, receive, send)
            return
        key = presented_key(scope)
        if key is not None:
            try:
                key_id = await self.keys.key_id(key) if key.startswith(KEY_PREFIX) else None
            except Exception as exc:  # the database cannot be asked: the key can be neither accepted nor refused
                _log.warning("could not check an API key", error=f"{type(exc).__name__}: {exc}"[:200])
                body, headers = _problem(
                    503, "Service Unavailable", "API keys cannot be checked right now; retry shortly",
                    [(b"retry-after", b"5")],
                )  # fmt: skip
                await send({"type": "http.response.start", "status": 503, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
            if key_id is None:
                body, headers = _problem(
                    401, "Unauthorized", "unknown or revoked API key (send none to read anonymously)",
                    [(b"www-authenticate", b'Bearer realm="openpolicy"')],
                )  # fmt: skip
                await send({"type": "http.response.start", "status": 401, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
            scope.setdefault("state", {})[KEY_ID_STATE] = key_id
            client, per_minute = f"key:{key_id}", self.keyed
        else:
            address = client_address(scope, self.trusted)
            parsed = _address(address)
            if parsed is not None and any(parsed in net for net in self.exempt):
                await self.app(scope, receive, send)
                return
            client, per_minute = f"ip:{address}", self.anonymous
        if per_minute <= 0:
            await self.app(scope, receive, send)
            return
        decision = await self._limiter_hit(client, per_minute)
        quota = [
            (b"ratelimit-limit", str(decision.limit).encode()),
            (b"ratelimit-remaining", str(decision.remaining).encode()),
            (b"ratelimit-reset", str(decision.reset_seconds).encode()),
        ]
        if not decision.allowed:
            body, headers = _problem(
                429, "Too Many Requests",
                f"more than {decision.limit} requests a minute; retry after {decision.reset_seconds} s "
                "(an API key gives a higher limit: see /docs)",
                [(b"retry-after", str(decision.reset_seconds).encode()), *quota],
            )  # fmt: skip
            await send({"type": "http.response.start", "status": 429, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return

        async def with_quota(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *quota]}
            await send(message)

        await self.app(scope, receive, with_quota)
