"""``pagination.Shaped``: a list's statement built and compiled once per shape, each request binding its own values.

The statement of a request must be the one the unshaped path builds for it (same SQL, same values), and a later
request of the same shape must reuse it with its own person, cursor and limit, never another request's."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import asyncpg

from openpolicy.api import documents as docs
from openpolicy.api import pagination as p
from openpolicy.api.routers.bills import SORTS as BILL_SORTS
from openpolicy.api.routers.people import RECORD_SORTS
from openpolicy.db.models import Ballot, Bill, VoteEvent

DIALECT = asyncpg.dialect()  # type: ignore[no-untyped-call]
RECORD = RECORD_SORTS.resolve(None)


def _record(person: str, option: str | None = None) -> p.AnySelect:
    stmt = select(VoteEvent.id, Ballot.option).join(VoteEvent, VoteEvent.id == Ballot.vote_event_id)
    stmt = stmt.where(Ballot.person_id == person)
    return stmt.where(Ballot.option == option) if option else stmt


def _shaped_record(person: str, option: str | None, built: list[str]) -> p.Shaped:
    def build() -> p.AnySelect:
        built.append(person)
        stmt = select(VoteEvent.id, Ballot.option).join(VoteEvent, VoteEvent.id == Ballot.vote_event_id)
        stmt = stmt.where(Ballot.person_id == bindparam("person_id"))
        return stmt.where(Ballot.option == option) if option else stmt

    return p.Shaped(("test record", (("option", option),) if option else ()), build, (("person_id", person),))


def _plain(stmt: p.AnySelect, page: p.PageRequest, documents: str) -> tuple[str, list[object]]:
    return p._with_documents(p._compiled(DIALECT, p._page_parts(stmt, page, numbered=True)[0]()), page, documents)


def test_a_shaped_page_is_the_page_the_statement_gives_and_is_built_once_per_shape() -> None:
    p._SHAPES.clear()
    built: list[str] = []
    pages = [
        ("ocd-person/a", None, p.PageRequest(limit=20, after=None, order=RECORD, request=None)),  # type: ignore[arg-type]
        ("ocd-person/b", None, p.PageRequest(limit=5, after=None, order=RECORD, request=None)),  # type: ignore[arg-type]
        ("ocd-person/c", "yes", p.PageRequest(limit=20, after=None, order=RECORD, request=None)),  # type: ignore[arg-type]
        ("ocd-person/d", "no", p.PageRequest(limit=20, after=None, order=RECORD, request=None)),  # type: ignore[arg-type]
    ]
    cursor = (dt.date(2024, 1, 2), "ocd-vote/y")
    for person, after in (("ocd-person/e", cursor), ("ocd-person/f", (dt.date(2023, 5, 6), "ocd-vote/z"))):
        pages.append((person, None, p.PageRequest(limit=9, after=after, order=RECORD, request=None)))  # type: ignore[arg-type]
    for person, option, page in pages:
        shaped, parts = p._shaped_statement(
            DIALECT, _shaped_record(person, option, built), page, docs.RECORD_PAGE, both=False
        )
        assert parts == 1
        assert shaped == _plain(_record(person, option), page, docs.RECORD_PAGE), (person, option)
        assert person in shaped[1] and page.limit + 1 in shaped[1]
    # one build per shape: no filter (a, b), option=yes (c), option=no (d), no filter with a cursor (e, f)
    assert built == ["ocd-person/a", "ocd-person/c", "ocd-person/d", "ocd-person/e"]


def test_a_nullable_keys_two_parts_bind_the_cursor_of_each_request() -> None:
    """Bills sort by latest action date, NULLs last: a page may need both index ranges (a UNION of two parts)."""
    p._SHAPES.clear()
    order = BILL_SORTS.resolve(None)
    shaped = p.Shaped(("test bills",), lambda: select(Bill.id))
    for after in ((dt.date(2024, 1, 2), "ocd-bill/y"), (dt.date(2020, 3, 4), "ocd-bill/x")):
        page = p.PageRequest(limit=7, after=after, order=order, request=None)  # type: ignore[arg-type]
        (sql, values), parts = p._shaped_statement(DIALECT, shaped, page, docs.BILLS_PAGE, both=True)
        assert parts == 2
        assert values[:3] == [0, after[0], after[1]] and 8 in values
        assert "UNION ALL" in sql
    page = p.PageRequest(limit=7, after=(None, "ocd-bill/z"), order=order, request=None)  # type: ignore[arg-type]
    first, parts = p._shaped_statement(DIALECT, shaped, page, docs.BILLS_PAGE, both=False)
    assert first == _plain(select(Bill.id), page, docs.BILLS_PAGE)  # in the NULLs: one part, by id
    assert parts == 1
