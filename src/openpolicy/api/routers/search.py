"""/v1/search: one ranked full-text search over people, bills and votes.

PostgreSQL full text on the stored ``search_vector`` columns (GIN indexes): the query is read with
``websearch_to_tsquery`` in the ``english``, ``french`` and ``simple`` configurations (OR-ed), so stemmed English,
stemmed French and exact tokens all match. Ranking, highest first:

1. a bill whose normalized number equals the query (``C-21``, ``c21``, ``HR 1``, ``H.R. 1``): +100;
2. an exact (case-insensitive) title, name or motion: +50;
3. ``ts_rank_cd`` of the match (title/identifier weighted above other text).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, get_args

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import Boolean, ColumnElement, Text, case, cast, func, literal, literal_column, or_, select
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.ext.asyncio import AsyncConnection

from openpolicy.api.deps import get_connection
from openpolicy.api.errors import BadParameter
from openpolicy.api.pagination import request_settings, select_rows
from openpolicy.api.schemas import SearchResult, SearchResults, SearchType
from openpolicy.db.models import Bill, Person, VoteEvent, normalize_bill_identifier

router = APIRouter(tags=["search"])

MAX_QUERY = 200
ALL_TYPES: tuple[SearchType, ...] = get_args(SearchType)
BILL_NUMBER_BOOST = 100.0
EXACT_BOOST = 50.0
_HEADLINE = "MaxFragments=1, MaxWords=25, MinWords=8, StartSel=<b>, StopSel=</b>"


def _config(name: str) -> ColumnElement[Any]:
    return literal_column(f"'{name}'::regconfig")


def _ts(config: str, q: str) -> ColumnElement[Any]:
    return func.websearch_to_tsquery(_config(config), literal(q))


@dataclass(frozen=True)
class Parsed:
    """The query as tsquery text: every language's reading OR-ed once (duplicates dropped), and the plain one.

    ``None`` when the words are all stop words or punctuation (nothing for full text to match).
    """

    any_language: str | None
    simple: str | None


async def _parse(db: AsyncConnection, q: str) -> Parsed:
    """One round trip: how ``websearch_to_tsquery`` reads ``q`` in english, french and simple."""
    (row,) = await select_rows(db, select(*(cast(_ts(config, q), Text) for config in ("english", "french", "simple"))))
    readings = list(dict.fromkeys(text for text in row if text))
    combined = " | ".join(f"({text})" for text in readings) if readings else None
    return Parsed(any_language=combined, simple=row[2] or None)


def _tsquery(text: str) -> ColumnElement[Any]:
    return cast(literal(text), TSQUERY)


def _matches(vector: Any, query: ColumnElement[Any]) -> ColumnElement[bool]:
    """``vector @@ query``."""
    return vector.op("@@", return_type=Boolean)(query)  # type: ignore[no-any-return]


def _exact_boost(q: str, *columns: Any) -> ColumnElement[Any]:
    """EXACT_BOOST when one of ``columns`` equals the query (case-insensitively), else 0."""
    low = q.lower()
    return case((or_(*(func.lower(column) == low for column in columns)), EXACT_BOOST), else_=0.0)


def _headline(english_text: Any, french_text: Any, q: str) -> ColumnElement[Any]:
    """Highlighted excerpt: of the French text when only it matches the French query, else of the English."""
    french = _matches(func.to_tsvector(_config("french"), func.coalesce(french_text, "")), _ts("french", q))
    english = _matches(func.to_tsvector(_config("english"), english_text), _ts("english", q))
    return case(
        (french & ~english, func.ts_headline(_config("french"), french_text, _ts("french", q), _HEADLINE)),
        else_=func.ts_headline(_config("english"), english_text, _ts("english", q), _HEADLINE),
    )


def _parse_types(value: str | None) -> list[SearchType]:
    if value is None or not value.strip():
        return list(ALL_TYPES)
    chosen: list[SearchType] = []
    for part in value.split(","):
        name = part.strip().lower()
        if name not in ALL_TYPES:
            raise BadParameter("types", f"unknown type {part.strip()!r}; choose from {', '.join(ALL_TYPES)}")
        if name not in chosen:
            chosen.append(name)
    return chosen


def _check_query(q: str | None) -> str:
    if q is None or not q.strip():
        raise BadParameter("q", "a search query is required")
    q = q.strip()
    if len(q) > MAX_QUERY:
        raise BadParameter("q", f"at most {MAX_QUERY} characters, got {len(q)}")
    if "\x00" in q:
        raise BadParameter("q", "must not contain NUL characters")
    return q


async def _top_with_snippets(
    db: AsyncConnection,
    q: str,
    limit: int,
    *,
    key: Any,
    shown: tuple[Any, ...],
    text: tuple[Any, Any],
    where: ColumnElement[bool],
    rank: ColumnElement[Any],
) -> list[Any]:
    """Rows ``(key, *shown, rank, snippet)`` of the ``limit`` best matches, highest rank first; the snippet
    (``ts_headline`` of the English/French ``text`` pair, costly) is made only for those rows."""
    columns = [key, *shown, *(column for column in text if column not in shown)]
    top = select(*columns, rank).where(where).order_by(rank.desc(), key).limit(limit).subquery()
    snippet = _headline(top.c[text[0].key], top.c[text[1].key], q)
    outer = select(top.c[key.key], *(top.c[column.key] for column in shown), top.c.rank, snippet)
    return await select_rows(db, outer)


async def _bills(db: AsyncConnection, q: str, parsed: Parsed, limit: int) -> list[SearchResult]:
    number = normalize_bill_identifier(q)
    matches: list[ColumnElement[bool]] = []
    text_rank: ColumnElement[Any] = literal(0.0)
    if parsed.any_language:
        query = _tsquery(parsed.any_language)
        matches.append(_matches(Bill.search_vector, query))
        text_rank = func.ts_rank_cd(Bill.search_vector, query)
    if number:
        matches.append(Bill.normalized_identifier == number)
    if not matches:
        return []
    rank = (
        text_rank
        + case((Bill.normalized_identifier == number, BILL_NUMBER_BOOST), else_=0.0)
        + _exact_boost(q, Bill.title, Bill.title_fr)
    ).label("rank")
    rows = await _top_with_snippets(
        db,
        q,
        limit,
        key=Bill.id,
        shown=(Bill.identifier, Bill.title),
        text=(Bill.title, Bill.title_fr),
        where=or_(*matches),
        rank=rank,
    )
    return [
        SearchResult(
            type="bill",
            id=bill_id,
            title=f"{identifier} — {title}",
            snippet=snip,
            rank=float(r),
            url=f"/v1/bills/{bill_id}",
        )
        for bill_id, identifier, title, r, snip in rows
    ]


async def _people(db: AsyncConnection, q: str, parsed: Parsed, limit: int) -> list[SearchResult]:
    if not parsed.simple:
        return []
    query = _tsquery(parsed.simple)
    rank = (func.ts_rank_cd(Person.search_vector, query) + _exact_boost(q, Person.name)).label("rank")
    rows = await select_rows(
        db,
        select(Person.id, Person.name, rank)
        .where(_matches(Person.search_vector, query))
        .order_by(rank.desc(), Person.id)
        .limit(limit),
    )
    return [
        SearchResult(type="person", id=pid, title=name, snippet=None, rank=float(r), url=f"/v1/people/{pid}")
        for pid, name, r in rows
    ]


async def _votes(db: AsyncConnection, q: str, parsed: Parsed, limit: int) -> list[SearchResult]:
    if not parsed.any_language:
        return []
    query = _tsquery(parsed.any_language)
    text = (VoteEvent.motion_text, VoteEvent.motion_text_fr)
    rank = (func.ts_rank_cd(VoteEvent.search_vector, query) + _exact_boost(q, *text)).label("rank")
    rows = await _top_with_snippets(
        db,
        q,
        limit,
        key=VoteEvent.id,
        shown=(VoteEvent.motion_text, VoteEvent.start_date),
        text=text,
        where=_matches(VoteEvent.search_vector, query),
        rank=rank,
    )
    return [
        SearchResult(
            type="vote",
            id=vid,
            title=f"{day.isoformat()}: {motion}",
            snippet=snip,
            rank=float(r),
            url=f"/v1/votes/{vid}",
        )
        for vid, motion, day, r, snip in rows
    ]


_SEARCHERS = {"person": _people, "bill": _bills, "vote": _votes}


@router.get("/search", summary="Search people, bills and votes")
async def search(
    request: Request,
    db: Annotated[AsyncConnection, Depends(get_connection)],
    q: Annotated[
        str | None,
        Query(
            description='Search words (web-search syntax: "quoted phrase", or, -exclude). A bill number such as '
            "`C-21` or `HR 1` finds that bill first.",
            examples=["C-21"],
        ),
    ] = None,
    types: Annotated[
        str | None, Query(description="Comma-separated subset of person,bill,vote (default: all).")
    ] = None,
    limit: Annotated[int | None, Query(description="Number of results (default 20, at most 200).")] = None,
) -> SearchResults:
    """One list of results across people, bills and votes, best first."""
    query = _check_query(q)
    chosen = _parse_types(types)
    settings = request_settings(request)
    if limit is None:
        limit = settings.page_size_default
    elif not 1 <= limit <= settings.page_size_max:
        raise BadParameter("limit", f"must be between 1 and {settings.page_size_max}, got {limit}")
    parsed = await _parse(db, query)
    results: list[SearchResult] = []
    for kind in chosen:
        results.extend(await _SEARCHERS[kind](db, query, parsed, limit))
    order = {kind: i for i, kind in enumerate(ALL_TYPES)}
    results.sort(key=lambda r: (-r.rank, order[r.type], r.id))
    return SearchResults(query=query, types=chosen, results=results[:limit])
