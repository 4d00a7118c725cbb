"""Hansard import on the real House of Commons files: sittings, committee meetings, speeches and divisions."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.support import SHARED_DATA, temporary_database
from tests.support.ingest import assert_fails, checksum, query, run, scalar

from openpolicy.ingest.sources import ourcommons

HANSARD = SHARED_DATA / "canada-hansard"
HOC = SHARED_DATA / "canada-hoc"
pytestmark = pytest.mark.skipif(not HANSARD.is_dir(), reason=f"real data folder {HANSARD} is absent")


@pytest.fixture(scope="module")
def loaded() -> Iterator[tuple[str, object]]:
    """House members and 44-1 divisions, then every Hansard file."""
    with temporary_database("openpolicy_test_hansard") as url:
        run(url, "ourcommons", str(HOC / "ourcommons-members"))
        run(url, "ourcommons", str(HOC / "ourcommons-divisions-44-1" / "MetaDataVotes.csv"))
        report = run(url, "hansard", str(HANSARD))
        yield url, report


def test_sittings_meetings_and_speeches_per_language(loaded: tuple[str, object]) -> None:
    url, _report = loaded
    rows = query(
        url,
        "SELECT d.classification, d.identifier, d.date::text, s.language, count(*) AS n FROM debates d "
        "JOIN speeches s ON s.debate_id = d.id GROUP BY 1, 2, 3, 4 ORDER BY 3, 4",
    )
    assert [tuple(r) for r in rows] == [
        ("sitting", "260", "2013-05-31", "en", 195),
        ("committee", "1", "2013-10-24", "en", 20),
        ("sitting", "86", "2014-05-14", "en", 479),
        ("sitting", "2", "2015-12-04", "en", 42),
        ("sitting", "2", "2015-12-04", "fr", 42),
        ("sitting", "44", "2020-07-22", "en", 368),
        ("sitting", "5", "2021-11-26", "en", 216),
        ("committee", "33", "2022-08-09", "fr", 226),
        ("sitting", "196", "2023-05-12", "en", 183),
        ("sitting", "303", "2024-04-19", "en", 194),
    ]
    # 42-1-2 in English and French: one sitting in two languages
    assert scalar(url, "SELECT count(*) FROM debates WHERE identifier = '2' AND date = '2015-12-04'") == 1
    versions = query(url, "SELECT v.language FROM debate_versions v JOIN debates d ON d.id = v.debate_id "
                          "WHERE d.date = '2015-12-04' ORDER BY 1")  # fmt: skip
    assert [r[0] for r in versions] == ["en", "fr"]
    # committee meetings belong to their committee
    committees = query(url, "SELECT o.abbreviation, o.classification FROM debates d JOIN organizations o "
                            "ON o.id = d.organization_id WHERE d.classification = 'committee' ORDER BY 1")  # fmt: skip
    assert [tuple(r) for r in committees] == [("ACVA", "committee"), ("ETHI", "committee")]
    # a French speech is searchable in French, accents or not
    hits = scalar(url, "SELECT count(*) FROM speeches WHERE language = 'fr' AND search_vector @@ "
                       "websearch_to_tsquery('openpolicy_french', 'president elu')")  # fmt: skip
    assert hits >= 1


def test_speakers_resolve_by_name_and_riding_or_are_listed(loaded: tuple[str, object]) -> None:
    url, report = loaded
    # 44-1: members of the 44th Parliament resolve by name and riding (Kevin Lamoureux, Winnipeg North)
    lamoureux = query(
        url,
        "SELECT DISTINCT p.name FROM speeches s JOIN people p ON p.id = s.person_id "
        "WHERE s.speaker_name = 'Mr. Kevin Lamoureux'",
    )
    assert [r[0] for r in lamoureux] == ["Kevin Lamoureux"]
    # every unresolved speech says why, and the run lists it
    assert scalar(url, "SELECT count(*) FROM speeches WHERE person_id IS NULL AND unresolved IS NULL") == 0
    listed = sum(i["count"] for i in report.unresolved if i["kind"] == "speech")  # type: ignore[attr-defined]
    assert listed == scalar(url, "SELECT count(*) FROM speeches WHERE person_id IS NULL")


def test_han086_divisions_carry_every_named_voter(loaded: tuple[str, object]) -> None:
    url, report = loaded
    for number, yeas, nays in ((140, 122, 147), (141, 123, 146), (142, 102, 155)):
        vote = ourcommons.vote_id(41, 2, number)
        tally = {r["option"]: r["n"] for r in query(
            url, "SELECT option, count(*) AS n FROM ballots WHERE vote_event_id = $1 GROUP BY 1", vote)}  # fmt: skip
        assert tally == {"yes": yeas, "no": nays}
        counts = {r["option"]: r["value"] for r in query(
            url, "SELECT option, value FROM vote_counts WHERE vote_event_id = $1", vote)}  # fmt: skip
        assert counts == {"yes": yeas, "no": nays, "paired": 0}
        unresolved = scalar(url, "SELECT count(*) FROM ballots WHERE vote_event_id = $1 AND person_id IS NULL", vote)
        listed = sum(i["count"] for i in report.unresolved if i["kind"] == "ballot" and i["in"] == vote)  # type: ignore[attr-defined]
        assert listed == unresolved
    # no ballots/counts mismatch was found for these divisions
    assert scalar(url, "SELECT count(*) FROM data_check_results WHERE check_name = 'ballots_vs_counts' "
                       "AND entity_id LIKE 'ocd-vote/%' AND import_run_id = $1", report.run_id) == 0  # type: ignore[attr-defined]  # fmt: skip


def test_reimport_changes_nothing(loaded: tuple[str, object]) -> None:
    url, _report = loaded
    before = checksum(url)
    again = run(url, "hansard", str(HANSARD))
    assert again.changes == 0
    assert checksum(url) == before


def test_bad_files_are_refused_naming_file_element_and_line(loaded: tuple[str, object], tmp_path: Path) -> None:
    url, _report = loaded
    before = checksum(url)
    truncated = tmp_path / "truncated.xml"
    truncated.write_bytes((HANSARD / "42-1-2-en.xml").read_bytes()[:40_000])
    assert_fails(lambda: run(url, "hansard", str(truncated)), "truncated.xml", "malformed XML", "line")
    foreign = tmp_path / "members.xml"
    shutil.copy(HOC / "ourcommons-members" / "parliament-members.xml", foreign)
    assert_fails(lambda: run(url, "hansard", str(foreign)), "members.xml", "<ArrayOfMemberOfParliament> at line",
                 "expected <Hansard>")  # fmt: skip
    assert checksum(url) == before


def test_revert_gives_back_the_earlier_content(tmp_path: Path) -> None:
    with temporary_database("openpolicy_test_hansard_revert") as url:
        run(url, "ourcommons", str(HOC / "ourcommons-members"))
        folder = tmp_path / "en"
        folder.mkdir()
        shutil.copy(HANSARD / "42-1-2-en.xml", folder)
        run(url, "hansard", str(folder))
        after_a = checksum(url)
        b = run(url, "hansard", str(HANSARD / "42-1-2-fr.xml"))
        assert scalar(url, "SELECT count(*) FROM speeches") == 84
        import asyncio

        from openpolicy.config import load_settings
        from openpolicy.ingest.revert import run_revert

        asyncio.run(run_revert(load_settings(database_url=url), b.run_id, cascade=False))
        assert checksum(url) == after_a


def test_a_divisions_list_without_voters_keeps_the_named_ballots(tmp_path: Path) -> None:
    """The divisions CSV states counts only: importing it after the Hansard (and again) leaves the named ballots."""
    csv = tmp_path / "MetaDataVotes.csv"
    csv.write_text(
        '"","ParliamentNumber","SessionNumber","DecisionEventDateTime","DecisionDivisionNumber",'
        '"DecisionDivisionSubject","DecisionResultName","DecisionDivisionNumberOfYeas","DecisionDivisionNumberOfNays",'
        '"DecisionDivisionNumberOfPaired","DecisionDivisionDocumentTypeName","DecisionDivisionDocumentTypeId",'
        '"BillNumberCode","Link"\n'
        '"1",41,2,2014-05-06 18:30:00,140,"Motion","Negatived",122,147,0,"Government Business",3,"",'
        '"https://www.ourcommons.ca/Members/en/votes/41/2/140"\n'
    )
    vote = ourcommons.vote_id(41, 2, 140)
    with temporary_database("openpolicy_test_hansard_csv") as url:
        run(url, "hansard", str(HANSARD / "HAN086-E.xml"))
        before = query(url, "SELECT ordinal, person_id, voter_name, option FROM ballots WHERE vote_event_id = $1 "
                            "ORDER BY ordinal", vote)  # fmt: skip
        assert len(before) == 122 + 147
        for _ in range(2):
            run(url, "ourcommons", str(csv))
            after = query(url, "SELECT ordinal, person_id, voter_name, option FROM ballots WHERE vote_event_id = $1 "
                               "ORDER BY ordinal", vote)  # fmt: skip
            assert after == before
        # the vote's change image written by the CSV import still lists the named ballots
        image = query(url, "SELECT data FROM change_log WHERE entity_id = $1 ORDER BY id DESC LIMIT 1", vote)[0]
        assert len(json.loads(image["data"])["ballots"]["ordinal"]) == 122 + 147
