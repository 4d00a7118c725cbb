"""Typed async client of the api-service: the web-interface reads the platform only through it.

Timeouts, connection pooling, retries (idempotent GETs only, on connection errors and 502/503/504, with
exponential backoff), `X-Request-ID` passed on; W3C trace context is injected by the OpenTelemetry httpx
instrumentation when tracing is on. Responses are validated against the api's own response models.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, TypeVar

import httpx
import orjson
import structlog
from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)

RETRY_STATUSES = frozenset({502, 503, 504})


class ApiError(Exception):
    """The api answered with an error the page cannot recover from."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"api answered {status}: {detail}")
        self.status = status
        self.detail = detail


class ApiUnavailable(ApiError):
    """The api could not be reached, timed out, or answered 5xx after the retries."""


class ApiNotFound(ApiError):
    """The api has no such record (404)."""


class ApiBadRequest(ApiError):
    """The api rejected a parameter (400/422); ``detail`` says which."""


def _problem_detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase or "error"
    if isinstance(body, dict):
        return str(body.get("detail") or body.get("title") or body)
    return str(body)


def _plain_path(path: str) -> bool:
    """An absolute api path whose segments are not ``.`` or ``..`` and hold no control, ``?``, ``#``, ``%`` or
    backslash character: what the web may ask (ids of records come from the api itself)."""
    if not path.startswith("/") or any(ch in path for ch in "?#%\\") or not path.isprintable():
        return False
    return all(segment not in {".", ".."} for segment in path.split("/"))


class ApiClient:
    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 5.0,
        retries: int = 2,
        backoff: float = 0.1,
        transport: httpx.AsyncBaseTransport | None = None,
        max_connections: int = 64,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.retries = retries
        self.backoff = backoff
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 2.0)),
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
            transport=transport,
            # identity: web and api sit side by side; compressing and inflating every answer only costs CPU
            headers={"Accept": "application/json", "Accept-Encoding": "identity", "User-Agent": "openpolicy-web"},
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET an api path; a path that no api record can have (a dot segment, a control, query or fragment
        character, e.g. from an id typed into a page's URL) is ApiNotFound without asking the api."""
        if not _plain_path(path):
            raise ApiNotFound(404, "no such record")
        clean = {k: v for k, v in (params or {}).items() if v not in (None, "", [])}
        headers = {}
        # The observability middleware binds the incoming request's id; pass it on to the api.
        request_id = structlog.contextvars.get_contextvars().get("request_id")
        if request_id:
            headers["X-Request-ID"] = str(request_id)
        attempt = 0
        while True:
            try:
                response = await self._http.get(path, params=clean, headers=headers)
            except httpx.TransportError as exc:
                if attempt >= self.retries:
                    raise ApiUnavailable(503, f"{type(exc).__name__}: {exc}") from exc
            else:
                if response.status_code < 400:
                    return orjson.loads(response.content)
                if response.status_code == 404:
                    raise ApiNotFound(404, _problem_detail(response))
                if response.status_code in (400, 422):
                    raise ApiBadRequest(response.status_code, _problem_detail(response))
                if response.status_code not in RETRY_STATUSES or attempt >= self.retries:
                    raise ApiUnavailable(response.status_code, _problem_detail(response))
            attempt += 1
            await asyncio.sleep(self.backoff * (2 ** (attempt - 1)))

    async def get_model(self, model: type[M], path: str, params: Mapping[str, Any] | None = None) -> M:
        return model.model_validate(await self.get_json(path, params))

    async def ping(self) -> bool:
        """True when the api answers its liveness endpoint (used by the web's readiness)."""
        try:
            response = await self._http.get("/health", timeout=1.0)
        except httpx.HTTPError:
            return False
        return response.status_code == 200
