"""The web-interface's operational contract, over HTTP against real api and web processes."""

from __future__ import annotations

import html
import json
import re
import time
import uuid

import httpx
from tests.conftest import LiveStack


def test_health_ready_and_metrics(live_stack: LiveStack) -> None:
    assert httpx.get(f"{live_stack.web}/health").json() == {"status": "ok"}
    ready = httpx.get(f"{live_stack.web}/health/ready")
    assert ready.status_code == 200
    assert ready.json()["checks"]["api"]["status"] == "up"
    vote = httpx.get(f"{live_stack.api}/v1/votes", params={"limit": 1}).json()["results"][0]
    page = httpx.get(f"{live_stack.web}/votes/{vote['id']}")
    assert page.status_code == 200
    # the page shows this vote: its motion as the heading, its ballot total and each voter the api lists
    detail = httpx.get(f"{live_stack.api}/v1/votes/{vote['id']}").json()
    text = html.unescape(page.text)
    assert f'<span class="kind">Vote</span> {detail["motion"]}</h1>' in text
    assert detail["ballot_total"] > 0 and f"{detail['ballot_total']} ballots in all." in text
    voters = [b["voter_name"] for g in detail["by_party"] for b in g["ballots"]]
    assert len(voters) == detail["ballot_total"] and all(f">{name}<" in text for name in voters)
    metrics = httpx.get(f"{live_stack.web}/metrics").text
    # same metric names as the api; the route label is the template, never the raw id
    assert re.search(r'http_requests_total\{method="GET",route="/votes/\{vote_id:path\}",status="200"\}', metrics)
    assert 'http_request_duration_seconds_bucket{le="0.5",method="GET",route="/votes/{vote_id:path}"}' in metrics
    assert vote["id"] not in metrics
    assert "openpolicy_build_info{commit=" in metrics and 'service="web-interface"' in metrics


def test_static_assets_are_cacheable_and_versioned(live_stack: LiveStack) -> None:
    html = httpx.get(f"{live_stack.web}/status").text
    match = re.search(r'href="(/static/site\.css\?v=[0-9a-f]{12})"', html)
    assert match, "stylesheet link carries a content hash"
    css = httpx.get(live_stack.web + match.group(1))
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert "immutable" in css.headers["cache-control"] and "max-age=31536000" in css.headers["cache-control"]
    again = httpx.get(live_stack.web + match.group(1), headers={"If-None-Match": css.headers["etag"]})
    assert again.status_code == 304
    assert httpx.get(f"{live_stack.web}/static/nope.css").status_code == 404


def test_request_id_is_passed_to_the_api(live_stack: LiveStack) -> None:
    request_id = uuid.uuid4().hex
    # a query of its own: a rendered /bills may sit in the web's page cache from an earlier test
    response = httpx.get(f"{live_stack.web}/bills", params={"q": request_id}, headers={"X-Request-ID": request_id})
    assert response.status_code == 200
    assert response.headers["x-request-id"] == request_id
    deadline = time.monotonic() + 10
    api_lines: list[dict[str, object]] = []
    while time.monotonic() < deadline and not api_lines:
        for log in live_stack.logs.glob("api-*.log"):
            for line in log.read_text(errors="replace").splitlines():
                if request_id in line and line.startswith("{"):
                    api_lines.append(json.loads(line))
        time.sleep(0.2)
    routes = {line.get("route") for line in api_lines}
    assert "/v1/bills" in routes, "the api logged the web's request id on its own request line"


def test_bad_filter_value_is_a_400_page_not_a_500(live_stack: LiveStack) -> None:
    response = httpx.get(f"{live_stack.web}/votes", params={"date_after": "not-a-date"})
    assert response.status_code == 400
    assert "date_after" in response.text
    assert "Traceback" not in response.text
    long = httpx.get(f"{live_stack.web}/people", params={"q": "x" * 500})
    assert long.status_code == 400
    assert "q" in long.text and long.headers["content-type"].startswith("text/html")


def _requests_counted(base: str) -> dict[str, float]:
    """GET 200 requests per route template, from the service's /metrics."""
    counts: dict[str, float] = {}
    for match in re.finditer(
        r'^http_requests_total\{method="GET",route="([^"]+)",status="200"\} ([0-9.e+]+)$',
        httpx.get(f"{base}/metrics").text,
        re.M,
    ):
        counts[match.group(1)] = float(match.group(2))
    return counts


def test_page_micro_cache_reuses_rendered_pages(live_stack: LiveStack) -> None:
    bill = httpx.get(f"{live_stack.api}/v1/bills", params={"limit": 1}).json()["results"][0]
    url = f"{live_stack.web}/bills/{bill['id']}"
    first = httpx.get(url)
    assert first.headers["x-page-cache"] in {"miss", "hit"}
    # a client's no-cache does not go around the server's cache (one client cannot make every page cost a render)
    second = httpx.get(url, headers={"Cache-Control": "no-cache"})
    before = _requests_counted(live_stack.web)
    third = httpx.get(url)
    after = _requests_counted(live_stack.web)
    assert (second.headers["x-page-cache"], third.headers["x-page-cache"]) == ("hit", "hit")
    assert third.text == second.text and third.headers["cache-control"] == "public, max-age=30"
    assert third.headers["x-request-id"] != second.headers["x-request-id"]  # ids are per request, not cached
    # a cache hit is counted under its route template, like any other request
    assert after["/bills/{bill_id:path}"] == before["/bills/{bill_id:path}"] + 1
    missing = httpx.get(f"{live_stack.web}/bills/ocd-bill/none")
    again = httpx.get(f"{live_stack.web}/bills/ocd-bill/none")
    assert missing.status_code == again.status_code == 404  # errors are never cached
    assert again.headers.get("x-page-cache") == "miss"
