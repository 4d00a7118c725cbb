"""RFC 9457 problem details: every error the api returns is `application/problem+json`."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from openpolicy.observability.logging import get_logger

_log = get_logger("openpolicy.api.errors")

PROBLEM_MEDIA_TYPE = "application/problem+json"


class ProblemError(Exception):
    """Raise anywhere in a request to answer with a problem document.

    ``extra`` members are added to the document (e.g. ``parameter="limit"``, ``errors=[...]``).
    """

    def __init__(
        self, status: int, title: str, detail: str | None = None, *, type_: str = "about:blank", **extra: Any
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.type = type_
        self.extra = extra

    def to_dict(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"type": self.type, "title": self.title, "status": self.status}
        if self.detail:
            body["detail"] = self.detail
        if instance:
            body["instance"] = instance
        body.update(self.extra)
        return body


class DatabaseUnavailable(Exception):
    """The database could not be reached or dropped the connection (answered as a 503, ``dependency: database``)."""


def asyncpg_connection_lost() -> tuple[type[BaseException], ...]:
    """asyncpg's errors for a connection that is gone (server stopped or restarted, network, socket file removed):
    the connection cannot be used again. ``InternalClientError`` is the driver finding its own connection in an
    impossible state, as after its backend was terminated between two statements: that connection is done too."""
    from asyncpg import exceptions as pg

    return (pg.PostgresConnectionError, pg.InterfaceError, pg.InternalClientError, pg.AdminShutdownError, OSError)


def _asyncpg_unavailable() -> tuple[type[BaseException], ...]:
    """asyncpg's errors that mean "the database cannot answer now" (raised by the statements the api sends to
    asyncpg directly): a refused or lost connection, an operator's intervention (statement timeout, shutdown),
    too many connections. ``OSError`` is not answered globally: it is translated where a connection is made."""
    from asyncpg import exceptions as pg

    lost = tuple(e for e in asyncpg_connection_lost() if e is not OSError)
    return (*lost, pg.OperatorInterventionError, pg.TooManyConnectionsError)


class NotFound(ProblemError):
    def __init__(self, kind: str, ident: str) -> None:
        super().__init__(404, "Not Found", f"no {kind} with id {ident!r}", kind=kind, id=ident)


class BadParameter(ProblemError):
    """A 400 naming the query ``parameter``; ``allowed`` lists the values (or parameters) it could have been."""

    def __init__(self, parameter: str, detail: str, *, allowed: list[str] | None = None) -> None:
        extra: dict[str, Any] = {"parameter": parameter}
        if allowed is not None:
            extra["allowed"] = allowed
        super().__init__(400, "Bad Request", f"{parameter}: {detail}", **extra)


# --- rendering and exception handlers ---------------------------------------------------------------------


def problem_response(
    status: int,
    title: str | None = None,
    detail: str | None = None,
    *,
    request: Request | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    """An ``application/problem+json`` response (``instance`` = request path, ``request_id`` when known)."""
    body: dict[str, Any] = {"type": "about:blank", "title": title or _phrase(status), "status": status}
    if detail:
        body["detail"] = detail
    if request is not None:
        body["instance"] = request.url.path
        request_id = getattr(request.state, "request_id", None)
        if request_id:
            body["request_id"] = request_id
    body.update(extra)
    return Response(orjson.dumps(body, default=str), status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _location(loc: tuple[Any, ...] | list[Any]) -> tuple[str, str]:
    """(where, parameter name) of a validation error location such as ``("query", "limit")``."""
    parts = [str(p) for p in loc]
    where = parts[0] if parts and parts[0] in {"query", "path", "header", "cookie", "body"} else "request"
    name = ".".join(parts[1:]) if where != "request" else ".".join(parts)
    return where, name or where


async def _problem_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ProblemError)
    body = exc.to_dict(instance=request.url.path)
    request_id = getattr(request.state, "request_id", None)
    if request_id:
        body.setdefault("request_id", request_id)
    return Response(orjson.dumps(body, default=str), status_code=exc.status, media_type=PROBLEM_MEDIA_TYPE)


async def _http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    detail: str | None = exc.detail if isinstance(exc.detail, str) else None
    if detail == _phrase(exc.status_code):
        detail = None
    if exc.status_code == 404 and detail is None:
        detail = f"nothing at {request.url.path}"
    elif exc.status_code == 405 and detail is None:
        allow = (exc.headers or {}).get("Allow") or (exc.headers or {}).get("allow")
        detail = f"{request.method} is not allowed here" + (f" (allowed: {allow})" if allow else "")
    return problem_response(exc.status_code, detail=detail, request=request, headers=dict(exc.headers or {}))


_CLOSED_SET_ERRORS = frozenset({"literal_error", "enum"})


async def _validation_error(request: Request, exc: Exception) -> Response:
    """422 naming every bad parameter: ``errors=[{"in": "query", "parameter": "limit", "message": ...}]``; a query
    value outside the parameter's closed set of values is a 400 listing them (``openpolicy.api.strict``)."""
    assert isinstance(exc, RequestValidationError)
    from openpolicy.api.strict import closed_value_problem

    errors = []
    for item in exc.errors():
        where, name = _location(item.get("loc", ()))
        if where == "query" and item.get("type") in _CLOSED_SET_ERRORS:
            problem = closed_value_problem(request, name, item.get("input"))
            if problem is not None:
                return await _problem_error(request, problem)
        if where == "query" and item.get("type") == "extra_forbidden":
            return await _problem_error(request, BadParameter(name, "unknown parameter"))
        errors.append({"in": where, "parameter": name, "message": str(item.get("msg", "invalid"))})
    first = errors[0] if errors else {"in": "request", "parameter": "?", "message": "invalid"}
    detail = f"{first['in']} parameter {first['parameter']!r}: {first['message']}"
    return problem_response(
        422,
        "Unprocessable Content",
        detail,
        request=request,
        parameter=first["parameter"],
        errors=errors,
    )


async def _database_unavailable(request: Request, exc: Exception) -> Response:
    """The database is down or too slow: 503 (retryable), logged once per request, no internals shown."""
    _log.warning(
        "database unavailable during request",
        path=request.url.path,
        error=f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:300],
    )
    return problem_response(
        503,
        detail="The database is unavailable; retry shortly.",
        request=request,
        headers={"Retry-After": "5"},
        dependency="database",
    )


async def _driver_error(request: Request, exc: Exception) -> Response:
    """SQLAlchemy wraps some asyncpg errors only as its generic ``DBAPIError`` (e.g. "too many connections" when the
    pool connects): a 503 when the driver's error means the database cannot answer now, else a 500."""
    original = getattr(exc, "orig", None)
    unavailable = _asyncpg_unavailable()
    if isinstance(original, unavailable) or isinstance(getattr(original, "__cause__", None), unavailable):
        return await _database_unavailable(request, exc)
    return await _unexpected(request, exc)


async def _unexpected(request: Request, exc: Exception) -> Response:
    _log.error("unhandled exception", path=request.url.path, exc_info=exc)
    return problem_response(
        500,
        detail="The server failed to answer this request. Quote the request id when reporting it.",
        request=request,
    )


def install_error_handlers(app: FastAPI) -> None:
    """Answer every error with ``application/problem+json`` (RFC 9457).

    * :class:`ProblemError` (and subclasses such as :class:`NotFound` 404, :class:`BadParameter` 400);
    * ``HTTPException`` (including the router's own 404 for an unknown route and 405 with ``Allow``);
    * request validation errors → **422** naming the parameter (``parameter`` and ``errors[]``);
    * database connection failures, timeouts and "too many connections" → 503 with ``Retry-After``
      (``dependency: database``);
    * anything else → 500, logged with the request id and traceback; the client never sees a traceback.
    """
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeoutError

    app.add_exception_handler(ProblemError, _problem_error)
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(RequestValidationError, _validation_error)
    unavailable = (OperationalError, InterfaceError, PoolTimeoutError, ConnectionError, TimeoutError)
    for exc_type in (*unavailable, DatabaseUnavailable, *_asyncpg_unavailable()):
        app.add_exception_handler(exc_type, _database_unavailable)
    app.add_exception_handler(DBAPIError, _driver_error)  # its subclasses above keep their own handler
    app.add_exception_handler(Exception, _unexpected)


PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details. Validation problems name the `parameter` and list `errors`.",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "default": "about:blank"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "request_id": {"type": "string"},
        "parameter": {"type": "string"},
        "allowed": {
            "type": "array",
            "items": {"type": "string"},
            "description": "The values (or, for an unknown parameter, the parameters) accepted instead.",
        },
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "in": {"type": "string"},
                    "parameter": {"type": "string"},
                    "message": {"type": "string"},
                },
            },
        },
    },
}


BAD_QUERY = (
    "An unknown or repeated query parameter, or a value outside the parameter's allowed set, or a name (e.g. a "
    "jurisdiction) that matches nothing or several things: the problem names the `parameter` and lists `allowed`."
)


# Answers every /v1 operation can give whatever its parameters (the quotas' and the database's), and what an
# operation with a path parameter gives for an id that names nothing.
V1_PROBLEMS = {
    "401": "The API key sent (X-API-Key, or an `op_` bearer token) is unknown or revoked; send none to read "
    "anonymously",
    "429": "Beyond the client's quota: `Retry-After` says when to retry; `RateLimit-*` headers on every answer",
    "503": "The database cannot answer now (down, restarting, or a statement over the time limit): `Retry-After` "
    "says when to retry",
}
NOT_FOUND = "No record with this id"
COORDINATES = {"lat": 90.0, "lon": 180.0}  # WGS84 bounds the api enforces (a 400 beyond)
RETRY_AFTER_HEADER = {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer", "minimum": 1}}}


def document_problems(app: FastAPI) -> None:
    """Make the OpenAPI document tell the truth about errors: FastAPI documents 422 as ``application/json``
    ``HTTPValidationError``; ours is ``application/problem+json`` (:data:`PROBLEM_SCHEMA`). Every ``/v1``
    operation also documents :data:`V1_PROBLEMS`, one with a path parameter a 404, and a ``limit`` parameter
    states its bounds (``PAGE_SIZE_MAX``, enforced by ``openpolicy.api.pagination.page_limit``)."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas.setdefault("Problem", PROBLEM_SCHEMA)
        problem = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        page_max = getattr(app.state, "settings", None)
        page_max = page_max.page_size_max if page_max is not None else 200
        for path, path_item in schema.get("paths", {}).items():
            for operation in path_item.values():
                responses = operation.get("responses") if isinstance(operation, dict) else None
                if not isinstance(responses, dict):
                    continue
                responses.setdefault("400", {"description": BAD_QUERY, "content": problem})
                parameters = operation.get("parameters", [])
                if path.startswith("/v1/"):
                    for status, description in V1_PROBLEMS.items():
                        answer: dict[str, Any] = {"description": description, "content": problem}
                        if status in {"429", "503"}:
                            answer["headers"] = RETRY_AFTER_HEADER
                        responses.setdefault(status, answer)
                    if any(p.get("in") == "path" for p in parameters):
                        responses.setdefault("404", {"description": NOT_FOUND, "content": problem})
                for parameter in parameters:
                    if parameter.get("in") != "query":
                        continue
                    if parameter.get("name") == "limit":
                        _bound_integer(parameter.setdefault("schema", {}), 1, page_max)
                    elif parameter.get("name") in COORDINATES:
                        _bound_number(parameter.setdefault("schema", {}), COORDINATES[parameter["name"]])
                    _date_time_or_date(parameter.setdefault("schema", {}))
                if "422" in responses:
                    responses["422"] = {
                        "description": "A parameter is invalid (the problem names it)",
                        "content": problem,
                    }
        text = str(schema.get("paths", {}))
        for unused in ("HTTPValidationError", "ValidationError"):
            if f"#/components/schemas/{unused}" not in text:
                schemas.pop(unused, None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _bound_integer(schema: dict[str, Any], low: int, high: int) -> None:
    """Set ``minimum``/``maximum`` on an integer schema (or on the integer option of an ``anyOf``)."""
    for option in schema.get("anyOf") or [schema]:
        if option.get("type") == "integer":
            option.setdefault("minimum", low)
            option.setdefault("maximum", high)


def _date_time_or_date(schema: dict[str, Any]) -> None:
    """A date-time query parameter also takes a date (``openpolicy.api.strict``): say so in its schema."""
    options = schema.get("anyOf")
    if options is None:
        if schema.get("type") == "string" and schema.get("format") == "date-time":
            date_time = dict(schema)
            schema.clear()
            schema["anyOf"] = [date_time, {"type": "string", "format": "date"}]
        return
    for i, option in enumerate(list(options)):
        if option.get("type") == "string" and option.get("format") == "date-time":
            options.insert(i + 1, {"type": "string", "format": "date"})
            return


def _bound_number(schema: dict[str, Any], bound: float) -> None:
    for option in schema.get("anyOf") or [schema]:
        if option.get("type") == "number":
            option.setdefault("minimum", -bound)
            option.setdefault("maximum", bound)
