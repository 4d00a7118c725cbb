"""The debates pages: a list of sittings and committee meetings, and a sitting's page.

A sitting's page shows one language at a time (``?lang=``; English when published, else its first language) with
a link to each other language; its table of contents lists the orders of business and their subjects, each
linking to the first speech under it. Every speech has an anchor ``speech-<ordinal>``: the ordinal is the same
in both languages, so a link keeps its place when the reader switches language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from openpolicy.web import types as s
from openpolicy.web.pages import ListView, Text, _api, _list_page, _render
from openpolicy.web.views import debate_path, web_path

router = APIRouter(include_in_schema=False)

DEBATES = ListView(
    "/v1/debates",
    s.DebatePage,
    "debates.html",
    "Debates",
    "/debates",
    "Sittings of the House and committee meetings, with every speech.",
)


@dataclass
class TocEntry:
    """A section of the table of contents, the speech it starts at, and its subjects."""

    section: s.DebateSectionOut
    first_speech: int | None
    children: list[TocEntry] = field(default_factory=list)


def table_of_contents(text: s.DebateText) -> list[TocEntry]:
    """Orders of business with their subjects, in order; sections under which nobody spoke are left out."""
    first: dict[int, int] = {}
    for speech in text.speeches:
        if speech.section_ordinal is not None:
            first.setdefault(speech.section_ordinal, speech.ordinal)
    entries = {c.ordinal: TocEntry(c, first.get(c.ordinal)) for c in text.sections}
    top: list[TocEntry] = []
    for entry in entries.values():  # in ordinal order
        parent = entries.get(entry.section.parent_ordinal) if entry.section.parent_ordinal is not None else None
        if parent is None:
            top.append(entry)
        elif entry.first_speech is not None:
            parent.children.append(entry)
    for entry in top:
        starts = [x for x in (entry.first_speech, *(c.first_speech for c in entry.children)) if x is not None]
        entry.first_speech = min(starts) if starts else None
    return [entry for entry in top if entry.first_speech is not None]


async def _given(value: Callable[..., str]) -> Callable[..., str]:
    """``value`` as an awaitable: what :func:`~openpolicy.web.pages._list_page` takes as extra template values."""
    return value


@router.get("/debates")
async def debates(
    request: Request,
    jurisdiction: Text = None,
    classification: Text = None,
    committee: Text = None,
    session: Text = None,
    date_after: Text = None,
    date_before: Text = None,
    cursor: Text = None,
) -> Response:
    filters = {
        "jurisdiction": jurisdiction,
        "classification": classification if classification in ("sitting", "committee") else None,
        "committee": committee,
        "session": session,
        "date_after": date_after,
        "date_before": date_before,
    }
    return await _list_page(request, DEBATES, filters, cursor, debate_path=_given(debate_path))


@router.get("/speeches/{speech_id:path}")
async def speech(request: Request, speech_id: str) -> Response:
    """A speech found by search: its place in its debate's page, in its language."""
    found = await _api(request).get_model(s.SpeechSummary, f"/v1/speeches/{speech_id}")
    return RedirectResponse(debate_path(found.debate.id, found.language, found.ordinal), status_code=302)


@router.get("/debates/{debate_id:path}")
async def debate(request: Request, debate_id: str, lang: Annotated[str | None, Query(max_length=2)] = None) -> Response:
    detail = await _api(request).get_model(s.DebateDetail, f"/v1/debates/{debate_id}")
    languages = [t.language for t in detail.texts]
    chosen = lang if lang in languages else ("en" if "en" in languages else languages[0] if languages else None)
    text = next((t for t in detail.texts if t.language == chosen), None)
    where = detail.organization.name if detail.organization else "Debate"
    title = f"{where}, {detail.date.isoformat()}" + (f" (No. {detail.identifier})" if detail.identifier else "")
    return await _render(
        request,
        "debate.html",
        title=title,
        active_nav="/debates",
        description=f"{title}: table of contents and every speech, with the speaker's party and riding.",
        debate=detail,
        text=text,
        toc=table_of_contents(text) if text else [],
        sections={c.ordinal: c for c in text.sections} if text else {},
        languages=languages,
        debate_path=debate_path,
        web_path=web_path,
    )
