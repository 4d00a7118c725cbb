"""/v1/people: legislators with their seats, memberships, committees and voting records."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy import ColumnElement, bindparam, not_, or_, select

from openpolicy.api import documents as docs
from openpolicy.api import filters as f
from openpolicy.api.deps import Database, get_database
from openpolicy.api.pagination import AnySelect, Listing, ListQuery, SortKey, Sorts
from openpolicy.api.queries.common import (
    area_ids,
    chamber_ids,
    check_id,
    is_current,
    matching,
    party_ids,
    seat_organizations,
    session_ids,
)
from openpolicy.api.routers.speeches import PERSON_SPEECHES, PersonSpeechFilters, person_speeches
from openpolicy.db.models import Ballot, Membership, Organization, Person, VoteEvent
from openpolicy.documents.schemas import BallotOption, PersonDetail, PersonPage, SpeechPage, VotingRecordPage

router = APIRouter(prefix="/people", tags=["people"])

SORTS = Sorts(
    {
        "name": SortKey(Person.sort_name, "str"),
        "updated_at": SortKey(Person.updated_at, "datetime"),
    },
    default="name",
    tiebreak=Person.id,
)

RECORD_SORTS = Sorts({"date": SortKey(VoteEvent.start_date, "date")}, default="-date", tiebreak=VoteEvent.id)


def _membership_exists(*conditions: ColumnElement[bool], current: bool | None) -> ColumnElement[bool]:
    conds = [Membership.person_id == Person.id, *conditions]
    if current:
        conds.append(is_current())
    return select(Membership.id).where(*conds).exists()


class PeopleFilters(f.Filters):
    """The filters of ``/v1/people``."""

    jurisdiction: Annotated[f.OptText, f.text("People with a membership in this jurisdiction. " + f.JURISDICTION)] = (
        None
    )
    chamber: Annotated[
        f.OptText, f.text("upper, lower, unicameral, or a chamber/legislature id or name.", example="lower")
    ] = None
    party: Annotated[f.OptText, f.text("Party id, name or abbreviation (case-insensitive).", example="Liberal")] = None
    district: Annotated[f.OptText, f.text("Area (district) id, identifier or name.")] = None
    area: Annotated[f.OptText, f.text("Alias of `district`.")] = None
    current: Annotated[
        f.OptBool,
        f.flag(
            "true: only people holding a seat today (and the chamber/party/district filters apply to current "
            "memberships only); false: only people without a current seat."
        ),
    ] = None
    q: Annotated[f.OptText, f.text(f.NAME_Q, example="doe")] = None
    updated_since: Annotated[f.OptDateTime, f.when(f.UPDATED_SINCE)] = None


PEOPLE = ListQuery(SORTS, PeopleFilters)


@router.get("", summary="List people", response_model=PersonPage, openapi_extra=PEOPLE.openapi)
async def list_people(
    db: Annotated[Database, Depends(get_database)], query: Annotated[Listing[PeopleFilters], Depends(PEOPLE)]
) -> Response:
    """People, filtered by their memberships, with their current party, district and chamber."""
    filters = query.filters

    def build() -> AnySelect:  # once per shape: the filters set and their values
        stmt: AnySelect = select(Person.id)
        if filters.jurisdiction:
            orgs = select(Organization.id).where(Organization.jurisdiction_id == filters.jurisdiction)
            stmt = stmt.where(_membership_exists(Membership.organization_id.in_(orgs), current=filters.current))
        if filters.chamber:
            stmt = stmt.where(
                _membership_exists(
                    Membership.organization_id.in_(chamber_ids(filters.chamber)), current=filters.current
                )
            )
        if filters.party:
            parties = party_ids(filters.party)
            stmt = stmt.where(
                _membership_exists(
                    or_(Membership.on_behalf_of_id.in_(parties), Membership.organization_id.in_(parties)),
                    current=filters.current,
                )
            )
        for value in (filters.district, filters.area):
            if value:
                stmt = stmt.where(_membership_exists(Membership.area_id.in_(area_ids(value)), current=filters.current))
        if filters.current is not None:
            seated = _membership_exists(Membership.organization_id.in_(seat_organizations()), current=True)
            stmt = stmt.where(seated if filters.current else not_(seated))
        return stmt.where(*matching(Person.name, Person.updated_at, filters))

    return await docs.list_response(db, query.shape, build, query.page, "person")


class RecordFilters(f.Filters):
    """The filters of ``/v1/people/{id}/votes``."""

    option: Annotated[BallotOption | None, f.Choice, Query(description="Only ballots with this option.")] = None
    session: Annotated[f.OptText, f.text(f.SESSION, example="44-1")] = None
    date_after: Annotated[f.OptDate, f.when("Votes on or after this date.", example="2024-01-01")] = None
    date_before: Annotated[f.OptDate, f.when("Votes on or before this date.", example="2024-12-31")] = None


RECORD = ListQuery(RECORD_SORTS, RecordFilters)


@router.get(
    "/{person_id:path}/votes",
    summary="A person's voting record",
    response_model=VotingRecordPage,
    responses={404: {"description": "Unknown id"}},
    openapi_extra=RECORD.openapi,
)
async def get_voting_record(
    person_id: str,
    db: Annotated[Database, Depends(get_database)],
    query: Annotated[Listing[RecordFilters], Depends(RECORD)],
) -> Response:
    """Every recorded ballot of the person, newest first; the option is always stated, absent and not voting
    included, with the vote's motion, date, result, chamber and bill."""
    check_id("person", person_id)
    filters = query.filters

    def build() -> AnySelect:  # one statement for every person's record with the same filters
        stmt = (
            select(VoteEvent.id, Ballot.option)
            .join(VoteEvent, VoteEvent.id == Ballot.vote_event_id)
            .where(Ballot.person_id == bindparam("person_id"))
        )
        if filters.option:
            stmt = stmt.where(Ballot.option == filters.option)
        if filters.session:
            stmt = stmt.where(VoteEvent.session_id.in_(session_ids(filters.session)))
        if filters.date_after:
            stmt = stmt.where(VoteEvent.start_date >= filters.date_after)
        if filters.date_before:
            stmt = stmt.where(VoteEvent.start_date <= filters.date_before)
        return stmt

    return await docs.voting_record_response(db, query.shape, build, query.page, person_id)


@router.get(
    "/{person_id:path}/speeches",
    summary="A person's speeches",
    response_model=SpeechPage,
    responses={404: {"description": "Unknown id"}},
    openapi_extra=PERSON_SPEECHES.openapi,
)
async def get_person_speeches(
    person_id: str,
    db: Annotated[Database, Depends(get_database)],
    query: Annotated[Listing[PersonSpeechFilters], Depends(PERSON_SPEECHES)],
) -> Response:
    """The person's speeches in debates, newest debate first, with the debate, section, and their party and
    district on the day."""
    check_id("person", person_id)
    return await person_speeches(db, query, person_id)


@router.get(
    "/{person_id:path}",
    summary="One person",
    response_model=PersonDetail,
    responses={404: {"description": "Unknown id"}},
)
async def get_person(person_id: str, db: Annotated[Database, Depends(get_database)]) -> Response:
    """A person with current and past memberships (organization, party, district, post, role, dates), current
    party and district, and committees."""
    return await docs.detail_response(db, "person", person_id)
