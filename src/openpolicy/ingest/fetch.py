"""Resolve an import LOCATION (file, folder or http(s) URL) to local files.

URLs are downloaded with httpx into a temporary folder: connect/read timeouts, retries with exponential
backoff on connection errors, timeouts, 429 and 5xx answers, a size limit (``Content-Length`` checked up
front and the streamed bytes counted), and a check that the body is complete. Every failure raises
:class:`FetchError` naming the URL and what went wrong.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


class FetchError(Exception):
    """A location could not be read (the message names it)."""


@dataclass
class Fetched:
    files: list[Path]
    names: dict[Path, str] = field(default_factory=dict)  # local file -> URL it came from
    downloaded_bytes: int = 0


@dataclass(frozen=True)
class FetchPolicy:
    timeout_seconds: float = 30.0
    retries: int = 3
    backoff_seconds: float = 0.5
    max_bytes: int = 512 * 1024 * 1024


def is_url(location: str) -> bool:
    return urlsplit(location).scheme in {"http", "https"}


def resolve(
    location: str,
    discover: Callable[[Path], list[Path]],
    workdir: Path,
    policy: FetchPolicy,
    on_bytes: Callable[[int, int | None], None] | None = None,
) -> Fetched:
    """Files to import from ``location``; folders are searched with the source's ``discover``."""
    if is_url(location):
        path, size = download(location, workdir, policy, on_bytes)
        return Fetched(files=[path], names={path: location}, downloaded_bytes=size)
    if "://" in location:
        raise FetchError(f"{location}: unsupported scheme (use a file, a folder or an http(s) URL)")
    path = Path(location).expanduser()
    if path.is_dir():
        files = discover(path)
        if not files:
            raise FetchError(f"{location}: folder holds no files this source reads")
        return Fetched(files=files)
    if path.is_file():
        return Fetched(files=[path])
    raise FetchError(f"{location}: no such file or folder")


def _target(url: str, workdir: Path) -> Path:
    name = Path(unquote(urlsplit(url).path)).name or "download"
    return workdir / name


def download(
    url: str, workdir: Path, policy: FetchPolicy, on_bytes: Callable[[int, int | None], None] | None = None
) -> tuple[Path, int]:
    import httpx

    target = _target(url, workdir)
    timeout = httpx.Timeout(policy.timeout_seconds, connect=min(policy.timeout_seconds, 10.0))
    attempts = policy.retries + 1
    last = ""
    with httpx.Client(timeout=timeout, follow_redirects=True, headers={"User-Agent": "openpolicy-import"}) as client:
        for attempt in range(1, attempts + 1):
            try:
                with client.stream("GET", url) as response:
                    if response.status_code in RETRY_STATUSES:
                        last = f"HTTP {response.status_code} {response.reason_phrase}"
                    elif response.status_code >= 400:
                        raise FetchError(f"{url}: HTTP {response.status_code} {response.reason_phrase}")
                    else:
                        return target, _save(url, response, target, policy, on_bytes)
            except FetchError:
                raise
            except httpx.TimeoutException as exc:
                last = f"timed out after {policy.timeout_seconds:g}s ({type(exc).__name__})"
            except (httpx.TransportError, _Incomplete) as exc:
                last = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            if attempt < attempts:
                time.sleep(policy.backoff_seconds * 2 ** (attempt - 1))
    raise FetchError(f"{url}: download failed after {attempts} attempt(s): {last}")


class _Incomplete(Exception):
    pass


def _save(
    url: str, response: object, target: Path, policy: FetchPolicy, on_bytes: Callable[[int, int | None], None] | None
) -> int:
    import httpx

    assert isinstance(response, httpx.Response)
    declared = response.headers.get("content-length")
    expected = int(declared) if declared and declared.isdigit() else None
    if expected is not None and expected > policy.max_bytes:
        raise FetchError(f"{url}: {expected} bytes exceeds the size limit of {policy.max_bytes} bytes")
    size = 0
    with target.open("wb") as out:
        for chunk in (
            response.iter_raw(1 << 16)
            if response.headers.get("content-encoding") is None
            else (response.iter_bytes(1 << 16))
        ):
            size += len(chunk)
            if size > policy.max_bytes:
                raise FetchError(f"{url}: more than the size limit of {policy.max_bytes} bytes")
            out.write(chunk)
            if on_bytes:
                on_bytes(size, expected)
    if expected is not None and size < expected and response.headers.get("content-encoding") is None:
        raise _Incomplete(f"connection closed after {size} of {expected} bytes")
    return size
