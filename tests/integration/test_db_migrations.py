"""Alembic migrations against the machine's PostgreSQL: empty → head → base → head, models parity, triggers."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import asyncpg
import pytest
from tests.support import create_database, drop_database

from openpolicy.db import migrations
from openpolicy.db.models import Base, normalize_bill_identifier


@pytest.fixture
def blank_database_url() -> Iterator[str]:
    url = create_database("openpolicy_test_db_mig")
    try:
        yield url
    finally:
        drop_database(url)


async def _fetch(url: str, sql: str, *args: object) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(url)
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


def fetch(url: str, sql: str, *args: object) -> list[asyncpg.Record]:
    return asyncio.run(_fetch(url, sql, *args))


def tables(url: str) -> set[str]:
    rows = fetch(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    return {r["tablename"] for r in rows} - {"alembic_version"}


def test_upgrade_downgrade_upgrade(blank_database_url: str) -> None:
    url = blank_database_url
    assert migrations.current_revision(url) is None
    assert tables(url) == set()

    migrations.upgrade(url)
    assert migrations.current_revision(url) == migrations.head_revision()
    assert tables(url) == set(Base.metadata.tables)
    assert migrations.schema_diff(url) == []

    migrations.upgrade(url)  # idempotent
    assert migrations.current_revision(url) == migrations.head_revision()

    migrations.downgrade(url)
    assert migrations.current_revision(url) is None
    assert tables(url) == set()
    functions = fetch(url, "SELECT proname FROM pg_proc WHERE proname = 'openpolicy_set_updated_at'")
    assert functions == []

    migrations.upgrade(url)
    assert migrations.current_revision(url) == migrations.head_revision()
    assert migrations.schema_diff(url) == []


def test_schema_diff_reports_drift(empty_database_url: str) -> None:
    url = empty_database_url
    assert migrations.schema_diff(url) == []
    fetch(url, "DROP INDEX ix_bills_status")
    fetch(url, "ALTER TABLE people ADD COLUMN nickname text")
    diff = [str(d) for d in migrations.schema_diff(url)]
    assert any("ix_bills_status" in d for d in diff), diff
    assert any("nickname" in d for d in diff), diff


def test_updated_at_trigger_generated_columns_and_search(empty_database_url: str) -> None:
    url = empty_database_url
    fetch(
        url,
        "INSERT INTO jurisdictions (id, name, country) VALUES ('ocd-jurisdiction/country:zz/legislature', 'Z', 'zz')",
    )
    fetch(
        url,
        "INSERT INTO sessions (id, jurisdiction_id, identifier, name) "
        "VALUES ('s1', 'ocd-jurisdiction/country:zz/legislature', '1-1', 'First')",
    )
    identifiers = ["C-21", "H.R. 1", "h.res. 24", "S 5"]
    for n, identifier in enumerate(identifiers):
        fetch(
            url,
            "INSERT INTO bills (id, jurisdiction_id, session_id, identifier, title, title_fr) "
            "VALUES ($1, 'ocd-jurisdiction/country:zz/legislature', 's1', $2, $3, $4)",
            f"b{n}",
            identifier,
            "An Act respecting firearms" if n == 0 else f"Appropriations {n}",
            "Loi concernant les armes à feu" if n == 0 else None,
        )
    rows = fetch(url, "SELECT identifier, normalized_identifier FROM bills")
    assert {r["identifier"]: r["normalized_identifier"] for r in rows} == {
        i: normalize_bill_identifier(i) for i in identifiers
    }
    # English stemming, French config and the bill number all reach the bill.
    for query, config in [("firearm", "english"), ("armes", "french"), ("C21", "simple")]:
        found = fetch(url, f"SELECT id FROM bills WHERE search_vector @@ plainto_tsquery('{config}', $1)", query)
        assert [r["id"] for r in found] == ["b0"], query

    fetch(
        url,
        "INSERT INTO people (id, name, sort_name, other_names) VALUES "
        """('p1', 'Jane Doe', 'Doe, Jane', '[{"name": "Janie Roe"}]')""",
    )
    found = fetch(url, "SELECT id FROM people WHERE search_vector @@ plainto_tsquery('simple', 'roe')")
    assert [r["id"] for r in found] == ["p1"]

    before = fetch(url, "SELECT created_at, updated_at FROM people WHERE id = 'p1'")[0]
    assert before["created_at"] == before["updated_at"]
    fetch(url, "UPDATE people SET gender = 'female' WHERE id = 'p1'")
    after = fetch(url, "SELECT created_at, updated_at FROM people WHERE id = 'p1'")[0]
    assert after["created_at"] == before["created_at"]
    assert after["updated_at"] > before["updated_at"]


def test_constraints_reject_bad_rows(empty_database_url: str) -> None:
    url = empty_database_url
    with pytest.raises(asyncpg.CheckViolationError):
        fetch(url, "INSERT INTO organizations (id, name, classification) VALUES ('o', 'O', 'band')")
    with pytest.raises(asyncpg.CheckViolationError):
        fetch(url, "INSERT INTO people (id, name, sort_name, birth_date) VALUES ('p', 'P', 'P', 'yesterday')")
    fetch(url, "INSERT INTO people (id, name, sort_name) VALUES ('p2', 'P', 'P'), ('p3', 'Q', 'Q')")
    fetch(url, "INSERT INTO person_identifiers (person_id, scheme, identifier) VALUES ('p2', 'wikidata', 'Q1')")
    with pytest.raises(asyncpg.UniqueViolationError):
        fetch(url, "INSERT INTO person_identifiers (person_id, scheme, identifier) VALUES ('p3', 'wikidata', 'Q1')")


def test_column_collations_match_the_models(empty_database_url: str) -> None:
    """Alembic's comparison ignores collations: the catalog's per-column collation must equal the models' (e.g.
    ``COLLATE "C"`` on the ballots keys, revision 0005), and everything else uses the database default."""
    rows = fetch(
        empty_database_url,
        """
        SELECT c.relname AS table_name, a.attname AS column_name, co.collname AS collation
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_collation co ON co.oid = a.attcollation
        WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
          AND a.attcollation <> 0 AND c.relname <> 'alembic_version'
        """,
    )
    stored = {(r["table_name"], r["column_name"]): r["collation"] for r in rows}
    declared = {
        (table.name, column.name): getattr(column.type, "collation", None) or "default"
        for table in Base.metadata.tables.values()
        for column in table.columns
        if (table.name, column.name) in stored
    }
    assert declared == stored
    assert stored[("ballots", "vote_event_id")] == stored[("ballots", "person_id")] == "C"
