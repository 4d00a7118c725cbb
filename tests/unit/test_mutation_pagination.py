"""Cursors and next links (api/pagination.py) at their edges: a hand-made cursor is refused with a 400 naming
``cursor``; a next link carries exactly one cursor and every other parameter; limits are checked against settings.
The listing walked end to end over PostgreSQL is in tests/integration/test_pagination_walk.py."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlsplit

import orjson
import pytest
from fastapi import Query
from pydantic import BaseModel, ConfigDict
from sqlalchemy import column
from starlette.requests import Request

from openpolicy.api import pagination as p
from openpolicy.api.errors import BadParameter
from openpolicy.config import Settings, get_settings


def sorts() -> p.Sorts:
    """Built in each test that uses it: ``make mutate`` judges a mutated Sorts by the tests that build one."""
    return p.Sorts(
        {
            "name": p.SortKey(column("name"), "str"),
            "day": p.SortKey(column("day"), "date", nullable=True),
            "at": p.SortKey(column("at"), "datetime"),
            "rank": p.SortKey(column("rank"), "int"),
        },
        default="name",
        tiebreak=column("id"),
    )


def forge(order_name: str, values: Any) -> str:
    """A cursor with a valid checksum around any payload: what a client writing cursors by hand could send."""
    payload = orjson.dumps([order_name, values])
    return base64.urlsafe_b64encode(p._checksum(payload) + payload).rstrip(b"=").decode()


def refused(order: str, cursor: str) -> BadParameter:
    with pytest.raises(BadParameter) as info:
        p.decode_cursor(sorts().resolve(order), cursor)
    assert info.value.status == 400 and info.value.extra == {"parameter": "cursor"}
    assert info.value.detail is not None and info.value.detail.startswith("cursor: ")
    return info.value


@pytest.mark.parametrize(
    ("order", "values"),
    [
        ("at", ["2024-05-01T12:00:00", "p1"]),  # a naive datetime: which time zone?
        ("at", [None, "p1"]),  # None for a key that cannot be NULL
        ("name", [None, "p1"]),
        ("name", ["Ann", None]),  # the id is never NULL
        ("rank", [True, "p1"]),  # a bool is not an int
        ("rank", ["3", "p1"]),
        ("rank", ["2024-05-01", "p1"]),  # a date where a number belongs
        ("rank", [3.5, "p1"]),
        ("name", [3, "p1"]),
        ("day", [20240501, "p1"]),
        ("day", ["2024-13-01", "p1"]),
        ("at", ["yesterday", "p1"]),
        ("name", ["Ann"]),  # one value short
        ("name", ["Ann", "p1", "extra"]),
        ("name", {"name": "Ann"}),
        ("name", {"Ann": 0, "p1": 0}),  # an object with as many members as the order has keys
    ],
)
def test_hand_made_cursor_values_of_the_wrong_type_are_refused(order: str, values: Any) -> None:
    assert refused(order, forge(order, values)).detail == "cursor: not a cursor issued by this api (bad content)"


def test_well_typed_hand_made_cursors_are_read() -> None:
    at = dt.datetime(2024, 5, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=-4)))
    assert p.decode_cursor(sorts().resolve("at"), forge("at", [at.isoformat(), "p1"])) == (at, "p1")
    assert p.decode_cursor(sorts().resolve("-day"), forge("-day", [None, "p1"])) == (None, "p1")
    assert p.decode_cursor(sorts().resolve("day"), forge("day", ["2024-05-01", "p1"])) == (dt.date(2024, 5, 1), "p1")
    assert p.decode_cursor(sorts().resolve("rank"), forge("rank", [0, "p1"])) == (0, "p1")


def test_a_cursor_of_another_sort_order_says_which() -> None:
    error = refused("name", forge("-name", ["Ann", "p1"]))
    assert error.detail == "cursor: the cursor was issued for sort='-name', not sort='name'; keep the same sort"


def test_broken_cursors_say_why() -> None:
    for undecodable in ("A", "AAAAA", "é"):
        assert refused("name", undecodable).detail == "cursor: not a cursor issued by this api (bad encoding)"
    assert refused("name", "AAAA").detail == "cursor: not a cursor issued by this api (checksum mismatch)"
    assert refused("name", "").detail == "cursor: not a cursor issued by this api (checksum mismatch)"
    payload = b"not json"
    garbage = base64.urlsafe_b64encode(p._checksum(payload) + payload).decode()
    assert refused("name", garbage).detail == "cursor: not a cursor issued by this api (bad content)"


def test_cursor_length_is_bounded_at_its_limit() -> None:
    order = sorts().resolve("name")
    fits = p.encode_cursor(order, ("x" * 3000, "p1"))
    assert len(fits) <= p.MAX_CURSOR_LENGTH and p.decode_cursor(order, fits) == ("x" * 3000, "p1")
    edge = "A" * p.MAX_CURSOR_LENGTH  # exactly at the limit: decoded (and refused for its content, not its length)
    assert "too long" not in (refused("name", edge).detail or "")
    assert refused("name", edge + "A").detail == (
        "cursor: cursor is too long; use the `next` link of the previous page unchanged"
    )


def test_encoding_refuses_a_date_key_that_is_not_a_date() -> None:
    with pytest.raises(TypeError, match="is not a datetime"):
        p.encode_cursor(sorts().resolve("at"), ("2024-05-01", "p1"))
    assert p.decode_cursor(sorts().resolve("day"), p.encode_cursor(sorts().resolve("day"), (None, "p1"))) == (
        None,
        "p1",
    )


def _request(query: str, path: str = "/v1/people") -> Request:
    class _State:
        settings = Settings(database_url="postgresql://openpolicy@127.0.0.1:5432/unused", page_size_max=50)

    class _App:
        state = _State()

    scope = {"type": "http", "path": path, "query_string": query.encode(), "headers": [], "app": _App()}
    return Request(scope)


def test_a_next_link_has_exactly_one_cursor_and_keeps_every_other_parameter() -> None:
    order = sorts().resolve("-name")
    incoming = p.encode_cursor(order, ("Zed", "p9"))
    request = _request(f"cursor={incoming}&limit=2&party=Green&party=Red&sort=-name&cursor={incoming}")
    link = p.PageRequest(limit=2, after=("Zed", "p9"), order=order, request=request).next_url(("Ann", "p1"))
    parts = urlsplit(link)
    params = parse_qsl(parts.query)
    assert parts.path == "/v1/people"
    assert [v for k, v in params if k == "cursor"] == [p.encode_cursor(order, ("Ann", "p1"))]
    assert [(k, v) for k, v in params if k != "cursor"] == [
        ("limit", "2"),
        ("party", "Green"),
        ("party", "Red"),
        ("sort", "-name"),
    ]
    assert params[-1][0] == "cursor"


def test_the_limit_defaults_to_the_setting_and_is_bounded_by_it() -> None:
    request = _request("")
    assert p.page_limit(request, None) == 20
    assert p.page_limit(request, 1) == 1 and p.page_limit(request, 50) == 50
    for bad in (0, -1, 51):
        with pytest.raises(BadParameter) as info:
            p.page_limit(request, bad)
        assert info.value.detail == f"limit: must be between 1 and 50, got {bad}"


def test_sort_names_are_trimmed_and_default_when_absent() -> None:
    assert sorts().resolve(None).name == "name" and sorts().resolve("").name == "name"
    assert sorts().resolve(" -day ").name == "-day" and sorts().resolve("-day").descending
    assert not sorts().resolve("day").descending
    assert [k.kind for k in sorts().resolve("rank").keys] == ["int", "str"]
    with pytest.raises(BadParameter) as info:
        sorts().resolve("colour")
    assert info.value.extra["allowed"] == ["-at", "at", "-day", "day", "-name", "name", "-rank", "rank"]
    assert info.value.detail == (
        "sort: unknown sort order 'colour'; choose one of: -at, at, -day, day, -name, name, -rank, rank"
    )
    with pytest.raises(ValueError, match="default sort 'size' is not one of"):
        p.Sorts({"name": p.SortKey(column("name"), "str")}, default="size", tiebreak=column("id"))


class _Party(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    party: Annotated[str | None, Query(description="Party.")] = None


def test_a_list_query_documents_its_filters_then_its_page_and_the_sort_orders() -> None:
    query = p.ListQuery(sorts(), _Party)
    parameters = {parameter["name"]: parameter for parameter in query.openapi["parameters"]}
    assert all(parameter["in"] == "query" for parameter in parameters.values())
    assert list(parameters) == ["party", "limit", "cursor", "sort"]  # filters first, then the page
    assert parameters["party"]["description"] == "Party." and parameters["party"]["required"] is False
    assert "default" not in parameters["limit"]["schema"]
    doc = (
        "Sort order: a field name, `-` prefix for descending. One of: -at, at, -day, day, -name, name, -rank, rank."
        " Records without a value for day come last in both directions."
    )
    sort = parameters["sort"]
    assert sort["description"] == sort["schema"]["description"] == doc
    assert sort["schema"]["anyOf"] == [{"type": "string", "enum": list(sorts().choices)}, {"type": "null"}]
    assert sort["schema"]["examples"] == ["name"]
    assert query.openapi["responses"] == {"422": {"description": "Invalid"}}
    assert query.resolves_jurisdiction is False
    plain = p.Sorts({"name": p.SortKey(column("name"), "str")}, default="-name", tiebreak=column("id"))
    plain_sort = next(x for x in p.ListQuery(plain, _Party).openapi["parameters"] if x["name"] == "sort")
    assert plain_sort["description"] == "Sort order: a field name, `-` prefix for descending. One of: -name, name."
    assert plain_sort["schema"]["examples"] == ["-name"]


def test_a_list_query_reads_filters_and_page_in_one_step() -> None:
    query = p.ListQuery(sorts(), _Party)
    cursor = p.encode_cursor(sorts().resolve("-day"), (None, "p1"))
    listing = asyncio.run(query(_request(f"party=Green&limit=3&sort=-day&cursor={cursor}")))
    assert listing.filters.party == "Green" and listing.shape == (("party", "Green"),)
    assert (listing.page.limit, listing.page.order.name, listing.page.after) == (3, "-day", (None, "p1"))
    default = asyncio.run(query(_request("")))
    assert (default.page.limit, default.page.order.name, default.page.after, default.shape) == (20, "name", None, ())


class _Place(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    jurisdiction: Annotated[str | None, Query(description="Jurisdiction.")] = None


def test_a_list_query_resolves_a_jurisdiction_filter_to_its_id(monkeypatch: pytest.MonkeyPatch) -> None:
    import openpolicy.api.queries.jurisdictions as jurisdictions

    asked: list[tuple[Request, str]] = []

    async def resolve(request: Request, value: str) -> str:
        asked.append((request, value))
        return f"ocd-jurisdiction/country:{value.lower()}/legislature"

    monkeypatch.setattr(jurisdictions, "jurisdiction_id", resolve)
    query = p.ListQuery(sorts(), _Place)
    assert query.resolves_jurisdiction is True
    request = _request("jurisdiction=CA")
    listing = asyncio.run(query(request))
    assert listing.filters.jurisdiction == "ocd-jurisdiction/country:ca/legislature"
    assert asked == [(request, "CA")]
    assert asyncio.run(query(_request(""))).filters.jurisdiction is None and len(asked) == 1


def test_every_nullable_sort_field_is_named_in_the_sort_documentation() -> None:
    two = p.Sorts(
        {
            "day": p.SortKey(column("day"), "date", nullable=True),
            "at": p.SortKey(column("at"), "datetime", nullable=True),
        },
        default="day",
        tiebreak=column("id"),
    )
    sort = next(x for x in p.ListQuery(two, _Party).openapi["parameters"] if x["name"] == "sort")
    assert sort["description"].endswith(" Records without a value for day, at come last in both directions.")


def test_without_settings_in_the_app_the_process_settings_bound_the_limit() -> None:
    class _App:
        state = type("State", (), {})()

    request = Request({"type": "http", "path": "/v1/x", "query_string": b"", "headers": [], "app": _App()})
    assert p.request_settings(request) is get_settings()
    assert p.page_limit(request, None) == get_settings().page_size_default


def test_cursors_issued_by_earlier_releases_still_read() -> None:
    """Clients keep next links: a cursor's bytes (payload and keyed checksum) never change between releases."""
    assert p.decode_cursor(sorts().resolve("name"), "RZK_HV8sWyJuYW1lIixbIkFubiIsInAxIl1d") == ("Ann", "p1")
    assert p.decode_cursor(sorts().resolve("-day"), "ewHnBX0VWyItZGF5IixbbnVsbCwicDEiXV0") == (None, "p1")
    assert p.encode_cursor(sorts().resolve("name"), ("Ann", "p1")) == "RZK_HV8sWyJuYW1lIixbIkFubiIsInAxIl1d"


def test_cursors_carry_no_padding_and_read_back_whatever_their_length() -> None:
    order = sorts().resolve("name")
    for size in range(64):
        for text in ("n" * size, "X" * size, "ÿ" * size):
            cursor = p.encode_cursor(order, (text, "pX"))
            assert "=" not in cursor and p.decode_cursor(order, cursor) == (text, "pX")


def test_encoding_refuses_a_date_key_given_text() -> None:
    with pytest.raises(TypeError, match="is not a date"):
        p.encode_cursor(sorts().resolve("day"), ("2024-05-01", "p1"))
