"""Requests an outsider makes on purpose: never a 500, never a request the web did not mean to send."""

from __future__ import annotations

import socket

import httpx
from tests.conftest import LiveStack


def raw_get(base: str, target: str) -> tuple[int, bytes]:
    """Send ``target`` exactly as written (no client-side normalisation of ``..`` or escapes)."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def test_change_feed_cursor_beyond_the_bigint_range_is_a_400(live_stack: LiveStack) -> None:
    for after in ("9999999999999999999", "9223372036854775808", "１２"):
        answer = httpx.get(f"{live_stack.api}/v1/changes", params={"after": after})
        assert answer.status_code == 400, after
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["parameter"] == "after"
    assert httpx.get(f"{live_stack.api}/v1/changes", params={"after": "9223372036854775807"}).status_code == 200


def test_web_ids_that_no_record_has_are_404_pages_not_api_calls(live_stack: LiveStack) -> None:
    for target in ("/people/%00", "/people/../../openapi.json", "/people/..%2F..%2Fopenapi.json", "/bills/a%3Fb",
                   "/votes/%2e%2e/%2e%2e/openapi.json"):  # fmt: skip
        status, body = raw_get(live_stack.web, target)
        assert status == 404, target
        assert b"<html" in body.lower() and b"openapi" not in body.lower(), target


def test_every_web_answer_carries_the_security_headers(live_stack: LiveStack) -> None:
    person = httpx.get(f"{live_stack.api}/v1/people", params={"limit": 1}).json()["results"][0]["id"]
    for path in ("/", f"/people/{person}", "/people/nobody-at-all", "/static/site.css", "/health"):
        answer = httpx.get(f"{live_stack.web}{path}")
        assert answer.status_code < 500, path
        csp = answer.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "'unsafe-eval'" not in csp, path
        assert answer.headers["x-content-type-options"] == "nosniff", path
        assert answer.headers["referrer-policy"] == "strict-origin-when-cross-origin", path
        assert "camera=()" in answer.headers["permissions-policy"], path


def test_head_answers_as_get_without_a_body(live_stack: LiveStack) -> None:
    person = httpx.get(f"{live_stack.api}/v1/people", params={"limit": 1}).json()["results"][0]["id"]
    api, web = live_stack.api, live_stack.web
    for url in (f"{api}/health", f"{api}/v1/people?limit=2", f"{api}/v1/people/{person}",
                f"{web}/", f"{web}/people/{person}", f"{web}/health"):  # fmt: skip
        got, head = httpx.get(url), httpx.head(url)
        assert head.status_code == got.status_code == 200, url
        assert head.content == b"", url
        assert head.headers["content-type"] == got.headers["content-type"], url
    assert httpx.head(f"{live_stack.api}/v1/people/ocd-person/nobody").status_code == 404


def test_public_gets_may_be_read_from_any_origin(live_stack: LiveStack) -> None:
    simple = httpx.get(f"{live_stack.api}/v1/people", params={"limit": 1}, headers={"Origin": "https://example.org"})
    assert simple.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in simple.headers
    preflight = httpx.options(
        f"{live_stack.api}/v1/people",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "GET",
                 "Access-Control-Request-Headers": "X-Request-ID"},
    )  # fmt: skip
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "GET" in preflight.headers["access-control-allow-methods"]
    # a write is not allowed from a browser, nor at all
    refused = httpx.options(
        f"{live_stack.api}/v1/people",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "DELETE"},
    )
    assert refused.status_code == 400
    assert httpx.delete(f"{live_stack.api}/v1/people").status_code == 405
