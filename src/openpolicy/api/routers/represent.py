"""/v1/represent: who represents a point — every district containing it in every legislature known for that place
and date, and the people who held those seats on that date."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from openpolicy.api import geo
from openpolicy.api.deps import Database, get_database

router = APIRouter(prefix="/represent", tags=["represent"])


def _contact(row: Any) -> dict[str, Any]:
    details = [d for d in (row.contact_details or []) if isinstance(d, dict)]
    return {"email": row.email, "details": details}


def _person(row: Any) -> dict[str, Any]:
    return {
        "membership_id": row.membership_id,
        "person": {"id": row.person_id, "name": row.name, "image": row.image},
        "party": {"id": row.party_id, "name": row.party_name} if row.party_id else None,
        "organization": {"id": row.organization_id, "name": row.organization_name},
        "role": row.role,
        "label": row.label,
        "start_date": row.start_date,
        "end_date": row.end_date,
        "contact": _contact(row),
        "links": {
            "person": f"/v1/people/{row.person_id}",
            "votes": f"/v1/people/{row.person_id}/votes",
            "web": f"/people/{row.person_id}",
        },
    }


@router.get(
    "",
    summary="Who represents a point: its districts in every legislature and their representatives on a date",
)
async def represent(
    db: Annotated[Database, Depends(get_database)],
    lat: Annotated[float, Query(description="Latitude (WGS84), -90..90.", examples=[45.4215])],
    lon: Annotated[float, Query(description="Longitude (WGS84), -180..180.", examples=[-75.6972])],
    date: Annotated[dt.date | None, Query(description="The date (ISO); default today.")] = None,
) -> Response:
    """Every district containing the point in every boundary set valid on ``date`` (default today), each with the
    people who held its seat on that date (party, contact, links to their records). A point outside every set
    gets an empty ``districts`` list; ``sets_searched`` names the sets tried and ``sets_not_in_force`` the stored
    sets of other dates."""
    geo.check_point(lat, lon)
    on = date or dt.date.today()
    answer = await geo.represent(db, lat, lon, on)
    districts = []
    for hit in answer.hits:
        rows = sorted(
            (row for area in hit.area_ids for row in answer.seats.get(area, [])),
            key=lambda r: (r.sort_name or r.name or "").lower(),
        )
        people = [_person(row) for row in geo.current(rows)]
        districts.append(
            {
                "boundary_id": hit.boundary_id,
                "name": hit.name,
                "code": hit.code,
                "division_id": hit.division_id,
                "boundary_set": hit.set.as_dict(),
                "areas": [{"id": a, "url": f"/v1/areas/{a}", "shape": f"/v1/areas/{a}/shape"} for a in hit.area_ids],
                "representatives": people,
            }
        )
    body = {
        "point": {"lat": lat, "lon": lon},
        "date": on,
        "districts": districts,
        "sets_searched": [s.as_dict() for s in answer.valid],
        "sets_not_in_force": [s.as_dict() for s in answer.other],
    }
    return Response(orjson.dumps(body), media_type="application/json")
