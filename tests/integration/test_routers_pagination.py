"""Keyset pagination: every row exactly once under concurrent inserts, cursors, limits, sort orders, next links."""

from __future__ import annotations

import base64
import datetime as dt
import itertools
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from tests.support import temporary_database
from tests.support.routers import (
    BILLS,
    C21,
    J_CA,
    PEOPLE,
    S44_1,
    ApiClient,
    api_client,
    assert_problem,
    ids,
    insert_records,
    load_dataset,
)

from openpolicy.db import models as m


class Api:
    def __init__(self, client: ApiClient, url: str) -> None:
        self.client = client
        self.url = url
        self.counter = itertools.count()

    def insert(self, records: list[Any]) -> None:
        self.client.run(insert_records(self.url, records))

    def people(self, *names: str) -> list[str]:
        """Insert people with these sort names; return their ids."""
        made = []
        for name in names:
            pid = f"ocd-person/extra-{next(self.counter):04d}"
            made.append(m.Person(id=pid, name=name, sort_name=name))
        self.insert(made)
        return [p.id for p in made]

    def bills(self, *dates: dt.date | None) -> list[str]:
        made = []
        for day in dates:
            n = next(self.counter)
            made.append(
                m.Bill(
                    id=f"ocd-bill/extra-{n:04d}",
                    identifier=f"C-{1000 + n}",
                    title=f"Extra bill {n}",
                    session_id=S44_1,
                    jurisdiction_id=J_CA,
                    latest_action_date=day,
                )
            )
        self.insert(made)
        return [b.id for b in made]


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    with temporary_database("openpolicy_test_routers_page") as url:
        load_dataset(url)
        with api_client(url) as client:
            helper = Api(client, url)
            helper.people(*(f"Person {i:03d}" for i in range(40)))
            day = dt.date(2020, 1, 1)
            helper.bills(*[day + dt.timedelta(days=i // 2) if i % 5 else None for i in range(30)])
            yield helper


def walk(api: Api, url: str, between: Any = None) -> list[str]:
    """Follow next links from ``url``; call ``between(page_number, last_id)`` after each of the first pages."""
    seen: list[str] = []
    pages = 0
    while url:
        response = api.client.get(url)
        seen += ids(response)
        url = response.json()["pagination"]["next"]
        pages += 1
        assert pages < 500, "pagination does not terminate"
        if between and url and pages <= 6:  # writes during the first pages; the walk must still converge
            between(pages, seen[-1])
    return seen


@pytest.mark.parametrize("sort", ["name", "-name", "updated_at", "-updated_at"])
def test_walk_every_person_once_under_concurrent_inserts(api: Api, sort: str) -> None:
    before = walk(api, f"/v1/people?limit=200&sort={sort}")
    assert len(before) >= 48 and set(PEOPLE) <= set(before)
    inserted: list[str] = []

    def insert_around_cursor(page: int, _last: str) -> None:
        # Rows that sort before the cursor, after it, and equal to existing names (tie broken by id).
        inserted.extend(api.people(f"AAA {sort} {page}", f"Person 0{page:02d}", f"zzz {sort} {page}"))

    seen = walk(api, f"/v1/people?limit=7&sort={sort}", insert_around_cursor)
    assert len(seen) == len(set(seen)), "a row was repeated"
    assert set(before) <= set(seen), f"rows skipped: {set(before) - set(seen)}"
    assert set(seen) <= set(before) | set(inserted)
    # The walk kept the order it promised.
    final = walk(api, f"/v1/people?limit=200&sort={sort}")
    assert [pid for pid in final if pid in set(seen)] == seen


@pytest.mark.parametrize("sort", ["-latest_action_date", "latest_action_date", "introduced_date"])
def test_walk_bills_with_null_sort_keys(api: Api, sort: str) -> None:
    before = walk(api, f"/v1/bills?limit=200&sort={sort}")
    assert set(BILLS) <= set(before)
    inserted: list[str] = []

    def insert(page: int, _last: str) -> None:
        inserted.extend(api.bills(None, dt.date(2020, 1, 1) + dt.timedelta(days=page), dt.date(2030, 1, 1)))

    for limit in (1, 3, 4):
        seen = walk(api, f"/v1/bills?limit={limit}&sort={sort}", insert if limit == 3 else None)
        assert len(seen) == len(set(seen)), limit
        assert set(before) <= set(seen), (limit, len(before), len(seen), sorted(set(before) - set(seen))[:5])
        assert set(seen) <= set(before) | set(inserted), limit
        if limit != 3:
            assert seen == before  # no concurrent writes: the same order whatever the page size
        before = walk(api, f"/v1/bills?limit=200&sort={sort}")


def test_next_link_keeps_filters(api: Api) -> None:
    params = {"limit": 2, "current": "false", "q": "person 01", "sort": "-name"}
    body = api.client.get("/v1/people", params=params).json()
    assert body["pagination"]["limit"] == 2
    link = urlsplit(body["pagination"]["next"])
    assert link.path == "/v1/people"
    query = parse_qs(link.query)
    assert query["limit"] == ["2"] and query["current"] == ["false"] and query["q"] == ["person 01"]
    assert query["sort"] == ["-name"] and len(query["cursor"]) == 1
    # Every page keeps the filters: only people without a seat named "Person 01x", newest name first.
    names = [p["name"] for p in body["results"]]
    url = body["pagination"]["next"]
    while url:
        page = api.client.get(url).json()
        names += [p["name"] for p in page["results"]]
        url = page["pagination"]["next"]
    assert names == [f"Person {i:03d}" for i in range(19, 9, -1)]
    last = api.client.get("/v1/people", params={"limit": 200, "q": "Person 03"})
    assert len(last.json()["results"]) == 10 and last.json()["pagination"]["next"] is None


def test_cursor_tampering_is_a_400_naming_cursor(api: Api) -> None:
    first = api.client.get("/v1/people", params={"limit": 3}).json()
    cursor = parse_qs(urlsplit(first["pagination"]["next"]).query)["cursor"][0]
    raw = bytearray(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    raw[-3] ^= 0x01  # one bit of the payload
    tampered = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    assert_problem(api.client.get("/v1/people", params={"cursor": tampered}), 400, "cursor")
    for bad in ["x", "!!!", "AAAA", cursor[:-2], cursor + "A", "é", "a" * 5000]:
        assert_problem(api.client.get("/v1/people", params={"cursor": bad}), 400, "cursor")
    # A cursor issued for another sort order, or another resource, is refused too.
    assert_problem(api.client.get("/v1/people", params={"cursor": cursor, "sort": "-updated_at"}), 400, "cursor")
    assert_problem(api.client.get("/v1/bills", params={"cursor": cursor}), 400, "cursor")
    assert api.client.get("/v1/people", params={"cursor": cursor}).status_code == 200


@pytest.mark.parametrize("path", ["/v1/people", "/v1/bills", "/v1/votes", "/v1/areas", f"/v1/people/{PEOPLE[0]}/votes"])
def test_limit_bounds(api: Api, path: str) -> None:
    for bad in ["0", "-1", "201", "1000000000000000000000"]:
        assert_problem(api.client.get(path, params={"limit": bad}), 400, "limit")
    assert_problem(api.client.get(path, params={"limit": "ten"}), 422, "limit")
    assert api.client.get(path, params={"limit": "200"}).json()["pagination"]["limit"] == 200
    assert api.client.get(path, params={"limit": "1"}).json()["pagination"]["limit"] == 1
    assert api.client.get(path).json()["pagination"]["limit"] == 20  # Settings.page_size_default


def test_limit_follows_settings(api: Api) -> None:
    with api_client(api.url, page_size_default=3, page_size_max=5) as small:
        assert len(ids(small.get("/v1/people"))) == 3
        assert_problem(small.get("/v1/people", params={"limit": 6}), 400, "limit")


def test_sort_whitelist(api: Api) -> None:
    body = assert_problem(api.client.get("/v1/people", params={"sort": "password"}), 400, "sort")
    assert "-updated_at" in body["detail"]
    assert_problem(api.client.get("/v1/bills", params={"sort": "name"}), 400, "sort")
    ascending = ids(api.client.get("/v1/people", params={"limit": 200, "sort": "name"}))
    assert ids(api.client.get("/v1/people", params={"limit": 200, "sort": "-name"})) == ascending[::-1]
    votes = api.client.get("/v1/votes", params={"sort": "date"}).json()["results"]
    assert [v["date"] for v in votes] == sorted(v["date"] for v in votes)
    assert C21 in ids(api.client.get("/v1/bills", params={"limit": 200, "sort": "-updated_at"}))
