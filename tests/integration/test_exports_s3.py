"""Exports and backups in object storage, against moto's standalone S3 server.

moto is a fake (it keeps objects in memory and does not check signatures); no real S3 implementation installs on
these machines. It speaks the S3 protocol over HTTP, so what is exercised is real: the ``minio`` client's uploads,
listings, deletions and downloads, the api's presigned redirect followed by an ordinary HTTP client, and
``openpolicy backup`` / ``restore`` through a bucket.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.support import OPENPOLICY, drop_database, start_api, with_database
from tests.support.exports import moto_s3, run_export
from tests.support.ingest import scalar

from openpolicy.export import objectstore

BUCKET = "openpolicy-exports"


@pytest.fixture(scope="module")
def s3_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    with moto_s3(tmp_path_factory.mktemp("moto")) as env:
        creds = objectstore.Credentials.from_env(env)
        objectstore.client(creds).make_bucket(BUCKET)
        yield env


async def _small_parliament(url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "INSERT INTO jurisdictions (id, name, country, iso_code) VALUES "
            "('ocd-jurisdiction/country:ca/legislature', 'Parliament of Canada', 'ca', 'CA');"
            "INSERT INTO people (id, name, sort_name) VALUES ('ocd-person/1', 'Jane Doe', 'Doe, Jane');"
            "INSERT INTO organizations (id, name, classification, jurisdiction_id) VALUES "
            "('ocd-organization/h', 'House of Commons', 'chamber', 'ocd-jurisdiction/country:ca/legislature');"
            "INSERT INTO memberships (id, person_id, organization_id, start_date) VALUES "
            "('ocd-membership/1', 'ocd-person/1', 'ocd-organization/h', '2021-09-20')"
        )
    finally:
        await conn.close()


def _keys(creds: objectstore.Credentials, prefix: str) -> set[str]:
    return set(objectstore.keys(objectstore.S3Location(BUCKET, prefix), creds))


def test_exports_go_to_object_storage_and_downloads_redirect_to_presigned_urls(
    s3_env: dict[str, str], empty_database_url: str, tmp_path: Path
) -> None:
    asyncio.run(_small_parliament(empty_database_url))
    env = {**s3_env, "EXPORT_S3_URL": f"s3://{BUCKET}/nightly"}
    creds = objectstore.Credentials.from_env(s3_env)
    first = run_export(empty_database_url, tmp_path / "root", env=env)
    assert first.returncode == 0, first.stderr
    assert first.manifest is not None and f"uploaded to s3://{BUCKET}/nightly/{first.manifest['id']}" in first.stdout
    expected = {f"nightly/{first.manifest['id']}/{f['path']}" for f in first.manifest["files"]}
    assert _keys(creds, "nightly") == expected | {f"nightly/{first.manifest['id']}/manifest.json"}

    second = run_export(empty_database_url, tmp_path / "root", "--keep", "1", env=env)
    assert second.returncode == 0, second.stderr
    assert second.manifest is not None
    assert {k.split("/")[1] for k in _keys(creds, "nightly")} == {second.manifest["id"]}  # the older one deleted

    # the api reads the bucket, not its (empty) folder
    api, base = start_api(
        empty_database_url, tmp_path / "api", extra_env={**env, "EXPORT_DIR": str(tmp_path / "nothing-here")}
    )
    try:
        listing = httpx.get(f"{base}/v1/exports", timeout=30).json()["results"]
        assert [e["id"] for e in listing] == [second.manifest["id"]]
        (people,) = [f for f in listing[0]["files"] if f["path"].endswith("/people.csv")]
        redirect = httpx.get(f"{base}{people['url']}", timeout=30)
        assert redirect.status_code == 307 and redirect.headers["cache-control"] == "no-store"
        location = redirect.headers["location"]
        assert location.startswith(s3_env["AWS_ENDPOINT_URL_S3"]) and "X-Amz-Signature=" in location
        body = httpx.get(location, timeout=30)  # no credentials: the URL is the permission
        assert body.status_code == 200 and hashlib.sha256(body.content).hexdigest() == people["sha256"]
        assert body.content.startswith(b"id,name,") and b"Jane Doe" in body.content
        manifest = httpx.get(httpx.get(f"{base}{listing[0]['manifest_url']}").headers["location"], timeout=30)
        assert json.loads(manifest.content) == second.manifest
        for path in (f"/v1/exports/{first.manifest['id']}", f"/v1/exports/{second.manifest['id']}/files/x.csv"):
            gone = httpx.get(f"{base}{path}", timeout=30)
            assert gone.status_code == 404 and gone.headers["content-type"] == "application/problem+json"
    finally:
        api.stop()


def _cli(database_url: str, env: dict[str, str], *args: str) -> tuple[int, dict[str, object], str]:
    full = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "PG_BIN_DIR"}}
    full.update(env, DATABASE_URL=database_url)
    proc = subprocess.run([OPENPOLICY, *args, "--json"], env=full, capture_output=True, text=True, timeout=300)
    try:
        return proc.returncode, json.loads(proc.stdout), proc.stderr
    except json.JSONDecodeError:
        return proc.returncode, {}, proc.stderr + proc.stdout


def test_backup_to_and_restore_from_a_bucket(s3_env: dict[str, str], empty_database_url: str) -> None:
    asyncio.run(_small_parliament(empty_database_url))
    code, body, err = _cli(empty_database_url, s3_env, "backup", f"s3://{BUCKET}/backups")
    assert code == 0, err
    location = str(body["location"])
    assert location.startswith(f"s3://{BUCKET}/backups/openpolicy-")
    creds = objectstore.Credentials.from_env(s3_env)
    prefix = location.removeprefix(f"s3://{BUCKET}/")
    assert {k.rsplit("/", 1)[-1] for k in _keys(creds, prefix)} == {"manifest.json", "openpolicy.dump"}

    name = f"openpolicy_test_s3restore_{uuid.uuid4().hex[:8]}"
    try:
        code, body, err = _cli(empty_database_url, s3_env, "restore", location, "--database", name)
        assert code == 0, err
        assert scalar(with_database(empty_database_url, name), "SELECT name FROM people") == "Jane Doe"
    finally:
        drop_database(with_database(empty_database_url, name))

    code, body, err = _cli(empty_database_url, s3_env, "restore", f"s3://{BUCKET}/backups/openpolicy-none")
    assert code != 0 and "s3://openpolicy-exports/backups/openpolicy-none/manifest.json" in str(body.get("error", err))
