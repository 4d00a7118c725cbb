"""Keyset (cursor) pagination shared by every list endpoint.

A list endpoint declares its whitelisted sort orders once (:class:`Sorts`) and its filters as a model, and takes
both from its :class:`ListQuery` dependency (a :class:`Listing`: the :class:`PageRequest` and the filters);
:func:`fetch_page` (ORM sessions) or :func:`fetch_page_rows` (the document path: statements compiled once per
shape, :class:`StatementCache`) then runs its filtered statement with the keyset condition, ``ORDER BY`` and
``LIMIT limit + 1``; the caller answers the ``{"results", "pagination"}`` envelope.

Why keyset and not offsets: the next page starts strictly after the last row of this one, in the total order
``(sort key..., id)``, so rows inserted or deleted between two requests never make a client skip or repeat
a row, and each page is one index range scan however deep the client has walked.

The cursor is opaque to clients: base64url of a small JSON document (the sort order's name and the last
row's key values) followed by a checksum. A cursor that does not decode, whose checksum does not match, or that
was made for another sort order is rejected with a 400 problem naming ``cursor``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from typing import Annotated, Any, Generic, Literal, TypeVar
from urllib.parse import urlencode

import orjson
from fastapi import Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import Integer, Select, and_, bindparam, func, literal, tuple_
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.elements import BindParameter, ColumnElement, Label, UnaryExpression

from openpolicy.api.errors import BadParameter
from openpolicy.config import Settings, get_settings

KeyKind = Literal["str", "int", "datetime", "date"]
AnySelect = Select[*tuple[Any, ...]]
F = TypeVar("F", bound="BaseModel")
M = TypeVar("M", bound="BaseModel")
SortExpression = ColumnElement[Any] | QueryableAttribute[Any]
_CHECK_BYTES = 6
_CHECK_KEY = b"openpolicy-cursor-v1"
MAX_CURSOR_LENGTH = 8192  # within the 8 KB request line proxies accept; a 500-character name key fits


@dataclass(frozen=True)
class SortKey:
    """One column of a sort order: a SQL expression (indexed together with the id) and its kind.

    ``nullable`` keys put NULLs last in both directions (records without a date come after those with one),
    see :func:`fetch_page`; a B-tree index on ``(key, id)`` serves either direction.
    """

    expression: SortExpression
    kind: KeyKind
    nullable: bool = False


@dataclass(frozen=True)
class SortOrder:
    """A public sort order, e.g. ``-updated_at``: key columns, direction; the resource id breaks ties."""

    name: str
    keys: tuple[SortKey, ...]
    descending: bool

    @cached_property
    def columns(self) -> tuple[list[Label[Any]], list[UnaryExpression[Any]], Label[Any]]:
        """The page statement's parts that depend on the order alone, built once per order (building them took a
        third of a list statement's construction): the labelled key columns (``_sort_key_<i>``), the ``ORDER BY``
        terms, and the row's place in the page (``_n``)."""
        exprs = [k.expression for k in self.keys]
        labelled = [e.label(f"_sort_key_{i}") for i, e in enumerate(exprs)]
        ordering = [e.desc() if self.descending else e.asc() for e in exprs]
        return labelled, ordering, func.row_number().over(order_by=ordering).label("_n")


class Sorts:
    """The whitelist of sort orders of one resource.

    ``fields`` maps a public field name to its key; every field may be requested ascending (``name``) or
    descending (``-name``). ``default`` is the order used when ``sort`` is absent. ``tiebreak`` is the
    resource's unique id column (a string), appended to every order so the order is total.
    """

    def __init__(
        self, fields: dict[str, SortKey], *, default: str, tiebreak: SortExpression, tiebreak_kind: KeyKind = "str"
    ) -> None:
        self.fields = fields
        self.tiebreak = SortKey(tiebreak, tiebreak_kind)
        self.default = default
        self.choices = tuple(sorted([*fields, *(f"-{name}" for name in fields)], key=lambda c: (c.lstrip("-"), c)))
        if default not in self.choices:
            raise ValueError(f"default sort {default!r} is not one of {self.choices}")
        self._orders = {
            name: SortOrder(name=name, keys=(fields[name.lstrip("-")], self.tiebreak), descending=name.startswith("-"))
            for name in self.choices
        }

    def resolve(self, value: str | None) -> SortOrder:
        name = value.strip() if value else self.default
        order = self._orders.get(name)
        if order is None:
            listed = ", ".join(self.choices)
            raise BadParameter("sort", f"unknown sort order {name!r}; choose one of: {listed}", allowed=[*self.choices])
        return order


@dataclass(frozen=True)
class PageRequest:
    """What a list request asked for: page size, the decoded cursor (or None), the sort order and the URL."""

    limit: int
    after: tuple[Any, ...] | None
    order: SortOrder
    request: Request

    def next_url(self, last_key: Sequence[Any]) -> str:
        """Relative URL of the next page: this request's path and every parameter in name order (the answer does not
        depend on the order the client wrote them in: the response cache shares it between those orders), with
        the new cursor."""
        cursor = encode_cursor(self.order, last_key)
        params = sorted((k, v) for k, v in self.request.query_params.multi_items() if k != "cursor")
        params.append(("cursor", cursor))
        # ``request.url.path`` without building the whole URL (6 % of a list request's CPU with the cursor):
        # the scope's path, escaped as Starlette's URL escapes it.
        path = self.request.scope["path"].replace("?", "%3F").replace("#", "%23").replace("\\", "%5C")
        return f"{path}?{urlencode(params)}"


# --- cursor encoding -------------------------------------------------------------------------------------------


def _plain(value: Any, kind: KeyKind) -> Any:
    if value is None:
        return None
    if kind in {"datetime", "date"}:
        if not isinstance(value, date):
            raise TypeError(f"sort key value {value!r} is not a {kind}")
        return value.isoformat()
    return value


def _typed(value: Any, key: SortKey) -> Any:
    kind = key.kind
    if value is None and key.nullable:
        return None
    if kind == "str" and isinstance(value, str):
        return value
    if kind == "int" and isinstance(value, int) and not isinstance(value, bool):
        return value
    if kind == "datetime" and isinstance(value, str):
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError("naive datetime")
        return parsed
    if kind == "date" and isinstance(value, str):
        return date.fromisoformat(value)
    raise ValueError(f"bad {kind} value")


def _checksum(payload: bytes) -> bytes:
    return hashlib.blake2b(payload, digest_size=_CHECK_BYTES, key=_CHECK_KEY).digest()


def encode_cursor(order: SortOrder, key: Sequence[Any]) -> str:
    """The opaque cursor of the row whose sort key is ``key`` (one value per :attr:`SortOrder.keys`)."""
    values = [_plain(v, k.kind) for v, k in zip(key, order.keys, strict=True)]
    payload = orjson.dumps([order.name, values])  # what json.dumps(separators=(",", ":"), ensure_ascii=False) writes
    return base64.urlsafe_b64encode(_checksum(payload) + payload).rstrip(b"=").decode()


def decode_cursor(order: SortOrder, cursor: str) -> tuple[Any, ...]:
    """Decode a cursor made by :func:`encode_cursor` for ``order``; a 400 problem naming ``cursor`` otherwise."""
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise BadParameter("cursor", "cursor is too long; use the `next` link of the previous page unchanged")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError):
        raise BadParameter("cursor", "not a cursor issued by this api (bad encoding)") from None
    check, payload = raw[:_CHECK_BYTES], raw[_CHECK_BYTES:]
    if len(check) != _CHECK_BYTES or check != _checksum(payload):
        raise BadParameter("cursor", "not a cursor issued by this api (checksum mismatch)")
    try:
        name, values = json.loads(payload)
        if name != order.name:
            raise BadParameter(
                "cursor", f"the cursor was issued for sort={name!r}, not sort={order.name!r}; keep the same sort"
            )
        if not isinstance(values, list) or len(values) != len(order.keys):
            raise ValueError("wrong number of values")
        return tuple(_typed(v, k) for v, k in zip(values, order.keys, strict=True))
    except BadParameter:
        raise
    except (ValueError, TypeError):
        raise BadParameter("cursor", "not a cursor issued by this api (bad content)") from None


# --- request parameters ---------------------------------------------------------------------------------------


def request_settings(request: Request) -> Settings:
    """The settings the app was created with (``app.state.settings``), else the process settings."""
    settings = getattr(request.app.state, "settings", None)
    return settings if isinstance(settings, Settings) else get_settings()


class PageParams(BaseModel):
    """The paging parameters every list endpoint takes beside its filters."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    limit: Annotated[
        int | None,
        Query(description="Page size (default 20, at most 200; both set by the server's settings).", examples=[20]),
    ] = None
    cursor: Annotated[
        str | None, Query(description="Opaque position from the `pagination.next` link of the previous page.")
    ] = None
    sort: Annotated[str | None, Query(description="Sort order.")] = None


_PAGE_FIELDS = frozenset(PageParams.model_fields)


@dataclass(frozen=True)
class Listing(Generic[F]):
    """A list request: its page and its filters."""

    page: PageRequest
    filters: F

    @property
    def shape(self) -> tuple[tuple[str, Any], ...]:
        """The filters that are set, with their values (the page's parameters left out): what the page statement
        of the listing depends on."""
        filters: Any = self.filters
        return tuple(
            (name, value)
            for name in type(filters).model_fields
            if name not in _PAGE_FIELDS and (value := getattr(filters, name)) is not None
        )


class ListQuery(Generic[F]):
    """A list endpoint's query string: its ``filters`` (a pydantic model whose fields are declared like FastAPI query
    parameters: ``Annotated[f.OptText, f.text(...)] = None``) and the page (``limit``, ``cursor``, ``sort`` against
    ``sorts``), validated in one step. Use one instance per endpoint, as its dependency and its OpenAPI parameters::

        PEOPLE = ListQuery(SORTS, PeopleFilters)

        @router.get("", openapi_extra=PEOPLE.openapi)
        async def list_people(query: Annotated[Listing[PeopleFilters], Depends(PEOPLE)]) -> Response: ...

    Why not FastAPI's own query parameters: FastAPI re-analyses every declared parameter's type on every request
    (sequence or not, model or not, aliases), and a list endpoint has eight to fifteen of them; a pydantic model
    validates them all in one call. An invalid value is a 422 problem naming each bad parameter
    (``RequestValidationError`` with the ``query`` location; a value outside a closed set is a 400 listing the
    set), and ``/openapi.json`` documents the same parameters with the same schemas; the route
    (``openpolicy.api.strict.StrictRoute``) refuses undeclared and repeated parameters with a 400 first. A
    ``jurisdiction`` filter is resolved to the jurisdiction's id (:mod:`openpolicy.api.queries.jurisdictions`).
    """

    def __init__(self, sorts: Sorts, filters: type[F]) -> None:
        self.sorts = sorts
        self.model: type[BaseModel] = type(f"{filters.__name__}Query", (PageParams, filters), {})  # filters first
        sort_doc = f"Sort order: a field name, `-` prefix for descending. One of: {', '.join(sorts.choices)}."
        nullable = [name for name, key in sorts.fields.items() if key.nullable]
        if nullable:
            sort_doc += f" Records without a value for {', '.join(nullable)} come last in both directions."
        parameters = query_parameters(self.model)
        for parameter in parameters:
            if parameter["name"] == "sort":
                parameter["description"] = parameter["schema"]["description"] = sort_doc
                parameter["schema"]["anyOf"] = [{"type": "string", "enum": list(sorts.choices)}, {"type": "null"}]
                parameter["schema"]["examples"] = [sorts.default]
        # FastAPI documents a 422 for routes with parameters it validates; these are validated here, and raise the
        # same error (``openpolicy.api.errors.document_problems`` describes it as a problem document).
        self.openapi: dict[str, Any] = {"parameters": parameters, "responses": {"422": {"description": "Invalid"}}}
        self.resolves_jurisdiction = "jurisdiction" in self.model.model_fields

    async def __call__(self, request: Request) -> Listing[F]:
        values: Any = parse_query(self.model, request)
        if self.resolves_jurisdiction and values.jurisdiction:
            from openpolicy.api.queries.jurisdictions import jurisdiction_id

            values = values.model_copy(update={"jurisdiction": await jurisdiction_id(request, values.jurisdiction)})
        limit = page_limit(request, values.limit)
        order = self.sorts.resolve(values.sort)
        after = decode_cursor(order, values.cursor) if values.cursor else None
        return Listing(PageRequest(limit=limit, after=after, order=order, request=request), values)


def page_limit(request: Request, limit: int | None) -> int:
    """The ``limit`` a request asked for: ``PAGE_SIZE_DEFAULT`` when absent; a 400 problem naming ``limit`` when
    outside 1..``PAGE_SIZE_MAX``."""
    settings = request_settings(request)
    if limit is None:
        return settings.page_size_default
    if not 1 <= limit <= settings.page_size_max:
        raise BadParameter("limit", f"must be between 1 and {settings.page_size_max}, got {limit}")
    return limit


def parse_query(model: type[M], request: Request) -> M:
    """``request``'s query parameters validated by ``model``; a 422 problem naming every bad parameter."""
    try:
        return model.model_validate(dict(request.query_params))
    except ValidationError as exc:
        errors = [{**error, "loc": ("query", *error["loc"])} for error in exc.errors(include_url=False)]
        raise RequestValidationError(errors) from None


def query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    """OpenAPI ``query`` parameters of ``model``'s fields, as FastAPI writes them for query parameters."""
    schema = model.model_json_schema()
    parameters = []
    for name, field in model.model_fields.items():
        prop = {key: value for key, value in schema["properties"][name].items() if key != "default"}
        parameter: dict[str, Any] = {"in": "query", "name": field.alias or name, "required": field.is_required()}
        if "description" in prop:
            parameter["description"] = prop["description"]
        parameter["schema"] = prop
        parameters.append(parameter)
    return parameters


# --- running a page -----------------------------------------------------------------------------------------------


def _ordered(
    stmt: AnySelect, order: SortOrder, limit: int | BindParameter[int], *, numbered: bool = False
) -> AnySelect:
    labelled, ordering, place = order.columns
    if numbered:  # the row's place in the page, for statements that read the page as a set (documents)
        return stmt.add_columns(*labelled, place).order_by(*ordering).limit(limit)
    return stmt.add_columns(*labelled).order_by(*ordering).limit(limit)


def _beyond(exprs: Sequence[SortExpression], after: Sequence[Any], desc: bool) -> ColumnElement[bool]:
    """``(key..., id)`` strictly after ``after`` in the direction of the order: one B-tree range condition."""
    binds = [v if isinstance(v, BindParameter) else literal(v, type_=e.type) for v, e in zip(after, exprs, strict=True)]
    left, right = tuple_(*exprs), tuple_(*binds)
    beyond = left < right if desc else left > right
    if len(exprs) == 1:
        return beyond
    # The redundant bound on the leading key gives the planner a row estimate it can use (PostgreSQL estimates a
    # row comparison as very selective, then prefers sorting a join over reading the index in order).
    head = exprs[0] <= binds[0] if desc else exprs[0] >= binds[0]
    return and_(head, beyond)


def _page_parts(
    stmt: AnySelect, page: PageRequest, *, numbered: bool = False, want: int | BindParameter[int] | None = None
) -> list[Callable[[], AnySelect]]:
    """The statements of a page, in order, each with the keyset condition, ORDER BY and ``LIMIT limit + 1``; built
    when called (most pages never need their second part).

    One statement, or with a nullable leading key (e.g. a bill's latest action date, NULLs last in both
    directions) two: the rows with a value (one range scan of the ``(key, id)`` index), then the rows without
    one ordered by id (a second range scan of the same index). Each part is a plain index range, never an OR the
    planner would have to filter. The NULL key is selected too, so the cursor can say "in the NULLs".
    """
    keys = page.order.keys
    exprs = [k.expression for k in keys]
    desc = page.order.descending
    if want is None:
        want = page.limit + 1
    after = page.after
    if not keys[0].nullable:
        query = stmt if after is None else stmt.where(_beyond(exprs, after, desc))
        return [lambda: _ordered(query, page.order, want, numbered=numbered)]
    if any(k.nullable for k in keys[1:]):
        raise ValueError("only the leading sort key may be nullable")
    head = exprs[0]

    def valued() -> AnySelect:
        query = stmt.where(head.is_not(None))
        if after is not None:
            query = query.where(_beyond(exprs, after, desc))
        return _ordered(query, page.order, want, numbered=numbered)

    def empty() -> AnySelect:
        query = stmt.where(head.is_(None))
        if after is not None and after[0] is None:
            query = query.where(_beyond(exprs[1:], after[1:], desc))
        return _ordered(query, page.order, want, numbered=numbered)

    return [empty] if after is not None and after[0] is None else [valued, empty]


async def fetch_page(session: AsyncSession, stmt: AnySelect, page: PageRequest) -> tuple[list[Any], str | None]:
    """Run ``stmt`` as one page; return its rows (key columns stripped) and the next page's URL (or None).

    The keyset condition, ORDER BY and LIMIT (one extra row, to know whether a next page exists) are added
    here (:func:`_page_parts`); the key expressions are appended to the selected columns and stripped from the
    rows returned.
    """
    want = page.limit + 1
    rows: list[Any] = []
    for part in _page_parts(stmt, page):
        rows += list((await session.execute(part())).all())
        if len(rows) >= want:
            break
    width = len(page.order.keys)
    next_url = None
    if len(rows) > page.limit:
        rows = rows[: page.limit]
        next_url = page.next_url(tuple(rows[-1])[-width:])
    return [tuple(row)[:-width] for row in rows], next_url


# --- a page on the document path ------------------------------------------------------------------------------

DIALECT = asyncpg_dialect()  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class Compiled:
    """A page statement compiled once (SQLAlchemy's public ``compile``) for asyncpg; :meth:`bind` gives the SQL
    text with ``$n`` parameters and the values of one request, its named placeholders (the cursor's key values,
    the page size) bound through the compiler's public ``construct_params`` and ``construct_expanded_state``
    (which also expands IN lists)."""

    compiled: Any

    @classmethod
    def of(cls, stmt: Any) -> Compiled:
        return cls(stmt.compile(dialect=DIALECT))

    def bind(self, named: dict[str, Any]) -> tuple[str, list[Any]]:
        state = self.compiled.construct_expanded_state(self.compiled.construct_params(params=named))
        processors = state.processors
        values = [
            processors[name](value) if name in processors and value is not None else value
            for name, value in ((name, state.parameters[name]) for name in state.positiontup or ())
        ]
        return state.statement, values


class StatementCache:
    """The most recently used compiled statements by key (a list's shape: endpoint, filters set and their values,
    sort order, cursor form): every page of a listing is compiled once, not on every request."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, Compiled] = OrderedDict()

    def get(self, key: Hashable, build: Callable[[], Any]) -> Compiled:
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = Compiled.of(build())
            if len(self._entries) > self.size:
                self._entries.popitem(last=False)
        else:
            self._entries.move_to_end(key)
        return entry


STATEMENTS = StatementCache()
WANT = "page_want"


def page_statements(
    shape: Hashable,
    build: Callable[[], AnySelect],
    page: PageRequest,
    wrap: Callable[[AnySelect], Any] | None = None,
    bound: dict[str, Any] | None = None,
) -> list[tuple[str, list[Any]]]:
    """The SQL and values of the parts of ``page`` of the statement ``build`` makes (:func:`_page_parts`; ``wrap``
    turns each part into the statement run, e.g. joined to the stored documents). ``shape`` names everything
    ``build`` depends on but the values of its ``bindparam`` placeholders (``bound``); the cursor's values and the
    page size are placeholders bound per request too."""
    after = page.after
    form = None if after is None else tuple(value is None for value in after)
    named: dict[str, Any] = {**(bound or {}), WANT: page.limit + 1}
    placeholders = None
    if after is not None:
        placeholders = tuple(
            None if value is None else bindparam(f"page_after_{i}", type_=key.expression.type)
            for i, (value, key) in enumerate(zip(after, page.order.keys, strict=True))
        )
        named.update({f"page_after_{i}": value for i, value in enumerate(after) if value is not None})
    out = []
    nullable = page.order.keys[0].nullable
    count = 2 if nullable and (after is None or after[0] is not None) else 1  # the parts of _page_parts
    for index in range(count):

        def part(index: int = index) -> Any:
            shape_page = PageRequest(limit=page.limit, after=placeholders, order=page.order, request=page.request)
            stmt = _page_parts(build(), shape_page, numbered=True, want=bindparam(WANT, type_=Integer))[index]()
            return stmt if wrap is None else wrap(stmt)

        out.append(STATEMENTS.get((shape, page.order.name, form, index), part).bind(named))
    return out


async def fetch_page_rows(
    conn: Any,
    shape: Hashable,
    build: Callable[[], AnySelect],
    page: PageRequest,
    wrap: Callable[[AnySelect], Any],
    bound: dict[str, Any] | None = None,
) -> tuple[list[Any], str | None]:
    """One page on an asyncpg connection: its rows (the columns ``wrap`` selects; ``_sort_key_<i>`` among them) and
    the next page's URL (or None)."""
    want = page.limit + 1
    rows: list[Any] = []
    for sql, values in page_statements(shape, build, page, wrap, bound):
        rows += await conn.fetch(sql, *values)
        if len(rows) >= want:
            break
    next_url = None
    if len(rows) > page.limit:
        rows = rows[: page.limit]
        last = rows[-1]
        next_url = page.next_url(tuple(last[f"_sort_key_{i}"] for i in range(len(page.order.keys))))
    return rows, next_url
