"""/v1/bills: bills with sponsors, actions, documents and votes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, load_only

from openpolicy.api import filters as f
from openpolicy.api.deps import get_session
from openpolicy.api.errors import NotFound
from openpolicy.api.pagination import AnySelect, PageRequest, SortKey, Sorts, fetch_page, page_params
from openpolicy.api.queries import votes as vq
from openpolicy.api.queries.common import (
    chamber_ids,
    check_id,
    jurisdiction_ids,
    load_refs,
    name_contains,
    ref_columns,
    session_ids,
    within,
)
from openpolicy.api.schemas import (
    BillActionOut,
    BillDetail,
    BillDocumentOut,
    BillPage,
    BillSummary,
    OrganizationRef,
    Pagination,
    PersonRef,
    SessionRef,
    Sponsor,
)
from openpolicy.db.models import (
    Bill,
    BillAction,
    BillDocument,
    BillSponsorship,
    Organization,
    Person,
    Session,
    VoteEvent,
    normalize_bill_identifier,
)

router = APIRouter(prefix="/bills", tags=["bills"])

SORTS = Sorts(
    {
        "latest_action_date": SortKey(Bill.latest_action_date, "date", nullable=True),
        "introduced_date": SortKey(Bill.introduced_date, "date", nullable=True),
        "updated_at": SortKey(Bill.updated_at, "datetime"),
    },
    default="-latest_action_date",
    tiebreak=Bill.id,
)


def _summary(bill: Bill, session: Session, chamber: Organization | None) -> BillSummary:
    return BillSummary(
        id=bill.id,
        identifier=bill.identifier,
        title=bill.title,
        title_fr=bill.title_fr,
        classification=list(bill.classification),
        subjects=list(bill.subjects),
        status=bill.status,
        jurisdiction_id=bill.jurisdiction_id,
        session=SessionRef.model_validate(session),
        chamber=OrganizationRef.model_validate(chamber) if chamber else None,
        introduced_date=bill.introduced_date,
        latest_action_date=bill.latest_action_date,
        latest_action_description=bill.latest_action_description,
        updated_at=bill.updated_at,
    )


_CHAMBER = aliased(Organization)
_SPONSOR_ORG = aliased(Organization)
_ACTION_ORG = aliased(Organization)
SUMMARY_COLUMNS = (
    "id",
    "identifier",
    "title",
    "title_fr",
    "classification",
    "subjects",
    "status",
    "jurisdiction_id",
    "introduced_date",
    "latest_action_date",
    "latest_action_description",
    "updated_at",
)


LIST_COLUMNS = (*SUMMARY_COLUMNS, "session_id", "from_organization_id")


def _bill_select() -> AnySelect:
    """One bill with its session and originating chamber (detail)."""
    chamber = _CHAMBER
    return (
        select(Bill, Session, chamber)
        .join(Session, Session.id == Bill.session_id)
        .outerjoin(chamber, chamber.id == Bill.from_organization_id)
        .options(ref_columns(chamber), ref_columns(Session, ("id", "identifier", "name")))
    )


@router.get("", summary="List bills")
async def list_bills(
    db: Annotated[AsyncSession, Depends(get_session)],
    page: Annotated[PageRequest, Depends(page_params(SORTS))],
    jurisdiction: Annotated[f.OptText, f.text(f.JURISDICTION)] = None,
    session: Annotated[f.OptText, f.text(f.SESSION, example="44-1")] = None,
    chamber: Annotated[
        f.OptText, f.text("Originating chamber: upper, lower, unicameral or a chamber id/name.", example="lower")
    ] = None,
    status: Annotated[f.OptText, f.text("Status (case-insensitive exact match).", example="passed")] = None,
    sponsor: Annotated[
        f.OptText, f.text("Sponsor person id, or a substring of the sponsor's name (any sponsor, primary or not).")
    ] = None,
    primary_sponsor: Annotated[f.OptText, f.text("Like `sponsor`, primary sponsors only.")] = None,
    subject: Annotated[f.OptText, f.text("A subject the bill has (exact).", example="Health")] = None,
    classification: Annotated[f.OptText, f.text("A classification the bill has (exact).", example="bill")] = None,
    identifier: Annotated[
        f.OptText, f.text("Bill number; punctuation and case are ignored (`c21` finds `C-21`).", example="C-21")
    ] = None,
    introduced_after: Annotated[f.OptDate, f.when("Introduced on or after this date.")] = None,
    introduced_before: Annotated[f.OptDate, f.when("Introduced on or before this date.")] = None,
    action_since: Annotated[f.OptDate, f.when("Latest action on or after this date.")] = None,
    action_before: Annotated[f.OptDate, f.when("Latest action on or before this date.")] = None,
    q: Annotated[f.OptText, f.text("Case-insensitive substring of the title.", example="firearms")] = None,
    updated_since: Annotated[f.OptDateTime, f.when(f.UPDATED_SINCE)] = None,
) -> BillPage:
    """Bills, filtered and paged (keyset cursor); newest latest action first by default."""
    stmt = select(Bill).options(load_only(*(getattr(Bill, name) for name in LIST_COLUMNS), raiseload=True))
    if jurisdiction:
        stmt = stmt.where(Bill.jurisdiction_id.in_(jurisdiction_ids(jurisdiction)))
    if session:
        stmt = stmt.where(Bill.session_id.in_(session_ids(session)))
    if chamber:
        stmt = stmt.where(Bill.from_organization_id.in_(chamber_ids(chamber)))
    if status:
        stmt = stmt.where(func.lower(Bill.status) == status.lower())
    for value, primary_only in ((sponsor, False), (primary_sponsor, True)):
        if value:
            cond = [
                BillSponsorship.bill_id == Bill.id,
                or_(BillSponsorship.person_id == value, name_contains(BillSponsorship.name, value)),
            ]
            if primary_only:
                cond.append(BillSponsorship.primary.is_(True))
            stmt = stmt.where(select(BillSponsorship.id).where(*cond).exists())
    if subject:
        stmt = stmt.where(Bill.subjects.contains([subject]))
    if classification:
        stmt = stmt.where(Bill.classification.contains([classification]))
    if identifier:
        stmt = stmt.where(Bill.normalized_identifier == normalize_bill_identifier(identifier))
    stmt = stmt.where(*within(Bill.introduced_date, introduced_after, introduced_before))
    stmt = stmt.where(*within(Bill.latest_action_date, action_since, action_before))
    if q:
        stmt = stmt.where(name_contains(Bill.title, q))
    if updated_since:
        stmt = stmt.where(Bill.updated_at >= updated_since)
    rows, next_url = await fetch_page(db, stmt, page)
    bills = [row[0] for row in rows]
    sessions = await load_refs(db, Session, [b.session_id for b in bills], ("id", "identifier", "name"))
    chambers = await load_refs(db, Organization, [b.from_organization_id for b in bills])
    return BillPage(
        results=[_summary(b, sessions[b.session_id], chambers.get(b.from_organization_id or "")) for b in bills],
        pagination=Pagination(limit=page.limit, next=next_url),
    )


@router.get("/{bill_id:path}", summary="One bill", responses={404: {"description": "Unknown id"}})
async def get_bill(bill_id: str, db: Annotated[AsyncSession, Depends(get_session)]) -> BillDetail:
    """A bill with sponsors (primary first), the ordered actions timeline, versions and documents, and its votes
    with their counts."""
    row = (await db.execute(_bill_select().where(Bill.id == check_id("bill", bill_id)))).first()
    if row is None:
        raise NotFound("bill", bill_id)
    bill, sess, chamber = row
    sponsor_org = _SPONSOR_ORG
    sponsors = (
        await db.execute(
            select(BillSponsorship, Person, sponsor_org)
            .outerjoin(Person, Person.id == BillSponsorship.person_id)
            .outerjoin(sponsor_org, sponsor_org.id == BillSponsorship.organization_id)
            .where(BillSponsorship.bill_id == bill_id)
            .options(ref_columns(sponsor_org), ref_columns(Person, ("id", "name", "image")))
            .order_by(BillSponsorship.primary.desc(), BillSponsorship.id)
        )
    ).all()
    action_org = _ACTION_ORG
    actions = (
        await db.execute(
            select(BillAction, action_org)
            .outerjoin(action_org, action_org.id == BillAction.organization_id)
            .where(BillAction.bill_id == bill_id)
            .options(ref_columns(action_org))
            .order_by(BillAction.order, BillAction.id)
        )
    ).all()
    documents = (
        await db.scalars(
            select(BillDocument)
            .where(BillDocument.bill_id == bill_id)
            .order_by(BillDocument.date.asc().nulls_last(), BillDocument.id)
        )
    ).all()
    vote_rows = (
        await db.execute(
            vq.vote_select().where(VoteEvent.bill_id == bill_id).order_by(VoteEvent.start_date, VoteEvent.id)
        )
    ).all()
    docs = [BillDocumentOut.model_validate(d) for d in documents]
    return BillDetail(
        **_summary(bill, sess, chamber).model_dump(),
        created_at=bill.created_at,
        abstract=bill.abstract,
        other_titles=list(bill.other_titles),
        sponsors=[
            Sponsor(
                name=s.name,
                primary=s.primary,
                classification=s.classification,
                person=PersonRef.model_validate(person) if person else None,
                organization=OrganizationRef.model_validate(org) if org else None,
            )
            for s, person, org in sponsors
        ],
        actions=[
            BillActionOut(
                order=a.order,
                date=a.date,
                description=a.description,
                classification=list(a.classification),
                organization=OrganizationRef.model_validate(org) if org else None,
            )
            for a, org in actions
        ],
        versions=[d for d in docs if d.kind == "version"],
        documents=[d for d in docs if d.kind == "document"],
        votes=await vq.summaries_of_rows(db, vote_rows),
    )
