"""S3 for the operations commands (backup, restore): :mod:`openpolicy.export.objectstore` (the ``minio`` client)
with its errors as :class:`~openpolicy.ops.output.OpsError` (bad settings exit with the usage code).

Credentials and endpoint come from the standard ``AWS_*`` variables (see the objectstore module).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

from openpolicy.export import objectstore
from openpolicy.export.objectstore import S3Location, is_s3_url
from openpolicy.ops.output import ExitCode, OpsError

__all__ = ["Credentials", "S3Location", "get_file", "is_s3_url", "parse_s3_url", "put_file"]

Credentials = objectstore.Credentials


def _ops_error(exc: objectstore.ObjectStoreError) -> OpsError:
    return OpsError(str(exc), ExitCode.USAGE) if exc.usage else OpsError(str(exc))


def credentials_from_env(env: Mapping[str, str] = os.environ) -> Credentials:
    try:
        return Credentials.from_env(env)
    except objectstore.ObjectStoreError as exc:
        raise _ops_error(exc) from None


def parse_s3_url(value: str) -> S3Location:
    try:
        return objectstore.parse_s3_url(value)
    except objectstore.ObjectStoreError as exc:
        raise _ops_error(exc) from None


def put_file(
    location: S3Location,
    path: Path,
    creds: Credentials,
    advance: Callable[[int], None] = lambda _n: None,
    content_type: str = "application/octet-stream",
) -> None:
    try:
        objectstore.put_file(location, path, creds, advance, content_type)
    except objectstore.ObjectStoreError as exc:
        raise _ops_error(exc) from None


def get_file(location: S3Location, dest: Path, creds: Credentials) -> None:
    try:
        objectstore.get_file(location, dest, creds)
    except objectstore.ObjectStoreError as exc:
        raise _ops_error(exc) from None
