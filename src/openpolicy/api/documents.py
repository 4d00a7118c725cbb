"""The document path: answers read from the read model (``documents``), and the statements the api writes as SQL.

People, bills and votes are answered from the stored documents (:mod:`openpolicy.documents`, written by the
imports): a detail GET is one primary-key read of ready bytes; a list is a keyset page of ids (the endpoint's
filters as SQLAlchemy Core, :func:`openpolicy.api.pagination.page_statements`) joined to the stored summaries, in
one statement. A document whose date-dependent facts have changed since it was built (``stale_after`` has come),
or that is missing, is built from the facts by the same builder for this answer (never stored by the api: its
connections are read-only; ``openpolicy documents rebuild --stale`` stores it), so an answer is never stale.

Debates and speeches are not in the read model yet: their documents are still built by PostgreSQL per request
(``json_build_object``, :mod:`openpolicy.api.queries.debates`, with the helpers at the end of this module).
Every statement runs on a connection of the app's asyncpg pool (:class:`openpolicy.api.deps.Database`).
"""

# ruff: noqa: S608 — the statements are composed at import time from constants of this module; every value a
# request supplies is a $n parameter.
from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any

import orjson
from fastapi import Response
from sqlalchemy import and_, func, select

from openpolicy.api.errors import NotFound
from openpolicy.api.pagination import AnySelect, PageRequest, fetch_page_rows
from openpolicy.api.queries.common import check_id
from openpolicy.db.models import Document
from openpolicy.documents.build import build, voting_record
from openpolicy.observability.tracing import db_span

if TYPE_CHECKING:
    from openpolicy.api.deps import Database

_DOCUMENTS = Document.__table__
_PLURAL = {"person": "people", "vote": "votes", "bill": "bills"}  # span names: SELECT people_page …
DETAIL = "SELECT detail, stale_after <= current_date AS stale FROM documents WHERE kind = $1 AND id = $2"


async def detail_response(db: Database, kind: str, ident: str) -> Response:
    """The stored detail document of ``kind`` ``ident`` (built from the facts when stale or missing), or a 404
    problem naming the ``kind``."""
    check_id(kind, ident)
    with db_span(f"{kind}_detail"):
        async with db.connection() as conn:
            row = await conn.fetchrow(DETAIL, kind, ident)
            if row is not None and not row["stale"]:
                body: bytes = row["detail"]
            else:
                built = await build(conn, kind, [ident])
                if not built:
                    raise NotFound(kind, ident)
                body = built[0].detail
    return Response(body, media_type="application/json")


def _with_summaries(kind: str) -> Callable[[AnySelect], Any]:
    """A page part (``id``, …, ``_sort_key_<i>``, ``_n``) joined to the stored summaries of ``kind``, in page order."""

    def wrap(part: AnySelect) -> Any:
        page = part.subquery("page")
        docs = _DOCUMENTS
        keys = [column for column in page.c if column.key.startswith("_sort_key_")]
        return (
            select(page.c.id, docs.c.summary, (docs.c.stale_after <= func.current_date()).label("stale"), *keys)
            .select_from(page.outerjoin(docs, and_(docs.c.kind == kind, docs.c.id == page.c.id)))
            .order_by(page.c._n)
        )

    return wrap


async def list_response(
    db: Database, shape: Hashable, build_page: Callable[[], AnySelect], page: PageRequest, kind: str
) -> Response:
    """A page of the ids ``build_page`` selects (``shape``: everything the statement depends on) with their stored
    summaries, in the ``{"results", "pagination"}`` envelope."""
    with db_span(f"{_PLURAL[kind]}_page"):
        async with db.connection() as conn:
            rows, next_url = await fetch_page_rows(conn, (kind, shape), build_page, page, _with_summaries(kind))
            redo = [row["id"] for row in rows if row["summary"] is None or row["stale"]]
            rebuilt = {b.id: b.summary for b in await build(conn, kind, redo)} if redo else {}
    summaries = [rebuilt[row["id"]] if row["id"] in rebuilt else row["summary"] for row in rows]
    return page_response(b"[" + b",".join(summaries) + b"]", page.limit, next_url)


def _plain_rows(part: AnySelect) -> Any:
    return part


async def voting_record_response(
    db: Database, shape: Hashable, build_page: Callable[[], AnySelect], page: PageRequest, person_id: str
) -> Response:
    """A page of ``person_id``'s ballots (``build_page`` selects vote id and option, the person as
    ``bindparam("person_id")``), or a 404 problem when there is no such person."""
    bound = {"person_id": person_id}
    with db_span("voting_record_page"):
        async with db.connection() as conn:
            rows, next_url = await fetch_page_rows(conn, ("voting record", shape), build_page, page, _plain_rows, bound)
            if not rows and await conn.fetchval("SELECT 1 FROM people WHERE id = $1", person_id) is None:
                raise NotFound("person", person_id)
            results = await voting_record(conn, [(row["id"], row["option"]) for row in rows])
    return page_response(results, page.limit, next_url)


# --- statements written as SQL (search, debates, speeches) -----------------------------------------------------


async def fetch_value(db: Database, name: str, sql: str, *args: Any, custom_plan: bool = False) -> Any:
    """Run one statement on a pooled connection of ``db``; its single value (traced as ``SELECT name``).

    ``custom_plan``: plan it for these values (the api's connections otherwise reuse a generic plan, which for a
    full-text match over a large table is a sequential scan)."""
    with db_span(name):
        async with db.connection() as conn:
            if not custom_plan:
                return await conn.fetchval(sql, *args)
            await conn.execute("SET plan_cache_mode = force_custom_plan")
            try:
                return await conn.fetchval(sql, *args)
            finally:
                await conn.execute("RESET plan_cache_mode")


async def sql_detail_response(db: Database, name: str, sql: str, kind: str, ident: str) -> Response:
    """The document ``sql`` builds for ``ident`` (its ``$1``), or a 404 problem naming the ``kind``."""
    document = await fetch_value(db, name, sql, check_id(kind, ident))
    if not isinstance(document, str):
        raise NotFound(kind, ident)
    return document_response(document)


async def sql_list_response(
    db: Database,
    shape: Hashable,
    build_page: Callable[[], AnySelect],
    page: PageRequest,
    documents: str,
    *extra: Any,
    kind: str = "",
    ident: str = "",
    bound: dict[str, Any] | None = None,
) -> Response:
    """A page of the ids ``build_page`` selects and the ``documents`` PostgreSQL builds for them (a scalar SELECT over
    ``shown(id, _n)``, its own parameters written ``$EXTRA<k>``; ``bound``: values of the page statement's named
    placeholders); a 404 problem naming ``kind``/``ident`` when the documents statement answers NULL (the resource
    the list belongs to does not exist)."""
    with db_span(f"{kind or 'sql'}_page"):
        async with db.connection() as conn:
            rows, next_url = await fetch_page_rows(conn, (documents, shape), build_page, page, _plain_rows, bound)
            results = await conn.fetchval(_shown(documents), [row["id"] for row in rows], *extra)
    if results is None:
        raise NotFound(kind, ident)
    return page_response(results.encode(), page.limit, next_url)


def _shown(documents: str) -> str:
    body = documents
    for k in range(9, 0, -1):  # $EXTRA1 → $2 (the ids are $1)
        body = body.replace(f"$EXTRA{k}", f"${k + 1}")
    return f"WITH shown AS (SELECT * FROM unnest($1::text[]) WITH ORDINALITY AS s(id, _n)) {body}"


def document_response(document: str) -> Response:
    """A 200 ``application/json`` response whose body is ``document`` as PostgreSQL wrote it."""
    return Response(document.encode(), media_type="application/json")


def page_response(results: bytes, limit: int, next_url: str | None) -> Response:
    """The ``{"results": [...], "pagination": {"limit", "next"}}`` envelope around a JSON array of results."""
    pagination = orjson.dumps({"limit": limit, "next": next_url})
    return Response(b'{"results":' + results + b',"pagination":' + pagination + b"}", media_type="application/json")


# --- SQL building blocks of the debates' and speeches' documents -----------------------------------------------


def iso(column: str) -> str:
    """A ``timestamptz`` as Pydantic writes it: UTC, ``Z``, microseconds only when there are some."""
    utc = f"({column} AT TIME ZONE 'UTC')"
    return (
        f"CASE WHEN {column} IS NULL THEN NULL ELSE to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || "
        f"CASE WHEN date_part('microseconds', {column})::int % 1000000 <> 0 THEN to_char({utc}, '.US') ELSE '' END"
        " || 'Z' END"
    )


def _ref(alias: str, *fields: str) -> str:
    """A ``*Ref`` object of the row ``alias`` (a LEFT JOIN): null when there is no such row."""
    pairs = ", ".join(f"'{field}', {alias}.{field}" for field in fields)
    return f"CASE WHEN {alias}.id IS NULL THEN NULL ELSE json_build_object({pairs}) END"


def org_ref(alias: str) -> str:
    return _ref(alias, "id", "name", "classification", "chamber", "abbreviation", "color")


def party_ref(alias: str) -> str:
    return _ref(alias, "id", "name", "abbreviation", "color")


def area_ref(alias: str) -> str:
    return _ref(alias, "id", "name", "classification", "identifier")


def session_ref(alias: str) -> str:
    return _ref(alias, "id", "identifier", "name")


def person_ref(alias: str) -> str:
    return _ref(alias, "id", "name", "image")


def json_list(select_sql: str) -> str:
    """``select_sql`` (one ``json`` column ``doc`` and an ``ORDER BY`` key ``n``) as a JSON array, ``[]`` if empty."""
    return f"(SELECT coalesce(json_agg(doc ORDER BY n), '[]'::json) FROM ({select_sql}) AS items)"


def page_of(fields: str, table: str, alias: str, joins: str = "") -> str:
    """The documents of a page's rows, read from ``shown(id, _n)`` (:func:`sql_list_response`)."""
    return (
        f"SELECT coalesce(json_agg(json_build_object({fields}) ORDER BY u._n), '[]'::json)::text "
        f"FROM shown AS u JOIN {table} {alias} ON {alias}.id = u.id {joins}"
    )
