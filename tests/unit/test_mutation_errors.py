"""Problem details (api/errors.py) through HTTP on a small app with the api's error handlers: what a client reads.

The real api's problems (with the database, and without it) are in tests/integration/test_problem_details.py.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import httpx
import pytest
from fastapi import Body, FastAPI, Header, HTTPException, Request
from pydantic import BaseModel
from starlette.responses import Response

from openpolicy.api.errors import (
    PROBLEM_MEDIA_TYPE,
    BadParameter,
    NotFound,
    ProblemError,
    document_problems,
    install_error_handlers,
    problem_response,
)


class Inner(BaseModel):
    size: int


class Payload(BaseModel):
    inner: Inner


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

    return app


def _get(method: str, path: str, rid: str | None = "rid-7", **kwargs: Any) -> httpx.Response:
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


def test_an_unexpected_error_is_a_500_without_internals() -> None:
    body = _problem(_get("GET", "/boom"), 500)
    assert body["request_id"] == "rid-7" and body["title"] == "Internal Server Error"
    assert "secret internals" not in str(body) and "Quote the request id" in body["detail"]


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
            assert invalid["content"] == {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    assert "422" not in schema["paths"]["/bad"]["get"]["responses"]
