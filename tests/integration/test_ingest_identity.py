"""Facts a journalist can quote: legislatures, identity, time and undo, on the real files in ../shared/data.

Four EveryPolitician legislatures imported in both orders stay the people they are (only global identifiers
join records); Northern Ireland and the UK Commons are two legislatures of GB; a Congress member who changed
party is counted under the party of the vote's day; a membership is ended, not duplicated; a run is undone
exactly; bad input is refused with the record named and the database unchanged.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.support import SHARED_DATA, temporary_database
from tests.support.ingest import checksum, query, run, scalar

EP = SHARED_DATA / "everypolitician"
NI = EP / "Northern_Ireland" / "Assembly" / "ep-popolo-v1.0.json"
AU = EP / "Australia" / "Representatives" / "ep-popolo-v1.0.json"
UK = EP / "UK" / "Commons" / "ep-popolo-v1.0.json"
CA = EP / "Canada" / "Commons" / "ep-popolo-v1.0.json"
CONGRESS = SHARED_DATA / "us-congress"
# (file, --jurisdiction): NI and UK name their place in EveryPolitician's meta.json, Canada and Australia do not.
FILES = {"ni": (NI, None), "au": (AU, "au"), "uk": (UK, None), "ca": (CA, "ca")}
DISTINCT_PEOPLE = 239 + 474 + 1337 + 541 - 23  # 23 UK MPs are NI Assembly members (same Wikidata/Parliament ids)

pytestmark = pytest.mark.skipif(not NI.is_file(), reason=f"real data folder {SHARED_DATA} is absent")


def imported(url: str, *keys: str) -> list[Any]:
    return [run(url, "popolo", str(FILES[k][0]), FILES[k][1]) for k in keys]


@pytest.fixture(scope="module")
def four_legislatures() -> Iterator[tuple[str, str]]:
    """The four EveryPolitician files imported in two orders, into two databases."""
    with temporary_database("openpolicy_test_identity_a") as a, temporary_database("openpolicy_test_identity_b") as b:
        imported(a, "ni", "au", "uk", "ca")
        imported(b, "ca", "uk", "au", "ni")
        yield a, b


def test_people_stay_who_they_are_in_any_order(four_legislatures: tuple[str, str]) -> None:
    for url in four_legislatures:
        assert scalar(url, "SELECT count(*) FROM people") == DISTINCT_PEOPLE
        # nobody carries two Wikidata ids, no Wikidata id is on two people
        assert scalar(url, "SELECT count(*) FROM (SELECT person_id FROM person_identifiers WHERE scheme = 'wikidata' "
                           "GROUP BY person_id HAVING count(*) > 1) x") == 0  # fmt: skip
        # legacy id 10471 is Ian Paisley in Northern Ireland and Judi Moylan in Australia: two people
        holders = query(
            url,
            "SELECT DISTINCT p.name FROM person_identifiers i JOIN people p ON p.id = i.person_id "
            "WHERE i.scheme = 'everypolitician_legacy' AND i.identifier = '10471' ORDER BY 1",
        )
        assert [r["name"] for r in holders] == ["Ian Paisley", "Judi Moylan"]
        # the joined people sit in both legislatures of GB
        both = scalar(
            url,
            "SELECT count(*) FROM (SELECT m.person_id FROM memberships m JOIN organizations o "
            "ON o.id = m.organization_id WHERE o.classification = 'legislature' GROUP BY m.person_id "
            "HAVING count(DISTINCT o.jurisdiction_id) > 1) x",
        )
        assert both == 23
    a, b = four_legislatures
    names = "SELECT name FROM people ORDER BY name, id"
    assert [r[0] for r in query(a, names)] == [r[0] for r in query(b, names)]


def test_legislatures_are_jurisdictions_with_real_names(four_legislatures: tuple[str, str]) -> None:
    for url in four_legislatures:
        rows = query(url, "SELECT id, iso_code, name FROM jurisdictions ORDER BY id")
        assert [tuple(r) for r in rows] == [
            ("ocd-jurisdiction/country:au/legislature", "AU", "Parliament of Australia"),
            ("ocd-jurisdiction/country:ca/legislature", "CA", "Parliament of Canada"),
            ("ocd-jurisdiction/country:gb/legislature", "GB", "Parliament of the United Kingdom"),
            ("ocd-jurisdiction/country:gb/region:nir/legislature", "GB-NIR", "Northern Ireland Assembly"),
        ]
        # terms belong to their legislature: NI's term 4 and UK's terms are not shared
        terms = query(url, "SELECT jurisdiction_id, identifier FROM legislative_periods ORDER BY 1, 2")
        by = {}
        for r in terms:
            by.setdefault(r["jurisdiction_id"], []).append(r["identifier"])
        assert by["ocd-jurisdiction/country:gb/region:nir/legislature"] == ["1", "2", "3", "4"]
        assert by["ocd-jurisdiction/country:gb/legislature"] == ["52", "53", "54", "55", "56"]


def test_every_join_is_listed_on_the_run() -> None:
    with temporary_database("openpolicy_test_identity_merges") as url:
        imported(url, "ni")
        report = run(url, "popolo", str(UK))
        assert len(report.merges) == 23
        paisley = next(m for m in report.merges if m["person"] == "Ian Paisley")
        assert "wikidata=Q296597" in paisley["via"]
        stored = json.loads(scalar(url, "SELECT details FROM import_runs WHERE id = $1", report.run_id))
        assert stored["merges"] == report.merges
        # `openpolicy people explain` names the joined record and both files
        out = subprocess.run(
            [sys.executable, "-m", "openpolicy.cli", "people", "explain", paisley["person_id"]],
            env={**os.environ, "DATABASE_URL": url},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert "wikidata=Q296597  [global]" in out
        assert (
            "everypolitician_legacy=10471  [popolo:ocd-jurisdiction/country:gb/region:nir/legislature:Q285714]" in out
        )
        assert "records joined into this person:" in out and "by datadotparl=4149" in out
        assert "Northern Ireland Assembly" in out and "House of Commons" in out


def test_jurisdiction_rules_and_refusals(tmp_path: Path) -> None:
    with temporary_database("openpolicy_test_identity_j") as url:
        # a -j that contradicts meta.json is refused, naming both
        with pytest.raises(Exception, match="gives iso_code GB-NIR"):
            run(url, "popolo", str(NI), "ca")
        # a file without meta.json needs -j; an unknown -j lists the choices
        bare = tmp_path / "ni.json"
        bare.write_bytes(NI.read_bytes())
        with pytest.raises(Exception, match="cannot tell the legislature"):
            run(url, "popolo", str(bare))
        with pytest.raises(Exception, match="is not an ISO 3166-1 or 3166-2 code"):
            run(url, "popolo", str(bare), "Nowhere Assembly")
        assert scalar(url, "SELECT count(*) FROM people") == 0
        run(url, "popolo", str(NI))
        # once stored, a legislature is named by its ISO code, OCD id or exact name (case-insensitive)
        names = ("GB-NIR", "gb-nir", "northern ireland assembly", "ocd-jurisdiction/country:gb/region:nir/legislature")
        for name in names:  # the same legislature, the same records (only their sources name the other file)
            report = run(url, "popolo", str(bare), name)
            assert all(c["inserted"] == 0 for c in report.counts.values())
        assert scalar(url, "SELECT count(*) FROM jurisdictions") == 1


def test_bad_identity_input_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    with temporary_database("openpolicy_test_identity_bad") as url:
        imported(url, "ni")
        before = checksum(url)
        doc = json.loads(NI.read_text())
        # the same person id twice in one file
        dup = json.loads(json.dumps(doc))
        dup["persons"].append(dict(dup["persons"][3]))
        (tmp_path / "dup").mkdir()
        (tmp_path / "dup" / "ep.json").write_text(json.dumps(dup))
        with pytest.raises(Exception, match=r"persons\[239\].*duplicate person id .*also persons\[3\]"):
            run(url, "popolo", str(tmp_path / "dup" / "ep.json"), "GB-NIR")
        # one record carrying the Wikidata id of one stored person and the Parliament id of another
        people = {p["name"]: p for p in doc["persons"]}
        a, b = people["Ian Paisley"], people["Naomi Long"]
        ids = lambda p, s: next(i["identifier"] for i in p["identifiers"] if i["scheme"] == s)  # noqa: E731
        stranger = {"id": "x-1", "name": "Someone", "identifiers": [
            {"scheme": "wikidata", "identifier": ids(a, "wikidata")},
            {"scheme": "datadotparl", "identifier": ids(b, "datadotparl")}]}  # fmt: skip
        other = {"persons": [stranger], "organizations": [], "memberships": []}
        (tmp_path / "both.json").write_text(json.dumps(other))
        with pytest.raises(
            Exception, match=r"matches different stored people: .*(Ian Paisley.*Naomi Long|Naomi Long.*Ian Paisley)"
        ):
            run(url, "popolo", str(tmp_path / "both.json"), "gb")
        # joined by one global id to a person who has another Wikidata id
        twin = {"id": "x-2", "name": "Naomi Long", "identifiers": [
            {"scheme": "datadotparl", "identifier": ids(b, "datadotparl")},
            {"scheme": "wikidata", "identifier": "Q1"}]}  # fmt: skip
        (tmp_path / "twin.json").write_text(json.dumps({"persons": [twin]}))
        with pytest.raises(Exception, match=r"wikidata=Q1, but the person it is joined to, Naomi Long .* has wikidata"):
            run(url, "popolo", str(tmp_path / "twin.json"), "gb")
        assert checksum(url) == before


def test_a_vote_counts_a_member_under_the_party_of_its_day() -> None:
    from tests.support.routers import api_client

    with temporary_database("openpolicy_test_identity_party") as url:
        run(url, "us-congress", str(CONGRESS))
        # Kevin Kiley (CA-3): Republican until 2026-03-08, Independent from 2026-03-09 (party_affiliations)
        kiley = scalar(
            url, "SELECT person_id FROM person_identifiers WHERE scheme = 'bioguide' AND identifier = 'K000401'"
        )
        seats = query(
            url,
            "SELECT p.name, m.start_date, m.end_date FROM memberships m "
            "JOIN organizations p ON p.id = m.on_behalf_of_id "
            "WHERE m.person_id = $1 AND m.start_date >= '2025-01-01' ORDER BY m.start_date",
            kiley,
        )
        assert [(r["name"], str(r["start_date"]), str(r["end_date"])) for r in seats] == [
            ("Republican", "2025-01-03", "2026-03-08"),
            ("Independent", "2026-03-09", "2027-01-03"),
        ]
        vote = scalar(
            url,
            "SELECT b.vote_event_id FROM ballots b JOIN vote_events v ON v.id = b.vote_event_id "
            "WHERE b.person_id = $1 ORDER BY v.start_date LIMIT 1",
            kiley,
        )
        with api_client(url) as api:
            doc = api.get(f"/v1/votes/{vote}").json()
        groups = {g["party"]["name"] if g["party"] else None: g for g in doc["by_party"]}
        in_group = [name for name, g in groups.items() if any(b["person"] and b["person"]["id"] == kiley
                                                               for b in g["ballots"])]  # fmt: skip
        assert in_group == ["Republican"]


def _membership_file(tmp_path: Path, name: str, memberships: list[dict[str, Any]]) -> str:
    doc = {
        "persons": [{"id": "p1", "name": "Ann Example"}, {"id": "p2", "name": "Bob Example"}],
        "organizations": [
            {"id": "leg", "name": "Example Assembly", "classification": "legislature"},
            {"id": "red", "name": "Red Party", "classification": "party"},
        ],
        "areas": [{"id": "a1", "name": "North"}, {"id": "a2", "name": "South"}],
        "memberships": memberships,
    }
    path = tmp_path / name / "ep-popolo-v1.0.json"  # later versions of the same file, as a source publishes them
    path.parent.mkdir()
    path.write_text(json.dumps(doc))
    return str(path)


def test_memberships_are_ended_not_duplicated_and_each_run_can_be_reverted(tmp_path: Path) -> None:
    ann = {"person_id": "p1", "organization_id": "leg", "on_behalf_of_id": "red", "area_id": "a1",
           "start_date": "2020-01-01", "role": "member"}  # fmt: skip
    bob = {**ann, "person_id": "p2", "area_id": "a2"}
    with temporary_database("openpolicy_test_identity_time") as url:
        first = run(url, "popolo", _membership_file(tmp_path, "v1", [ann, bob]), "nz")
        state_1 = checksum(url)
        # a later file gives Ann's open membership an end date: the same membership, now ended
        second = run(url, "popolo", _membership_file(tmp_path, "v2", [{**ann, "end_date": "2023-05-01"}, bob]), "nz")
        rows = query(url, "SELECT m.end_date FROM memberships m JOIN people p ON p.id = m.person_id "
                          "WHERE p.name = 'Ann Example'")  # fmt: skip
        assert [str(r["end_date"]) for r in rows] == ["2023-05-01"]
        assert second.counts["membership"] == {"inserted": 0, "updated": 1, "unchanged": 1, "deleted": 0}
        state_2 = checksum(url)
        # a snapshot without Bob: his membership is ended today, flagged inferred, and the feed says so
        third = run(url, "popolo", _membership_file(tmp_path, "v3", [{**ann, "end_date": "2023-05-01"}]), "nz")
        assert len(third.ended) == 1
        bob_seat = query(
            url,
            "SELECT m.id, m.end_date, m.extras FROM memberships m JOIN people p ON p.id = m.person_id "
            "WHERE p.name = 'Bob Example'",
        )[0]
        assert bob_seat["end_date"] is not None and json.loads(bob_seat["extras"])["end_date_inferred"] is True
        feed = query(url, "SELECT operation, data FROM change_log WHERE import_run_id = $1", third.run_id)
        assert [(f["operation"], json.loads(f["data"])["id"]) for f in feed] == [("update", bob_seat["id"])]
        # a run that later runs depend on is not reverted without --cascade
        cli = [sys.executable, "-m", "openpolicy.cli", "import-runs", "revert"]
        env = {**os.environ, "DATABASE_URL": url}
        refused = subprocess.run([*cli, str(first.run_id)], env=env, capture_output=True, text=True)
        assert refused.returncode == 1
        assert f"later import runs depend on run {first.run_id}" in refused.stderr
        assert f"{second.run_id}, {third.run_id}" in refused.stderr
        # revert the snapshot run, then the end date: each state comes back exactly
        subprocess.run([*cli, str(third.run_id)], env=env, check=True, capture_output=True)
        assert checksum(url) == state_2
        subprocess.run([*cli, str(second.run_id)], env=env, check=True, capture_output=True)
        assert checksum(url) == state_1
        statuses = query(url, "SELECT id, status FROM import_runs WHERE source = 'popolo' ORDER BY id")
        assert [r["status"] for r in statuses] == ["succeeded", "reverted", "reverted"]
        # and the first with everything after it: an empty database again
        subprocess.run([*cli, str(first.run_id), "--cascade"], env=env, check=True, capture_output=True)
        assert scalar(url, "SELECT count(*) FROM people") == 0
        assert scalar(url, "SELECT count(*) FROM jurisdictions") == 0
        audit = query(url, "SELECT action, outcome FROM audit_events WHERE action = 'import-revert' ORDER BY id")
        assert [tuple(r) for r in audit] == [("import-revert", "denied")] + [("import-revert", "success")] * 3


def test_revert_of_a_second_legislature_restores_the_first_exactly() -> None:
    with (
        temporary_database("openpolicy_test_identity_rev_a") as a,
        temporary_database("openpolicy_test_identity_rev_b") as b,
    ):
        imported(a, "ni")
        imported(b, "ni")
        uk = run(b, "popolo", str(UK))
        assert checksum(a) != checksum(b)
        subprocess.run(
            [sys.executable, "-m", "openpolicy.cli", "import-runs", "revert", str(uk.run_id)],
            env={**os.environ, "DATABASE_URL": b},
            check=True,
            capture_output=True,
        )
        assert checksum(a) == checksum(b)
