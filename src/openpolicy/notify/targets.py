"""Which URLs may receive webhooks (against server-side request forgery).

A target is a public ``https`` URL: no user or password in it, and a host whose every address is public.
Refused: loopback, private (RFC 1918, unique-local), link-local (169.254.0.0/16 — cloud metadata — and fe80::/10),
multicast, reserved, unspecified, shared (100.64.0.0/10) and documentation ranges, IPv4 addresses inside IPv6
forms (mapped, 6to4, Teredo) that are any of those, and names that do not resolve. The api checks at creation;
the notifier checks again before every delivery, after resolving the name, and then connects to the very
address it checked (the name is kept for the ``Host`` header and TLS), so a name re-pointed at an internal
address in between (DNS rebinding) reaches nothing. Redirects are never followed.

``WEBHOOK_ALLOW_PRIVATE_TARGETS`` (tests and local use) allows ``http`` and every address.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]
MAX_URL_LENGTH: Final = 2048


class TargetRefused(ValueError):
    """A URL that may not receive webhooks; the message says why (shown to the subscriber)."""


@dataclass(frozen=True, slots=True)
class Target:
    url: str
    scheme: str
    host: str  # as in the URL (a name, or an address without brackets)
    port: int


def parse_target(url: str, *, allow_private: bool) -> Target:
    """Check the URL's form (scheme, host, no credentials); raises :class:`TargetRefused`."""
    if len(url) > MAX_URL_LENGTH:
        raise TargetRefused(f"a target URL has at most {MAX_URL_LENGTH} characters")
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise TargetRefused("a target URL has no spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise TargetRefused(f"not a URL: {exc}") from None
    allowed = {"https", "http"} if allow_private else {"https"}
    if parts.scheme not in allowed:
        raise TargetRefused("the target must be an https:// URL")
    if not parts.hostname:
        raise TargetRefused("the target URL has no host")
    if parts.username is not None or parts.password is not None:
        raise TargetRefused("the target URL may not hold a user or password (authenticate with the signature)")
    if parts.fragment:
        raise TargetRefused("the target URL may not have a #fragment")
    return Target(url, parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80))


def refusal(address: IPAddress) -> str | None:
    """Why ``address`` may not be a target, or None when it is public."""
    candidates: list[IPAddress] = []  # an IPv4 address inside an IPv6 form is judged first, as itself
    if isinstance(address, ipaddress.IPv6Address):
        for embedded in (address.ipv4_mapped, address.sixtofour, (address.teredo or (None, None))[1]):
            if embedded is not None:
                candidates.append(embedded)
    candidates.append(address)
    for candidate in candidates:
        if candidate.is_loopback:
            return f"{address} is a loopback address"
        if candidate.is_link_local:
            return f"{address} is a link-local address"
        if candidate.is_multicast:
            return f"{address} is a multicast address"
        if candidate.is_unspecified:
            return f"{address} is unspecified"
        if candidate.is_private:
            return f"{address} is a private address"
        if candidate.is_reserved or not candidate.is_global:
            return f"{address} is a reserved address"
    return None


async def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives ``host`` (TCP)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


async def resolve_target(
    target: Target, *, allow_private: bool, resolver: Resolver = system_resolver
) -> list[IPAddress]:
    """The addresses to connect to for ``target``: every one public (unless ``allow_private``), at least one.

    Raises :class:`TargetRefused` when the name does not resolve or any of its addresses is not public (one
    internal address among public ones is refused whole: the client could be made to pick it)."""
    try:
        literal: IPAddress | None = ipaddress.ip_address(target.host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses: list[IPAddress] = [literal]
    else:
        try:
            found = await resolver(target.host, target.port)
        except (OSError, UnicodeError) as exc:
            raise TargetRefused(f"{target.host} does not resolve ({exc})") from None
        addresses = []
        for text in found:
            try:
                addresses.append(ipaddress.ip_address(text.split("%", 1)[0]))
            except ValueError:
                continue
        if not addresses:
            raise TargetRefused(f"{target.host} does not resolve")
    if not allow_private:
        for address in addresses:
            reason = refusal(address)
            if reason is not None:
                shown = "" if literal is not None else f"{target.host} resolves to "
                raise TargetRefused(f"{shown}{reason}; webhook targets must be public")
    return addresses


async def check_target(url: str, *, allow_private: bool, resolver: Resolver = system_resolver) -> Target:
    """Form and addresses of a new subscription's URL (the api's check at creation)."""
    target = parse_target(url, allow_private=allow_private)
    await resolve_target(target, allow_private=allow_private, resolver=resolver)
    return target
