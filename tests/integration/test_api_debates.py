"""Debates and speeches through the api, on the real Hansard files (House members and 44-1 divisions first)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tests.support import SHARED_DATA, temporary_database
from tests.support.ingest import query, run, scalar
from tests.support.routers import ApiClient, api_client, assert_problem, ids

from openpolicy.documents import schemas as s

HANSARD = SHARED_DATA / "canada-hansard"
HOC = SHARED_DATA / "canada-hoc"
pytestmark = pytest.mark.skipif(not HANSARD.is_dir(), reason=f"real data folder {HANSARD} is absent")


@pytest.fixture(scope="module")
def loaded() -> Iterator[tuple[str, ApiClient]]:
    with temporary_database("openpolicy_test_api_debates") as url:
        run(url, "ourcommons", str(HOC / "ourcommons-members"))
        run(url, "ourcommons", str(HOC / "ourcommons-divisions-44-1" / "MetaDataVotes.csv"))
        run(url, "hansard", str(HANSARD))
        with api_client(url) as api:
            yield url, api


def debate_id(url: str, date: str) -> str:
    found = scalar(url, "SELECT id FROM debates WHERE date = $1::text::date", date)
    assert found, date
    return str(found)


def ok(api: ApiClient, path: str, model: Any, params: Any = None) -> Any:
    response = api.get(path, params=params)
    assert response.status_code == 200, response.text
    model.model_validate(response.json())
    return response.json()


def walk(api: ApiClient, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every result of a list, following the `next` links."""
    body = ok(api, path, s.SpeechPage, params)
    items = list(body["results"])
    while body["pagination"]["next"]:
        body = ok(api, body["pagination"]["next"], s.SpeechPage)
        items += body["results"]
    return items


def test_debates_list_newest_first_with_filters(loaded: tuple[str, ApiClient]) -> None:
    _url, api = loaded
    page = ok(api, "/v1/debates", s.DebatePage, {"limit": 200})
    dates = [d["date"] for d in page["results"]]
    assert dates == sorted(dates, reverse=True) and len(dates) == 9
    both = next(d for d in page["results"] if d["date"] == "2015-12-04")
    assert [v["language"] for v in both["versions"]] == ["en", "fr"]
    assert both["identifier"] == "2" and both["session"]["identifier"] == "42-1"
    ethi = ok(api, "/v1/debates", s.DebatePage, {"committee": "ethi"})["results"]
    assert [(d["date"], d["classification"], d["organization"]["abbreviation"]) for d in ethi] == [
        ("2022-08-09", "committee", "ETHI")
    ]
    committees = ids(api.get("/v1/debates", params={"classification": "committee"}))
    assert len(committees) == 2
    sittings = ids(api.get("/v1/debates", params={"chamber": "lower", "session": "44-1"}))
    assert len(sittings) == 3
    in_range = api.get("/v1/debates", params={"date_after": "2015-01-01", "date_before": "2021-12-31", "sort": "date"})
    assert [d["date"] for d in in_range.json()["results"]] == ["2015-12-04", "2020-07-22", "2021-11-26"]
    assert ids(api.get("/v1/debates", params={"jurisdiction": "ca", "limit": 200})) == ids(
        api.get("/v1/debates", params={"limit": 200})
    )
    first = api.get("/v1/debates", params={"limit": 4})
    second = api.get(first.json()["pagination"]["next"])
    assert len(set(ids(first)) | set(ids(second))) == 8


def test_a_sitting_has_its_sections_and_speeches_in_order(loaded: tuple[str, ApiClient]) -> None:
    url, api = loaded
    han086 = debate_id(url, "2014-05-14")
    doc = ok(api, f"/v1/debates/{han086}", s.DebateDetail)
    assert doc["url"] == f"/v1/debates/{han086}" and doc["identifier"] == "86"
    [text] = doc["texts"]
    assert text["language"] == "en" and text["name"] == "House of Commons Debates"
    stored = query(url, "SELECT ordinal, parent_ordinal, title FROM debate_sections WHERE debate_id = $1 "
                        "ORDER BY ordinal", han086)  # fmt: skip
    assert [(c["ordinal"], c["parent_ordinal"], c["title"]) for c in text["sections"]] == [tuple(r) for r in stored]
    speeches = text["speeches"]
    assert len(speeches) == 479
    assert [sp["ordinal"] for sp in speeches] == list(range(1, 480))
    # each speech sits under a section that exists
    sections = {c["ordinal"] for c in text["sections"]}
    assert all(sp["section_ordinal"] in sections for sp in speeches if sp["section_ordinal"] is not None)
    assert all(sp["unresolved"] for sp in speeches if sp["person"] is None)
    assert all(sp["paragraphs"] and sp["anchor"] for sp in speeches)
    # 44-1: a resolved speaker carries their party and riding on the day; an unresolved one says why
    speeches = ok(api, f"/v1/debates/{debate_id(url, '2023-05-12')}", s.DebateDetail)["texts"][0]["speeches"]
    resolved = [sp for sp in speeches if sp["person"]]
    assert resolved and all(sp["unresolved"] is None for sp in resolved)
    assert any(sp["party"] and sp["district"] for sp in resolved)
    assert all(sp["unresolved"] for sp in speeches if sp["person"] is None)
    assert all(sp["paragraphs"] and sp["anchor"] for sp in speeches)


def test_42_1_2_in_both_languages_and_one_at_a_time(loaded: tuple[str, ApiClient]) -> None:
    url, api = loaded
    sitting = debate_id(url, "2015-12-04")
    doc = ok(api, f"/v1/debates/{sitting}", s.DebateDetail)
    assert [(t["language"], len(t["speeches"])) for t in doc["texts"]] == [("en", 42), ("fr", 42)]
    en, fr = doc["texts"]
    assert fr["name"] == "Débats de la Chambre des communes"
    # the same interventions in the same order, the same speakers resolved
    assert [sp["ordinal"] for sp in en["speeches"]] == [sp["ordinal"] for sp in fr["speeches"]]
    assert [(sp["person"] or {}).get("id") for sp in en["speeches"]] == [
        (sp["person"] or {}).get("id") for sp in fr["speeches"]
    ]
    assert all(sp["language"] == "fr" for sp in fr["speeches"])
    only_fr = ok(api, f"/v1/debates/{sitting}", s.DebateDetail, {"lang": "FR"})
    assert [t["language"] for t in only_fr["texts"]] == ["fr"] and only_fr["texts"][0] == fr
    assert_problem(api.get(f"/v1/debates/{sitting}", params={"lang": "de"}), 400, "lang")
    english_only = debate_id(url, "2014-05-14")
    body = assert_problem(api.get(f"/v1/debates/{english_only}", params={"lang": "fr"}), 404)
    assert "not published in 'fr'" in body["detail"]
    assert_problem(api.get("/v1/debates/ocd-debate/nothing"), 404)


def test_speeches_filters(loaded: tuple[str, ApiClient]) -> None:
    url, api = loaded
    # q in French without accents finds the French text with them
    found = walk(api, "/v1/speeches", {"q": "president elu", "lang": "fr", "limit": 50})
    assert found and all(sp["language"] == "fr" for sp in found)
    assert all("élu" in " ".join(sp["paragraphs"]).lower() for sp in found)
    # the same words in English find English speeches
    english = walk(api, "/v1/speeches", {"q": "official languages", "lang": "en", "limit": 100})
    assert english and all("official" in " ".join(sp["paragraphs"]).lower() for sp in english)
    # by debate: every speech of the committee meeting, in the order spoken with sort=date
    meeting = debate_id(url, "2022-08-09")
    spoken = walk(api, "/v1/speeches", {"debate": meeting, "sort": "date", "limit": 200})
    assert [sp["ordinal"] for sp in spoken] == list(range(1, 227))
    assert {sp["debate"]["id"] for sp in spoken} == {meeting}
    assert spoken[0]["debate"]["organization"]["abbreviation"] == "ETHI"
    # by date range
    dated = walk(api, "/v1/speeches", {"date_after": "2023-01-01", "date_before": "2023-12-31", "limit": 200})
    assert len(dated) == 183 and {sp["debate"]["date"] for sp in dated} == {"2023-05-12"}
    # by person: exactly their speeches
    person = scalar(url, "SELECT person_id FROM speeches WHERE speaker_name = 'Mr. Kevin Lamoureux' "
                         "AND person_id IS NOT NULL LIMIT 1")  # fmt: skip
    theirs = walk(api, "/v1/speeches", {"person": person, "limit": 7})
    assert len(theirs) == scalar(url, "SELECT count(*) FROM speeches WHERE person_id = $1", person)
    assert {sp["person"]["id"] for sp in theirs} == {person}
    dates = [sp["debate"]["date"] for sp in theirs]
    assert dates == sorted(dates, reverse=True)


def test_a_persons_speeches(loaded: tuple[str, ApiClient]) -> None:
    url, api = loaded
    person = scalar(url, "SELECT person_id FROM speeches WHERE speaker_name = 'Mr. Kevin Lamoureux' "
                         "AND person_id IS NOT NULL LIMIT 1")  # fmt: skip
    theirs = walk(api, f"/v1/people/{person}/speeches", {"limit": 10})
    assert [sp["id"] for sp in theirs] == [sp["id"] for sp in walk(api, "/v1/speeches", {"person": person})]
    assert all(sp["party"] and sp["district"]["name"] == "Winnipeg North" for sp in theirs)
    newest = ok(api, f"/v1/people/{person}/speeches", s.SpeechPage, {"limit": 1})["results"][0]
    assert newest["section"] and newest["debate"]["name"] == "House of Commons Debates"
    assert_problem(api.get("/v1/people/ocd-person/nobody/speeches"), 404)
    assert_problem(api.get(f"/v1/people/{person}/speeches", params={"person": person}), 400, "person")


def test_search_finds_a_speech(loaded: tuple[str, ApiClient]) -> None:
    _url, api = loaded
    body = api.get("/v1/search", params={"q": "Official Languages Act", "types": "speech"}).json()
    s.SearchResults.model_validate(body)
    assert body["types"] == ["speech"] and body["results"]
    hit = body["results"][0]
    assert hit["type"] == "speech" and "<b>" in hit["snippet"]
    speech = ok(api, hit["url"], s.SpeechSummary)
    assert "official languages act" in " ".join(speech["paragraphs"]).lower()
    # French, accents left out
    french = api.get("/v1/search", params={"q": "president elu", "types": "speech"}).json()["results"]
    assert french and all(h["type"] == "speech" for h in french)
    # a person's name finds the person before the speeches that name them
    everything = api.get("/v1/search", params={"q": "Lamoureux"}).json()["results"]
    assert everything[0]["type"] == "person" and everything[0]["title"] == "Kevin Lamoureux"


@pytest.mark.parametrize(
    "path", ["/v1/debates", "/v1/speeches", "/v1/debates/{debate}", "/v1/people/{person}/speeches"]
)
def test_unknown_parameter_is_a_400(loaded: tuple[str, ApiClient], path: str) -> None:
    url, api = loaded
    person = scalar(url, "SELECT person_id FROM speeches WHERE person_id IS NOT NULL LIMIT 1")
    target = path.format(debate=debate_id(url, "2015-12-04"), person=person)
    body = assert_problem(api.get(target, params={"langue": "fr"}), 400, "langue")
    assert ("lang" in body["allowed"]) == (path != "/v1/debates")
    assert_problem(api.get(target, params={"limit": "500"}), 400, "limit")


def test_etag_answers_304(loaded: tuple[str, ApiClient]) -> None:
    url, api = loaded
    path = f"/v1/debates/{debate_id(url, '2015-12-04')}"
    first = api.get(path, params={"lang": "en"})
    assert first.status_code == 200 and first.headers["etag"]
    again = api.get(path, params={"lang": "en"}, headers={"if-none-match": first.headers["etag"]})
    assert again.status_code == 304
