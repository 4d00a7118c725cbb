"""Cursor encoding of the shared keyset pagination (no database needed)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import column

from openpolicy.api.errors import BadParameter
from openpolicy.api.pagination import SortKey, Sorts, decode_cursor, encode_cursor


def sorts() -> Sorts:
    """Built in each test that uses it: ``make mutate`` judges a mutated Sorts by the tests that build one."""
    return Sorts(
        {
            "name": SortKey(column("name"), "str"),
            "day": SortKey(column("day"), "date", nullable=True),
            "at": SortKey(column("at"), "datetime"),
        },
        default="name",
        tiebreak=column("id"),
    )


@given(name=st.text(max_size=500), ident=st.text(max_size=300))
def test_round_trip_text(name: str, ident: str) -> None:
    order = sorts().resolve("-name")
    assert decode_cursor(order, encode_cursor(order, (name, ident))) == (name, ident)


@given(day=st.none() | st.dates(), ident=st.text(max_size=20))
def test_round_trip_nullable_date(day: dt.date | None, ident: str) -> None:
    order = sorts().resolve("day")
    assert decode_cursor(order, encode_cursor(order, (day, ident))) == (day, ident)


def test_round_trip_datetime_keeps_offset() -> None:
    order = sorts().resolve("-at")
    at = dt.datetime(2024, 5, 1, 12, 30, 15, 123456, tzinfo=dt.timezone(dt.timedelta(hours=-4)))
    assert decode_cursor(order, encode_cursor(order, (at, "x"))) == (at, "x")


@given(cursor=st.text(max_size=100))
def test_arbitrary_text_is_refused_naming_cursor(cursor: str) -> None:
    order = sorts().resolve("name")
    with pytest.raises(BadParameter) as info:
        decode_cursor(order, cursor)
    assert info.value.extra["parameter"] == "cursor"


def test_every_single_bit_flip_is_detected() -> None:
    import base64

    order = sorts().resolve("name")
    cursor = encode_cursor(order, ("Doe, Jane", "ocd-person/1"))
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    for i in range(len(raw) * 8):
        flipped = bytearray(raw)
        flipped[i // 8] ^= 1 << (i % 8)
        bad = base64.urlsafe_b64encode(bytes(flipped)).rstrip(b"=").decode()
        with pytest.raises(BadParameter):
            decode_cursor(order, bad)


@pytest.mark.parametrize("other", ["-name", "day", "at"])
def test_cursor_is_bound_to_its_sort_order(other: str) -> None:
    cursor = encode_cursor(sorts().resolve("name"), ("a", "b"))
    with pytest.raises(BadParameter, match="sort"):
        decode_cursor(sorts().resolve(other), cursor)


@pytest.mark.parametrize("value", ["nope", "--name", "name ", "NAME", "id"])
def test_unknown_sort_is_refused(value: str) -> None:
    if value.strip() == "name":
        assert sorts().resolve(value).name == "name"
        return
    with pytest.raises(BadParameter) as info:
        sorts().resolve(value)
    assert info.value.extra["parameter"] == "sort"


def test_choices_list_both_directions() -> None:
    assert sorts().choices == ("-at", "at", "-day", "day", "-name", "name")
    with pytest.raises(ValueError):
        Sorts({"a": SortKey(column("a"), "str")}, default="b", tiebreak=column("id"))


@given(name=st.text(max_size=40), ident=st.text(max_size=40))
def test_the_cursor_payload_is_the_one_earlier_releases_wrote(name: str, ident: str) -> None:
    """The payload is serialised with orjson; a cursor handed out before (``json.dumps`` compact, non-ASCII kept)
    must stay valid, so both must write the same bytes."""
    import base64
    import json

    try:
        expected = json.dumps(["name", [name, ident]], separators=(",", ":"), ensure_ascii=False).encode()
    except UnicodeEncodeError:  # a lone surrogate: neither can write it
        return
    raw = base64.urlsafe_b64decode(encode_cursor(sorts().resolve("name"), (name, ident)) + "==")
    assert raw[6:] == expected


@pytest.mark.parametrize("path", ["/v1/people", "/v1/people/ocd-person/a b?c#d\\e/votes", "/api/v1/bills/é"])
def test_the_next_link_path_is_the_request_urls(path: str) -> None:
    from starlette.requests import Request

    from openpolicy.api.pagination import PageRequest

    scope = {"type": "http", "path": path, "query_string": b"limit=5&sort=name", "headers": [(b"host", b"h")]}
    request = Request(scope)
    link = PageRequest(limit=5, after=None, order=sorts().resolve("name"), request=request).next_url(("n", "i"))
    assert link.startswith(request.url.path + "?limit=5&sort=name&cursor=")
