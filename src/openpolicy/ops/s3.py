"""A small S3 client (PUT and GET of one object) signed with AWS Signature Version 4, on httpx.

Enough for backups to any S3-compatible store without boto3. Credentials and endpoint come from the
standard variables: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN (optional), AWS_REGION or
AWS_DEFAULT_REGION (default us-east-1), AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL (S3-compatible stores,
path-style addressing; unset: AWS virtual-hosted style). Single PUTs are limited to 5 GiB by S3.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

import httpx

from openpolicy.ops.output import ExitCode, OpsError

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
MAX_SINGLE_PUT = 5 * 1024**3
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class S3Location:
    bucket: str
    key: str  # without leading slash; a "folder" prefix may be empty

    def child(self, name: str) -> S3Location:
        prefix = self.key.strip("/")
        return S3Location(self.bucket, f"{prefix}/{name}" if prefix else name)

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
            raise OpsError("S3 needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment", ExitCode.USAGE)
        endpoint = env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL") or None
        if endpoint and urlsplit(endpoint).scheme not in {"http", "https"}:
            raise OpsError(f"AWS_ENDPOINT_URL must be an http(s) URL, got {endpoint!r}", ExitCode.USAGE)
        region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1"
        return cls(access, secret, env.get("AWS_SESSION_TOKEN") or None, region, endpoint)


def is_s3_url(value: str) -> bool:
    return value.startswith("s3://")


def parse_s3_url(value: str) -> S3Location:
    parts = urlsplit(value)
    if parts.scheme != "s3" or not parts.netloc:
        raise OpsError(f"{value!r} is not an s3://BUCKET/PREFIX URL", ExitCode.USAGE)
    return S3Location(parts.netloc, parts.path.lstrip("/"))


def object_url(location: S3Location, creds: Credentials) -> str:
    key = quote(location.key, safe="/-_.~")
    if creds.endpoint:
        return f"{creds.endpoint.rstrip('/')}/{location.bucket}/{key}"
    return f"https://{location.bucket}.s3.{creds.region}.amazonaws.com/{key}"


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def sign(
    method: str,
    url: str,
    headers: Mapping[str, str],
    payload_sha256: str,
    creds: Credentials,
    now: dt.datetime,
    service: str = "s3",
) -> dict[str, str]:
    """Return ``headers`` plus x-amz-date, x-amz-content-sha256 (and token) and the SigV4 Authorization."""
    parts = urlsplit(url)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    date = now.strftime("%Y%m%d")
    signed: dict[str, str] = {k.lower(): " ".join(v.strip().split()) for k, v in headers.items()}
    default_port = {"http": 80, "https": 443}.get(parts.scheme)
    signed["host"] = parts.hostname if parts.port in (None, default_port) and parts.hostname else parts.netloc
    signed["x-amz-date"] = amz_date
    signed["x-amz-content-sha256"] = payload_sha256
    if creds.session_token:
        signed["x-amz-security-token"] = creds.session_token
    names = sorted(signed)
    canonical_query = "&".join(
        sorted(
            f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}"
            for k, _, v in (p.partition("=") for p in parts.query.split("&") if p)
        )
    )
    canonical = "\n".join(
        [
            method,
            parts.path or "/",
            canonical_query,
            "".join(f"{n}:{signed[n]}\n" for n in names),
            ";".join(names),
            payload_sha256,
        ]
    )
    scope = f"{date}/{creds.region}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = _hmac(_hmac(_hmac(_hmac(f"AWS4{creds.secret_key}".encode(), date), creds.region), service), "aws4_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    result = {k: v for k, v in signed.items() if k != "host"}
    result["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={creds.access_key}/{scope},SignedHeaders={';'.join(names)},Signature={signature}"
    )
    return result


def _file_chunks(path: Path, advance: Callable[[int], None]) -> Iterator[bytes]:
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            advance(len(chunk))
            yield chunk


def put_file(
    location: S3Location,
    path: Path,
    sha256_hex: str,
    creds: Credentials,
    advance: Callable[[int], None] = lambda _n: None,
    content_type: str = "application/octet-stream",
) -> None:
    size = path.stat().st_size
    if size > MAX_SINGLE_PUT:
        raise OpsError(f"{path} is {size} bytes: larger than one S3 PUT allows (5 GiB)")
    url = object_url(location, creds)
    headers = sign(
        "PUT",
        url,
        {"content-type": content_type, "content-length": str(size)},
        sha256_hex,
        creds,
        dt.datetime.now(dt.UTC),
    )
    try:
        response = httpx.put(url, content=_file_chunks(path, advance), headers=headers, timeout=120)
    except httpx.HTTPError as exc:
        raise OpsError(f"upload to {location} failed: {exc}") from None
    if response.status_code not in (200, 201):
        raise OpsError(f"upload to {location} failed: HTTP {response.status_code} {response.text[:300]}")


def get_file(location: S3Location, dest: Path, creds: Credentials) -> None:
    url = object_url(location, creds)
    headers = sign("GET", url, {}, EMPTY_SHA256, creds, dt.datetime.now(dt.UTC))
    try:
        with httpx.stream("GET", url, headers=headers, timeout=120) as response:
            if response.status_code != 200:
                raise OpsError(f"download of {location} failed: HTTP {response.status_code} {response.read()[:300]!r}")
            with dest.open("wb") as fh:
                for chunk in response.iter_bytes(CHUNK):
                    fh.write(chunk)
    except httpx.HTTPError as exc:
        raise OpsError(f"download of {location} failed: {exc}") from None
