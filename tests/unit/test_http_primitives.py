"""Pure functions of the api platform: ETags, cache keys, request ids, log scrubbing (the circuit breaker:
test_breaker.py)."""

from __future__ import annotations

import pytest

from openpolicy.api.cache import CachedResponse, LocalTier, request_key, resource_of
from openpolicy.api.etag import compute_etag, gzip_etag, if_none_match_matches
from openpolicy.observability.logging import mask_url_passwords, scrub
from openpolicy.observability.metrics import accept_request_id, is_unobserved_path


def test_etag_is_strong_and_changes_with_the_body() -> None:
    tag = compute_etag(b'{"a":1}')
    assert tag.startswith('"') and tag.endswith('"') and len(tag) == 34
    assert compute_etag(b'{"a":1}') == tag
    assert compute_etag(b'{"a":2}') != tag
    assert gzip_etag(tag) == tag[:-1] + '-gzip"'


@pytest.mark.parametrize(
    ("header", "matches"),
    [
        (None, False),
        ("", False),
        ("*", True),
        ('"abc"', True),
        ('W/"abc"', True),
        ('"abc-gzip"', True),
        ('"x", "abc"', True),
        ('"abcd"', False),
        ('"ab"', False),
    ],
)
def test_if_none_match(header: str | None, matches: bool) -> None:
    assert if_none_match_matches(header, '"abc"') is matches


def test_request_key_sorts_the_query_and_resource_of() -> None:
    # Distinct parameters in any order mean the same query: one key.
    assert request_key("/v1/people", b"b=2&a=1") == request_key("/v1/people", b"a=1&b=2") == "/v1/people?a=1&b=2"
    # A repeated parameter is refused by the api (400): no key, so ``a=1&a=0`` and ``a=0&a=1`` never share one.
    assert request_key("/v1/people", b"b=2&a=1&a=0") is None
    assert request_key("/v1/people", b"a=0&a=1&b=2") is None
    assert request_key("/v1/people", b"limit=1&limit=3") is None
    assert request_key("/v1/people", b"a=1") != request_key("/v1/people", b"a=0")
    assert request_key("/v1/people", b"") == "/v1/people"
    assert request_key("/v1/people", b"q=x%20y") == "/v1/people?q=x+y"
    assert resource_of("/v1/people/abc/votes") == "people"
    assert resource_of("/v1/search") == "search"
    assert resource_of("/v1/unknown/x") is None
    assert resource_of("/docs") is None


def test_cached_response_round_trip() -> None:
    entry = CachedResponse(
        '"e"', [(b"content-type", b"application/json"), (b"link", b"<x>; rel=next")], b"{}\n", "/v1/x"
    )
    assert CachedResponse.decode(entry.encode()) == entry


def test_request_id_validation() -> None:
    assert accept_request_id(b"abc-123_x.y:z") == "abc-123_x.y:z"
    for bad in (None, b"", b"a b", b"x" * 129, b"caf\xc3\xa9", b"<script>"):
        generated = accept_request_id(bad)
        assert len(generated) == 32 and generated != bad


def test_unobserved_paths() -> None:
    assert is_unobserved_path("/metrics") and is_unobserved_path("/health") and is_unobserved_path("/health/ready")
    assert not is_unobserved_path("/healthy") and not is_unobserved_path("/v1/people")


def test_scrub_redacts_secrets_and_masks_url_passwords() -> None:
    data = {
        "password": "p",
        "Authorization": "Bearer t",
        "database_url": "postgresql://u:pw@h/db",
        "plain_url": "https://example.org/x",
        "items": [{"api_key": "k"}, "redis://:redispw@h:6379/0"],
        "count": 2,
    }
    clean = scrub(data)
    assert clean["password"] == "[redacted]" and clean["Authorization"] == "[redacted]"
    assert clean["database_url"] == "postgresql://u:***@h/db"
    assert clean["plain_url"] == "https://example.org/x"
    assert clean["items"][0]["api_key"] == "[redacted]"
    assert clean["items"][1] == "redis://:***@h:6379/0"
    assert clean["count"] == 2
    assert mask_url_passwords("see postgresql://a:b@c/d and x") == "see postgresql://a:***@c/d and x"


def test_local_tier_is_an_lru_bounded_in_bytes_with_expiry() -> None:
    def entry(size: int) -> CachedResponse:
        return CachedResponse('"e"', [], b"x" * size, "/v1/x")

    tier = LocalTier(max_bytes=8 * 1300, ttl_seconds=10)
    for i in range(8):
        tier.put(f"k{i}", entry(1000), now=0.0)
    assert tier.get("k0", now=1.0) is not None  # touched: now the most recent
    tier.put("k8", entry(1000), now=1.0)  # over budget: the least recently used (k1) goes
    assert tier.get("k1", now=1.0) is None and tier.get("k0", now=1.0) is not None
    assert tier.size <= tier.max_bytes
    assert tier.get("k8", now=11.5) is None  # expired
    tier.put("huge", entry(5000), now=0.0)  # larger than an eighth of the budget: never kept
    assert tier.get("huge", now=0.0) is None
    assert LocalTier(max_bytes=0, ttl_seconds=10).get("k", 0.0) is None
