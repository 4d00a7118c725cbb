"""/v1/organizations: legislatures, chambers, parties, committees and other organizations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import or_
from sqlalchemy.ext.asyncio import AsyncSession

from openpolicy.api import filters as f
from openpolicy.api.deps import get_session
from openpolicy.api.errors import NotFound
from openpolicy.api.pagination import Listing, ListQuery
from openpolicy.api.queries import organizations as orgs
from openpolicy.api.queries.common import (
    chamber_ids,
    check_id,
)
from openpolicy.db.models import Organization
from openpolicy.documents.schemas import OrganizationClassification, OrganizationDetail, OrganizationPage

router = APIRouter(prefix="/organizations", tags=["organizations"])


class OrganizationFilters(f.Filters):
    """The filters of ``/v1/organizations``."""

    jurisdiction: Annotated[f.OptText, f.text(f.JURISDICTION)] = None
    classification: Annotated[
        OrganizationClassification | None, f.Choice, Query(description="The kind of organization.", examples=["party"])
    ] = None
    chamber: Annotated[
        f.OptText, f.text("upper, lower, unicameral, or a chamber id/name: the chamber and its children.")
    ] = None
    parent: Annotated[f.OptText, f.text("Parent organization id or exact name.")] = None
    q: Annotated[f.OptText, f.text(f.NAME_Q)] = None
    updated_since: Annotated[f.OptDateTime, f.when(f.UPDATED_SINCE)] = None


ORGANIZATIONS = ListQuery(orgs.SORTS, OrganizationFilters)


@router.get("", summary="List organizations", openapi_extra=ORGANIZATIONS.openapi)
async def list_organizations(
    db: Annotated[AsyncSession, Depends(get_session)],
    query: Annotated[Listing[OrganizationFilters], Depends(ORGANIZATIONS)],
) -> OrganizationPage:
    """Organizations, filtered and paged (keyset cursor)."""
    filters = query.filters
    stmt = orgs.list_statement(
        jurisdiction=filters.jurisdiction, parent=filters.parent, q=filters.q, updated_since=filters.updated_since
    )
    if filters.classification:
        stmt = stmt.where(Organization.classification == filters.classification)
    if filters.chamber:
        ids = chamber_ids(filters.chamber)
        stmt = stmt.where(or_(Organization.id.in_(ids), Organization.parent_id.in_(ids)))
    return await orgs.summary_page(db, stmt, query.page)


@router.get("/{organization_id:path}", summary="One organization", responses={404: {"description": "Unknown id"}})
async def get_organization(
    organization_id: str, db: Annotated[AsyncSession, Depends(get_session)]
) -> OrganizationDetail:
    """An organization with its parent, children and current members (chairs first)."""
    org = await db.get(Organization, check_id("organization", organization_id))
    if org is None:
        raise NotFound("organization", organization_id)
    return await orgs.detail(db, org)
