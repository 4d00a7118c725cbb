"""Entity tags and conditional GETs (RFC 9110 §8.8.3, §13.1.2).

The ETag is strong: a hash of the exact body bytes. A gzip-encoded representation gets its own tag (the
identity tag with ``-gzip`` inside the quotes, as Apache httpd does), so the two encodings never share a
validator; ``If-None-Match`` uses the weak comparison the RFC prescribes, so either tag (or ``*``) matches.
"""

from __future__ import annotations

import hashlib

GZIP_SUFFIX = "-gzip"


def compute_etag(body: bytes) -> str:
    """``"<32 hex chars>"`` (BLAKE2b-128 of the body)."""
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def gzip_etag(etag: str) -> str:
    return etag[:-1] + GZIP_SUFFIX + '"' if etag.endswith('"') else etag + GZIP_SUFFIX


def _opaque(tag: str) -> str:
    tag = tag.strip()
    if tag.startswith("W/"):
        tag = tag[2:]
    tag = tag.strip('"')
    if tag.endswith(GZIP_SUFFIX):
        tag = tag[: -len(GZIP_SUFFIX)]
    return tag


def if_none_match_matches(header: str | None, etag: str) -> bool:
    """True when the ``If-None-Match`` header value matches ``etag`` (weak comparison, ``*`` matches any)."""
    if not header:
        return False
    if header.strip() == "*":
        return True
    wanted = _opaque(etag)
    return any(_opaque(candidate) == wanted for candidate in header.split(",") if candidate.strip())
