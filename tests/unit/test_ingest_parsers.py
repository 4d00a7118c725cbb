"""The source parsers against the real files: record counts equal each folder's SOURCE.md, quirks, errors."""

from __future__ import annotations

import collections
import json
import shutil
from pathlib import Path

import pytest
from tests.support.ingest import EP_CANADA, EP_UK, HOC, US_CONGRESS, needs_data

from openpolicy.ingest.jurisdictions import national
from openpolicy.ingest.records import InputError
from openpolicy.ingest.sources import ourcommons, popolo, us_congress

pytestmark = needs_data


def test_everypolitician_canada_counts() -> None:
    bundle = popolo.parse([EP_CANADA], national("ca"))
    counts = bundle.counts()
    # SOURCE.md: 541 persons, 5 parties + 1 legislature, 661 memberships (323 + 338), 458 areas, 2 terms.
    assert counts["person"] == 541
    assert counts["organization"] == 6
    assert sorted(o.classification for o in bundle.organizations).count("party") == 5
    assert counts["membership"] == 661
    assert counts["area"] == 458
    assert counts["legislative_period"] == 2
    by_term = collections.Counter(m.legislative_period_id for m in bundle.memberships)
    assert sorted(by_term.values()) == [323, 338]
    # every identifier scheme is kept, plus the Popolo id itself
    schemes = {scheme for p in bundle.people for scheme, _ in p.identifiers}
    assert {"represent", "wikidata", "everypolitician_legacy", "popolo"} <= schemes
    # implicit membership dates come from the term
    term41 = next(p for p in bundle.periods if p.identifier == "41")
    implicit = [m for m in bundle.memberships if m.legislative_period_id == term41.id and m.extras]
    assert implicit and all(m.start_date is not None for m in implicit)


def test_everypolitician_uk_counts_and_country_from_meta() -> None:
    files = popolo.discover(EP_UK)
    meta = popolo.read_meta(files[0])
    assert (meta.iso_code, meta.legislature_name, meta.legislature_wikidata) == ("GB", "House of Commons", "Q11005")
    counts = popolo.parse(files, national("gb")).counts()
    assert (counts["person"], counts["organization"], counts["membership"], counts["area"]) == (1337, 22, 3363, 777)
    assert counts["legislative_period"] == 5


def test_us_congress_counts_and_quirks() -> None:
    bundle = us_congress.parse(us_congress.discover(US_CONGRESS))
    counts = bundle.counts()
    legislators = [p for p in bundle.people if not p.extras.get("from_votes")]
    assert len(legislators) == 537
    # 16 voters are not in legislators-current.yaml; they cast 1,205 of the ballots
    from_votes = {p.id for p in bundle.people if p.extras.get("from_votes")}
    assert len(from_votes) == 16
    assert sum(1 for b in bundle.ballots if b[2] in from_votes) == 1205
    terms = [m for m in bundle.memberships if m.role == "member" and m.area_id]
    # 2,792 terms; two of them (Van Drew NJ-2 2019, Kiley CA-3 2025) are split in two by party_affiliations
    assert len(terms) == 2792 + 2
    assert len({(m.person_id, m.extras.get("term_start", str(m.start_date))) for m in terms}) == 2792
    assert counts["membership"] == 2794 + 3879
    classes = collections.Counter(o.classification for o in bundle.organizations)
    assert (classes["committee"], classes["subcommittee"]) == (49, 181)
    assert counts["vote"] == 250 and counts["ballot"] == 58264
    chambers = collections.Counter(v.identifier[0] for v in bundle.vote_events if v.identifier)
    assert chambers == {"h": 100, "s": 150}
    assert sum(1 for v in bundle.vote_events if v.bill_id) == 154
    # the bare "VP" entry is a ballot without a person
    vp = [b for b in bundle.ballots if b[2] is None]
    assert len(vp) == 1 and vp[0][3] == "Vice President" and vp[0][4] == "yes"
    # Speaker election: candidate names as options → option other, candidates kept in extras
    speaker = next(v for v in bundle.vote_events if v.identifier == "h2-119.2025")
    assert speaker.counts["other"] == 218 + 215 + 1
    assert len(speaker.extras["candidates"]["Johnson (LA)"]) == 218
    # "Aye"/"No" are yes/no; ballots agree with the counts
    tallies: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for ballot in bundle.ballots:
        tallies[ballot[0]][ballot[4]] += 1
    for vote in bundle.vote_events:
        assert {k: v for k, v in vote.counts.items() if v} == dict(tallies[vote.id]), vote.identifier
    assert {b[4] for b in bundle.ballots} <= {"yes", "no", "abstain", "not voting", "other"}


def test_ourcommons_counts_and_join_keys() -> None:
    bundle = ourcommons.parse(ourcommons.discover(HOC))
    counts = bundle.counts()
    # SOURCE.md: 408 divisions (Agreed To 295, Negatived 113), 89 distinct bills, 341 caucus rows of 339
    # PersonIds; 337 members in the XML, 5 of them by-election winners after the tenure file's capture.
    assert counts["vote"] == 408
    assert collections.Counter(v.result for v in bundle.vote_events) == {"pass": 295, "fail": 113}
    assert counts["bill"] == 89
    assert sum(1 for v in bundle.vote_events if v.bill_id) == 237
    person_ids = {i for p in bundle.people for s, i in p.identifiers if s == "ourcommons"}
    assert len(person_ids) == 339
    assert counts["person"] == 339 + 5
    assert counts["membership"] == 341 + 5
    named = [p for p in bundle.people if p.name]
    assert len(named) == 337
    aboultaif = next(p for p in bundle.people if ("represent", "89156") in p.identifiers)
    assert aboultaif.name == "Ziad Aboultaif"


def _copy(src: Path, tmp_path: Path) -> Path:
    dest = tmp_path / src.name
    if src.is_dir():
        shutil.copytree(src, dest)
    else:
        shutil.copy(src, dest)
    for path in [dest, *dest.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return dest


def test_truncated_json_names_file_and_position(tmp_path: Path) -> None:
    bad = tmp_path / "ep-popolo-v1.0.json"
    data = EP_CANADA.read_bytes()
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError) as info:
        popolo.parse([bad], national("ca"))
    message = str(info.value)
    assert str(bad) in message and "truncated JSON" in message and "line" in message


def test_unknown_voter_names_record_and_field(tmp_path: Path) -> None:
    doc = json.loads(EP_CANADA.read_text())
    person = doc["persons"][0]["id"]
    doc["vote_events"] = [{"id": "ve1", "start_date": "2015-12-01", "result": "passed", "counts": []}]
    doc["votes"] = [
        {"vote_event_id": "ve1", "voter_id": person, "option": "yes"},
        {"vote_event_id": "ve1", "voter_id": "nobody-42", "option": "no"},
    ]
    bad = tmp_path / "votes.json"
    bad.write_text(json.dumps(doc))
    with pytest.raises(InputError) as info:
        popolo.parse([bad], national("ca"))
    assert (info.value.file, info.value.record, info.value.field) == (str(bad), "votes[1]", "voter_id")
    assert "nobody-42" in str(info.value)


def test_ballots_seen_voters_and_options_are_still_checked(tmp_path: Path) -> None:
    """The ballot loop caches resolved voters and options: a known voter with a new option, a numeric voter id
    and an unhashable option each still go through the rules, and an error names its own record."""
    doc = {
        "persons": [{"id": "p1", "name": "Synthetic One"}, {"id": "7", "name": "Synthetic Seven"}],
        "vote_events": [
            {"id": "ve1", "start_date": "2015-12-01", "result": "passed",
             "votes": [{"voter_id": "p1", "option": "yes"}, {"voter_id": 7, "option": "Nay"},
                       {"voter_id": "7", "option": "yes"}]},
            {"id": "ve2", "start_date": "2015-12-02", "result": "passed",
             "votes": [{"voter_id": "p1", "option": "yes"}, {"voter_id": "p1", "option": "maybe"}]},
        ],
    }  # fmt: skip
    path = tmp_path / "votes.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(InputError) as info:
        popolo.parse([path], national("zz", "Test legislature"))
    assert (info.value.record, info.value.field) == ("vote_events[1] (id 've2') votes[1]", "option")
    assert "maybe" in str(info.value)
    doc["vote_events"][1]["votes"][1]["option"] = ["yes"]
    path.write_text(json.dumps(doc))
    with pytest.raises(InputError, match="unknown option"):
        popolo.parse([path], national("zz", "Test legislature"))
    del doc["vote_events"][1]
    path.write_text(json.dumps(doc))
    ballots = popolo.parse([path], national("zz", "Test legislature")).ballots
    assert [(b[1], b[3], b[4]) for b in ballots] == [
        (0, "Synthetic One", "yes"), (1, "Synthetic Seven", "no"), (2, "Synthetic Seven", "yes")
    ]  # fmt: skip
    assert ballots[1][2] == ballots[2][2] != ballots[0][2]


def test_csv_missing_column(tmp_path: Path) -> None:
    folder = _copy(HOC, tmp_path)
    csv_path = folder / "ourcommons-divisions-44-1" / "MetaDataVotes.csv"
    lines = csv_path.read_text(encoding="utf-8").splitlines()
    csv_path.write_text("\n".join(line.rsplit(",", 1)[0] if i == 0 else line for i, line in enumerate(lines)))
    # the header lost "Link" only: optional column, but each row now has one cell too many
    with pytest.raises(InputError) as info:
        ourcommons.parse(ourcommons.discover(folder))
    assert info.value.file == str(csv_path) and info.value.record == "row 2"


def test_csv_missing_required_column(tmp_path: Path) -> None:
    folder = _copy(HOC, tmp_path)
    csv_path = folder / "ourcommons-divisions-44-1" / "MetaDataVotes.csv"
    text = csv_path.read_text(encoding="utf-8").replace('"DecisionResultName"', '"Result"', 1)
    csv_path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        ourcommons.parse(ourcommons.discover(folder))
    assert (info.value.file, info.value.record, info.value.field) == (str(csv_path), "header", "DecisionResultName")


def test_yaml_term_with_bad_state(tmp_path: Path) -> None:
    folder = _copy(US_CONGRESS / "congress-legislators", tmp_path)
    path = folder / "legislators-current.yaml"
    path.write_text(path.read_text().replace("state: WA", "state: Washington", 1))
    with pytest.raises(InputError) as info:
        us_congress.parse(us_congress.discover(folder))
    assert info.value.file == str(path) and info.value.field == "state"
    assert "bioguide C000127" in (info.value.record or "")


def test_popolo_without_country_asks_for_jurisdiction() -> None:
    from openpolicy.ingest.runs import parse_files

    # Canada's meta.json has no iso_code (SOURCE.md): the jurisdiction must be given
    with pytest.raises(InputError, match="pass --jurisdiction"):
        parse_files("popolo", [EP_CANADA], {}, None)
    assert parse_files("popolo", [EP_CANADA], {}, "ca").jurisdictions[0].id == "ocd-jurisdiction/country:ca/legislature"
    with pytest.raises(InputError, match="always ocd-jurisdiction/country:us/legislature"):
        parse_files("us-congress", [], {}, "ca")
