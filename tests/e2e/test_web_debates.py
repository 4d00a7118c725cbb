"""A reader in a real browser (Debian Chromium) on the real Hansard files: from a member's page to one of their
speeches, at its anchor in the sitting's page, then the sitting's table of contents; a French sitting read in
French; the debates list."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.support import SHARED_DATA, temporary_database
from tests.support.ingest import run, scalar
from tests.support.web import desktop_page, live_site

HANSARD = SHARED_DATA / "canada-hansard"
HOC = SHARED_DATA / "canada-hoc"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.needs_data,
    pytest.mark.skipif(not HANSARD.is_dir(), reason=f"{HANSARD} is absent"),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    """(web base URL, api base URL, Kevin Lamoureux's person id) over House members and every Hansard file."""
    tmp: Path = tmp_path_factory.mktemp("debates-web")
    with temporary_database("openpolicy_test_web_debates") as url:
        run(url, "ourcommons", str(HOC / "ourcommons-members"))
        run(url, "hansard", str(HANSARD))
        person = scalar(url, "SELECT id FROM people WHERE name = 'Kevin Lamoureux'")
        with live_site(url, tmp) as (web_base, api_base):
            yield web_base, api_base, str(person)


@pytest.fixture
def page(site: tuple[str, str, str]) -> Iterator[Any]:
    with desktop_page() as pg:
        yield pg


def test_from_a_person_to_a_speech_to_its_sitting(site: tuple[str, str, str], page: Any) -> None:
    web, api, person = site
    newest = httpx.get(f"{api}/v1/people/{person}/speeches", params={"limit": 1}, timeout=10).json()["results"][0]
    page.goto(f"{web}/people/{person}")
    assert page.locator("h1").inner_text() == "Kevin Lamoureux"
    speeches = page.locator("#speeches ~ ul.speeches li")
    assert speeches.count() >= 1
    speeches.first.locator("a").click()

    # the sitting's page, scrolled to that speech: the speaker with party and riding, the text
    assert page.url.endswith(f"#speech-{newest['ordinal']}")
    speech = page.locator(f"#speech-{newest['ordinal']}")
    assert speech.is_visible()
    header = speech.locator("header").inner_text()
    assert "Lamoureux" in header and "Winnipeg North" in header and newest["party"]["name"] in header
    assert newest["paragraphs"][0][:40] in speech.inner_text()
    assert speech.locator("a", has_text="Mr. Kevin Lamoureux").get_attribute("href") == f"/people/{person}"

    # the table of contents: each entry leads to a speech under that heading
    toc = page.locator("nav.toc a")
    assert toc.count() >= 5
    target = toc.nth(2).get_attribute("href")
    assert target and target.startswith("#speech-")
    toc.nth(2).click()
    assert page.url.endswith(target) and page.locator(target).is_visible()


def test_a_french_sitting_reads_in_french(site: tuple[str, str, str], page: Any) -> None:
    web, _api, _person = site
    page.goto(f"{web}/debates?date_after=2015-12-01&date_before=2015-12-31")
    row = page.locator("tbody tr").first
    assert "English" in row.inner_text() and "Français" in row.inner_text()
    row.get_by_role("link", name="Français").click()
    assert "lang=fr" in page.url
    assert page.locator("article").get_attribute("lang") == "fr"
    assert "Débats de la Chambre des communes" in page.locator("h1").inner_text()
    assert page.locator("section.speech").count() == 42
    # switching language keeps the reader's place
    page.get_by_role("link", name="English").click()
    assert page.locator("article").get_attribute("lang") == "en"
    assert page.locator("section.speech").count() == 42
