"""The api's routes are added flat (``openpolicy.api.app.add_routes``) instead of through ``include_router``: the
published API must be exactly the one ``include_router`` gives, and every request must reach the same endpoint."""

from __future__ import annotations

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
