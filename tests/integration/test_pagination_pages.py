"""Pages of a listing read from PostgreSQL through api/pagination.py, on both paths (an ORM session: fetch_page; the
document path's compiled statements on an asyncpg connection: fetch_page_rows): a listing walked to its end in
every sort order and page size gives every row once, in order, with NULL keys last in both directions; a page
has a ``next`` link exactly when rows remain (none after a last page holding exactly ``limit`` rows), and that link
carries exactly one cursor.

One connection to the server's maintenance database and a temporary table, no migrated database: ``make mutate``
runs these once per mutant of pagination.py.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import math
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import asyncpg
import pytest
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Column, Date, Integer, MetaData, Table, Text, bindparam, literal, select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from starlette.requests import Request
from tests.support import PG_ADMIN_URL

from openpolicy.api import pagination as p
from openpolicy.config import Settings

THINGS = Table(
    "pagination_things",
    MetaData(),
    Column("id", Text, primary_key=True),
    Column("name", Text),
    Column("day", Date),
    Column("rank", Integer),
)
# (id, name, day, rank): names and days repeat (the id breaks ties), three days are NULL.
ROWS = [
    ("p1", "Ann", dt.date(2024, 3, 1), 3),
    ("p2", "Bob", None, 1),
    ("p3", "Ann", dt.date(2024, 1, 5), 2),
    ("p4", "Cy", dt.date(2024, 3, 1), 5),
    ("p5", "Bob", None, 4),
    ("p6", "Dee", dt.date(2023, 12, 31), 2),
    ("p7", "Ann", None, 7),
    ("p8", "Eve", dt.date(2024, 2, 2), 6),
]


def sorts() -> p.Sorts:
    """Built in each test that uses it: ``make mutate`` judges a mutated Sorts by the tests that build one."""
    return p.Sorts(
        {
            "name": p.SortKey(THINGS.c.name, "str"),
            "day": p.SortKey(THINGS.c.day, "date", nullable=True),
            "rank": p.SortKey(THINGS.c.rank, "int"),
        },
        default="name",
        tiebreak=THINGS.c.id,
    )


class NoFilters(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def list_query() -> p.ListQuery[NoFilters]:
    return p.ListQuery(sorts(), NoFilters)


SETTINGS = Settings(database_url="postgresql://openpolicy@127.0.0.1:5432/unused", page_size_max=50)


def expected(order: str, rows: list[tuple[Any, ...]] = ROWS) -> list[str]:
    """The ids in ``order`` computed in Python: key then id, both reversed for ``-``; NULL keys last either way."""
    field = order.lstrip("-")
    index = {"name": 1, "day": 2, "rank": 3}[field]
    descending = order.startswith("-")
    valued = sorted((r for r in rows if r[index] is not None), key=lambda r: (r[index], r[0]), reverse=descending)
    empty = sorted((r for r in rows if r[index] is None), key=lambda r: r[0], reverse=descending)
    return [r[0] for r in valued + empty]


@pytest.fixture(autouse=True)
def _fresh_statements(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test compiles its own page statements (``make mutate`` forks from a process whose cache is full)."""
    monkeypatch.setattr(p, "STATEMENTS", p.StatementCache())


def _request(query: str) -> Request:
    class _State:
        settings = SETTINGS

    class _App:
        state = _State()

    scope = {"type": "http", "path": "/v1/things", "query_string": query.encode(), "headers": [], "app": _App()}
    return Request(scope)


Fetch = Callable[[p.PageRequest], Awaitable[tuple[list[str], str | None]]]


async def walk(fetch: Fetch, order: str, limit: int) -> list[list[str]]:
    """Every page of the listing, following ``next`` links as a client does; checks each link on the way."""
    pages: list[list[str]] = []
    query = f"limit={limit}&sort={order}"
    listing_query = list_query()
    while True:
        listing = await listing_query(_request(query))
        ids, link = await fetch(listing.page)
        pages.append(ids)
        if link is None:
            return pages
        parts = urlsplit(link)
        params = parse_qsl(parts.query)
        assert parts.path == "/v1/things"
        assert [k for k, _ in params] == ["limit", "sort", "cursor"], link  # one cursor, the others kept
        assert dict(params)["limit"] == str(limit) and dict(params)["sort"] == order
        assert len(pages) <= len(ROWS), "the listing does not end"
        query = parts.query


async def _with_rows(fn: Callable[[asyncpg.Connection], Awaitable[None]]) -> None:
    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await conn.execute("CREATE TEMP TABLE pagination_things (id text PRIMARY KEY, name text, day date, rank int)")
        await conn.executemany("INSERT INTO pagination_things VALUES ($1, $2, $3, $4)", ROWS)
        await fn(conn)
    finally:
        await conn.close()


ORDERS = ["name", "-name", "day", "-day", "rank", "-rank"]
LIMITS = [1, 2, 3, 4, 7, 8, 9]  # 2, 4 and 8 divide the 8 rows: a last page holding exactly `limit` rows


def _check(pages: list[list[str]], order: str, limit: int) -> None:
    assert [i for page in pages for i in page] == expected(order), pages
    assert len(pages) == math.ceil(len(ROWS) / limit)
    assert all(len(page) == limit for page in pages[:-1]) and 1 <= len(pages[-1]) <= limit


class Reads:
    """Stands in for the connection or session: counts the rows each statement of a page read."""

    def __init__(self, target: Any) -> None:
        self.target = target
        self.counts: list[int] = []

    async def fetch(self, sql: str, *values: Any) -> list[Any]:
        rows = await self.target.fetch(sql, *values)
        assert [row["_n"] for row in rows] == list(range(1, len(rows) + 1))  # each row's place in its part
        self.counts.append(len(rows))
        return list(rows)

    async def execute(self, stmt: Any) -> Any:
        rows = (await self.target.execute(stmt)).all()
        self.counts.append(len(rows))
        return type("Result", (), {"all": lambda _self: rows})()

    def page_done(self, limit: int) -> None:
        """A page reads at most ``limit + 1`` rows, and a second statement only when the first gave fewer."""
        assert self.counts and all(count <= limit + 1 for count in self.counts), self.counts
        assert all(sum(self.counts[: i + 1]) < limit + 1 for i in range(len(self.counts) - 1)), self.counts
        self.counts = []


def _marked(stmt: Any) -> Any:
    """The document path's wrap: what a page statement becomes before it runs (here: one more column)."""
    return stmt.add_columns(literal("wrapped").label("marker"))


def test_the_document_path_walks_every_order_to_its_end() -> None:
    async def run(conn: asyncpg.Connection) -> None:
        reads = Reads(conn)

        async def fetch(page: p.PageRequest) -> tuple[list[str], str | None]:
            rows, link = await p.fetch_page_rows(reads, ("things",), lambda: select(THINGS.c.id), page, _marked)
            reads.page_done(page.limit)
            assert all(row["marker"] == "wrapped" for row in rows)
            return [row["id"] for row in rows], link

        for order in ORDERS:
            for limit in LIMITS:
                _check(await walk(fetch, order, limit), order, limit)

    asyncio.run(_with_rows(run))


def test_the_orm_path_walks_every_order_to_its_end() -> None:
    async def run() -> None:
        engine = create_async_engine(PG_ADMIN_URL.replace("postgresql://", "postgresql+asyncpg://", 1))
        try:
            async with engine.connect() as sa_conn:
                await sa_conn.exec_driver_sql(
                    "CREATE TEMP TABLE pagination_things (id text PRIMARY KEY, name text, day date, rank int)"
                )
                await sa_conn.execute(
                    THINGS.insert(), [dict(zip(("id", "name", "day", "rank"), row, strict=True)) for row in ROWS]
                )
                reads = Reads(AsyncSession(bind=sa_conn))

                async def fetch(page: p.PageRequest) -> tuple[list[str], str | None]:
                    rows, link = await p.fetch_page(reads, select(THINGS.c.id), page)  # type: ignore[arg-type]
                    reads.page_done(page.limit)
                    assert all(len(row) == 1 for row in rows)  # the key columns are stripped
                    return [row[0] for row in rows], link

                for order in ORDERS:
                    for limit in LIMITS:
                        _check(await walk(fetch, order, limit), order, limit)
        finally:
            await engine.dispose()

    asyncio.run(run())


def test_placeholders_of_the_listing_are_bound_per_request() -> None:
    """The same compiled page answers other filter values and IN lists (bound per request, not compiled in)."""

    def build() -> Any:
        return select(THINGS.c.id).where(
            THINGS.c.rank >= bindparam("min_rank", type_=Integer), THINGS.c.id.in_(bindparam("ids", expanding=True))
        )

    async def run(conn: asyncpg.Connection) -> None:
        # another listing's page first, of the same order and cursor form: the cache tells them apart by shape
        unfiltered = (await list_query()(_request("limit=2&sort=-day"))).page
        rows, _ = await p.fetch_page_rows(conn, ("things",), lambda: select(THINGS.c.id), unfiltered, lambda s: s)
        assert [row["id"] for row in rows] == expected("-day")[:2]
        for min_rank, ids in ((2, ["p1", "p2", "p3", "p6", "p7"]), (5, ["p4", "p7", "p8"]), (1, ["p2"])):
            kept = [r for r in ROWS if r[3] >= min_rank and r[0] in ids]
            listing_query = list_query()
            listing = await listing_query(_request("limit=2&sort=-day"))
            got: list[str] = []
            page: p.PageRequest | None = listing.page
            while page is not None:
                rows, link = await p.fetch_page_rows(
                    conn, ("filtered",), build, page, lambda s: s, {"min_rank": min_rank, "ids": ids}
                )
                got += [row["id"] for row in rows]
                page = (await listing_query(_request(urlsplit(link).query))).page if link else None
            assert got == expected("-day", kept)

    asyncio.run(_with_rows(run))


def test_the_statement_cache_keeps_the_most_recently_used() -> None:
    cache = p.StatementCache(size=2)
    built: list[str] = []

    def build(name: str) -> Callable[[], Any]:
        def make() -> Any:
            built.append(name)
            return select(THINGS.c.id).where(THINGS.c.name == name)

        return make

    a = cache.get("a", build("a"))
    assert cache.get("a", build("a")) is a and built == ["a"]
    cache.get("b", build("b"))
    cache.get("a", build("a"))  # a is now the most recent
    cache.get("c", build("c"))  # evicts b
    assert built == ["a", "b", "c"]
    assert cache.get("a", build("a")) is a and built == ["a", "b", "c"]
    cache.get("b", build("b"))
    assert built == ["a", "b", "c", "b"]
    sql, values = a.bind({"name_1": "Ann"})
    assert values == ["Ann"] and "$1" in sql
