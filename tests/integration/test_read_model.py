"""The read model (openpolicy.documents) on real imports: what the imports wrote equals a rebuild from the facts,
byte for byte, and a change of one person reaches, in the import's own transaction, every document that shows them.

Data: the US Congress legislators and roll-call votes (../shared/data/us-congress) and the Bill Status files
(../shared/data/us-billstatus), imported by the real loader.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from tests.support import SHARED_DATA, temporary_database
from tests.support.ingest import needs_data, query, run
from tests.support.routers import api_client, rebuild_documents

from openpolicy.db.engine import to_asyncpg_dsn

pytestmark = needs_data

LEGISLATORS = SHARED_DATA / "us-congress" / "congress-legislators"
BILLS = SHARED_DATA / "us-billstatus"


def documents(url: str) -> dict[tuple[str, str], tuple[bytes, bytes, Any]]:
    rows = query(url, "SELECT kind, id, detail, summary, stale_after FROM documents")
    return {(r["kind"], r["id"]): (bytes(r["detail"]), bytes(r["summary"]), r["stale_after"]) for r in rows}


@pytest.fixture(scope="module")
def imported() -> Iterator[str]:
    with temporary_database("openpolicy_test_read_model") as url:
        run(url, "us-congress", str(SHARED_DATA / "us-congress"))
        run(url, "congress-bills", str(BILLS))
        yield url


def test_the_imports_wrote_a_document_of_every_resource_equal_to_a_rebuild(imported: str) -> None:
    written = documents(imported)
    facts = {
        kind: {r[0] for r in query(imported, f"SELECT id FROM {table}")}
        for kind, table in (("person", "people"), ("vote", "vote_events"), ("bill", "bills"))
    }
    assert all(facts.values())
    assert {kind: {i for k, i in written if k == kind} for kind in facts} == facts
    counts = rebuild_documents(imported)
    assert counts == {kind: len(ids) for kind, ids in facts.items()}
    assert documents(imported) == written  # byte for byte, stale_after included


def test_the_cli_rebuilds_one_kind_and_refuses_an_unknown_one(imported: str, redis_url: str) -> None:
    import redis

    from openpolicy.db.generations import generation_key

    cache = redis.Redis.from_url(redis_url)
    generations = {r: int(cache.get(generation_key(r)) or 0) for r in ("votes", "jurisdictions")}
    before = documents(imported)
    env = {"DATABASE_URL": imported, "REDIS_URL": redis_url, "PATH": "/usr/bin:/bin"}
    cli = [sys.executable, "-m", "openpolicy.cli", "documents", "rebuild"]
    done = subprocess.run([*cli, "--kind", "vote"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    votes = sum(1 for kind, _ in before if kind == "vote")
    assert f"vote: {votes} documents" in done.stdout and "person:" not in done.stdout
    # the api's cached answers that show votes are invalidated (as an import of votes would); the others are not
    assert int(cache.get(generation_key("votes")) or 0) == generations["votes"] + 1
    assert int(cache.get(generation_key("jurisdictions")) or 0) == generations["jurisdictions"]
    refused = subprocess.run([*cli, "--kind", "senator"], env=env, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "'senator' is not one of: person, vote, bill" in refused.stderr
    assert documents(imported) == before


def _changed_legislators(tmp_path: Path, bioguide: str, name: str, party: str) -> Path:
    """A copy of the legislators folder where ``bioguide``'s official name and latest term's party are changed."""
    folder = tmp_path / "congress-legislators"
    shutil.copytree(LEGISLATORS, folder)
    path = folder / "legislators-current.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index(f"    bioguide: {bioguide}\n")
    end = text.find("\n- id:", start)
    block = text[start:end]
    block = re.sub(r"official_full: .*", f"official_full: {name}", block, count=1)
    at = block.rindex("party: ")
    block = block[:at] + re.sub(r"party: .*", f"party: {party}", block[at:], count=1)
    path.write_text(text[:start] + block + text[end:], encoding="utf-8")
    return folder


def test_a_changed_person_reaches_every_document_that_shows_them(imported: str, tmp_path: Path) -> None:
    # the voter with the most ballots among the primary sponsors of a stored bill
    row = query(
        imported,
        "SELECT i.identifier AS bioguide, p.id, p.name FROM people p "
        "JOIN person_identifiers i ON i.person_id = p.id AND i.scheme = 'bioguide' "
        "WHERE EXISTS (SELECT 1 FROM bill_sponsorships s WHERE s.person_id = p.id) "
        "ORDER BY (SELECT count(*) FROM ballots b WHERE b.person_id = p.id) DESC, p.id LIMIT 1",
    )[0]
    person, old_name = row["id"], row["name"]
    shows = {("person", person)}
    ballots = query(imported, "SELECT vote_event_id FROM ballots WHERE person_id = $1", person)
    sponsored = query(imported, "SELECT bill_id FROM bill_sponsorships WHERE person_id = $1", person)
    shows |= {("vote", r[0]) for r in ballots} | {("bill", r[0]) for r in sponsored}
    assert sum(kind == "vote" for kind, _ in shows) > 10 and any(kind == "bill" for kind, _ in shows)
    before = documents(imported)

    report = run(
        imported, "us-congress", str(_changed_legislators(tmp_path, row["bioguide"], "Renamed Person", "Whig"))
    )
    # written in the import's transaction: the change log's and the documents' now() are that transaction's start
    stamps = query(imported, "SELECT DISTINCT changed_at FROM change_log WHERE import_run_id = $1", report.run_id)
    built = query(
        imported,
        "SELECT DISTINCT built_at FROM documents WHERE (kind, id) IN (SELECT * FROM unnest($1::text[], $2::text[]))",
        [kind for kind, _ in sorted(shows)],
        [ident for _, ident in sorted(shows)],
    )
    assert [r[0] for r in built] == [r[0] for r in stamps] and len(stamps) == 1

    after = documents(imported)
    changed = {key for key in after if after[key] != before.get(key)}
    assert shows <= changed  # every document that shows them
    for kind, ident in sorted(shows):
        text = after[(kind, ident)][0].decode()
        assert "Renamed Person" in text, (kind, ident)  # names as published (a ballot's, a sponsor's) stay
    person_doc = json.loads(after[("person", person)][0])
    assert person_doc["name"] == "Renamed Person" != old_name
    assert person_doc["current_party"]["name"] == "Whig"
    # their ballots on votes of the changed term are now grouped under the new party
    regrouped = [
        ident
        for kind, ident in shows
        if kind == "vote"
        and any(
            group["party"]
            and group["party"]["name"] == "Whig"
            and any(b["person"] and b["person"]["id"] == person for b in group["ballots"])
            for group in json.loads(after[("vote", ident)][0])["by_party"]
        )
    ]
    assert regrouped
    assert changed == shows  # and no other document has other bytes
    # what the import wrote is what a rebuild gives
    rebuild_documents(imported)
    assert documents(imported) == after
    # the api answers the stored bytes
    with api_client(imported) as api:
        for kind, ident in sorted(shows)[:5]:
            path = {"person": "people", "vote": "votes", "bill": "bills"}[kind]
            response = api.get(f"/v1/{path}/{ident}")
            assert response.status_code == 200 and response.content == after[(kind, ident)][0]
    # a revert of that import puts the documents back in its own transaction: the old name, the old groups
    env = {"DATABASE_URL": imported, "PATH": "/usr/bin:/bin"}
    revert = [sys.executable, "-m", "openpolicy.cli", "import-runs", "revert", str(report.run_id)]
    done = subprocess.run(revert, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    reverted = documents(imported)
    assert json.loads(reverted[("person", person)][0])["name"] == old_name
    assert all("Renamed Person" not in reverted[key][0].decode() for key in shows)
    rebuild_documents(imported)
    assert documents(imported) == reverted


def test_a_stale_person_document_is_answered_from_the_facts_and_rebuilt_by_the_stale_job(imported: str) -> None:
    person = query(imported, "SELECT id FROM documents WHERE kind = 'person' ORDER BY id LIMIT 1")[0][0]
    stored = documents(imported)[("person", person)][0]

    async def age(url: str) -> None:  # the document says its seat facts changed yesterday
        conn = await asyncpg.connect(to_asyncpg_dsn(url))
        try:
            await conn.execute(
                "UPDATE documents SET detail = '{}', stale_after = current_date - 1 WHERE kind = 'person' AND id = $1",
                person,
            )
        finally:
            await conn.close()

    asyncio.run(age(imported))
    with api_client(imported) as api:
        assert api.get(f"/v1/people/{person}").content == stored  # built from the facts, not the stale bytes
    env = {"DATABASE_URL": imported, "PATH": "/usr/bin:/bin"}
    cli = [sys.executable, "-m", "openpolicy.cli", "documents", "rebuild", "--stale"]
    done = subprocess.run(cli, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "person: 1 documents" in done.stdout
    assert documents(imported)[("person", person)][0] == stored
