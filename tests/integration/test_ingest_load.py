"""Imports of the real files into real PostgreSQL: counts, cross-source identity, idempotence, failures."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.integration.test_ingest_feed import assert_vote_images_equal_the_stored_rows
from tests.support import OPENPOLICY, temporary_database
from tests.support.ingest import (
    EP_CANADA,
    HOC,
    US_CONGRESS,
    assert_fails,
    needs_data,
    query,
    run,
    scalar,
    snapshot,
)

pytestmark = needs_data


@pytest.fixture(scope="module")
def loaded() -> Iterator[str]:
    """One database with EveryPolitician Canada, the House of Commons bundle and US Congress imported."""
    with temporary_database("openpolicy_test_ingest") as url:
        run(url, "popolo", str(EP_CANADA), "ca")
        run(url, "ourcommons", str(HOC))
        run(url, "us-congress", str(US_CONGRESS))
        yield url


def test_counts_equal_the_sources(loaded: str) -> None:
    us = "ocd-jurisdiction/country:us/legislature"
    ca = "ocd-jurisdiction/country:ca/legislature"
    assert scalar(loaded, "SELECT count(*) FROM vote_events WHERE jurisdiction_id = $1", us) == 250
    assert (
        scalar(
            loaded,
            "SELECT count(*) FROM ballots b JOIN vote_events v ON v.id = b.vote_event_id WHERE jurisdiction_id = $1",
            us,
        )
        == 58264
    )
    # 537 legislators (bioguide ids) + 16 voters missing from legislators-current.yaml (13 House, 3 Senate)
    assert scalar(loaded, "SELECT count(*) FROM person_identifiers WHERE scheme = 'bioguide'") == 537 + 13
    assert scalar(loaded, "SELECT count(*) FROM people WHERE extras ? 'from_votes'") == 16
    assert (
        scalar(
            loaded,
            "SELECT count(*) FROM memberships m JOIN organizations o ON o.id = m.organization_id "
            "WHERE o.jurisdiction_id = $1 AND o.classification = 'chamber'",
            us,
        )
        == 2792 + 2  # two terms split in two by party_affiliations
    )
    assert (
        scalar(
            loaded,
            "SELECT count(*) FROM organizations WHERE jurisdiction_id = $1 AND classification = 'subcommittee'",
            us,
        )
        == 181
    )
    # EveryPolitician Canada: 541 people, 661 memberships, 458 areas (its own ids: scheme popolo, scoped to the file)
    assert scalar(loaded, "SELECT count(*) FROM person_identifiers WHERE scheme = 'popolo'") == 541
    assert (
        scalar(
            loaded,
            "SELECT count(*) FROM memberships WHERE legislative_period_id IN "
            "(SELECT id FROM legislative_periods WHERE jurisdiction_id = $1 AND identifier IN ('41', '42'))",
            ca,
        )
        == 661
    )
    # House of Commons: 408 divisions with their published counts, 89 bills, 339 PersonIds
    assert scalar(loaded, "SELECT count(*) FROM vote_events WHERE jurisdiction_id = $1", ca) == 408
    assert scalar(loaded, "SELECT count(*) FROM bills WHERE jurisdiction_id = $1", ca) == 89
    assert scalar(loaded, "SELECT count(*) FROM person_identifiers WHERE scheme = 'ourcommons'") == 339
    c21 = query(
        loaded,
        "SELECT c.option, c.value FROM vote_counts c JOIN vote_events v ON v.id = c.vote_event_id "
        "WHERE v.jurisdiction_id = $1 AND v.identifier = '408' ORDER BY c.option",
        ca,
    )
    assert [tuple(r) for r in c21] == [("no", 113), ("paired", 2), ("yes", 208)]


def test_cross_source_join_is_one_person(loaded: str) -> None:
    # 190 House PersonIds equal an EveryPolitician `represent` id: those are the same person rows.
    joined = scalar(
        loaded,
        "SELECT count(DISTINCT a.person_id) FROM person_identifiers a JOIN person_identifiers b "
        "ON a.person_id = b.person_id WHERE a.scheme = 'ourcommons' AND b.scheme = 'popolo'",
    )
    assert joined == 190
    # 541 EveryPolitician people + 344 House people − 190 shared = 695 Canadian people
    assert (
        scalar(
            loaded,
            "SELECT count(DISTINCT person_id) FROM person_identifiers WHERE scheme IN ('popolo', 'ourcommons', "
            "'ourcommons-seat')",
        )
        == 541 + 344 - 190
    )
    trudeau = query(
        loaded,
        "SELECT p.name, p.email, array_agg(DISTINCT lp.identifier ORDER BY lp.identifier) AS terms FROM people p "
        "JOIN person_identifiers i ON i.person_id = p.id AND i.scheme = 'ourcommons' AND i.identifier = '58733' "
        "JOIN memberships m ON m.person_id = p.id JOIN legislative_periods lp ON lp.id = m.legislative_period_id "
        "GROUP BY p.id",
    )
    assert len(trudeau) == 1
    assert trudeau[0]["name"] == "Justin Trudeau"
    assert trudeau[0]["email"] == "justin.trudeau@parl.gc.ca"  # from EveryPolitician, kept when the House data came
    assert trudeau[0]["terms"] == ["42", "44"]  # term 42 from EveryPolitician, the 44th Parliament from the House


def test_reimport_changes_nothing(loaded: str) -> None:
    before = snapshot(loaded)
    changes_before = scalar(loaded, "SELECT count(*) FROM change_log")
    for source, location, jurisdiction in (
        ("popolo", str(EP_CANADA), "ca"),
        ("ourcommons", str(HOC), None),
        ("us-congress", str(US_CONGRESS), None),
    ):
        report = run(loaded, source, location, jurisdiction)
        assert report.changes == 0, (source, report.counts)
        assert report.counts["person"]["unchanged"] > 0
    assert snapshot(loaded) == before
    assert scalar(loaded, "SELECT count(*) FROM change_log") == changes_before
    runs = query(loaded, "SELECT source, status, counts FROM import_runs ORDER BY id DESC LIMIT 3")
    assert all(r["status"] == "succeeded" for r in runs)
    counts = json.loads(runs[0]["counts"])
    assert counts["ballot"] == {"inserted": 0, "updated": 0, "unchanged": 58264, "deleted": 0}


def test_change_in_source_updates_only_that_row(loaded: str, tmp_path: Path) -> None:
    doc = json.loads(EP_CANADA.read_text())
    doc["persons"][0]["email"] = "changed@example.org"
    changed = tmp_path / "ep-popolo-v1.0.json"
    changed.write_text(json.dumps(doc))
    before = scalar(loaded, "SELECT max(id) FROM change_log")
    report = run(loaded, "popolo", str(changed), "ca")
    assert report.counts["person"]["updated"] == 1 and report.changes == 1
    entries = query(loaded, "SELECT entity_type, operation, data FROM change_log WHERE id > $1", before)
    assert [(e["entity_type"], e["operation"]) for e in entries] == [("person", "update")]
    assert json.loads(entries[0]["data"])["email"] == "changed@example.org"
    run(loaded, "popolo", str(EP_CANADA), "ca")  # back to the original for the other tests


def _copy_tree(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest)
    for path in [dest, *dest.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    return dest


def _failed_run(url: str) -> dict[str, object]:
    row = query(url, "SELECT status, error, finished_at FROM import_runs ORDER BY id DESC LIMIT 1")[0]
    return dict(row)


def test_bad_inputs_fail_clearly_and_change_nothing(loaded: str, tmp_path: Path) -> None:
    before = snapshot(loaded)
    findings = scalar(loaded, "SELECT count(*) FROM data_check_results")
    # 1. truncated JSON
    truncated = tmp_path / "ep-popolo-v1.0.json"
    data = EP_CANADA.read_bytes()
    truncated.write_bytes(data[: len(data) * 2 // 3])
    message = assert_fails(
        lambda: run(loaded, "popolo", str(truncated), "ca"), str(truncated), "truncated JSON", "line"
    )
    assert _failed_run(loaded)["error"] == message
    # 2. CSV with a missing column
    folder = _copy_tree(HOC, tmp_path / "hoc")
    csv_path = folder / "ourcommons-divisions-44-1" / "MetaDataVotes.csv"
    csv_path.write_text(csv_path.read_text(encoding="utf-8").replace('"DecisionDivisionNumberOfNays"', '"Nays"', 1))
    assert_fails(
        lambda: run(loaded, "ourcommons", str(folder)), str(csv_path), "record header", "DecisionDivisionNumberOfNays"
    )
    # 3. a vote pointing at an unknown person
    doc = json.loads(EP_CANADA.read_text())
    doc["vote_events"] = [{"id": "division-1", "start_date": "2015-12-10", "result": "pass"}]
    doc["votes"] = [
        {"vote_event_id": "division-1", "voter_id": doc["persons"][0]["id"], "option": "yes"},
        {"vote_event_id": "division-1", "voter_id": "no-such-person", "option": "no"},
    ]
    dangling = tmp_path / "votes.json"
    dangling.write_text(json.dumps(doc))
    assert_fails(lambda: run(loaded, "popolo", str(dangling), "ca"), str(dangling), "votes[1]", "voter_id", "no-such")
    # 3b. a bad nested ballot after a new person and vote: the ballot rows are built while the load runs (in its
    # transaction), and the failure still names file, record and field and leaves nothing behind
    doc = json.loads(EP_CANADA.read_text())
    doc["persons"].append({"id": "new-person", "name": "New Person"})
    doc["vote_events"] = [
        {"id": "division-2", "start_date": "2015-12-11", "result": "pass",
         "votes": [{"voter_id": "new-person", "option": "yes"}, {"voter_id": "new-person", "option": "maybe"}]}
    ]  # fmt: skip
    doc.pop("votes", None)
    bad_option = tmp_path / "bad-option.json"
    bad_option.write_text(json.dumps(doc))
    assert_fails(
        lambda: run(loaded, "popolo", str(bad_option), "ca"),
        str(bad_option),
        "vote_events[0] (id 'division-2') votes[1]",
        "option",
        "maybe",
    )
    # 4. a database-level failure inside the transaction (after rows were written) rolls everything back
    doc = json.loads(EP_CANADA.read_text())
    doc["persons"][1]["identifiers"].append(doc["persons"][0]["identifiers"][1])  # two people, one id
    clash = tmp_path / "clash.json"
    clash.write_text(json.dumps(doc))
    assert_fails(lambda: run(loaded, "popolo", str(clash), "ca"), "shares represent=54434 with persons[0]")
    assert snapshot(loaded) == before
    assert scalar(loaded, "SELECT count(*) FROM data_check_results") == findings
    statuses = query(loaded, "SELECT status, finished_at IS NOT NULL AS done FROM import_runs ORDER BY id DESC LIMIT 4")
    assert [(r["status"], r["done"]) for r in statuses] == [("failed", True)] * 4
    assert scalar(loaded, "SELECT count(*) FROM people WHERE name = 'New Person'") == 0


def test_cli_exit_codes_and_messages(loaded: str, tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": loaded}
    env.pop("REDIS_URL", None)
    bad = tmp_path / "ep-popolo-v1.0.json"
    bad.write_text(
        '{"persons": [{"id": "x", "name": "Ann"}], "memberships": [{"person_id": "y", "organization_id": "z"}]}'
    )
    done = subprocess.run(
        [OPENPOLICY, "import", "popolo", str(bad), "--jurisdiction", "ca"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"{bad}: record memberships[0]: field 'person_id': unknown person 'y'" in done.stderr
    done = subprocess.run(
        [OPENPOLICY, "import", "ourcommons", str(HOC / "ourcommons-members")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "import run" in done.stdout and "data checks:" in done.stdout
    assert "[import" in done.stderr  # plain progress lines when not on a terminal
    done = subprocess.run([OPENPOLICY, "import", "nosuch", str(bad)], env=env, capture_output=True, text=True)
    assert done.returncode == 2 and "unknown source" in done.stderr
    done = subprocess.run([OPENPOLICY, "import-runs", "--limit", "3"], env=env, capture_output=True, text=True)
    assert done.returncode == 0 and "freshness ourcommons" in done.stdout


def test_data_checks_are_stored(loaded: str) -> None:
    rows = query(
        loaded,
        "SELECT d.check_name, count(*) AS n FROM data_check_results d JOIN import_runs r ON r.id = d.import_run_id "
        "WHERE r.id = (SELECT max(id) FROM import_runs WHERE source = 'ourcommons' AND status = 'succeeded') "
        "GROUP BY d.check_name",
    )
    found = {r["check_name"]: r["n"] for r in rows}
    # EveryPolitician's 2015 snapshot leaves term 42 open, so MPs re-elected in 2021 hold two seats at once.
    assert found.get("overlapping_seats", 0) > 0
    assert "ballots_vs_counts" not in found


def test_ballot_count_mismatch_is_found(tmp_path: Path) -> None:
    doc = json.loads(EP_CANADA.read_text())
    people = [p["id"] for p in doc["persons"][:3]]
    doc["vote_events"] = [
        {"id": "d1", "start_date": "2015-12-10", "result": "passed",
         "counts": [{"option": "yes", "value": 3}, {"option": "no", "value": 0}],
         "votes": [{"voter_id": people[0], "option": "yes"}, {"voter_id": people[1], "option": "yes"},
                   {"voter_id": people[2], "option": "no"}]},
    ]  # fmt: skip
    path = tmp_path / "votes.json"
    path.write_text(json.dumps(doc))
    with temporary_database("openpolicy_test_ingest_chk") as url:
        report = run(url, "popolo", str(path), "ca")
        assert report.checks["ballots_vs_counts"] == 1
        message = scalar(url, "SELECT message FROM data_check_results WHERE check_name = 'ballots_vs_counts'")
        assert "no 1 ballots vs 0 counted" in message and "yes 2 ballots vs 3 counted" in message


def test_import_invalidates_the_api_cache_and_is_audited(redis_url: str, tmp_path: Path) -> None:
    import redis
    from tests.support import free_port

    from openpolicy.db.generations import generation_key

    client = redis.Redis.from_url(redis_url)
    folder = tmp_path / "members"
    shutil.copytree(HOC / "ourcommons-members", folder)
    with temporary_database("openpolicy_test_ingest_cache") as url:
        run(url, "ourcommons", str(folder), redis_url=redis_url)
        assert client.get(generation_key("people")) == b"1"
        assert client.get(generation_key("areas")) == b"1"
        assert client.get(generation_key("status")) == b"1"
        assert client.get(generation_key("bills")) == b"1"  # people changed: their votes/sponsorships pages too
        run(url, "ourcommons", str(folder), redis_url=redis_url)  # nothing changed: only the status page
        assert client.get(generation_key("people")) == b"1"
        assert client.get(generation_key("status")) == b"2"
        # Redis down: the import still succeeds (the failure is logged; cached answers age out)
        report = run(url, "ourcommons", str(folder), redis_url=f"redis://127.0.0.1:{free_port()}/0")
        assert report.changes == 0
        audit = query(url, "SELECT action, target, outcome, details FROM audit_events ORDER BY id")
        assert [(a["action"], a["outcome"]) for a in audit] == [("import", "success")] * 3
        assert audit[0]["target"] == f"ourcommons:{folder}"
        assert json.loads(audit[0]["details"])["run_id"] == 1
    client.close()


def test_progress_bars_on_a_terminal(loaded: str) -> None:
    import pty

    env = {**os.environ, "DATABASE_URL": loaded, "COLUMNS": "120", "TERM": "xterm"}
    env.pop("REDIS_URL", None)
    primary, secondary = pty.openpty()
    proc = subprocess.Popen(
        [OPENPOLICY, "import", "ourcommons", str(HOC / "ourcommons-members")],
        env=env,
        stdin=secondary,
        stdout=secondary,
        stderr=secondary,
        close_fds=True,
    )
    os.close(secondary)
    output = b""
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
    os.close(primary)
    assert proc.wait(120) == 0, output.decode(errors="replace")
    text = output.decode(errors="replace")
    assert "━" in text  # Rich's bar
    assert "[import " not in text  # no plain log lines on a terminal
    assert "import run" in text


def test_members_xml_alone_joins_by_constituency(loaded: str, tmp_path: Path) -> None:
    # The members XML has no PersonId: its members are matched to the people holding those seats.
    people = scalar(loaded, "SELECT count(*) FROM people")
    folder = tmp_path / "members"
    shutil.copytree(HOC / "ourcommons-members", folder)
    report = run(loaded, "ourcommons", str(folder))
    assert report.counts["person"]["inserted"] == 0
    assert scalar(loaded, "SELECT count(*) FROM people") == people
    aboultaif = query(
        loaded,
        "SELECT array_agg(i.scheme ORDER BY i.scheme) AS schemes FROM person_identifiers i WHERE i.person_id = "
        "(SELECT person_id FROM person_identifiers WHERE scheme = 'ourcommons' AND identifier = '89156')",
    )[0]["schemes"]
    assert {"ourcommons", "represent", "ourcommons-seat", "popolo"} <= set(aboultaif)
    # the seats are the caucus file's seats (same ids), not copies: at most the caucus changers differ
    assert report.counts["membership"]["inserted"] <= 3


def _synthetic_votes(path: Path, prefix: str, members: int, votes: int) -> int:
    """A Popolo file with ``votes`` × ``members`` ballots (SYNTHETIC test data); returns the ballot count."""
    doc = {
        "persons": [{"id": f"p{i}", "name": f"Synthetic Member {i}"} for i in range(members)],
        "organizations": [{"id": "house", "name": "Synthetic House", "classification": "legislature"}],
        "vote_events": [
            {"id": f"{prefix}{v}", "organization_id": "house", "start_date": "2021-03-01", "result": "passed",
             "counts": [{"option": "yes", "value": members}],
             "votes": [{"voter_id": f"p{i}", "option": "yes"} for i in range(members)]}
            for v in range(votes)
        ],
    }  # fmt: skip
    path.write_text(json.dumps(doc))
    return members * votes


def _ballot_keys(url: str) -> list[str]:
    return [
        row[0]
        for row in query(url, "SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = 'ballots'::regclass")
    ]


def test_bulk_ballot_load_rebuilds_the_keys_and_a_failure_restores_them(tmp_path: Path) -> None:
    """From BULK_BALLOTS new ballots (≥ the stored ones) the ballots keys are dropped, COPY-ed, rebuilt."""
    import asyncpg

    from openpolicy.ingest.jurisdictions import national
    from openpolicy.ingest.loader import BULK_BALLOTS, Loader
    from openpolicy.ingest.sources import popolo

    first, second = tmp_path / "first.json", tmp_path / "second.json"
    assert _synthetic_votes(first, "a", 100, 520) >= BULK_BALLOTS
    assert _synthetic_votes(second, "b", 100, 530) >= BULK_BALLOTS
    with temporary_database("openpolicy_test_ingest_bulk") as url:
        keys = _ballot_keys(url)
        assert len(keys) == 2 and any("pk_ballots" in k for k in keys)
        # A bad ballot in the last vote of the file: the import builds the ballot rows as it COPYs them (keys
        # dropped, foreign-key triggers off), so the error comes in the middle of that COPY; the run fails naming
        # file, record and field, and the rollback leaves the keys and every table as they were.
        bad = tmp_path / "bad.json"
        _synthetic_votes(bad, "a", 100, 520)
        doc = json.loads(bad.read_text())
        doc["vote_events"][-1]["votes"][-1]["option"] = "maybe"
        bad.write_text(json.dumps(doc))
        before = snapshot(url)
        assert_fails(
            lambda: run(url, "popolo", str(bad), "nz"), str(bad), "vote_events[519] (id 'a519') votes[99]", "option"
        )
        assert snapshot(url) == before
        assert sorted(_ballot_keys(url)) == sorted(keys)
        report = run(url, "popolo", str(first), "nz")
        assert report.counts["ballot"]["inserted"] == 52_000
        assert sorted(_ballot_keys(url)) == sorted(keys)
        assert scalar(url, "SELECT count(*) FROM ballots") == 52_000
        # The keys really are enforced again: a duplicate ballot is refused.
        with pytest.raises(asyncpg.UniqueViolationError):
            query(url, "INSERT INTO ballots SELECT * FROM ballots LIMIT 1")

        # A second large load whose rows violate the rebuilt primary key (two ballots with one ordinal, an input
        # no parser produces, built here on purpose): the rebuild fails after the COPY, and the rollback leaves
        # the keys, the ballots and everything else as they were.
        bundle = popolo.parse([second], national("zz", "Test legislature"))
        bundle.ballots.append(bundle.ballots[0])
        before = snapshot(url)

        async def load() -> None:
            conn = await asyncpg.connect(url)
            try:
                async with conn.transaction():
                    await Loader(conn, None).load(bundle)
            finally:
                await conn.close()

        with pytest.raises(asyncpg.UniqueViolationError, match='could not create unique index "pk_ballots"'):
            asyncio.run(load())
        assert snapshot(url) == before
        assert sorted(_ballot_keys(url)) == sorted(keys)
        assert scalar(url, "SELECT count(*) FROM ballots") == 52_000

        # The same load without the duplicate succeeds.
        bundle.ballots.pop()
        asyncio.run(load())
        assert scalar(url, "SELECT count(*) FROM ballots") == 52_000 + 53_000
        assert sorted(_ballot_keys(url)) == sorted(keys)
        assert assert_vote_images_equal_the_stored_rows(url) == 520 + 530


def test_vote_change_images_after_ballots_change(tmp_path: Path) -> None:
    """A re-import that changes, removes and adds ballots of stored votes (the synchronised path, not the bulk
    COPY): the votes' change images, built from the loaded rows, equal the stored rows; the data check
    counts the ballots as stored."""
    path = tmp_path / "votes.json"
    _synthetic_votes(path, "v", 6, 4)
    with temporary_database("openpolicy_test_ingest_images") as url:
        run(url, "popolo", str(path), "nz")
        assert assert_vote_images_equal_the_stored_rows(url) == 4
        doc = json.loads(path.read_text())
        doc["vote_events"][0]["votes"][2]["option"] = "no"  # changed
        del doc["vote_events"][1]["votes"][5]  # removed (the published count now disagrees)
        doc["vote_events"][2]["votes"].append({"voter_id": "p0", "option": "absent"})  # added
        doc["vote_events"][3]["votes"] = []  # all removed: not checked against its counts
        path.write_text(json.dumps(doc))
        report = run(url, "popolo", str(path), "nz")
        assert report.counts["ballot"] == {"inserted": 1, "updated": 1, "unchanged": 16, "deleted": 7}
        assert report.counts["vote"]["updated"] == 4
        assert assert_vote_images_equal_the_stored_rows(url) == 4
        emptied = scalar(
            url,
            "SELECT c.data->'ballots' FROM change_log c JOIN vote_events v ON v.id = c.entity_id "
            "WHERE v.identifier = 'v3' ORDER BY c.id DESC LIMIT 1",
        )
        assert json.loads(emptied) == {"ordinal": [], "person_id": [], "voter_name": [], "option": []}
        findings = query(
            url,
            "SELECT entity_id, details FROM data_check_results WHERE import_run_id = $1 ORDER BY entity_id",
            report.run_id,
        )
        details = sorted((json.loads(f["details"]) for f in findings), key=json.dumps)
        assert details == [  # changed, removed, added; not the emptied one
            {"absent": {"ballots": 1, "counted": 0}},
            {"no": {"ballots": 1, "counted": 0}, "yes": {"ballots": 5, "counted": 6}},
            {"yes": {"ballots": 5, "counted": 6}},
        ]


def _digests(url: str) -> dict[str, bytes | None]:
    return {
        r["identifier"]: r["ballots_digest"] for r in query(url, "SELECT identifier, ballots_digest FROM vote_events")
    }


def _stamps(url: str) -> dict[str, object]:
    return {r["identifier"]: r["updated_at"] for r in query(url, "SELECT identifier, updated_at FROM vote_events")}


def test_reimport_skips_unchanged_votes_by_digest_and_applies_one_changed_ballot(tmp_path: Path) -> None:
    """Votes whose stored ballots digest equals the input's are not staged; the one vote with one changed ballot
    is synchronised, counted and logged exactly as a full compare would."""
    from openpolicy.ingest import runs

    path = tmp_path / "votes.json"
    _synthetic_votes(path, "d", 6, 4)
    with temporary_database("openpolicy_test_ingest_digest") as url:
        run(url, "popolo", str(path), "nz")
        digests, stamps = _digests(url), _stamps(url)
        assert len(digests) == 4 and all(d is not None and len(d) == 16 for d in digests.values())
        assert len(set(digests.values())) == 4
        log_before = scalar(url, "SELECT max(id) FROM change_log")

        staged: list[int] = []

        class Capture(runs.Reporter):
            def advance(self, name: str, amount: int) -> None:
                if name == "ballot-staged":
                    staged.append(amount)

        def reimport() -> object:
            from openpolicy.config import load_settings

            staged.clear()
            return runs.run_import(
                load_settings(database_url=url), "popolo", str(path), jurisdiction="nz", reporter=Capture()
            )

        report: Any = reimport()
        assert report.changes == 0, report.counts
        assert report.counts["ballot"] == {"inserted": 0, "updated": 0, "unchanged": 24, "deleted": 0}
        assert staged == [0]  # nothing staged: every digest matched
        assert _digests(url) == digests and _stamps(url) == stamps
        assert scalar(url, "SELECT max(id) FROM change_log") == log_before

        doc = json.loads(path.read_text())
        doc["vote_events"][1]["votes"][3]["option"] = "no"
        path.write_text(json.dumps(doc))
        report = reimport()
        assert staged == [6]  # only the changed vote's ballots
        assert report.counts["ballot"] == {"inserted": 0, "updated": 1, "unchanged": 23, "deleted": 0}
        assert report.counts["vote"]["updated"] == 1 and report.changes == 2
        assert scalar(url, "SELECT option FROM ballots WHERE vote_event_id = (SELECT id FROM vote_events "
                           "WHERE identifier = 'd1') AND ordinal = 3") == "no"  # fmt: skip
        entries = query(url, "SELECT entity_type, operation, data FROM change_log WHERE id > $1", log_before)
        assert [(e["entity_type"], e["operation"]) for e in entries] == [("vote", "update")]
        image = json.loads(entries[0]["data"])
        assert image["identifier"] == "d1" and "ballots_digest" not in image
        assert image["ballots"]["option"] == ["yes", "yes", "yes", "no", "yes", "yes"]
        assert assert_vote_images_equal_the_stored_rows(url) == 4
        after = _digests(url)
        assert after["d1"] not in (None, digests["d1"])
        assert {k: v for k, v in after.items() if k != "d1"} == {k: v for k, v in digests.items() if k != "d1"}
        stamps_after = _stamps(url)
        assert stamps_after["d1"] != stamps["d1"]
        assert {k: v for k, v in stamps_after.items() if k != "d1"} == {k: v for k, v in stamps.items() if k != "d1"}
        findings = query(url, "SELECT entity_id FROM data_check_results WHERE import_run_id = $1", report.run_id)
        assert len(findings) == 1  # the changed vote's ballots now disagree with its published counts

        report = reimport()  # the same changed file again: nothing to do
        assert report.changes == 0 and staged == [0]


def test_ballots_changed_by_another_writer_are_synced(tmp_path: Path) -> None:
    """Any write to ballots outside the loader (SQL, a person's deletion, TRUNCATE) resets the votes' digests
    (triggers of revision 0007), so the next import synchronises them instead of skipping them."""
    path = tmp_path / "votes.json"
    _synthetic_votes(path, "w", 6, 4)
    with temporary_database("openpolicy_test_ingest_digest_writers") as url:
        run(url, "popolo", str(path), "nz")
        ballots = "SELECT * FROM ballots ORDER BY vote_event_id, ordinal"
        original = [tuple(r) for r in query(url, ballots)]
        stamps = _stamps(url)
        vote = "(SELECT id FROM vote_events WHERE identifier = $1)"

        query(url, f"UPDATE ballots SET option = 'no' WHERE vote_event_id = {vote} AND ordinal = 0", "w0")
        query(url, f"DELETE FROM ballots WHERE vote_event_id = {vote} AND ordinal = 5", "w1")
        query(url, f"INSERT INTO ballots SELECT vote_event_id, 9, person_id, voter_name, option FROM ballots "
                   f"WHERE vote_event_id = {vote} AND ordinal = 0", "w2")  # fmt: skip
        digests = _digests(url)
        assert [digests[k] is None for k in ("w0", "w1", "w2", "w3")] == [True, True, True, False]
        assert _stamps(url) == stamps  # resetting the digest is not a change of the vote
        report = run(url, "popolo", str(path), "nz")
        assert report.counts["ballot"] == {"inserted": 1, "updated": 1, "unchanged": 22, "deleted": 1}
        assert report.counts["vote"]["updated"] == 3
        assert all(d is not None for d in _digests(url).values())
        assert assert_vote_images_equal_the_stored_rows(url) == 4
        assert [tuple(r) for r in query(url, ballots)] == original

        # A deleted person: ballots.person_id SET NULL by the foreign key, which resets the digests too.
        query(url, "DELETE FROM people WHERE id = (SELECT person_id FROM ballots WHERE person_id IS NOT NULL LIMIT 1)")
        assert all(d is None for d in _digests(url).values())
        report = run(url, "popolo", str(path), "nz")
        assert report.counts["person"]["inserted"] == 1 and report.counts["ballot"]["updated"] == 4
        assert all(d is not None for d in _digests(url).values())

        query(url, "TRUNCATE ballots")
        assert all(d is None for d in _digests(url).values())
        report = run(url, "popolo", str(path), "nz")
        assert report.counts["ballot"]["inserted"] == 24
        assert scalar(url, "SELECT count(*) FROM ballots") == 24
        assert [tuple(r) for r in query(url, ballots)] == original
        assert run(url, "popolo", str(path), "nz").changes == 0
