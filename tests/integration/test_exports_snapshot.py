"""Exports on real data: the Popolo round trip, one snapshot while an import commits, bounded memory.

The Northern Ireland Assembly's EveryPolitician file (real data, ``../shared/data``) is imported, exported, and its
Popolo export imported into an empty database with ``openpolicy import popolo``: the same people (names, dates,
global identifiers), organizations and memberships come back.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.support import OPENPOLICY, SHARED_DATA, temporary_database
from tests.support.exports import files_by_name, run_export
from tests.support.ingest import needs_data, query, run

NI = SHARED_DATA / "everypolitician" / "Northern_Ireland" / "Assembly" / "ep-popolo-v1.0.json"
NI_ID = "ocd-jurisdiction/country:gb/region:nir/legislature"


@pytest.fixture(scope="module")
def ni_database() -> Iterator[str]:
    with temporary_database("openpolicy_test_export_ni") as url:
        run(url, "popolo", str(NI))
        yield url


def _people(url: str) -> set[tuple[Any, ...]]:
    rows = query(
        url,
        "SELECT p.name, p.given_name, p.family_name, p.sort_name, p.gender, p.birth_date, p.death_date, p.email, "
        "p.image, (SELECT string_agg(i.scheme || ':' || i.identifier, ' ' ORDER BY i.scheme, i.identifier) "
        "FROM person_identifiers i WHERE i.person_id = p.id AND i.scope = '') FROM people p",
    )
    return {tuple(r) for r in rows}


def _organizations(url: str) -> set[tuple[Any, ...]]:
    rows = query(
        url,
        "SELECT o.name, o.classification, o.founding_date, o.dissolution_date, o.identifiers::text, "
        "parent.name FROM organizations o LEFT JOIN organizations parent ON parent.id = o.parent_id",
    )
    return {tuple(r) for r in rows}


def _memberships(url: str) -> list[tuple[Any, ...]]:
    rows = query(
        url,
        "SELECT p.name, p.birth_date, o.name, party.name, a.name, lp.identifier, m.role, m.label, m.start_date, "
        "m.end_date FROM memberships m JOIN people p ON p.id = m.person_id "
        "JOIN organizations o ON o.id = m.organization_id "
        "LEFT JOIN organizations party ON party.id = m.on_behalf_of_id "
        "LEFT JOIN areas a ON a.id = m.area_id LEFT JOIN legislative_periods lp ON lp.id = m.legislative_period_id",
    )
    return sorted((tuple(r) for r in rows), key=repr)


@needs_data
def test_popolo_round_trip_gives_the_same_people_organizations_and_memberships(
    ni_database: str, tmp_path: Path
) -> None:
    exported = run_export(ni_database, tmp_path / "root")
    assert exported.returncode == 0, exported.stderr
    assert exported.manifest is not None and exported.folder is not None
    (popolo,) = files_by_name(exported.manifest, "popolo.json")
    doc = json.loads((exported.folder / popolo["path"]).read_text())
    assert len(doc["persons"]) == len(_people(ni_database)) > 200
    with temporary_database("openpolicy_test_export_rt") as empty:
        env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "API_URL"}} | {"DATABASE_URL": empty}
        command = [OPENPOLICY, "import", "popolo", str(exported.folder / popolo["path"]), "-j", NI_ID, "--plain"]
        imported = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
        assert imported.returncode == 0, imported.stderr
        assert _people(empty) == _people(ni_database)
        assert _organizations(empty) == _organizations(ni_database)
        back, original = _memberships(empty), _memberships(ni_database)
        assert len(back) == len(original) > 400
        assert back == original


@needs_data
def test_an_import_committing_during_an_export_does_not_change_it(tmp_path: Path) -> None:
    from openpolicy.db.engine import to_asyncpg_dsn
    from openpolicy.export.writer import write_export

    full = json.loads(NI.read_text())
    kept = {p["id"] for p in full["persons"][:100]}
    subset = dict(full, persons=full["persons"][:100], memberships=[m for m in full["memberships"]
                                                                     if m["person_id"] in kept])  # fmt: skip
    part = tmp_path / "Assembly" / "ep-popolo-v1.0.json"
    part.parent.mkdir()
    part.write_text(json.dumps(subset))
    for meta in ("meta.json",):
        (part.parent / meta).write_text((NI.parent / meta).read_text())
    with temporary_database("openpolicy_test_export_iso") as url:
        run(url, "popolo", str(part), jurisdiction=NI_ID)
        dsn = to_asyncpg_dsn(url)
        before_dir, before = write_export(dsn, tmp_path / "before")
        imported: list[Any] = []

        def import_once(line: str) -> None:
            if imported:
                return
            # the snapshot has begun (one file written): now an import changes the same jurisdiction and commits
            worker = threading.Thread(target=lambda: imported.append(run(url, "popolo", str(NI), jurisdiction=NI_ID)))
            worker.start()
            worker.join()

        during_dir, during = write_export(dsn, tmp_path / "during", progress=import_once)
        assert imported and imported[0] is not None
        after_dir, after = write_export(dsn, tmp_path / "after")

    def digests(manifest: dict[str, Any]) -> dict[str, tuple[str, int]]:
        return {f["path"]: (f["sha256"], f["rows"]) for f in manifest["files"]}

    assert digests(during) == digests(before)
    assert during["change_feed_position"] == before["change_feed_position"] < after["change_feed_position"]
    (people_before,) = files_by_name(before, "people.csv")
    (people_after,) = files_by_name(after, "people.csv")
    assert people_before["rows"] == 100 < people_after["rows"]
    assert (before_dir / people_before["path"]).read_bytes() == (during_dir / people_before["path"]).read_bytes()
    assert after_dir.is_dir()


async def _big_debate(url: str, speeches: int, size: int) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "INSERT INTO jurisdictions (id, name, country, iso_code) VALUES "
            "('ocd-jurisdiction/country:ca/legislature', 'Parliament of Canada', 'ca', 'CA');"
            "INSERT INTO sessions (id, jurisdiction_id, identifier, name) VALUES "
            "('ocd-session/s1', 'ocd-jurisdiction/country:ca/legislature', '44-1', '44th Parliament, 1st session');"
            "INSERT INTO debates (id, jurisdiction_id, session_id, classification, identifier, date) VALUES "
            "('ocd-debate/d1', 'ocd-jurisdiction/country:ca/legislature', 'ocd-session/s1', 'sitting', '1', "
            "'2024-01-01')"
        )
        await conn.execute(
            "INSERT INTO speeches (id, debate_id, language, ordinal, speaker_name, paragraphs) "
            "SELECT 'ocd-speech/' || n, 'ocd-debate/d1', 'en', n, 'Speaker ' || n, "
            "jsonb_build_array(repeat(chr(97 + n % 26), $1)) "
            "FROM generate_series(1, $2) AS n",
            size,
            speeches,
        )
    finally:
        await conn.close()


def test_export_memory_stays_bounded_whatever_the_data_size(empty_database_url: str, tmp_path: Path) -> None:
    """300 speeches of 1 MB each: the export process's peak RSS stays well under the data it writes."""
    asyncio.run(_big_debate(empty_database_url, 300, 1_000_000))
    exported = run_export(empty_database_url, tmp_path / "root")
    assert exported.returncode == 0, exported.stderr
    assert exported.manifest is not None
    (speeches,) = files_by_name(exported.manifest, "speeches.csv")
    assert speeches["rows"] == 300 and speeches["bytes"] > 300_000_000
    assert exported.peak_rss_bytes < speeches["bytes"] / 2, (exported.peak_rss_bytes, speeches["bytes"])
