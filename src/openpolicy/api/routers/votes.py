"""/v1/votes: vote events with counts, ballots grouped by party, and a check of ballots against counts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy import select

from openpolicy.api import documents as docs
from openpolicy.api import filters as f
from openpolicy.api.deps import Database, get_database
from openpolicy.api.pagination import AnySelect, Listing, ListQuery, SortKey, Sorts
from openpolicy.api.queries.common import in_scope, matching, within
from openpolicy.db.models import Ballot, Bill, VoteEvent, normalize_bill_identifier
from openpolicy.documents.schemas import BallotOption, VoteDetail, VotePage, VoteResult

router = APIRouter(prefix="/votes", tags=["votes"])

SORTS = Sorts(
    {
        "date": SortKey(VoteEvent.start_date, "date"),
        "updated_at": SortKey(VoteEvent.updated_at, "datetime"),
    },
    default="-date",
    tiebreak=VoteEvent.id,
)


class VoteFilters(f.Filters):
    """The filters of ``/v1/votes``."""

    jurisdiction: Annotated[f.OptText, f.text(f.JURISDICTION)] = None
    session: Annotated[f.OptText, f.text(f.SESSION, example="44-1")] = None
    chamber: Annotated[f.OptText, f.text("upper, lower, unicameral or a chamber id/name.", example="lower")] = None
    bill: Annotated[f.OptText, f.text("Bill id, or bill number (`C-21`, `HR 1`; punctuation ignored).")] = None
    result: Annotated[VoteResult | None, f.Choice, Query(description="The vote's result.", examples=["pass"])] = None
    classification: Annotated[f.OptText, f.text("A motion classification (exact), e.g. passage.")] = None
    voter: Annotated[f.OptText, f.text("Only votes in which this person (id) cast a ballot.")] = None
    option: Annotated[
        BallotOption | None,
        f.Choice,
        Query(description="With `voter`: only votes where that person voted this option."),
    ] = None
    date_after: Annotated[f.OptDate, f.when("Votes on or after this date.", example="2024-01-01")] = None
    date_before: Annotated[f.OptDate, f.when("Votes on or before this date.", example="2024-12-31")] = None
    q: Annotated[f.OptText, f.text("Case-insensitive substring of the motion.")] = None
    updated_since: Annotated[f.OptDateTime, f.when(f.UPDATED_SINCE)] = None


VOTES = ListQuery(SORTS, VoteFilters)


@router.get("", summary="List vote events", response_model=VotePage, openapi_extra=VOTES.openapi)
async def list_votes(
    db: Annotated[Database, Depends(get_database)],
    query: Annotated[Listing[VoteFilters], Depends(VOTES)],
) -> Response:
    """Vote events with their published counts, newest first by default."""
    filters = query.filters

    def build() -> AnySelect:  # once per shape: the filters set and their values
        stmt = select(VoteEvent.id).where(
            *in_scope(VoteEvent.jurisdiction_id, VoteEvent.session_id, VoteEvent.organization_id, filters)
        )
        if filters.bill:
            bills = select(Bill.id).where(
                (Bill.id == filters.bill) | (Bill.normalized_identifier == normalize_bill_identifier(filters.bill))
            )
            stmt = stmt.where(VoteEvent.bill_id.in_(bills))
        if filters.result:
            stmt = stmt.where(VoteEvent.result == filters.result)
        if filters.classification:
            stmt = stmt.where(VoteEvent.motion_classification.contains([filters.classification]))
        if filters.voter:
            cond = [Ballot.vote_event_id == VoteEvent.id, Ballot.person_id == filters.voter]
            if filters.option:
                cond.append(Ballot.option == filters.option)
            stmt = stmt.where(select(Ballot.ordinal).where(*cond).exists())
        stmt = stmt.where(*within(VoteEvent.start_date, filters.date_after, filters.date_before))
        return stmt.where(*matching(VoteEvent.motion_text, VoteEvent.updated_at, filters))

    return await docs.list_response(db, query.shape, build, query.page, "vote")


@router.get(
    "/{vote_id:path}",
    summary="One vote event",
    response_model=VoteDetail,
    responses={404: {"description": "Unknown id"}},
)
async def get_vote(vote_id: str, db: Annotated[Database, Depends(get_database)]) -> Response:
    """A vote with its published counts, the counts tallied from its ballots (and whether they agree), and the
    ballots grouped by the party each voter sat for on the vote date."""
    return await docs.detail_response(db, "vote", vote_id)
