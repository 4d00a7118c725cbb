"""/v1/votes: vote events with counts, ballots grouped by party, and a check of ballots against counts."""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy import literal, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from openpolicy.api import filters as f
from openpolicy.api.deps import get_session
from openpolicy.api.errors import NotFound
from openpolicy.api.pagination import PageRequest, SortKey, Sorts, fetch_page, page_params
from openpolicy.api.queries import votes as vq
from openpolicy.api.queries.common import (
    active_on,
    chamber_ids,
    check_id,
    jurisdiction_ids,
    name_contains,
    party_of,
    session_ids,
    within,
)
from openpolicy.api.schemas import (
    BallotOption,
    CountDifference,
    Pagination,
    VoteDetail,
    VotePage,
)
from openpolicy.db.models import Ballot, Bill, Membership, Organization, Person, VoteEvent, normalize_bill_identifier

router = APIRouter(prefix="/votes", tags=["votes"])

_MEMBER_ORG = aliased(Organization)
_PARTY = aliased(Organization)

SORTS = Sorts(
    {
        "date": SortKey(VoteEvent.start_date, "date"),
        "updated_at": SortKey(VoteEvent.updated_at, "datetime"),
    },
    default="-date",
    tiebreak=VoteEvent.id,
)


@router.get("", summary="List vote events")
async def list_votes(
    db: Annotated[AsyncSession, Depends(get_session)],
    page: Annotated[PageRequest, Depends(page_params(SORTS))],
    jurisdiction: Annotated[f.OptText, f.text(f.JURISDICTION)] = None,
    session: Annotated[f.OptText, f.text(f.SESSION, example="44-1")] = None,
    chamber: Annotated[f.OptText, f.text("upper, lower, unicameral or a chamber id/name.", example="lower")] = None,
    bill: Annotated[f.OptText, f.text("Bill id, or bill number (`C-21`, `HR 1`; punctuation ignored).")] = None,
    result: Annotated[f.OptText, f.text("pass, fail, tie, withdrawn or other.", example="pass")] = None,
    classification: Annotated[f.OptText, f.text("A motion classification (exact), e.g. passage.")] = None,
    voter: Annotated[f.OptText, f.text("Only votes in which this person (id) cast a ballot.")] = None,
    option: Annotated[
        BallotOption | None, Query(description="With `voter`: only votes where that person voted this option.")
    ] = None,
    date_after: Annotated[f.OptDate, f.when("Votes on or after this date.", example="2024-01-01")] = None,
    date_before: Annotated[f.OptDate, f.when("Votes on or before this date.", example="2024-12-31")] = None,
    q: Annotated[f.OptText, f.text("Case-insensitive substring of the motion.")] = None,
    updated_since: Annotated[f.OptDateTime, f.when(f.UPDATED_SINCE)] = None,
) -> VotePage:
    """Vote events with their published counts, newest first by default."""
    stmt = vq.list_select()
    if jurisdiction:
        stmt = stmt.where(VoteEvent.jurisdiction_id.in_(jurisdiction_ids(jurisdiction)))
    if session:
        stmt = stmt.where(VoteEvent.session_id.in_(session_ids(session)))
    if chamber:
        stmt = stmt.where(VoteEvent.organization_id.in_(chamber_ids(chamber)))
    if bill:
        bills = select(Bill.id).where(
            (Bill.id == bill) | (Bill.normalized_identifier == normalize_bill_identifier(bill))
        )
        stmt = stmt.where(VoteEvent.bill_id.in_(bills))
    if result:
        stmt = stmt.where(VoteEvent.result == result.lower())
    if classification:
        stmt = stmt.where(VoteEvent.motion_classification.contains([classification]))
    if voter:
        cond = [Ballot.vote_event_id == VoteEvent.id, Ballot.person_id == voter]
        if option:
            cond.append(Ballot.option == option)
        stmt = stmt.where(select(Ballot.ordinal).where(*cond).exists())
    stmt = stmt.where(*within(VoteEvent.start_date, date_after, date_before))
    if q:
        stmt = stmt.where(name_contains(VoteEvent.motion_text, q))
    if updated_since:
        stmt = stmt.where(VoteEvent.updated_at >= updated_since)
    rows, next_url = await fetch_page(db, stmt, page)
    return VotePage(
        results=await vq.summaries(db, [row[0] for row in rows]),
        pagination=Pagination(limit=page.limit, next=next_url),
    )


@router.get("/{vote_id:path}", summary="One vote event", responses={404: {"description": "Unknown id"}})
async def get_vote(vote_id: str, db: Annotated[AsyncSession, Depends(get_session)]) -> VoteDetail:
    """A vote with its published counts, the counts tallied from its ballots (and whether they agree), and the
    ballots grouped by the party each voter sat for on the vote date."""
    row = (await db.execute(vq.vote_select().where(VoteEvent.id == check_id("vote", vote_id)))).first()
    if row is None:
        raise NotFound("vote", vote_id)
    vote: VoteEvent = row[0]
    published = (await vq.published_counts(db, [vote_id])).get(vote_id, [])

    # The voter's party on the vote date, one row per voter (DISTINCT ON): a membership covering that day,
    # preferring the vote's chamber and a party stated on the seat ("on behalf of") over a bare party membership.
    # One set-based pass over the voters' memberships instead of a lookup per ballot.
    member_org = _MEMBER_ORG
    party_id = party_of(Membership, member_org)
    voters = select(Ballot.person_id).where(Ballot.vote_event_id == vote_id, Ballot.person_id.is_not(None))
    in_chamber = (Membership.organization_id == vote.organization_id) if vote.organization_id else literal(False)
    voter_party = (
        select(Membership.person_id.label("person_id"), party_id.label("party_id"))
        .join(member_org, member_org.id == Membership.organization_id)
        .where(
            Membership.person_id.in_(voters),
            party_id.is_not(None),
            active_on(Membership, literal(vote.start_date)),
        )
        .ext(distinct_on(Membership.person_id))
        .order_by(
            Membership.person_id,
            in_chamber.desc(),
            Membership.on_behalf_of_id.is_(None),
            Membership.start_date.desc().nulls_last(),
        )
        .subquery("voter_party")
    )
    party = _PARTY
    result = (
        await db.execute(
            select(
                Ballot.voter_name,
                Ballot.option,
                Person.id,
                Person.name,
                Person.image,
                party.id,
                party.name,
                party.abbreviation,
                party.color,
            )
            .outerjoin(Person, Person.id == Ballot.person_id)
            .outerjoin(voter_party, voter_party.c.person_id == Ballot.person_id)
            .outerjoin(party, party.id == voter_party.c.party_id)
            .where(Ballot.vote_event_id == vote_id)
            .order_by(Ballot.ordinal)
        )
    ).all()
    # By voter name: sorting ~400 rows here is cheaper than a collated sort in SQL.
    ballot_rows = sorted(result, key=lambda row: row[0].casefold())

    # Plain columns and plain dicts, validated once with the whole response (in pydantic-core): hundreds of
    # ballots need neither ORM identity bookkeeping nor a Python-level model constructor each.
    groups: dict[str | None, tuple[dict[str, Any] | None, list[dict[str, Any]]]] = {}
    computed: Counter[str] = Counter()
    for voter_name, option, person_id, person_name, image, p_id, p_name, p_abbr, p_color in ballot_rows:
        computed[option] += 1
        if p_id not in groups:
            ref = {"id": p_id, "name": p_name, "abbreviation": p_abbr, "color": p_color} if p_id else None
            groups[p_id] = (ref, [])
        person = {"id": person_id, "name": person_name, "image": image} if person_id else None
        groups[p_id][1].append({"voter_name": voter_name, "person": person, "option": option})
    by_party: list[dict[str, Any]] = [
        {
            "party": ref,
            "counts": dict(
                sorted(Counter(b["option"] for b in ballots).items(), key=lambda kv: vq.option_order(kv[0]))
            ),
            "ballots": ballots,
        }
        for ref, ballots in groups.values()
    ]
    by_party.sort(key=lambda g: (g["party"] is None, -len(g["ballots"]), g["party"]["name"] if g["party"] else ""))

    published_map = {c.option: c.value for c in published}
    differences = [
        CountDifference(
            option=option,
            published=published_map.get(option, 0),
            computed=computed.get(option, 0),
            difference=computed.get(option, 0) - published_map.get(option, 0),
        )
        for option in sorted(set(published_map) | set(computed), key=vq.option_order)
        if published_map.get(option, 0) != computed.get(option, 0)
    ]
    counts_match = None if not published or not ballot_rows else not differences
    summary: dict[str, Any] = vq.summary_fields(row, published)
    return VoteDetail.model_validate(
        {
            **summary,
            "created_at": vote.created_at,
            "computed_counts": [
                {"option": o, "value": n} for o, n in sorted(computed.items(), key=lambda kv: vq.option_order(kv[0]))
            ],
            "counts_match": counts_match,
            "count_differences": differences if counts_match is not None else [],
            "ballot_total": len(ballot_rows),
            "by_party": by_party,
        }
    )
