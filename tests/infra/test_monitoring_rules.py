"""Prometheus rules and config: promtool checks, a firing and a quiet case per alert, annotations and runbooks,
the SLO generator (drift and bad specs), and every metric name a rule or dashboard reads being a known one."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.support import ROOT
from tests.support.monitoring import (
    PROMETHEUS_YML,
    RULE_TESTS_DIR,
    RULES_DIR,
    derive_prometheus_config,
    derive_rules,
    metric_names,
    write_yaml,
)
from tools import slo
from tools.dashboards import panel_queries

from openpolicy.observability import names

RUNBOOKS = ROOT / "docs" / "runbooks"
# Namespaces of the exporters the platform runs (postgres, redis, node, blackbox), kube-state-metrics, cAdvisor,
# the process collector of prometheus_client, and Prometheus's own series.
EXPORTER_PREFIXES = ("pg_", "redis_", "node_", "probe_", "kube_", "container_", "process_")
PROMETHEUS_SERIES = {"up", "ALERTS", "ALERTS_FOR_STATE", "scrape_duration_seconds", "scrape_samples_scraped"}
HISTOGRAM_SUFFIXES = ("_bucket", "_count", "_sum")


def rule_files() -> list[Path]:
    return sorted(RULES_DIR.glob("*.rules.yml"))


def all_rules() -> list[dict[str, Any]]:
    return [rule for path in rule_files() for g in yaml.safe_load(path.read_text())["groups"] for rule in g["rules"]]


def alerts() -> list[dict[str, Any]]:
    return [r for r in all_rules() if "alert" in r]


def recorded_names() -> set[str]:
    return {r["record"] for r in all_rules() if "record" in r}


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["promtool", *args], capture_output=True, text=True, timeout=120)


def test_promtool_check_rules() -> None:
    result = promtool("check", "rules", *map(str, rule_files()))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_promtool_test_rules() -> None:
    test_files = sorted(RULE_TESTS_DIR.glob("*.test.yml"))
    assert len(test_files) >= 2
    result = promtool("test", "rules", *map(str, test_files))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("SUCCESS") == len(test_files)


def test_promtool_test_rules_fails_on_a_wrong_expectation(tmp_path: Path) -> None:
    """The rule tests can fail: expecting ServiceDown while every target is up is reported."""
    bad = {
        "rule_files": [str(RULES_DIR / "platform.rules.yml")],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [{"series": 'up{job="api-service", instance="a"}', "values": "1x10"}],
                "alert_rule_test": [
                    {
                        "eval_time": "5m",
                        "alertname": "ServiceDown",
                        "exp_alerts": [{"exp_labels": {"job": "api-service"}}],
                    }
                ],
            }
        ],
    }
    result = promtool("test", "rules", str(write_yaml(tmp_path / "bad.test.yml", bad)))
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    # promtool names the failed expectation: the alert, when, what was expected and what fired (nothing)
    assert "FAILED:" in output and "alertname: ServiceDown, time: 5m," in output, output
    assert 'Labels:{alertname="ServiceDown", job="api-service"}' in output and "got:[]" in output, output


def test_every_alert_has_a_firing_and_a_quiet_case() -> None:
    firing: set[str] = set()
    quiet: set[str] = set()
    for path in RULE_TESTS_DIR.glob("*.test.yml"):
        for case in yaml.safe_load(path.read_text())["tests"]:
            for check in case.get("alert_rule_test", []):
                (firing if check.get("exp_alerts") else quiet).add(check["alertname"])
    names_ = {a["alert"] for a in alerts()}
    assert names_ >= {
        "ServiceDown",
        "HighErrorRate",
        "HighResponseTime",
        "DatabaseDown",
        "RedisDown",
        "StaleData",
        "ImportFailing",
        "HighMemory",
        "PodCrashLooping",
        "DeploymentReplicasMismatch",
        "APIAvailabilityErrorBudgetBurn",
        "APILatencyErrorBudgetBurn",
    }
    assert names_ - firing == set(), "alerts without a firing test case"
    assert names_ - quiet == set(), "alerts without a quiet test case"


@pytest.mark.parametrize("rule", alerts(), ids=lambda r: f"{r['alert']}-{r['labels'].get('severity')}")
def test_alert_has_severity_team_annotations_and_runbook(rule: dict[str, Any]) -> None:
    labels, annotations = rule["labels"], rule["annotations"]
    assert labels["severity"] in {"critical", "warning", "info"}
    assert labels["team"] in {"platform", "data"}
    for key in ("summary", "description", "runbook_url"):
        assert annotations.get(key, "").strip(), f"{rule['alert']} lacks {key}"
    match = re.search(r"/docs/runbooks/([A-Za-z]+)\.md$", annotations["runbook_url"])
    assert match and match.group(1) == rule["alert"], annotations["runbook_url"]
    page = RUNBOOKS / f"{rule['alert']}.md"
    assert page.exists(), f"missing runbook {page}"
    text = page.read_text()
    assert text.startswith(f"# {rule['alert']}")
    assert "## Diagnose" in text and "## Mitigate" in text


def test_service_alerts_aggregate_over_replicas() -> None:
    """ServiceDown, HighErrorRate and HighResponseTime are computed per job (and route) with `sum`/`max by`."""
    by_name = {a["alert"]: a for a in alerts()}
    recording = {r["record"]: r["expr"] for r in all_rules() if "record" in r}
    assert "max by (job)" in by_name["ServiceDown"]["expr"]
    for name in ("HighErrorRate", "HighResponseTime"):
        used = metric_names(by_name[name]["expr"])
        assert used <= set(recording), used
        assert all("sum by (job, route" in recording[u] for u in used)
    assert by_name["ServiceDown"]["labels"]["severity"] == "critical"
    assert by_name["ServiceDown"]["for"] == "1m"
    assert "0.05" in by_name["HighErrorRate"]["expr"] and by_name["HighErrorRate"]["for"] == "5m"
    assert "0.5" in by_name["HighResponseTime"]["expr"] and by_name["HighResponseTime"]["for"] == "5m"
    assert 'le="0.5"' in (RULES_DIR / "slo.rules.yml").read_text()


def _known(name: str) -> bool:
    base = name
    for suffix in HISTOGRAM_SUFFIXES:
        if name.endswith(suffix) and name[: -len(suffix)] in names.ALL_METRIC_NAMES:
            base = name[: -len(suffix)]
    return (
        base in names.ALL_METRIC_NAMES
        or name in recorded_names()
        or name in PROMETHEUS_SERIES
        or name.startswith(EXPORTER_PREFIXES)
    )


def test_every_metric_name_in_rules_and_dashboards_is_known() -> None:
    used: dict[str, set[str]] = {}
    for rule in all_rules():
        for name in metric_names(rule["expr"]):
            used.setdefault(name, set()).add(rule.get("alert") or rule.get("record"))
    queries = panel_queries()
    assert len(queries) > 40
    for q in queries:
        for name in metric_names(q.expr):
            used.setdefault(name, set()).add(f"{q.dashboard}/{q.panel}")
    unknown = {name: sorted(where) for name, where in used.items() if not _known(name)}
    assert unknown == {}, "metric names not in names.py nor an exporter namespace"
    # The platform's own names really are used.
    assert {
        "http_requests_total",
        "openpolicy_dependency_up",
        "openpolicy_import_last_success_timestamp_seconds",
    } <= set(used)


def test_metric_name_extractor_is_not_blind() -> None:
    assert metric_names('sum by (job) (rate(foo_total{a="b"}[5m])) / on (job) group_left bar') == {"foo_total", "bar"}
    assert not _known("openpolicy_made_up_metric")


# --- SLO generator -----------------------------------------------------------------------------------------


def test_slo_rules_match_the_spec() -> None:
    committed = (RULES_DIR / "slo.rules.yml").read_text()
    assert committed.splitlines()[0].startswith("# Generated by `make monitoring-generate`")
    assert committed == slo.render_rules(slo.load_spec()), "run `make monitoring-generate`"
    assert slo.main(["--check"]) == 0


def test_slo_rules_have_recording_rules_for_every_window() -> None:
    spec = slo.load_spec()
    recorded = recorded_names()
    for window in spec.windows():
        assert f"slo:sli_error:ratio_rate{window}" in recorded
    alert_rules = [a for a in alerts() if a["alert"] in slo.alert_names(spec)]
    # page and ticket, two window pairs each, per SLO
    assert len(alert_rules) == 4 * len(spec.slos)
    assert {a["labels"]["severity"] for a in alert_rules} == {"critical", "warning"}


def test_slo_check_reports_drift(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "slo.rules.yml"
    out.write_text("# stale\n")
    assert slo.main(["--check", "--output", str(out)]) == 1
    assert "make monitoring-generate" in capsys.readouterr().err
    assert slo.main(["--output", str(out)]) == 0
    assert slo.main(["--check", "--output", str(out)]) == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["slos"][0].update(objective=1.5), "slos[0].objective: must be between 0 and 1"),
        (lambda d: d["slos"][0]["sli"].update(type="throughput"), "slos[0].sli.type: 'throughput' is not one of"),
        (lambda d: d["slos"][1]["sli"].pop("threshold_seconds"), "slos[1].sli: missing field 'threshold_seconds'"),
        (lambda d: d.update(window="thirty days"), "window: not a Prometheus duration"),
        (lambda d: d["alerting"]["page"]["windows"][0].update(short="2h"), "must be shorter than long window"),
        (lambda d: d["slos"][1].update(name="api-availability"), "slos[1].name: 'api-availability' must be unique"),
        (lambda d: d.pop("slos"), "missing field 'slos'"),
    ],
)
def test_bad_slo_spec_is_refused_naming_the_field(change: Any, message: str, tmp_path: Path) -> None:
    data = yaml.safe_load(slo.DEFAULT_SPEC.read_text())
    change(data)
    path = write_yaml(tmp_path / "slo.yml", data)
    with pytest.raises(slo.SLOSpecError) as info:
        slo.load_spec(path)
    assert message in str(info.value)
    assert str(path) in str(info.value)
    out = tmp_path / "out.yml"
    assert slo.main(["--spec", str(path), "--output", str(out)]) == 2
    assert not out.exists()


# --- prometheus.yml ------------------------------------------------------------------------------------------

KUBERNETES_SD_KEYS = {"role", "namespaces", "selectors", "api_server", "kubeconfig_file", "attach_metadata"}
KUBERNETES_ROLES = {"node", "service", "pod", "endpoints", "endpointslice", "ingress"}


def test_prometheus_config_has_the_jobs_and_valid_discovery() -> None:
    config = yaml.safe_load(PROMETHEUS_YML.read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert {
        "api-service",
        "web-interface",
        "notifier",
        "node-exporter",
        "postgres-exporter",
        "redis-exporter",
        "blackbox-api-ready",
        "kubernetes-pods",
        "kube-state-metrics",
    } <= set(jobs)
    assert config["rule_files"] == ["rules/*.rules.yml"]
    assert jobs["blackbox-api-ready"]["static_configs"][0]["targets"][0].endswith("/health/ready")
    annotations = str(jobs["kubernetes-pods"]["relabel_configs"])
    assert "__meta_kubernetes_pod_annotation_prometheus_io_scrape" in annotations
    # Debian's Prometheus has no Kubernetes discovery: check its blocks against the documented schema here.
    for job in [*jobs.values(), *config["alerting"]["alertmanagers"]]:
        for sd in job.get("kubernetes_sd_configs", []):
            assert set(sd) <= KUBERNETES_SD_KEYS, sd
            assert sd["role"] in KUBERNETES_ROLES
            for rule in job.get("relabel_configs", []):
                for label in rule.get("source_labels", []):
                    if label.startswith("__meta_kubernetes_"):
                        role = "pod" if label.startswith("__meta_kubernetes_pod_") else None
                        assert role is None or sd["role"] == "pod", (job.get("job_name"), label)
                re.compile(str(rule.get("regex", "(.*)")))


def test_promtool_check_config_on_the_test_override(tmp_path: Path) -> None:
    """promtool validates the committed file with only its discovery turned into static targets."""
    rules = derive_rules(tmp_path / "rules", for_cap="2s")
    targets = {
        job: [f"127.0.0.1:{9000 + i}"]
        for i, job in enumerate(
            ["prometheus", "api-service", "web-interface", "node-exporter", "postgres-exporter", "redis-exporter"]
        )
    }
    config = derive_prometheus_config(
        targets=targets,
        alertmanager="127.0.0.1:9093",
        rule_files=rules,
        probe_url="http://127.0.0.1:9001/health/ready",
        blackbox="127.0.0.1:9115",
    )
    original = yaml.safe_load(PROMETHEUS_YML.read_text())
    derived_jobs = {j["job_name"]: j for j in config["scrape_configs"]}
    assert set(derived_jobs) == set(targets) | {"blackbox-api-ready"}
    # Only discovery changed: the non-Kubernetes relabelling of the api job is intact.
    api = next(j for j in original["scrape_configs"] if j["job_name"] == "api-service")
    assert derived_jobs["api-service"]["metrics_path"] == api["metrics_path"]
    result = promtool("check", "config", str(write_yaml(tmp_path / "prometheus.yml", config)))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 2 rule files found" in result.stdout
    for path in rules:
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                assert rule.get("for", "0s") in {"0s", "2s", "1s"}


def test_blackbox_config_is_valid() -> None:
    result = subprocess.run(
        [
            "prometheus-blackbox-exporter",
            "--config.check",
            f"--config.file={RULES_DIR.parent / 'blackbox.yml'}",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert "Config file is ok" in result.stderr
