"""/v1/areas: electoral districts and other divisions."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import orjson
import shapely
import shapely.geometry
from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from openpolicy.api import filters as f
from openpolicy.api import geo
from openpolicy.api.deps import get_session
from openpolicy.api.errors import NotFound
from openpolicy.api.pagination import Listing, ListQuery, SortKey, Sorts, fetch_page
from openpolicy.api.queries.common import check_id, is_current, name_contains
from openpolicy.api.queries.people import current_parties
from openpolicy.db.models import Area, Membership, Organization, Person, Post
from openpolicy.documents.schemas import (
    AreaDetail,
    AreaPage,
    AreaRef,
    AreaSummary,
    OrganizationMember,
    OrganizationRef,
    Pagination,
    PartyRef,
    PersonRef,
    PostSummary,
)

router = APIRouter(prefix="/areas", tags=["areas"])

SORTS = Sorts(
    {
        "name": SortKey(Area.name, "str"),
        "updated_at": SortKey(Area.updated_at, "datetime"),
    },
    default="name",
    tiebreak=Area.id,
)


class AreaFilters(f.Filters):
    """The filters of ``/v1/areas``."""

    jurisdiction: Annotated[f.OptText, f.text(f.JURISDICTION)] = None
    classification: Annotated[f.OptText, f.text(f.CLASSIFICATION, example="district")] = None
    parent: Annotated[f.OptText, f.text("Parent area id.")] = None
    identifier: Annotated[f.OptText, f.text("Area identifier (e.g. an electoral district number).")] = None
    q: Annotated[f.OptText, f.text(f.NAME_Q)] = None
    updated_since: Annotated[f.OptDateTime, f.when(f.UPDATED_SINCE)] = None
    contains: Annotated[
        f.OptText, f.text("Districts whose boundary (valid today) contains the point 'latitude,longitude'.")
    ] = None


AREAS = ListQuery(SORTS, AreaFilters)


@router.get("", summary="List areas (electoral districts)", openapi_extra=AREAS.openapi)
async def list_areas(
    db: Annotated[AsyncSession, Depends(get_session)],
    query: Annotated[Listing[AreaFilters], Depends(AREAS)],
) -> AreaPage:
    """Areas, filtered and paged (keyset cursor)."""
    filters = query.filters
    stmt = select(Area)
    if filters.jurisdiction:
        stmt = stmt.where(Area.jurisdiction_id == filters.jurisdiction)
    if filters.classification:
        stmt = stmt.where(Area.classification == filters.classification)
    if filters.parent:
        stmt = stmt.where(Area.parent_id == filters.parent)
    if filters.identifier:
        stmt = stmt.where(Area.identifier == filters.identifier)
    if filters.q:
        stmt = stmt.where(name_contains(Area.name, filters.q))
    if filters.updated_since:
        stmt = stmt.where(Area.updated_at >= filters.updated_since)
    if filters.contains:
        lat, lon = geo.parse_point(filters.contains)
        valid, _other = await geo.sets_on(db, dt.date.today())
        hits = await geo.lookup(db, lat, lon, valid)
        stmt = stmt.where(Area.id.in_(sorted({a for hit in hits for a in hit.area_ids})))
    rows, next_url = await fetch_page(db, stmt, query.page)
    return AreaPage(
        results=[AreaSummary.model_validate(row[0]) for row in rows],
        pagination=Pagination(limit=query.page.limit, next=next_url),
    )


@router.get(
    "/{area_id:path}/shape",
    summary="The boundary of an area as GeoJSON",
    responses={404: {"description": "Unknown id, or no boundary joined to it"}},
)
async def area_shape(
    area_id: str,
    db: Annotated[AsyncSession, Depends(get_session)],
    tolerance: Annotated[
        float, Query(ge=0, le=1, description="Simplify by this many degrees (Douglas-Peucker, topology kept).")
    ] = 0,
    date: Annotated[dt.date | None, Query(description="The shape valid on this date; default the newest.")] = None,
) -> Response:
    """The area's boundary (a GeoJSON Feature, WGS84), from the newest boundary set joined to it."""
    check_id("area", area_id)
    row = await geo.shape_of(db, area_id, date)
    if row is None:
        raise NotFound("area shape", area_id)
    geom = shapely.from_wkb(row.geometry)
    if tolerance > 0:
        geom = geom.simplify(tolerance, preserve_topology=True)
    feature = {
        "type": "Feature",
        "id": row.id,
        "properties": {
            "area_id": area_id,
            "name": row.name,
            "code": row.code,
            "division_id": row.division_id,
            "boundary_set": {"id": row.boundary_set_id, "name": row.set_name},
            "valid_from": row.start_date.isoformat() if row.start_date else None,
            "valid_to": row.end_date.isoformat() if row.end_date else None,
            "tolerance": tolerance,
        },
        "geometry": shapely.geometry.mapping(geom),
    }
    return Response(orjson.dumps(feature), media_type="application/geo+json")


@router.get("/{area_id:path}", summary="One area", responses={404: {"description": "Unknown id"}})
async def get_area(area_id: str, db: Annotated[AsyncSession, Depends(get_session)]) -> AreaDetail:
    """An area with its seats (posts) and the people currently representing it."""
    area = await db.get(Area, check_id("area", area_id))
    if area is None:
        raise NotFound("area", area_id)
    posts = (
        await db.execute(
            select(Post, Organization)
            .join(Organization, Organization.id == Post.organization_id)
            .where(Post.area_id == area_id)
            .order_by(Post.label, Post.id)
        )
    ).all()
    party = aliased(Organization)
    members = (
        await db.execute(
            select(Membership, Person, party)
            .join(Person, Person.id == Membership.person_id)
            .outerjoin(party, party.id == Membership.on_behalf_of_id)
            .where(Membership.area_id == area_id, is_current())
            .order_by(Membership.start_date.desc().nulls_last(), func.lower(Person.sort_name), Membership.id)
        )
    ).all()
    parties = await current_parties(db, [p.id for _m, p, par in members if par is None])
    return AreaDetail.model_validate(
        {
            **AreaSummary.model_validate(area).model_dump(),
            "created_at": area.created_at,
            "posts": [
                PostSummary(
                    id=post.id,
                    label=post.label,
                    role=post.role,
                    organization=OrganizationRef.model_validate(org),
                    start_date=post.start_date,
                    end_date=post.end_date,
                )
                for post, org in posts
            ],
            "current_representatives": [
                OrganizationMember(
                    membership_id=m.id,
                    person=PersonRef.model_validate(p),
                    role=m.role,
                    label=m.label,
                    party=_party(par or parties.get(p.id)),
                    area=AreaRef.model_validate(area),
                    start_date=m.start_date,
                    end_date=m.end_date,
                )
                for m, p, par in members
            ],
        }
    )


def _party(org: Organization | dict[str, Any] | None) -> PartyRef | None:
    return PartyRef.model_validate(org) if org is not None else None
