"""Electoral boundary sets: GeoJSON and TopoJSON files → boundary sets and shapes (pure: no database).

A file is recognised as one of the known sets (:data:`SETS`) by the properties its features carry; a set is
named, dated (valid from/to), tied to one legislature and the division type it draws. One file may draw two sets
(Northern Ireland's Westminster constituencies are also the Assembly's). Every shape is decoded (TopoJSON arcs:
quantised, delta-encoded, transformed), repaired with ``make_valid`` when its rings are invalid (polygonal parts
kept), checked valid, and its area change by the repair recorded (``extras.area_change``, a fraction).

Anything wrong — not JSON, an unknown layout, an arc index out of range, a ring of fewer than four points, a
coordinate outside longitude/latitude, a shape empty after repair, a missing or repeated code — is an
:class:`InputError` naming the file, the feature and the reason.

The join of each shape to the platform's districts (:func:`join_areas`) runs at import time against the
stored areas of the set's legislature: codes first (an area whose id is the shape's OCD division id, or whose
identifier is the shape's code), normalised names (:func:`name_key`) only for areas no code joined.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from openpolicy.ingest.jurisdictions import from_code
from openpolicy.ingest.records import BoundaryRec, BoundarySetRec, Bundle, InputError, JurisdictionRec

SUFFIXES = {".json", ".geojson", ".topojson"}
MAX_AREA_CHANGE = 0.001  # a repair changing one shape's area by more than 0.1 % refuses the file (a broken shape)
MAX_SET_AREA_CHANGE = 0.0001  # ... or the total area of a set by more than 0.01 %


US_STATES = {
    "01": "al", "02": "ak", "04": "az", "05": "ar", "06": "ca", "08": "co", "09": "ct", "10": "de", "11": "dc",
    "12": "fl", "13": "ga", "15": "hi", "16": "id", "17": "il", "18": "in", "19": "ia", "20": "ks", "21": "ky",
    "22": "la", "23": "me", "24": "md", "25": "ma", "26": "mi", "27": "mn", "28": "ms", "29": "mo", "30": "mt",
    "31": "ne", "32": "nv", "33": "nh", "34": "nj", "35": "nm", "36": "ny", "37": "nc", "38": "nd", "39": "oh",
    "40": "ok", "41": "or", "42": "pa", "44": "ri", "45": "sc", "46": "sd", "47": "tn", "48": "tx", "49": "ut",
    "50": "vt", "51": "va", "53": "wa", "54": "wv", "55": "wi", "56": "wy", "60": "as", "66": "gu", "69": "mp",
    "72": "pr", "78": "vi",
}  # fmt: skip


@dataclass(frozen=True)
class SetDef:
    """A known boundary set: how to recognise its features and read their code, name and division id."""

    id: str
    name: str
    jurisdiction: Callable[[], JurisdictionRec]
    division_type: str
    start_date: dt.date | None
    end_date: dt.date | None
    keys: frozenset[str]  # properties every feature of this set carries
    code: Callable[[dict[str, Any]], str]
    label: Callable[[dict[str, Any]], str]
    division_id: Callable[[str], str | None]
    source_url: str
    licence: str


def _us_code(p: dict[str, Any]) -> str:
    return f"{p['STATEFP']}{p['CD119FP']}"


def _us_division(code: str) -> str | None:
    state = US_STATES.get(code[:2])
    if state is None:
        return None
    district = int(code[2:])
    # 00: at-large seat, 98: a non-voting delegate (DC, PR, territories): the platform's ``cd:at-large``.
    return f"ocd-division/country:us/state:{state}/cd:{'at-large' if district in (0, 98) else district}"


def _title(name: str) -> str:
    return name.title() if name.isupper() else name


UK_OGL = "Open Government Licence v3; contains OS data © Crown copyright and database right"
UK_REPO = "https://github.com/martinjc/UK-GeoJSON"
SETS: tuple[SetDef, ...] = (
    SetDef(
        "gb-commons-2010", "UK House of Commons constituencies, 2010 boundaries (England, Scotland, Wales)",
        lambda: from_code("GB"), "pcon", dt.date(2010, 5, 6), dt.date(2024, 7, 3), frozenset({"PCON13CD", "PCON13NM"}),
        lambda p: str(p["PCON13CD"]), lambda p: str(p["PCON13NM"]), lambda _c: None, UK_REPO, UK_OGL,
    ),
    SetDef(
        "gb-commons-2008-nir", "UK House of Commons constituencies, Northern Ireland, 2008 boundaries",
        lambda: from_code("GB"), "pcon", dt.date(2010, 5, 6), dt.date(2024, 7, 3), frozenset({"PC_ID", "PC_NAME"}),
        lambda p: str(p["PC_ID"]), lambda p: _title(str(p["PC_NAME"])), lambda _c: None, UK_REPO,
        "Open Government Licence v3 (LPS)",
    ),
    SetDef(
        "nir-assembly-2008", "Northern Ireland Assembly constituencies, 2008 boundaries",
        lambda: from_code("GB-NIR", "Northern Ireland Assembly"), "constituency", dt.date(2011, 5, 5), None,
        frozenset({"PC_ID", "PC_NAME"}), lambda p: str(p["PC_ID"]), lambda p: _title(str(p["PC_NAME"])),
        lambda _c: None, UK_REPO, "Open Government Licence v3 (LPS)",
    ),
    SetDef(
        "ca-fed-2013", "Canada federal electoral districts, 2013 Representation Order",
        lambda: from_code("CA"), "ed", dt.date(2015, 10, 19), dt.date(2025, 4, 27), frozenset({"FEDNUM", "ENNAME"}),
        lambda p: str(p["FEDNUM"]), lambda p: str(p["ENNAME"]).replace("--", "—"),
        lambda c: f"ocd-division/country:ca/ed:{c}-2013", "https://github.com/tienne-B/canadian-electoral-districts",
        "Natural Resources Canada terms (non-commercial reproduction as is)",
    ),
    SetDef(
        "us-cd119", "US House congressional districts, 119th Congress",
        lambda: from_code("US"), "cd", dt.date(2025, 1, 3), dt.date(2027, 1, 2),
        frozenset({"STATEFP", "CD119FP"}), _us_code,
        lambda p: f"{US_STATES.get(str(p['STATEFP']), p['STATEFP']).upper()} {p.get('NAMELSAD') or p['CD119FP']}",
        _us_division, "https://github.com/Shoberman2/politalapp", "Census data: public domain",
    ),
)  # fmt: skip


def discover(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)


# --- decoding --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class RawFeature:
    where: str  # "file: feature N (id X)"
    properties: dict[str, Any]
    geometry: BaseGeometry


def _fail(file: str, feature: str | None, problem: str) -> InputError:
    return InputError(file, feature, None, problem)


def _check_coords(file: str, feature: str, xs: Any) -> None:
    for x, y in xs:
        if not (math.isfinite(x) and math.isfinite(y)) or not (-180 <= x <= 180 and -90 <= y <= 90):
            raise _fail(file, feature, f"coordinate ({x}, {y}) is not a WGS84 longitude/latitude")


def _polygon(file: str, feature: str, rings: list[list[tuple[float, float]]]) -> Polygon:
    if not rings:
        raise _fail(file, feature, "a polygon without rings")
    for index, ring in enumerate(rings):
        if len(ring) < 4:
            raise _fail(file, feature, f"ring {index} has {len(ring)} points (a ring needs at least 4)")
        if ring[0] != ring[-1]:
            raise _fail(file, feature, f"ring {index} is not closed (first point {ring[0]}, last {ring[-1]})")
        _check_coords(file, feature, ring)
    return Polygon(rings[0], rings[1:])


def _points(file: str, feature: str, value: Any) -> list[tuple[float, float]]:
    if not isinstance(value, list):
        raise _fail(file, feature, f"expected a list of positions, got {type(value).__name__}")
    out: list[tuple[float, float]] = []
    for pos in value:
        if not isinstance(pos, list) or len(pos) < 2 or not all(isinstance(c, int | float) for c in pos[:2]):
            raise _fail(file, feature, f"not a position: {pos!r}"[:200])
        out.append((float(pos[0]), float(pos[1])))
    return out


def _geojson_geometry(file: str, feature: str, geom: Any) -> BaseGeometry:
    if not isinstance(geom, dict):
        raise _fail(file, feature, "no geometry")
    kind, coords = geom.get("type"), geom.get("coordinates")
    if kind == "Polygon" and isinstance(coords, list):
        return _polygon(file, feature, [_points(file, feature, r) for r in coords])
    if kind == "MultiPolygon" and isinstance(coords, list):
        return MultiPolygon(
            [_polygon(file, feature, [_points(file, feature, r) for r in p]) for p in coords if isinstance(p, list)]
        )
    raise _fail(file, feature, f"geometry type {kind!r} is not a Polygon or MultiPolygon")


def _geojson(file: str, doc: dict[str, Any]) -> Iterator[RawFeature]:
    if doc.get("type") == "Feature":
        features = [doc]
    elif doc.get("type") == "FeatureCollection" and isinstance(doc.get("features"), list):
        features = doc["features"]
    else:
        raise _fail(file, None, f"not a GeoJSON Feature or FeatureCollection (type {doc.get('type')!r})")
    for index, feat in enumerate(features):
        where = f"feature {index}"
        if not isinstance(feat, dict):
            raise _fail(file, where, "not an object")
        props = feat.get("properties") or {}
        yield RawFeature(where, props, _geojson_geometry(file, where, feat.get("geometry")))


class _Arcs:
    """TopoJSON arcs decoded to absolute coordinates (delta decoding and the transform when quantised)."""

    def __init__(self, file: str, doc: dict[str, Any]) -> None:
        self.file = file
        arcs = doc.get("arcs")
        if not isinstance(arcs, list):
            raise _fail(file, None, "TopoJSON without an 'arcs' list")
        transform = doc.get("transform")
        self.arcs: list[list[tuple[float, float]]] = []
        for index, arc in enumerate(arcs):
            if not isinstance(arc, list) or not arc:
                raise _fail(file, f"arc {index}", "not a non-empty list of positions")
            points: list[tuple[float, float]] = []
            if transform:
                (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
                x = y = 0
                for pos in arc:
                    x += pos[0]
                    y += pos[1]
                    points.append((x * sx + tx, y * sy + ty))
            else:
                points = [(float(p[0]), float(p[1])) for p in arc]
            self.arcs.append(points)

    def ring(self, feature: str, refs: Any) -> list[tuple[float, float]]:
        if not isinstance(refs, list) or not refs:
            raise _fail(self.file, feature, f"a ring must be a non-empty list of arc indices, got {refs!r}"[:300])
        out: list[tuple[float, float]] = []
        for ref in refs:
            if not isinstance(ref, int) or not -len(self.arcs) <= ref < len(self.arcs):
                raise _fail(self.file, feature, f"arc index {ref!r} out of range (the file has {len(self.arcs)} arcs)")
            arc = self.arcs[ref] if ref >= 0 else self.arcs[~ref][::-1]
            out.extend(arc if not out else arc[1:])
        return out


def _topojson(file: str, doc: dict[str, Any]) -> Iterator[RawFeature]:
    arcs = _Arcs(file, doc)
    objects = doc.get("objects")
    if not isinstance(objects, dict) or not objects:
        raise _fail(file, None, "TopoJSON without objects")
    for name, obj in objects.items():
        geometries = obj.get("geometries") if obj.get("type") == "GeometryCollection" else [obj]
        for index, geom in enumerate(geometries or []):
            where = f"object {name} geometry {index}" + (f" (id {geom['id']})" if "id" in geom else "")
            kind, refs = geom.get("type"), geom.get("arcs")
            if kind == "Polygon":
                shape: BaseGeometry = _polygon(file, where, [arcs.ring(where, r) for r in refs or []])
            elif kind == "MultiPolygon":
                shape = MultiPolygon([_polygon(file, where, [arcs.ring(where, r) for r in p]) for p in refs or []])
            else:
                raise _fail(file, where, f"geometry type {kind!r} is not a Polygon or MultiPolygon")
            props = dict(geom.get("properties") or {})
            yield RawFeature(where, props, shape)


def read_features(file: Path, shown: str) -> list[RawFeature]:
    """The polygonal features of one GeoJSON or TopoJSON file, decoded but not yet repaired."""
    try:
        doc = orjson.loads(file.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise _fail(shown, None, f"not JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise _fail(shown, None, "not a GeoJSON or TopoJSON object")
    return list(_topojson(shown, doc) if doc.get("type") == "Topology" else _geojson(shown, doc))


# --- repair ----------------------------------------------------------------------------------------------


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """The polygonal part of ``make_valid``'s answer (a GeometryCollection may carry stray lines and points)."""
    if isinstance(geom, Polygon | MultiPolygon):
        return geom
    parts: list[Polygon] = []
    for part in getattr(geom, "geoms", []):
        if isinstance(part, Polygon):
            parts.append(part)
        elif isinstance(part, MultiPolygon):
            parts.extend(part.geoms)
    return MultiPolygon(parts)


def repair(file: str, feature: str, geom: BaseGeometry) -> tuple[BaseGeometry, float | None]:
    """A valid polygonal shape and the relative area change of the repair (None: it was valid already)."""
    if geom.is_empty:
        raise _fail(file, feature, "empty geometry")
    if geom.is_valid:
        return geom, None
    before = geom.area
    # "structure" keeps what the rings enclose (a twisted ring keeps both lobes); "linework" when that fails.
    fixed = _polygonal(shapely.make_valid(geom, method="structure"))
    if fixed.is_empty or not fixed.is_valid:
        fixed = _polygonal(shapely.make_valid(geom))
    if fixed.is_empty or not fixed.is_valid:
        raise _fail(file, feature, f"invalid rings ({shapely.is_valid_reason(geom)}) cannot be repaired")
    change = abs(fixed.area - before) / before if before > 0 else math.inf
    if change > MAX_AREA_CHANGE:
        raise _fail(
            file, feature,
            f"repairing the invalid rings ({shapely.is_valid_reason(geom)}) changes the area by {change:.4%} "
            f"(at most {MAX_AREA_CHANGE:.1%} is accepted)",
        )  # fmt: skip
    return fixed, change


# --- sets ------------------------------------------------------------------------------------------------


def recognise(shown: str, features: list[RawFeature]) -> list[SetDef]:
    """The sets a file's features draw (by the properties they all carry)."""
    if not features:
        raise _fail(shown, None, "no features")
    keys = set.intersection(*(set(f.properties) for f in features))
    found = [s for s in SETS if s.keys <= keys]
    if not found:
        known = "; ".join(f"{s.id} ({', '.join(sorted(s.keys))})" for s in SETS)
        missing = {s.id: sorted(s.keys - keys) for s in SETS}
        raise _fail(
            shown, None,
            f"not a known boundary set: its features carry {sorted(keys)[:12]}; known sets and their properties: "
            f"{known}; closest misses: {min(missing.items(), key=lambda kv: len(kv[1]))}",
        )  # fmt: skip
    return found


def parse(files: list[Path], names: dict[Path, str]) -> Bundle:
    """Every file's features, repaired and grouped into the sets they draw (set ``extras``: features, repaired
    shapes, and ``area_change``: the repairs' total area change as a fraction of the set's area)."""
    bundle = Bundle(source="boundaries")
    sets: dict[str, BoundarySetRec] = {}
    seen: dict[str, str] = {}
    jurisdictions: dict[str, JurisdictionRec] = {}
    for path in files:
        shown = names.get(path, str(path))
        bundle.files.append(shown)
        features = read_features(path, shown)
        defs = recognise(shown, features)
        shapes: list[tuple[RawFeature, BaseGeometry, float | None]] = []
        for feat in features:
            fixed, change = repair(shown, feat.where, feat.geometry)
            shapes.append((feat, fixed, change))
        for sdef in defs:
            jur = sdef.jurisdiction()
            jurisdictions.setdefault(jur.id, jur)
            rec = sets.get(sdef.id)
            if rec is None:
                rec = sets[sdef.id] = BoundarySetRec(
                    sdef.id, sdef.name, jur.id, sdef.division_type, sdef.start_date, sdef.end_date,
                    sdef.source_url, sdef.licence, {"features": 0, "repaired": 0, "area_change": 0.0, "area": 0.0},
                )  # fmt: skip
            for feat, fixed, change in shapes:
                try:
                    code, label = sdef.code(feat.properties).strip(), sdef.label(feat.properties).strip()
                except (KeyError, TypeError, ValueError) as exc:
                    raise _fail(shown, feat.where, f"cannot read the code or name ({exc!r})") from None
                if not code:
                    raise _fail(shown, feat.where, "empty code")
                bid = f"{sdef.id}/{code}"
                if bid in seen:
                    raise _fail(shown, feat.where, f"code {code} repeated (first in {seen[bid]})")
                seen[bid] = f"{shown}: {feat.where}"
                min_lon, min_lat, max_lon, max_lat = fixed.bounds
                extras: dict[str, Any] = {"properties": feat.properties}
                if change is not None:
                    extras["repaired"] = {"area_change": change}
                    rec.extras["repaired"] += 1
                    rec.extras["area_change"] += abs(fixed.area - feat.geometry.area)
                rec.extras["features"] += 1
                rec.extras["area"] += fixed.area
                bundle.boundaries.append(
                    BoundaryRec(
                        bid, sdef.id, code, label, sdef.division_id(code), shapely.to_wkb(fixed),
                        min_lon, min_lat, max_lon, max_lat, [], extras,
                    )
                )  # fmt: skip
    for rec in sets.values():  # area_change: |repaired - decoded| of the repaired shapes over the set's area
        rec.extras["area_change"] = rec.extras["area_change"] / rec.extras.pop("area")
        if rec.extras["area_change"] > MAX_SET_AREA_CHANGE:
            raise _fail(
                ", ".join(bundle.files), f"set {rec.id}",
                f"repairing {rec.extras['repaired']} shapes changes the set's total area by "
                f"{rec.extras['area_change']:.4%} (at most {MAX_SET_AREA_CHANGE:.2%} is accepted)",
            )  # fmt: skip
    bundle.jurisdictions = list(jurisdictions.values())
    bundle.boundary_sets = list(sets.values())
    return bundle


# --- the join to the platform's districts ----------------------------------------------------------------

_PROVINCE_PAREN = re.compile(r"^[^()]+\((?P<inner>.+)\)$")
_NOT_WORD = re.compile(r"[^0-9a-z]+")
_APOSTROPHES = re.compile("['`\u00b4\u2018\u2019\x92]")  # \x92: a Windows-1252 apostrophe read as Latin-1


def name_key(name: str) -> str:
    """Case-, accent-, dash- and punctuation-insensitive key of a district name (``Montréal--Nord`` and
    ``Montreal-Nord`` → ``montreal nord``; ``&`` is ``and``, ``œ`` is ``oe``; apostrophes are dropped, also a
    Windows-1252 one read as Latin-1)."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold().replace("&", " and ")
    text = _APOSTROPHES.sub("", text.replace("œ", "oe").replace("æ", "ae"))
    return _NOT_WORD.sub(" ", text).strip()


def name_keys(name: str) -> set[str]:
    """The keys a district name may join by: its own, and for EveryPolitician's ``Province (Riding)`` the riding's."""
    keys = {name_key(name)}
    match = _PROVINCE_PAREN.match(name.strip())
    if match:
        keys.add(name_key(match["inner"]))
    return keys


@dataclass(slots=True)
class StoredArea:
    id: str
    name: str
    identifier: str | None
    classification: str
    first: dt.date | None  # earliest start of a seat in this area (None: unknown)
    last: dt.date | None  # latest end (None: open, still held)
    held: bool = True  # some membership names this area


def join(
    set_rec: BoundarySetRec, shapes: list[BoundaryRec], areas: list[StoredArea], elsewhere: dict[str, str] | None = None
) -> dict[str, Any]:
    """Fill each shape's ``area_ids`` from ``areas`` (the stored districts of the set's legislature) and return
    the join report: joined by code and by name, shapes left unjoined, districts left unjoined — those drawn by
    another set of the legislature (``elsewhere``: area id → set id), without seats, or whose seats all lie
    outside the set's validity are listed as explained, with the reason."""
    elsewhere = elsewhere or {}
    by_id = {a.id: a for a in areas}
    by_ident: dict[str, list[StoredArea]] = {}
    for area in areas:
        if area.identifier:
            by_ident.setdefault(area.identifier, []).append(area)
    joined: set[str] = set()
    report: dict[str, Any] = {"set": set_rec.id, "by_code": 0, "by_name": 0, "shapes_unjoined": []}
    pending: list[BoundaryRec] = []
    for shape in shapes:
        hits = [by_id[shape.division_id]] if shape.division_id in by_id else list(by_ident.get(shape.code, []))
        if hits:
            shape.area_ids = sorted(a.id for a in hits)
            joined.update(shape.area_ids)
            report["by_code"] += 1
        else:
            pending.append(shape)
    by_key: dict[str, list[StoredArea]] = {}
    for area in areas:
        if area.id not in joined:
            for key in name_keys(area.name):
                by_key.setdefault(key, []).append(area)
    for shape in pending:
        hits = [a for key in name_keys(shape.name) for a in by_key.get(key, [])]
        if hits:
            shape.area_ids = sorted({a.id for a in hits})
            joined.update(shape.area_ids)
            report["by_name"] += 1
        else:
            report["shapes_unjoined"].append({"id": shape.id, "code": shape.code, "name": shape.name})
    start, end = set_rec.start_date or dt.date.min, set_rec.end_date or dt.date.max
    unexplained: list[dict[str, Any]] = []
    explained: list[dict[str, Any]] = []
    for area in areas:
        if area.id in joined:
            continue
        item = {"id": area.id, "name": area.name}
        if area.id in elsewhere:
            explained.append({**item, "reason": f"drawn by the set {elsewhere[area.id]}"})
            continue
        if area.first is None and area.last is None and not area.held:
            explained.append({**item, "reason": "no seat in it is held by anyone in the data"})
            continue
        outside = (area.last is not None and area.last < start) or (area.first is not None and area.first > end)
        if outside:
            item["reason"] = (
                f"its seats were held {area.first or '?'} to {area.last or 'open'}, outside this set's "
                f"{set_rec.start_date} to {set_rec.end_date or 'open'}"
            )
            explained.append(item)
        else:
            unexplained.append(item)
    report["districts_unjoined"] = unexplained
    report["districts_unjoined_explained"] = explained
    return report


AREAS_SQL = """
SELECT a.id, a.name, a.identifier, a.classification, count(m.id) > 0 AS held,
       min(coalesce(m.start_date, p.start_date)) AS first,
       CASE WHEN bool_or(m.id IS NOT NULL AND coalesce(m.end_date, p.end_date) IS NULL) THEN NULL
            ELSE max(coalesce(m.end_date, p.end_date)) END AS last
FROM areas a
LEFT JOIN memberships m ON m.area_id = a.id
LEFT JOIN legislative_periods p ON p.id = m.legislative_period_id
WHERE a.jurisdiction_id = $1 AND a.classification NOT IN ('state', 'country', 'region', 'province')
GROUP BY a.id
"""


async def join_areas(conn: Any, bundle: Bundle) -> list[dict[str, Any]]:
    """Join every shape of ``bundle`` to the stored districts of its set's legislature (:func:`join`; ``conn``: an
    asyncpg connection inside the import's transaction) and return one join report per set."""
    reports: list[dict[str, Any]] = []
    by_set: dict[str, list[BoundaryRec]] = {}
    for shape in bundle.boundaries:
        by_set.setdefault(shape.boundary_set_id, []).append(shape)
    ours = [s.id for s in bundle.boundary_sets]
    for set_rec in bundle.boundary_sets:
        rows = await conn.fetch(AREAS_SQL, set_rec.jurisdiction_id)
        areas = [
            StoredArea(r["id"], r["name"], r["identifier"], r["classification"], r["first"], r["last"], r["held"])
            for r in rows
        ]
        elsewhere = {
            r["area_id"]: r["set_id"]
            for r in await conn.fetch(
                "SELECT unnest(b.area_ids) AS area_id, s.id AS set_id FROM boundaries b "
                "JOIN boundary_sets s ON s.id = b.boundary_set_id WHERE s.jurisdiction_id = $1 AND s.id <> ALL($2)",
                set_rec.jurisdiction_id,
                ours,
            )
        }
        for other in bundle.boundary_sets:  # a sibling set of this input drawing the same legislature
            if other.id != set_rec.id and other.jurisdiction_id == set_rec.jurisdiction_id:
                elsewhere.update({a: other.id for shape in by_set.get(other.id, []) for a in shape.area_ids})
        reports.append(join(set_rec, by_set.get(set_rec.id, []), areas, elsewhere))
    # A district drawn by a sibling set is known only once that set is joined: drop those from the first sets.
    joined = {a: s.boundary_set_id for s in bundle.boundaries for a in s.area_ids}
    for report in reports:
        still = [d for d in report["districts_unjoined"] if d["id"] not in joined]
        moved = [
            {**d, "reason": f"drawn by the set {joined[d['id']]}"}
            for d in report["districts_unjoined"]
            if d["id"] in joined
        ]
        report["districts_unjoined"] = still
        report["districts_unjoined_explained"] += moved
    return reports
