"""Atom feeds of the web, on real House of Commons members, 44-1 divisions and Hansard, and real Bill Status:
each feed parses as valid Atom (feedparser), says what the api says, is announced by its page, and grows after an
import."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import feedparser
import httpx
import pytest
from tests.support import SHARED_DATA, Service, start_api, start_web, temporary_database
from tests.support.ingest import run, scalar

HOC = SHARED_DATA / "canada-hoc"
HANSARD = SHARED_DATA / "canada-hansard"
BILLS = SHARED_DATA / "us-billstatus"
LEGISLATORS = SHARED_DATA / "us-congress" / "congress-legislators"
VOTES = SHARED_DATA / "us-congress" / "congress-votes"
CANADA = "ocd-jurisdiction/country:ca/legislature"

pytestmark = [pytest.mark.slow, pytest.mark.needs_data]


@dataclass
class Site:
    db: str
    web: str
    api: str


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """House members and divisions loaded; Hansard and bills are imported by the tests that watch feeds grow."""
    tmp: Path = tmp_path_factory.mktemp("feeds")
    with temporary_database("openpolicy_test_web_feeds") as url:
        run(url, "ourcommons", str(HOC / "ourcommons-members"))
        run(url, "ourcommons", str(HOC / "ourcommons-divisions-44-1" / "MetaDataVotes.csv"))
        api: Service
        api, api_base = start_api(url, tmp)
        try:
            # no page micro-cache: a feed read right after an import must show it
            web, web_base = start_web(api_base, tmp, extra_env={"WEB_PAGE_CACHE_SECONDS": "0"})
            try:
                yield Site(url, web_base, api_base)
            finally:
                web.stop()
        finally:
            api.stop()


def feed(url: str, **params: str) -> feedparser.FeedParserDict:
    response = httpx.get(url, params=params, timeout=30)
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def page_path(kind: str, ident: str) -> str:
    return f"/{kind}/{quote(ident, safe='/:')}"


def alternate_feeds(html: str) -> list[str]:
    return re.findall(r'<link rel="alternate" type="application/atom\+xml" title="[^"]*" href="([^"]+)">', html)


def test_latest_votes_of_a_jurisdiction(site: Site) -> None:
    votes = httpx.get(f"{site.api}/v1/votes", params={"jurisdiction": CANADA, "limit": 50}, timeout=30).json()
    parsed = feed(f"{site.web}/votes/feed.atom", jurisdiction=CANADA)
    assert parsed.feed.title == "Latest votes: Parliament of Canada"
    assert [e.link for e in parsed.entries] == [f"{site.web}{page_path('votes', v['id'])}" for v in votes["results"]]
    assert len(parsed.entries) == 50
    first, api_first = parsed.entries[0], votes["results"][0]
    assert first.title == f"Vote: {api_first['motion']}"
    assert first.published.startswith(api_first["date"])
    assert f"Result: {api_first['result']}" in first.summary
    assert parsed.feed.updated == max(e.updated for e in parsed.entries)
    assert len({e.id for e in parsed.entries}) == 50  # one entry per vote, permanent ids
    # every entry's link is a page of the site
    assert httpx.get(first.link, timeout=30).status_code == 200
    # the votes page announces the feed of what it lists
    html = httpx.get(f"{site.web}/votes", params={"jurisdiction": CANADA}, timeout=30).text
    assert alternate_feeds(html) == [f"/votes/feed.atom?jurisdiction={quote(CANADA, safe='')}"]


def test_a_person_feed_grows_with_the_hansard_import(site: Site) -> None:
    person = httpx.get(f"{site.api}/v1/people", params={"q": "Lamoureux"}, timeout=30).json()["results"][0]
    url = f"{site.web}{page_path('people', person['id'])}/feed.atom"
    before = feed(url)
    assert before.feed.title == f"{person['name']}: votes, speeches and bills"
    assert not [e for e in before.entries if e.tags[0].term == "speech"]
    # the person page announces this feed
    html = httpx.get(f"{site.web}{page_path('people', person['id'])}", timeout=30).text
    assert alternate_feeds(html) == [f"{page_path('people', person['id'])}/feed.atom"]

    run(site.db, "hansard", str(HANSARD))
    after = feed(url)
    speeches = [e for e in after.entries if e.tags[0].term == "speech"]
    listed = httpx.get(f"{site.api}/v1/people/{person['id']}/speeches", params={"limit": 40}, timeout=30).json()
    expected = {f"{site.web}{page_path('debates', x['debate']['id'])}#speech-{x['ordinal']}" for x in listed["results"]}
    assert speeches and {e.link for e in speeches} == expected  # newest 40 texts, one entry per intervention
    assert all(" spoke: " in e.title and e.summary for e in speeches)
    assert len({e.id for e in speeches}) == len(speeches)
    dates = [e.published for e in after.entries]
    assert dates == sorted(dates, reverse=True)
    debate_page = httpx.get(speeches[0].link.split("#")[0], timeout=30)
    assert debate_page.status_code == 200
    assert f'id="speech-{speeches[0].link.rsplit("-", 1)[1]}"' in debate_page.text


def test_a_legislator_feed_grows_with_votes_and_bills(site: Site) -> None:
    run(site.db, "us-congress", str(LEGISLATORS))
    jeffries = str(
        scalar(site.db, "SELECT person_id FROM person_identifiers WHERE scheme = 'bioguide' AND identifier = 'J000294'")
    )
    person_feed = f"{site.web}{page_path('people', jeffries)}/feed.atom"
    assert feed(person_feed).entries == []

    run(site.db, "us-congress", str(VOTES))
    record = httpx.get(f"{site.api}/v1/people/{jeffries}/votes", params={"limit": 20}, timeout=30).json()["results"]
    ballots = [e for e in feed(person_feed).entries if e.tags[0].term == "ballot"]
    assert len(ballots) == len(record) == 20
    assert [e.link for e in ballots] == [f"{site.web}{page_path('votes', r['vote_id'])}" for r in record]
    assert ballots[0].title.startswith(f"Hakeem S. Jeffries voted {record[0]['option']}")

    run(site.db, "congress-bills", str(BILLS))
    sponsored = [e for e in feed(person_feed).entries if e.tags[0].term == "bill"]
    assert "Sponsored H.R. 2471: Consolidated Appropriations Act, 2022" in [e.title for e in sponsored]

    bill = httpx.get(f"{site.api}/v1/bills", params={"identifier": "H.R. 2471"}, timeout=30).json()["results"][0]
    parsed = feed(f"{site.web}{page_path('bills', bill['id'])}/feed.atom")
    assert parsed.feed.title == "H.R. 2471: Consolidated Appropriations Act, 2022"
    actions = [e for e in parsed.entries if e.tags[0].term == "action"]
    assert len(actions) == 50  # 56 actions; a feed holds the newest 50
    assert actions[0].title == "Became Public Law No: 117-103."
    assert len({e.id for e in actions}) == 50 and all(re.search(r"#action-\d+$", e.id) for e in actions)
    html = httpx.get(f"{site.web}{page_path('bills', bill['id'])}", timeout=30).text
    assert alternate_feeds(html) == [f"{page_path('bills', bill['id'])}/feed.atom"]


def test_a_search_feed_and_a_missing_record(site: Site) -> None:
    parsed = feed(f"{site.web}/search/feed.atom", q="budget")
    assert parsed.feed.title == "Open Policy Platform: “budget”"
    assert parsed.entries, "the divisions hold motions about the budget"
    titled = [e for e in parsed.entries if e.tags[0].term != "speech"]
    assert all("budget" in e.title.lower() for e in titled)
    found = httpx.get(f"{site.web}/search", params={"q": "budget"}, timeout=30)
    assert found.status_code == 200, found.text[:2000]
    assert alternate_feeds(found.text) == ["/search/feed.atom?q=budget"]
    # an unknown person is the site's 404 page, not a feed
    missing = httpx.get(f"{site.web}/people/ocd-person/00000000-0000-0000-0000-000000000000/feed.atom", timeout=30)
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")


def test_every_kind_of_search_result_leads_to_a_page(site: Site) -> None:
    """Search finds people, bills, votes, districts, organizations (parties, chambers) and speeches: the search
    page lists each with a link that ends on a page of the site (a party: its members; a speech: its place in the
    debate)."""
    kinds: dict[str, str] = {}
    for q in ("Liberal", "budget", "Winnipeg", "Lamoureux", "Consolidated Appropriations"):
        page = httpx.get(f"{site.web}/search", params={"q": q}, timeout=30)
        assert page.status_code == 200, page.text[:500]
        for kind, href in re.findall(r'<span class="kind">(\w+)</span><a href="([^"]+)"', page.text):
            kinds.setdefault(kind, href)
    assert {"person", "bill", "vote", "area", "organization", "speech"} <= set(kinds), kinds
    for kind, href in kinds.items():
        landed = httpx.get(f"{site.web}{href}", timeout=30, follow_redirects=True)
        assert landed.status_code == 200, (kind, href, landed.text[:300])
    party = httpx.get(f"{site.web}{kinds['organization']}", timeout=30)
    assert party.status_code == 302 and party.headers["location"].startswith(("/people?", "/committees/"))
    speech = httpx.get(f"{site.web}{kinds['speech']}", timeout=30)
    assert speech.status_code == 302 and re.fullmatch(r"/debates/.+#speech-\d+", speech.headers["location"])
