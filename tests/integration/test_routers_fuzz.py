"""Hypothesis over query strings of every /v1 list endpoint: any parameters and values → never a 500."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.support.routers import ALICE, ApiClient, dataset_api

ENDPOINTS = {
    "/v1/jurisdictions": ["classification", "country", "q", "updated_since"],
    "/v1/organizations": ["jurisdiction", "classification", "chamber", "parent", "q", "updated_since"],
    "/v1/committees": ["jurisdiction", "chamber", "classification", "parent", "q", "updated_since"],
    "/v1/areas": ["jurisdiction", "classification", "parent", "identifier", "q", "updated_since"],
    "/v1/people": ["jurisdiction", "chamber", "party", "district", "area", "current", "q", "updated_since"],
    f"/v1/people/{ALICE}/votes": ["option", "session", "date_after", "date_before"],
    "/v1/bills": [
        "jurisdiction",
        "session",
        "chamber",
        "status",
        "sponsor",
        "primary_sponsor",
        "subject",
        "classification",
        "identifier",
        "introduced_after",
        "introduced_before",
        "action_since",
        "action_before",
        "q",
        "updated_since",
    ],
    "/v1/votes": [
        "jurisdiction",
        "session",
        "chamber",
        "bill",
        "result",
        "classification",
        "voter",
        "option",
        "date_after",
        "date_before",
        "q",
        "updated_since",
    ],
    "/v1/search": ["q", "types"],
}
COMMON = ["limit", "cursor", "sort"]

values = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.dates().map(str),
    st.datetimes().map(lambda d: d.isoformat()),
    st.sampled_from(
        [
            "true",
            "false",
            "1",
            "yes",
            "",
            "-name",
            "name",
            "updated_at",
            "-date",
            "%",
            "_",
            "\\",
            "'",
            "\x00",
            "2024-02-30",
            "9999-12-31T23:59:59-23:59",
            "ocd-person/alice",
            "C-21",
            "upper",
            "Liberal",
        ]
    ),
)


@pytest.fixture(scope="module")
def api() -> Iterator[ApiClient]:
    with dataset_api("openpolicy_test_routers_fuzz") as client:
        yield client


@pytest.mark.parametrize("path", sorted(ENDPOINTS))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_query_string_makes_a_500(api: ApiClient, path: str, data: st.DataObject) -> None:
    names = st.one_of(st.sampled_from(ENDPOINTS[path] + COMMON), st.text(min_size=1, max_size=10))
    params = data.draw(st.lists(st.tuples(names, values), max_size=6))
    response = api.get(f"{path}?{urlencode(params)}")
    assert response.status_code < 500, (params, response.text)
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json().get("parameter"), response.text


DETAIL_PATHS = [
    "/v1/jurisdictions/",
    "/v1/organizations/",
    "/v1/committees/",
    "/v1/areas/",
    "/v1/people/",
    "/v1/bills/",
    "/v1/votes/",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(prefix=st.sampled_from(DETAIL_PATHS), ident=st.text(max_size=400), votes=st.booleans())
def test_no_id_makes_a_500(api: ApiClient, prefix: str, ident: str, votes: bool) -> None:
    path = prefix + quote(ident, safe="/:")
    if votes and prefix == "/v1/people/":
        path += "/votes"
    response = api.get(path)
    assert response.status_code < 500, (path, response.text)
    assert response.status_code in {200, 404, 307}, (path, response.status_code, response.text)
