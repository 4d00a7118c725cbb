"""/v1/jurisdictions: governments with a legislature."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from openpolicy.api import filters as f
from openpolicy.api.deps import get_session
from openpolicy.api.errors import NotFound
from openpolicy.api.pagination import Listing, ListQuery, SortKey, Sorts, fetch_page
from openpolicy.api.queries.common import SEAT_CLASSIFICATIONS, check_id, name_contains
from openpolicy.db.models import Jurisdiction, LegislativePeriod, Organization, Session
from openpolicy.documents.schemas import (
    JurisdictionDetail,
    JurisdictionPage,
    JurisdictionSummary,
    LegislativePeriodSummary,
    OrganizationRef,
    Pagination,
    SessionSummary,
)

router = APIRouter(prefix="/jurisdictions", tags=["jurisdictions"])

SORTS = Sorts(
    {
        "name": SortKey(Jurisdiction.name, "str"),
        "updated_at": SortKey(Jurisdiction.updated_at, "datetime"),
    },
    default="name",
    tiebreak=Jurisdiction.id,
)


class JurisdictionFilters(f.Filters):
    """The filters of ``/v1/jurisdictions``."""

    classification: Annotated[f.OptText, f.text(f.CLASSIFICATION, example="legislature")] = None
    country: Annotated[f.OptText, f.text("ISO 3166-1 alpha-2 country code.", example="ca")] = None
    q: Annotated[f.OptText, f.text(f.NAME_Q, example="canada")] = None
    updated_since: Annotated[f.OptDateTime, f.when(f.UPDATED_SINCE)] = None


JURISDICTIONS = ListQuery(SORTS, JurisdictionFilters)


@router.get("", summary="List jurisdictions", openapi_extra=JURISDICTIONS.openapi)
async def list_jurisdictions(
    db: Annotated[AsyncSession, Depends(get_session)],
    query: Annotated[Listing[JurisdictionFilters], Depends(JURISDICTIONS)],
) -> JurisdictionPage:
    """Jurisdictions, filtered and paged (keyset cursor)."""
    filters = query.filters
    stmt = select(Jurisdiction)
    if filters.classification:
        stmt = stmt.where(Jurisdiction.classification == filters.classification)
    if filters.country:
        stmt = stmt.where(Jurisdiction.country == filters.country.lower())
    if filters.q:
        stmt = stmt.where(name_contains(Jurisdiction.name, filters.q))
    if filters.updated_since:
        stmt = stmt.where(Jurisdiction.updated_at >= filters.updated_since)
    rows, next_url = await fetch_page(db, stmt, query.page)
    return JurisdictionPage(
        results=[JurisdictionSummary.model_validate(row[0]) for row in rows],
        pagination=Pagination(limit=query.page.limit, next=next_url),
    )


@router.get("/{jurisdiction_id:path}", summary="One jurisdiction", responses={404: {"description": "Unknown id"}})
async def get_jurisdiction(
    jurisdiction_id: str, db: Annotated[AsyncSession, Depends(get_session)]
) -> JurisdictionDetail:
    """A jurisdiction with its legislature and chambers, legislative periods and sessions (newest first)."""
    jurisdiction = await db.get(Jurisdiction, check_id("jurisdiction", jurisdiction_id))
    if jurisdiction is None:
        raise NotFound("jurisdiction", jurisdiction_id)
    chambers = (
        await db.scalars(
            select(Organization)
            .where(
                Organization.jurisdiction_id == jurisdiction_id,
                Organization.classification.in_(SEAT_CLASSIFICATIONS),
            )
            .order_by(Organization.classification.desc(), Organization.name, Organization.id)
        )
    ).all()
    periods = (
        await db.scalars(
            select(LegislativePeriod)
            .where(LegislativePeriod.jurisdiction_id == jurisdiction_id)
            .order_by(LegislativePeriod.start_date.desc().nulls_last(), LegislativePeriod.id)
        )
    ).all()
    sessions = (
        await db.scalars(
            select(Session)
            .where(Session.jurisdiction_id == jurisdiction_id)
            .order_by(Session.start_date.desc().nulls_last(), Session.id)
        )
    ).all()
    return JurisdictionDetail.model_validate(
        {
            **JurisdictionSummary.model_validate(jurisdiction).model_dump(),
            "created_at": jurisdiction.created_at,
            "chambers": [OrganizationRef.model_validate(o) for o in chambers],
            "legislative_periods": [LegislativePeriodSummary.model_validate(p) for p in periods],
            "sessions": [SessionSummary.model_validate(s) for s in sessions],
        }
    )
