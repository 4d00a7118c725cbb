"""The response cache's resources come from the routers: every /v1 route is cacheable and invalidatable, and the
resources an import invalidates are ones the api serves."""

from __future__ import annotations

import pytest
from fastapi import APIRouter
from fastapi.routing import APIRoute

import openpolicy.api.routers
from openpolicy.api import cache
from openpolicy.api.app import create_app
from openpolicy.config import Settings
from openpolicy.db.generations import resources_for


def _v1_paths() -> list[str]:
    app = create_app(Settings(database_url="postgresql://openpolicy@127.0.0.1:5432/unused"))
    return [r.path for r in app.router.routes if isinstance(r, APIRoute) and r.path.startswith("/v1/")]


def test_every_v1_route_is_a_cacheable_resource() -> None:
    paths = _v1_paths()
    assert len(paths) > 20
    uncached = [path for path in paths if cache.resource_of(path.replace("{", "").replace("}", "")) is None]
    assert uncached == [], f"routes the response cache would skip: {uncached}"
    assert {path[4:].split("/", 1)[0] for path in paths} == cache.cacheable_resources()


def test_a_new_router_is_a_resource_without_editing_a_list(monkeypatch: pytest.MonkeyPatch) -> None:
    extra = APIRouter(prefix="/petitions")

    @extra.get("/{petition_id}")
    def get_petition(petition_id: str) -> dict[str, str]:
        return {"id": petition_id}

    monkeypatch.setattr(openpolicy.api.routers, "ROUTERS", [*openpolicy.api.routers.ROUTERS, extra])
    derived = cache.cacheable_resources.__wrapped__()
    assert derived == cache.cacheable_resources() | {"petitions"}


def test_imports_invalidate_only_resources_the_api_serves() -> None:
    entities = [
        "jurisdiction", "organization", "person", "membership", "area", "post", "legislative_period", "session",
        "bill", "vote", "debate", "boundary_set", "boundary",
    ]  # fmt: skip
    named = resources_for(entities)
    assert named, "resources_for knows no entity type"
    assert named <= cache.cacheable_resources(), named - cache.cacheable_resources()
    assert cache.check_resources(named) == sorted(named)


def test_an_unknown_resource_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"unknown cache resource.*peoples"):
        cache.check_resources(["people", "peoples"])
