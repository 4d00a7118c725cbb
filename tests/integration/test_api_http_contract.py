"""The api's HTTP contract in-process (real PostgreSQL and Redis): ETag/304, gzip, problem+json, metrics, cache."""

from __future__ import annotations

import asyncio
import gzip
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY
from tests.support import free_port

from openpolicy.api.app import create_app
from openpolicy.api.cache import bump_generations
from openpolicy.config import load_settings

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _app(database_url: str, **overrides: Any) -> Any:
    app = create_app(load_settings(database_url=database_url, **overrides))

    @app.get("/v1/status/test-boom", include_in_schema=False)
    async def boom() -> None:
        raise RuntimeError("boom: an unexpected failure")

    return app


async def _client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
            yield client


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async for c in _client(_app(database_url)):
        yield c


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_get_has_etag_cache_control_and_304(client: httpx.AsyncClient) -> None:
    first = await client.get("/v1/jurisdictions")
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"') and not etag.startswith("W/")
    assert first.headers["cache-control"] == "public, max-age=30"
    assert "accept-encoding" in first.headers["vary"].lower()

    again = await client.get("/v1/jurisdictions")
    assert again.headers["etag"] == etag  # same body, same tag

    not_modified = await client.get("/v1/jurisdictions", headers={"If-None-Match": etag})
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified.headers["etag"] == etag
    assert not_modified.headers["cache-control"] == "public, max-age=30"

    listed = await client.get("/v1/jurisdictions", headers={"If-None-Match": f'"other", {etag}'})
    assert listed.status_code == 304
    stale = await client.get("/v1/jurisdictions", headers={"If-None-Match": '"something-else"'})
    assert stale.status_code == 200 and stale.content == first.content


async def test_gzip_when_accepted_with_its_own_etag(client: httpx.AsyncClient) -> None:
    plain = await client.get("/openapi.json", headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and "content-encoding" not in plain.headers
    assert len(plain.content) > 1024

    request = client.build_request("GET", "/openapi.json", headers={"Accept-Encoding": "gzip"})
    zipped = await client.send(request, stream=True)
    raw = await zipped.aread()  # httpx decodes; read the header and compare decoded content
    assert zipped.headers["content-encoding"] == "gzip"
    assert raw == plain.content
    assert int(zipped.headers["content-length"]) < len(plain.content)
    assert zipped.headers["etag"] != plain.headers["etag"]
    assert zipped.headers["etag"].endswith('-gzip"')

    # Either tag validates either representation (weak comparison of If-None-Match).
    revalidated = await client.get(
        "/openapi.json", headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["etag"]}
    )
    assert revalidated.status_code == 304

    # Small bodies are not worth compressing.
    small = await client.get("/health", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers


async def test_gzip_body_is_real_gzip(database_url: str) -> None:
    app = _app(database_url)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        request = httpx.Request("GET", "http://api/openapi.json", headers={"Accept-Encoding": "gzip"})
        response = await transport.handle_async_request(request)
        body = b"".join([chunk async for chunk in response.stream])  # type: ignore[union-attr]
        assert body[:2] == b"\x1f\x8b"
        assert gzip.decompress(body).startswith(b"{")


async def test_errors_are_problem_json(client: httpx.AsyncClient) -> None:
    unknown_route = await client.get("/no/such/thing")
    assert unknown_route.status_code == 404
    assert unknown_route.headers["content-type"] == "application/problem+json"
    body = unknown_route.json()
    assert body["status"] == 404 and body["title"] == "Not Found" and body["instance"] == "/no/such/thing"

    unknown_id = await client.get("/v1/people/test-no-such-person")
    assert unknown_id.status_code == 404
    assert unknown_id.headers["content-type"] == "application/problem+json"
    assert unknown_id.json()["status"] == 404

    bad_param = await client.get("/v1/people", params={"limit": "lots"})
    assert bad_param.status_code == 422
    assert bad_param.headers["content-type"] == "application/problem+json"
    problem = bad_param.json()
    assert problem["parameter"] == "limit"
    assert "limit" in problem["detail"]
    assert problem["errors"][0]["in"] == "query"

    not_allowed = await client.delete("/v1/jurisdictions")
    assert not_allowed.status_code == 405
    assert not_allowed.headers["content-type"] == "application/problem+json"
    assert "GET" in not_allowed.headers["allow"]


async def test_unexpected_exception_is_a_500_problem_without_traceback(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/status/test-boom", headers={"X-Request-ID": "boom-1"})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 500 and body["request_id"] == "boom-1"
    assert "Traceback" not in response.text and "boom: an unexpected failure" not in response.text
    assert response.headers["x-request-id"] == "boom-1"
    assert sample("http_requests_total", method="GET", route="/v1/status/test-boom", status="500") >= 1


async def test_metrics_use_route_templates_and_skip_health(client: httpx.AsyncClient) -> None:
    before_unmatched = sample("http_requests_total", method="GET", route="unmatched", status="404")
    await client.get("/v1/people/test-metrics-probe")
    await client.get("/v1/jurisdictions")
    await client.get("/test/not/a/route")
    await client.get("/health")
    await client.get("/health/ready")
    text = (await client.get("/metrics")).text

    routes = {line.split('route="', 1)[1].split('"', 1)[0] for line in text.splitlines() if 'route="' in line}
    assert "/v1/jurisdictions" in routes
    assert any(r.startswith("/v1/people/{") for r in routes)
    assert not any("test-metrics-probe" in r or "not/a/route" in r for r in routes)
    assert not any(r.startswith("/health") or r == "/metrics" for r in routes)
    assert sample("http_requests_total", method="GET", route="unmatched", status="404") == before_unmatched + 1
    assert 'http_request_duration_seconds_bucket{le="0.5",method="GET",route="/v1/jurisdictions"}' in text
    for name in (
        "http_requests_in_flight",
        "openpolicy_build_info{",
        'openpolicy_dependency_up{dependency="database"} 1.0',
        "openpolicy_db_pool_size",
        "openpolicy_db_pool_connections_in_use",
    ):
        assert name in text, name
    assert (await client.get("/metrics")).headers["cache-control"] == "no-store"


async def test_request_id_accepted_when_sane_else_generated(client: httpx.AsyncClient) -> None:
    echoed = await client.get("/v1/jurisdictions", headers={"X-Request-ID": "req-42.abc"})
    assert echoed.headers["x-request-id"] == "req-42.abc"
    for bad in ("has spaces in it", "x" * 200, "<script>"):
        generated = await client.get("/v1/jurisdictions", headers={"X-Request-ID": bad})
        value = generated.headers["x-request-id"]
        assert value != bad and len(value) == 32 and all(c in "0123456789abcdef" for c in value)
    fresh = await client.get("/v1/jurisdictions")
    assert len(fresh.headers["x-request-id"]) == 32


async def test_health_and_readiness(client: httpx.AsyncClient) -> None:
    live = await client.get("/health")
    assert live.status_code == 200 and live.json() == {"status": "ok"}
    ready = await client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json()["checks"]["database"]["status"] == "up"
    assert ready.headers["cache-control"] == "no-store"


async def test_redis_response_cache_hits_and_invalidation(database_url: str, redis_url: str) -> None:
    async for client in _client(_app(database_url, redis_url=redis_url)):
        hits = sample("openpolicy_cache_hits_total")
        first = await client.get("/v1/jurisdictions", params={"limit": "5", "sort": "name"})
        assert first.status_code == 200 and first.headers["x-cache"] == "miss"
        # Same query in another order: the same cache entry.
        second = await client.get("/v1/jurisdictions", params={"sort": "name", "limit": "5"})
        assert second.headers["x-cache"] == "hit"
        assert second.content == first.content and second.headers["etag"] == first.headers["etag"]
        assert sample("openpolicy_cache_hits_total") == hits + 1
        conditional = await client.get(
            "/v1/jurisdictions?limit=5&sort=name", headers={"If-None-Match": first.headers["etag"]}
        )
        assert conditional.status_code == 304 and conditional.headers["x-cache"] == "hit"
        # A hit keeps the route template in the metrics.
        text = (await client.get("/metrics")).text
        assert 'http_requests_total{method="GET",route="/v1/jurisdictions",status="304"}' in text

        bump_generations(redis_url, ["jurisdictions"])
        # Every process sees the new generation within GENERATION_CHECK_SECONDS (1 s).
        deadline = time.monotonic() + 3
        while True:
            after = await client.get("/v1/jurisdictions", params={"limit": "5", "sort": "name"})
            if after.headers["x-cache"] == "miss":
                break
            assert time.monotonic() < deadline, "the bumped generation was not seen within 3 s"
            await asyncio.sleep(0.05)
        assert (await client.get("/v1/jurisdictions", params={"limit": "5", "sort": "name"})).headers[
            "x-cache"
        ] == "hit"
        # Errors are never cached.
        for _ in range(2):
            missing = await client.get("/v1/jurisdictions/test-missing")
            assert missing.status_code == 404 and "x-cache" not in missing.headers

    with pytest.raises(ValueError, match="unknown cache resource"):
        bump_generations(redis_url, ["peoples"])


async def test_dead_redis_costs_a_flag_check_and_is_counted(database_url: str) -> None:
    dead = f"redis://127.0.0.1:{free_port()}/0"
    async for client in _client(_app(database_url, redis_url=dead)):
        get_errors = sample("openpolicy_cache_errors_total", operation="get")
        bypass = sample("openpolicy_cache_errors_total", operation="bypass")
        for _ in range(5):
            response = await client.get("/v1/jurisdictions")
            assert response.status_code == 200
        # One real attempt, then the circuit breaker skips Redis for the following requests.
        assert sample("openpolicy_cache_errors_total", operation="get") == get_errors + 1
        assert sample("openpolicy_cache_errors_total", operation="bypass") >= bypass + 4
        ready = await client.get("/health/ready")
        assert ready.status_code == 200
        assert ready.json()["status"] == "degraded"
        assert ready.json()["checks"]["redis"]["status"] == "down"
        assert sample("openpolicy_dependency_up", dependency="redis") == 0.0


async def test_openapi_documents_problem_json_and_responses_match_it(client: httpx.AsyncClient) -> None:
    import jsonschema

    schema = (await client.get("/openapi.json")).json()
    problem_schema = schema["components"]["schemas"]["Problem"]
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    documented = schema["paths"]["/v1/people"]["get"]["responses"]["422"]["content"]
    assert list(documented) == ["application/problem+json"]
    for response in (
        await client.get("/v1/people", params={"limit": "lots"}),
        await client.get("/v1/people/test-nobody"),
        await client.get("/nowhere"),
    ):
        jsonschema.validate(response.json(), problem_schema)


async def test_unknown_methods_do_not_grow_label_values(client: httpx.AsyncClient) -> None:
    response = await client.request("BREW", "/v1/jurisdictions")
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"
    assert sample("http_requests_total", method="OTHER", route="/v1/jurisdictions", status="405") >= 1
    assert 'method="BREW"' not in (await client.get("/metrics")).text


async def test_repeated_parameters_are_refused_and_never_share_a_cached_answer(
    database_url: str, redis_url: str
) -> None:
    """``limit=1&limit=3`` and ``limit=3&limit=1`` sort to the same query string: the api refuses both (400), so no
    cached answer can stand for either; distinct parameters in two orders share their answer and its key."""
    async for client in _client(_app(database_url, redis_url=redis_url)):
        for query in ("limit=1&limit=3", "limit=3&limit=1", "limit=1&limit=3"):
            response = await client.get(f"/v1/jurisdictions?{query}")
            assert response.status_code == 400, response.text
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["parameter"] == "limit"
            assert "x-cache" not in response.headers
        first = await client.get("/v1/jurisdictions?sort=name&limit=1")
        second = await client.get("/v1/jurisdictions?limit=1&sort=name")
        assert first.status_code == second.status_code == 200
        assert (first.headers["x-cache"], second.headers["x-cache"]) == ("miss", "hit")
        assert first.content == second.content
        other = await client.get("/v1/jurisdictions?limit=2&sort=name")
        assert other.headers["x-cache"] == "miss"
