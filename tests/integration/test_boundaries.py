"""Who represents me, on the real boundary files and the real people data (../shared/data).

Points at well-known places resolve to their district and its representative on a date; points either side of a
boundary (a canal, a state line, an international river) to the two districts; the sea to an empty answer naming
the sets searched; bad coordinates to a 400 problem; every set's join report has no unexplained gap; a re-import
changes nothing; a broken file changes nothing; a boundary run is undone exactly; the embedded PostgreSQL (no
PostGIS) answers as the machine's does; hypothesis over coordinates never meets a 500.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.support import SHARED_DATA, temporary_database
from tests.support.db import embedded_data_dir
from tests.support.ingest import checksum, query, run, scalar
from tests.support.routers import ApiClient, api_client, assert_problem

from openpolicy.ingest.runs import ImportFailed

BOUNDARIES = SHARED_DATA / "boundaries"
NI_SHAPES = BOUNDARIES / "uk" / "ni-topo_wpc.json"
GB_SHAPES = BOUNDARIES / "uk" / "gb-topo_wpc.json"
US_SHAPES = BOUNDARIES / "us-cd119"
CA_SHAPES = BOUNDARIES / "canada-fed-2013"
NI_PEOPLE = SHARED_DATA / "everypolitician" / "Northern_Ireland"
UK_PEOPLE = SHARED_DATA / "everypolitician" / "UK"
US_PEOPLE = SHARED_DATA / "us-congress" / "congress-legislators"
CA_PEOPLE = SHARED_DATA / "canada-hoc" / "ourcommons-members"

pytestmark = [
    pytest.mark.needs_data,
    pytest.mark.skipif(not NI_SHAPES.is_file(), reason=f"real data folder {BOUNDARIES} is absent"),
]


@pytest.fixture(scope="module")
def loaded() -> Iterator[tuple[str, dict[str, Any]]]:
    """Northern Ireland, the UK Commons, the US House and Canada's House: people, then every boundary set (join
    reports kept)."""
    with temporary_database("openpolicy_test_boundaries") as url:
        run(url, "popolo", str(NI_PEOPLE))
        run(url, "popolo", str(UK_PEOPLE))
        run(url, "us-congress", str(US_PEOPLE))
        run(url, "ourcommons", str(CA_PEOPLE))
        reports = {}
        for location in (NI_SHAPES, GB_SHAPES, US_SHAPES, CA_SHAPES):
            report = run(url, "boundaries", str(location))
            reports.update({join["set"]: join for join in report.joins})
        yield url, reports


@pytest.fixture(scope="module")
def api(loaded: tuple[str, dict[str, Any]]) -> Iterator[ApiClient]:
    with api_client(loaded[0]) as client:
        yield client


def who(api: ApiClient, lat: float, lon: float, date: str | None = None) -> list[tuple[str, str, list[str]]]:
    """(set, district code, representatives' names) of each district containing the point."""
    params: dict[str, Any] = {"lat": lat, "lon": lon}
    if date:
        params["date"] = date
    response = api.get("/v1/represent", params=params)
    assert response.status_code == 200, response.text
    return [
        (d["boundary_set"]["id"], d["code"], [r["person"]["name"] for r in d["representatives"]])
        for d in response.json()["districts"]
    ]


@pytest.mark.parametrize(
    ("place", "lat", "lon", "date", "expected"),
    [
        ("US Capitol", 38.8899, -77.0091, "2025-06-01", [("us-cd119", "1198", ["Eleanor Holmes Norton"])]),
        ("Empire State Building", 40.7484, -73.9857, "2025-06-01", [("us-cd119", "3612", ["Jerrold Nadler"])]),
        ("Golden Gate Park", 37.7694, -122.4862, "2025-06-01", [("us-cd119", "0611", ["Nancy Pelosi"])]),
        ("Seattle downtown", 47.6062, -122.3321, "2025-06-01", [("us-cd119", "5307", ["Pramila Jayapal"])]),
        # Parliament Hill and the Château Laurier: either side of the Rideau Canal
        ("Parliament Hill", 45.4236, -75.7009, "2023-01-01", [("ca-fed-2013", "35075", ["Yasir Naqvi"])]),
        ("Château Laurier", 45.4256, -75.6950, "2023-01-01", [("ca-fed-2013", "35078", ["Mona Fortier"])]),
        # Windsor and Detroit: either side of the Detroit River, two countries, two legislatures
        ("Windsor", 42.3149, -83.0364, "2023-01-01", [("ca-fed-2013", "35117", ["Brian Masse"])]),
        ("Detroit", 42.3314, -83.0458, "2025-06-01", [("us-cd119", "2613", ["Shri Thanedar"])]),
        # Kansas City: either side of State Line Road
        ("Kansas City, Kansas", 39.0997, -94.6120, "2025-06-01", [("us-cd119", "2002", ["Derek Schmidt"])]),
        ("Kansas City, Missouri", 39.0997, -94.6030, "2025-06-01", [("us-cd119", "2905", ["Emanuel Cleaver"])]),
        # Stormont: a Westminster seat and a six-member Assembly seat, two legislatures of one place
        (
            "Stormont",
            54.6050,
            -5.8317,
            "2014-01-01",
            [
                ("gb-commons-2008-nir", "N06000001", ["Naomi Long"]),
                (
                    "nir-assembly-2008",
                    "N06000001",
                    ["Judith Cochrane", "Michael Copeland", "Sammy Douglas", "Chris Lyttle", "Robin Newton",
                     "Peter Robinson"],
                ),
            ],
        ),
        ("Derry Guildhall", 54.9966, -7.3194, "2014-01-01", None),  # Foyle in both sets (checked below)
    ],
)  # fmt: skip
def test_well_known_places(
    api: ApiClient, place: str, lat: float, lon: float, date: str, expected: list[Any] | None
) -> None:
    found = who(api, lat, lon, date)
    if expected is None:
        foyle = [("gb-commons-2008-nir", "N06000008"), ("nir-assembly-2008", "N06000008")]
        assert [(s, c) for s, c, _ in found] == foyle
        assert found[0][2] == ["Mark Durkan"]
        assert len(found[1][2]) == 6
    else:
        assert found == expected, place


def test_the_sea_is_an_empty_answer_naming_the_sets_searched(api: ApiClient) -> None:
    for lat, lon, date in ((54.0, -5.0, "2014-01-01"), (40.0, -40.0, "2025-06-01"), (43.6, -77.5, "2023-01-01")):
        body = api.get("/v1/represent", params={"lat": lat, "lon": lon, "date": date}).json()
        assert body["districts"] == []
        searched = {s["id"] for s in body["sets_searched"]}
        assert searched, body
        everything = searched | {s["id"] for s in body["sets_not_in_force"]}
        assert everything == {"gb-commons-2010", "gb-commons-2008-nir", "nir-assembly-2008", "us-cd119", "ca-fed-2013"}
    # on a date no set covers Canada any more, Parliament Hill is outside every set in force
    body = api.get("/v1/represent", params={"lat": 45.4236, "lon": -75.7009, "date": "2026-01-01"}).json()
    assert body["districts"] == [] and "ca-fed-2013" in {s["id"] for s in body["sets_not_in_force"]}


def test_bad_coordinates_are_400_problems(api: ApiClient) -> None:
    assert_problem(api.get("/v1/represent", params={"lat": 91, "lon": 0}), 400, "lat")
    assert_problem(api.get("/v1/represent", params={"lat": 0, "lon": -180.5}), 400, "lat")
    assert_problem(api.get("/v1/represent", params={"lat": "nan", "lon": 0}), 400)
    # not a number, or missing: the api's validation problem (422), naming the parameter
    assert_problem(api.get("/v1/represent", params={"lat": "north", "lon": 0}), 422, "lat")
    assert_problem(api.get("/v1/represent", params={"lon": 0}), 422, "lat")
    assert_problem(api.get("/v1/represent", params={"lat": 1, "lon": 1, "radius": 5}), 400, "radius")
    assert_problem(api.get("/v1/areas", params={"contains": "45.4"}), 400, "contains")
    assert_problem(api.get("/v1/areas", params={"contains": "45.4,-200"}), 400, "contains")


def test_areas_containing_a_point_and_their_shapes(api: ApiClient, loaded: tuple[str, dict[str, Any]]) -> None:
    # today only sets still in force answer: the Assembly's (open-ended) and the 119th Congress's
    results = api.get("/v1/areas", params={"contains": "54.6050,-5.8317"}).json()["results"]
    assert [a["name"] for a in results] == ["Belfast East"]
    area = results[0]["id"]
    full = api.get(f"/v1/areas/{area}/shape")
    assert full.status_code == 200 and full.headers["content-type"] == "application/geo+json"
    feature = full.json()
    assert feature["type"] == "Feature" and feature["geometry"]["type"] in {"Polygon", "MultiPolygon"}
    assert feature["properties"]["code"] == "N06000001"
    simple = api.get(f"/v1/areas/{area}/shape", params={"tolerance": 0.01})
    assert len(simple.content) < len(full.content) / 3
    assert simple.headers["etag"] != full.headers["etag"]
    conditional = {"If-None-Match": simple.headers["etag"]}
    again = api.get(f"/v1/areas/{area}/shape", params={"tolerance": 0.01}, headers=conditional)
    assert again.status_code == 304
    assert api.get(f"/v1/areas/{area}/shape", params={"tolerance": -1}).status_code in {400, 422}
    district = scalar(loaded[0], "SELECT id FROM areas WHERE identifier = 'MT-1' AND classification = 'cd'")
    assert api.get(f"/v1/areas/{district}/shape").json()["properties"]["division_id"] == district
    state = "ocd-division/country:us/state:mt"  # a state: no boundary set draws it
    assert_problem(api.get(f"/v1/areas/{state}/shape"), 404)


def test_ready_reports_the_lookup_path(api: ApiClient) -> None:
    assert api.get("/health/ready").json()["lookup"] == "postgresql-gist-bbox+shapely"


def test_join_reports_have_no_unexplained_gaps(loaded: tuple[str, dict[str, Any]]) -> None:
    url, reports = loaded
    for name in ("gb-commons-2008-nir", "nir-assembly-2008", "gb-commons-2010"):  # no codes in EveryPolitician
        assert reports[name]["by_code"] == 0 and reports[name]["shapes_unjoined"] == [], name
    assert reports["gb-commons-2010"]["by_name"] == 632
    assert reports["nir-assembly-2008"]["districts_unjoined"] == []
    # The NI file came first: the Commons' districts in Great Britain were not drawn yet (the GB file draws them)
    gb_districts = reports["gb-commons-2008-nir"]["districts_unjoined"]
    assert gb_districts and not any(d["id"].endswith("-NI") for d in gb_districts)
    # The GB file came second: what it leaves is Northern Ireland's 18 (drawn by the NI set) and the
    # constituencies abolished before 2010 (seats held only outside the set's dates)
    gb = reports["gb-commons-2010"]
    assert gb["districts_unjoined"] == []
    reasons = [d["reason"] for d in gb["districts_unjoined_explained"]]
    assert sum(r == "drawn by the set gb-commons-2008-nir" for r in reasons) == 18
    assert all(r == "drawn by the set gb-commons-2008-nir" or "outside this set's 2010-05-06" in r for r in reasons)
    us = reports["us-cd119"]
    assert us["by_code"] == 438 and us["by_name"] == 0 and us["districts_unjoined"] == []
    # explained: three seats vacant when legislators-current.yaml was taken, so no district of theirs exists
    assert sorted(s["code"] for s in us["shapes_unjoined"]) == ["0614", "1313", "4823"]
    assert scalar(url, "SELECT count(*) FROM areas WHERE identifier IN ('CA-14', 'GA-13', 'TX-23')") == 0
    ca = reports["ca-fed-2013"]
    # the House's member list names 337 ridings: Durham was vacant (by-election pending) when it was taken
    assert (ca["by_name"], [s["code"] for s in ca["shapes_unjoined"]], ca["districts_unjoined"]) == (337, ["35023"], [])


def test_westminster(api: ApiClient) -> None:
    assert who(api, 51.4995, -0.1248, "2016-06-01") == [("gb-commons-2010", "E14000639", ["Mark Field"])]


def test_reimport_changes_nothing_and_a_broken_file_changes_nothing(
    loaded: tuple[str, dict[str, Any]], tmp_path: Path
) -> None:
    url = loaded[0]
    before = checksum(url)
    report = run(url, "boundaries", str(NI_SHAPES))
    assert report.changes == 0
    broken = json.loads(NI_SHAPES.read_text())
    index = next(i for i, g in enumerate(broken["objects"]["wpc"]["geometries"]) if g["type"] == "Polygon")
    broken["objects"]["wpc"]["geometries"][index]["arcs"][0][0] = 10**6
    path = tmp_path / "ni-broken.json"
    path.write_text(json.dumps(broken))
    with pytest.raises(ImportFailed) as caught:
        run(url, "boundaries", str(path))
    assert "ni-broken.json" in str(caught.value) and f"geometry {index} " in str(caught.value)
    assert "arc index 1000000 out of range" in str(caught.value)
    assert checksum(url) == before


def test_a_boundary_run_is_reverted_exactly(tmp_path: Path) -> None:
    changed = json.loads(NI_SHAPES.read_text())
    changed["objects"]["wpc"]["geometries"][0]["properties"]["PC_NAME"] = "NORTH DOWN AND ARDS"
    changed["objects"]["wpc"]["geometries"][1]["arcs"] = changed["objects"]["wpc"]["geometries"][1]["arcs"][:1]
    path = tmp_path / "ni-changed.json"
    path.write_text(json.dumps(changed))
    with (
        temporary_database("openpolicy_test_boundaries_rev_a") as a,
        temporary_database("openpolicy_test_boundaries_rev_b") as b,
    ):
        for url in (a, b):
            run(url, "popolo", str(NI_PEOPLE))
            run(url, "boundaries", str(NI_SHAPES))
        second = run(b, "boundaries", str(path))
        assert second.counts["boundary"]["updated"] >= 2
        assert checksum(a) != checksum(b)
        subprocess.run(
            [sys.executable, "-m", "openpolicy.cli", "import-runs", "revert", str(second.run_id)],
            env={**os.environ, "DATABASE_URL": b},
            check=True,
            capture_output=True,
        )
        assert checksum(a) == checksum(b)
        feed = query(b, "SELECT count(*) FROM change_log WHERE entity_type = 'boundary'")
        assert feed[0][0] > 36  # inserts, the updates and the revert's own entries are in the change feed


POINTS = [(54.6050, -5.8317), (54.5965, -5.9301), (54.9966, -7.3194), (54.0, -5.0), (54.35, -6.65), (55.2, -6.5)]


def test_the_embedded_postgresql_answers_the_same(api: ApiClient) -> None:
    from openpolicy.config import load_settings
    from openpolicy.db import embedded
    from openpolicy.db.migrations import upgrade

    with embedded_data_dir() as data_dir:
        cfg = load_settings(openpolicy_data_dir=data_dir, database_url="")
        try:
            url = embedded.start(cfg)
            upgrade(url)
            run(url, "popolo", str(NI_PEOPLE))
            run(url, "boundaries", str(NI_SHAPES))
            assert scalar(url, "SELECT count(*) FROM pg_extension WHERE extname = 'postgis'") == 0
            with api_client(url) as embedded_api:
                for lat, lon in POINTS:
                    params = {"lat": lat, "lon": lon, "date": "2014-01-01"}
                    theirs = embedded_api.get("/v1/represent", params=params).json()
                    ours = api.get("/v1/represent", params=params).json()
                    assert [(d["code"], d["boundary_set"]["id"]) for d in theirs["districts"]] == [
                        (d["code"], d["boundary_set"]["id"]) for d in ours["districts"]
                    ]
                    # the Assembly's members (the UK Commons' people are not loaded into the embedded server)
                    assembly = [
                        [[r["person"]["name"] for r in d["representatives"]] for d in body["districts"]
                         if d["boundary_set"]["id"] == "nir-assembly-2008"]
                        for body in (theirs, ours)
                    ]  # fmt: skip
                    assert assembly[0] == assembly[1]
        finally:
            embedded.stop(cfg)


coordinate = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-90, max_value=90),
    st.floats(min_value=-180, max_value=180),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lat=coordinate, lon=coordinate, text=st.text(max_size=20))
def test_coordinates_never_meet_a_500(api: ApiClient, lat: float, lon: float, text: str) -> None:
    response = api.get("/v1/represent", params={"lat": repr(lat), "lon": repr(lon)})
    valid = -90 <= lat <= 90 and -180 <= lon <= 180
    assert response.status_code == (200 if valid else 400), response.text
    assert api.get("/v1/areas", params={"contains": f"{lat},{lon}"}).status_code in {200, 400}
    assert api.get("/v1/areas", params={"contains": text}).status_code in {200, 400, 422}  # 422: e.g. a NUL
    assert api.get("/v1/represent", params={"lat": text, "lon": "0"}).status_code in {200, 400, 422}


def test_the_who_represents_me_page_and_the_district_map(loaded: tuple[str, dict[str, Any]]) -> None:
    import asyncio

    import httpx

    from openpolicy.api.app import create_app as create_api
    from openpolicy.config import load_settings
    from openpolicy.web.app import create_app as create_web
    from openpolicy.web.client import ApiClient as WebApi

    async def pages() -> list[httpx.Response]:
        api_app = create_api(load_settings(database_url=loaded[0]))
        web_app = create_web(
            load_settings(database_url=loaded[0], web_page_cache_seconds=0),
            api=WebApi("http://api", transport=httpx.ASGITransport(app=api_app)),
        )
        async with (
            api_app.router.lifespan_context(api_app),
            web_app.router.lifespan_context(web_app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=web_app), base_url="http://web") as web,
        ):
            empty = await web.get("/represent")
            stormont = await web.get("/represent", params={"lat": "54.6050", "lon": "-5.8317", "date": "2014-01-01"})
            sea = await web.get("/represent", params={"lat": "54.0", "lon": "-5.0", "date": "2014-01-01"})
            bad = await web.get("/represent", params={"lat": "95", "lon": "0"})
            area = (await web.get("/districts", params={"q": "Belfast East"})).text
            link = area.split('href="/districts/', 1)[1].split('"', 1)[0]
            district = await web.get(f"/districts/{link}")
            return [empty, stormont, sea, bad, district]

    empty, stormont, sea, bad, district = asyncio.run(pages())
    assert empty.status_code == 200 and "Use my location" in empty.text and "<svg" not in empty.text
    assert stormont.status_code == 200
    page = stormont.text
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg"') == 2  # Westminster and Assembly seats, one map each
    assert "Belfast East" in page and "Peter Robinson" in page and "Northern Ireland Assembly" in page
    assert '<circle cx="' in page  # the point on the map
    assert "outside every district" in sea.text
    assert bad.status_code == 400 and "latitude 95.0 is outside -90..90" in bad.text
    assert district.status_code == 200 and 'class="district-map"' in district.text


def test_random_points_agree_with_a_brute_force_search_of_the_files(api: ApiClient) -> None:
    """Points nobody chose: the indexed lookup gives the shapes a plain scan of every shape of the files gives."""
    import random

    import shapely

    from openpolicy.ingest.sources import boundaries

    files = [NI_SHAPES, *boundaries.discover(US_SHAPES)]
    shapes = [(s.boundary_set_id, s.code, shapely.from_wkb(s.geometry)) for s in boundaries.parse(files, {}).boundaries]
    for _set, _code, geom in shapes:
        shapely.prepare(geom)
    rng = random.Random(7)
    regions = [(54.0, -8.2, 55.3, -5.4, "2014-01-01"), (24.0, -125.0, 49.5, -66.0, "2025-06-01")]
    for _ in range(150):
        south, west, north, east, date = rng.choice(regions)
        lat, lon = round(rng.uniform(south, north), 5), round(rng.uniform(west, east), 5)
        in_force = {"2014-01-01": {"gb-commons-2008-nir", "nir-assembly-2008"}, "2025-06-01": {"us-cd119"}}[date]
        point = shapely.Point(lon, lat)
        expected = sorted((s, c) for s, c, g in shapes if s in in_force and g.covers(point))
        assert sorted((s, c) for s, c, _people in who(api, lat, lon, date)) == expected, (lat, lon)
