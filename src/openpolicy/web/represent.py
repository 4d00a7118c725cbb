"""The "Who represents me" page: a point (typed, or the browser's location when the person asks) → every
district containing it, a small SVG map of each, and each representative with their latest votes and speeches
(``/v1/represent``).

Nothing leaves the browser until the person submits the form or presses "Use my location" (represent.js asks the
browser for the position only then and fills the form).
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from openpolicy.web.client import ApiClient, ApiNotFound
from openpolicy.web.maps import shape_svg

router = APIRouter(include_in_schema=False)
Text = Annotated[str | None, Query(max_length=40)]
LATEST = 3
MAP_TOLERANCE = 0.001  # degrees: about 100 m, plenty for a 320-pixel map


def _api(request: Request) -> ApiClient:
    client: ApiClient = request.app.state.api
    return client


async def district_map(api: ApiClient, area_id: str, title: str, point: tuple[float, float] | None = None) -> str:
    """The SVG map of a district's shape, or "" when no boundary is joined to it."""
    try:
        feature = await api.get_json(f"/v1/areas/{area_id}/shape", {"tolerance": MAP_TOLERANCE})
    except ApiNotFound:
        return ""
    return shape_svg(feature.get("geometry") or {}, title, point)


async def _latest(api: ApiClient, person_id: str, date: str) -> dict[str, list[dict[str, Any]]]:
    """A representative's latest votes and speeches up to ``date``."""
    votes = await api.get_json(f"/v1/people/{person_id}/votes", {"limit": LATEST, "date_before": date})
    try:
        speeches = await api.get_json(f"/v1/people/{person_id}/speeches", {"limit": LATEST})
    except ApiNotFound:  # an api without debates
        speeches = {"results": []}
    return {"votes": list(votes.get("results", [])), "speeches": list(speeches.get("results", []))}


@router.get("/represent")
async def represent_page(request: Request, lat: Text = None, lon: Text = None, date: Text = None) -> Response:
    from openpolicy.web.pages import _render
    from openpolicy.web.views import web_path

    api = _api(request)
    answer: dict[str, Any] | None = None
    maps: list[str] = []
    votes: dict[str, dict[str, list[dict[str, Any]]]] = {}
    if lat and lon:
        answer = await api.get_json("/v1/represent", {"lat": lat, "lon": lon, "date": date})
        point = (float(answer["point"]["lat"]), float(answer["point"]["lon"]))
        districts = answer["districts"]
        maps = list(
            await asyncio.gather(
                *(
                    district_map(api, d["areas"][0]["id"], d["name"], point) if d["areas"] else asyncio.sleep(0, "")
                    for d in districts
                )
            )
        )
        people = sorted({r["person"]["id"] for d in districts for r in d["representatives"]})
        found = await asyncio.gather(*(_latest(api, p, str(answer["date"])) for p in people))
        votes = dict(zip(people, found, strict=True))
    return await _render(
        request,
        "represent.html",
        title="Who represents me",
        active_nav="/represent",
        description="Every district containing a point, in every legislature, and who represents it.",
        form={"lat": lat or "", "lon": lon or "", "date": date or ""},
        answer=answer,
        maps=maps,
        votes=votes,
        web_path=web_path,
    )
