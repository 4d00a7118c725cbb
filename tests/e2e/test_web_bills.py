"""A reader in a real browser (Debian Chromium) on bills imported from the real Bill Status files: from a
legislator's page to a bill they sponsored, its status stepper, sponsor and cosponsors with their parties, and
its actions timeline."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from tests.support import SHARED_DATA, temporary_database
from tests.support.ingest import run, scalar
from tests.support.web import desktop_page, live_site

BILLS = SHARED_DATA / "us-billstatus"
LEGISLATORS = SHARED_DATA / "us-congress" / "congress-legislators"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.needs_data,
    pytest.mark.skipif(not BILLS.is_dir(), reason=f"{BILLS} is absent"),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    """(web base URL, api base URL, Jeffries' person id) over legislators and the 14 Bill Status files."""
    tmp: Path = tmp_path_factory.mktemp("bills-web")
    with temporary_database("openpolicy_test_web_bills") as url:
        run(url, "us-congress", str(LEGISLATORS))
        run(url, "congress-bills", str(BILLS))
        jeffries = scalar(
            url, "SELECT person_id FROM person_identifiers WHERE scheme = 'bioguide' AND identifier = 'J000294'"
        )
        with live_site(url, tmp) as (web_base, api_base):
            yield web_base, api_base, str(jeffries)


@pytest.fixture
def page(site: tuple[str, str, str]) -> Iterator[Any]:
    with desktop_page() as pg:
        yield pg


def test_from_a_sponsor_to_the_bill_and_its_timeline(site: tuple[str, str, str], page: Any) -> None:
    web, api, jeffries = site
    page.goto(f"{web}/people/{quote(jeffries, safe='/:')}")
    assert page.locator("h1").inner_text() == "Hakeem S. Jeffries"
    page.locator("#sponsored ~ ul").get_by_role("link", name="H.R. 2471").click()
    assert page.locator("h1").inner_text().endswith("H.R. 2471: Consolidated Appropriations Act, 2022")
    steps = page.locator("ol.stepper li")
    assert [steps.nth(i).inner_text() for i in range(steps.count())] == [
        "Introduced", "In committee", "Passed one chamber", "Passed both", "Enacted"
    ]  # fmt: skip
    assert page.locator("ol.stepper li[aria-current=step]").inner_text() == "Enacted"
    sponsors = page.locator("#sponsors ~ *").first.inner_text()
    assert "Sponsor: Hakeem S. Jeffries [D-NY-8] Democrat" in sponsors
    cosponsors = page.locator("ul.cosponsors li")
    assert cosponsors.count() == 7
    assert all("Democrat" in t or "Republican" in t for t in cosponsors.all_inner_texts())
    # the reader jumps to the timeline: 56 actions, oldest first, ending in the law
    page.get_by_role("link", name="Timeline (56 actions)").click()
    assert page.url.endswith("#actions")
    timeline = page.locator("ol.timeline li")
    assert timeline.count() == 56
    assert timeline.first.is_visible()
    assert "Introduced in House" in timeline.first.inner_text() and "House" in timeline.first.inner_text()
    assert "Became Public Law No: 117-103." in timeline.last.inner_text()
    detail = httpx.get(f"{api}/v1/bills", params={"identifier": "H.R. 2471"}, timeout=10).json()["results"][0]
    assert detail["status"] == "enacted"


def test_a_bill_in_committee_shows_where_it_stands(site: tuple[str, str, str], page: Any) -> None:
    web, api, _jeffries = site
    found = httpx.get(f"{api}/v1/bills", params={"identifier": "S. 790"}, timeout=10).json()["results"][0]
    page.goto(f"{web}/bills/{quote(found['id'], safe='/:')}")
    assert page.locator("ol.stepper li[aria-current=step]").inner_text() == "In committee"
    assert page.locator("ol.stepper li.step-todo").count() == 3
    assert "Indian Affairs Committee" in page.locator("#committees ~ ul").inner_text()
