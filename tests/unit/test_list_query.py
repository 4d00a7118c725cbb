"""``ListQuery``: a list endpoint's filters and page parsed in one step, as FastAPI parses query parameters."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Any

import pytest
from fastapi.exceptions import RequestValidationError
from starlette.requests import Request

from openpolicy.api import filters as f
from openpolicy.api.errors import BadParameter
from openpolicy.api.pagination import Listing, ListQuery, encode_cursor
from openpolicy.api.routers.people import PEOPLE, SORTS, PeopleFilters
from openpolicy.config import Settings


class _Filters(f.Filters):
    party: Annotated[f.OptText, f.text("Party.")] = None
    current: Annotated[f.OptBool, f.flag("Seated.")] = None
    updated_since: Annotated[f.OptDateTime, f.when(f.UPDATED_SINCE)] = None


QUERY = ListQuery(SORTS, _Filters)


def _request(query_string: str) -> Request:
    class _State:
        settings = Settings(database_url="postgresql://openpolicy@127.0.0.1:5432/unused")

    class _App:
        state = _State()

    scope = {"type": "http", "method": "GET", "path": "/v1/x", "query_string": query_string.encode(), "headers": []}
    scope["app"] = _App()
    return Request(scope)


def _parse(query: ListQuery[Any], query_string: str) -> Listing[Any]:
    return asyncio.run(query(_request(query_string)))


def test_filters_and_page_are_parsed_and_cleaned() -> None:
    listing = _parse(QUERY, "party=%20Liberal%20&current=true&updated_since=2024-05-01T10:00:00&limit=5&sort=-name")
    assert listing.filters.party == "Liberal"
    assert listing.filters.current is True
    assert listing.filters.updated_since == datetime(2024, 5, 1, 10, tzinfo=UTC)  # no offset: UTC
    assert (listing.page.limit, listing.page.order.name, listing.page.after) == (5, "-name", None)


def test_defaults_blanks_and_unknown_parameters() -> None:
    listing = _parse(QUERY, "party=")
    assert listing.filters.party is None  # blank means "no filter"
    assert (listing.page.limit, listing.page.order.name) == (20, SORTS.default)
    # The route refuses an undeclared parameter first (openpolicy.api.strict); the model refuses it too.
    with pytest.raises(RequestValidationError) as caught:
        _parse(QUERY, "colour=red&party=A")
    [error] = caught.value.errors()
    assert (tuple(error["loc"]), error["type"]) == (("query", "colour"), "extra_forbidden")


def test_every_bad_parameter_is_named_with_the_query_location() -> None:
    with pytest.raises(RequestValidationError) as caught:
        _parse(QUERY, "current=maybe&updated_since=soon&limit=x")
    assert sorted(tuple(error["loc"]) for error in caught.value.errors()) == [
        ("query", "current"),
        ("query", "limit"),
        ("query", "updated_since"),
    ]


@pytest.mark.parametrize(
    ("query_string", "parameter"),
    [("limit=0", "limit"), ("limit=201", "limit"), ("sort=age", "sort"), ("cursor=zz", "cursor")],
)
def test_page_problems_name_the_parameter(query_string: str, parameter: str) -> None:
    with pytest.raises(BadParameter) as caught:
        _parse(QUERY, query_string)
    assert caught.value.extra["parameter"] == parameter


def test_a_cursor_resumes_after_its_key() -> None:
    order = SORTS.resolve(None)
    cursor = encode_cursor(order, ["Doe, Jane", "ocd-person/1"])
    assert _parse(QUERY, f"cursor={cursor}").page.after == ("Doe, Jane", "ocd-person/1")


def test_openapi_documents_each_filter_then_the_page() -> None:
    names = [parameter["name"] for parameter in PEOPLE.openapi["parameters"]]
    assert names == [*PeopleFilters.model_fields, "limit", "cursor", "sort"]
    sort = PEOPLE.openapi["parameters"][-1]
    assert sort["in"] == "query" and not sort["required"]
    assert "-updated_at" in sort["description"] and sort["schema"]["examples"] == [SORTS.default]
    assert sort["schema"]["anyOf"] == [{"type": "string", "enum": list(SORTS.choices)}, {"type": "null"}]
    party = next(p for p in PEOPLE.openapi["parameters"] if p["name"] == "party")
    assert party["schema"]["anyOf"] == [{"type": "string"}, {"type": "null"}] and "default" not in party["schema"]
