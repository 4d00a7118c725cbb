"""HTTP limits of a real `openpolicy serve api` process, through real sockets: oversized heads, long URLs, too many
headers and slow or idle clients are refused or closed, and the event loop keeps answering everyone else."""

from __future__ import annotations

import contextlib
import json
import selectors
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.support import Service, start_api

HEADER_TIMEOUT = 1.5


@pytest.fixture(scope="module")
def api(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    logs: Path = tmp_path_factory.mktemp("http-limits")
    service: Service
    service, base = start_api(
        database_url,
        logs,
        extra_env={
            "HTTP_HEADER_TIMEOUT_SECONDS": str(HEADER_TIMEOUT),
            "HTTP_KEEPALIVE_TIMEOUT_SECONDS": "2",
            "RATE_LIMIT_ANONYMOUS_PER_MINUTE": "0",
        },
    )
    try:
        yield base
    finally:
        service.stop()


def _address(base: str) -> tuple[str, int]:
    host, port = base.removeprefix("http://").split(":")
    return host, int(port)


def _exchange(base: str, raw: bytes, timeout: float = 10.0) -> tuple[int, dict[str, str], bytes]:
    """Send ``raw`` (as much of it as the server reads) and read the answer until the server closes."""
    with socket.create_connection(_address(base), timeout=timeout) as sock:
        # the server may answer and close before reading everything: what an oversized head gets
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(raw)
        data = b""
        try:
            while chunk := sock.recv(65536):
                data += chunk
        except ConnectionResetError:
            pass
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split(" ", 2)[1]), headers, body


def _health_ms(base: str) -> float:
    start = time.perf_counter()
    assert httpx.get(f"{base}/health", timeout=5).status_code == 200
    return (time.perf_counter() - start) * 1000


def test_an_oversized_head_is_refused_as_it_arrives_and_the_loop_keeps_answering(api: str) -> None:
    big = b"GET /v1/jurisdictions HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (64 * 1024 * 1024) + b"\r\n\r\n"
    started = time.monotonic()
    status, headers, body = _exchange(api, big)
    elapsed = time.monotonic() - started
    assert status == 431
    assert headers["content-type"] == "application/problem+json"
    assert headers["connection"] == "close"
    assert json.loads(body)["status"] == 431
    # refused after the first 32 KiB, not after reading (or parsing) 64 MB
    assert elapsed < 5, elapsed
    _health_ms(api)


def test_too_many_header_fields_is_a_431_and_a_long_url_a_414(api: str) -> None:
    many = b"".join(b"X-F%d: v\r\n" % i for i in range(101))
    status, headers, body = _exchange(api, b"GET /health HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n")
    assert status == 431
    assert "header fields" in json.loads(body)["detail"]
    # exactly at the limit: answered
    fine = b"".join(b"X-F%d: v\r\n" % i for i in range(98))  # with Host and Connection: 100 fields
    status, _, _ = _exchange(api, b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + fine + b"\r\n")
    assert status == 200
    long_target = b"/v1/jurisdictions?q=" + b"x" * 9000
    status, headers, body = _exchange(api, b"GET " + long_target + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status == 414
    assert headers["content-type"] == "application/problem+json"
    assert "8192" in json.loads(body)["detail"]
    # a long target within the limit reaches the api (which names the unknown parameter)
    status, _, _ = _exchange(
        api, b"GET /v1/jurisdictions?x=" + b"y" * 7000 + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    assert status == 400


def test_a_head_that_trickles_in_is_closed_with_a_408(api: str) -> None:
    with socket.create_connection(_address(api), timeout=10) as sock:
        started = time.monotonic()
        sock.sendall(b"GET /health HTTP/1.1\r\n")
        answer = b""
        try:
            for _ in range(20):
                sock.sendall(b"X-Slow: 1\r\n")  # one header field every 0.25 s: never a complete head
                time.sleep(0.25)
                sock.setblocking(False)
                with contextlib.suppress(BlockingIOError):
                    answer += sock.recv(4096)
                sock.setblocking(True)
                if answer:
                    break
        except (BrokenPipeError, ConnectionResetError):
            pass
        assert answer.startswith(b"HTTP/1.1 408"), answer[:100]
        assert time.monotonic() - started < HEADER_TIMEOUT + 2


def test_five_thousand_idle_and_slow_connections_are_closed(api: str) -> None:
    """5,000 connections, half of them having sent part of a head: all closed by the server within the header
    timeout (plus scheduling slack), while it keeps answering an ordinary client."""
    selector = selectors.DefaultSelector()
    sockets: list[socket.socket] = []
    try:
        for i in range(5000):
            sock = socket.create_connection(_address(api), timeout=10)
            if i % 2:
                sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
            sock.setblocking(False)
            selector.register(sock, selectors.EVENT_READ)
            sockets.append(sock)
        opened = time.monotonic()
        assert _health_ms(api) < 2000
        open_ones = set(sockets)
        deadline = opened + HEADER_TIMEOUT + 20
        while open_ones and time.monotonic() < deadline:
            for key, _ in selector.select(timeout=0.5):
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                try:
                    data = sock.recv(4096)
                except ConnectionResetError:
                    data = b""
                if not data or data.startswith(b"HTTP/1.1 408"):
                    selector.unregister(sock)
                    open_ones.discard(sock)
        assert not open_ones, f"{len(open_ones)} of 5000 connections still open"
        _health_ms(api)
    finally:
        for sock in sockets:
            sock.close()
        selector.close()


def test_an_idle_keep_alive_connection_is_closed(api: str) -> None:
    with socket.create_connection(_address(api), timeout=10) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        first = sock.recv(65536)
        assert first.startswith(b"HTTP/1.1 200")
        started = time.monotonic()
        rest = b""
        while chunk := sock.recv(65536):
            rest += chunk
        assert time.monotonic() - started < 5  # closed after HTTP_KEEPALIVE_TIMEOUT_SECONDS (2 s here)
