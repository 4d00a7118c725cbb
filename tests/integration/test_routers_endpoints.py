"""Every /v1 resource endpoint and filter against the deterministic dataset of tests/support/routers.py."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tests.support.routers import (
    AJAX,
    ALGOMA,
    ALICE,
    BOB,
    BURNABY,
    C3,
    C21,
    C59,
    C210,
    CA12,
    CA_HOUSE,
    CA_PARL,
    CA_SENATE,
    CALGARY,
    CHLOE,
    CON,
    DAVID,
    EMMA,
    FINA,
    FINA_SUB,
    FRANK,
    GRACE,
    HENRI,
    HESA,
    HR1,
    J_CA,
    J_US,
    LIB,
    M1,
    NDP,
    PERIOD_44,
    S5,
    S44_1,
    US_HOUSE,
    V1,
    V2,
    V3,
    V4,
    V5,
    ApiClient,
    assert_problem,
    dataset_api,
    ids,
)


@pytest.fixture(scope="module")
def api() -> Iterator[ApiClient]:
    with dataset_api() as client:
        yield client


def get(api: ApiClient, path: str, **params: Any) -> dict[str, Any]:
    response = api.get(path, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# --- jurisdictions --------------------------------------------------------------------------------------------


def test_jurisdictions_list_and_filters(api: ApiClient) -> None:
    assert ids(api.get("/v1/jurisdictions")) == [J_CA, J_US]
    assert ids(api.get("/v1/jurisdictions", params={"sort": "-name"})) == [J_US, J_CA]
    assert ids(api.get("/v1/jurisdictions", params={"country": "US"})) == [J_US]
    assert ids(api.get("/v1/jurisdictions", params={"q": "canada"})) == [J_CA]
    assert ids(api.get("/v1/jurisdictions", params={"classification": "legislature"})) == [J_CA, J_US]
    assert ids(api.get("/v1/jurisdictions", params={"classification": "executive"})) == []
    assert ids(api.get("/v1/jurisdictions", params={"updated_since": "2000-01-01"})) == [J_CA, J_US]
    assert ids(api.get("/v1/jurisdictions", params={"updated_since": "2999-01-01T00:00:00+02:00"})) == []


def test_jurisdiction_detail(api: ApiClient) -> None:
    body = get(api, f"/v1/jurisdictions/{J_CA}")
    assert body["name"] == "Parliament of Canada"
    assert {c["id"] for c in body["chambers"]} == {CA_PARL, CA_HOUSE, CA_SENATE}
    assert [s["id"] for s in body["sessions"]] == [S44_1]
    assert [p["id"] for p in body["legislative_periods"]] == [PERIOD_44]
    assert_problem(api.get("/v1/jurisdictions/ocd-jurisdiction/country:zz/legislature"), 404)


# --- organizations and committees ---------------------------------------------------------------------------


def test_organizations_filters(api: ApiClient) -> None:
    parties = ids(api.get("/v1/organizations", params={"classification": "party"}))
    assert set(parties) == {LIB, CON, NDP, "ocd-organization/party-dem"}
    assert set(
        ids(api.get("/v1/organizations", params={"classification": "party", "jurisdiction": "parliament of canada"}))
    ) == {LIB, CON, NDP}
    assert set(ids(api.get("/v1/organizations", params={"chamber": "lower"}))) == {CA_HOUSE, US_HOUSE, FINA, HESA}
    assert set(ids(api.get("/v1/organizations", params={"parent": CA_HOUSE}))) == {FINA, HESA}
    assert set(ids(api.get("/v1/organizations", params={"parent": "House of Commons"}))) == {FINA, HESA}
    assert ids(api.get("/v1/organizations", params={"q": "finance"})) == [FINA]
    assert ids(api.get("/v1/organizations", params={"q": "100%"})) == []  # LIKE wildcards are literal
    assert ids(api.get("/v1/organizations", params={"updated_since": "2999-01-01"})) == []


def test_organization_detail_members(api: ApiClient) -> None:
    body = get(api, f"/v1/organizations/{CA_HOUSE}")
    assert body["parent"]["id"] == CA_PARL
    assert {c["id"] for c in body["children"]} == {FINA, HESA}
    members = {m["person"]["id"]: m for m in body["current_members"]}
    assert set(members) == {ALICE, BOB, CHLOE, FRANK, HENRI}  # David's seat ended; Alice's 2015 seat is past
    assert members[HENRI]["party"]["id"] == CON  # his current membership, not the Liberal one that ended
    assert members[ALICE]["area"]["id"] == AJAX
    assert members[CHLOE]["party"]["id"] == NDP  # from her party membership
    assert_problem(api.get("/v1/organizations/ocd-organization/nope"), 404)


def test_committees(api: ApiClient) -> None:
    assert ids(api.get("/v1/committees")) == [FINA, HESA, FINA_SUB]
    assert ids(api.get("/v1/committees", params={"classification": "subcommittee"})) == [FINA_SUB]
    assert ids(api.get("/v1/committees", params={"chamber": "lower"})) == [FINA, HESA, FINA_SUB]
    assert ids(api.get("/v1/committees", params={"chamber": "upper"})) == []
    assert ids(api.get("/v1/committees", params={"parent": FINA})) == [FINA_SUB]
    assert ids(api.get("/v1/committees", params={"jurisdiction": J_US})) == []
    assert ids(api.get("/v1/committees", params={"q": "health"})) == [HESA]
    problem = assert_problem(api.get("/v1/committees", params={"classification": "party"}), 400, "classification")
    assert problem["allowed"] == ["committee", "subcommittee"]

    body = get(api, f"/v1/committees/{FINA}")
    members = body["current_members"]
    assert members[0]["person"]["id"] == ALICE and members[0]["role"] == "chair"  # chairs first
    by_person = {m["person"]["id"]: m for m in members}
    assert set(by_person) == {ALICE, BOB, CHLOE}
    assert by_person[CHLOE]["party"]["id"] == NDP  # party from the seat/party membership
    assert by_person[BOB]["party"]["id"] == CON
    assert [c["id"] for c in body["children"]] == [FINA_SUB]
    assert_problem(api.get(f"/v1/committees/{CA_HOUSE}"), 404)  # an organization, but not a committee
    # Bob's HESA vice-chair membership ended: HESA has no current members.
    assert get(api, f"/v1/committees/{HESA}")["current_members"] == []


# --- areas ------------------------------------------------------------------------------------------------------


def test_areas(api: ApiClient) -> None:
    assert set(ids(api.get("/v1/areas", params={"jurisdiction": J_CA}))) == {AJAX, ALGOMA, BEAUCE_ID, CALGARY, BURNABY}
    assert ids(api.get("/v1/areas", params={"identifier": "35001"})) == [AJAX]
    assert ids(api.get("/v1/areas", params={"q": "CALGARY"})) == [CALGARY]
    assert ids(api.get("/v1/areas", params={"classification": "congressional district"})) == [CA12]
    assert ids(api.get("/v1/areas", params={"limit": 2})) == [AJAX, ALGOMA]

    calgary = get(api, f"/v1/areas/{CALGARY}")
    assert [r["person"]["id"] for r in calgary["current_representatives"]] == [FRANK]  # David left in 2021
    assert calgary["current_representatives"][0]["party"]["id"] == CON
    assert [p["organization"]["id"] for p in calgary["posts"]] == [CA_HOUSE]
    assert_problem(api.get("/v1/areas/ocd-division/country:ca/ed:00000"), 404)


BEAUCE_ID = "ocd-division/country:ca/ed:24001"


# --- people -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, [ALICE, BOB, CHLOE, DAVID, EMMA, FRANK, GRACE, HENRI]),
        ({"sort": "-name"}, [HENRI, GRACE, FRANK, EMMA, DAVID, CHLOE, BOB, ALICE]),
        ({"current": "true"}, [ALICE, BOB, CHLOE, EMMA, FRANK, GRACE, HENRI]),
        ({"current": "false"}, [DAVID]),
        ({"party": "LPC"}, [ALICE, DAVID, HENRI]),  # any time: Alice's past seat was Conservative, not Liberal
        ({"party": "Liberal Party of Canada", "current": "true"}, [ALICE]),
        ({"party": "cpc"}, [ALICE, BOB, FRANK, HENRI]),
        ({"party": CON, "current": "true"}, [BOB, FRANK, HENRI]),
        ({"party": "NDP"}, [CHLOE]),  # a party membership, not "on behalf of"
        ({"chamber": "upper"}, [EMMA]),
        ({"chamber": "lower", "jurisdiction": J_US}, [GRACE]),
        ({"chamber": CA_HOUSE, "current": "false"}, [DAVID]),
        ({"jurisdiction": "United States Congress"}, [GRACE]),
        ({"district": "35001"}, [ALICE]),
        ({"district": ALGOMA}, [ALICE, BOB]),
        ({"district": "Algoma—Manitoulin—Kapuskasing", "current": "true"}, [BOB]),
        ({"area": "calgary centre"}, [DAVID, FRANK]),
        ({"q": "ANDER"}, [ALICE]),
        ({"q": "é"}, [CHLOE, HENRI]),
        ({"updated_since": "2000-01-01"}, [ALICE, BOB, CHLOE, DAVID, EMMA, FRANK, GRACE, HENRI]),
        ({"updated_since": "2999-01-01"}, []),
        ({"party": "no such party"}, []),
        ({"party": ""}, [ALICE, BOB, CHLOE, DAVID, EMMA, FRANK, GRACE, HENRI]),  # empty means no filter
    ],
)
def test_people_filters(api: ApiClient, params: dict[str, str], expected: list[str]) -> None:
    assert ids(api.get("/v1/people", params=params)) == expected


def test_people_summaries_state_current_seat(api: ApiClient) -> None:
    people = {p["id"]: p for p in get(api, "/v1/people")["results"]}
    assert people[ALICE]["current_party"]["id"] == LIB
    assert people[ALICE]["current_district"]["id"] == AJAX
    assert people[ALICE]["current_chamber"]["id"] == CA_HOUSE
    assert people[CHLOE]["current_party"]["id"] == NDP
    assert people[HENRI]["current_party"]["id"] == CON
    assert people[EMMA]["current_chamber"]["id"] == CA_SENATE and people[EMMA]["current_party"] is None
    assert people[DAVID]["current_party"] is None and people[DAVID]["current_chamber"] is None


def test_person_detail(api: ApiClient) -> None:
    body = get(api, f"/v1/people/{ALICE}")
    assert body["current_party"]["abbreviation"] == "LPC"
    assert body["current_district"]["name"] == "Ajax"
    current = {m["id"]: m for m in body["current_memberships"]}
    assert set(current) == {"ocd-membership/alice-44", "ocd-membership/alice-fina"}
    seat = current["ocd-membership/alice-44"]
    assert seat["organization"]["id"] == CA_HOUSE
    assert seat["party"]["id"] == LIB
    assert seat["post"] == f"MP for {AJAX}"
    assert seat["legislative_period"]["identifier"] == "44"
    assert seat["start_date"] == "2021-11-22" and seat["end_date"] is None and seat["current"] is True
    [past] = body["past_memberships"]
    assert (past["party"]["id"], past["area"]["id"], past["end_date"], past["current"]) == (
        CON,
        ALGOMA,
        "2019-09-11",
        False,
    )
    assert [(c["organization"]["id"], c["role"]) for c in body["committees"]] == [(FINA, "chair")]
    assert body["identifiers"] == [
        {"scheme": "parl.gc.ca", "identifier": "100001", "scope": None},
        {"scheme": "wikidata", "identifier": "Q1000001", "scope": None},
    ]
    # provenance: its own path, its sources, the run that last changed it (none: the dataset is inserted by hand)
    assert body["url"] == f"/v1/people/{ALICE}" and body["import_run_id"] is None
    assert seat["start_date_inferred"] is False and seat["end_date_inferred"] is False and seat["sources"] == []
    assert body["contact_details"][0]["value"] == "613-555-0101"
    assert body["other_names"][0]["name"] == "Ally Anderson"
    assert (body["gender"], body["birth_date"], body["email"]) == ("female", "1970-04", "alice@example.org")

    bob = get(api, f"/v1/people/{BOB}")
    assert [c["organization"]["id"] for c in bob["committees"]] == [FINA]  # HESA ended
    assert [m["organization"]["id"] for m in bob["past_memberships"]] == [HESA]
    assert_problem(api.get("/v1/people/ocd-person/nobody"), 404)


def test_voting_record_states_every_option(api: ApiClient) -> None:
    record = get(api, f"/v1/people/{FRANK}/votes")["results"]
    assert [(r["vote_id"], r["option"]) for r in record] == [(V2, "not voting"), (V3, "yes"), (V1, "absent")]
    newest = record[0]
    assert newest["date"] == "2023-06-01"
    assert newest["motion"].startswith("That Bill C-21")
    assert newest["result"] == "pass"
    assert newest["bill"]["identifier"] == "C-21"
    assert newest["chamber"]["id"] == CA_HOUSE
    assert [r["vote_id"] for r in get(api, f"/v1/people/{FRANK}/votes", option="absent")["results"]] == [V1]
    assert [r["vote_id"] for r in get(api, f"/v1/people/{FRANK}/votes", date_after="2023-01-01")["results"]] == [
        V2,
        V3,
    ]
    assert [r["vote_id"] for r in get(api, f"/v1/people/{FRANK}/votes", date_before="2023-03-01")["results"]] == [
        V3,
        V1,
    ]
    assert len(get(api, f"/v1/people/{FRANK}/votes", session="44-1")["results"]) == 3
    assert get(api, f"/v1/people/{DAVID}/votes")["results"] == []
    assert get(api, f"/v1/people/{CHLOE}/votes", option="paired")["results"][0]["bill"] is None

    # Paged newest first, walking with the next link.
    seen, url = [], f"/v1/people/{FRANK}/votes?limit=1"
    while url:
        page = api.get(url).json()
        seen += [r["vote_id"] for r in page["results"]]
        url = page["pagination"]["next"]
    assert seen == [V2, V3, V1]
    assert_problem(api.get("/v1/people/ocd-person/nobody/votes"), 404)
    problem = assert_problem(api.get(f"/v1/people/{FRANK}/votes", params={"option": "maybe"}), 400, "option")
    assert "not voting" in problem["allowed"] and "maybe" in problem["detail"]
    assert_problem(api.get(f"/v1/people/{FRANK}/votes", params={"sort": "motion"}), 400, "sort")


# --- bills ------------------------------------------------------------------------------------------------------

ALL_BILLS_BY_LATEST_ACTION_DESC = [C21, C59, S5, HR1, C210, C3, M1]  # bills without a date last, both ways


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ALL_BILLS_BY_LATEST_ACTION_DESC),
        ({"sort": "latest_action_date"}, [C3, C210, HR1, S5, C59, C21, M1]),
        ({"sort": "introduced_date"}, [C3, C210, S5, C21, HR1, C59, M1]),
        ({"sort": "-introduced_date"}, [C59, HR1, C21, S5, C210, C3, M1]),
        ({"jurisdiction": J_US}, [HR1]),
        ({"session": "44-1"}, [C21, C59, S5, C210, C3, M1]),
        ({"session": S44_1, "chamber": "upper"}, [S5]),
        ({"chamber": "House of Commons"}, [C21, C59, C210, C3, M1]),
        ({"status": "royal assent"}, [C21, S5, C3]),
        ({"sponsor": ALICE}, [C21]),
        ({"sponsor": "fischer"}, [C21]),  # cosponsor, by name
        ({"primary_sponsor": FRANK}, []),
        ({"primary_sponsor": "Alice"}, [C21]),
        ({"sponsor": "Minister of Finance"}, [C3]),
        ({"subject": "Environment"}, [S5, C210]),
        ({"classification": "motion"}, [M1]),
        ({"identifier": "c21"}, [C21]),
        ({"identifier": "HR 1"}, [HR1]),
        ({"introduced_after": "2022-05-01"}, [C21, C59, HR1]),
        ({"introduced_before": "2022-01-01"}, [C3]),
        ({"action_since": "2023-06-01", "action_before": "2023-12-10"}, [C59, S5]),
        ({"q": "budget"}, [C59, C3]),
        ({"updated_since": "2999-01-01"}, []),
    ],
)
def test_bills_filters_and_sorts(api: ApiClient, params: dict[str, str], expected: list[str]) -> None:
    assert ids(api.get("/v1/bills", params=params)) == expected


def test_bill_detail(api: ApiClient) -> None:
    body = get(api, f"/v1/bills/{C21}")
    assert body["identifier"] == "C-21"
    assert body["session"]["identifier"] == "44-1"
    assert body["title_fr"].endswith("(armes à feu)")
    assert [(s["person"]["id"], s["primary"]) for s in body["sponsors"]] == [(ALICE, True), (FRANK, False)]
    assert [(a["order"], a["date"]) for a in body["actions"]] == [
        (1, "2022-05-30"),
        (2, "2022-06-23"),
        (3, "2023-12-15"),
    ]
    assert [v["note"] for v in body["versions"]] == ["First Reading", "Royal Assent"]
    assert [d["note"] for d in body["documents"]] == ["Legislative Summary"]
    assert [v["id"] for v in body["votes"]] == [V1, V2]
    assert body["votes"][0]["counts"] == [
        {"option": "yes", "value": 3},
        {"option": "no", "value": 1},
        {"option": "absent", "value": 1},
    ]
    minister = get(api, f"/v1/bills/{C3}")["sponsors"]
    assert minister == [
        {
            "name": "Minister of Finance",
            "primary": True,
            "classification": "sponsor",
            "person": None,
            "organization": None,
            # what a Bill Status file states of a (co)sponsor; this source states none of it
            "party": None,
            "state": None,
            "district": None,
            "date": None,
            "withdrawn_date": None,
            "original": None,
        }
    ]
    assert_problem(api.get("/v1/bills/ocd-bill/nope"), 404)


# --- votes ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, [V2, V5, V3, V4, V1]),
        ({"sort": "date"}, [V1, V4, V3, V5, V2]),
        ({"jurisdiction": J_US}, [V5]),
        ({"session": "44-1"}, [V2, V3, V4, V1]),
        ({"chamber": "upper"}, [V4]),
        ({"bill": "C-21"}, [V2, V1]),
        ({"bill": C21}, [V2, V1]),
        ({"bill": "hr1"}, [V5]),
        ({"result": "fail"}, [V3]),
        ({"classification": "passage"}, [V2, V1]),
        ({"voter": FRANK}, [V2, V3, V1]),
        ({"voter": FRANK, "option": "absent"}, [V1]),
        ({"date_after": "2023-01-01", "date_before": "2023-03-31"}, [V5, V3]),
        ({"q": "HOUSING"}, [V3]),
        ({"updated_since": "2999-01-01"}, []),
    ],
)
def test_votes_filters(api: ApiClient, params: dict[str, str], expected: list[str]) -> None:
    assert ids(api.get("/v1/votes", params=params)) == expected


def _party_groups(body: dict[str, Any]) -> dict[str | None, set[str]]:
    return {
        (g["party"]["id"] if g["party"] else None): {
            b["person"]["id"] if b["person"] else b["voter_name"] for b in g["ballots"]
        }
        for g in body["by_party"]
    }


def test_vote_detail_counts_match(api: ApiClient) -> None:
    body = get(api, f"/v1/votes/{V1}")
    assert body["motion"] == "That Bill C-21 be now read a second time"
    assert (body["date"], body["result"], body["chamber"]["id"], body["bill"]["id"]) == (
        "2022-06-23",
        "pass",
        CA_HOUSE,
        C21,
    )
    assert body["counts_match"] is True
    assert body["count_differences"] == []
    assert body["ballot_total"] == 5
    # Henri sat as a Liberal on 2022-06-23 (he crossed the floor on 2022-07-01).
    assert _party_groups(body) == {LIB: {ALICE, HENRI}, CON: {BOB, FRANK}, NDP: {CHLOE}}
    lib = next(g for g in body["by_party"] if g["party"] and g["party"]["id"] == LIB)
    assert lib["counts"] == {"yes": 2}
    con = next(g for g in body["by_party"] if g["party"] and g["party"]["id"] == CON)
    assert con["counts"] == {"no": 1, "absent": 1}


def test_vote_detail_counts_disagree(api: ApiClient) -> None:
    body = get(api, f"/v1/votes/{V2}")
    assert body["counts_match"] is False
    assert body["count_differences"] == [
        {"option": "yes", "published": 4, "computed": 3, "difference": -1},
        {"option": "not voting", "published": 0, "computed": 1, "difference": 1},
    ]
    assert body["computed_counts"] == [
        {"option": "yes", "value": 3},
        {"option": "no", "value": 1},
        {"option": "not voting", "value": 1},
    ]
    assert _party_groups(body) == {CON: {BOB, FRANK, HENRI}, LIB: {ALICE}, NDP: {CHLOE}}
    assert body["by_party"][0]["party"]["id"] == CON  # largest group first


def test_vote_detail_unmatched_voter_and_french_motion(api: ApiClient) -> None:
    body = get(api, f"/v1/votes/{V3}")
    assert body["motion_fr"].startswith("Motion de l'opposition")
    assert body["counts_match"] is True
    groups = _party_groups(body)
    assert groups[None] == {"Unknown Member"}
    assert body["by_party"][-1]["party"] is None  # voters without a party last
    assert get(api, f"/v1/votes/{V4}")["chamber"]["id"] == CA_SENATE
    assert get(api, f"/v1/votes/{V5}")["by_party"][0]["party"]["abbreviation"] == "D"
    assert_problem(api.get("/v1/votes/ocd-vote/nope"), 404)


def test_openapi_documents_every_route(api: ApiClient) -> None:
    spec = get(api, "/openapi.json")
    paths = set(spec["paths"])
    for path in [
        "/v1/jurisdictions",
        "/v1/jurisdictions/{jurisdiction_id}",
        "/v1/organizations",
        "/v1/committees",
        "/v1/areas",
        "/v1/people",
        "/v1/people/{person_id}/votes",
        "/v1/bills",
        "/v1/bills/{bill_id}",
        "/v1/votes",
        "/v1/votes/{vote_id}",
        "/v1/search",
    ]:
        assert path in paths, sorted(paths)
    schemas = spec["components"]["schemas"]
    for name in ["PersonPage", "PersonDetail", "BillDetail", "VoteDetail", "VotingRecordPage", "SearchResults"]:
        assert schemas[name].get("description"), name
