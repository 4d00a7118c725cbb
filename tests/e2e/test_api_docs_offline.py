"""/docs is Swagger UI served by the api itself: in a browser it renders every operation of /openapi.json under
its own Content-Security-Policy, and not one request leaves the api's origin."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
from tests.conftest import LiveStack
from tests.support.web import desktop_page


def test_docs_render_offline_under_the_csp(live_stack: LiveStack) -> None:
    spec = httpx.get(f"{live_stack.api}/openapi.json").json()
    operations = sum(len(item) for item in spec["paths"].values())
    origin = urlsplit(live_stack.api).netloc
    requested: list[str] = []
    refused: list[str] = []
    with desktop_page() as page:
        page.on("request", lambda request: requested.append(request.url))
        page.on("console", lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text else None)
        answer = page.goto(f"{live_stack.api}/docs")
        assert answer is not None and answer.status == 200
        assert "script-src 'self'" in answer.headers["content-security-policy"]
        page.wait_for_selector(".opblock", timeout=20_000)
        shown = page.locator(".opblock").count()
    assert shown == operations
    assert requested and all(urlsplit(url).netloc == origin for url in requested if not url.startswith("data:"))
    assert not refused, refused
