"""The documents PostgreSQL builds (openpolicy.api.documents) are exactly what the response models promise.

For every person, bill and vote of the deterministic dataset (tests/support/routers.py: other names, contact
details, sponsors, actions, documents, ballots that disagree with their counts, voters without a party ...), the
body is validated by its endpoint's response model and the model's own JSON dump must equal the body field for
field: no missing, extra or differently formatted value (dates, Pydantic's timestamp form, nulls).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from pydantic import BaseModel
from tests.support.routers import ApiClient, dataset_api, ids

from openpolicy.documents.schemas import (
    BillDetail,
    BillPage,
    PersonDetail,
    PersonPage,
    SearchResults,
    VoteDetail,
    VotePage,
    VotingRecordPage,
)


@pytest.fixture(scope="module")
def api() -> Iterator[ApiClient]:
    with dataset_api("openpolicy_test_documents") as client:
        yield client


def assert_model_shape(api: ApiClient, path: str, model: type[BaseModel]) -> dict[str, Any]:
    response = api.get(path)
    assert response.status_code == 200, (path, response.text)
    assert response.headers["content-type"] == "application/json"
    body = json.loads(response.content)
    dumped = model.model_validate_json(response.content).model_dump(mode="json")
    assert dumped == body, path
    return body  # type: ignore[no-any-return]


def every(api: ApiClient, path: str) -> list[str]:
    return ids(api.get(path, params={"limit": 200}))


def test_people_list_and_details_match_their_models(api: ApiClient) -> None:
    for sort in ("name", "-name", "updated_at"):
        assert_model_shape(api, f"/v1/people?limit=200&sort={sort}", PersonPage)
    people = every(api, "/v1/people")
    assert len(people) >= 8
    seen_memberships = 0
    for person_id in people:
        body = assert_model_shape(api, f"/v1/people/{quote(person_id, safe='')}", PersonDetail)
        seen_memberships += len(body["current_memberships"]) + len(body["past_memberships"])
        assert_model_shape(api, f"/v1/people/{quote(person_id, safe='')}/votes?limit=200", VotingRecordPage)
    assert seen_memberships > 0


def test_bills_list_and_details_match_their_models(api: ApiClient) -> None:
    assert_model_shape(api, "/v1/bills?limit=200", BillPage)
    bills = every(api, "/v1/bills")
    assert bills
    for bill_id in bills:
        assert_model_shape(api, f"/v1/bills/{quote(bill_id, safe='')}", BillDetail)


def test_votes_list_and_details_match_their_models(api: ApiClient) -> None:
    assert_model_shape(api, "/v1/votes?limit=200", VotePage)
    votes = every(api, "/v1/votes")
    assert votes
    mismatched = 0
    for vote_id in votes:
        body = assert_model_shape(api, f"/v1/votes/{quote(vote_id, safe='')}", VoteDetail)
        mismatched += body["counts_match"] is False
    assert mismatched, "the dataset has a vote whose ballots disagree with its counts"


@pytest.mark.parametrize(
    "query",
    [
        "C-21",
        "HR 1",
        "firearms",
        "Alice",
        "logement",
        "housing affordability",
        "nothing-matches-this",
        "q=x&types=bill",
    ],
)
def test_search_answers_match_the_model(api: ApiClient, query: str) -> None:
    q, _, rest = query.partition("&")
    body = assert_model_shape(api, f"/v1/search?q={q.removeprefix('q=')}&{rest}", SearchResults)
    assert body["results"] == sorted(body["results"], key=lambda r: -r["rank"])
    if query == "C-21":
        assert body["results"][0]["type"] == "bill" and body["results"][0]["title"].startswith("C-21 — ")
        assert any(r["snippet"] for r in body["results"] if r["type"] == "bill")


def test_a_list_page_in_the_middle_keeps_the_envelope(api: ApiClient) -> None:
    first = assert_model_shape(api, "/v1/people?limit=2", PersonPage)
    assert first["pagination"] == {"limit": 2, "next": first["pagination"]["next"]}
    assert first["pagination"]["next"]
    second = assert_model_shape(api, first["pagination"]["next"], PersonPage)
    assert not set(ids_of(first)) & set(ids_of(second))


def ids_of(page: dict[str, Any]) -> list[str]:
    return [item["id"] for item in page["results"]]
