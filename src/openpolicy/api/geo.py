"""Point lookup in the stored boundary sets: which shapes contain a point on a date.

One code path, the same on every server (the embedded PostgreSQL has no PostGIS): PostgreSQL finds the candidate
shapes whose bounding box contains the point (GiST index on a core ``box``), then shapely tests the point against
each candidate's exact shape (``covers``: a point on a boundary line belongs to both sides). Parsed shapes are kept
in a small in-process cache keyed by shape id and ``updated_at`` (bounded by their WKB size). :data:`LOOKUP_PATH`
names the path; ``/health/ready`` reports it.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import orjson
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from openpolicy.api.deps import Database
from openpolicy.api.errors import BadParameter

LOOKUP_PATH = "postgresql-gist-bbox+shapely"
CACHE_BYTES = 48 * 1024 * 1024  # WKB bytes of parsed shapes kept in memory


# The seats in some areas held on a date (see :func:`holders`); {areas}: a query of area ids, {on}: a date.
HOLDERS_SQL = """
SELECT m.id AS membership_id, m.area_id, m.role, m.label,
       coalesce(m.start_date, lp.start_date) AS start_date,
       coalesce(m.end_date, lp.end_date, lp.next_start - 1) AS end_date,
       coalesce(m.end_date, lp.end_date, lp.next_start) IS NOT NULL AS end_known,
       p.id AS person_id, p.name, p.sort_name, p.image, p.email, p.contact_details, p.links,
       party.id AS party_id, party.name AS party_name,
       o.id AS organization_id, o.name AS organization_name
FROM memberships m
JOIN people p ON p.id = m.person_id
JOIN organizations o ON o.id = m.organization_id
LEFT JOIN organizations party ON party.id = m.on_behalf_of_id
LEFT JOIN LATERAL (
    SELECT l.start_date, l.end_date, (
        SELECT min(n.start_date) FROM legislative_periods n
        WHERE n.jurisdiction_id = l.jurisdiction_id AND n.start_date > l.start_date
          AND n.organization_id IS NOT DISTINCT FROM l.organization_id) AS next_start
    FROM legislative_periods l WHERE l.id = m.legislative_period_id
) lp ON true
WHERE m.area_id IN ({areas})
  AND coalesce(m.start_date, lp.start_date, '-infinity'::date) <= {on}
  AND coalesce(m.end_date, lp.end_date, lp.next_start - 1, 'infinity'::date) >= {on}
ORDER BY m.area_id, lower(p.sort_name), coalesce(m.start_date, lp.start_date) DESC NULLS LAST, m.id
"""

# Everything ``/v1/represent`` needs in one statement: the stored sets (in force on :on or not), the shapes whose
# bounding box holds the point among the sets in force (geometry not included: see :func:`_shapes`), and the seats
# of every area those candidate shapes are joined to.
REPRESENT_SQL = (
    """
WITH sets AS (
    SELECT s.id, s.name, s.jurisdiction_id, j.name AS jname, s.division_type, s.start_date, s.end_date,
           coalesce(s.start_date, '-infinity'::date) <= :on AND coalesce(s.end_date, 'infinity'::date) >= :on AS valid
    FROM boundary_sets s JOIN jurisdictions j ON j.id = s.jurisdiction_id
), candidates AS (
    SELECT b.id, b.boundary_set_id, b.code, b.name, b.division_id, b.area_ids, b.updated_at
    FROM boundaries b
    WHERE box(point(b.min_lon, b.min_lat), point(b.max_lon, b.max_lat)) @> box(point(:x, :y), point(:x, :y))
      AND b.boundary_set_id IN (SELECT id FROM sets WHERE valid)
), seats AS (
"""  # noqa: S608 - built from module constants only
    + HOLDERS_SQL.format(areas="SELECT unnest(area_ids) FROM candidates", on=":on")
    + """
)
SELECT (SELECT coalesce(json_agg(sets ORDER BY sets.id), '[]') FROM sets) AS sets,
       (SELECT coalesce(json_agg(candidates ORDER BY boundary_set_id, id), '[]') FROM candidates) AS candidates,
       (SELECT coalesce(json_agg(seats ORDER BY area_id, lower(sort_name), start_date DESC NULLS LAST,
                                       membership_id), '[]') FROM seats) AS seats
"""
)


@dataclass(frozen=True, slots=True)
class SetInfo:
    id: str
    name: str
    jurisdiction_id: str
    jurisdiction_name: str
    division_type: str
    start_date: dt.date | None
    end_date: dt.date | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "jurisdiction": {"id": self.jurisdiction_id, "name": self.jurisdiction_name},
            "division_type": self.division_type,
            "valid_from": self.start_date,
            "valid_to": self.end_date,
        }


@dataclass(frozen=True, slots=True)
class Hit:
    boundary_id: str
    set: SetInfo
    code: str
    name: str
    division_id: str | None
    area_ids: list[str]


class _ShapeCache:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self.items: OrderedDict[tuple[str, Any], tuple[BaseGeometry, int]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple[str, Any]) -> BaseGeometry | None:
        with self.lock:
            found = self.items.get(key)
            if found is None:
                return None
            self.items.move_to_end(key)
            return found[0]

    def put(self, key: tuple[str, Any], geom: BaseGeometry, size: int) -> None:
        with self.lock:
            if key in self.items:
                return
            self.items[key] = (geom, size)
            self.size += size
            while self.size > self.limit and len(self.items) > 1:
                _key, (_geom, old) = self.items.popitem(last=False)
                self.size -= old


_CACHE = _ShapeCache(CACHE_BYTES)


def parse_point(value: str, parameter: str = "contains") -> tuple[float, float]:
    """``"lat,lon"`` → (lat, lon), both finite and in range; else a 400 naming ``parameter``."""
    parts = value.split(",")
    if len(parts) != 2:
        raise BadParameter(parameter, f"expected 'latitude,longitude' (e.g. 45.42,-75.69), got {value!r}")
    try:
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        raise BadParameter(parameter, f"expected two numbers 'latitude,longitude', got {value!r}") from None
    check_point(lat, lon, parameter)
    return lat, lon


def check_point(lat: float, lon: float, parameter: str = "lat") -> None:
    if not -90 <= lat <= 90:  # also false for NaN
        raise BadParameter(parameter, f"latitude {lat} is outside -90..90")
    if not -180 <= lon <= 180:
        raise BadParameter(parameter, f"longitude {lon} is outside -180..180")


async def sets_on(db: AsyncSession, on: dt.date) -> tuple[list[SetInfo], list[SetInfo]]:
    """(the sets valid on ``on``, the stored sets that are not)."""
    rows = await db.execute(
        text(
            "SELECT s.id, s.name, s.jurisdiction_id, j.name AS jname, s.division_type, s.start_date, s.end_date "
            "FROM boundary_sets s JOIN jurisdictions j ON j.id = s.jurisdiction_id ORDER BY s.id"
        )
    )
    valid: list[SetInfo] = []
    other: list[SetInfo] = []
    for r in rows:
        info = SetInfo(r.id, r.name, r.jurisdiction_id, r.jname, r.division_type, r.start_date, r.end_date)
        ok = (info.start_date is None or info.start_date <= on) and (info.end_date is None or info.end_date >= on)
        (valid if ok else other).append(info)
    return valid, other


async def lookup(db: AsyncSession, lat: float, lon: float, sets: list[SetInfo]) -> list[Hit]:
    """The shapes of ``sets`` containing (lat, lon), ordered by set."""
    if not sets:
        return []
    by_id = {s.id: s for s in sets}
    rows = (
        await db.execute(
            text(
                "SELECT b.id, b.boundary_set_id, b.code, b.name, b.division_id, b.area_ids, b.updated_at "
                "FROM boundaries b WHERE box(point(b.min_lon, b.min_lat), point(b.max_lon, b.max_lat)) "
                "@> box(point(:x, :y), point(:x, :y)) AND b.boundary_set_id = ANY(:sets) "
                "ORDER BY b.boundary_set_id, b.id"
            ),
            {"x": lon, "y": lat, "sets": list(by_id)},
        )
    ).all()
    shapes = await _shapes(db, [(r.id, r.updated_at) for r in rows])
    point = shapely.Point(lon, lat)
    hits: list[Hit] = []
    for r in rows:
        geom = shapes.get(r.id)
        if geom is not None and geom.covers(point):
            hits.append(Hit(r.id, by_id[r.boundary_set_id], r.code, r.name, r.division_id, list(r.area_ids)))
    return hits


async def _shapes(db: AsyncSession, keys: list[tuple[str, Any]]) -> dict[str, BaseGeometry]:
    """The parsed shapes of ``keys`` (id, updated_at): from the cache, the others read from the database."""
    shapes = {bid: _CACHE.get((bid, stamp)) for bid, stamp in keys}
    missing = [bid for bid, geom in shapes.items() if geom is None]
    stamps = dict(keys)
    if missing:  # only the shapes not cached travel from the database
        for r in await db.execute(text("SELECT id, geometry FROM boundaries WHERE id = ANY(:ids)"), {"ids": missing}):
            geom = shapely.from_wkb(r.geometry)
            shapely.prepare(geom)
            _CACHE.put((r.id, stamps[r.id]), geom, len(r.geometry))
            shapes[r.id] = geom
    return {bid: geom for bid, geom in shapes.items() if geom is not None}


@dataclass(frozen=True, slots=True)
class Answer:
    valid: list[SetInfo]  # the sets in force on the date (searched)
    other: list[SetInfo]  # the stored sets not in force on it
    hits: list[Hit]  # the shapes containing the point
    seats: dict[str, list[Any]]  # area id -> seats held on the date (rows as in :func:`holders`, attributes)


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


REPRESENT_DRIVER_SQL = REPRESENT_SQL.replace(":x", "$1::float8").replace(":y", "$2::float8").replace(":on", "$3::date")


async def represent(db: Database, lat: float, lon: float, on: dt.date) -> Answer:
    """Sets, the shapes containing (lat, lon) and the seats of their districts on ``on``: one statement
    (:data:`REPRESENT_SQL`, on the document path's asyncpg pool), then the exact test of the few candidates with shapely
    (their geometry read only when not cached)."""
    async with db.connection() as conn:
        row = await conn.fetchrow(REPRESENT_DRIVER_SQL, lon, lat, on)
        sets_json, candidates = _json(row["sets"]), _json(row["candidates"])
        keys = [(c["id"], c["updated_at"]) for c in candidates]
        shapes = {bid: geom for bid, stamp in keys if (geom := _CACHE.get((bid, stamp))) is not None}
        missing = [bid for bid, _stamp in keys if bid not in shapes]
        if missing:
            stamps = dict(keys)
            for r in await conn.fetch("SELECT id, geometry FROM boundaries WHERE id = ANY($1)", missing):
                geom = shapely.from_wkb(r["geometry"])
                shapely.prepare(geom)
                _CACHE.put((r["id"], stamps[r["id"]]), geom, len(r["geometry"]))
                shapes[r["id"]] = geom
    sets = {
        s["id"]: SetInfo(
            s["id"], s["name"], s["jurisdiction_id"], s["jname"], s["division_type"],
            _date(s["start_date"]), _date(s["end_date"]),
        )
        for s in sets_json
    }  # fmt: skip
    valid_ids = {s["id"] for s in sets_json if s["valid"]}
    point = shapely.Point(lon, lat)
    hits = [
        Hit(c["id"], sets[c["boundary_set_id"]], c["code"], c["name"], c["division_id"], list(c["area_ids"]))
        for c in candidates
        if c["id"] in shapes and shapes[c["id"]].covers(point)
    ]
    seats: dict[str, list[Any]] = {}
    for seat in _json(row["seats"]):
        seats.setdefault(seat["area_id"], []).append(SimpleNamespace(**seat))
    return Answer(
        [s for s in sets.values() if s.id in valid_ids],
        [s for s in sets.values() if s.id not in valid_ids],
        hits,
        seats,
    )


def _json(value: Any) -> list[dict[str, Any]]:
    return list(orjson.loads(value) if isinstance(value, str | bytes) else value)


async def holders(db: AsyncSession, area_ids: list[str], on: dt.date) -> list[Any]:
    """The seats in ``area_ids`` held on ``on`` (a membership's dates, else its legislative period's; a period
    without an end ends the day before the next period of its legislature starts; see :func:`current`), with the
    person, their party and the organization of the seat."""
    if not area_ids:
        return []
    rows = list(
        (
            await db.execute(
                text(HOLDERS_SQL.format(areas="SELECT unnest(CAST(:areas AS text[]))", on=":on")),
                {"areas": area_ids, "on": on},
            )
        ).all()
    )
    return rows


def current(rows: list[Any]) -> list[Any]:
    """The seats of one district (``rows`` of :func:`holders` for the areas joined to one shape, which several
    sources may name): one per person (the latest), and none whose end no source states once another
    organization's seat there began after it (EveryPolitician's last term is open-ended; the House's own member
    list then says who sits now)."""
    out: list[Any] = []
    seen: set[str] = set()
    for row in rows:
        if row.person_id in seen:
            continue
        if not row.end_known and any(
            other.organization_id != row.organization_id
            and other.start_date is not None
            and (row.start_date is None or other.start_date > row.start_date)
            for other in rows
        ):
            continue
        seen.add(row.person_id)
        out.append(row)
    return out


async def shape_of(db: AsyncSession, area_id: str, on: dt.date | None) -> Any:
    """The stored shape joined to district ``area_id`` (valid on ``on`` when given, else the newest set's)."""
    return (
        await db.execute(
            text(
                """
                SELECT b.id, b.boundary_set_id, b.code, b.name, b.division_id, b.geometry,
                       s.name AS set_name, s.start_date, s.end_date
                FROM boundaries b JOIN boundary_sets s ON s.id = b.boundary_set_id
                WHERE b.area_ids @> ARRAY[CAST(:area AS text)]
                  AND (CAST(:on AS date) IS NULL OR (coalesce(s.start_date, '-infinity'::date) <= :on
                       AND coalesce(s.end_date, 'infinity'::date) >= :on))
                ORDER BY s.start_date DESC NULLS LAST, b.id LIMIT 1
                """
            ),
            {"area": area_id, "on": on},
        )
    ).first()
