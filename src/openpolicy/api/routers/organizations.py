"""/v1/organizations: legislatures, chambers, parties, committees and other organizations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, load_only

from openpolicy.api import filters as f
from openpolicy.api.deps import get_session
from openpolicy.api.errors import NotFound
from openpolicy.api.pagination import PageRequest, SortKey, Sorts, fetch_page, page_params
from openpolicy.api.queries import organizations as orgs
from openpolicy.api.queries.common import (
    chamber_ids,
    check_id,
    jurisdiction_ids,
    name_contains,
    organization_ids,
    ref_columns,
)
from openpolicy.api.schemas import OrganizationDetail, OrganizationPage, Pagination
from openpolicy.db.models import Organization

router = APIRouter(prefix="/organizations", tags=["organizations"])

_PARENT = aliased(Organization)
_SUMMARY = [
    *(getattr(Organization, c) for c in orgs.SUMMARY_COLUMNS if c != "parent"),
]

SORTS = Sorts(
    {
        "name": SortKey(Organization.name, "str"),
        "updated_at": SortKey(Organization.updated_at, "datetime"),
    },
    default="name",
    tiebreak=Organization.id,
)


@router.get("", summary="List organizations")
async def list_organizations(
    db: Annotated[AsyncSession, Depends(get_session)],
    page: Annotated[PageRequest, Depends(page_params(SORTS))],
    jurisdiction: Annotated[f.OptText, f.text(f.JURISDICTION)] = None,
    classification: Annotated[
        f.OptText, f.text("legislature, chamber, party, committee, subcommittee, ...", example="party")
    ] = None,
    chamber: Annotated[
        f.OptText, f.text("upper, lower, unicameral, or a chamber id/name: the chamber and its children.")
    ] = None,
    parent: Annotated[f.OptText, f.text("Parent organization id or exact name.")] = None,
    q: Annotated[f.OptText, f.text(f.NAME_Q)] = None,
    updated_since: Annotated[f.OptDateTime, f.when(f.UPDATED_SINCE)] = None,
) -> OrganizationPage:
    """Organizations, filtered and paged (keyset cursor)."""
    parent_org = _PARENT
    stmt = (
        select(Organization, parent_org)
        .outerjoin(parent_org, parent_org.id == Organization.parent_id)
        .options(load_only(*_SUMMARY, raiseload=True), ref_columns(parent_org))
    )
    if jurisdiction:
        stmt = stmt.where(Organization.jurisdiction_id.in_(jurisdiction_ids(jurisdiction)))
    if classification:
        stmt = stmt.where(Organization.classification == classification.lower())
    if chamber:
        ids = chamber_ids(chamber)
        stmt = stmt.where(or_(Organization.id.in_(ids), Organization.parent_id.in_(ids)))
    if parent:
        stmt = stmt.where(Organization.parent_id.in_(organization_ids(parent)))
    if q:
        stmt = stmt.where(name_contains(Organization.name, q))
    if updated_since:
        stmt = stmt.where(Organization.updated_at >= updated_since)
    rows, next_url = await fetch_page(db, stmt, page)
    return OrganizationPage(
        results=[orgs.summary(org, par) for org, par in rows],
        pagination=Pagination(limit=page.limit, next=next_url),
    )


@router.get("/{organization_id:path}", summary="One organization", responses={404: {"description": "Unknown id"}})
async def get_organization(
    organization_id: str, db: Annotated[AsyncSession, Depends(get_session)]
) -> OrganizationDetail:
    """An organization with its parent, children and current members (chairs first)."""
    org = await db.get(Organization, check_id("organization", organization_id))
    if org is None:
        raise NotFound("organization", organization_id)
    return await orgs.detail(db, org)
