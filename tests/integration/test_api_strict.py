"""Strict queries over HTTP: undeclared and repeated parameters, values outside a closed set, jurisdictions named by
id, ISO code or name, and data-held values (bill status) — each refused with a 400 problem naming the parameter
and listing what is allowed, never a wider (or silently empty) result."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import asyncpg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.support.routers import ALICE, C21, FRANK, J_CA, J_US, ApiClient, assert_problem, dataset_api, ids

from openpolicy.api.app import create_app
from openpolicy.api.strict import StrictRoute
from openpolicy.config import load_settings

XA_1 = "ocd-jurisdiction/country:xa/legislature"
XA_2 = "ocd-jurisdiction/country:xa/region:two/legislature"


async def _execute(url: str, *statements: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(scope="module")
def api() -> Iterator[ApiClient]:
    with dataset_api("openpolicy_test_api_strict") as client:
        # ISO codes: CA and US held by one legislature each, XA by two (ambiguous). Set before the api reads them.
        asyncio.run(
            _execute(
                str(client.settings.database_url),
                f"UPDATE jurisdictions SET iso_code = 'CA' WHERE id = '{J_CA}'",
                f"UPDATE jurisdictions SET iso_code = 'US' WHERE id = '{J_US}'",
                "INSERT INTO jurisdictions (id, name, country, iso_code) VALUES "
                f"('{XA_1}', 'Xa Parliament', 'xa', 'XA'), ('{XA_2}', 'Xa Region Two Assembly', 'xa', 'XA')",
            )
        )
        yield client


def declared() -> dict[str, frozenset[str]]:
    """Every GET route's path and the query parameters it declares, from the app itself."""
    app = create_app(load_settings(database_url="postgresql://openpolicy@127.0.0.1:5432/unused"))
    return {
        route.path: route.declared_query.names
        for route in app.routes
        if isinstance(route, StrictRoute) and route.path.startswith("/v1/")
    }


def test_an_unknown_parameter_names_itself_and_lists_the_accepted_ones(api: ApiClient) -> None:
    problem = assert_problem(api.get("/v1/people", params={"disctrict": "X"}), 400, "disctrict")
    assert {"district", "area", "party", "jurisdiction", "limit", "cursor", "sort"} <= set(problem["allowed"])
    assert "district" in problem["detail"]
    # Endpoints without parameters refuse any.
    assert assert_problem(api.get(f"/v1/bills/{C21}", params={"x": "1"}), 400, "x")["allowed"] == []
    assert_problem(api.get("/v1/search", params={"q": "act", "type": "bill"}), 400, "type")
    assert_problem(api.get("/v1/changes", params={"afterr": "0"}), 400, "afterr")


@pytest.mark.parametrize(
    "query",
    ["limit=1&limit=3", "limit=3&limit=1", "q=a&q=b", "sort=name&sort=name", "jurisdiction=ca&jurisdiction=us"],
)
def test_a_repeated_parameter_is_refused(api: ApiClient, query: str) -> None:
    name = query.split("=", 1)[0]
    assert_problem(api.get(f"/v1/people?{query}"), 400, name)


@pytest.mark.parametrize(
    ("path", "params", "parameter", "allowed"),
    [
        ("/v1/votes", {"result": "bogus"}, "result", ["pass", "fail", "tie", "withdrawn", "other"]),
        ("/v1/votes", {"voter": ALICE, "option": "maybe"}, "option", None),
        (f"/v1/people/{FRANK}/votes", {"option": "maybe"}, "option", None),
        ("/v1/organizations", {"classification": "band"}, "classification", None),
        ("/v1/committees", {"classification": "party"}, "classification", ["committee", "subcommittee"]),
        ("/v1/bills", {"sort": "title"}, "sort", None),
        ("/v1/search", {"q": "act", "types": "bill,committee"}, "types", None),
        ("/v1/changes", {"types": "bills"}, "types", None),
    ],
)
def test_a_value_outside_a_closed_set_lists_the_set(
    api: ApiClient, path: str, params: dict[str, str], parameter: str, allowed: list[str] | None
) -> None:
    problem = assert_problem(api.get(path, params=params), 400, parameter)
    assert problem["allowed"], problem
    if allowed is not None:
        assert problem["allowed"] == allowed


def test_closed_sets_take_any_case_and_blank_means_no_filter(api: ApiClient) -> None:
    assert ids(api.get("/v1/votes", params={"result": "PASS"})) == ids(api.get("/v1/votes", params={"result": "pass"}))
    assert ids(api.get("/v1/votes", params={"result": ""})) == ids(api.get("/v1/votes"))
    parties = ids(api.get("/v1/organizations", params={"classification": "Party"}))
    assert parties and all("party" in p for p in parties)


def test_the_openapi_declares_the_closed_sets_and_the_400(api: ApiClient) -> None:
    spec = api.get("/openapi.json").json()
    votes = spec["paths"]["/v1/votes"]["get"]
    result = next(p for p in votes["parameters"] if p["name"] == "result")
    assert {"enum": ["pass", "fail", "tie", "withdrawn", "other"], "type": "string"} in result["schema"]["anyOf"]
    sort = next(p for p in votes["parameters"] if p["name"] == "sort")
    orders = {"date", "-date", "updated_at", "-updated_at"}
    assert any(set(o.get("enum", ())) == orders for o in sort["schema"]["anyOf"])
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if path.startswith("/v1/") and method in {"get", "post", "put", "patch", "delete"}:
                assert "400" in operation["responses"], (method, path)
                assert "application/problem+json" in operation["responses"]["400"]["content"], (method, path)


@pytest.mark.parametrize("value", [J_CA, "ca", "CA", "Ca", "Parliament of Canada", "PARLIAMENT OF CANADA"])
def test_a_jurisdiction_by_id_iso_code_or_name(api: ApiClient, value: str) -> None:
    by_id = ids(api.get("/v1/bills", params={"jurisdiction": J_CA}))
    assert by_id and ids(api.get("/v1/bills", params={"jurisdiction": value})) == by_id
    assert ids(api.get("/v1/people", params={"jurisdiction": value})) == ids(
        api.get("/v1/people", params={"jurisdiction": J_CA})
    )


@pytest.mark.parametrize(
    "path", ["/v1/bills", "/v1/votes", "/v1/people", "/v1/areas", "/v1/organizations", "/v1/committees"]
)
def test_an_unknown_or_ambiguous_jurisdiction_lists_the_choices(api: ApiClient, path: str) -> None:
    unknown = assert_problem(api.get(path, params={"jurisdiction": "Canada"}), 400, "jurisdiction")
    assert "unknown jurisdiction" in unknown["detail"]
    assert any(J_CA in choice for choice in unknown["allowed"]) and len(unknown["allowed"]) == 4
    ambiguous = assert_problem(api.get(path, params={"jurisdiction": "xa"}), 400, "jurisdiction")
    assert "ambiguous" in ambiguous["detail"]
    assert [choice.split(" ")[0] for choice in ambiguous["allowed"]] == sorted([XA_1, XA_2])
    assert ids(api.get(path, params={"jurisdiction": XA_1})) == []  # by its id: found, and holds nothing


def test_a_bill_status_no_bill_has_lists_those_they_have(api: ApiClient) -> None:
    problem = assert_problem(api.get("/v1/bills", params={"status": "bogus"}), 400, "status")
    assert "royal assent" in problem["allowed"] and "second reading" in problem["allowed"]
    assert ids(api.get("/v1/bills", params={"status": "ROYAL ASSENT"}))


DECLARED = declared()
LISTS = sorted(path for path in DECLARED if "{" not in path or path.endswith("/votes"))
names = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=12)


@pytest.mark.parametrize("path", LISTS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_an_unknown_parameter_is_always_a_400_never_a_wider_result(
    api: ApiClient, path: str, data: st.DataObject
) -> None:
    concrete = path.replace("{person_id}", ALICE)
    known = DECLARED[path]
    unknown = data.draw(names.filter(lambda n: n not in known and n.strip() == n and "=" not in n and "&" not in n))
    good: list[tuple[str, Any]] = []
    if "limit" in known:
        good.append(("limit", data.draw(st.integers(1, 5))))
    if "q" in known and path == "/v1/search":
        good.append(("q", "act"))
    params = [*good, (unknown, data.draw(st.text(max_size=10)))]
    params = data.draw(st.permutations(params))
    response = api.get(f"{concrete}?{urlencode(params)}")
    assert response.status_code == 400, (params, response.text)
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["parameter"] == unknown
