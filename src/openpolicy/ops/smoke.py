"""`openpolicy smoke URL [--web-url URL]`: is a running deployment really serving?

Checks the api (liveness, readiness, /metrics with the platform's metric names, the `/v1` list endpoints
its OpenAPI document declares) and, given ``--web-url``, the web interface (health, readiness, metrics, the
home page and the pages it links to). Every check is recorded with its status and the reason it failed.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from openpolicy.observability import names

# The names every service must expose on /metrics (the http_* family and the build info).
EXPECTED_METRICS: tuple[str, ...] = (
    names.HTTP_REQUESTS_TOTAL,
    names.HTTP_REQUEST_DURATION_SECONDS,
    names.HTTP_REQUESTS_IN_FLIGHT,
    names.BUILD_INFO,
)
MAX_V1_ENDPOINTS = 5
MAX_WEB_PAGES = 5


@dataclass
class Check:
    name: str
    url: str
    ok: bool
    status: int | None = None
    detail: str = ""
    elapsed_ms: float = 0.0


@dataclass
class SmokeReport:
    api_url: str
    web_url: str | None
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    def summary(self) -> str:
        if self.ok:
            return f"{len(self.checks)} checks passed"
        return "; ".join(f"{c.name}: {c.detail}" for c in self.failed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "api_url": self.api_url,
            "web_url": self.web_url,
            "passed": sum(1 for c in self.checks if c.ok),
            "failed": [c.name for c in self.failed],
            "checks": [asdict(c) for c in self.checks],
        }


def metric_names(text: str) -> set[str]:
    """Metric names declared (``# TYPE``) or sampled in a Prometheus text exposition."""
    found: set[str] = set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            parts = line.split()
            if len(parts) >= 3:
                found.add(parts[2])
        elif line and not line.startswith("#"):
            found.add(line.split("{", 1)[0].split(" ", 1)[0])
    return found


def _problem_detail(response: httpx.Response) -> str:
    """A short reason from a problem+json (or other) error body, naming failed dependencies when listed."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200].strip()
    if not isinstance(body, dict):
        return str(body)[:200]
    parts = [str(body.get("detail") or body.get("title") or "")]
    failed = body.get("failed")
    if isinstance(failed, list) and failed:
        parts.append(f"(failed: {', '.join(map(str, failed))})")
    return " ".join(p for p in parts if p) or str(body)[:200]


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


class _Runner:
    def __init__(self, client: httpx.Client, report: SmokeReport) -> None:
        self.client = client
        self.report = report

    def get(self, name: str, url: str, *, expect_type: str | None = None) -> httpx.Response | None:
        started = time.monotonic()
        try:
            response = self.client.get(url)
        except httpx.HTTPError as exc:
            self._add(Check(name, url, False, None, f"request failed: {type(exc).__name__}: {exc}"), started)
            return None
        check = Check(name, url, response.status_code == 200, response.status_code)
        ctype = response.headers.get("content-type", "")
        if not check.ok:
            check.detail = f"HTTP {response.status_code}: {_problem_detail(response)}"
        elif expect_type and expect_type not in ctype:
            check.ok, check.detail = False, f"content-type {ctype!r}, expected {expect_type}"
        self._add(check, started)
        return response if check.ok else None

    def _add(self, check: Check, started: float) -> None:
        check.elapsed_ms = round((time.monotonic() - started) * 1000, 1)
        self.report.checks.append(check)

    def metrics(self, name: str, base: str) -> None:
        url = f"{base}/metrics"
        response = self.get(name, url)
        if response is None:
            return
        missing = [m for m in EXPECTED_METRICS if m not in metric_names(response.text)]
        if missing:
            check = self.report.checks[-1]
            check.ok, check.detail = False, f"metrics missing: {', '.join(missing)}"

    def health(self, service: str, base: str) -> None:
        self.get(f"{service} /health", f"{base}/health")
        self.get(f"{service} /health/ready", f"{base}/health/ready")
        self.metrics(f"{service} /metrics", base)


def _v1_list_paths(spec: dict[str, Any]) -> list[str]:
    paths = []
    for path, operations in sorted(spec.get("paths", {}).items()):
        if path.startswith("/v1/") and "{" not in path and "get" in operations:
            paths.append(path)
    return paths[:MAX_V1_ENDPOINTS]


def run_smoke(api_url: str, web_url: str | None = None, *, timeout: float = 10.0) -> SmokeReport:
    """Run every check; never raises for a failing service (failures are in the report)."""
    api = api_url.rstrip("/")
    web = web_url.rstrip("/") if web_url else None
    report = SmokeReport(api, web)
    with httpx.Client(timeout=timeout, follow_redirects=True, headers={"User-Agent": "openpolicy-smoke"}) as client:
        runner = _Runner(client, report)
        runner.health("api", api)
        spec_response = runner.get("api /openapi.json", f"{api}/openapi.json", expect_type="json")
        if spec_response is not None:
            paths = _v1_list_paths(spec_response.json())
            if not paths:
                report.checks.append(
                    Check(
                        "api /v1", f"{api}/openapi.json", False, None, "openapi.json declares no GET /v1 list endpoint"
                    )
                )
            for path in paths:
                runner.get(f"api GET {path}", f"{api}{path}", expect_type="json")
        if web:
            runner.health("web", web)
            home = runner.get("web page /", f"{web}/", expect_type="text/html")
            if home is not None:
                for path in _internal_links(home.text, web):
                    runner.get(f"web page {path}", f"{web}{path}", expect_type="text/html")
    return report


def _internal_links(html: str, base: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    host = urlsplit(base).netloc
    seen: list[str] = []
    for href in parser.hrefs:
        parts = urlsplit(urljoin(base + "/", href))
        if parts.netloc != host or parts.scheme not in {"http", "https"}:
            continue
        path = parts.path or "/"
        skip = path == "/" or path.startswith(("/static", "/metrics", "/health")) or path in seen
        if not skip:
            seen.append(path)
        if len(seen) >= MAX_WEB_PAGES:
            break
    return seen
