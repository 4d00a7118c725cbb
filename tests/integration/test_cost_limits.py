"""What one request may cost: a search's words are bounded (400 naming the limit), and no statement holds a database
connection beyond DB_STATEMENT_TIMEOUT_MS — a slower one is a 503 problem with Retry-After, never a 500 or a hang."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.conftest import LiveStack
from tests.support.services import AppProcess

from openpolicy.api.routers.search import MAX_QUERY, MAX_TERMS


def slow_app() -> Any:
    """The real api plus two test-only routes that sleep in PostgreSQL: through the api's document path (asyncpg
    directly, as lists, details and search) and through an ORM session (as the other routes)."""
    from fastapi import Depends
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import AsyncSession

    from openpolicy.api import documents
    from openpolicy.api.app import create_app
    from openpolicy.api.deps import Database, get_database, get_session

    app = create_app()

    @app.get("/test/slow-document")
    async def slow_document(seconds: float, db: Database = Depends(get_database)) -> dict[str, Any]:
        return {"value": await documents.fetch_value(db, "slow", "SELECT pg_sleep($1)::text", seconds)}

    @app.get("/test/slow-session")
    async def slow_session(seconds: float, session: AsyncSession = Depends(get_session)) -> dict[str, Any]:
        await session.execute(text("SELECT pg_sleep(:s)"), {"s": seconds})
        return {"slept": seconds}

    return app


@pytest.fixture(scope="module")
def slow_api(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    logs: Path = tmp_path_factory.mktemp("cost-limits")
    app = AppProcess(
        "tests.integration.test_cost_limits:slow_app",
        {"DATABASE_URL": database_url, "DB_STATEMENT_TIMEOUT_MS": "300", "RATE_LIMIT_ANONYMOUS_PER_MINUTE": "0"},
        logs / "api.log",
    )
    try:
        yield app.base
    finally:
        app.stop()


def test_a_search_with_too_many_words_or_characters_is_a_400_naming_the_limit(live_stack: LiveStack) -> None:
    words = " ".join(f"word{i}" for i in range(MAX_TERMS + 20))
    answer = httpx.get(f"{live_stack.api}/v1/search", params={"q": words, "limit": 200})
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert problem["parameter"] == "q"
    assert f"at most {MAX_TERMS} words" in problem["detail"]
    long = httpx.get(f"{live_stack.api}/v1/search", params={"q": "x" * (MAX_QUERY + 1)})
    assert long.status_code == 400 and f"at most {MAX_QUERY} characters" in long.json()["detail"]
    # the limits themselves are accepted; "or" and a lone "-" are operators, not words
    fine = " or ".join(f"w{i}" for i in range(MAX_TERMS))
    assert httpx.get(f"{live_stack.api}/v1/search", params={"q": fine}).status_code == 200
    # the limits are in the OpenAPI description of q
    spec = httpx.get(f"{live_stack.api}/openapi.json").json()
    q = next(p for p in spec["paths"]["/v1/search"]["get"]["parameters"] if p["name"] == "q")
    assert q["schema"]["maxLength"] == MAX_QUERY and f"{MAX_TERMS} words" in q["description"]


@pytest.mark.parametrize("path", ["/test/slow-document", "/test/slow-session"])
def test_a_statement_beyond_the_timeout_is_a_503_with_retry_after(slow_api: str, path: str) -> None:
    started = time.monotonic()
    answer = httpx.get(f"{slow_api}{path}", params={"seconds": 20}, timeout=30)
    elapsed = time.monotonic() - started
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert int(answer.headers["retry-after"]) > 0
    assert answer.json()["dependency"] == "database"
    assert elapsed < 5, elapsed  # cancelled by PostgreSQL after 300 ms, not after the 20 s asked for
    # the connection is usable again: a quick statement and the api's own routes answer
    assert httpx.get(f"{slow_api}{path}", params={"seconds": 0.01}).status_code == 200
    assert httpx.get(f"{slow_api}/v1/jurisdictions").status_code == 200
