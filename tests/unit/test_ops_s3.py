"""SigV4 signing of the backup S3 client, checked against AWS's published example.

No S3-compatible server can run on these machines (MinIO is not packaged in Debian or on PyPI; `moto` in
server mode is a fake, not an S3 implementation), so uploads to a real store are not exercised by the tests:
the signature is proven against the worked example of the AWS S3 documentation ("Signature calculations for
the Authorization header: Example: GET Object", examplebucket/test.txt, 2013-05-24).
"""

from __future__ import annotations

import datetime as dt

import pytest

from openpolicy.ops import s3
from openpolicy.ops.output import OpsError

AWS_EXAMPLE = s3.Credentials(
    access_key="AKIAIOSFODNN7EXAMPLE",
    secret_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    session_token=None,
    region="us-east-1",
    endpoint=None,
)


def test_signature_matches_the_aws_documented_get_object_example() -> None:
    headers = s3.sign(
        "GET",
        "https://examplebucket.s3.amazonaws.com/test.txt",
        {"Range": "bytes=0-9"},
        s3.EMPTY_SHA256,
        AWS_EXAMPLE,
        dt.datetime(2013, 5, 24, 0, 0, 0, tzinfo=dt.UTC),
    )
    assert headers["authorization"] == (
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
    )
    assert headers["x-amz-date"] == "20130524T000000Z"


def test_session_token_is_signed() -> None:
    creds = s3.Credentials("AKID", "secret", "token-1", "eu-west-1", None)
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    headers = s3.sign("PUT", "https://b.s3.eu-west-1.amazonaws.com/k", {}, s3.EMPTY_SHA256, creds, now)
    assert headers["x-amz-security-token"] == "token-1"
    assert "SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token," in headers["authorization"]


def test_urls_and_addressing() -> None:
    loc = s3.parse_s3_url("s3://backups/openpolicy/prod")
    assert (loc.bucket, loc.key) == ("backups", "openpolicy/prod")
    assert str(loc.child("x").child("manifest.json")) == "s3://backups/openpolicy/prod/x/manifest.json"
    compatible = s3.Credentials("a", "b", None, "us-east-1", "http://127.0.0.1:9000/")
    assert s3.object_url(loc.child("a b"), compatible) == "http://127.0.0.1:9000/backups/openpolicy/prod/a%20b"
    assert s3.object_url(loc, AWS_EXAMPLE) == "https://backups.s3.us-east-1.amazonaws.com/openpolicy/prod"
    with pytest.raises(OpsError, match="not an s3://BUCKET/PREFIX URL"):
        s3.parse_s3_url("s3:///nobucket")


def test_credentials_come_from_the_standard_variables() -> None:
    with pytest.raises(OpsError, match="AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"):
        s3.Credentials.from_env({})
    creds = s3.Credentials.from_env(
        {"AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b", "AWS_DEFAULT_REGION": "eu-central-1",
         "AWS_ENDPOINT_URL": "https://objects.example"}
    )  # fmt: skip
    assert (creds.region, creds.endpoint) == ("eu-central-1", "https://objects.example")
    with pytest.raises(OpsError, match="AWS_ENDPOINT_URL must be an http"):
        s3.Credentials.from_env({"AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b", "AWS_ENDPOINT_URL": "ftp://x"})


def test_default_ports_are_not_part_of_the_signed_host() -> None:
    """httpx sends `Host: h` for https://h:443/..., so the signature must cover `h`, not `h:443`."""
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with_port = s3.sign("GET", "https://objects.example:443/b/k", {}, s3.EMPTY_SHA256, AWS_EXAMPLE, now)
    without = s3.sign("GET", "https://objects.example/b/k", {}, s3.EMPTY_SHA256, AWS_EXAMPLE, now)
    other = s3.sign("GET", "https://objects.example:9000/b/k", {}, s3.EMPTY_SHA256, AWS_EXAMPLE, now)
    assert with_port["authorization"] == without["authorization"] != other["authorization"]
