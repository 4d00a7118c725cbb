"""Demo data: deterministic, realistic, labelled synthetic, ballots matching their published counts."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
from tests.support import temporary_database
from tests.support.ingest import query, scalar

from openpolicy.db.migrations import schema_diff
from openpolicy.ingest import demo


def digest(data: demo.DemoData) -> str:
    h = hashlib.sha256(repr(data.bundle).encode())
    for row in data.ballots():
        h.update(repr(row).encode())
    return h.hexdigest()


def test_generation_is_deterministic_per_seed() -> None:
    assert digest(demo.generate(1, 7)) == digest(demo.generate(1, 7))
    assert digest(demo.generate(1, 7)) != digest(demo.generate(1, 8))


def test_sizes_per_scale() -> None:
    one = demo.generate(1, 1).counts()
    assert 380 <= one["people"] <= 480
    assert one["bills"] == 1000
    assert one["vote_events"] == 500
    assert one["ballots"] == 500 * demo.SEATS
    five = demo.generate(5, 1)
    assert five.ballot_count >= 1_000_000
    assert five.counts()["bills"] == 5000


def test_bad_scale_is_refused() -> None:
    with pytest.raises(demo.DemoDataError, match="--scale"):
        demo.generate(0, 1)


@pytest.fixture(scope="module")
def loaded() -> Iterator[tuple[str, demo.LoadReport]]:
    with temporary_database("openpolicy_test_db_demo") as url:
        report = demo.generate_and_load(url, scale=1, seed=1)
        yield url, report


def test_load_writes_every_row_and_keeps_the_schema_intact(loaded: tuple[str, demo.LoadReport]) -> None:
    url, report = loaded
    assert not report.skipped and not report.replaced
    for table, count in report.counts.items():
        assert scalar(url, f"SELECT count(*) FROM {table}") == count, table
    assert report.counts["ballots"] == 205_000
    assert report.ballots_per_second > 0
    # The ballot keys dropped for the bulk load were re-created exactly as the models define them.
    assert schema_diff(url) == []
    run = query(url, "SELECT source, status, counts FROM import_runs WHERE id = $1", report.import_run_id)[0]
    assert (run["source"], run["status"]) == ("demo", "succeeded")


def test_published_counts_equal_the_ballots(loaded: tuple[str, demo.LoadReport]) -> None:
    url, _ = loaded
    mismatches = scalar(
        url,
        """
        SELECT count(*) FROM (
            SELECT vote_event_id, option, count(*)::int AS n FROM ballots GROUP BY 1, 2
        ) tally
        FULL JOIN vote_counts c USING (vote_event_id, option)
        WHERE tally.n IS DISTINCT FROM c.value
        """,
    )
    assert mismatches == 0
    wrong_results = scalar(
        url,
        """
        SELECT count(*) FROM vote_events v
        JOIN LATERAL (
            SELECT coalesce(sum(value) FILTER (WHERE option = 'yes'), 0) AS yes,
                   coalesce(sum(value) FILTER (WHERE option = 'no'), 0) AS no
            FROM vote_counts WHERE vote_event_id = v.id
        ) c ON true
        WHERE v.result <> CASE WHEN c.yes > c.no THEN 'pass' WHEN c.no > c.yes THEN 'fail' ELSE 'tie' END
        """,
    )
    assert wrong_results == 0
    options = {r["option"] for r in query(url, "SELECT DISTINCT option FROM ballots")}
    assert {"yes", "no", "absent", "paired", "abstain"} <= options


def test_every_ballot_is_cast_by_a_member_seated_that_day(loaded: tuple[str, demo.LoadReport]) -> None:
    url, _ = loaded
    unseated = scalar(
        url,
        """
        SELECT count(*) FROM ballots b JOIN vote_events v ON v.id = b.vote_event_id
        WHERE NOT EXISTS (
            SELECT 1 FROM memberships m
            WHERE m.person_id = b.person_id AND m.organization_id = v.organization_id
              AND m.start_date <= v.start_date AND (m.end_date IS NULL OR m.end_date >= v.start_date)
        )
        """,
    )
    assert unseated == 0
    per_vote = {r[0] for r in query(url, "SELECT count(*) FROM ballots GROUP BY vote_event_id")}
    assert per_vote == {demo.SEATS}


def test_bill_votes_agree_with_the_bill_history(loaded: tuple[str, demo.LoadReport]) -> None:
    url, _ = loaded
    rows = query(
        url,
        """
        SELECT v.result, a.description FROM vote_events v
        JOIN bill_actions a ON a.bill_id = v.bill_id AND a.date = v.start_date
             AND a.classification && ARRAY['reading-2', 'reading-3']
        """,
    )
    assert len(rows) > 100
    for row in rows:
        assert (row["result"] == "pass") == ("negatived" not in row["description"]), row


def test_realistic_and_labelled_synthetic(loaded: tuple[str, demo.LoadReport]) -> None:
    url, _ = loaded
    jurisdiction = query(url, "SELECT name, extras FROM jurisdictions")[0]
    assert "(synthetic)" in jurisdiction["name"]
    assert '"synthetic": true' in jurisdiction["extras"]
    assert scalar(url, "SELECT count(*) FROM people WHERE NOT (extras @> '{\"synthetic\": true}')") == 0
    parties = query(url, "SELECT name, color FROM organizations WHERE classification = 'party'")
    assert len(parties) == len(demo.PARTIES) and all(p["color"] for p in parties)
    assert scalar(url, "SELECT count(*) FROM organizations WHERE classification = 'committee'") == 12
    assert scalar(url, "SELECT count(*) FROM organizations WHERE classification = 'subcommittee'") >= 1
    current = scalar(
        url,
        "SELECT count(*) FROM memberships m JOIN organizations o ON o.id = m.organization_id "
        "WHERE o.classification = 'chamber' AND m.end_date IS NULL",
    )
    assert current == demo.SEATS  # every seat held today
    past = scalar(url, "SELECT count(DISTINCT person_id) FROM memberships WHERE end_date IS NOT NULL")
    assert past > 200
    chairs = scalar(url, "SELECT count(*) FROM memberships WHERE role = 'chair' AND end_date IS NULL")
    assert chairs >= 12
    assert (
        scalar(
            url, "SELECT count(*) FROM bills b WHERE NOT EXISTS (SELECT 1 FROM bill_actions a WHERE a.bill_id = b.id)"
        )
        == 0
    )
    assert (
        scalar(
            url,
            "SELECT count(*) FROM bills b WHERE NOT EXISTS "
            "(SELECT 1 FROM bill_sponsorships s WHERE s.bill_id = b.id AND s.primary)",
        )
        == 0
    )
    statuses = {r[0] for r in query(url, "SELECT DISTINCT status FROM bills")}
    assert {"first reading", "enacted", "defeated"} <= statuses
    assert scalar(url, "SELECT count(*) FROM bills WHERE cardinality(subjects) = 0") == 0
    firearms = scalar(url, "SELECT count(*) FROM bills WHERE subjects @> ARRAY['Firearms']")
    assert firearms > 0
    assert scalar(url, "SELECT count(*) FROM bills WHERE search_vector @@ plainto_tsquery('french', 'loi')") > 0
    # Birth names (other_names) are searchable like names.
    birth = query(url, "SELECT id, other_names->0->>'name' AS n FROM people WHERE other_names <> '[]' LIMIT 1")[0]
    family = birth["n"].split()[-1]
    found = query(url, "SELECT id FROM people WHERE search_vector @@ plainto_tsquery('simple', $1)", family)
    assert birth["id"] in {r["id"] for r in found}


def test_reload_replaces_and_leaves_other_data_alone() -> None:
    with temporary_database("openpolicy_test_db_demo_re") as url:
        query(
            url,
            "INSERT INTO jurisdictions (id, name, country) "
            "VALUES ('ocd-jurisdiction/country:ca/legislature', 'Canada', 'ca')",
        )
        query(url, "INSERT INTO people (id, name, sort_name) VALUES ('ocd-person/real', 'Real Person', 'Person, Real')")
        query(
            url,
            "INSERT INTO vote_events (id, jurisdiction_id, motion_text, start_date, result) "
            "VALUES ('ocd-vote/real', 'ocd-jurisdiction/country:ca/legislature', 'Real motion', '2024-01-01', 'pass')",
        )
        query(url, "INSERT INTO ballots VALUES ('ocd-vote/real', 0, 'ocd-person/real', 'Real Person', 'yes')")

        skipped = demo.generate_and_load(url, scale=1, seed=2, if_empty=True)
        assert skipped.skipped
        assert scalar(url, "SELECT count(*) FROM bills") == 0

        first = demo.generate_and_load(url, scale=1, seed=2)
        again = demo.generate_and_load(url, scale=1, seed=2)
        assert not first.replaced and again.replaced
        assert scalar(url, "SELECT count(*) FROM ballots") == first.counts["ballots"] + 1
        assert scalar(url, "SELECT count(*) FROM people") == first.counts["people"] + 1
        assert scalar(url, "SELECT option FROM ballots WHERE vote_event_id = 'ocd-vote/real'") == "yes"
        assert scalar(url, "SELECT count(*) FROM jurisdictions") == 2


def test_unmigrated_database_is_refused() -> None:
    with temporary_database("openpolicy_test_db_demo_nomig", migrate=False) as url:
        with pytest.raises(demo.DemoDataError, match="openpolicy migrate"):
            demo.generate_and_load(url, scale=1, seed=1)
        with pytest.raises(demo.DemoDataError, match="openpolicy migrate"):
            demo.generate_and_load(url, scale=1, seed=1, if_empty=True)
