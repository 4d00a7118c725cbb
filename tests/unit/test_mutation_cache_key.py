"""The response cache's key (api/cache.py: request_key, resource_of, first_segment, check_resources): two requests
share a cached answer exactly when the api answers them the same. ``make mutate`` judges the key with these.

The api decodes a query string as Starlette does (latin-1 text, then percent-decoding as UTF-8) and refuses a
repeated parameter; over HTTP, ``tests/integration/test_api_http_contract.py`` sends both orders to a cached api.
"""

from __future__ import annotations

import pytest
from starlette.datastructures import QueryParams

from openpolicy.api import cache
from openpolicy.api.cache import check_resources, first_segment, request_key, resource_of

PEOPLE = "/v1/people"


def test_the_same_parameters_in_any_order_share_one_key_written_in_name_order() -> None:
    orders = [
        b"party=Green&limit=2&jurisdiction=ca",
        b"limit=2&jurisdiction=ca&party=Green",
        b"jurisdiction=ca&party=Green&limit=2",
    ]
    keys = {request_key(PEOPLE, query) for query in orders}
    assert keys == {"/v1/people?jurisdiction=ca&limit=2&party=Green"}


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (b"limit=1", b"limit=3"),  # another value
        (b"limit=1", b"offset=1"),  # another parameter
        (b"party=", b""),  # an empty filter is not an absent one
        (b"party=&limit=1", b"limit=1"),
        (b"q=a%26b%3Dc", b"q=a&b=c"),  # an encoded & and = stay inside the value
        (b"q=\xff", b"q=\xfe"),  # raw bytes, as a client may send them (read as latin-1, as the api reads them)
        (b"q=Qu\xc3\xa9bec", b"q=Qu%C3%A9bec"),  # raw UTF-8 is latin-1 text to the api: another value
    ],
)
def test_queries_the_api_answers_differently_never_share_a_key(one: bytes, other: bytes) -> None:
    first, second = request_key(PEOPLE, one), request_key(PEOPLE, other)
    assert first is not None and second is not None
    assert first != second
    assert request_key("/v1/bills", one) != first  # the path is part of the key


@pytest.mark.parametrize(
    ("query", "key"),
    [
        (b"", PEOPLE),
        (b"q=x%20y", "/v1/people?q=x+y"),
        (b"q=x+y", "/v1/people?q=x+y"),  # the same text, encoded two ways
        (b"q=Qu%c3%a9bec", "/v1/people?q=Qu%C3%A9bec"),
        (b"q=%FF", "/v1/people?q=%EF%BF%BD"),  # not UTF-8: the api reads U+FFFD, as does the key
        (b"party=", "/v1/people?party="),
    ],
)
def test_a_key_holds_the_decoded_query(query: bytes, key: str) -> None:
    assert request_key(PEOPLE, query) == key


@pytest.mark.parametrize(
    "query",
    [b"limit=1&limit=3", b"limit=3&limit=1", b"b=2&a=1&a=0", b"a=0&a=1&b=2", b"party=&party=", b"q=x&q=x"],
)
def test_a_repeated_parameter_which_the_api_refuses_is_never_cached(query: bytes) -> None:
    assert request_key(PEOPLE, query) is None


@pytest.mark.parametrize(
    ("path", "resource"),
    [
        ("/v1/people", "people"),
        ("/v1/people/ocd-person/abc/votes", "people"),
        ("/v1/search", "search"),
        ("/v1/bills/", "bills"),
        ("/v1/unknown/x", None),
        ("/v1/", None),
        ("/v2/people", None),
        ("/people", None),
        ("/docs", None),
        ("/v1people", None),
    ],
)
def test_resource_of_names_the_v1_resource_an_import_invalidates(path: str, resource: str | None) -> None:
    assert resource_of(path) == resource


@pytest.mark.parametrize(
    ("route", "segment"),
    [
        ("/people/{person_id}", "people"),
        ("/people/{person_id}/votes", "people"),
        ("/people", "people"),
        ("people/x", "people"),
        ("/", ""),
        ("//x", "x"),
        ("/Xrays/{id}", "Xrays"),
    ],
)
def test_first_segment_of_a_route_path(route: str, segment: str) -> None:
    assert first_segment(route) == segment


def test_check_resources_sorts_and_deduplicates_and_names_every_unknown_one() -> None:
    assert check_resources(["votes", "people", "votes"]) == ["people", "votes"]
    assert check_resources([]) == []
    with pytest.raises(ValueError) as info:
        check_resources(["people", "zz", "peoples", "zz"])
    known = ", ".join(sorted(cache.cacheable_resources()))
    assert str(info.value) == f"unknown cache resource(s) peoples, zz; known: {known}"


def test_two_queries_share_a_key_exactly_when_the_api_reads_the_same_parameters() -> None:
    """The api reads a query string as Starlette's ``QueryParams``: equal keys ⇔ equal parameters."""
    queries = [
        b"", b"a=1", b"a=1&b=2", b"b=2&a=1", b"a=1&b=", b"a=1&b", b"a=%31", b"a=1+2", b"a=1%202", b"a=1%2B2",
        b"q=\xe9", b"q=%E9", b"q=%C3%A9", b"q=%c3%a9", b"q=%FF", b"q=%FE", b"a=1;b=2", b"a=1%3Bb%3D2", b"A=1",
    ]  # fmt: skip
    for one in queries:
        for other in queries:
            same = sorted(QueryParams(one).multi_items()) == sorted(QueryParams(other).multi_items())
            assert (request_key(PEOPLE, one) == request_key(PEOPLE, other)) is same, (one, other)
