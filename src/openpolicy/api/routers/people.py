"""/v1/people: legislators with their seats, memberships, committees and voting records."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import ColumnElement, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, load_only

from openpolicy.api import filters as f
from openpolicy.api.deps import get_session
from openpolicy.api.errors import NotFound
from openpolicy.api.pagination import AnySelect, PageRequest, SortKey, Sorts, fetch_page, page_params
from openpolicy.api.queries.common import (
    AREA_REF_COLUMNS,
    COMMITTEE_CLASSIFICATIONS,
    SEAT_CLASSIFICATIONS,
    area_ids,
    chamber_ids,
    check_id,
    is_current,
    jurisdiction_ids,
    load_refs,
    name_contains,
    party_ids,
    ref_columns,
    seat_organizations,
    session_ids,
)
from openpolicy.api.queries.people import Seat, current_seats
from openpolicy.api.schemas import (
    AreaRef,
    BallotOption,
    ContactDetail,
    Identifier,
    LegislativePeriodRef,
    Link,
    MembershipOut,
    OrganizationRef,
    OtherName,
    Pagination,
    PartyRef,
    PersonDetail,
    PersonPage,
    PersonSummary,
    VotingRecordPage,
)
from openpolicy.db.models import (
    Area,
    Ballot,
    Bill,
    LegislativePeriod,
    Membership,
    Organization,
    Person,
    PersonIdentifier,
    Post,
    VoteEvent,
)

router = APIRouter(prefix="/people", tags=["people"])

SORTS = Sorts(
    {
        "name": SortKey(Person.sort_name, "str"),
        "updated_at": SortKey(Person.updated_at, "datetime"),
    },
    default="name",
    tiebreak=Person.id,
)

PERSON_SUMMARY_COLUMNS = (
    Person.id,
    Person.name,
    Person.sort_name,
    Person.given_name,
    Person.family_name,
    Person.image,
    Person.updated_at,
)
_CHAMBER = aliased(Organization)
_ORG, _PARTY, _AREA = aliased(Organization), aliased(Organization), aliased(Area)

RECORD_SORTS = Sorts({"date": SortKey(VoteEvent.start_date, "date")}, default="-date", tiebreak=VoteEvent.id)


def _membership_exists(*conditions: ColumnElement[bool], current: bool | None) -> ColumnElement[bool]:
    conds = [Membership.person_id == Person.id, *conditions]
    if current:
        conds.append(is_current())
    return select(Membership.id).where(*conds).exists()


def _summary(person: Person, seat: Seat) -> PersonSummary:
    return PersonSummary(
        id=person.id,
        name=person.name,
        sort_name=person.sort_name,
        given_name=person.given_name,
        family_name=person.family_name,
        image=person.image,
        current_party=PartyRef.model_validate(seat.party) if seat.party else None,
        current_district=AreaRef.model_validate(seat.district) if seat.district else None,
        current_chamber=OrganizationRef.model_validate(seat.chamber) if seat.chamber else None,
        updated_at=person.updated_at,
    )


@router.get("", summary="List people")
async def list_people(
    db: Annotated[AsyncSession, Depends(get_session)],
    page: Annotated[PageRequest, Depends(page_params(SORTS))],
    jurisdiction: Annotated[f.OptText, f.text("People with a membership in this jurisdiction (id or name).")] = None,
    chamber: Annotated[
        f.OptText, f.text("upper, lower, unicameral, or a chamber/legislature id or name.", example="lower")
    ] = None,
    party: Annotated[f.OptText, f.text("Party id, name or abbreviation (case-insensitive).", example="Liberal")] = None,
    district: Annotated[f.OptText, f.text("Area (district) id, identifier or name.")] = None,
    area: Annotated[f.OptText, f.text("Alias of `district`.")] = None,
    current: Annotated[
        f.OptBool,
        f.flag(
            "true: only people holding a seat today (and the chamber/party/district filters apply to current "
            "memberships only); false: only people without a current seat."
        ),
    ] = None,
    q: Annotated[f.OptText, f.text(f.NAME_Q, example="doe")] = None,
    updated_since: Annotated[f.OptDateTime, f.when(f.UPDATED_SINCE)] = None,
) -> PersonPage:
    """People, filtered by their memberships, with their current party, district and chamber."""
    stmt: AnySelect = select(Person).options(load_only(*PERSON_SUMMARY_COLUMNS, raiseload=True))
    if jurisdiction:
        orgs = select(Organization.id).where(Organization.jurisdiction_id.in_(jurisdiction_ids(jurisdiction)))
        stmt = stmt.where(_membership_exists(Membership.organization_id.in_(orgs), current=current))
    if chamber:
        stmt = stmt.where(_membership_exists(Membership.organization_id.in_(chamber_ids(chamber)), current=current))
    if party:
        parties = party_ids(party)
        stmt = stmt.where(
            _membership_exists(
                or_(Membership.on_behalf_of_id.in_(parties), Membership.organization_id.in_(parties)), current=current
            )
        )
    for value in (district, area):
        if value:
            stmt = stmt.where(_membership_exists(Membership.area_id.in_(area_ids(value)), current=current))
    if current is not None:
        seated = _membership_exists(Membership.organization_id.in_(seat_organizations()), current=True)
        stmt = stmt.where(seated if current else not_(seated))
    if q:
        stmt = stmt.where(name_contains(Person.name, q))
    if updated_since:
        stmt = stmt.where(Person.updated_at >= updated_since)
    rows, next_url = await fetch_page(db, stmt, page)
    people = [row[0] for row in rows]
    seats = await current_seats(db, [p.id for p in people])
    return PersonPage(
        results=[_summary(p, seats[p.id]) for p in people],
        pagination=Pagination(limit=page.limit, next=next_url),
    )


@router.get(
    "/{person_id:path}/votes",
    summary="A person's voting record",
    responses={404: {"description": "Unknown id"}},
)
async def get_voting_record(
    person_id: str,
    db: Annotated[AsyncSession, Depends(get_session)],
    page: Annotated[PageRequest, Depends(page_params(RECORD_SORTS))],
    option: Annotated[BallotOption | None, Query(description="Only ballots with this option.")] = None,
    session: Annotated[f.OptText, f.text(f.SESSION, example="44-1")] = None,
    date_after: Annotated[f.OptDate, f.when("Votes on or after this date.", example="2024-01-01")] = None,
    date_before: Annotated[f.OptDate, f.when("Votes on or before this date.", example="2024-12-31")] = None,
) -> VotingRecordPage:
    """Every recorded ballot of the person, newest first; the option is always stated, absent and not voting
    included, with the vote's motion, date, result, chamber and bill."""
    if await db.get(Person, check_id("person", person_id)) is None:
        raise NotFound("person", person_id)
    stmt = (
        select(
            Ballot.option,
            VoteEvent.id,
            VoteEvent.start_date,
            VoteEvent.motion_text,
            VoteEvent.result,
            VoteEvent.organization_id,
            Bill.id,
            Bill.identifier,
            Bill.title,
        )
        .join(VoteEvent, VoteEvent.id == Ballot.vote_event_id)
        .outerjoin(Bill, Bill.id == VoteEvent.bill_id)
        .where(Ballot.person_id == person_id)
    )
    if option:
        stmt = stmt.where(Ballot.option == option)
    if session:
        stmt = stmt.where(VoteEvent.session_id.in_(session_ids(session)))
    if date_after:
        stmt = stmt.where(VoteEvent.start_date >= date_after)
    if date_before:
        stmt = stmt.where(VoteEvent.start_date <= date_before)
    rows, next_url = await fetch_page(db, stmt, page)
    chambers = await load_refs(db, Organization, [row[5] for row in rows])
    # Plain rows → dicts, validated once with the page (up to 200 entries: no per-row model constructors).
    results = []
    for ballot_option, vote_id, day, motion, result, org_id, bill_id, identifier, title in rows:
        chamber = chambers.get(org_id or "")
        results.append(
            {
                "vote_id": vote_id,
                "date": day,
                "motion": motion,
                "result": result,
                "chamber": OrganizationRef.model_validate(chamber) if chamber else None,
                "bill": {"id": bill_id, "identifier": identifier, "title": title} if bill_id else None,
                "option": ballot_option,
            }
        )
    return VotingRecordPage.model_validate({"results": results, "pagination": {"limit": page.limit, "next": next_url}})


@router.get("/{person_id:path}", summary="One person", responses={404: {"description": "Unknown id"}})
async def get_person(person_id: str, db: Annotated[AsyncSession, Depends(get_session)]) -> PersonDetail:
    """A person with current and past memberships (organization, party, district, post, role, dates), current
    party and district, and committees."""
    person = await db.get(Person, check_id("person", person_id))
    if person is None:
        raise NotFound("person", person_id)
    identifiers = (
        await db.scalars(
            select(PersonIdentifier)
            .where(PersonIdentifier.person_id == person_id)
            .order_by(PersonIdentifier.scheme, PersonIdentifier.identifier)
        )
    ).all()
    org, party, area = _ORG, _PARTY, _AREA
    rows = (
        await db.execute(
            select(Membership, org, party, area, Post.label, LegislativePeriod, is_current().label("current"))
            .join(org, org.id == Membership.organization_id)
            .outerjoin(party, party.id == Membership.on_behalf_of_id)
            .outerjoin(area, area.id == Membership.area_id)
            .outerjoin(Post, Post.id == Membership.post_id)
            .outerjoin(LegislativePeriod, LegislativePeriod.id == Membership.legislative_period_id)
            .where(Membership.person_id == person_id)
            .options(ref_columns(org), ref_columns(party), ref_columns(area, AREA_REF_COLUMNS))
            .order_by(
                Membership.end_date.desc().nulls_first(), Membership.start_date.desc().nulls_last(), Membership.id
            )
        )
    ).all()
    current: list[MembershipOut] = []
    past: list[MembershipOut] = []
    committees: list[MembershipOut] = []
    seat = Seat()
    party_membership: Organization | None = None
    for m, o, p, a, post_label, period, is_now in rows:
        out = MembershipOut(
            id=m.id,
            organization=OrganizationRef.model_validate(o),
            party=PartyRef.model_validate(p) if p else None,
            area=AreaRef.model_validate(a) if a else None,
            post=post_label,
            role=m.role,
            label=m.label,
            legislative_period=LegislativePeriodRef.model_validate(period) if period else None,
            start_date=m.start_date,
            end_date=m.end_date,
            current=bool(is_now),
        )
        (current if is_now else past).append(out)
        if not is_now:
            continue
        if o.classification in COMMITTEE_CLASSIFICATIONS:
            committees.append(out)
        elif o.classification == "party":
            party_membership = party_membership or o
        elif o.classification in SEAT_CLASSIFICATIONS and (
            seat.chamber is None or (seat.chamber.classification != "chamber" and o.classification == "chamber")
        ):
            seat = Seat(chamber=o, party=p or seat.party, district=a or seat.district)
    if seat.party is None:
        seat.party = party_membership
    summary = _summary(person, seat)
    return PersonDetail(
        **summary.model_dump(),
        created_at=person.created_at,
        other_names=[OtherName.model_validate(n) for n in person.other_names if isinstance(n, dict) and "name" in n],
        identifiers=[Identifier(scheme=i.scheme, identifier=i.identifier) for i in identifiers],
        contact_details=[
            ContactDetail.model_validate(c)
            for c in person.contact_details
            if isinstance(c, dict) and "type" in c and "value" in c
        ],
        links=[Link.model_validate(link) for link in person.links if isinstance(link, dict) and "url" in link],
        gender=person.gender,
        birth_date=person.birth_date,
        death_date=person.death_date,
        email=person.email,
        current_memberships=current,
        past_memberships=past,
        committees=committees,
    )
