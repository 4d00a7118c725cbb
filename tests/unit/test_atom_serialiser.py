"""The Atom serialiser: imported text of any kind gives a well-formed, valid feed; entries newest first."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import feedparser
from starlette.requests import Request

from openpolicy.web.feeds import FEED_SIZE, Entry, atom, speech_entries


def _request(public_url: str | None) -> Request:
    app = SimpleNamespace(state=SimpleNamespace(settings=SimpleNamespace(web_public_url=public_url)))
    scope = {
        "type": "http",
        "method": "GET",
        "scheme": "http",
        "server": ("internal", 8080),
        "path": "/votes/feed.atom",
        "query_string": b"",
        "headers": [(b"host", b"internal:8080")],
        "app": app,
    }
    return Request(scope)


def test_control_characters_and_markup_from_imported_data_stay_text() -> None:
    hostile = "Motion \x0b\x01on <script>alert(1)</script> & “quotes”\ufffe"
    entry = Entry("/votes/ocd-vote/1", hostile, dt.date(2024, 3, 1), summary=hostile, category="vote")
    response = atom(
        _request("https://example.org"),
        title=hostile,
        self_path="/votes/feed.atom",
        page_path="/votes",
        entries=[entry],
        fallback="2024-01-01T00:00:00Z",
    )
    parsed = feedparser.parse(response.body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.title == "Motion on <script>alert(1)</script> & “quotes”"
    assert parsed.entries[0].link == "https://example.org/votes/ocd-vote/1"
    assert b"<script>" not in response.body  # escaped, never markup


def test_newest_first_capped_and_updated_from_the_newest_entry() -> None:
    entries = [Entry(f"/votes/{n}", f"vote {n}", dt.date(2020, 1, 1) + dt.timedelta(days=n)) for n in range(80)]
    parsed = feedparser.parse(
        atom(
            _request(None),
            title="t",
            self_path="/votes/feed.atom",
            page_path="/votes",
            entries=entries,
            fallback="1999-01-01T00:00:00Z",
        ).body
    )
    assert len(parsed.entries) == FEED_SIZE
    assert parsed.entries[0].title == "vote 79" and parsed.entries[-1].title == f"vote {80 - FEED_SIZE}"
    assert parsed.feed.updated == "2020-03-20T00:00:00Z"
    assert parsed.entries[0].link == "http://internal:8080/votes/79"  # no WEB_PUBLIC_URL: the request's base
    empty = feedparser.parse(
        atom(_request(None), title="t", self_path="/x", page_path="/", entries=[], fallback="1999-01-01T00:00:00Z").body
    )
    assert empty.feed.updated == "1999-01-01T00:00:00Z" and not empty.bozo


def test_a_speech_in_two_languages_is_one_entry_in_its_floor_language() -> None:
    debate = {"id": "ocd-debate/1", "date": "2022-05-02", "name": "Debates"}
    english = {"debate": debate, "ordinal": 7, "language": "en", "floor_language": "fr", "speaker_name": "A",
               "paragraphs": ["Hello"], "section": "Budget"}  # fmt: skip
    french = {**english, "language": "fr", "paragraphs": ["Bonjour"]}
    (entry,) = speech_entries([english, french])
    assert entry.summary == "Bonjour" and entry.path == "/debates/ocd-debate/1#speech-7"
    assert entry.title == "A spoke: Budget"
