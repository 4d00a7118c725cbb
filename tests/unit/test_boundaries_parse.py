"""Boundary files decoded, repaired and refused (openpolicy.ingest.sources.boundaries; no database)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import shapely
from tests.support import SHARED_DATA

from openpolicy.ingest.records import InputError
from openpolicy.ingest.sources import boundaries as b

GB = SHARED_DATA / "boundaries" / "uk" / "gb-topo_wpc.json"
NI = SHARED_DATA / "boundaries" / "uk" / "ni-topo_wpc.json"


def _topology(arcs: list[Any], geometries: list[dict[str, Any]], transform: dict[str, Any] | None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "type": "Topology",
        "arcs": arcs,
        "objects": {"wpc": {"type": "GeometryCollection", "geometries": geometries}},
    }
    if transform:
        doc["transform"] = transform
    return doc


def _write(tmp_path: Path, doc: dict[str, Any], name: str = "set.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


TWO_SQUARES = _topology(
    # arc 0: the shared edge (1,0)->(1,1); arc 1: the left square's other sides; arc 2: the right square's.
    # Quantised and delta-encoded: scale 0.5, translate (-10, 50); integer deltas from the previous point.
    [[[2, 0], [0, 2]], [[2, 2], [-2, 0], [0, -2], [2, 0]], [[2, 0], [2, 0], [0, 2], [-2, 0]]],
    [
        {"type": "Polygon", "arcs": [[0, 1]], "properties": {"PC_ID": "N1", "PC_NAME": "LEFT SIDE"}},
        {"type": "Polygon", "arcs": [[2, ~0]], "properties": {"PC_ID": "N2", "PC_NAME": "RIGHT SIDE"}},
    ],
    {"scale": [0.5, 0.5], "translate": [-10.0, 50.0]},
)


def test_topojson_arcs_are_delta_decoded_transformed_and_reversed(tmp_path: Path) -> None:
    feats = b.read_features(_write(tmp_path, TWO_SQUARES), "set.json")
    left, right = (shapely.normalize(f.geometry) for f in feats)
    assert left.equals(shapely.box(-10, 50, -9, 51))
    assert right.equals(shapely.box(-9, 50, -8, 51))  # ~0: the shared arc walked backwards
    bundle = b.parse([_write(tmp_path, TWO_SQUARES)], {})
    # the Northern Ireland layout draws two sets: Westminster and the Assembly, each tied to its legislature
    assert {(s.id, s.jurisdiction_id) for s in bundle.boundary_sets} == {
        ("gb-commons-2008-nir", "ocd-jurisdiction/country:gb/legislature"),
        ("nir-assembly-2008", "ocd-jurisdiction/country:gb/region:nir/legislature"),
    }
    shape = next(s for s in bundle.boundaries if s.id == "nir-assembly-2008/N1")
    assert (shape.name, shape.min_lon, shape.max_lat) == ("Left Side", -10.0, 51.0)


def test_a_self_touching_ring_is_repaired_keeping_its_area(tmp_path: Path) -> None:
    # a figure eight: one ring touching itself at (1,1) — invalid as decoded, two squares once repaired
    ring = [[0, 0], [1, 0], [1, 1], [2, 1], [2, 2], [1, 2], [1, 1], [0, 1], [0, 0]]
    doc = {
        "type": "Feature",
        "properties": {"PC_ID": "N9", "PC_NAME": "EIGHT"},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }
    bundle = b.parse([_write(tmp_path, doc)], {})
    shape = shapely.from_wkb(bundle.boundaries[0].geometry)
    assert shape.is_valid and shape.area == pytest.approx(2.0)
    assert bundle.boundaries[0].extras["repaired"]["area_change"] == pytest.approx(0.0)
    assert bundle.boundary_sets[0].extras["repaired"] == 1


@pytest.mark.parametrize(
    ("doc", "problem"),
    [
        (_topology([[[0, 0], [1, 0]]], [{"type": "Polygon", "arcs": [[5]], "properties": {}}], None), "out of range"),
        (
            {"type": "Feature", "properties": {"PC_ID": "N1", "PC_NAME": "X"},
             "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [0, 95], [1, 0], [0, 0]]]}},
            "not a WGS84 longitude/latitude",
        ),
        (
            {"type": "Feature", "properties": {"PC_ID": "N1", "PC_NAME": "X"},
             "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [0, 0]]]}},
            "ring 0 has 3 points",
        ),
        (
            {"type": "Feature", "properties": {"NAME": "X"},
             "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}},
            "not a known boundary set",
        ),
        (
            {"type": "Feature", "properties": {"PC_ID": "N1", "PC_NAME": "X"},
             "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}},
            "is not a Polygon or MultiPolygon",
        ),
    ],
)  # fmt: skip
def test_a_broken_file_is_refused_naming_file_feature_and_reason(
    tmp_path: Path, doc: dict[str, Any], problem: str
) -> None:
    path = _write(tmp_path, doc, "broken.json")
    with pytest.raises(InputError) as caught:
        b.parse([path], {path: "broken.json"})
    assert str(caught.value).startswith("broken.json")
    assert problem in str(caught.value)


def test_a_repeated_code_is_refused(tmp_path: Path) -> None:
    doc = json.loads(json.dumps(TWO_SQUARES))
    doc["objects"]["wpc"]["geometries"][1]["properties"]["PC_ID"] = "N1"
    path = _write(tmp_path, doc)
    with pytest.raises(InputError, match=r"geometry 1: code N1 repeated \(first in .*geometry 0"):
        b.parse([path], {})


def test_not_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.geojson"
    path.write_text("{not json")
    with pytest.raises(InputError, match=r"x\.geojson: not JSON"):
        b.parse([path], {path: "x.geojson"})


def test_names_join_across_case_dashes_accents_and_apostrophes() -> None:
    soeurs = b.name_key("Ville-Marie--Le Sud-Ouest--Île-des-Soeurs")
    assert soeurs == b.name_key("Ville-Marie—Le Sud-Ouest—Île-des-Sœurs")
    assert b.name_key("Île d\x92Orléans") == b.name_key("Île d'Orléans") == "ile dorleans"
    assert b.name_key("BELFAST SOUTH") == b.name_key("Belfast South")
    assert "banff airdrie" in b.name_keys("Alberta (Banff—Airdrie)")


@pytest.mark.needs_data
def test_real_coarse_sets_are_repaired_within_a_hundredth_of_a_percent() -> None:
    if not GB.is_file():
        pytest.skip(f"real data {GB} is absent")
    for path, expected in ((GB, {"gb-commons-2010": 632}), (NI, {"gb-commons-2008-nir": 18, "nir-assembly-2008": 18})):
        bundle = b.parse([path], {})
        assert {s.id: s.extras["features"] for s in bundle.boundary_sets} == expected
        for rec in bundle.boundary_sets:
            assert rec.extras["repaired"] > 0  # these sets have self-touching rings after decoding
            assert rec.extras["area_change"] <= 0.0001
        assert all(shapely.from_wkb(s.geometry).is_valid for s in bundle.boundaries)
