"""The real api's problem documents: every 4xx and 503 carries the request id; a database that refuses a connection
("too many connections") or cannot be reached is a 503 with Retry-After, never a 500."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from tests.support import PG_ADMIN_URL, _admin, free_port, with_database

from openpolicy.api.app import create_app
from openpolicy.config import load_settings


def _get(database_url: str, *paths: str, rid: str = "rid-problem-1") -> list[httpx.Response]:
    app = create_app(load_settings(database_url=database_url))

    @app.get("/v1/status/problem-bad-sql", include_in_schema=False)
    async def bad_sql() -> None:
        engine = create_async_engine(database_url.replace("postgresql://", "postgresql+asyncpg://", 1))
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT no_such_column FROM no_such_table"))
        finally:
            await engine.dispose()

    async def go() -> list[httpx.Response]:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
                return [await client.get(path, headers={"X-Request-ID": rid}) for path in paths]

    return asyncio.run(go())


def _unavailable(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "5"
    body: dict[str, Any] = response.json()
    assert body["dependency"] == "database" and body["request_id"] == "rid-problem-1"
    assert body["detail"] == "The database is unavailable; retry shortly."
    return body


@pytest.fixture
def full_role_url(database_url: str) -> Iterator[str]:
    """A login role PostgreSQL refuses every connection to: "too many connections for role" (SQLSTATE 53300)."""
    role = f"openpolicy_test_full_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(f'CREATE ROLE "{role}" LOGIN CONNECTION LIMIT 0'))
    try:
        yield with_database(database_url.replace("postgres@", f"{role}@", 1), database_url.rsplit("/", 1)[1])
    finally:
        asyncio.run(_admin(f'DROP ROLE IF EXISTS "{role}"'))


def test_too_many_connections_is_a_503_with_retry_after(full_role_url: str) -> None:
    assert "postgres@" in PG_ADMIN_URL  # the role swap above assumes the admin user's URL
    for response in _get(full_role_url, "/v1/jurisdictions", "/v1/people/ocd-person/nobody"):
        body = _unavailable(response)
        assert "too many" not in response.text  # no internals
        assert body["instance"] in {"/v1/jurisdictions", "/v1/people/ocd-person/nobody"}


def test_an_unreachable_database_is_a_503_with_the_request_id() -> None:
    (response,) = _get(f"postgresql://postgres@127.0.0.1:{free_port()}/nothing", "/v1/bills")
    assert _unavailable(response)["instance"] == "/v1/bills"


def test_a_failing_statement_is_a_500_not_an_outage(database_url: str) -> None:
    (response,) = _get(database_url, "/v1/status/problem-bad-sql")
    assert response.status_code == 500, response.text
    body = response.json()
    assert body["request_id"] == "rid-problem-1" and "retry-after" not in response.headers
    assert "no_such" not in response.text


def test_every_client_error_carries_the_request_id(database_url: str) -> None:
    bad_limit, unknown_id, invalid, nowhere = _get(
        database_url, "/v1/people?limit=0", "/v1/people/ocd-person/nobody", "/v1/people?limit=abc", "/v1/nowhere"
    )
    for response, status in ((bad_limit, 400), (unknown_id, 404), (invalid, 422), (nowhere, 404)):
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert body["request_id"] == "rid-problem-1" and body["status"] == status, body
    assert bad_limit.json()["parameter"] == "limit" and invalid.json()["parameter"] == "limit"
    assert unknown_id.json()["detail"] == "no person with id 'ocd-person/nobody'"
