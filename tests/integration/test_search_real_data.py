"""/v1/search on real data (EveryPolitician Canada and the House of Commons bundle): what people type — no
accents, any case, the first letters of a word — finds the accented or longer names, districts, parties and
motions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tests.support import temporary_database
from tests.support.ingest import EP_CANADA, HOC, needs_data, run
from tests.support.routers import ApiClient, api_client

pytestmark = needs_data


@pytest.fixture(scope="module")
def api() -> Iterator[ApiClient]:
    with temporary_database("openpolicy_test_search_real") as url:
        run(url, "popolo", str(EP_CANADA), "ca")
        run(url, "ourcommons", str(HOC))
        with api_client(url) as client:
            yield client


def search(api: ApiClient, q: str, **params: Any) -> list[dict[str, Any]]:
    response = api.get("/v1/search", params={"q": q, **params})
    assert response.status_code == 200, response.text
    return list(response.json()["results"])


def titles(results: list[dict[str, Any]]) -> list[str]:
    return [r["title"] for r in results]


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("Genereux", "Bernard Généreux"),
        ("genereux", "Bernard Généreux"),
        ("Bernard Genereux", "Bernard Généreux"),
        ("GÉNÉREUX", "Bernard Généreux"),
        ("Mendes", "Alexandra Mendès"),
        ("alexandra mendes", "Alexandra Mendès"),
        ("Gener", "Bernard Généreux"),  # the first letters of a name
        ("Alexandra Mend", "Alexandra Mendès"),
    ],
)
def test_people_are_found_without_accents_and_by_their_first_letters(api: ApiClient, typed: str, name: str) -> None:
    found = titles(search(api, typed, types="person"))
    assert name in found, found
    if " " in typed and len(typed) > 12:
        assert found[0] == name  # the whole name, accents aside, ranks first


def test_an_exact_name_without_accents_ranks_first(api: ApiClient) -> None:
    assert titles(search(api, "bernard genereux"))[0] == "Bernard Généreux"


def test_districts_and_parties_are_searched(api: ApiClient) -> None:
    areas = search(api, "saint hyacinthe bagot", types="area")
    assert areas and all(r["type"] == "area" for r in areas)
    assert any("Hyacinthe" in r["title"] for r in areas), titles(areas)
    assert areas[0]["url"].startswith("/v1/areas/")
    assert api.get(areas[0]["url"]).status_code == 200
    parties = search(api, "liber", types="organization")
    assert any("Liberal" in title for title in titles(parties)), titles(parties)
    assert api.get(parties[0]["url"]).status_code == 200
    everything = search(api, "Genereux")
    assert {"person"} <= {r["type"] for r in everything}


def test_prefixes_find_longer_words_in_motions(api: ApiClient) -> None:
    carbon = search(api, "carbo", types="vote")
    assert carbon and all("carbon" in r["title"].lower() or "carbon" in (r["snippet"] or "").lower() for r in carbon)
    disability = search(api, "disab", types="vote")
    assert any("disabilit" in r["title"].lower() for r in disability), titles(disability)
    whole = search(api, "disability", types="vote")
    assert {r["id"] for r in whole} <= {r["id"] for r in disability}
