"""HTTP caching of the api's GET responses: ETag, Cache-Control, 304, gzip, and the Redis response cache.

:class:`HttpCacheMiddleware` (pure ASGI) handles every ``GET`` except ``/metrics`` and ``/health*``:

* a ``2xx`` answer gets ``Cache-Control: public, max-age=<HTTP_MAX_AGE_SECONDS>`` (unless the endpoint set
  its own) and ``Vary: Accept-Encoding``; a ``200`` gets a strong ``ETag`` (hash of the body, see
  :mod:`openpolicy.api.etag`) and ``If-None-Match`` matching it yields ``304 Not Modified`` with no body;
* bodies of at least 1 KiB of a textual type are gzip-compressed when the client accepts gzip (level 5,
  deterministic output, tag ``"<etag>-gzip"``; the compressed bytes of popular answers are memoised by ETag);
* with ``REDIS_URL`` set (and ``CACHE_TTL_SECONDS`` > 0), ``200`` answers under ``/v1/<resource>`` are kept in
  Redis for ``CACHE_TTL_SECONDS``. The key is the path, the query in name order (:func:`request_key`) and the
  resource's *generation* number (:mod:`openpolicy.db.generations`): an import bumps the generations of what it
  changed, which makes every cached answer of those resources unreachable at once (they then expire by TTL).
  The resources are derived from the routers (:func:`cacheable_resources`): a new router is cached and
  can be invalidated without a list to extend. A Redis lookup is one round
  trip (a Lua script reads the generation and the entry). Each process also keeps recent answers in memory
  (``CACHE_LOCAL_MAX_MB``, LRU) and serves them without a round trip while the resource's generation was
  confirmed by Redis within the last second — so an invalidation reaches every process within 1 s, and
  nothing is served from memory while Redis is down. Responses carry ``X-Cache: hit|miss``.

Redis absent, down or slow never fails a request: commands have short timeouts
(``REDIS_TIMEOUT_SECONDS``), and after a failure a circuit breaker (:mod:`openpolicy.api.breaker`) skips Redis
for 0.1 s, doubling up to 0.5 s while it stays down (one trial call per window; failures of calls already in
flight do not lengthen it), so a dead Redis costs a flag check per request and a Redis that came back is used
again within half a second. Failures and
skips are counted in ``openpolicy_cache_errors_total{operation=get|set|bypass}`` and logged at most every
30 s; hits and misses in ``openpolicy_cache_hits_total`` / ``openpolicy_cache_misses_total``.
"""

from __future__ import annotations

import asyncio
import functools
import time
import zlib
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

import orjson

from openpolicy.api.breaker import CircuitBreaker
from openpolicy.api.etag import compute_etag, gzip_etag, if_none_match_matches
from openpolicy.db import generations
from openpolicy.db.generations import KEY_PREFIX, generation_key
from openpolicy.observability.logging import RateLimitedLog, get_logger, mask_url_passwords
from openpolicy.observability.metrics import (
    CACHE_ERRORS,
    CACHE_HITS,
    CACHE_MISSES,
    UNMATCHED_ROUTE,
    is_unobserved_path,
    route_template,
)

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

GZIP_MIN_SIZE = 1024
GZIP_LEVEL = 5
GZIP_MEMO_ITEMS = 512  # compressed bodies kept per process (LRU), each at most GZIP_MEMO_MAX_ITEM bytes
GZIP_MEMO_MAX_ITEM = 64 * 1024
MAX_BUFFERED_BYTES = 16 * 1024 * 1024
# Never kept in Redis: /v1/exports answers with whole files (they would fill Redis) and lists what the export job
# writes, which bumps no generation (its own ETag and Cache-Control serve clients and proxies); /v1/subscriptions
# answers differ per API key, which the cache key does not hold, and change with every write.
NOT_STORED: frozenset[str] = frozenset({"exports", "subscriptions"})
_COMPRESSIBLE = (b"application/json", b"application/problem+json", b"text/", b"application/javascript")
_DROP_ON_STORE = frozenset({b"content-length", b"etag", b"x-request-id", b"date", b"server", b"x-cache"})

_log = get_logger("openpolicy.cache")
_rate_log = RateLimitedLog(_log, interval=30.0)

_LOOKUP_LUA = """
local gen = redis.call('GET', KEYS[1])
if not gen then gen = '0' end
local val = redis.call('GET', ARGV[1] .. gen .. ':' .. ARGV[2])
return {gen, val}
"""


def first_segment(path: str) -> str:
    """``/people/{person_id}`` → ``people`` (a route's path, without the /v1 prefix)."""
    return path.lstrip("/").split("/", 1)[0]


@functools.cache
def cacheable_resources() -> frozenset[str]:
    """Every resource the api serves under /v1: the first path segment of each route of every router
    (:data:`openpolicy.api.routers.ROUTERS`). What an importer names when it invalidates what it changed."""
    from fastapi.routing import APIRoute

    from openpolicy.api.routers import ROUTERS

    paths = [route.path for router in ROUTERS for route in router.routes if isinstance(route, APIRoute)]
    return frozenset(segment for path in paths if (segment := first_segment(path)))


def resource_of(path: str) -> str | None:
    """``/v1/people/abc`` → ``people``; None outside /v1 or for an unknown resource."""
    if not path.startswith("/v1/"):
        return None
    resource = path[4:].split("/", 1)[0]
    return resource if resource in cacheable_resources() else None


def request_key(path: str, query_string: bytes) -> str | None:
    """The cache key of a GET: the path and the query's parameters decoded as the api decodes them, in name order;
    None (not cached) when a parameter is given more than once.

    Only 200 answers are stored, and the api answers 200 only to a query it validated: every parameter declared
    and given once (``openpolicy.api.strict``). Such a query means the same thing in any order, and the api's
    answer does not depend on the order (next links list parameters in name order), so the requests that share
    a key share their answer; a repeated parameter, which the api refuses, never reaches the cache."""
    if not query_string:
        return path
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    if len({name for name, _ in pairs}) != len(pairs):
        return None
    return f"{path}?{urlencode(sorted(pairs))}"


def check_resources(resources: Iterable[str]) -> list[str]:
    """``resources`` sorted and deduplicated; ``ValueError`` naming any the api does not serve."""
    known = cacheable_resources()
    wanted = sorted(set(resources))
    unknown = [r for r in wanted if r not in known]
    if unknown:
        raise ValueError(f"unknown cache resource(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return wanted


@dataclass(frozen=True)
class CachedRoute:
    """Stands in for the matched route on a cache hit, so metrics and logs keep the route template."""

    path: str


@dataclass(frozen=True)
class CachedResponse:
    etag: str
    headers: list[tuple[bytes, bytes]]
    body: bytes
    route: str

    def encode(self) -> bytes:
        meta = {
            "e": self.etag,
            "r": self.route,
            "h": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in self.headers],
        }
        return orjson.dumps(meta) + b"\n" + self.body

    @classmethod
    def decode(cls, raw: bytes) -> CachedResponse:
        meta_raw, _, body = raw.partition(b"\n")
        meta = orjson.loads(meta_raw)
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in meta["h"]]
        return cls(str(meta["e"]), headers, body, str(meta["r"]))


class LocalTier:
    """An in-process LRU of recent answers (bounded in bytes) in front of Redis.

    An entry is served only while its resource's generation was confirmed by Redis less than
    ``GENERATION_CHECK_SECONDS`` ago, so a :func:`bump_generations` reaches every process within that time,
    and nothing is served from memory while Redis cannot confirm generations (Redis down).
    """

    def __init__(self, max_bytes: int, ttl_seconds: int) -> None:
        self.max_bytes = max_bytes
        self.ttl = ttl_seconds
        self.size = 0
        self.entries: OrderedDict[str, tuple[float, CachedResponse]] = OrderedDict()

    def get(self, key: str, now: float) -> CachedResponse | None:
        item = self.entries.get(key)
        if item is None:
            return None
        if item[0] <= now:
            self._drop(key)
            return None
        self.entries.move_to_end(key)
        return item[1]

    def put(self, key: str, entry: CachedResponse, now: float) -> None:
        cost = len(entry.body) + 256
        if self.max_bytes <= 0 or cost > self.max_bytes // 8:
            return
        if key in self.entries:
            self._drop(key)
        self.entries[key] = (now + self.ttl, entry)
        self.size += cost
        while self.size > self.max_bytes and self.entries:
            self._drop(next(iter(self.entries)))

    def _drop(self, key: str) -> None:
        _, entry = self.entries.pop(key)
        self.size -= len(entry.body) + 256


GENERATION_CHECK_SECONDS = 1.0


class RedisResponseCache:
    """The response cache: Redis (shared by every process) behind an in-process :class:`LocalTier`, with the
    circuit breaker (see the module docstring)."""

    def __init__(self, client: Any, ttl_seconds: int, timeout_seconds: float, local_max_bytes: int = 0) -> None:
        self.client = client
        self.ttl = ttl_seconds
        self.timeout = timeout_seconds * 2  # backstop over the socket timeouts
        self.breaker = CircuitBreaker()
        self.local = LocalTier(local_max_bytes, ttl_seconds)
        self.generations: dict[str, tuple[float, str]] = {}  # resource → (confirmed at, generation)
        self._lookup = client.register_script(_LOOKUP_LUA)

    def _failed(self, operation: str, exc: BaseException, ticket: int) -> None:
        CACHE_ERRORS.labels(operation).inc()
        backoff = self.breaker.failure(ticket)
        self.generations.clear()  # nothing is served from memory until Redis confirms generations again
        _rate_log.warning(
            "redis cache unavailable; answering without it",
            operation=operation,
            error=mask_url_passwords(f"{type(exc).__name__}: {exc}")[:200],
            retry_in_s=backoff,
        )

    def _succeeded(self, ticket: int) -> None:
        if self.breaker.success(ticket):
            _log.info("redis cache reachable again; response caching resumed")

    async def get(self, resource: str, key: str) -> tuple[CachedResponse | None, str | None]:
        """(entry or None, key to store a fresh answer under or None when Redis is unavailable)."""
        prefix = f"{KEY_PREFIX}resp:{resource}:"
        now = time.monotonic()
        known = self.generations.get(resource)
        if known is not None and now - known[0] < GENERATION_CHECK_SECONDS:
            store_key = f"{prefix}{known[1]}:{key}"
            entry = self.local.get(store_key, now)
            if entry is not None:
                CACHE_HITS.inc()
                return entry, store_key
        ticket = self.breaker.allow()
        if ticket is None:
            CACHE_ERRORS.labels("bypass").inc()
            return None, None
        try:
            async with asyncio.timeout(self.timeout):
                gen_raw, raw = await self._lookup(keys=[generation_key(resource)], args=[prefix, key])
        except Exception as exc:
            self._failed("get", exc, ticket)
            return None, None
        self._succeeded(ticket)
        gen = gen_raw.decode() if isinstance(gen_raw, bytes) else str(gen_raw)
        self.generations[resource] = (now, gen)
        store_key = f"{prefix}{gen}:{key}"
        if raw is None:
            CACHE_MISSES.inc()
            return None, store_key
        try:
            entry = CachedResponse.decode(raw)
        except (ValueError, KeyError, TypeError):
            CACHE_MISSES.inc()
            return None, store_key
        self.local.put(store_key, entry, now)
        CACHE_HITS.inc()
        return entry, store_key

    async def set(self, store_key: str, entry: CachedResponse) -> None:
        ticket = self.breaker.allow()
        if ticket is None:
            CACHE_ERRORS.labels("bypass").inc()
            return
        try:
            async with asyncio.timeout(self.timeout):
                await self.client.set(store_key, entry.encode(), ex=self.ttl)
        except Exception as exc:
            self._failed("set", exc, ticket)
            return
        self._succeeded(ticket)
        self.local.put(store_key, entry, time.monotonic())


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    for key, value in headers:
        if key == name:
            return value
    return None


class HttpCacheMiddleware:
    """ETag/Cache-Control/304/gzip for GETs and the Redis response cache (see the module docstring).

    ``state`` is the app's ``app.state``; ``state.response_cache`` (a :class:`RedisResponseCache` or None) is
    read per request, so the lifespan can connect Redis after the middleware stack is built.
    """

    def __init__(self, app: ASGIApp, *, state: Any, max_age: int) -> None:
        self.app = app
        self.state = state
        self.cache_control = f"public, max-age={max_age}".encode()
        self._gzip_memo: OrderedDict[tuple[str, int], bytes] = OrderedDict()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or is_unobserved_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        if_none_match: str | None = None
        accepts_gzip = False
        for key, value in scope["headers"]:
            if key == b"if-none-match":
                if_none_match = value.decode("latin-1")
            elif key == b"accept-encoding":
                accepts_gzip = b"gzip" in value

        cache: RedisResponseCache | None = getattr(self.state, "response_cache", None)
        store_key: str | None = None
        if cache is not None:
            resource = resource_of(scope["path"])
            stored = resource is not None and resource not in NOT_STORED
            key = request_key(scope["path"], scope["query_string"]) if stored else None
            if resource is not None and key is not None:
                entry, store_key = await cache.get(resource, key)
                if entry is not None:
                    scope["route"] = CachedRoute(entry.route)
                    await self._answer(
                        send, 200, entry.headers, entry.body, entry.etag, if_none_match, accepts_gzip, b"hit"
                    )
                    return

        start: Message | None = None
        chunks: list[bytes] = []
        size = 0
        passthrough = False

        async def capture(message: Message) -> None:
            nonlocal start, size, passthrough
            if passthrough:
                await send(message)
                return
            kind = message["type"]
            if kind == "http.response.start":
                start = message
                return
            if kind != "http.response.body":
                await send(message)
                return
            body = message.get("body", b"")
            chunks.append(body)
            size += len(body)
            if size > MAX_BUFFERED_BYTES and message.get("more_body", False):
                # A huge stream: hand it through untouched (no ETag) rather than buffer it.
                passthrough = True
                assert start is not None
                await send(start)
                await send({"type": "http.response.body", "body": b"".join(chunks), "more_body": True})
                chunks.clear()

        await self.app(scope, receive, capture)
        if passthrough or start is None:
            return
        status: int = start["status"]
        headers: list[tuple[bytes, bytes]] = list(start.get("headers", []))
        body = b"".join(chunks)
        if status == 200 and _header(headers, b"content-encoding") is None:
            etag_raw = _header(headers, b"etag")
            etag = etag_raw.decode("latin-1") if etag_raw else compute_etag(body)
            kept = [(k, v) for k, v in headers if k not in _DROP_ON_STORE]
            await self._answer(send, 200, kept, body, etag, if_none_match, accepts_gzip, b"miss" if store_key else None)
            route = route_template(scope)
            if cache is not None and store_key is not None and cache.ttl > 0 and route != UNMATCHED_ROUTE:
                await cache.set(store_key, CachedResponse(etag, kept, body, route))
            return
        if 200 <= status < 300 and _header(headers, b"cache-control") is None:
            headers.append((b"cache-control", self.cache_control))
        start["headers"] = headers
        await send(start)
        await send({"type": "http.response.body", "body": body})

    def _gzipped(self, etag: str, body: bytes) -> bytes:
        """gzip of ``body``, memoised by its ETag (a hash of the body) for popular answers."""
        key = (etag, len(body))
        zipped = self._gzip_memo.get(key)
        if zipped is not None:
            self._gzip_memo.move_to_end(key)
            return zipped
        compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)  # 31: gzip container, mtime 0
        zipped = compressor.compress(body) + compressor.flush()
        if len(zipped) <= GZIP_MEMO_MAX_ITEM:
            self._gzip_memo[key] = zipped
            if len(self._gzip_memo) > GZIP_MEMO_ITEMS:
                self._gzip_memo.popitem(last=False)
        return zipped

    async def _answer(
        self,
        send: Send,
        status: int,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
        etag: str,
        if_none_match: str | None,
        accepts_gzip: bool,
        x_cache: bytes | None,
    ) -> None:
        content_type = _header(headers, b"content-type") or b""
        compress = accepts_gzip and len(body) >= GZIP_MIN_SIZE and content_type.startswith(_COMPRESSIBLE)
        tag = gzip_etag(etag) if compress else etag
        out = [(k, v) for k, v in headers if k not in (b"content-length", b"etag", b"vary")]
        if _header(out, b"cache-control") is None:
            out.append((b"cache-control", self.cache_control))
        out.append((b"etag", tag.encode("latin-1")))
        out.append((b"vary", b"Accept-Encoding"))
        if x_cache is not None:
            out.append((b"x-cache", x_cache))
        if if_none_match_matches(if_none_match, etag):
            out = [(k, v) for k, v in out if k != b"content-type"]
            await send({"type": "http.response.start", "status": 304, "headers": out})
            await send({"type": "http.response.body", "body": b""})
            return
        if compress:
            body = self._gzipped(etag, body)
            out.append((b"content-encoding", b"gzip"))
        out.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": out})
        await send({"type": "http.response.body", "body": body})


def connect_async(redis_url: str, timeout: float) -> Any:
    """A redis.asyncio client with short timeouts and no retries (failing fast is the point)."""
    from redis.asyncio import Redis
    from redis.asyncio.retry import Retry as AsyncRetry
    from redis.backoff import NoBackoff

    kwargs = generations.client_kwargs(timeout)
    kwargs["retry"] = AsyncRetry(NoBackoff(), 0)
    return Redis.from_url(redis_url, **kwargs)


def bump_generations(
    redis_url: str, resources: Iterable[str], *, timeout: float = 2.0, raise_errors: bool = False
) -> None:
    """Invalidate every cached answer of ``resources`` (checked by :func:`check_resources`: an unknown one is a
    ``ValueError``); Redis failures as in :func:`openpolicy.db.generations.bump`."""
    generations.bump(redis_url, check_resources(resources), timeout=timeout, raise_errors=raise_errors)
