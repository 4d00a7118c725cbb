"""The web-interface in a real browser (Debian Chromium, headless) against real api and web processes.

Journey search → person → vote → bill, filters in the URL, JavaScript off, api down → 503 page, 404 page,
screenshots at phone and desktop widths (saved under artifacts/screenshots), and an axe-core accessibility
check of the main pages with no serious or critical violation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from tests.conftest import LiveStack
from tests.support import ARTIFACTS, start_api, start_web
from tests.support.web import DESKTOP, PHONE, axe_source, browser, serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SHOTS = ARTIFACTS / "screenshots"


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with browser() as instance:
        yield instance


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport=DESKTOP)
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    context.close()


def _api(stack: LiveStack, path: str, **params: Any) -> Any:
    response = httpx.get(f"{stack.api}{path}", params=params, timeout=10)
    response.raise_for_status()
    return response.json()


def _voting_person(stack: LiveStack) -> dict[str, Any]:
    """A current legislator with at least one recorded ballot."""
    for person in _api(stack, "/v1/people", current="true", limit=20)["results"]:
        record = _api(stack, f"/v1/people/{person['id']}/votes", limit=1)["results"]
        if record:
            return dict(person)
    raise AssertionError("demo data has no current legislator with a voting record")


def test_journey_search_person_vote_bill(live_stack: LiveStack, page: Any) -> None:
    person = _voting_person(live_stack)
    page.goto(live_stack.web + "/")
    assert page.locator("h1").inner_text() == "Parliamentary data, open to all"
    banner = page.locator("#demo-banner")  # the demo parliament is synthetic, and every page says so
    assert banner.is_visible() and "synthetic" in banner.inner_text()
    page.fill("#home-q", person["name"])
    page.click("main form[role=search] button")
    assert "/search?q=" in page.url
    page.get_by_role("link", name=person["name"], exact=True).first.click()

    # person page: name, party, district, and a voting record stating each option
    assert page.locator("h1").inner_text() == person["name"]
    facts = page.locator("dl.facts").inner_text()
    if person["current_party"]:
        assert person["current_party"]["name"] in facts
    if person["current_district"]:
        assert person["current_district"]["name"] in facts
    record_rows = page.locator("#record ~ .table-wrap tbody tr")
    assert record_rows.count() >= 1
    first_option = record_rows.first.locator("td").nth(3).inner_text().strip()
    assert first_option in {"yes", "no", "abstain", "paired", "absent", "not voting", "excused", "other"}

    # vote page: motion, counts, chart by party, ballots grouped by party
    record_rows.first.locator("td").nth(1).locator("a").click()
    assert page.locator("h1").inner_text().lower().startswith("vote")
    vote_id = page.url.split("/votes/", 1)[1]
    vote = _api(live_stack, f"/v1/votes/{vote_id}")
    assert vote["motion"] in page.locator("h1").inner_text()
    counts_text = page.locator("main ul.stats").first.inner_text()
    for count in vote["counts"]:
        assert f"{count['value']:,}" in counts_text
    svg = page.locator("figure.chart svg")
    assert svg.get_attribute("role") == "img"
    assert svg.locator("rect").count() >= len(vote["by_party"])
    assert page.locator("details summary").count() == len(vote["by_party"])

    # bill page (the vote's bill, or any bill with votes)
    if vote["bill"]:
        page.get_by_role("link", name=re.compile(re.escape(vote["bill"]["identifier"]))).first.click()
    else:
        bill = next(b for b in _api(live_stack, "/v1/bills", limit=50)["results"])
        page.goto(f"{live_stack.web}/bills/{bill['id']}")
    bill_id = page.url.split("/bills/", 1)[1]
    bill = _api(live_stack, f"/v1/bills/{bill_id}")
    assert bill["identifier"] in page.locator("h1").inner_text()
    timeline = page.locator("#actions ~ ol.timeline li")
    assert timeline.count() == len(bill["actions"])
    if not bill["actions"]:
        assert "not published by the source" in page.locator("section:has(#actions)").inner_text()
    if bill["sponsors"]:
        assert bill["sponsors"][0]["name"] in page.locator("section:has(#sponsors)").inner_text()


def test_filters_change_url_and_results(live_stack: LiveStack, page: Any) -> None:
    # sitting members only: their party column shows the party they sit for now (the party filter alone also
    # finds former members of the party, whose current party may differ)
    page.goto(live_stack.web + "/people")
    page.check("input[name=current]")  # site.js submits the form on change
    page.wait_for_url(re.compile(r"current=true"))
    unfiltered = page.locator("tbody tr td:first-child").all_inner_texts()
    options = page.locator("select[name=party] option")
    assert options.count() > 2
    party_id = options.nth(1).get_attribute("value")
    party_name = options.nth(1).inner_text()
    page.select_option("select[name=party]", party_id)  # site.js submits the form on change
    page.wait_for_url(re.compile(r"party=[^&]+"))
    query = parse_qs(urlsplit(page.url).query)
    assert query["party"] == [party_id] and query["current"] == ["true"]
    assert "q=" not in page.url, "empty filters are left out of the shared URL"
    parties = page.locator("tbody tr td:nth-child(2)").all_inner_texts()
    assert parties and all(party_name in text for text in parties), (party_name, parties)
    assert page.locator("tbody tr td:first-child").all_inner_texts() != unfiltered
    # the URL alone reproduces the state (shareable)
    page.goto(page.url)
    assert page.locator("select[name=party]").input_value() == party_id

    # pagination: next page keeps the filter and shows other people
    first_page = page.locator("tbody tr td:first-child").all_inner_texts()
    next_link = page.locator("nav.pagination a[rel=next]")
    if next_link.count():
        with page.expect_navigation():
            next_link.click()
        assert parse_qs(urlsplit(page.url).query)["party"] == [party_id]
        assert set(page.locator("tbody tr td:first-child").all_inner_texts()).isdisjoint(first_page)


def test_works_without_javascript(live_stack: LiveStack, chromium: Any) -> None:
    context = chromium.new_context(java_script_enabled=False, viewport=DESKTOP)
    try:
        pg = context.new_page()
        pg.goto(live_stack.web + "/bills")
        pg.fill("input[name=session]", "no-such-session")
        pg.click("form.filters button[type=submit]")
        assert "session=no-such-session" in pg.url
        assert "No bill matches these filters." in pg.locator("main").inner_text()
        vote = _api(live_stack, "/v1/votes", limit=1)["results"][0]
        pg.goto(f"{live_stack.web}/votes/{vote['id']}")
        assert pg.locator("figure.chart svg rect").count() > 0  # the chart needs no script
        person = _api(live_stack, "/v1/people", limit=1)["results"][0]
        pg.goto(live_stack.web + "/")
        pg.fill("#home-q", person["family_name"] or person["name"])
        pg.click("main form[role=search] button")
        assert pg.get_by_role("link", name=person["name"]).count() > 0
    finally:
        context.close()


def test_unknown_id_gives_404_page(live_stack: LiveStack, page: Any) -> None:
    response = page.goto(live_stack.web + "/people/ocd-person/does-not-exist")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Not found"
    assert "Traceback" not in page.content()
    response = page.goto(live_stack.web + "/no/such/page")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Page not found"


def test_api_down_gives_friendly_503(live_stack: LiveStack, page: Any, tmp_path: Any) -> None:
    api, api_base = start_api(live_stack.database_url, tmp_path)
    web = None
    try:
        web, web_base = start_web(api_base, tmp_path, extra_env={"API_RETRIES": "1"})
        assert page.goto(web_base + "/bills").status == 200
        assert httpx.get(web_base + "/health/ready", timeout=5).status_code == 200
        assert api.stop() == 0
        response = page.goto(web_base + "/votes")  # not in the browser's cache (pages are cacheable for 30 s)
        assert response.status == 503
        assert response.headers.get("retry-after") == "30"
        assert page.locator("h1").inner_text() == "The data service is unavailable"
        assert "try again" in page.locator("main").inner_text().lower()
        assert "Traceback" not in page.content()
        assert httpx.get(web_base + "/health/ready", timeout=5).status_code == 503
        assert httpx.get(web_base + "/health", timeout=5).status_code == 200
    finally:
        if web is not None:
            web.stop()
        api.stop()


def _main_pages(stack: LiveStack) -> dict[str, str]:
    person = _voting_person(stack)
    vote = _api(stack, "/v1/votes", limit=1)["results"][0]
    bill = _api(stack, "/v1/bills", limit=1)["results"][0]
    return {
        "home": "/",
        "search": "/search?q=" + person["name"].split()[-1],
        "people": "/people?current=true",
        "person": f"/people/{person['id']}",
        "bills": "/bills",
        "bill": f"/bills/{bill['id']}",
        "vote": f"/votes/{vote['id']}",
        "districts": "/districts",
        "committees": "/committees",
        "status": "/status",
    }


def test_screenshots_phone_and_desktop(live_stack: LiveStack, chromium: Any) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        context = chromium.new_context(viewport=viewport)
        try:
            pg = context.new_page()
            for name, path in _main_pages(live_stack).items():
                assert pg.goto(live_stack.web + path).status == 200, path
                # nothing wider than the viewport (responsive): the document does not scroll sideways
                overflow = pg.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                assert overflow <= 1, f"{name} overflows {label} width by {overflow}px"
                pg.screenshot(path=str(SHOTS / f"{name}-{label}.png"), full_page=False)
        finally:
            context.close()
    assert len(list(SHOTS.glob("*.png"))) >= 20


def test_accessibility_no_serious_violations(live_stack: LiveStack, chromium: Any) -> None:
    axe_js = axe_source()
    found: dict[str, list[dict[str, Any]]] = {}
    # axe-core is injected as an inline script, which the pages' Content-Security-Policy forbids: the audit's
    # own context bypasses it (test_pages_run_under_their_content_security_policy checks the policy itself).
    context = chromium.new_context(viewport=DESKTOP, bypass_csp=True)
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        for name, path in _main_pages(live_stack).items():
            page.goto(live_stack.web + path)
            violations = serious_violations(page, axe_js)
            if violations:
                found[name] = violations
    finally:
        context.close()
    assert not found, found


def test_pages_run_under_their_content_security_policy(live_stack: LiveStack, page: Any) -> None:
    """The policy blocks nothing the pages themselves load (their script, stylesheet, images, forms)."""
    blocked: list[str] = []
    page.on(
        "console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None
    )
    for path in _main_pages(live_stack).values():
        page.goto(live_stack.web + path)
        assert page.evaluate("document.styleSheets.length") >= 1, path
    assert blocked == []


def test_pages_have_title_and_description(live_stack: LiveStack, page: Any) -> None:
    titles = set()
    for name, path in _main_pages(live_stack).items():
        page.goto(live_stack.web + path)
        title = page.title()
        assert title.endswith("Open Policy Platform"), name
        titles.add(title)
        description = page.locator("meta[name=description]").get_attribute("content")
        assert description and len(description) > 20, name
        assert page.locator("main#content").count() == 1
        assert page.locator("header nav[aria-label=Main]").count() == 1
    assert len(titles) == len(_main_pages(live_stack))
