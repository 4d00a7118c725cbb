"""Object storage (S3 and S3-compatible stores) through the maintained ``minio`` client: backups and exports.

Credentials and endpoint come from the standard variables: ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``,
``AWS_SESSION_TOKEN`` (optional), ``AWS_REGION`` or ``AWS_DEFAULT_REGION`` (default us-east-1),
``AWS_ENDPOINT_URL_S3`` or ``AWS_ENDPOINT_URL`` (an S3-compatible store, path-style; unset: AWS). Uploads of large
files are multipart (the client chooses the part size), so no single-request size limit applies. Every failure
is an :class:`ObjectStoreError` naming the object; no credential ever appears in a message.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from minio import Minio

AWS_ENDPOINT: str = "s3.amazonaws.com"


class ObjectStoreError(Exception):
    """An object could not be written, read, listed or signed (the message names it); ``usage``: bad settings."""

    def __init__(self, message: str, *, usage: bool = False) -> None:
        super().__init__(message)
        self.usage = usage


@dataclass(frozen=True)
class S3Location:
    bucket: str
    key: str  # without leading slash; a "folder" prefix may be empty

    def child(self, name: str) -> S3Location:
        prefix = self.key.strip("/")
        return S3Location(self.bucket, f"{prefix}/{name}" if prefix else name)

    @property
    def folder(self) -> str:
        """The key as a folder prefix (``a/b/``; empty for the bucket's root)."""
        prefix = self.key.strip("/")
        return f"{prefix}/" if prefix else ""

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


@dataclass(frozen=True)
class Credentials:
    access_key: str
    secret_key: str
    session_token: str | None
    region: str
    endpoint: str | None

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Credentials:
        access, secret = env.get("AWS_ACCESS_KEY_ID"), env.get("AWS_SECRET_ACCESS_KEY")
        if not access or not secret:
            raise ObjectStoreError(
                "S3 needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment", usage=True
            )
        endpoint = env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL") or None
        if endpoint:
            parts = urlsplit(endpoint)
            if parts.scheme not in {"http", "https"} or not parts.netloc:
                raise ObjectStoreError(f"AWS_ENDPOINT_URL must be an http(s) URL, got {endpoint!r}", usage=True)
        region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1"
        return cls(access, secret, env.get("AWS_SESSION_TOKEN") or None, region, endpoint)


def is_s3_url(value: str) -> bool:
    return value.startswith("s3://")


def parse_s3_url(value: str) -> S3Location:
    parts = urlsplit(value)
    if parts.scheme != "s3" or not parts.netloc:
        raise ObjectStoreError(f"{value!r} is not an s3://BUCKET/PREFIX URL", usage=True)
    return S3Location(parts.netloc, parts.path.lstrip("/"))


def client(creds: Credentials) -> Minio:
    """A client for ``creds``' store: AWS (virtual-hosted style, the region's endpoint) or the configured one."""
    from minio import Minio

    if creds.endpoint:
        parts = urlsplit(creds.endpoint)
        host, secure = parts.netloc, parts.scheme == "https"
    else:
        host, secure = AWS_ENDPOINT, True
    return Minio(
        host,
        access_key=creds.access_key,
        secret_key=creds.secret_key,
        session_token=creds.session_token,
        secure=secure,
        region=creds.region,
    )


class _Progress:
    """minio's progress protocol (``set_meta`` and ``update``) over a plain ``advance(bytes)`` callback."""

    def __init__(self, advance: Callable[[int], None]) -> None:
        self._advance = advance

    def set_meta(self, object_name: str, total_length: int) -> None:
        return None

    def update(self, size: int) -> None:
        self._advance(size)


def _failed(action: str, location: S3Location, exc: Exception) -> ObjectStoreError:
    from minio.error import S3Error

    if isinstance(exc, S3Error):
        return ObjectStoreError(f"{action} {location} failed: {exc.code}: {exc.message}")
    return ObjectStoreError(f"{action} {location} failed: {type(exc).__name__}: {exc}")


def put_file(
    location: S3Location,
    path: Path,
    creds: Credentials,
    advance: Callable[[int], None] = lambda _n: None,
    content_type: str = "application/octet-stream",
) -> None:
    try:
        client(creds).fput_object(
            location.bucket, location.key, str(path), content_type=content_type, progress=_Progress(advance)
        )
    except Exception as exc:
        raise _failed("upload to", location, exc) from None


def get_file(location: S3Location, dest: Path, creds: Credentials) -> None:
    try:
        client(creds).fget_object(location.bucket, location.key, str(dest))
    except Exception as exc:
        raise _failed("download of", location, exc) from None


def get_bytes(location: S3Location, creds: Credentials, limit: int = 16 * 1024 * 1024) -> bytes | None:
    """A small object's bytes (at most ``limit``: a larger one is an error); None when it does not exist."""
    from minio.error import S3Error

    try:
        response = client(creds).get_object(location.bucket, location.key)
    except S3Error as exc:
        if exc.code in {"NoSuchKey", "NoSuchObject"}:
            return None
        raise _failed("download of", location, exc) from None
    except Exception as exc:
        raise _failed("download of", location, exc) from None
    try:
        data = response.read(limit + 1)
    finally:
        response.close()
        response.release_conn()
    if len(data) > limit:
        raise ObjectStoreError(f"{location} is larger than {limit} bytes")
    return bytes(data)


def folders(location: S3Location, creds: Credentials) -> list[str]:
    """Names of the immediate "folders" under ``location`` (keys' next path segment), sorted."""
    try:
        found = client(creds).list_objects(location.bucket, prefix=location.folder, recursive=False)
        names = [str(o.object_name)[len(location.folder) :].rstrip("/") for o in found if o.is_dir]
    except Exception as exc:
        raise _failed("listing of", location, exc) from None
    return sorted(n for n in names if n)


def keys(location: S3Location, creds: Credentials) -> Iterator[str]:
    """Every key under the folder ``location``."""
    try:
        for obj in client(creds).list_objects(location.bucket, prefix=location.folder, recursive=True):
            yield str(obj.object_name)
    except Exception as exc:
        raise _failed("listing of", location, exc) from None


def remove_folder(location: S3Location, creds: Credentials) -> int:
    """Delete every object under the folder ``location``; the number deleted."""
    from minio.deleteobjects import DeleteObject

    names = list(keys(location, creds))
    try:
        errors = list(client(creds).remove_objects(location.bucket, (DeleteObject(n) for n in names)))
    except Exception as exc:
        raise _failed("deletion under", location, exc) from None
    if errors:
        raise ObjectStoreError(f"deletion under {location} failed: {errors[0].code} {errors[0].name}")
    return len(names)


def presigned_get(location: S3Location, creds: Credentials, seconds: int, filename: str | None = None) -> str:
    """A URL that GETs the object without credentials for ``seconds`` (signed locally: no request is made)."""
    headers: dict[str, str | list[str] | tuple[str]] | None = (
        {"response-content-disposition": f'attachment; filename="{filename}"'} if filename else None
    )
    try:
        return str(
            client(creds).presigned_get_object(
                location.bucket, location.key, expires=dt.timedelta(seconds=seconds), response_headers=headers
            )
        )
    except Exception as exc:
        raise _failed("signing of", location, exc) from None
