"""Monitoring test helpers: the test override of the project's Prometheus/Alertmanager config, real Prometheus,
Alertmanager and exporter processes on loopback, a webhook receiver, and a PromQL metric-name extractor.

The override (the ONLY differences between what the live test runs and the committed files):

Prometheus (``infrastructure/monitoring/prometheus/prometheus.yml`` and ``rules/*.rules.yml``)
  * ``global.scrape_interval``, ``scrape_timeout`` and ``evaluation_interval`` → ``interval`` (1 s), except
    for a job given its own interval (the postgres exporter: 2 s, as its scrape takes ~1.1 s while the
    database is down);
  * target addresses: every job the test runs gets ``static_configs`` with its loopback address in place of
    ``kubernetes_sd_configs`` (Debian's Prometheus is built without Kubernetes discovery, and no cluster runs
    here); the relabel rules that only read ``__meta_kubernetes_*`` labels go with the discovery they select
    from, every other relabel rule stays; the blackbox job keeps its relabelling with the probed URL and the
    exporter's address replaced; jobs the test does not run (kubernetes-pods, kube-state-metrics, cAdvisor)
    are left out; Alertmanager is addressed statically;
  * every alert's ``for:`` is capped at ``for_cap`` (2 s). Expressions, range windows, thresholds, labels and
    annotations are unchanged.

Alertmanager (``infrastructure/monitoring/alertmanager/alertmanager.yml``)
  * target addresses: the webhook URL → the test's receiver; the Slack URL file → a file holding the test
    receiver's ``/slack`` URL; the SMTP smarthost → a closed loopback port; every ``*_file`` secret → a file
    of the test with a test value;
  * ``group_wait`` 0 s, ``group_interval`` 1 s, ``repeat_interval`` 1 m (routing tree, matchers, receivers
    and inhibition rules unchanged).
"""

from __future__ import annotations

import contextlib
import copy
import json
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import yaml

from tests.support import ROOT, free_port

MONITORING = ROOT / "infrastructure" / "monitoring"
PROMETHEUS_YML = MONITORING / "prometheus" / "prometheus.yml"
RULES_DIR = MONITORING / "prometheus" / "rules"
RULE_TESTS_DIR = MONITORING / "prometheus" / "tests"
BLACKBOX_YML = MONITORING / "prometheus" / "blackbox.yml"
ALERTMANAGER_YML = MONITORING / "alertmanager" / "alertmanager.yml"
ROUTE_CASES = MONITORING / "alertmanager" / "tests" / "routes.yml"
WEBHOOK_TOKEN = "test-webhook-token"  # the test's own value for the webhook credentials_file

# ---------------------------------------------------------------------------------------------------------------
# config override


def _duration_seconds(text: str) -> float:
    total = 0.0
    for number, unit in re.findall(r"(\d+)(ms|s|m|h|d|w|y)", text):
        total += int(number) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}[unit]
    return total


def derive_rules(dest: Path, *, for_cap: str = "2s") -> list[Path]:
    """Copies of the project's rule files with every ``for:`` capped at ``for_cap``; nothing else changes."""
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sorted(RULES_DIR.glob("*.rules.yml")):
        data = yaml.safe_load(path.read_text())
        for group in data["groups"]:
            for rule in group["rules"]:
                if "for" in rule and _duration_seconds(rule["for"]) > _duration_seconds(for_cap):
                    rule["for"] = for_cap
        out = dest / path.name
        out.write_text(yaml.safe_dump(data, sort_keys=False, width=1000))
        written.append(out)
    return written


def _reads_kubernetes_meta(rule: Mapping[str, Any]) -> bool:
    sources = rule.get("source_labels") or []
    return any(str(s).startswith("__meta_kubernetes_") for s in sources) or str(rule.get("regex", "")).startswith(
        "__meta_kubernetes_"
    )


def derive_prometheus_config(
    *,
    targets: Mapping[str, list[str]],
    alertmanager: str | None,
    rule_files: list[Path],
    probe_url: str | None = None,
    blackbox: str | None = None,
    interval: str = "1s",
    job_intervals: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The project's prometheus.yml with only target addresses, intervals and rule-file paths overridden.

    ``job_intervals`` gives a job a longer scrape interval (and timeout) than ``interval``, for an exporter
    whose scrape takes longer than the global one.

    ``targets`` maps job names to loopback ``host:port`` targets; jobs absent from it are left out, except
    the blackbox job, which is kept when ``probe_url`` and ``blackbox`` are given.
    """
    config: dict[str, Any] = copy.deepcopy(yaml.safe_load(PROMETHEUS_YML.read_text()))
    config["global"].update(scrape_interval=interval, scrape_timeout=interval, evaluation_interval=interval)
    config["rule_files"] = [str(p) for p in rule_files]
    if alertmanager:
        config["alerting"] = {"alertmanagers": [{"static_configs": [{"targets": [alertmanager]}]}]}
    else:
        config.pop("alerting", None)
    jobs = []
    for job in config["scrape_configs"]:
        name = job["job_name"]
        if name == "blackbox-api-ready":
            if not (probe_url and blackbox):
                continue
            job["static_configs"] = [{"targets": [probe_url]}]
            for rule in job["relabel_configs"]:
                if rule.get("target_label") == "__address__":
                    rule["replacement"] = blackbox
            jobs.append(job)
            continue
        if name not in targets:
            continue
        if "kubernetes_sd_configs" in job:
            del job["kubernetes_sd_configs"]
            kept = [r for r in job.get("relabel_configs", []) if not _reads_kubernetes_meta(r)]
            if kept:
                job["relabel_configs"] = kept
            else:
                job.pop("relabel_configs", None)
        job["static_configs"] = [{"targets": list(targets[name])}]
        if job_intervals and name in job_intervals:
            job["scrape_interval"] = job["scrape_timeout"] = job_intervals[name]
        jobs.append(job)
    config["scrape_configs"] = jobs
    return config


def derive_alertmanager_config(
    *, webhook_url: str, slack_url: str, secrets_dir: Path, smarthost: str = "127.0.0.1:1"
) -> dict[str, Any]:
    """The project's alertmanager.yml with only target addresses, secret-file paths and group timings overridden."""
    config: dict[str, Any] = copy.deepcopy(yaml.safe_load(ALERTMANAGER_YML.read_text()))
    secrets_dir.mkdir(parents=True, exist_ok=True)
    values = {"slack-api-url": slack_url, "smtp-password": "test-smtp-password", "webhook-token": WEBHOOK_TOKEN}
    for name, value in values.items():
        (secrets_dir / name).write_text(value)

    def relocate(node: Any) -> Any:
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                if (key.endswith("_file") or key == "credentials_file") and isinstance(value, str):
                    out[key] = str(secrets_dir / Path(value).name)
                elif key == "url" and isinstance(value, str):
                    out[key] = webhook_url
                else:
                    out[key] = relocate(value)
            return out
        if isinstance(node, list):
            return [relocate(item) for item in node]
        return node

    config = relocate(config)
    config["global"]["smtp_smarthost"] = smarthost

    def timings(route: dict[str, Any]) -> None:
        for key, value in (("group_wait", "0s"), ("group_interval", "1s"), ("repeat_interval", "1m")):
            if key in route or route is config["route"]:
                route[key] = value
        for child in route.get("routes", []):
            timings(child)

    timings(config["route"])
    return config


def write_yaml(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False, width=1000))
    return path


# ---------------------------------------------------------------------------------------------------------------
# PromQL metric names

_KEYWORDS = {
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "and",
    "or",
    "unless",
    "bool",
    "offset",
    "inf",
    "nan",
}


def metric_names(expr: str) -> set[str]:
    """Metric names a PromQL expression reads (not functions, keywords, label names or template variables)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'', '""', expr)  # string literals
    text = re.sub(r"\{[^{}]*\}", "", text)  # label matchers
    text = re.sub(r"\[[^\[\]]*\]", "", text)  # range / subquery selectors
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)", " ", text)
    text = re.sub(r"\$\w+", " ", text)  # Grafana variables
    names = set()
    for match in re.finditer(r"(?<![\w.:])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\w:])", text):
        word = match.group(1)
        rest = text[match.end() :].lstrip()
        if rest.startswith("(") or word.lower() in _KEYWORDS:
            continue
        names.add(word)
    return names


# ---------------------------------------------------------------------------------------------------------------
# processes


class Proc:
    """A monitoring binary started on loopback with its output in a log file; stopped by :meth:`stop`."""

    def __init__(self, args: list[str], log_path: Path, env: Mapping[str, str] | None = None) -> None:
        binary = shutil.which(args[0])
        if binary is None:
            raise FileNotFoundError(f"{args[0]} is not installed (make system-deps installs it)")
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log_path = log_path
        self._log = log_path.open("wb")
        self.proc = subprocess.Popen(
            [binary, *args[1:]], stdout=self._log, stderr=subprocess.STDOUT, env=dict(env) if env else None
        )

    def logs(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log.close()


def wait_ready(url: str, proc: Proc, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        if proc.proc.poll() is not None:
            raise RuntimeError(f"{proc.proc.args} exited with {proc.proc.returncode}:\n{proc.logs()[-3000:]}")
        try:
            response = httpx.get(url, timeout=2.0)
            if response.status_code == 200:
                return
            last = response.status_code
        except httpx.HTTPError as exc:
            last = exc
        time.sleep(0.1)
    raise TimeoutError(f"{url} not ready within {timeout}s (last: {last!r}):\n{proc.logs()[-3000:]}")


class Stack:
    """Processes started by a test, stopped in reverse order (also on failure)."""

    def __init__(self) -> None:
        self.procs: list[Proc] = []

    def start(self, args: list[str], log_path: Path, ready_url: str, env: Mapping[str, str] | None = None) -> Proc:
        proc = Proc(args, log_path, env)
        self.procs.append(proc)
        wait_ready(ready_url, proc)
        return proc

    def stop(self) -> None:
        for proc in reversed(self.procs):
            proc.stop()


@contextlib.contextmanager
def stack() -> Iterator[Stack]:
    s = Stack()
    try:
        yield s
    finally:
        s.stop()


def start_prometheus(s: Stack, config: dict[str, Any], workdir: Path, port: int | None = None) -> str:
    port = port or free_port()
    path = write_yaml(workdir / "prometheus.yml", config)
    s.start(
        [
            "prometheus",
            f"--config.file={path}",
            f"--storage.tsdb.path={workdir / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--rules.alert.resend-delay=1s",
            "--log.level=info",
        ],
        workdir / "prometheus.log",
        f"http://127.0.0.1:{port}/-/ready",
    )
    return f"http://127.0.0.1:{port}"


def start_alertmanager(s: Stack, config: dict[str, Any], workdir: Path) -> str:
    port = free_port()
    path = write_yaml(workdir / "alertmanager.yml", config)
    s.start(
        [
            "prometheus-alertmanager",
            f"--config.file={path}",
            f"--storage.path={workdir / 'am-data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
        ],
        workdir / "alertmanager.log",
        f"http://127.0.0.1:{port}/-/ready",
    )
    return f"http://127.0.0.1:{port}"


# ---------------------------------------------------------------------------------------------------------------
# webhook receiver


class WebhookReceiver:
    """A small HTTP server recording the JSON bodies Alertmanager posts (webhook and Slack receivers)."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                try:
                    payload = json.loads(body)
                except ValueError:
                    payload = {"raw": body.decode(errors="replace")}
                with receiver._lock:
                    receiver.received.append(
                        {"path": self.path, "authorization": self.headers.get("Authorization"), "body": payload}
                    )
                self.send_response(200)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def webhook_alerts(self) -> list[tuple[str, dict[str, Any], str | None]]:
        """(notification status, alert, Authorization header) of every alert the webhook path received."""
        with self._lock:
            items = list(self.received)
        return [
            (item["body"].get("status", ""), alert, item["authorization"])
            for item in items
            if item["path"].startswith("/webhook")
            for alert in item["body"].get("alerts", [])
        ]

    def wait_for(self, alertname: str, status: str, timeout: float, **labels: str) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for _, alert, _auth in self.webhook_alerts():
                alert_labels = alert.get("labels", {})
                if (
                    alert_labels.get("alertname") == alertname
                    and alert.get("status") == status
                    and all(alert_labels.get(k) == v for k, v in labels.items())
                ):
                    return alert
            time.sleep(0.2)
        seen = [(a.get("labels", {}).get("alertname"), a.get("status")) for _, a, _ in self.webhook_alerts()]
        raise AssertionError(f"webhook did not receive {alertname} {status} {labels} in {timeout}s; got {seen}")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# ---------------------------------------------------------------------------------------------------------------
# Prometheus API


def query(prometheus: str, expr: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{prometheus}/api/v1/query", params={"query": expr}, timeout=10.0)
    data = response.json()
    if data.get("status") != "success":
        raise AssertionError(f"query {expr!r} failed: {data}")
    result = data["data"]["result"]
    return result if isinstance(result, list) else [result]


def firing(prometheus: str, alertname: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{prometheus}/api/v1/alerts", timeout=10.0)
    return [
        a
        for a in response.json()["data"]["alerts"]
        if a["labels"].get("alertname") == alertname and a["state"] == "firing"
    ]


def wait_until(predicate: Any, timeout: float, what: str, interval: float = 0.25) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"{what}: not within {timeout}s (last: {last!r})")
