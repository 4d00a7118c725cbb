"""The demo data is written by the importers' loader: an import run with a change log, documents, cache
invalidation and an audit event; loading it again changes nothing; another seed replaces it, deletions logged,
and that replacement can be reverted exactly."""

from __future__ import annotations

import asyncio

import redis
from tests.support import temporary_database
from tests.support.ingest import query, scalar, snapshot

from openpolicy.config import load_settings
from openpolicy.db.generations import generation_key
from openpolicy.ingest import demo
from openpolicy.ingest.revert import run_revert


def state(url: str) -> tuple[dict[str, tuple[int, str]], list[tuple[str, ...]], list[tuple[str, str]]]:
    """The public tables as a revert must restore them: the row contents (surrogate ids of person identifiers,
    which a re-created person's identifiers get anew, and the documents' bytes, which show the rows' new
    ``updated_at``, aside), each person's identifiers and which documents exist."""
    tables = snapshot(
        url, skip_tables=frozenset({"change_log", "documents", "person_identifiers"}), skip_columns=("ballots_digest",)
    )
    identifiers = [tuple(r) for r in query(url, "SELECT person_id, scheme, scope, identifier FROM person_identifiers "
                                                "ORDER BY 1, 2, 3, 4")]  # fmt: skip
    documents = [tuple(r) for r in query(url, "SELECT kind, id FROM documents ORDER BY 1, 2")]
    return tables, identifiers, documents


def changes(report: demo.LoadReport) -> int:
    return sum(c["inserted"] + c["updated"] + c["deleted"] for c in report.changes.values())


def test_demo_data_is_an_import_run_and_replaces_itself(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    settings = load_settings(redis_url=redis_url)
    with temporary_database("openpolicy_test_demo_loader") as url:
        first = demo.generate_and_load(url, scale=1, seed=3, settings=settings)
        counts = first.counts
        run = query(url, "SELECT source, status, counts FROM import_runs WHERE id = $1", first.import_run_id)[0]
        assert (run["source"], run["status"]) == (demo.SOURCE, "succeeded")
        assert first.changes["person"]["inserted"] == counts["people"]
        assert first.changes["ballot"]["inserted"] == counts["ballots"] == 500 * demo.SEATS
        logged = dict(
            query(
                url,
                "SELECT entity_type, count(*) FROM change_log WHERE import_run_id = $1 AND operation = 'insert' "
                "GROUP BY 1",
                first.import_run_id,
            )
        )
        assert logged["person"] == counts["people"]
        assert logged["bill"] == counts["bills"] and logged["vote"] == counts["vote_events"]
        assert logged["membership"] == counts["memberships"] and logged["organization"] == counts["organizations"]
        ballots_of_a_vote = scalar(
            url,
            "SELECT json_array_length(data -> 'ballots' -> 'person_id') FROM change_log "
            "WHERE import_run_id = $1 AND entity_type = 'vote' LIMIT 1",
            first.import_run_id,
        )
        assert ballots_of_a_vote == demo.SEATS
        # Sponsors are resolved to people by their member number, as the importers' sponsors are.
        assert scalar(url, "SELECT count(*) FROM bill_sponsorships WHERE person_id IS NULL") == 0
        assert scalar(url, "SELECT count(*) FROM bill_sponsorships") == counts["bill_sponsorships"]
        assert scalar(url, "SELECT count(*) FROM documents WHERE kind = 'person'") == counts["people"]
        assert scalar(url, "SELECT count(*) FROM documents WHERE kind = 'vote'") == counts["vote_events"]
        for resource in ("people", "votes", "bills", "status"):
            assert client.get(generation_key(resource)) == b"1", resource
        audit = query(url, "SELECT action, outcome, target FROM audit_events ORDER BY id")
        assert [(a["action"], a["outcome"]) for a in audit] == [("import", "success")]
        assert audit[0]["target"].startswith("demo:generated: scale=1 seed=3")

        again = demo.generate_and_load(url, scale=1, seed=3, settings=settings)
        assert again.replaced and changes(again) == 0 and again.deleted == dict.fromkeys(again.deleted, 0)
        assert client.get(generation_key("people")) == b"1"  # nothing changed: only the status page
        assert client.get(generation_key("status")) == b"2"

        before = state(url)
        other = demo.generate_and_load(url, scale=1, seed=4, settings=settings)
        assert other.replaced
        assert other.deleted["person"] == counts["people"] and other.deleted["vote"] == counts["vote_events"]
        assert other.changes["person"]["deleted"] == counts["people"]
        deletes = scalar(
            url,
            "SELECT count(*) FROM change_log WHERE import_run_id = $1 AND operation = 'delete'",
            other.import_run_id,
        )
        assert deletes == sum(other.deleted.values())
        for table in ("people", "bills", "vote_events", "ballots", "memberships", "organizations"):
            assert scalar(url, f"SELECT count(*) FROM {table}") == other.counts[table], table
        assert scalar(url, "SELECT count(*) FROM documents WHERE kind = 'person'") == other.counts["people"]
        assert scalar(url, "SELECT count(*) FROM person_identifiers WHERE scope = ''") == other.counts["people"]
        assert client.get(generation_key("people")) == b"2"

        # The replacement is an import run like any other: reverting it gives back the first parliament exactly.
        reverted = asyncio.run(run_revert(settings, other.import_run_id, cascade=False, database_url=url))
        assert reverted.reverted == [other.import_run_id]
        assert state(url) == before
    client.close()
