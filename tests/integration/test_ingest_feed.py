"""The change feed replayed into an empty mirror equals the source tables; /v1/status, /v1/changes, /metrics."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.support import temporary_database
from tests.support.ingest import EP_CANADA, HOC, US_CONGRESS, needs_data, query, run
from tests.support.routers import api_client, assert_problem

pytestmark = needs_data

ENTITY_TABLES = {
    "jurisdiction": "jurisdictions",
    "organization": "organizations",
    "area": "areas",
    "legislative_period": "legislative_periods",
    "session": "sessions",
    "post": "posts",
    "person": "people",
    "membership": "memberships",
    "bill": "bills",
    "vote": "vote_events",
}
# What a mirror must hold identically: every entity table plus the children carried inside the images.
COMPARED = {
    **{table: "id" for table in ENTITY_TABLES.values()},
    "person_identifiers": "person_id, scheme, identifier",
    "vote_counts": "vote_event_id, option, value",
    "ballots": "vote_event_id, ordinal, person_id, voter_name, option",
}


def _us_subset(tmp_path: Path) -> Path:
    folder = tmp_path / "us"
    (folder / "votes").mkdir(parents=True)
    shutil.copy(US_CONGRESS / "congress-legislators" / "legislators-current.yaml", folder)
    for name in ("h2", "h12", "s15", "s1"):  # the Speaker election, a bill passage, the VP tie-break
        (folder / "votes" / name).mkdir()
        shutil.copy(US_CONGRESS / "congress-votes" / "data" / "119" / "votes" / "2025" / name / "data.json",
                    folder / "votes" / name / "data.json")  # fmt: skip
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return folder


@pytest.fixture(scope="module")
def source_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("feed")
    with temporary_database("openpolicy_test_ingest_feed") as url:
        run(url, "popolo", str(EP_CANADA), "ca")
        run(url, "ourcommons", str(HOC))  # merges 190 people into EveryPolitician's: updates in the feed
        run(url, "us-congress", str(_us_subset(tmp)))
        doc = json.loads(EP_CANADA.read_text())
        doc["persons"][3]["email"] = "new@example.org"
        changed = tmp / "ep-popolo-v1.0.json"
        changed.write_text(json.dumps(doc))
        run(url, "popolo", str(changed), "ca")
        yield url


async def _columns(conn: Any, table: str) -> list[str]:
    """The table's columns the feed carries (not generated ones, not the loader's vote_events.ballots_digest)."""
    rows = await conn.fetch(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 "
        "AND is_generated = 'NEVER' AND column_name <> 'ballots_digest' ORDER BY ordinal_position",
        table,
    )
    return [r["column_name"] for r in rows]


async def _apply(url: str, changes: list[dict[str, Any]]) -> None:
    """A minimal mirror client: upsert each image (and its children), delete on delete, in feed order."""
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute("SET session_replication_role = replica")  # keep the feed's timestamps verbatim
        columns = {table: await _columns(conn, table) for table in ENTITY_TABLES.values()}
        async with conn.transaction():
            for change in changes:
                table = ENTITY_TABLES[change["entity_type"]]
                if change["operation"] == "delete":
                    await conn.execute(f"DELETE FROM {table} WHERE id = $1", change["entity_id"])
                    continue
                data = dict(change["data"])
                identifiers = data.pop("identifiers", None) if table == "people" else None
                counts = data.pop("counts", None) if table == "vote_events" else None
                ballots = data.pop("ballots", None) if table == "vote_events" else None
                cols = ", ".join(f'"{c}"' for c in columns[table])
                updates = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in columns[table] if c != "id")
                await conn.execute(
                    f"INSERT INTO {table} ({cols}) SELECT {cols} FROM jsonb_populate_record(NULL::{table}, $1::jsonb) "
                    f"ON CONFLICT (id) DO UPDATE SET {updates}",
                    json.dumps(data),
                )
                if identifiers is not None:
                    await conn.execute("DELETE FROM person_identifiers WHERE person_id = $1", data["id"])
                    await conn.executemany(
                        "INSERT INTO person_identifiers (person_id, scheme, identifier) VALUES ($1, $2, $3)",
                        [(data["id"], i["scheme"], i["identifier"]) for i in identifiers],
                    )
                if counts is not None:
                    await conn.execute("DELETE FROM vote_counts WHERE vote_event_id = $1", data["id"])
                    await conn.executemany(
                        "INSERT INTO vote_counts (vote_event_id, option, value) VALUES ($1, $2, $3)",
                        [(data["id"], option, value) for option, value in counts.items()],
                    )
                if ballots is not None:
                    await conn.execute("DELETE FROM ballots WHERE vote_event_id = $1", data["id"])
                    await conn.executemany(
                        "INSERT INTO ballots (vote_event_id, ordinal, person_id, voter_name, option) "
                        "VALUES ($1, $2, $3, $4, $5)",
                        [
                            (data["id"], *row)
                            for row in zip(
                                ballots["ordinal"],
                                ballots["person_id"],
                                ballots["voter_name"],
                                ballots["option"],
                                strict=True,
                            )
                        ],
                    )
    finally:
        await conn.close()


def _table(url: str, table: str, key: str) -> list[tuple[Any, ...]]:
    if table in ENTITY_TABLES.values():

        async def cols() -> list[str]:
            import asyncpg

            conn = await asyncpg.connect(url)
            try:
                return await _columns(conn, table)
            finally:
                await conn.close()

        selected = ", ".join(f'"{c}"' for c in asyncio.run(cols()))
    else:
        selected = key
    return [tuple(r) for r in query(url, f"SELECT {selected} FROM {table} ORDER BY {key}")]


def test_change_feed_replays_into_an_equal_mirror(source_db: str) -> None:
    changes: list[dict[str, Any]] = []
    with api_client(source_db) as api:
        cursor = "0"
        pages = 0
        while True:
            response = api.get("/v1/changes", params={"after": cursor, "limit": 500})
            assert response.status_code == 200, response.text
            page = response.json()
            changes.extend(page["results"])
            pages += 1
            cursor = page["cursor"]
            if page["pagination"]["next"] is None:
                break
            assert page["pagination"]["next"] == f"/v1/changes?after={cursor}&limit=500"
        assert pages > 1
        ids = [c["id"] for c in changes]
        assert ids == sorted(ids) and len(set(ids)) == len(ids)
        # caught up: the same cursor returns nothing new, and keeps its place
        caught_up = api.get("/v1/changes", params={"after": cursor}).json()
        assert caught_up["results"] == [] and caught_up["cursor"] == cursor
    assert {c["operation"] for c in changes} == {"insert", "update"}
    assert len(changes) == query(source_db, "SELECT count(*) FROM change_log")[0][0]
    with temporary_database("openpolicy_test_ingest_mirror") as mirror:
        asyncio.run(_apply(mirror, changes))
        for table, key in COMPARED.items():
            source_rows = _table(source_db, table, key)
            assert source_rows or table == "posts", table  # no source here has posts
            assert _table(mirror, table, key) == source_rows, table


# The image of a vote as the feed served it when the loader aggregated it in SQL: the reference the loader's
# images (ballots serialised from the rows it wrote, loader._vote_change_log) must equal.
SQL_VOTE_IMAGE = """
    SELECT t.id, to_jsonb(t) - 'search_vector' - 'ballots_digest' || jsonb_build_object(
        'counts', coalesce((SELECT jsonb_object_agg(c.option, c.value) FROM vote_counts c WHERE c.vote_event_id = t.id),
                           '{}'::jsonb),
        'ballots', (SELECT jsonb_build_object(
            'ordinal', coalesce(to_jsonb(array_agg(b.ordinal ORDER BY b.ordinal)), '[]'::jsonb),
            'person_id', coalesce(to_jsonb(array_agg(b.person_id ORDER BY b.ordinal)), '[]'::jsonb),
            'voter_name', coalesce(to_jsonb(array_agg(b.voter_name ORDER BY b.ordinal)), '[]'::jsonb),
            'option', coalesce(to_jsonb(array_agg(b.option ORDER BY b.ordinal)), '[]'::jsonb))
            FROM ballots b WHERE b.vote_event_id = t.id)) AS image
    FROM vote_events t
"""


def assert_vote_images_equal_the_stored_rows(url: str) -> int:
    """Each vote's latest change image equals the SQL image of its stored row, counts and ballots, as jsonb, and
    keeps jsonb's key order (``change_log.data`` is ``json``, stored as written: the feed serves that order)."""
    rows = query(
        url,
        f"""
        WITH latest AS (
            SELECT DISTINCT ON (entity_id) entity_id, data FROM change_log WHERE entity_type = 'vote'
            ORDER BY entity_id, id DESC
        )
        SELECT s.id, l.data::jsonb = s.image AS equal, l.data::text AS logged, s.image::text AS stored
        FROM ({SQL_VOTE_IMAGE}) s JOIN latest l ON l.entity_id = s.id
        """,
    )
    for row in rows:
        assert row["equal"], (row["id"], row["logged"][:300], row["stored"][:300])
        logged, stored = json.loads(row["logged"]), json.loads(row["stored"])
        assert list(logged) == list(stored), row["id"]
        assert list(logged["ballots"]) == list(stored["ballots"]), row["id"]
    return len(rows)


def test_vote_change_images_equal_the_stored_rows(source_db: str) -> None:
    # popolo, ourcommons (people merged into EveryPolitician's: remapped voters) and us-congress votes
    votes = assert_vote_images_equal_the_stored_rows(source_db)
    assert votes == query(source_db, "SELECT count(*) FROM vote_events")[0][0] > 0


def test_changes_filters_and_bad_parameters(source_db: str) -> None:
    with api_client(source_db) as api:
        response = api.get("/v1/changes", params={"types": "bill,vote", "limit": 1000})
        assert response.status_code == 200
        body = response.json()
        assert {c["entity_type"] for c in body["results"]} == {"bill", "vote"}
        votes = [c for c in body["results"] if c["entity_type"] == "vote" and c["data"]["identifier"] == "s15-119.2025"]
        assert len(votes) == 1
        ballots = votes[0]["data"]["ballots"]
        vp = ballots["person_id"].index(None)
        assert (ballots["ordinal"][vp], ballots["voter_name"][vp], ballots["option"][vp]) == (
            50,
            "Vice President",
            "yes",
        )
        assert ballots["person_id"].count(None) == 1 and len(ballots["option"]) == 101
        assert_problem(api.get("/v1/changes", params={"after": "abc"}), 400, "after")
        assert_problem(api.get("/v1/changes", params={"types": "bill,ballot"}), 400, "types")
        assert api.get("/v1/changes", params={"limit": 0}).status_code in {400, 422}


def test_status_freshness_checks_and_metrics(source_db: str) -> None:
    query(
        source_db,
        "UPDATE import_runs SET started_at = started_at - interval '9 days', finished_at = finished_at - interval "
        "'9 days' WHERE source = 'popolo'",
    )
    with api_client(source_db, import_expected_intervals={"popolo": 7 * 86400, "ourcommons": 86400}) as api:
        response = api.get("/v1/status")
        assert response.status_code == 200, response.text
        status = response.json()
        sources = {s["source"]: s for s in status["sources"]}
        assert sources["popolo"]["stale"] is True and sources["popolo"]["age_seconds"] >= 9 * 86400
        assert sources["ourcommons"]["stale"] is False and sources["ourcommons"]["age_seconds"] < 3600
        assert sources["ourcommons"]["expected_interval_seconds"] == 86400
        assert sources["ourcommons"]["last_run"]["status"] == "succeeded"
        assert sources["us-congress"]["last_success"] is not None
        checks = {(c["source"], c["check"]): c for c in status["checks"]}
        overlapping = checks[("ourcommons", "overlapping_seats")]
        assert overlapping["findings"] > 0 and overlapping["examples"][0]["entity_type"] == "person"
        metrics = api.get("/metrics").text
    assert 'openpolicy_import_runs_total{source="popolo",status="succeeded"} 2.0' in metrics
    assert 'openpolicy_import_expected_interval_seconds{source="us-congress"} 86400.0' in metrics
    assert 'openpolicy_import_last_success_timestamp_seconds{source="ourcommons"}' in metrics
    assert 'openpolicy_import_records_total{entity="ballot",outcome="inserted",source="us-congress"}' in metrics
    assert 'openpolicy_data_check_failures{check="overlapping_seats"}' in metrics
    assert 'openpolicy_import_duration_seconds{source="popolo"}' in metrics
