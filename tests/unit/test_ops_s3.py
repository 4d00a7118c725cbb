"""S3 locations, credentials and presigned URLs of the backup and export client (the ``minio`` library).

Requests to a store are exercised against moto's standalone server in ``tests/integration/test_exports_s3.py``;
here: what the settings and URLs turn into, without a network.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from openpolicy.export import objectstore
from openpolicy.export.objectstore import ObjectStoreError
from openpolicy.ops.output import ExitCode, run_command

AWS_EXAMPLE = objectstore.Credentials(
    access_key="AKIAIOSFODNN7EXAMPLE",
    secret_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    session_token=None,
    region="us-east-1",
    endpoint=None,
)


def test_urls_and_addressing() -> None:
    loc = objectstore.parse_s3_url("s3://backups/openpolicy/prod")
    assert (loc.bucket, loc.key) == ("backups", "openpolicy/prod")
    assert str(loc.child("x").child("manifest.json")) == "s3://backups/openpolicy/prod/x/manifest.json"
    assert loc.folder == "openpolicy/prod/" and objectstore.parse_s3_url("s3://b").folder == ""
    with pytest.raises(ObjectStoreError, match="not an s3://BUCKET/PREFIX URL") as bad:
        objectstore.parse_s3_url("s3:///nobucket")
    assert bad.value.usage


def test_credentials_come_from_the_standard_variables() -> None:
    with pytest.raises(ObjectStoreError, match="AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY") as missing:
        objectstore.Credentials.from_env({})
    assert missing.value.usage
    creds = objectstore.Credentials.from_env(
        {"AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b", "AWS_DEFAULT_REGION": "eu-central-1",
         "AWS_ENDPOINT_URL": "https://objects.example"}
    )  # fmt: skip
    assert (creds.region, creds.endpoint) == ("eu-central-1", "https://objects.example")
    with pytest.raises(ObjectStoreError, match="AWS_ENDPOINT_URL must be an http"):
        objectstore.Credentials.from_env(
            {"AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b", "AWS_ENDPOINT_URL": "ftp://x"}
        )
    s3_specific = objectstore.Credentials.from_env(
        {"AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b", "AWS_ENDPOINT_URL": "https://general.example",
         "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9000", "AWS_SESSION_TOKEN": "tok"}
    )  # fmt: skip
    assert (s3_specific.endpoint, s3_specific.session_token) == ("http://127.0.0.1:9000", "tok")


def test_presigned_urls_are_signed_for_the_configured_store_without_a_request() -> None:
    compatible = objectstore.Credentials("AKID", "secret", None, "eu-west-1", "http://127.0.0.1:9000")
    url = objectstore.presigned_get(
        objectstore.S3Location("exports", "a b/people.csv"), compatible, 600, filename="people.csv"
    )
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert (parts.scheme, parts.netloc, parts.path) == ("http", "127.0.0.1:9000", "/exports/a%20b/people.csv")
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"] and query["X-Amz-Expires"] == ["600"]
    credential = query["X-Amz-Credential"][0]
    assert credential.startswith("AKID/") and credential.endswith("/eu-west-1/s3/aws4_request")
    assert len(query["X-Amz-Signature"][0]) == 64
    assert query["response-content-disposition"] == ['attachment; filename="people.csv"']
    assert "secret" not in url

    aws = urlsplit(objectstore.presigned_get(objectstore.S3Location("bucket", "k"), AWS_EXAMPLE, 60))
    assert aws.scheme == "https" and aws.netloc.endswith("amazonaws.com")


def test_a_store_that_cannot_be_reached_is_an_error_naming_the_object(tmp_path: Path) -> None:
    unreachable = objectstore.Credentials("key-id", "secret-key", None, "us-east-1", "http://127.0.0.1:9")
    location = objectstore.parse_s3_url("s3://bucket/x/manifest.json")
    with pytest.raises(ObjectStoreError, match=r"^download of s3://bucket/x/manifest.json failed: ") as failed:
        objectstore.get_file(location, tmp_path / "manifest.json", unreachable)
    assert "secret-key" not in str(failed.value) and not failed.value.usage


@pytest.mark.parametrize(("usage", "code"), [(True, ExitCode.USAGE), (False, ExitCode.FAILED)])
def test_an_ops_command_exits_with_the_object_stores_error(
    usage: bool, code: ExitCode, capsys: pytest.CaptureFixture[str]
) -> None:
    """backup and restore call the object store directly: its errors end the command like an OpsError."""
    import typer

    def action(_reporter: object) -> tuple[dict[str, object], str]:
        raise ObjectStoreError("upload to s3://b/k failed: AccessDenied", usage=usage)

    with pytest.raises(typer.Exit) as ended:
        run_command(True, action)
    assert ended.value.exit_code == int(code)
    assert "upload to s3://b/k failed: AccessDenied" in capsys.readouterr().out
