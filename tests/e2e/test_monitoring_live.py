"""Live monitoring: the project's Prometheus and Alertmanager config (Debian's binaries, loopback) watching a
real api-service on a private PostgreSQL and Redis, with the postgres, redis, node and blackbox exporters.

The only differences from the committed config are written down in tests/support/monitoring.py (targets,
1 s intervals, `for:` capped at 2 s, Alertmanager group timings and secret files). A webhook receiver in the
test gets Alertmanager's notifications. Scenarios: targets up; every dashboard query returns data; stale and
failing import sources; ServiceDown inhibits its symptoms; Redis outage; every platform metric name used by a
rule or dashboard is exported by the live api; PostgreSQL outage under load (HighErrorRate, DatabaseDown and
the generated SLO page); api down → notified → resolved.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from tests.support import OPENPOLICY, Service, free_port, wait_http, with_database
from tests.support.monitoring import (
    BLACKBOX_YML,
    RULES_DIR,
    WEBHOOK_TOKEN,
    Stack,
    WebhookReceiver,
    derive_alertmanager_config,
    derive_prometheus_config,
    derive_rules,
    firing,
    metric_names,
    query,
    start_alertmanager,
    start_prometheus,
    wait_until,
)
from tests.support.services import PrivatePostgres, PrivateRedis
from tools.dashboards import PanelQuery, panel_queries

from openpolicy.observability import names

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

LOAD_PATHS = ["/v1/people", "/v1/bills", "/v1/votes", "/v1/organizations", "/v1/jurisdictions", "/v1/committees"]
ALERT_TIMEOUT = 30.0

EXPECTED_INTERVALS = {"popolo": 7 * 86400, "us-congress": 86400, "ourcommons": 86400}
SEED_RUNS = """
INSERT INTO import_runs (source, location, started_at, finished_at, status, counts, triggered_by) VALUES
  ('popolo', 'test', now() - interval '61 minutes', now() - interval '1 hour', 'succeeded',
   '{"people": {"inserted": 10, "updated": 2, "unchanged": 0, "deleted": 0}}', 'test:monitoring'),
  ('us-congress', 'test', now() - interval '3 days 2 minutes', now() - interval '3 days', 'succeeded',
   '{"bills": {"inserted": 5, "updated": 0, "unchanged": 0, "deleted": 0}}', 'test:monitoring'),
  ('ourcommons', 'test', now() - interval '10 minutes', now() - interval '9 minutes', 'failed', '{}',
   'test:monitoring')
"""
FAILED_RUN = """
INSERT INTO import_runs (source, location, started_at, finished_at, status, error, triggered_by)
VALUES ('ourcommons', 'test', now() - interval '1 minute', now(), 'failed', 'HTTP 502 from upstream', 'test:monitoring')
"""


async def _execute(url: str, *statements: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        for sql in statements:
            await conn.execute(sql)
    finally:
        await conn.close()


class Load:
    """Steady GET traffic on the api's data routes from a background thread (about 40 requests/s)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.statuses: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=5.0) as client:
            i = 0
            while not self._stop.is_set():
                # Cacheable list pages (Redis hits after the first) alternate with searches for a new term
                # each time, which always reach PostgreSQL.
                path = LOAD_PATHS[(i // 2) % len(LOAD_PATHS)] if i % 2 == 0 else f"/v1/search?q=term{i}"
                try:
                    self.statuses.append(client.get(path).status_code)
                except httpx.HTTPError:
                    self.statuses.append(0)
                i += 1
                self._stop.wait(0.025)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)


@dataclass
class Platform:
    work: Path
    pg: PrivatePostgres
    redis: PrivateRedis
    database_url: str
    api_port: int
    api: Service
    prometheus: str
    alertmanager: str
    webhook: WebhookReceiver
    load: Load
    web: Service | None = None
    notifier: Service | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def start_api(self) -> Service:
        env = {
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis.url,
            "API_PORT": str(self.api_port),
            "HOST": "127.0.0.1",
            "LOG_FORMAT": "json",
            "DB_CONNECT_TIMEOUT_SECONDS": "1",
            "SHUTDOWN_GRACE_SECONDS": "1",
            # The sources and intervals SEED_RUNS is written against (independent of the defaults).
            "IMPORT_EXPECTED_INTERVALS": json.dumps(EXPECTED_INTERVALS),
        }
        service = Service(["serve", "api"], env, self.work / f"api-{time.monotonic_ns()}.log")
        _started(service, f"{self.api_base}/health")
        return service


def _started(service: Service, health_url: str) -> None:
    try:
        wait_http(health_url, proc=service.proc)
    except (RuntimeError, TimeoutError) as exc:
        service.stop()
        raise AssertionError(f"{' '.join(service.args)} did not start: {exc}\n{service.logs()[-4000:]}") from None


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    from openpolicy.db.migrations import upgrade

    work = tmp_path_factory.mktemp("monitoring-live")
    assert Path(OPENPOLICY).exists()
    with contextlib.ExitStack() as cleanup:
        pg = PrivatePostgres()
        cleanup.callback(pg.close)
        redis = PrivateRedis()
        cleanup.callback(redis.stop)
        asyncio.run(_execute(pg.url, "CREATE DATABASE openpolicy"))
        database_url = with_database(pg.url, "openpolicy")
        upgrade(database_url)
        asyncio.run(_execute(database_url, SEED_RUNS))

        stack = Stack()
        cleanup.callback(stack.stop)
        ports = {job: free_port() for job in ("prometheus", "node-exporter", "postgres-exporter", "redis-exporter")}
        blackbox_port = free_port()
        platform = Platform(
            work=work,
            pg=pg,
            redis=redis,
            database_url=database_url,
            api_port=free_port(),
            api=None,  # type: ignore[arg-type]
            prometheus="",
            alertmanager="",
            webhook=WebhookReceiver(),
            load=None,  # type: ignore[arg-type]
        )
        cleanup.callback(platform.webhook.close)
        platform.api = platform.start_api()
        cleanup.callback(lambda: platform.api.stop())

        targets = {job: [f"127.0.0.1:{port}"] for job, port in ports.items()}
        targets["api-service"] = [f"127.0.0.1:{platform.api_port}"]
        web_port = free_port()
        platform.web = Service(
            ["serve", "web"],
            {
                "API_URL": platform.api_base,
                "WEB_PORT": str(web_port),
                "HOST": "127.0.0.1",
                "LOG_FORMAT": "json",
                "SHUTDOWN_GRACE_SECONDS": "1",
            },
            work / "web.log",
        )
        cleanup.callback(platform.web.stop)
        _started(platform.web, f"http://127.0.0.1:{web_port}/health")
        targets["web-interface"] = [f"127.0.0.1:{web_port}"]
        # the webhook notifier (job notifier): its metrics feed the webhooks dashboard and alerts
        notifier_port = free_port()
        platform.notifier = Service(
            ["serve", "notifier"],
            {
                "DATABASE_URL": database_url,
                "NOTIFIER_PORT": str(notifier_port),
                "HOST": "127.0.0.1",
                "LOG_FORMAT": "json",
                "SHUTDOWN_GRACE_SECONDS": "1",
                "WEBHOOK_SECRETS_KEY": "monitoring-live-test-key-" + "k" * 16,
            },
            work / "notifier.log",
        )
        cleanup.callback(platform.notifier.stop)
        _started(platform.notifier, f"http://127.0.0.1:{notifier_port}/health/live")
        targets["notifier"] = [f"127.0.0.1:{notifier_port}"]

        stack.start(
            ["prometheus-node-exporter", f"--web.listen-address=127.0.0.1:{ports['node-exporter']}"],
            work / "node-exporter.log",
            f"http://127.0.0.1:{ports['node-exporter']}/metrics",
        )
        stack.start(
            ["prometheus-postgres-exporter", f"--web.listen-address=127.0.0.1:{ports['postgres-exporter']}"],
            work / "postgres-exporter.log",
            f"http://127.0.0.1:{ports['postgres-exporter']}/metrics",
            env={"DATA_SOURCE_NAME": f"{pg.url}&sslmode=disable", "PATH": "/usr/bin:/bin"},
        )
        stack.start(
            [
                "prometheus-redis-exporter",
                f"-redis.addr=redis://127.0.0.1:{redis.port}",
                f"-web.listen-address=127.0.0.1:{ports['redis-exporter']}",
            ],
            work / "redis-exporter.log",
            f"http://127.0.0.1:{ports['redis-exporter']}/metrics",
        )
        stack.start(
            [
                "prometheus-blackbox-exporter",
                f"--config.file={BLACKBOX_YML}",
                f"--web.listen-address=127.0.0.1:{blackbox_port}",
            ],
            work / "blackbox.log",
            f"http://127.0.0.1:{blackbox_port}/metrics",
        )
        am_config = derive_alertmanager_config(
            webhook_url=f"{platform.webhook.url}/webhook",
            slack_url=f"{platform.webhook.url}/slack",
            secrets_dir=work / "am-secrets",
        )
        platform.alertmanager = start_alertmanager(stack, am_config, work)
        prom_config = derive_prometheus_config(
            targets=targets,
            alertmanager=platform.alertmanager.removeprefix("http://"),
            rule_files=derive_rules(work / "rules", for_cap="2s"),
            probe_url=f"{platform.api_base}/health/ready",
            blackbox=f"127.0.0.1:{blackbox_port}",
            # postgres_exporter takes ~1.1 s per scrape while PostgreSQL is down (its reconnect wait).
            job_intervals={"postgres-exporter": "2s"},
        )
        platform.extra["targets"] = targets
        platform.prometheus = start_prometheus(stack, prom_config, work, port=ports["prometheus"])
        platform.load = Load(platform.api_base)
        cleanup.callback(lambda: platform.load.stop())
        yield platform


def _targets(platform: Platform) -> list[dict[str, Any]]:
    data = httpx.get(f"{platform.prometheus}/api/v1/targets", timeout=10).json()
    active: list[dict[str, Any]] = data["data"]["activeTargets"]
    return active


def test_targets_are_up(platform: Platform) -> None:
    expected = set(platform.extra["targets"]) | {"blackbox-api-ready"}

    def all_up() -> bool:
        active = _targets(platform)
        return {t["labels"]["job"] for t in active} == expected and all(t["health"] == "up" for t in active)

    wait_until(all_up, 20, f"targets {sorted(expected)} up")
    assert query(platform.prometheus, 'probe_success{job="blackbox-api-ready"} == 1')


def test_every_dashboard_query_returns_data(platform: Platform) -> None:
    # The web-interface's own queries are run by test_web_interface_is_scraped_and_its_dashboard_has_data.
    queries = [q for q in panel_queries() if q.jobs() != {"web-interface"}]
    assert len(queries) > 40
    _assert_queries_return_data(platform, queries)


def _assert_queries_return_data(platform: Platform, queries: list[PanelQuery]) -> None:
    def empty() -> list[str]:
        return [
            f"{q.dashboard}/{q.panel}: {q.expr}" for q in queries if not query(platform.prometheus, q.promql("15s"))
        ]

    deadline = time.monotonic() + 40
    missing = empty()
    while missing and time.monotonic() < deadline:
        time.sleep(1)
        missing = empty()
    assert missing == [], "dashboard queries without data"


def test_web_interface_is_scraped_and_its_dashboard_has_data(platform: Platform) -> None:
    assert platform.web is not None
    web_base = f"http://{platform.extra['targets']['web-interface'][0]}"
    with httpx.Client(base_url=web_base, timeout=10) as client:
        for _ in range(20):
            client.get("/")
    wait_until(lambda: query(platform.prometheus, 'up{job="web-interface"} == 1'), 20, "web-interface target up")
    web_queries = [q for q in panel_queries() if q.jobs() == {"web-interface"}]
    _assert_queries_return_data(platform, web_queries)
    used = {name for q in web_queries for name in metric_names(q.expr)}
    exported = _exported_names(web_base)
    assert used - exported == set(), "used by the web dashboard but not exported by the live web-interface"


def test_stale_and_failing_import_sources(platform: Platform) -> None:
    def stale_sources() -> set[str]:
        return {a["labels"]["source"] for a in firing(platform.prometheus, "StaleData")}

    # us-congress last succeeded 3 days ago (expected daily); ourcommons never succeeded; popolo is fresh.
    wait_until(
        lambda: stale_sources() == {"us-congress", "ourcommons"}, ALERT_TIMEOUT, "StaleData for us-congress, ourcommons"
    )
    platform.webhook.wait_for("StaleData", "firing", ALERT_TIMEOUT, source="us-congress", team="data")
    # One more failed run of ourcommons while Prometheus watches → the failure counter increases.
    asyncio.run(_execute(platform.database_url, FAILED_RUN))
    wait_until(
        lambda: [a for a in firing(platform.prometheus, "ImportFailing") if a["labels"]["source"] == "ourcommons"],
        ALERT_TIMEOUT,
        "ImportFailing for ourcommons",
    )
    assert not [a for a in firing(platform.prometheus, "ImportFailing") if a["labels"]["source"] != "ourcommons"]
    alert = platform.webhook.wait_for("ImportFailing", "firing", ALERT_TIMEOUT, source="ourcommons")
    assert alert["annotations"]["runbook_url"].endswith("/docs/runbooks/ImportFailing.md")


def test_service_down_inhibits_its_symptoms_in_alertmanager(platform: Platform) -> None:
    """The project's inhibition rules in the real Alertmanager (alerts posted to its API for a test job)."""
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    common = {"job": "inhibition-test", "team": "platform"}
    alerts = [
        {"labels": {**common, "alertname": "ServiceDown", "severity": "critical"}, "startsAt": now},
        {"labels": {**common, "alertname": "HighErrorRate", "severity": "critical", "route": "/v1/x"}, "startsAt": now},
        {
            "labels": {**common, "job": "other-job", "alertname": "HighErrorRate", "severity": "critical"},
            "startsAt": now,
        },
    ]

    def states() -> dict[str, str]:
        found = httpx.get(f"{platform.alertmanager}/api/v2/alerts", timeout=10).json()
        return {
            f"{a['labels']['alertname']}/{a['labels']['job']}": a["status"]["state"]
            for a in found
            if a["labels"].get("job") in {"inhibition-test", "other-job"}
        }

    # The cause first, as in life: Alertmanager's inhibitor learns of alerts asynchronously, so symptoms posted in
    # the same instant as their cause may be flushed to a receiver before the cause is known to the inhibitor.
    response = httpx.post(f"{platform.alertmanager}/api/v2/alerts", json=alerts[:1], timeout=10)
    assert response.status_code == 200, response.text
    wait_until(lambda: states() == {"ServiceDown/inhibition-test": "active"}, 10, "ServiceDown of the test job active")
    response = httpx.post(f"{platform.alertmanager}/api/v2/alerts", json=alerts[1:], timeout=10)
    assert response.status_code == 200, response.text
    wait_until(
        lambda: (
            states()
            == {
                "ServiceDown/inhibition-test": "active",
                "HighErrorRate/inhibition-test": "suppressed",
                "HighErrorRate/other-job": "active",
            }
        ),
        10,
        "HighErrorRate of the down job suppressed, of another job active",
    )
    platform.webhook.wait_for("HighErrorRate", "firing", 10, job="other-job")
    assert not [
        a
        for _, a, _ in platform.webhook.webhook_alerts()
        if a["labels"]["alertname"] == "HighErrorRate" and a["labels"]["job"] == "inhibition-test"
    ]


def _exported_names(base: str) -> set[str]:
    text = httpx.get(f"{base}/metrics", timeout=10).text
    return {m.group(1) for m in re.finditer(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{| )", text, re.M)}


def test_redis_outage_fires_redis_down_and_every_platform_name_is_exported(platform: Platform) -> None:
    platform.redis.stop()
    try:
        wait_until(
            lambda: (
                {"api-service", "redis-exporter"}
                <= {a["labels"]["job"] for a in firing(platform.prometheus, "RedisDown")}
            ),
            ALERT_TIMEOUT,
            "RedisDown seen by the api and by the redis exporter",
        )
        platform.webhook.wait_for("RedisDown", "firing", ALERT_TIMEOUT)
        # The api keeps serving without its cache (degrades, never fails) and counts the cache errors.
        assert httpx.get(f"{platform.api_base}/v1/people", timeout=10).status_code == 200
        assert httpx.get(f"{platform.api_base}/health/ready", timeout=10).status_code == 200
    finally:
        platform.redis.start()

    used: set[str] = set()
    for path in RULES_DIR.glob("*.rules.yml"):
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                used |= metric_names(rule["expr"])
    for q in panel_queries():
        used |= metric_names(q.expr)
    platform_names = set()
    for name in used:
        base = re.sub(r"_(bucket|count|sum)$", "", name)
        if name in names.ALL_METRIC_NAMES or base in names.ALL_METRIC_NAMES:
            platform_names.add(name)
    assert len(platform_names) >= 12
    # the api exports every platform name but the notifier's, which the live notifier exports
    exported = _exported_names(platform.api_base) | _exported_names(
        f"http://{platform.extra['targets']['notifier'][0]}"
    )
    missing = sorted(platform_names - exported)
    assert missing == [], f"used by rules/dashboards but not exported by the live api or notifier: {missing}"


def test_database_outage_under_load_fires_high_error_rate_and_database_down(platform: Platform) -> None:
    platform.pg.stop()
    try:
        wait_until(
            lambda: (
                {"api-service", "postgres-exporter"}
                <= {a["labels"]["job"] for a in firing(platform.prometheus, "DatabaseDown")}
            ),
            ALERT_TIMEOUT,
            "DatabaseDown seen by the api and by the postgres exporter",
        )
        # Every route the load reaches fails; each route's alert fires once its own window has enough errors
        # (not necessarily at the same evaluation): wait for the searches', which always reach PostgreSQL.
        wait_until(
            lambda: [a for a in firing(platform.prometheus, "HighErrorRate") if a["labels"]["route"] == "/v1/search"],
            ALERT_TIMEOUT,
            "HighErrorRate on /v1/search",
        )
        assert all(a["labels"]["job"] == "api-service" for a in firing(platform.prometheus, "HighErrorRate"))
        assert any(500 <= s < 600 for s in platform.load.statuses[-50:])
        # The generated SLO rules see the same outage: the availability budget burns at page speed.
        wait_until(
            lambda: [
                a
                for a in firing(platform.prometheus, "APIAvailabilityErrorBudgetBurn")
                if a["labels"]["severity"] == "critical" and a["labels"]["long_window"] == "1h"
            ],
            ALERT_TIMEOUT,
            "APIAvailabilityErrorBudgetBurn page (1h/5m)",
        )
        platform.webhook.wait_for("DatabaseDown", "firing", ALERT_TIMEOUT, job="api-service")
        platform.webhook.wait_for("HighErrorRate", "firing", ALERT_TIMEOUT, job="api-service")
    finally:
        platform.pg.start()
    wait_http(f"{platform.api_base}/health/ready", timeout=30)


def test_api_down_notifies_service_down_and_resolves(platform: Platform) -> None:
    platform.api.stop()
    try:
        alert = platform.webhook.wait_for("ServiceDown", "firing", ALERT_TIMEOUT, job="api-service")
        assert alert["labels"]["severity"] == "critical"
        assert alert["annotations"]["summary"] == "api-service is down"
        assert alert["annotations"]["runbook_url"].endswith("/docs/runbooks/ServiceDown.md")
        # The webhook's bearer token came from the credentials_file, and the chat receiver got it too.
        auths = {auth for _, a, auth in platform.webhook.webhook_alerts() if a["labels"]["alertname"] == "ServiceDown"}
        assert auths == {f"Bearer {WEBHOOK_TOKEN}"}
        assert wait_until(
            lambda: [r for r in platform.webhook.received if r["path"] == "/slack" and "ServiceDown" in str(r["body"])],
            10,
            "ServiceDown on the chat receiver",
        )
    finally:
        platform.api = platform.start_api()
    platform.webhook.wait_for("ServiceDown", "resolved", ALERT_TIMEOUT, job="api-service")
    wait_until(lambda: not firing(platform.prometheus, "ServiceDown"), ALERT_TIMEOUT, "ServiceDown no longer firing")
