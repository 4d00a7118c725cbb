"""/v1/committees: committees and subcommittees (organizations of those classifications) with members."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from openpolicy.api import filters as f
from openpolicy.api.deps import get_session
from openpolicy.api.errors import NotFound
from openpolicy.api.pagination import Listing, ListQuery
from openpolicy.api.queries import organizations as orgs
from openpolicy.api.queries.common import (
    COMMITTEE_CLASSIFICATIONS,
    chamber_ids,
    check_id,
)
from openpolicy.db.models import Organization
from openpolicy.documents.schemas import OrganizationDetail, OrganizationPage

router = APIRouter(prefix="/committees", tags=["committees"])


class CommitteeFilters(f.Filters):
    """The filters of ``/v1/committees``."""

    jurisdiction: Annotated[f.OptText, f.text(f.JURISDICTION)] = None
    chamber: Annotated[
        f.OptText, f.text("upper, lower, unicameral, or a chamber id/name: its committees and their subcommittees.")
    ] = None
    classification: Annotated[
        Literal["committee", "subcommittee"] | None, f.Choice, Query(description="committee or subcommittee.")
    ] = None
    parent: Annotated[f.OptText, f.text("Parent organization id or exact name (e.g. the subcommittees of one).")] = None
    q: Annotated[f.OptText, f.text(f.NAME_Q, example="finance")] = None
    updated_since: Annotated[f.OptDateTime, f.when(f.UPDATED_SINCE)] = None


COMMITTEES = ListQuery(orgs.SORTS, CommitteeFilters)


@router.get("", summary="List committees", openapi_extra=COMMITTEES.openapi)
async def list_committees(
    db: Annotated[AsyncSession, Depends(get_session)],
    query: Annotated[Listing[CommitteeFilters], Depends(COMMITTEES)],
) -> OrganizationPage:
    """Committees and subcommittees, filtered and paged (keyset cursor)."""
    filters = query.filters
    stmt = orgs.list_statement(
        jurisdiction=filters.jurisdiction, parent=filters.parent, q=filters.q, updated_since=filters.updated_since
    )
    stmt = stmt.where(
        Organization.classification.in_(
            [filters.classification] if filters.classification else COMMITTEE_CLASSIFICATIONS
        )
    )
    if filters.chamber:
        ids = chamber_ids(filters.chamber)
        committees_of_chamber = select(Organization.id).where(Organization.parent_id.in_(ids))
        stmt = stmt.where(or_(Organization.parent_id.in_(ids), Organization.parent_id.in_(committees_of_chamber)))
    return await orgs.summary_page(db, stmt, query.page)


@router.get("/{committee_id:path}", summary="One committee", responses={404: {"description": "Unknown id"}})
async def get_committee(committee_id: str, db: Annotated[AsyncSession, Depends(get_session)]) -> OrganizationDetail:
    """A committee with its parent, subcommittees and current members (chairs first)."""
    org = await db.get(Organization, check_id("committee", committee_id))
    if org is None or org.classification not in COMMITTEE_CLASSIFICATIONS:
        raise NotFound("committee", committee_id)
    return await orgs.detail(db, org)
