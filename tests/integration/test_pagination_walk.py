"""A listing walked to its end over PostgreSQL, page by page, as a client follows ``next``: every page but the
last is full, the last page has no ``next`` even when it holds exactly ``limit`` rows (a total that is a multiple of
the limit), every ``next`` carries exactly one cursor, and a hand-made cursor with a wrongly typed value is a 400."""

from __future__ import annotations

import base64
import datetime as dt
import math
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import orjson
import pytest
from tests.support import temporary_database
from tests.support.routers import J_CA, S44_1, ApiClient, api_client, assert_problem, ids, insert_records, load_dataset

from openpolicy.api import pagination
from openpolicy.db import models as m


@pytest.fixture(scope="module")
def api() -> Iterator[tuple[ApiClient, str]]:
    with temporary_database("openpolicy_test_page_walk") as url:
        load_dataset(url)
        with api_client(url) as client:
            yield client, url


def _all(client: ApiClient, path: str, sort: str) -> list[str]:
    body = client.get(path, params={"limit": 200, "sort": sort}).json()
    assert body["pagination"]["next"] is None, "the fixture must fit one page of 200"
    return [item["id"] for item in body["results"]]


def _fill_to_multiple(client: ApiClient, url: str, kind: str, multiple: int) -> list[str]:
    """Add rows of ``kind`` until its total is a multiple of ``multiple`` (two at least); return every id in
    ``name`` order (people) or ``-latest_action_date`` order (bills)."""
    path, sort = ("/v1/people", "name") if kind == "people" else ("/v1/bills", "-latest_action_date")
    total = len(_all(client, path, sort))
    records: list[object] = []
    for i in range(total, max(2 * multiple, total + (-total % multiple))):
        if kind == "people":
            records.append(m.Person(id=f"ocd-person/walk-{i:03d}", name=f"Walk {i:03d}", sort_name=f"Walk {i:03d}"))
        else:
            day = None if i % 3 == 0 else dt.date(2021, 1, 1) + dt.timedelta(days=i // 2)  # ties and NULLs
            records.append(
                m.Bill(
                    id=f"ocd-bill/walk-{i:03d}",
                    identifier=f"C-{9000 + i}",
                    title=f"Walk bill {i}",
                    session_id=S44_1,
                    jurisdiction_id=J_CA,
                    latest_action_date=day,
                )
            )
    client.run(insert_records(url, records))
    every = _all(client, path, sort)
    assert len(every) % multiple == 0
    return every


def _walk(client: ApiClient, path: str, sort: str, limit: int) -> tuple[list[str], int]:
    seen: list[str] = []
    pages = 0
    url: str | None = f"{path}?limit={limit}&sort={sort}"
    while url:
        body = client.get(url).json()
        pages += 1
        rows = [item["id"] for item in body["results"]]
        seen += rows
        url = body["pagination"]["next"]
        assert body["pagination"]["limit"] == limit
        if url is not None:
            assert len(rows) == limit, f"page {pages} is short but has a next link"
            query = parse_qs(urlsplit(url).query)
            assert len(query["cursor"]) == 1, url
            assert query["limit"] == [str(limit)] and query["sort"] == [sort]
            assert urlsplit(url).path == path
        assert pages <= 500, "the walk does not end"
    return seen, pages


@pytest.mark.parametrize(("kind", "sort"), [("people", "name"), ("people", "-name"), ("bills", "-latest_action_date")])
def test_a_walk_ends_on_a_full_last_page_without_next(api: tuple[ApiClient, str], kind: str, sort: str) -> None:
    client, url = api
    path = f"/v1/{kind}"
    _fill_to_multiple(client, url, kind, 12)
    every = _all(client, path, sort)
    total = len(every)
    assert total % 12 == 0 and total >= 24
    for limit in (1, 3, 4, 5, 12, total):
        seen, pages = _walk(client, path, sort, limit)
        assert seen == every, limit
        assert pages == math.ceil(total / limit), (limit, total, pages)


def test_a_page_holding_the_whole_listing_has_no_next(api: tuple[ApiClient, str]) -> None:
    client, _ = api
    every = _all(client, "/v1/people", "name")
    exact = client.get("/v1/people", params={"limit": len(every), "sort": "name"}).json()
    assert ids_of(exact) == every and exact["pagination"]["next"] is None
    short = client.get("/v1/people", params={"limit": len(every) - 1, "sort": "name"}).json()
    assert ids_of(short) == every[:-1] and short["pagination"]["next"] is not None
    rest = client.get(short["pagination"]["next"])
    assert ids(rest) == every[-1:] and rest.json()["pagination"]["next"] is None


def ids_of(body: dict[str, object]) -> list[str]:
    return [item["id"] for item in body["results"]]  # type: ignore[attr-defined]


def _forge(order: str, values: object) -> str:
    payload = orjson.dumps([order, values])
    return base64.urlsafe_b64encode(pagination._checksum(payload) + payload).rstrip(b"=").decode()


@pytest.mark.parametrize(
    ("path", "order", "values"),
    [
        ("/v1/people", "-updated_at", ["2024-05-01T12:00:00", "ocd-person/x"]),  # naive datetime
        ("/v1/people", "name", [None, "ocd-person/x"]),  # None for a key that cannot be NULL
        ("/v1/people", "name", ["Ann", True]),  # a bool for a text id
    ],
)
def test_hand_made_cursors_with_wrongly_typed_values_are_a_400(
    api: tuple[ApiClient, str], path: str, order: str, values: object
) -> None:
    client, _ = api
    response = client.get(path, params={"sort": order, "cursor": _forge(order, values)})
    body = assert_problem(response, 400, "cursor")
    assert body["detail"] == "cursor: not a cursor issued by this api (bad content)"
