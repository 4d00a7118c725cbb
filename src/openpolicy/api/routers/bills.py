"""/v1/bills: bills with sponsors, actions, documents and votes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from sqlalchemy import func, or_, select

from openpolicy.api import documents as docs
from openpolicy.api import filters as f
from openpolicy.api.deps import Database, get_database
from openpolicy.api.pagination import AnySelect, Listing, ListQuery, SortKey, Sorts
from openpolicy.api.queries.common import in_scope, matching, name_contains, within
from openpolicy.api.queries.known import BILL_STATUSES, check_known
from openpolicy.db.models import Bill, BillSponsorship, normalize_bill_identifier
from openpolicy.documents.schemas import BillDetail, BillPage

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


class BillFilters(f.Filters):
    """The filters of ``/v1/bills``."""

    jurisdiction: Annotated[f.OptText, f.text(f.JURISDICTION)] = None
    session: Annotated[f.OptText, f.text(f.SESSION, example="44-1")] = None
    chamber: Annotated[
        f.OptText, f.text("Originating chamber: upper, lower, unicameral or a chamber id/name.", example="lower")
    ] = None
    status: Annotated[
        f.OptText, f.text("Status (any case); one no bill has is a 400 listing those bills have.", example="passed")
    ] = None
    sponsor: Annotated[
        f.OptText, f.text("Sponsor person id, or a substring of the sponsor's name (any sponsor, primary or not).")
    ] = None
    primary_sponsor: Annotated[f.OptText, f.text("Like `sponsor`, primary sponsors only.")] = None
    subject: Annotated[f.OptText, f.text("A subject the bill has (exact).", example="Health")] = None
    classification: Annotated[f.OptText, f.text("A classification the bill has (exact).", example="bill")] = None
    identifier: Annotated[
        f.OptText, f.text("Bill number; punctuation and case are ignored (`c21` finds `C-21`).", example="C-21")
    ] = None
    introduced_after: Annotated[f.OptDate, f.when("Introduced on or after this date.")] = None
    introduced_before: Annotated[f.OptDate, f.when("Introduced on or before this date.")] = None
    action_since: Annotated[f.OptDate, f.when("Latest action on or after this date.")] = None
    action_before: Annotated[f.OptDate, f.when("Latest action on or before this date.")] = None
    q: Annotated[f.OptText, f.text("Case-insensitive substring of the title.", example="firearms")] = None
    updated_since: Annotated[f.OptDateTime, f.when(f.UPDATED_SINCE)] = None


BILLS = ListQuery(SORTS, BillFilters)


@router.get("", summary="List bills", response_model=BillPage, openapi_extra=BILLS.openapi)
async def list_bills(
    db: Annotated[Database, Depends(get_database)],
    query: Annotated[Listing[BillFilters], Depends(BILLS)],
) -> Response:
    """Bills, filtered and paged (keyset cursor); newest latest action first by default."""
    filters = query.filters
    if filters.status:
        await check_known(query.page.request, "status", BILL_STATUSES, filters.status)

    def build() -> AnySelect:  # once per shape: the filters set and their values
        stmt = select(Bill.id).where(
            *in_scope(Bill.jurisdiction_id, Bill.session_id, Bill.from_organization_id, filters)
        )
        if filters.status:
            stmt = stmt.where(func.lower(Bill.status) == filters.status.lower())
        for value, primary_only in ((filters.sponsor, False), (filters.primary_sponsor, True)):
            if value:
                cond = [
                    BillSponsorship.bill_id == Bill.id,
                    or_(BillSponsorship.person_id == value, name_contains(BillSponsorship.name, value)),
                ]
                if primary_only:
                    cond.append(BillSponsorship.primary.is_(True))
                stmt = stmt.where(select(BillSponsorship.id).where(*cond).exists())
        if filters.subject:
            stmt = stmt.where(Bill.subjects.contains([filters.subject]))
        if filters.classification:
            stmt = stmt.where(Bill.classification.contains([filters.classification]))
        if filters.identifier:
            stmt = stmt.where(Bill.normalized_identifier == normalize_bill_identifier(filters.identifier))
        stmt = stmt.where(*within(Bill.introduced_date, filters.introduced_after, filters.introduced_before))
        stmt = stmt.where(*within(Bill.latest_action_date, filters.action_since, filters.action_before))
        return stmt.where(*matching(Bill.title, Bill.updated_at, filters))

    return await docs.list_response(db, query.shape, build, query.page, "bill")


@router.get(
    "/{bill_id:path}", summary="One bill", response_model=BillDetail, responses={404: {"description": "Unknown id"}}
)
async def get_bill(bill_id: str, db: Annotated[Database, Depends(get_database)]) -> Response:
    """A bill with sponsors (primary first), the ordered actions timeline, versions and documents, and its votes
    with their counts."""
    return await docs.detail_response(db, "bill", bill_id)
