"""/v1/search: bill numbers first, exact titles first, English and French full text, validation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tests.support.routers import ALICE, C3, C21, C59, C210, HR1, S5, V3, ApiClient, assert_problem, dataset_api


@pytest.fixture(scope="module")
def api() -> Iterator[ApiClient]:
    with dataset_api("openpolicy_test_routers_search") as client:
        yield client


def search(api: ApiClient, q: str, **params: Any) -> list[dict[str, Any]]:
    response = api.get("/v1/search", params={"q": q, **params})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["query"] == q.strip()
    results: list[dict[str, Any]] = body["results"]
    ranks = [r["rank"] for r in results]
    assert ranks == sorted(ranks, reverse=True)
    return results


@pytest.mark.parametrize(
    ("q", "bill"),
    [("C-21", C21), ("c21", C21), ("C 21", C21), ("c-210", C210), ("HR 1", HR1), ("H.R. 1", HR1), ("hr1", HR1)],
)
def test_bill_number_finds_that_bill_first(api: ApiClient, q: str, bill: str) -> None:
    results = search(api, q)
    assert results[0]["type"] == "bill" and results[0]["id"] == bill
    assert results[0]["url"] == f"/v1/bills/{bill}"
    assert all(r["rank"] < results[0]["rank"] for r in results[1:])


def test_exact_title_ranks_first(api: ApiClient) -> None:
    results = search(api, "Budget Implementation Act")
    assert [r["id"] for r in results[:2]] == [C3, C59]
    assert "<b>Budget</b>" in results[0]["snippet"]
    # Stemmed English: "taxes" matches the "taxes" of C-59 and "Taxation" is not in any title.
    assert [r["id"] for r in search(api, "tax", types="bill")] == [C59]


def test_french_queries_hit_french_titles_and_motions(api: ApiClient) -> None:
    [hit] = search(api, "armes à feu", types="bill")
    assert hit["id"] == C21
    assert "<b>armes</b>" in hit["snippet"]  # the excerpt comes from the French title
    assert search(api, "protection de l'environnement", types="bill")[0]["id"] == S5
    votes = search(api, "logement", types="vote")
    assert [v["id"] for v in votes] == [V3]
    assert "logement" in votes[0]["snippet"]


def test_people_and_types(api: ApiClient) -> None:
    people = search(api, "anderson", types="person")
    assert [(p["type"], p["id"], p["title"]) for p in people] == [("person", ALICE, "Alice Anderson")]
    assert search(api, "Alice Anderson")[0]["id"] == ALICE  # exact name first
    assert {r["type"] for r in search(api, "C-21", types="vote,bill")} <= {"vote", "bill"}
    assert {r["type"] for r in search(api, "housing")} == {"vote", "bill"}
    assert search(api, "the", types="bill") == []  # a stop word alone matches nothing
    assert search(api, "nonexistentword") == []
    assert len(search(api, "act", limit=1)) == 1


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"q": ""}, "q"),
        ({"q": "   "}, "q"),
        ({"q": "x" * 201}, "q"),
        ({"q": "a\x00b"}, "q"),
        ({"q": "act", "types": "person,committee"}, "types"),
        ({"q": "act", "limit": "0"}, "limit"),
        ({"q": "act", "limit": "201"}, "limit"),
    ],
)
def test_bad_search_parameters(api: ApiClient, params: dict[str, str], parameter: str) -> None:
    assert_problem(api.get("/v1/search", params=params), 400, parameter)


def test_q_is_a_required_parameter_of_search(api: ApiClient) -> None:
    """Declared required in the OpenAPI, and missing it is the api's 422 for a missing parameter, naming it."""
    problem = assert_problem(api.get("/v1/search"), 422, "q")
    assert problem["errors"] == [{"in": "query", "parameter": "q", "message": "Field required"}]
    spec = api.get("/openapi.json").json()["paths"]["/v1/search"]["get"]["parameters"]
    assert next(p for p in spec if p["name"] == "q")["required"] is True


# What a query reads as (any language, simple). Recorded from the former SQL definition (readings grouped and
# joined with string_agg), which the expressions of $1 replaced; accents removed since revision 0009.
READINGS = [
    ("Fernandes", "'fernand' | 'fernandes'", "'fernandes'"),
    ("armes à feu", "'arm' & 'feu' | 'arme' & 'a' & 'feu' | 'armes' & 'a' & 'feu'", "'armes' & 'a' & 'feu'"),
    ("the", "'the'", "'the'"),  # English stop word: only the French and simple readings, once
    ("le", "'le'", "'le'"),  # French stop word
    ("!!!", None, None),  # no lexeme at all: matches nothing
    ("health care", "'health' & 'care' | 'health' & 'car'", "'health' & 'care'"),
    (
        '"budget implementation" -tax',
        "'budget' <-> 'implement' & !'tax' | 'budget' <-> 'implementation' & !'tax'",
        "'budget' <-> 'implementation' & !'tax'",
    ),
    ("act or loi", "'act' | 'loi'", "'act' | 'loi'"),
    ("été", "'ete'", "'ete'"),  # accents removed
    ("C-21", "'c' <-> '-21' | '-21'", "'c' <-> '-21'"),
]


@pytest.mark.parametrize(("q", "any_language", "simple"), READINGS)
def test_query_readings(api: ApiClient, q: str, any_language: str | None, simple: str | None) -> None:
    """The query's readings OR-ed once each (duplicates and empty readings dropped), and its simple reading: the
    tsqueries the ranks use (accents removed: the configurations of revision 0009)."""
    import asyncio

    import asyncpg

    from openpolicy.api.routers.search import ANY_LANGUAGE, SIMPLE

    async def readings() -> asyncpg.Record:
        connection = await asyncpg.connect(str(api.settings.database_url))
        try:
            return await connection.fetchrow(f"SELECT ({ANY_LANGUAGE})::text, ({SIMPLE})::text", q)
        finally:
            await connection.close()

    assert tuple(asyncio.run(readings())) == (any_language, simple)
