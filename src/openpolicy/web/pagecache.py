"""A micro-cache of rendered pages (pure ASGI middleware), per process.

Public pages are the same for every reader and already carry ``Cache-Control: public, max-age=30``: any
browser, proxy or ingress may reuse them that long. Keeping a rendered page for ``WEB_PAGE_CACHE_SECONDS``
(default 10, shorter than that promise) spares the api calls and the template rendering under load without
showing anyone older data than the headers allow. Only successful (200) GET answers of the site's pages are
kept, keyed by host, path and raw query string (feeds build absolute links from the host); ``/health*``,
``/metrics`` and ``/static`` pass through. The answer says ``X-Page-Cache: hit`` or ``miss``. A client's
``Cache-Control: no-cache`` does not go around it: the cache is the server's protection, not the reader's, and
it never holds a page longer than the page's own ``max-age`` allows.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

UNCACHED_PREFIXES = ("/health", "/metrics", "/static/", "/docs")


@dataclass(frozen=True)
class Entry:
    expires: float
    headers: list[tuple[bytes, bytes]]
    body: bytes
    routing: dict[str, Any]  # what routing put in the scope (the route template for metrics and logs)


class PageCacheMiddleware:
    def __init__(self, app: ASGIApp, ttl_seconds: float, max_bytes: int) -> None:
        self.app = app
        self.ttl = ttl_seconds
        self.max_bytes = max_bytes
        self.entries: OrderedDict[bytes, Entry] = OrderedDict()
        self.size = 0

    def _evict(self, key: bytes) -> None:
        entry = self.entries.pop(key, None)
        if entry is not None:
            self.size -= len(entry.body)

    def _store(self, key: bytes, entry: Entry) -> None:
        if len(entry.body) > self.max_bytes // 8:
            return
        self._evict(key)
        self.entries[key] = entry
        self.size += len(entry.body)
        while self.size > self.max_bytes and self.entries:
            self._evict(next(iter(self.entries)))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            self.ttl <= 0
            or scope["type"] != "http"
            or scope["method"] != "GET"
            or scope["path"].startswith(UNCACHED_PREFIXES)
        ):
            await self.app(scope, receive, send)
            return
        host = next((v for k, v in scope["headers"] if k == b"host"), b"")
        key = host + b"\x00" + scope["path"].encode() + b"?" + scope.get("query_string", b"")
        now = time.monotonic()
        entry = self.entries.get(key)
        if entry is not None and entry.expires > now:
            self.entries.move_to_end(key)
            scope.update(entry.routing)
            await send(
                {"type": "http.response.start", "status": 200, "headers": [*entry.headers, (b"x-page-cache", b"hit")]}
            )
            await send({"type": "http.response.body", "body": entry.body})
            return
        if entry is not None:
            self._evict(key)

        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                message = {**message, "headers": [*message.get("headers", []), (b"x-page-cache", b"miss")]}
                await send(message)
                return
            if message["type"] == "http.response.body" and start is not None and start["status"] == 200:
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"x-request-id"]
                    routing = {k: scope[k] for k in ("route", "fastapi", "endpoint") if k in scope}
                    self._store(key, Entry(time.monotonic() + self.ttl, headers, b"".join(chunks), routing))
            await send(message)

        await self.app(scope, receive, capture)
