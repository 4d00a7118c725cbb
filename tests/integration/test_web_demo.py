"""What the site says about where its data comes from, over HTTP against real api and web processes.

The demo stack (``live_stack``) holds the synthetic demo parliament: every page carries the demo banner. The
plain stack holds one tiny Popolo import and no demo data: no banner, the never-imported sources read "not
configured", sections the source does not publish say so, and a ``javascript:`` URL from the data is no link.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from tests.conftest import LiveStack
from tests.support import OPENPOLICY, start_api, start_web, temporary_database

from openpolicy.ingest.registry import NAMES as SOURCES

BANNER = 'id="demo-banner"'

# One person with unsafe URLs, one chamber, one party, one district, one vote published with counts only.
POPOLO: dict[str, Any] = {
    "persons": [
        {
            "id": "p1",
            "name": "Ada Example",
            "image": "javascript:alert(3)",
            "links": [
                {"url": "javascript:alert(1)", "note": "Unsafe link"},
                {"url": "https://example.org/ada", "note": "Homepage"},
            ],
            "sources": [{"url": "javascript:alert(2)", "note": "Unsafe source"}],
        }
    ],
    "organizations": [
        {"id": "house", "name": "House of Examples", "classification": "legislature"},
        {"id": "party-one", "name": "Party One", "classification": "party"},
    ],
    "areas": [{"id": "area-1", "name": "Example North", "type": "constituency"}],
    "events": [
        {
            "id": "term/1",
            "classification": "legislative period",
            "name": "1st Term",
            "start_date": "2020-01-01",
            "organization_id": "house",
        }
    ],
    "memberships": [
        {
            "person_id": "p1",
            "organization_id": "house",
            "on_behalf_of_id": "party-one",
            "area_id": "area-1",
            "legislative_period_id": "term/1",
            "start_date": "2020-01-01",
        }
    ],
    "vote_events": [
        {
            "id": "vote-1",
            "motion_text": "That the example be adopted",
            "start_date": "2021-02-03",
            "result": "pass",
            "organization_id": "house",
            "legislative_period_id": "term/1",
            "counts": [{"option": "yes", "value": 10}, {"option": "no", "value": 3}],
        }
    ],
}


@dataclass(frozen=True)
class PlainStack:
    api: str
    web: str


@pytest.fixture(scope="module")
def plain_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlainStack]:
    """api + web over a database holding one Popolo import (through the real CLI) and no demo data."""
    folder = tmp_path_factory.mktemp("plain-stack")
    data = folder / "popolo.json"
    data.write_text(json.dumps(POPOLO), encoding="utf-8")
    with temporary_database("openpolicy_test_webplain") as url:
        env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "API_URL"}}
        env["DATABASE_URL"] = url
        result = subprocess.run(
            [OPENPOLICY, "import", "popolo", str(data), "--jurisdiction", "nz"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        api, api_base = start_api(url, folder)
        try:
            web, web_base = start_web(api_base, folder)
            try:
                yield PlainStack(api_base, web_base)
            finally:
                web.stop()
        finally:
            api.stop()


def _get(url: str, **params: Any) -> httpx.Response:
    return httpx.get(url, params=params, timeout=30)


def _first_id(api: str, path: str) -> str:
    results = _get(f"{api}{path}", limit=1).json()["results"]
    assert results, f"{path} is empty"
    return str(results[0]["id"])


def _every_page(api: str) -> list[str]:
    person = _first_id(api, "/v1/people")
    return [
        "/",
        "/people",
        f"/people/{person}",
        "/bills",
        "/votes",
        f"/votes/{_first_id(api, '/v1/votes')}",
        "/districts",
        f"/districts/{_first_id(api, '/v1/areas')}",
        "/committees",
        "/search?q=example",
        "/status",
    ]


def test_demo_banner_on_every_page(live_stack: LiveStack) -> None:
    pages = [
        *_every_page(live_stack.api),
        f"/bills/{_first_id(live_stack.api, '/v1/bills')}",
        f"/committees/{_first_id(live_stack.api, '/v1/committees')}",
    ]
    for path in pages:
        response = _get(live_stack.web + path)
        assert response.status_code == 200, path
        assert BANNER in response.text and "synthetic" in response.text, f"no demo banner on {path}"
    missing = _get(f"{live_stack.web}/people/ocd-person/does-not-exist")
    assert missing.status_code == 404 and BANNER in missing.text  # error pages too


def test_demo_is_not_a_source_and_never_imported_sources_are_not_configured(live_stack: LiveStack) -> None:
    status = _get(f"{live_stack.api}/v1/status").json()
    assert status["demo_data"]["jurisdiction_id"] == "ocd-jurisdiction/country:zz/legislature"
    assert sorted(s["source"] for s in status["sources"]) == sorted(SOURCES)  # no "demo" row
    assert {s["state"] for s in status["sources"]} == {"not configured"}
    html = _get(f"{live_stack.web}/status").text
    rows = re.findall(r"<tr>\s*<td>([^<]+)</td>.*?</tr>", html, re.S)
    assert sorted(rows) == sorted(SOURCES)
    assert html.count("Not configured") == len(SOURCES) and "Out of date" not in html
    assert "Demonstration data" in html
    home = _get(f"{live_stack.web}/").text
    assert "Who represents you" not in home and "Out of date" not in home


def test_no_banner_without_demo_data(plain_stack: PlainStack) -> None:
    assert _get(f"{plain_stack.api}/v1/status").json()["demo_data"] is None
    for path in _every_page(plain_stack.api):
        response = _get(plain_stack.web + path)
        assert response.status_code == 200, path
        assert BANNER not in response.text, f"demo banner on {path} without demo data"


def test_freshness_of_never_imported_sources(plain_stack: PlainStack) -> None:
    states = {s["source"]: s["state"] for s in _get(f"{plain_stack.api}/v1/status").json()["sources"]}
    assert states == {source: "up to date" if source == "popolo" else "not configured" for source in SOURCES}
    html = _get(f"{plain_stack.web}/status").text
    for source in SOURCES:
        row = re.search(rf"<tr>\s*<td>{re.escape(source)}</td>(.*?)</tr>", html, re.S)
        assert row, source
        assert ("Up to date" if source == "popolo" else "Not configured") in row.group(1)


def test_sections_the_source_does_not_publish_say_so(plain_stack: PlainStack) -> None:
    person = _get(f"{plain_stack.web}/people/{_first_id(plain_stack.api, '/v1/people')}").text
    committees = person.split('id="committees"', 1)[1].split("</section>", 1)[0]
    assert "Committee memberships: not published by the source." in committees  # no committee in nz
    vote = _get(f"{plain_stack.web}/votes/{_first_id(plain_stack.api, '/v1/votes')}").text
    ballots = vote.split('id="ballots"', 1)[1].split("</section>", 1)[0]
    assert "Individual ballots: not published by the source." in ballots  # counts only
    assert "<figure" not in vote  # no chart of ballots that do not exist


def test_only_web_urls_become_links(plain_stack: PlainStack) -> None:
    html = _get(f"{plain_stack.web}/people/{_first_id(plain_stack.api, '/v1/people')}").text
    assert "javascript:" not in html.lower()  # neither link, image nor source
    assert '<a href="https://example.org/ada" rel="nofollow noopener">Homepage</a>' in html
    assert "Unsafe link" in html  # shown as text
    assert "<img" not in html  # the only image URL is not a web address
