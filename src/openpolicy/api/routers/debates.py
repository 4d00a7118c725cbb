"""/v1/debates: sittings of a chamber and meetings of a committee, with their sections and speeches."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy import func, or_, select

from openpolicy.api import documents as docs
from openpolicy.api import filters as f
from openpolicy.api.deps import Database, get_database
from openpolicy.api.errors import NotFound, ProblemError
from openpolicy.api.pagination import AnySelect, Listing, ListQuery, SortKey, Sorts
from openpolicy.api.queries import debates as q
from openpolicy.api.queries.common import COMMITTEE_CLASSIFICATIONS, check_id, in_scope, within
from openpolicy.db.models import Debate, Organization
from openpolicy.documents.schemas import DebateClassification, DebateDetail, DebatePage, Language

router = APIRouter(prefix="/debates", tags=["debates"])

SORTS = Sorts(
    {"date": SortKey(Debate.date, "date"), "updated_at": SortKey(Debate.updated_at, "datetime")},
    default="-date",
    tiebreak=Debate.id,
)


def committee_ids(value: str) -> AnySelect:
    """A committee by id, name or abbreviation (case-insensitive)."""
    low = value.lower()
    return select(Organization.id).where(
        Organization.classification.in_(COMMITTEE_CLASSIFICATIONS),
        or_(
            Organization.id == value, func.lower(Organization.name) == low, func.lower(Organization.abbreviation) == low
        ),
    )


class DebateFilters(f.Filters):
    """The filters of ``/v1/debates``."""

    jurisdiction: Annotated[f.OptText, f.text(f.JURISDICTION)] = None
    chamber: Annotated[f.OptText, f.text("Sittings of this chamber: upper, lower, unicameral or its id/name.")] = None
    committee: Annotated[
        f.OptText, f.text("Meetings of this committee: its id, name or abbreviation (any case).", example="ETHI")
    ] = None
    classification: Annotated[
        DebateClassification | None, f.Choice, Query(description="sitting (a chamber) or committee (a meeting).")
    ] = None
    session: Annotated[f.OptText, f.text(f.SESSION, example="44-1")] = None
    date_after: Annotated[f.OptDate, f.when("Debates on or after this date.", example="2024-01-01")] = None
    date_before: Annotated[f.OptDate, f.when("Debates on or before this date.", example="2024-12-31")] = None
    updated_since: Annotated[f.OptDateTime, f.when(f.UPDATED_SINCE)] = None


DEBATES = ListQuery(SORTS, DebateFilters)


@router.get("", summary="List debates", response_model=DebatePage, openapi_extra=DEBATES.openapi)
async def list_debates(
    db: Annotated[Database, Depends(get_database)],
    query: Annotated[Listing[DebateFilters], Depends(DEBATES)],
) -> Response:
    """Sittings and committee meetings with their published languages, newest first by default."""
    filters = query.filters

    def build() -> AnySelect:  # once per shape: the filters set and their values
        stmt = select(Debate.id).where(
            *in_scope(Debate.jurisdiction_id, Debate.session_id, Debate.organization_id, filters)
        )
        if filters.committee:
            stmt = stmt.where(Debate.organization_id.in_(committee_ids(filters.committee)))
        if filters.classification:
            stmt = stmt.where(Debate.classification == filters.classification)
        stmt = stmt.where(*within(Debate.date, filters.date_after, filters.date_before))
        if filters.updated_since:
            stmt = stmt.where(Debate.updated_at >= filters.updated_since)
        return stmt

    return await docs.sql_list_response(db, query.shape, build, query.page, q.DEBATES_PAGE, kind="debate")


@router.get(
    "/{debate_id:path}",
    summary="One debate",
    response_model=DebateDetail,
    responses={404: {"description": "Unknown id, or not published in the language asked for"}},
)
async def get_debate(
    debate_id: str,
    db: Annotated[Database, Depends(get_database)],
    lang: Annotated[
        Language | None, f.Choice, Query(description="Only this language (default: every published one).")
    ] = None,
) -> Response:
    """A debate with, per language, its sections (orders of business and subjects) and its speeches in order:
    the speaker as published, the person, party and district they resolve to, time, language and paragraphs."""
    check_id("debate", debate_id)
    document = await docs.fetch_value(db, "debate_detail", q.DEBATE_DETAIL, debate_id, lang)
    if document is None:
        if lang is not None and await docs.fetch_value(db, "debate_exists", q.DEBATE_EXISTS, debate_id) is not None:
            raise ProblemError(404, "Not Found", f"debate {debate_id!r} is not published in {lang!r}", kind="debate")
        raise NotFound("debate", debate_id)
    return docs.document_response(document)
