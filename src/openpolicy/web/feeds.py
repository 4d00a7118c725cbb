"""Atom feeds (RFC 4287) of what changes on the site: a person, a bill, the latest votes, a search.

Each feed is read from the api over HTTP like every page and is linked from its page with
``<link rel="alternate" type="application/atom+xml">``. Contract:
- an entry is one dated event (a vote cast, a speech, a bill sponsored, a bill action, a vote held, a matching
  bill, vote or speech); its ``id`` is the permanent page URL of the record (plus a fragment for a bill action), so
  a reader never sees an event twice, and its ``updated`` is the record's ``updated_at`` where the api gives one,
  else its date (midnight UTC);
- entries are newest first, at most :data:`FEED_SIZE`; the feed's ``updated`` is its newest entry's, or the
  subject's ``updated_at`` when it has none;
- absolute links use ``WEB_PUBLIC_URL``; unset, the request's own base URL (the page cache keys on the host).
Unknown records are the site's 404 page, like any page.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from openpolicy import __version__
from openpolicy.web.client import ApiClient, ApiNotFound
from openpolicy.web.views import debate_path, web_path

router = APIRouter(include_in_schema=False)

ATOM_NS = "http://www.w3.org/2005/Atom"
ATOM_TYPE = "application/atom+xml"
FEED_SIZE = 50
PER_SOURCE = 20
FEED_MAX_AGE = 300

Text = Annotated[str | None, Query(max_length=200)]


@dataclass(frozen=True)
class Entry:
    """One event of a feed. ``path`` is the site path of its page (with an optional fragment)."""

    path: str
    title: str
    date: dt.date
    updated: str | None = None
    summary: str | None = None
    category: str | None = None

    @property
    def updated_at(self) -> str:
        return self.updated or _midnight(self.date)

    @property
    def published(self) -> str:
        return _midnight(self.date)


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _text(value: str) -> str:
    """``value`` without the characters XML 1.0 cannot hold (imported text may carry control characters)."""
    return _NOT_XML.sub("", value)


def _midnight(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _date(value: Any) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def public_base(request: Request) -> str:
    configured = request.app.state.settings.web_public_url
    return (configured or str(request.base_url)).rstrip("/")


def atom(
    request: Request, *, title: str, self_path: str, page_path: str, entries: Iterable[Entry], fallback: str
) -> Response:
    """Serialise a feed; ``fallback`` is its ``updated`` when it has no entry."""
    base = public_base(request)
    chosen = sorted(entries, key=lambda e: (e.date, e.updated_at, e.path), reverse=True)[:FEED_SIZE]
    feed = ET.Element("feed", {"xmlns": ATOM_NS})
    ET.SubElement(feed, "id").text = base + self_path
    ET.SubElement(feed, "title").text = _text(title)
    ET.SubElement(feed, "updated").text = max((e.updated_at for e in chosen), default=fallback)
    ET.SubElement(feed, "link", {"rel": "self", "type": ATOM_TYPE, "href": base + self_path})
    ET.SubElement(feed, "link", {"rel": "alternate", "type": "text/html", "href": base + page_path})
    author = ET.SubElement(feed, "author")
    ET.SubElement(author, "name").text = "Open Policy Platform"
    ET.SubElement(feed, "generator", {"version": __version__}).text = "Open Policy Platform"
    for item in chosen:
        entry = ET.SubElement(feed, "entry")
        ET.SubElement(entry, "id").text = base + item.path
        ET.SubElement(entry, "title").text = _text(item.title)
        ET.SubElement(entry, "updated").text = item.updated_at
        ET.SubElement(entry, "published").text = item.published
        ET.SubElement(entry, "link", {"rel": "alternate", "type": "text/html", "href": base + item.path})
        if item.category:
            ET.SubElement(entry, "category", {"term": item.category})
        if item.summary:
            ET.SubElement(entry, "summary").text = _text(item.summary)
    body = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return Response(
        body,
        media_type=f"{ATOM_TYPE}; charset=utf-8",
        headers={"Cache-Control": f"public, max-age={FEED_MAX_AGE}"},
    )


def feed_link(title: str, href: str) -> dict[str, str]:
    """What a page passes to ``base.html`` (``feeds``) to announce a feed."""
    return {"title": title, "href": href}


def _api(request: Request) -> ApiClient:
    client: ApiClient = request.app.state.api
    return client


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- what a record contributes ------------------------------------------------------------------------------------


def vote_entry(vote: dict[str, Any]) -> Entry | None:
    day = _date(vote.get("date"))
    if day is None:
        return None
    counts = ", ".join(f"{c['option']} {c['value']}" for c in vote.get("counts") or [] if "option" in c)
    chamber = (vote.get("chamber") or {}).get("name")
    summary = "; ".join(part for part in (f"Result: {vote.get('result')}", counts, chamber) if part)
    return Entry(
        web_path("vote", vote["id"]),
        f"Vote: {vote['motion']}",
        day,
        vote.get("updated_at"),
        summary,
        "vote",
    )


def ballot_entry(name: str, record: dict[str, Any]) -> Entry | None:
    day = _date(record.get("date"))
    if day is None:
        return None
    bill = record.get("bill") or {}
    about = f" on {bill['identifier']}" if bill.get("identifier") else ""
    return Entry(
        web_path("vote", record["vote_id"]),
        f"{name} voted {record['option']}{about}: {record['motion']}",
        day,
        None,
        f"Result: {record.get('result')}",
        "ballot",
    )


def bill_entry(bill: dict[str, Any], verb: str) -> Entry | None:
    day = _date(bill.get("latest_action_date")) or _date(bill.get("introduced_date"))
    if day is None:
        return None
    return Entry(
        web_path("bill", bill["id"]),
        f"{verb}{bill['identifier']}: {bill['title']}",
        day,
        bill.get("updated_at"),
        bill.get("latest_action_description"),
        "bill",
    )


def speech_entries(speeches: Iterable[dict[str, Any]]) -> list[Entry]:
    """One entry per intervention: a speech published in two languages is one event (the floor language's text,
    else the first one listed)."""
    chosen: dict[tuple[str, int], dict[str, Any]] = {}
    for speech in speeches:
        key = (speech["debate"]["id"], speech["ordinal"])
        held = chosen.get(key)
        if held is None or (speech.get("language") == speech.get("floor_language") != held.get("language")):
            chosen[key] = speech
    entries = []
    for speech in chosen.values():
        debate = speech["debate"]
        day = _date(debate.get("date"))
        if day is None:
            continue
        paragraphs = speech.get("paragraphs") or []
        excerpt = " ".join(paragraphs)[:600] or None
        where = speech.get("section") or debate.get("name")
        entries.append(
            Entry(
                debate_path(debate["id"], None, speech["ordinal"]),
                f"{speech['speaker_name']} spoke: {where}",
                day,
                None,
                excerpt,
                "speech",
            )
        )
    return entries


def _present(entries: Iterable[Entry | None]) -> list[Entry]:
    return [e for e in entries if e is not None]


# --- the feeds ----------------------------------------------------------------------------------------------------


@router.get("/people/{person_id:path}/feed.atom")
async def person_feed(request: Request, person_id: str) -> Response:
    api = _api(request)
    person = await api.get_json(f"/v1/people/{person_id}")
    ident = person["id"]
    record, speeches, bills = await asyncio.gather(
        api.get_json(f"/v1/people/{ident}/votes", {"limit": PER_SOURCE}),
        api.get_json(f"/v1/people/{ident}/speeches", {"limit": PER_SOURCE * 2}),
        api.get_json("/v1/bills", {"sponsor": ident, "limit": PER_SOURCE}),
    )
    entries = [
        *_present(ballot_entry(person["name"], r) for r in record["results"]),
        *speech_entries(speeches["results"]),
        *_present(bill_entry(b, "Sponsored ") for b in bills["results"]),
    ]
    page = web_path("person", ident)
    return atom(
        request,
        title=f"{person['name']}: votes, speeches and bills",
        self_path=f"{page}/feed.atom",
        page_path=page,
        entries=entries,
        fallback=person.get("updated_at") or _now(),
    )


@router.get("/bills/{bill_id:path}/feed.atom")
async def bill_feed(request: Request, bill_id: str) -> Response:
    bill = await _api(request).get_json(f"/v1/bills/{bill_id}")
    page = web_path("bill", bill["id"])
    entries = []
    for action in bill.get("actions") or []:
        day = _date(action.get("date"))
        if day is not None:
            org = (action.get("organization") or {}).get("name")
            entries.append(Entry(f"{page}#action-{action['order']}", action["description"], day, None, org, "action"))
    entries.extend(_present(vote_entry(v) for v in bill.get("votes") or []))
    return atom(
        request,
        title=f"{bill['identifier']}: {bill['title']}",
        self_path=f"{page}/feed.atom",
        page_path=page,
        entries=entries,
        fallback=bill.get("updated_at") or _now(),
    )


VOTE_FILTERS = ("jurisdiction", "session", "result", "q")


@router.get("/votes/feed.atom")
async def votes_feed(
    request: Request, jurisdiction: Text = None, session: Text = None, result: Text = None, q: Text = None
) -> Response:
    filters = {"jurisdiction": jurisdiction, "session": session, "result": result, "q": q}
    api = _api(request)
    page = await api.get_json("/v1/votes", {**filters, "limit": FEED_SIZE, "sort": "-date"})
    title = "Latest votes"
    if jurisdiction:
        try:
            found = await api.get_json(f"/v1/jurisdictions/{jurisdiction}")
            title = f"Latest votes: {found['name']}"
        except ApiNotFound:  # an ISO code or name: the votes list accepted it, the title keeps it as given
            title = f"Latest votes: {jurisdiction}"
    query = urlencode({k: v for k, v in filters.items() if v})
    suffix = f"?{query}" if query else ""
    return atom(
        request,
        title=title,
        self_path=f"/votes/feed.atom{suffix}",
        page_path=f"/votes{suffix}",
        entries=_present(vote_entry(v) for v in page["results"]),
        fallback=_now(),
    )


@router.get("/search/feed.atom")
async def search_feed(request: Request, q: Text = None) -> Response:
    query = (q or "").strip()
    entries: list[Entry] = []
    if query:
        api = _api(request)
        bills, votes, speeches = await asyncio.gather(
            api.get_json("/v1/bills", {"q": query, "limit": PER_SOURCE, "sort": "-latest_action_date"}),
            api.get_json("/v1/votes", {"q": query, "limit": PER_SOURCE, "sort": "-date"}),
            api.get_json("/v1/speeches", {"q": query, "limit": PER_SOURCE * 2}),
        )
        entries = [
            *_present(bill_entry(b, "") for b in bills["results"]),
            *_present(vote_entry(v) for v in votes["results"]),
            *speech_entries(speeches["results"]),
        ]
    suffix = f"?{urlencode({'q': query})}" if query else ""
    return atom(
        request,
        title=f"Open Policy Platform: “{query}”" if query else "Open Policy Platform search",
        self_path=f"/search/feed.atom{suffix}",
        page_path=f"/search{suffix}",
        entries=entries,
        fallback=_now(),
    )
