"""The api's routes are added flat (``openpolicy.api.app.add_routes``) instead of through ``include_router``: the
published API must be exactly the one ``include_router`` gives, and every request must reach the same endpoint."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import Match

from openpolicy.api import health
from openpolicy.api.app import create_app
from openpolicy.api.routers import ROUTERS
from openpolicy.config import Settings


def _settings() -> Settings:
    return Settings(database_url="postgresql://openpolicy@127.0.0.1:5432/unused")


def _included_app() -> FastAPI:
    """The reference: the same routers mounted the usual way."""
    app = create_app(_settings())
    app.router.routes[:] = [route for route in app.router.routes if not isinstance(route, APIRoute)]
    app.include_router(health.router)
    for router in ROUTERS:
        app.include_router(router, prefix="/v1")
    return app


def test_openapi_is_the_routers() -> None:
    assert create_app(_settings()).openapi() == _included_app().openapi()


@pytest.mark.parametrize(
    ("path", "endpoint"),
    [
        ("/v1/people", "list_people"),
        ("/v1/people/ocd-person/abc", "get_person"),
        ("/v1/people/ocd-person/abc/votes", "get_voting_record"),
        ("/v1/votes/ocd-vote/x", "get_vote"),
        ("/v1/bills", "list_bills"),
        ("/v1/search", "search"),
        ("/health/ready", "ready"),
    ],
)
def test_a_request_reaches_the_endpoint_include_router_gives(path: str, endpoint: str) -> None:
    scope = {"type": "http", "path": path, "root_path": "", "method": "GET", "headers": [], "query_string": b""}
    for route in create_app(_settings()).router.routes:
        match, _ = route.matches(scope)
        if match == Match.FULL:
            assert isinstance(route, APIRoute)
            assert route.endpoint.__name__ == endpoint
            return
    pytest.fail(f"no route for {path}")


# --- the route index (openpolicy.api.app.RouteIndex) --------------------------------------------------------------

INDEX_PATHS = [
    "/",
    "/v1",
    "/v1/",
    "/v1/people",
    "/v1/people/",
    "/v1/peoplex",
    "/v1/people/ocd-person/abc",
    "/v1/people/ocd-person/abc/votes",
    "/v1/people/ocd-person/abc/votes/extra",
    "/v1/people/votes",
    "/v1/votes",
    "/v1/votes/ocd-vote/x",
    "/v1/bills",
    "/v1/bills/",
    "/v1/bills/ocd-bill/y",
    "/v1/search",
    "/v1/status",
    "/v1/changes",
    "/v1/nope",
    "/v1/nope/deeper",
    "/nope",
    "/health",
    "/health/",
    "/health/ready",
    "/metrics",
    "/openapi.json",
    "/docs",
    "/docs/oauth2-redirect",
]


async def _outcome(handler: object, path: str, method: str, root_path: str = "") -> tuple[object, ...]:
    """What handling a request does: the route whose ``handle`` ran (with the path parameters it got), the response
    the router sent itself (status, location), or the HTTP error it raised."""
    scope: dict[str, Any] = {
        "type": "http",
        "path": root_path + path,
        "root_path": root_path,
        "raw_path": (root_path + path).encode(),
        "method": method,
        "headers": [(b"host", b"testserver")],
        "query_string": b"",
        "scheme": "http",
        "server": ("testserver", 80),
        "app": object(),  # as inside the app: the router raises HTTPException for a 404/405
    }
    sent: list[object] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            headers = dict(message.get("headers", []))
            sent.append((message["status"], headers.get(b"location")))

    try:
        await handler(scope, receive, send)  # type: ignore[operator]
    except Exception as exc:
        return ("raised", type(exc).__name__, getattr(exc, "status_code", None))
    if "ran" in scope:
        return ("route", scope["ran"], tuple(sorted(scope.get("path_params", {}).items())))
    return ("sent", *sent)


def _recording_app() -> FastAPI:
    """The api whose routes, instead of running their endpoints, note which of them ran (``scope["ran"]``)."""
    app = create_app(_settings())
    for route in app.router.routes:
        _record(route, getattr(route, "path", repr(route)))
    return app


def _record(route: object, name: str) -> None:
    async def handle(scope: dict[str, object], receive: object, send: object) -> None:
        scope["ran"] = name

    route.handle = handle  # type: ignore[attr-defined]


@pytest.mark.parametrize("root_path", ["", "/api"])
def test_the_route_index_picks_the_route_the_router_scan_picks(root_path: str) -> None:
    """Every path (routes, their neighbours, unknown paths, trailing slashes) and method reaches through the index
    exactly what the router's own scan of every route gives: the same route with the same path parameters, the
    same 404/405 error or the same redirect."""
    import asyncio

    from openpolicy.api.app import RouteIndex

    app = _recording_app()
    index = app.router.middleware_stack
    assert isinstance(index, RouteIndex)
    outcomes = set()
    for path in INDEX_PATHS:
        for method in ("GET", "HEAD", "POST"):
            indexed = asyncio.run(_outcome(index, path, method, root_path))
            scanned = asyncio.run(_outcome(app.router.app, path, method, root_path))
            assert indexed == scanned, (path, method)
            outcomes.add(indexed[0])
    assert outcomes == {"route", "raised", "sent"}  # routes, 404/405 errors and a trailing-slash redirect
    # the index really is used: a voting record's candidates are the four /v1/people routes, in the router's order
    assert [route.path for route in index._candidates["/v1/people"] or ()] == [
        "/v1/people",
        "/v1/people/{person_id:path}/votes",
        "/v1/people/{person_id:path}/speeches",
        "/v1/people/{person_id:path}",
    ]


def test_the_route_index_finds_routes_added_after_it_was_built() -> None:
    import asyncio

    app = _recording_app()
    index = app.router.middleware_stack
    assert asyncio.run(_outcome(index, "/v1/people/late", "GET"))[:2] == ("route", "/v1/people/{person_id:path}")
    app.router.routes.insert(0, APIRoute("/v1/people/late", lambda: None))
    _record(app.router.routes[0], "late")
    assert asyncio.run(_outcome(index, "/v1/people/late", "GET")) == ("route", "late", ())
