"""Problem details (api/errors.py) through HTTP on a small app with the api's error handlers: what a client reads.

The real api's problems (with the database, and without it) are in tests/integration/test_problem_details.py.
"""

from __future__ import annotations

import asyncio
import functools
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

import httpx
import pytest
from asyncpg import exceptions as pg
from fastapi import APIRouter, Body, Cookie, FastAPI, Header, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict
from sqlalchemy import exc as sa
from starlette.responses import Response

import openpolicy.api.errors
from openpolicy.api.errors import (
    BAD_QUERY,
    PROBLEM_MEDIA_TYPE,
    V1_PROBLEMS,
    BadParameter,
    DatabaseUnavailable,
    NotFound,
    ProblemError,
    asyncpg_connection_lost,
    document_problems,
    install_error_handlers,
    problem_response,
)
from openpolicy.api.strict import StrictRoute
from openpolicy.config import Settings


class Inner(BaseModel):
    size: int


class Payload(BaseModel):
    inner: Inner


class Filters(BaseModel):
    """A query model that names every parameter it takes (as the api's filters do)."""

    model_config = ConfigDict(extra="forbid")
    party: str | None = None


# Raised by GET /raise/{name}: what the database layer and the driver raise when the database cannot answer (503)
# and when the statement itself is wrong (500).
_UNAVAILABLE: dict[str, BaseException] = {
    "sqlalchemy-operational": sa.OperationalError("SELECT 1", None, ConnectionRefusedError("refused")),
    "sqlalchemy-interface": sa.InterfaceError("SELECT 1", None, Exception("connection is closed")),
    "pool-timeout": sa.TimeoutError("QueuePool limit of size 5 overflow 0 reached"),
    "connection-reset": ConnectionResetError("reset by peer"),
    "timeout": TimeoutError(),
    "database-unavailable": DatabaseUnavailable("no route to the database"),
    "pg-connection": pg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
    "pg-interface": pg.InterfaceError("cannot perform operation: another operation is in progress"),
    "pg-shutdown": pg.AdminShutdownError("terminating connection due to administrator command"),
    "pg-cancelled": pg.QueryCanceledError("canceling statement due to statement timeout"),
    "pg-too-many": pg.TooManyConnectionsError("sorry, too many clients already"),
    "driver-too-many": sa.DBAPIError("SELECT 1", None, pg.TooManyConnectionsError("too many connections for role")),
    "driver-shutdown": sa.DBAPIError("SELECT 1", None, pg.AdminShutdownError("terminating connection")),
    "driver-lost": sa.DBAPIError("SELECT 1", None, pg.ConnectionDoesNotExistError("connection was closed")),
    "driver-interface": sa.DBAPIError("SELECT 1", None, pg.InterfaceError("connection is closed")),
}
_FAILED: dict[str, BaseException] = {
    "driver-bad-sql": sa.DBAPIError("SELECT x", None, pg.UndefinedColumnError('column "x" does not exist')),
    "driver-no-original": sa.DBAPIError("SELECT 1", None, ValueError("bad value")),
    "disk": OSError(28, "No space left on device"),
}


def _wrapped_too_many() -> sa.DBAPIError:
    """The shape SQLAlchemy's asyncpg adapter gives "too many connections" when its pool connects: the original
    error is the adapter's own, caused by asyncpg's."""

    class AdaptedError(Exception):
        pass

    adapted = AdaptedError("too many connections for role")
    adapted.__cause__ = pg.TooManyConnectionsError("too many connections for role")
    return sa.DBAPIError("connect", None, adapted)


_UNAVAILABLE["driver-wrapped-too-many"] = _wrapped_too_many()


class _Recorder:
    """Stands in for the module's logger: every call as (level, event, fields)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    def warning(self, event: str, **fields: Any) -> None:
        self.calls.append(("warning", event, fields))

    def error(self, event: str, **fields: Any) -> None:
        self.calls.append(("error", event, fields))


@pytest.fixture(autouse=True)
def logged(monkeypatch: pytest.MonkeyPatch) -> _Recorder:
    """Every test: the module's log lines recorded, not rendered (a traceback rendered per 500 costs seconds)."""
    recorder = _Recorder()
    monkeypatch.setattr(openpolicy.api.errors, "_log", recorder)
    return recorder


@pytest.fixture(autouse=True)
def _fresh_app() -> None:
    """One app per test, built in it: ``make mutate`` picks the tests of a mutated install_error_handlers or
    document_problems by the tests that called them."""
    _app.cache_clear()


@functools.cache
def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    document_problems(app)

    @app.middleware("http")
    async def request_id(request: Request, call_next: Any) -> Response:
        rid = request.headers.get("x-request-id")
        if rid:
            request.state.request_id = rid
        response: Response = await call_next(request)
        return response

    @app.get("/items")
    async def items(n: int, x_tenant: Annotated[int | None, Header()] = None) -> dict[str, int]:
        return {"n": n}

    @app.post("/items")
    async def create(payload: Annotated[Payload, Body()]) -> dict[str, int]:
        return {"size": payload.inner.size}

    @app.get("/bad")
    async def bad() -> None:
        raise BadParameter("limit", "must be positive")

    @app.get("/missing")
    async def missing() -> None:
        raise NotFound("person", "ocd-person/x")

    @app.get("/custom")
    async def custom() -> None:
        raise ProblemError(409, "Conflict", type_="https://openpolicy.example/conflict", version=3)

    @app.get("/teapot")
    async def teapot() -> None:
        raise HTTPException(418, "I'm a Teapot")

    @app.get("/gone")
    async def gone() -> None:
        raise HTTPException(410, "the bill was withdrawn", headers={"X-Why": "withdrawn"})

    @app.get("/odd")
    async def odd() -> Response:
        return problem_response(599, headers={"X-Odd": "1"})

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    @app.get("/raise/{name}")
    async def raise_(name: str) -> None:
        raise {**_UNAVAILABLE, **_FAILED}[name]

    @app.get("/loose")
    async def loose(filters: Annotated[Filters, Query()]) -> dict[str, str | None]:
        return {"party": filters.party}

    @app.get("/choice")
    async def choice(sort: Literal["name", "date"] = "name") -> dict[str, str]:
        return {"sort": sort}

    @app.get("/things/{number}")
    async def thing(number: int, session: Annotated[int | None, Cookie()] = None) -> dict[str, int]:
        return {"number": number}

    @app.get("/invalid")
    async def invalid(kind: str) -> None:
        if kind == "none":
            raise RequestValidationError([])
        if kind == "bare":
            raise RequestValidationError([{"type": "value_error", "loc": ("query", "kind")}])
        if kind == "nowhere":
            raise RequestValidationError([{"type": "value_error", "msg": "inconsistent"}])
        raise RequestValidationError([{"type": "value_error", "loc": ("state", "kind"), "msg": "inconsistent"}])

    strict = APIRouter(route_class=StrictRoute)

    @strict.get("/strict")
    async def strict_route(sort: Literal["name", "date"] = "name") -> dict[str, str]:
        return {"sort": sort}

    @strict.get("/strict-required")
    async def strict_required(mode: Literal["fast", "full"]) -> dict[str, str]:
        return {"mode": mode}

    app.include_router(strict)
    return app


def _get(method: str, path: str, rid: str | None = "rid-7", **kwargs: Any) -> httpx.Response:
    """One request to the test app, with ``X-Request-ID: rid`` unless ``rid`` is None."""

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=_app(), raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            headers = {**({"X-Request-ID": rid} if rid else {}), **kwargs.pop("headers", {})}
            return await client.request(method, path, headers=headers, **kwargs)

    return asyncio.run(go())


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


def test_bad_parameter_is_a_400_naming_it_with_the_request_id() -> None:
    assert _problem(_get("GET", "/bad"), 400) == {
        "type": "about:blank",
        "title": "Bad Request",
        "status": 400,
        "detail": "limit: must be positive",
        "instance": "/bad",
        "parameter": "limit",
        "request_id": "rid-7",
    }


def test_not_found_names_kind_and_id() -> None:
    assert _problem(_get("GET", "/missing"), 404) == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "no person with id 'ocd-person/x'",
        "instance": "/missing",
        "kind": "person",
        "id": "ocd-person/x",
        "request_id": "rid-7",
    }


def test_a_problem_without_detail_or_request_id_has_neither() -> None:
    body = _problem(_get("GET", "/custom", rid=None), 409)
    assert body == {
        "type": "https://openpolicy.example/conflict",
        "title": "Conflict",
        "status": 409,
        "instance": "/custom",
        "version": 3,
    }


def test_http_exceptions_are_problems_with_their_detail_and_headers() -> None:
    teapot = _problem(_get("GET", "/teapot"), 418)
    assert teapot == {
        "type": "about:blank",
        "title": "I'm a Teapot",
        "status": 418,
        "instance": "/teapot",
        "request_id": "rid-7",
    }  # a detail that only repeats the title is left out
    gone = _get("GET", "/gone")
    assert _problem(gone, 410)["detail"] == "the bill was withdrawn" and gone.headers["x-why"] == "withdrawn"
    unknown = _problem(_get("GET", "/nowhere"), 404)
    assert (unknown["title"], unknown["detail"], unknown["request_id"]) == ("Not Found", "nothing at /nowhere", "rid-7")
    odd = _get("GET", "/odd")
    assert _problem(odd, 599)["title"] == "Error" and odd.headers["x-odd"] == "1"


def test_method_not_allowed_names_the_method_and_the_allowed_ones() -> None:
    response = _get("DELETE", "/bad")
    body = _problem(response, 405)
    assert body["detail"] == "DELETE is not allowed here (allowed: GET)" and body["request_id"] == "rid-7"
    assert response.headers["allow"] == "GET"


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "where", "parameter"),
    [
        ("GET", "/items?n=abc", {}, "query", "n"),
        ("GET", "/items", {}, "query", "n"),
        ("GET", "/items?n=1", {"headers": {"x-tenant": "abc"}}, "header", "x-tenant"),
        ("POST", "/items", {"json": {"inner": {"size": "big"}}}, "body", "inner.size"),
    ],
)
def test_validation_errors_are_422_naming_where_and_which_parameter(
    method: str, path: str, kwargs: dict[str, Any], where: str, parameter: str
) -> None:
    body = _problem(_get(method, path, **kwargs), 422)
    assert body["title"] == "Unprocessable Content" and body["request_id"] == "rid-7"
    assert body["parameter"] == parameter
    first = body["errors"][0]
    assert (first["in"], first["parameter"]) == (where, parameter) and first["message"]
    assert body["detail"] == f"{where} parameter {parameter!r}: {first['message']}"


def test_an_unexpected_error_is_a_500_without_internals_logged_with_its_traceback(logged: _Recorder) -> None:
    body = _problem(_get("GET", "/boom"), 500)
    assert body == {
        "type": "about:blank",
        "title": "Internal Server Error",
        "status": 500,
        "detail": "The server failed to answer this request. Quote the request id when reporting it.",
        "instance": "/boom",
        "request_id": "rid-7",
    }
    ((level, event, fields),) = logged.calls
    assert (level, event, fields["path"]) == ("error", "unhandled exception", "/boom")
    assert isinstance(fields["exc_info"], RuntimeError) and str(fields["exc_info"]) == "secret internals"


def test_openapi_documents_422_as_a_problem_document() -> None:
    async def go() -> dict[str, Any]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=_app()), base_url="http://t") as client:
            first = (await client.get("/openapi.json")).json()
            again = (await client.get("/openapi.json")).json()
            assert again == first
            return dict(first)

    schema = asyncio.run(go())
    schemas = schema["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    assert schemas["Problem"]["required"] == ["type", "title", "status"]
    for path in ("/items",):
        for method in ("get", "post"):
            invalid = schema["paths"][path][method]["responses"]["422"]
            assert invalid == {
                "description": "A parameter is invalid (the problem names it)",
                "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
            }
    assert "422" not in schema["paths"]["/bad"]["get"]["responses"]


@pytest.mark.parametrize("name", sorted(_UNAVAILABLE))
def test_a_database_that_cannot_answer_is_a_503_with_retry_after(name: str, logged: _Recorder) -> None:
    """Refused, lost or closed connections, an operator's intervention, a full pool and "too many connections"
    (raised by asyncpg, or wrapped by SQLAlchemy only as its generic DBAPIError): retryable, never a 500."""
    response = _get("GET", f"/raise/{name}")
    assert _problem(response, 503) == {
        "type": "about:blank",
        "title": "Service Unavailable",
        "status": 503,
        "detail": "The database is unavailable; retry shortly.",
        "instance": f"/raise/{name}",
        "request_id": "rid-7",
        "dependency": "database",
    }
    assert response.headers["retry-after"] == "5"
    ((level, event, fields),) = logged.calls
    assert (level, event, fields["path"]) == ("warning", "database unavailable during request", f"/raise/{name}")
    exc = _UNAVAILABLE[name]
    assert fields["error"] == f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:300]


def test_the_logged_database_error_is_its_first_line_at_most_300_characters(logged: _Recorder) -> None:
    saved = dict(_UNAVAILABLE)
    try:
        _UNAVAILABLE["database-unavailable"] = DatabaseUnavailable("x" * 400 + "\nDETAIL: secret internals")
        _UNAVAILABLE["timeout"] = TimeoutError()
        _problem(_get("GET", "/raise/database-unavailable"), 503)
        _problem(_get("GET", "/raise/timeout"), 503)
    finally:
        _UNAVAILABLE.update(saved)
    assert [fields["error"] for _, _, fields in logged.calls] == [
        ("DatabaseUnavailable: " + "x" * 400)[:300],
        "TimeoutError: ",
    ]


@pytest.mark.parametrize("name", sorted(_FAILED))
def test_a_failing_statement_or_another_error_is_a_500_not_an_outage(name: str, logged: _Recorder) -> None:
    response = _get("GET", f"/raise/{name}")
    body = _problem(response, 500)
    assert body["request_id"] == "rid-7" and body["instance"] == f"/raise/{name}" and "dependency" not in body
    assert "retry-after" not in response.headers
    ((level, event, fields),) = logged.calls
    assert (level, event, fields["path"]) == ("error", "unhandled exception", f"/raise/{name}")
    assert fields["exc_info"] is _FAILED[name]  # the error itself, with its traceback


def test_asyncpg_connection_lost_names_the_driver_errors_of_a_connection_that_is_gone() -> None:
    assert set(asyncpg_connection_lost()) == {
        pg.PostgresConnectionError,
        pg.InterfaceError,
        pg.InternalClientError,  # the driver's own connection in an impossible state (its backend terminated)
        pg.AdminShutdownError,
        OSError,
    }


def test_problem_error_reads_as_its_detail_else_its_title() -> None:
    assert str(ProblemError(409, "Conflict", "version 3 is stale")) == "version 3 is stale"
    assert str(ProblemError(409, "Conflict")) == "Conflict"
    assert str(BadParameter("limit", "must be positive")) == "limit: must be positive"


def test_bad_parameter_lists_the_allowed_values_when_given() -> None:
    allowed = BadParameter("sort", "unknown value 'size'", allowed=["date", "name"])
    assert allowed.to_dict() == {
        "type": "about:blank",
        "title": "Bad Request",
        "status": 400,
        "detail": "sort: unknown value 'size'",
        "parameter": "sort",
        "allowed": ["date", "name"],
    }
    assert "allowed" not in BadParameter("sort", "unknown value 'size'").to_dict()
    assert BadParameter("q", "empty", allowed=[]).to_dict()["allowed"] == []


def test_problem_members_that_json_cannot_hold_are_written_as_text() -> None:
    """``extra`` members such as a Decimal limit reach the client as their text, on both rendering paths."""
    error = ProblemError(400, "Bad Request", limit=Decimal("2.50"))

    app = FastAPI()
    install_error_handlers(app)

    @app.get("/raised")
    async def raised() -> None:
        raise error

    @app.get("/rendered")
    async def rendered(request: Request) -> Response:
        return problem_response(400, request=request, limit=Decimal("2.50"))

    async def go() -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            return [await client.get("/raised"), await client.get("/rendered")]

    for response in asyncio.run(go()):
        assert _problem(response, 400)["limit"] == "2.50"


def test_a_problem_without_a_request_id_leaves_it_out_on_every_path() -> None:
    """The router's own 404 and a validation error without ``X-Request-ID`` (no id in the request state)."""
    unknown = _problem(_get("GET", "/nowhere", rid=None), 404)
    assert unknown == {"type": "about:blank", "title": "Not Found", "status": 404, "detail": "nothing at /nowhere",
                       "instance": "/nowhere"}  # fmt: skip
    assert "request_id" not in _problem(_get("GET", "/items?n=x", rid=None), 422)


def test_method_not_allowed_without_an_allow_header_says_so_plainly() -> None:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/lower")
    async def lower() -> None:
        raise HTTPException(405, headers={"allow": "GET, HEAD"})

    @app.get("/none")
    async def none() -> None:
        raise HTTPException(405)

    @app.get("/structured")
    async def structured() -> None:
        raise HTTPException(409, detail={"version": 3})

    async def go() -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            return [await client.get(path) for path in ("/lower", "/none", "/structured")]

    lowercase, bare, dict_detail = asyncio.run(go())
    assert _problem(lowercase, 405)["detail"] == "GET is not allowed here (allowed: GET, HEAD)"
    assert _problem(bare, 405)["detail"] == "GET is not allowed here"
    assert "detail" not in _problem(dict_detail, 409)  # a detail that is not text is not shown


@pytest.mark.parametrize(
    ("path", "kwargs", "where", "parameter", "message"),
    [
        ("/things/abc", {}, "path", "number", "Input should be a valid integer, unable to parse string as an integer"),
        ("/things/1", {"headers": {"cookie": "session=abc"}}, "cookie", "session",
         "Input should be a valid integer, unable to parse string as an integer"),
        ("/invalid?kind=other", {}, "request", "state.kind", "inconsistent"),
        ("/invalid?kind=bare", {}, "query", "kind", "invalid"),
        ("/invalid?kind=nowhere", {}, "request", "request", "inconsistent"),  # an error without a location
    ],
)  # fmt: skip
def test_validation_errors_name_path_cookie_and_other_locations(
    path: str, kwargs: dict[str, Any], where: str, parameter: str, message: str
) -> None:
    body = _problem(_get("GET", path, **kwargs), 422)
    assert body["errors"] == [{"in": where, "parameter": parameter, "message": message}]
    assert body["parameter"] == parameter and body["detail"] == f"{where} parameter {parameter!r}: {message}"


def test_every_invalid_parameter_is_listed_the_first_in_the_detail() -> None:
    body = _problem(_get("GET", "/items?n=abc", headers={"x-tenant": "abc"}), 422)
    assert [(e["in"], e["parameter"]) for e in body["errors"]] == [("query", "n"), ("header", "x-tenant")]
    assert body["detail"].startswith("query parameter 'n': ") and body["parameter"] == "n"


def test_a_validation_error_listing_nothing_is_still_a_422_problem() -> None:
    body = _problem(_get("GET", "/invalid?kind=none"), 422)
    assert body["errors"] == [] and body["parameter"] == "?"
    assert body["detail"] == "request parameter '?': invalid"


def test_strict_routes_answer_a_value_outside_the_closed_set_with_a_400_listing_it() -> None:
    body = _problem(_get("GET", "/strict?sort=size"), 400)
    assert body == {
        "type": "about:blank",
        "title": "Bad Request",
        "status": 400,
        "detail": "sort: unknown value 'size'; choose one of: name, date",
        "instance": "/strict",
        "parameter": "sort",
        "allowed": ["name", "date"],
        "request_id": "rid-7",
    }


def test_a_query_model_refusing_an_unknown_parameter_is_a_400_naming_it() -> None:
    """Outside a strict route the query model's ``extra="forbid"`` is what refuses a typo: a 400 all the same."""
    body = _problem(_get("GET", "/loose?partty=x"), 400)
    assert body == {
        "type": "about:blank",
        "title": "Bad Request",
        "status": 400,
        "detail": "partty: unknown parameter",
        "instance": "/loose",
        "parameter": "partty",
        "request_id": "rid-7",
    }


def test_outside_a_strict_route_a_value_outside_the_closed_set_is_a_422() -> None:
    """Only strict routes declare their closed sets; elsewhere pydantic's message names the choices."""
    body = _problem(_get("GET", "/choice?sort=size"), 422)
    assert body["errors"] == [{"in": "query", "parameter": "sort", "message": "Input should be 'name' or 'date'"}]


def _schema(app: FastAPI) -> dict[str, Any]:
    async def go() -> dict[str, Any]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            return dict((await client.get("/openapi.json")).json())

    return asyncio.run(go())


def test_openapi_documents_the_400_of_a_bad_query_on_every_operation_keeping_a_route_own() -> None:
    app = FastAPI()
    document_problems(app)

    @app.get("/plain")
    async def plain() -> dict[str, str]:
        return {}

    @app.get("/own", responses={400: {"description": "A route of its own words"}})
    async def own() -> dict[str, str]:
        return {}

    schema = _schema(app)
    problem = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    assert schema["paths"]["/plain"]["get"]["responses"]["400"] == {"description": BAD_QUERY, "content": problem}
    assert schema["paths"]["/own"]["get"]["responses"]["400"]["description"] == "A route of its own words"
    assert schema["components"]["schemas"]["Problem"]["title"] == "Problem"
    assert app.openapi() is app.openapi()  # made once


def test_openapi_path_items_with_shared_fields_are_documented_too() -> None:
    """A path item may hold fields shared by its operations (``summary``, ``parameters``) beside them."""
    app = FastAPI()

    @app.get("/a")
    async def a() -> dict[str, str]:
        return {}

    made = app.openapi

    def with_shared_fields() -> dict[str, Any]:
        schema = made()
        schema["paths"] = {"/a": {"summary": "shared", "parameters": [], **schema["paths"]["/a"]}}
        assert "components" not in schema  # nothing to validate: FastAPI made no schemas
        return schema

    app.openapi = with_shared_fields  # type: ignore[method-assign]
    document_problems(app)
    schema = app.openapi()
    assert schema["paths"]["/a"]["get"]["responses"]["400"]["description"] == BAD_QUERY
    assert schema["paths"]["/a"]["summary"] == "shared"
    assert set(schema["components"]["schemas"]) == {"Problem"}


def _documented_app(settings: Settings | None) -> FastAPI:
    app = FastAPI()
    if settings is not None:
        app.state.settings = settings
    document_problems(app)

    @app.get("/v1/items/{item_id}")
    async def item(
        item_id: str,
        lat: float,
        until: datetime,
        limit: int | None = None,
        lon: float | None = None,
        since: datetime | None = None,
        kind: Literal["a", "b"] | None = None,
        when: int | datetime | None = None,
        other: str = "",
        x_limit: Annotated[int | None, Header()] = None,
    ) -> dict[str, str]:
        return {}

    @app.get("/v1/items")
    async def items(limit: Annotated[int, Query(ge=5)] = 20, size: int = 3) -> dict[str, str]:
        return {}

    @app.get("/v1/quiet", responses={503: {"description": "Never: this answer is computed"}})
    async def quiet() -> dict[str, str]:
        return {}

    @app.get("/elsewhere/{name}")
    async def elsewhere(name: str, limit: int = 20) -> dict[str, str]:
        return {}

    return app


def _parameters(schema: dict[str, Any], path: str) -> dict[str, dict[str, Any]]:
    return {p["name"]: p["schema"] for p in schema["paths"][path]["get"]["parameters"]}


PROBLEM_CONTENT = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer", "minimum": 1}}}


def test_openapi_documents_the_answers_every_v1_operation_can_give() -> None:
    """401 (a bad API key), 429 and 503 with Retry-After on every /v1 operation; 404 where a path names a record;
    an operation's own description of one of them is kept; nothing of the sort outside /v1."""
    schema = _documented_app(None).openapi()
    detail = schema["paths"]["/v1/items/{item_id}"]["get"]["responses"]
    assert detail["401"] == {"description": V1_PROBLEMS["401"], "content": PROBLEM_CONTENT}
    assert detail["429"] == {"description": V1_PROBLEMS["429"], "content": PROBLEM_CONTENT, "headers": RETRY_AFTER}
    assert detail["503"] == {"description": V1_PROBLEMS["503"], "content": PROBLEM_CONTENT, "headers": RETRY_AFTER}
    assert detail["404"] == {"description": "No record with this id", "content": PROBLEM_CONTENT}
    listing = schema["paths"]["/v1/items"]["get"]["responses"]
    assert {"400", "401", "429", "503"} <= set(listing) and "404" not in listing
    assert schema["paths"]["/v1/quiet"]["get"]["responses"]["503"] == {"description": "Never: this answer is computed"}
    outside = schema["paths"]["/elsewhere/{name}"]["get"]["responses"]
    assert set(outside) == {"200", "400", "422"}


def test_openapi_states_the_bounds_the_api_enforces_on_limit_and_coordinates() -> None:
    settings = Settings(database_url="postgresql://openpolicy@127.0.0.1:5432/unused", page_size_max=50)
    schema = _documented_app(settings).openapi()
    detail = _parameters(schema, "/v1/items/{item_id}")
    assert detail["limit"]["anyOf"] == [{"type": "integer", "minimum": 1, "maximum": 50}, {"type": "null"}]
    assert (detail["lat"]["minimum"], detail["lat"]["maximum"]) == (-90.0, 90.0)
    assert detail["lon"]["anyOf"] == [{"type": "number", "minimum": -180.0, "maximum": 180.0}, {"type": "null"}]
    assert detail["x-limit"]["anyOf"] == [{"type": "integer"}, {"type": "null"}]  # a header, not the page size
    assert detail["other"] == {"type": "string", "default": "", "title": "Other"}
    listing = _parameters(schema, "/v1/items")
    assert (listing["limit"]["minimum"], listing["limit"]["maximum"]) == (5, 50)  # the route's own minimum stays
    assert "maximum" not in listing["size"] and "minimum" not in listing["size"]
    assert _parameters(schema, "/elsewhere/{name}")["limit"]["maximum"] == 50
    default = _parameters(_documented_app(None).openapi(), "/v1/items/{item_id}")  # no settings: the default max
    assert default["limit"]["anyOf"][0] == {"type": "integer", "minimum": 1, "maximum": 200}


def test_openapi_says_a_date_time_parameter_also_takes_a_date() -> None:
    detail = _parameters(_documented_app(None).openapi(), "/v1/items/{item_id}")
    assert detail["until"] == {
        "anyOf": [{"type": "string", "format": "date-time", "title": "Until"}, {"type": "string", "format": "date"}]
    }
    assert detail["since"]["anyOf"] == [
        {"type": "string", "format": "date-time"},
        {"type": "string", "format": "date"},
        {"type": "null"},
    ]
    assert detail["kind"]["anyOf"] == [{"type": "string", "enum": ["a", "b"]}, {"type": "null"}]
    assert detail["when"]["anyOf"] == [
        {"type": "integer"},
        {"type": "string", "format": "date-time"},
        {"type": "string", "format": "date"},
        {"type": "null"},
    ]


def test_a_missing_value_of_a_closed_set_is_a_422_naming_it_not_a_400_listing_values() -> None:
    body = _problem(_get("GET", "/strict-required"), 422)
    assert body["errors"] == [{"in": "query", "parameter": "mode", "message": "Field required"}]


def test_openapi_keeps_the_validation_schemas_a_route_still_refers_to() -> None:
    app = FastAPI()
    document_problems(app)
    ref = {"application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}}

    @app.get("/v1/batch", responses={409: {"description": "Some items were refused", "content": ref}})
    async def batch(size: int = 1) -> dict[str, str]:
        return {}

    schemas = app.openapi()["components"]["schemas"]
    assert "HTTPValidationError" in schemas  # still referred to by the 409
    assert "Problem" in schemas
