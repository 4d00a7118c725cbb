"""`openpolicy export` and /v1/exports against real PostgreSQL and a real api process.

The demo parliament (scale 1, 205,000 ballots) is exported once per module through the real command; the tests
check what a user of the files relies on: the manifest's checksums, sizes and row counts are the files', the CSVs
load back into PostgreSQL with COPY and count what the api counts, downloads honour ETag/Range/If-None-Match, and
no name outside the manifest can be fetched.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.support import start_api, temporary_database
from tests.support.exports import ExportRun, files_by_name, run_export
from tests.support.ingest import query, scalar


@pytest.fixture(scope="module")
def demo_export(demo_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> ExportRun:
    run = run_export(demo_database_url, tmp_path_factory.mktemp("exports") / "root")
    assert run.returncode == 0, run.stderr
    return run


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def test_manifest_describes_the_files_exactly(demo_export: ExportRun, demo_database_url: str) -> None:
    manifest, folder = demo_export.manifest, demo_export.folder
    assert manifest is not None and folder is not None
    assert manifest["schema_version"] == scalar(demo_database_url, "SELECT version_num FROM alembic_version")
    assert manifest["change_feed_position"] == scalar(demo_database_url, "SELECT coalesce(max(id), 0) FROM change_log")
    assert manifest["format_version"] == 1 and manifest["id"] == folder.name
    listed = {f["path"] for f in manifest["files"]}
    on_disk = {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()} - {"manifest.json"}
    assert listed == on_disk
    for entry in manifest["files"]:
        path = folder / entry["path"]
        assert path.stat().st_size == entry["bytes"], entry["path"]
        assert _sha256(path) == entry["sha256"], entry["path"]
        if entry["path"].endswith(".csv"):
            with path.open(newline="") as fh:
                assert sum(1 for _ in csv.reader(fh)) - 1 == entry["rows"], entry["path"]
        elif entry["path"].endswith(".jsonl"):
            lines = path.read_bytes().splitlines()
            assert len(lines) == entry["rows"] and all(json.loads(line)["id"] for line in lines)
        else:
            doc = json.loads(path.read_text())
            parts = ("persons", "organizations", "areas", "posts", "events", "memberships")
            assert sum(len(doc[k]) for k in parts) == entry["rows"]
    ballots = files_by_name(manifest, "ballots.csv")
    assert sum(f["rows"] for f in ballots) == scalar(demo_database_url, "SELECT count(*) FROM ballots") > 200_000
    assert {f["session"] for f in ballots} == {r[0] for r in query(demo_database_url, "SELECT id FROM sessions")}
    # JSON Lines: one stored api document per exported person, bill and vote
    assert manifest["documents"] is True
    for jsonl, csv_name in (("people.jsonl", "people.csv"), ("bills.jsonl", "bills.csv"), ("votes.jsonl", "votes.csv")):
        assert (
            sum(f["rows"] for f in files_by_name(manifest, jsonl))
            == sum(f["rows"] for f in files_by_name(manifest, csv_name))
            > 0
        ), jsonl
    # no temporary folder is left beside the export
    assert [p.name for p in folder.parent.iterdir()] == [folder.name]


@pytest.fixture(scope="module")
def export_api(
    demo_export: ExportRun, demo_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    assert demo_export.folder is not None
    logs = tmp_path_factory.mktemp("export-api")
    api, base = start_api(demo_database_url, logs, extra_env={"EXPORT_DIR": str(demo_export.folder.parent)})
    try:
        yield base
    finally:
        api.stop()


async def _load_csvs(url: str, folder: Path, manifest: dict[str, Any]) -> dict[str, int]:
    """COPY every CSV into a table of its own in schema ``scratch`` (columns as named by the header, text); the rows
    COPY reports per file name, summed over jurisdictions and sessions."""
    import asyncpg

    conn = await asyncpg.connect(url)
    counts: dict[str, int] = {}
    try:
        await conn.execute("CREATE SCHEMA scratch")
        for index, entry in enumerate(f for f in manifest["files"] if f["path"].endswith(".csv")):
            path = folder / entry["path"]
            with path.open(newline="") as fh:
                header = next(csv.reader(fh))
            table = f"f{index}"
            columns = ", ".join(f'"{name}" text' for name in header)
            await conn.execute(f"CREATE TABLE scratch.{table} ({columns})")
            status = await conn.copy_to_table(table, schema_name="scratch", source=path, format="csv", header=True)
            rows = int(status.rsplit(" ", 1)[-1])
            assert rows == entry["rows"], entry["path"]
            name = entry["path"].rsplit("/", 1)[-1].removesuffix(".csv")
            counts[name] = counts.get(name, 0) + rows
            if name == "organizations":
                for kind, n in await conn.fetch(f"SELECT classification, count(*) FROM scratch.{table} GROUP BY 1"):
                    counts[f"organizations:{kind}"] = counts.get(f"organizations:{kind}", 0) + n
            if name == "votes":  # JSON arrays as written: they parse as jsonb
                await conn.fetchval(f"SELECT count(*) FROM scratch.{table} WHERE motion_classification::jsonb IS NULL")
    finally:
        await conn.close()
    return counts


def test_csvs_load_into_postgresql_and_count_what_the_api_counts(demo_export: ExportRun, export_api: str) -> None:
    assert demo_export.manifest is not None and demo_export.folder is not None
    with temporary_database("openpolicy_test_scratch", migrate=False) as scratch:
        counts = asyncio.run(_load_csvs(scratch, demo_export.folder, demo_export.manifest))
    stats = httpx.get(f"{export_api}/v1/stats", timeout=30).json()
    assert counts["people"] == stats["people"]
    assert counts["bills"] == stats["bills"]
    assert counts["votes"] == stats["votes"]
    assert counts["ballots"] == stats["ballots"]
    assert counts["areas"] == stats["areas"]
    assert counts["jurisdiction"] == stats["jurisdictions"]
    assert counts["organizations:party"] == stats["parties"]
    assert counts.get("organizations:committee", 0) + counts.get("organizations:subcommittee", 0) == stats["committees"]


def test_exports_are_listed_with_their_files(export_api: str, demo_export: ExportRun) -> None:
    manifest = demo_export.manifest
    assert manifest is not None
    listing = httpx.get(f"{export_api}/v1/exports", timeout=30)
    assert listing.status_code == 200
    (only,) = listing.json()["results"]
    assert only["id"] == manifest["id"] and only["change_feed_position"] == manifest["change_feed_position"]
    assert [(f["path"], f["sha256"], f["rows"]) for f in only["files"]] == [
        (f["path"], f["sha256"], f["rows"]) for f in manifest["files"]
    ]
    one = httpx.get(f"{export_api}/v1/exports/{manifest['id']}", timeout=30).json()
    assert one == only
    got = httpx.get(f"{export_api}{only['manifest_url']}", timeout=30)
    assert json.loads(got.content) == manifest


def test_downloads_honour_etag_range_and_if_none_match(export_api: str, demo_export: ExportRun) -> None:
    manifest, folder = demo_export.manifest, demo_export.folder
    assert manifest is not None and folder is not None
    (entry,) = files_by_name(manifest, "people.csv")
    data = (folder / entry["path"]).read_bytes()
    url = f"{export_api}/v1/exports/{manifest['id']}/files/{entry['path']}"
    with httpx.Client(timeout=30) as client:
        whole = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert whole.status_code == 200 and whole.content == data
        assert whole.headers["etag"] == f'"{entry["sha256"]}"' and whole.headers["content-length"] == str(len(data))
        assert "content-encoding" not in whole.headers and whole.headers["accept-ranges"] == "bytes"

        part = client.get(url, headers={"Range": "bytes=10-109"})
        assert part.status_code == 206 and part.content == data[10:110]
        assert part.headers["content-range"] == f"bytes 10-109/{len(data)}" and part.headers["content-length"] == "100"
        tail = client.get(url, headers={"Range": "bytes=-7"})
        assert tail.status_code == 206 and tail.content == data[-7:]
        rest = client.get(url, headers={"Range": f"bytes={len(data) - 3}-"})
        assert rest.content == data[-3:]
        clipped = client.get(url, headers={"Range": f"bytes=0-{len(data) + 1000}"})
        assert clipped.status_code == 206 and clipped.content == data

        for bad in (f"bytes={len(data)}-", "bytes=5-2", "bytes=-0", "bytes=abc", "bytes=-"):
            refused = client.get(url, headers={"Range": bad})
            assert refused.status_code == 416, bad
            assert refused.headers["content-range"] == f"bytes */{len(data)}"
            assert refused.headers["content-type"] == "application/problem+json"
            assert refused.json()["status"] == 416

        stale = client.get(url, headers={"Range": "bytes=0-9", "If-Range": '"another"'})
        assert stale.status_code == 200 and stale.content == data
        fresh = client.get(url, headers={"Range": "bytes=0-9", "If-Range": whole.headers["etag"]})
        assert fresh.status_code == 206 and fresh.content == data[:10]

        assert client.get(url, headers={"If-None-Match": whole.headers["etag"]}).status_code == 304
        assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
        head = client.head(url)
        assert head.status_code == 200 and head.content == b"" and head.headers["etag"] == whole.headers["etag"]


def test_unknown_exports_files_and_traversal_are_404_problems(
    export_api: str, demo_export: ExportRun, tmp_path: Path
) -> None:
    manifest = demo_export.manifest
    assert manifest is not None
    base = f"{export_api}/v1/exports"
    export_id = manifest["id"]
    secret = demo_export.folder.parent.parent / "secret.txt" if demo_export.folder else tmp_path / "secret.txt"
    secret.write_text("not for download")
    probes = [
        f"{base}/20000101T000000Z",
        f"{base}/20000101T000000Z/files/manifest.json",
        f"{base}/..%2F..%2Fetc/files/passwd",
        f"{base}/{export_id}/files/nope.csv",
        f"{base}/{export_id}/files/../../secret.txt",
        f"{base}/{export_id}/files/%2e%2e/%2e%2e/secret.txt",
        f"{base}/{export_id}/files/%2Fetc%2Fpasswd",
        f"{base}/{export_id}/files/" + manifest["files"][0]["path"].split("/")[0],
    ]
    with httpx.Client(timeout=30) as client:
        for url in probes:
            # raw paths: no client-side normalisation of dot segments
            response = client.send(client.build_request("GET", httpx.URL(url)))
            assert response.status_code == 404, url
            assert response.headers["content-type"] == "application/problem+json", url
            assert b"not for download" not in response.content
        assert client.get(f"{base}?x=1").status_code == 400  # strict parameters, like every /v1 route


def test_bad_jurisdiction_fails_and_leaves_nothing(demo_database_url: str, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from openpolicy.cli import app

    root = tmp_path / "root"
    result = CliRunner().invoke(
        app, ["export", "--dir", str(root), "-j", "atlantis"], env={"DATABASE_URL": demo_database_url}
    )
    assert result.exit_code == 2
    assert "'atlantis': no such jurisdiction" in result.output
    assert "ocd-jurisdiction/country:zz/legislature" in result.output
    assert list(root.iterdir()) == []  # not even a temporary folder


def test_keeps_the_newest_exports(empty_database_url: str, tmp_path: Path) -> None:
    from openpolicy.db.engine import to_asyncpg_dsn
    from openpolicy.export.writer import write_export

    root = tmp_path / "root"
    first, _ = write_export(to_asyncpg_dsn(empty_database_url), root)
    second, _ = write_export(to_asyncpg_dsn(empty_database_url), root)
    (root / ".tmp-20000101T000000Z-1").mkdir()  # a dead export's leftovers: old, removed by pruning
    os.utime(root / ".tmp-20000101T000000Z-1", (0, 0))
    third = run_export(empty_database_url, root, "--keep", "2")
    assert third.returncode == 0, third.stderr
    assert third.folder is not None and first.name < second.name < third.folder.name
    assert sorted(p.name for p in root.iterdir()) == [second.name, third.folder.name]
    # an empty database is a valid export: a manifest without files
    assert third.manifest is not None and third.manifest["files"] == []


def test_two_exports_started_in_the_same_second_are_both_complete(empty_database_url: str, tmp_path: Path) -> None:
    import datetime as dt
    import threading

    from openpolicy.db.engine import to_asyncpg_dsn
    from openpolicy.export.store import load_local, local_ids, verify_local
    from openpolicy.export.writer import write_export

    dsn, root = to_asyncpg_dsn(empty_database_url), tmp_path / "root"
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    asyncio.run(_one_person(empty_database_url))
    inner: list[Path] = []

    def start_another(_line: str) -> None:
        if not inner:  # while the first export is half written, a second one starts and finishes
            worker = threading.Thread(target=lambda: inner.append(write_export(dsn, root, now=now)[0]))
            worker.start()
            worker.join()

    outer, manifest = write_export(dsn, root, now=now, progress=start_another)
    assert inner and inner[0].name == "20260101T000000Z" and outer.name == "20260101T000000Z-2" == manifest["id"]
    assert local_ids(root) == [inner[0].name, outer.name]
    for export_id in local_ids(root):
        export = load_local(root, export_id)
        assert export is not None and export.id == export_id and verify_local(root, export) == []
    assert sorted(p.name for p in root.iterdir()) == local_ids(root)  # no temporary folder left


async def _one_person(url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "INSERT INTO jurisdictions (id, name, country) VALUES "
            "('ocd-jurisdiction/country:ca/legislature', 'P', 'ca');"
            "INSERT INTO organizations (id, name, classification, jurisdiction_id) VALUES "
            "('ocd-organization/h', 'House', 'chamber', 'ocd-jurisdiction/country:ca/legislature');"
            "INSERT INTO people (id, name, sort_name) VALUES ('ocd-person/1', 'Jane Doe', 'Doe, Jane');"
            "INSERT INTO memberships (id, person_id, organization_id) VALUES ('ocd-membership/1', 'ocd-person/1', "
            "'ocd-organization/h')"
        )
    finally:
        await conn.close()


def test_json_lines_are_the_documents_the_api_serves(export_api: str, demo_export: ExportRun) -> None:
    manifest, folder = demo_export.manifest, demo_export.folder
    assert manifest is not None and folder is not None
    for name, route in (("people.jsonl", "people"), ("bills.jsonl", "bills"), ("votes.jsonl", "votes")):
        entry = files_by_name(manifest, name)[0]
        lines = (folder / entry["path"]).read_bytes().splitlines()
        for line in (lines[0], lines[-1]):
            document = json.loads(line)
            served = httpx.get(f"{export_api}/v1/{route}/{document['id']}", timeout=30)
            assert served.status_code == 200 and served.json() == document, (name, document["id"])


def test_exports_are_never_served_from_the_response_cache(
    demo_export: ExportRun, demo_database_url: str, redis_url: str, tmp_path: Path
) -> None:
    """With Redis, a new export is listed at once and files are not copied into Redis."""
    import shutil

    assert demo_export.folder is not None and demo_export.manifest is not None
    root = tmp_path / "exports"
    shutil.copytree(demo_export.folder, root / demo_export.folder.name)
    api, base = start_api(demo_database_url, tmp_path, redis_url=redis_url, extra_env={"EXPORT_DIR": str(root)})
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            assert len(client.get("/v1/exports").json()["results"]) == 1
            assert client.get("/v1/people").status_code == 200
            assert client.get("/v1/people").headers.get("x-cache") == "hit"  # the cache works for the rest
            (entry,) = files_by_name(demo_export.manifest, "people.csv")
            url = f"/v1/exports/{demo_export.folder.name}/files/{entry['path']}"
            for _ in range(2):
                got = client.get(url)
                assert got.status_code == 200 and "x-cache" not in got.headers
            shutil.copytree(demo_export.folder, root / "20991231T000000Z")
            listed = client.get("/v1/exports").json()["results"]
            assert [e["id"] for e in listed] == ["20991231T000000Z", demo_export.folder.name]
    finally:
        api.stop()
    import redis

    stored = redis.Redis.from_url(redis_url).keys("*exports*")
    assert stored == []


def test_votes_and_debates_without_a_session_have_a_folder_of_their_own(
    empty_database_url: str, tmp_path: Path
) -> None:
    from openpolicy.db.engine import to_asyncpg_dsn
    from openpolicy.export.writer import write_export

    asyncio.run(_one_person(empty_database_url))
    asyncio.run(_sessionless_vote(empty_database_url))
    folder, manifest = write_export(to_asyncpg_dsn(empty_database_url), tmp_path / "root")
    by_path = {f["path"]: f for f in manifest["files"]}
    base = "country-ca/sessions/no-session"
    assert by_path[f"{base}/votes.csv"]["rows"] == 1 and by_path[f"{base}/ballots.csv"]["rows"] == 2
    assert by_path[f"{base}/votes.csv"]["session"] is None
    assert f"{base}/bills.csv" not in by_path  # a bill always has a session
    with (folder / base / "ballots.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["ordinal"], r["person_id"], r["voter_name"], r["option"]) for r in rows] == [
        ("0", "ocd-person/1", "Jane Doe", "yes"),
        ("1", "", "Unmatched, Name", "no"),  # NULL is an empty unquoted field
    ]


async def _sessionless_vote(url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "INSERT INTO vote_events (id, jurisdiction_id, organization_id, motion_text, start_date, result, "
            "motion_classification) VALUES ('ocd-vote/1', 'ocd-jurisdiction/country:ca/legislature', "
            "'ocd-organization/h', 'That the bill be read a second time', '2024-02-01', 'pass', '{passage}');"
            "INSERT INTO ballots (vote_event_id, ordinal, person_id, voter_name, option) VALUES "
            "('ocd-vote/1', 0, 'ocd-person/1', 'Jane Doe', 'yes'), ('ocd-vote/1', 1, NULL, 'Unmatched, Name', 'no')"
        )
    finally:
        await conn.close()
