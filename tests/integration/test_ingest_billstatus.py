"""Bill Status XML (congress-bills) on the 14 official files in ../shared/data/us-billstatus, through the API.

Facts read from the files themselves: H.R. 2471 (117th) has 1 sponsor (Hakeem Jeffries, bioguide J000294),
7 cosponsors, 56 actions, 249 legislative subjects and became Public Law 117-103; S. 1260 (117th) ends with its
passage in the Senate. Both layouts (115th/116th: ``<billType>``; 117th: ``<type>``) import; a re-import changes
nothing; truncated or foreign XML is refused naming file, element and line with the database unchanged; a revert
of a bills import gives the previous content back; a vote on a bill and the bill's own record are one bill.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from tests.support import SHARED_DATA, temporary_database
from tests.support.ingest import checksum, query, run, scalar
from tests.support.routers import ApiClient, api_client

from openpolicy.documents.schemas import BillDetail
from openpolicy.ingest.runs import ImportFailed

BILLS = SHARED_DATA / "us-billstatus"
LEGISLATORS = SHARED_DATA / "us-congress" / "congress-legislators"
HR2471 = BILLS / "BILLSTATUS-117hr2471.xml"
S1260 = BILLS / "BILLSTATUS-117s1260.xml"

pytestmark = [pytest.mark.needs_data, pytest.mark.skipif(not HR2471.is_file(), reason=f"{BILLS} is absent")]


@pytest.fixture(scope="module")
def loaded() -> Iterator[tuple[str, ApiClient, Any]]:
    """Legislators, then every Bill Status file."""
    with temporary_database("openpolicy_test_billstatus") as url:
        run(url, "us-congress", str(LEGISLATORS))
        report = run(url, "congress-bills", str(BILLS))
        with api_client(url) as client:
            yield url, client, report


def bill(client: ApiClient, identifier: str, congress: str = "117") -> dict[str, Any]:
    page = client.get("/v1/bills", params={"identifier": identifier, "session": congress}).json()
    assert len(page["results"]) == 1, page
    response = client.get(f"/v1/bills/{quote(page['results'][0]['id'], safe='')}")
    assert response.status_code == 200, response.text
    BillDetail.model_validate_json(response.content)
    return response.json()  # type: ignore[no-any-return]


def test_hr2471_sponsor_cosponsors_actions_subjects(loaded: tuple[str, ApiClient, Any]) -> None:
    _url, client, _report = loaded
    body = bill(client, "H.R. 2471")
    assert body["title"] == "Consolidated Appropriations Act, 2022"
    sponsors = [s for s in body["sponsors"] if s["primary"]]
    cosponsors = [s for s in body["sponsors"] if s["classification"] == "cosponsor"]
    assert [(s["name"], s["party"], s["state"], s["district"]) for s in sponsors] == [
        ("Hakeem S. Jeffries", "Democrat", "NY", "8")
    ]
    assert sponsors[0]["person"] is not None and sponsors[0]["person"]["name"] == "Hakeem S. Jeffries"
    assert len(cosponsors) == 7
    assert all(c["date"] for c in cosponsors) and not any(c["withdrawn_date"] for c in cosponsors)
    assert len(body["actions"]) == 56
    assert [a["order"] for a in body["actions"]] == list(range(1, 57))
    first, last = body["actions"][0], body["actions"][-1]
    assert (first["date"], first["description"], first["code"], first["chamber"]) == (
        "2021-04-13", "Introduced in House", "1000", "lower"
    )  # fmt: skip
    assert (last["date"], last["description"], last["type"]) == (
        "2022-03-15",
        "Became Public Law No: 117-103.",
        "President",
    )
    assert len(body["subjects"]) == 249
    assert body["policy_area"] == "Economics and Public Finance"
    assert body["status"] == "enacted"
    assert body["summaries"] and "<p>" not in body["summaries"][-1]["text"]
    assert body["summaries"][-1]["text"].startswith("Consolidated Appropriations Act, 2022\n\nThis bill provides")
    assert any(v["note"] == "Enrolled Bill" and v["url"].endswith("BILLS-117hr2471enr.xml") for v in body["versions"])
    kinds = {t["kind"] for t in body["other_titles"]}
    assert {"official", "short", "display"} <= kinds
    related = {r["identifier"] for r in body["related_bills"]}
    assert "S. 1104" in related
    assert any(c["name"] == "Foreign Relations Committee" for c in body["committees"])


def test_status_of_s1260_from_its_actions(loaded: tuple[str, ApiClient, Any]) -> None:
    _url, client, _report = loaded
    body = bill(client, "S. 1260")
    assert body["status"] == "passed one chamber"
    passages = [a for a in body["actions"] if "passage" in a["classification"]]
    assert {a["chamber"] for a in passages} == {"upper"} and passages[-1]["date"] == "2021-06-08"
    assert len(body["actions"]) == 26 and len(body["subjects"]) == 114


def test_both_layouts_and_the_list_filters(loaded: tuple[str, ApiClient, Any]) -> None:
    url, client, report = loaded
    assert report.counts["bill"]["inserted"] == 14
    older = bill(client, "S. 790", "116")  # <billType>, <billCommittees>, <billSubjects>
    assert older["status"] == "in committee" and older["policy_area"] == "Native Americans"
    assert older["sponsors"][0]["name"] == "Lindsey O. Graham" and older["sponsors"][0]["party"] == "Republican"
    assert [c["activities"] for c in older["committees"]] == [
        [{"name": "Hearings by", "date": "2019-05-01"}, {"name": "Referred to", "date": "2019-03-13"}]
    ]
    enacted = client.get("/v1/bills", params={"status": "enacted"}).json()["results"]
    assert [b["identifier"] for b in enacted] == ["H.R. 2471"]
    by_subject = client.get("/v1/bills", params={"subject": "Haiti"}).json()["results"]
    assert "H.R. 2471" in [b["identifier"] for b in by_subject]
    jeffries = scalar(
        url, "SELECT person_id FROM person_identifiers WHERE scheme = 'bioguide' AND identifier = 'J000294'"
    )
    sponsored = client.get("/v1/bills", params={"primary_sponsor": jeffries}).json()["results"]
    assert [b["identifier"] for b in sponsored] == ["H.R. 2471"]
    # an unknown status is a 400; a sponsor not in congress-legislators-current is kept by name, listed unresolved
    assert client.get("/v1/bills", params={"status": "signed"}).status_code == 400
    burr = [u for u in report.unresolved if u["name"] == "Richard Burr"]
    assert burr and "bioguide=B001135" in burr[0]["why"]
    s790 = scalar(url, "SELECT count(*) FROM bill_sponsorships WHERE name = 'Richard Burr' AND person_id IS NULL")
    assert s790 >= 1


def test_reimport_changes_nothing(loaded: tuple[str, ApiClient, Any]) -> None:
    url, _client, _report = loaded
    before = checksum(url)
    again = run(url, "congress-bills", str(BILLS))
    assert again.changes == 0
    assert checksum(url) == before


@pytest.mark.parametrize(
    ("name", "make", "expected"),
    [
        ("truncated.xml", lambda text: text[: len(text) // 2], ["truncated.xml", "line ", "<"]),
        (
            "foreign.xml",
            lambda _text: '<?xml version="1.0"?>\n<rss>\n<channel/></rss>\n',
            ["foreign.xml", "line 2", "<rss>"],
        ),
        (
            "no-number.xml",
            lambda text: text.replace("<number>2471</number>", "", 1),
            ["no-number.xml", "record line 4", "<number/billNumber>", "missing"],
        ),
        (
            "entity.xml",
            lambda text: text.replace("<billStatus>", '<!DOCTYPE billStatus [<!ENTITY x "y">]>\n<billStatus>', 1),
            ["entity.xml", "line ", "DTD"],
        ),
    ],
)
def test_bad_xml_is_refused_naming_file_element_and_line(
    loaded: tuple[str, ApiClient, Any], tmp_path: Path, name: str, make: Any, expected: list[str]
) -> None:
    url, _client, _report = loaded
    before = checksum(url)
    bad = tmp_path / name
    bad.write_text(make(HR2471.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(ImportFailed) as refused:
        run(url, "congress-bills", str(bad))
    for part in expected:
        assert part in str(refused.value), str(refused.value)
    assert checksum(url) == before


def test_truncated_file_names_the_open_element(tmp_path: Path) -> None:
    from openpolicy.ingest.records import InputError
    from openpolicy.ingest.sources.billstatus import parse

    text = HR2471.read_text(encoding="utf-8")
    cut = text.index("<actions>") + len("<actions>\n      <item>\n        <actionDate>2022")
    bad = tmp_path / "cut.xml"
    bad.write_text(text[:cut], encoding="utf-8")
    with pytest.raises(InputError) as refused:
        parse([bad])
    line = text[:cut].count("\n") + 1
    assert str(refused.value).startswith(f"{bad}: record line {line}: field '<actionDate>'"), str(refused.value)
    assert "<billStatus><bill><actions><item><actionDate>" in str(refused.value)


def test_withdrawn_cosponsor_is_kept_and_marked(tmp_path: Path) -> None:
    """The format's sponsorshipWithdrawnDate (empty in these 14 files) on one cosponsor of a real file."""
    text = HR2471.read_text(encoding="utf-8")
    marked = text.replace(
        "<sponsorshipWithdrawnDate />", "<sponsorshipWithdrawnDate>2021-05-01</sponsorshipWithdrawnDate>", 1
    )
    if marked == text:  # this file states no empty withdrawal element: add one to its first cosponsor
        marked = text.replace(
            "<isOriginalCosponsor>",
            "<sponsorshipWithdrawnDate>2021-05-01</sponsorshipWithdrawnDate><isOriginalCosponsor>",
            1,
        )
    path = tmp_path / "BILLSTATUS-117hr2471.xml"
    path.write_text(marked, encoding="utf-8")
    with temporary_database("openpolicy_test_billstatus_withdrawn") as url:
        run(url, "congress-bills", str(path))
        rows = query(url, "SELECT name, withdrawn_date FROM bill_sponsorships WHERE classification = 'cosponsor'")
        assert len(rows) == 7
        assert [str(r["withdrawn_date"]) for r in rows if r["withdrawn_date"]] == ["2021-05-01"]


def test_votes_link_to_the_bill_and_revert_restores_the_previous_content(tmp_path: Path) -> None:
    """A roll call on H.R. 2471 (a vote file naming the bill) and the bill's own file are one bill, in either
    order; importing Bill Status files A then B and reverting B gives A's content back."""
    votes = sorted((SHARED_DATA / "us-congress" / "congress-votes").rglob("data.json"))
    doc = json.loads(votes[0].read_text(encoding="utf-8"))
    doc["bill"] = {"congress": 117, "type": "hr", "number": 2471}
    doc["congress"] = 117
    vote_file = tmp_path / "votes" / "data.json"
    vote_file.parent.mkdir()
    vote_file.write_text(json.dumps(doc), encoding="utf-8")
    first = tmp_path / "a"
    first.mkdir()
    (first / HR2471.name).write_bytes(HR2471.read_bytes())
    with temporary_database("openpolicy_test_billstatus_revert") as url:
        run(url, "us-congress", str(vote_file))
        shell = query(url, "SELECT id, title FROM bills")
        assert len(shell) == 1
        run(url, "congress-bills", str(first))
        rows = query(url, "SELECT b.id, b.title, b.status, (SELECT count(*) FROM vote_events v WHERE v.bill_id = b.id) "
                          "AS votes FROM bills b")  # fmt: skip
        assert [(r["id"], r["title"], r["status"], r["votes"]) for r in rows] == [
            (shell[0]["id"], "Consolidated Appropriations Act, 2022", "enacted", 1)
        ]
        # the vote imported again does not turn the bill back into a shell
        assert run(url, "us-congress", str(vote_file)).changes == 0
        state_a = checksum(url)
        # B: a later file of the same bill (two cosponsors fewer, one action more) and S. 1260
        text = HR2471.read_text(encoding="utf-8")
        start = text.index("<cosponsors>")
        item = text.index("</item>", start) + len("</item>")
        item = text.index("</item>", item) + len("</item>")
        changed = text[:start] + "<cosponsors>" + text[item:]
        second = tmp_path / "b"
        second.mkdir()
        (second / HR2471.name).write_text(changed, encoding="utf-8")
        (second / S1260.name).write_bytes(S1260.read_bytes())
        b = run(url, "congress-bills", str(second))
        assert b.counts["bill"]["inserted"] == 1 and b.counts["bill"]["updated"] == 1
        assert scalar(url, "SELECT count(*) FROM bill_sponsorships s JOIN bills b ON b.id = s.bill_id "
                           "WHERE b.identifier = 'H.R. 2471'") == 6  # fmt: skip
        subprocess.run(
            [sys.executable, "-m", "openpolicy.cli", "import-runs", "revert", str(b.run_id)],
            env={**os.environ, "DATABASE_URL": url},
            check=True,
            capture_output=True,
        )
        assert checksum(url) == state_a
