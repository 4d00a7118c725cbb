"""One delivery attempt: sign (Standard Webhooks), check the target again, POST, classify the outcome.

Headers: ``webhook-id`` (the event's id, the same on every attempt and redelivery), ``webhook-timestamp``
(seconds, the attempt's time) and ``webhook-signature`` (``v1,<base64 HMAC-SHA256>``; during a secret rotation
a second signature with the previous secret follows, space-separated). Any 2xx is success; every other answer,
3xx included (redirects are not followed), a timeout or a connection error is a failure with a ``reason``:
``timeout``, ``connect``, ``http_4xx``, ``http_5xx``, ``refused_address`` (the target resolved to an address
that may not be a target) or ``other``.

The request goes to the address :func:`openpolicy.notify.targets.resolve_target` checked, not to the name:
the URL's host is replaced by that address, ``Host`` keeps the name and TLS verifies the certificate against
the name (``sni_hostname``). Each subscription (or, without one, each target host) has its own small connection
pool, so a connection made for one name is never reused for another that shares its address, and one
subscription's connections never wait behind another's (httpcore's pools also slow down as they grow). The
clients share one TLS context.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
from collections import OrderedDict
from dataclasses import dataclass
from typing import Final

import httpx
from standardwebhooks import Webhook

from openpolicy import __version__
from openpolicy.notify.targets import Resolver, TargetRefused, parse_target, resolve_target, system_resolver

USER_AGENT: Final = f"openpolicy-webhooks/{__version__}"
FAILURE_REASONS: Final = ("timeout", "connect", "http_4xx", "http_5xx", "refused_address", "other")
BODY_EXCERPT: Final = 300  # characters of a failed answer's body kept in the delivery log
DRAIN_LIMIT: Final = 64 * 1024  # bytes of an answer read to keep its connection; beyond, the connection is closed


@dataclass(frozen=True, slots=True)
class Outcome:
    ok: bool
    status_code: int | None
    reason: str | None  # one of FAILURE_REASONS when not ok
    error: str | None  # what the delivery log shows


def sign(secrets: list[str], event_id: str, timestamp: dt.datetime, body: bytes) -> dict[str, str]:
    """The Standard Webhooks headers of ``body`` signed with each of ``secrets`` (current first)."""
    signatures = " ".join(Webhook(secret).sign(event_id, timestamp, body) for secret in secrets)
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": signatures,
    }


class Sender:
    """POSTs signed deliveries; one small pooled client per pool key (bounded, least recently used dropped)."""

    def __init__(
        self,
        *,
        timeout: float,
        allow_private: bool,
        resolver: Resolver = system_resolver,
        max_pools: int = 1024,
        connections_per_pool: int = 4,
    ) -> None:
        self.timeout = timeout
        self.allow_private = allow_private
        self.resolver = resolver
        self.max_pools = max_pools
        self.connections_per_pool = connections_per_pool
        self._tls = httpx.create_ssl_context()
        self._clients: OrderedDict[str, httpx.AsyncClient] = OrderedDict()

    def _client(self, key: str) -> httpx.AsyncClient:
        client = self._clients.get(key)
        if client is None:
            client = httpx.AsyncClient(
                timeout=httpx.Timeout(self.timeout),
                follow_redirects=False,
                trust_env=False,  # no proxy or netrc from the environment: the checked address is the one used
                verify=self._tls,
                limits=httpx.Limits(
                    max_connections=self.connections_per_pool, max_keepalive_connections=self.connections_per_pool
                ),
            )
            self._clients[key] = client
            while len(self._clients) > self.max_pools:
                _, old = self._clients.popitem(last=False)
                asyncio.get_running_loop().create_task(old.aclose())
        else:
            self._clients.move_to_end(key)
        return client

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), OrderedDict()
        for client in clients:
            await client.aclose()

    async def send(self, url: str, headers: dict[str, str], body: bytes, *, pool: str = "") -> Outcome:
        """One attempt; ``pool`` names the connection pool to use (the subscription) beside the target host."""
        try:
            return await asyncio.wait_for(self._send(url, headers, body, pool), timeout=self.timeout)
        except TimeoutError:
            return Outcome(False, None, "timeout", f"no answer within {self.timeout:g} s")

    async def _send(self, url: str, headers: dict[str, str], body: bytes, pool: str) -> Outcome:
        try:
            target = parse_target(url, allow_private=self.allow_private)
            addresses = await resolve_target(target, allow_private=self.allow_private, resolver=self.resolver)
        except TargetRefused as exc:
            return Outcome(False, None, "refused_address", str(exc))
        address = addresses[0]
        pinned = f"[{address}]" if isinstance(address, ipaddress.IPv6Address) else str(address)
        request_url = httpx.URL(url).copy_with(host=pinned.strip("[]"))
        host_header = target.host if target.port in (80, 443) else f"{target.host}:{target.port}"
        if ":" in target.host and target.port in (80, 443):
            host_header = f"[{target.host}]"
        elif ":" in target.host:
            host_header = f"[{target.host}]:{target.port}"
        extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
        client = self._client(f"{pool}|{target.scheme}://{target.host}:{target.port}")
        try:
            async with client.stream(
                "POST",
                request_url,
                content=body,
                headers={
                    **headers,
                    "host": host_header,
                    "content-type": "application/json",
                    "user-agent": USER_AGENT,
                },
                extensions=extensions,
            ) as response:
                # The answer is read (at most DRAIN_LIMIT bytes), so that the connection can serve the next delivery.
                excerpt, read = b"", 0
                async for chunk in response.aiter_raw():
                    read += len(chunk)
                    if len(excerpt) < BODY_EXCERPT:
                        excerpt += chunk[: BODY_EXCERPT - len(excerpt)]
                    if read > DRAIN_LIMIT:
                        break  # a large answer: the connection is closed instead
        except httpx.TimeoutException:
            return Outcome(False, None, "timeout", f"no answer within {self.timeout:g} s")
        except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            return Outcome(False, None, "connect", f"{type(exc).__name__}: {exc}"[:300] or type(exc).__name__)
        except httpx.HTTPError as exc:
            return Outcome(False, None, "other", f"{type(exc).__name__}: {exc}"[:300])
        code = response.status_code
        if response.is_success:
            return Outcome(True, code, None, None)
        shown = excerpt[:BODY_EXCERPT].decode("utf-8", "replace").strip()
        if 300 <= code < 400:
            location = response.headers.get("location", "")
            return Outcome(False, code, "other", f"HTTP {code}: redirects are not followed (to {location[:200]!r})")
        reason = "http_4xx" if 400 <= code < 500 else "http_5xx" if 500 <= code < 600 else "other"
        return Outcome(False, code, reason, f"HTTP {code}" + (f": {shown}" if shown else ""))
