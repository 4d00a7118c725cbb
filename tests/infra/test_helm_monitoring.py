"""The monitoring-stack chart is made from infrastructure/monitoring (one source): links, translation, drift."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml
from tests.support import ROOT
from tests.support.helm import CHARTS_DIR, helm, rendered, template
from tools import render

CHART = CHARTS_DIR / "monitoring-stack"
SOURCE = ROOT / "infrastructure" / "monitoring"


def test_chart_reads_the_generated_files_where_they_are_made() -> None:
    """One copy: the chart's rules and dashboards folders are links to infrastructure/monitoring (where
    `make monitoring-generate` writes them), and the one translated file is what `make helm-sync-monitoring` makes."""
    files_dir = CHART / "files"
    for rel, target in render.monitoring_links().items():
        link = files_dir / rel
        assert link.is_symlink() and os.readlink(link) == target, f"{link}: run `make helm-sync-monitoring`"
        assert link.resolve() == (SOURCE / rel).resolve()
    wanted = render.monitoring_files()
    on_disk = {
        str(p.relative_to(files_dir)): p.read_text()
        for p in files_dir.rglob("*")
        if p.is_file() and not any(part in render.LINKS for part in _prefixes(p.relative_to(files_dir)))
    }
    assert sorted(on_disk) == sorted(wanted), "run `make helm-sync-monitoring`"
    stale = [rel for rel, text in wanted.items() if on_disk[rel] != text]
    assert stale == [], f"stale (run `make helm-sync-monitoring`): {stale}"
    copies = [p for p in CHART.rglob("*") if p.is_file() and p.suffix in (".json", ".yml") and "rules" in p.parts]
    assert copies == [], f"copies of the sources in the chart: {copies}"


def _prefixes(rel: Path) -> list[str]:
    parts = rel.parts
    return ["/".join(parts[:n]) for n in range(1, len(parts))]


def test_sync_makes_links_and_detects_a_changed_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The drift test can fail: an alertmanager.yml edited after the sync makes the translation stale, a re-sync
    fixes it; an old copied folder is replaced by the link; the sources are never touched."""
    src = tmp_path / "monitoring"
    (src / "prometheus" / "rules").mkdir(parents=True)
    (src / "grafana" / "dashboards").mkdir(parents=True)
    (src / "alertmanager").mkdir()
    (src / "prometheus" / "rules" / "a.yml").write_text("groups:\n  - name: a\n    rules: []\n")
    (src / "grafana" / "dashboards" / "d.json").write_text('{"title": "d"}\n')
    (src / "alertmanager" / "alertmanager.yml").write_text("route:\n  receiver: r\nreceivers:\n  - name: r\n")
    chart = tmp_path / "chart"
    (chart / "files" / "grafana" / "dashboards").mkdir(parents=True)
    (chart / "files" / "grafana" / "dashboards" / "old-copy.json").write_text("{}")
    monkeypatch.setattr(render, "MONITORING_SRC", src)
    assert len(render.sync_monitoring(chart)) == 4  # two links, the translation, PROVENANCE.md
    assert render.sync_monitoring(chart) == []
    assert (chart / "files/prometheus/rules/a.yml").read_text() == (src / "prometheus/rules/a.yml").read_text()
    assert sorted(p.name for p in (chart / "files/grafana/dashboards").iterdir()) == ["d.json"]
    (src / "alertmanager" / "alertmanager.yml").write_text("route:\n  receiver: s\nreceivers:\n  - name: s\n")
    spec = chart / "files/alertmanager/alertmanagerconfig-spec.yaml"
    assert render.monitoring_files()["alertmanager/alertmanagerconfig-spec.yaml"] != spec.read_text()
    assert spec in render.sync_monitoring(chart)
    assert (src / "prometheus/rules/a.yml").exists() and (src / "grafana/dashboards/d.json").exists()


def test_prometheus_rules_are_the_source_rules() -> None:
    rules = {o["metadata"]["name"]: o for o in rendered("production") if o["kind"] == "PrometheusRule"}
    sources = sorted((SOURCE / "prometheus" / "rules").glob("*.yml"))
    assert sources, "infrastructure/monitoring/prometheus/rules has no rule files"
    assert len(rules) == len(sources)
    for src in sources:
        name = "openpolicy-monitoring-stack-" + src.name.removesuffix(".yml").replace(".", "-")
        assert rules[name]["spec"]["groups"] == yaml.safe_load(src.read_text())["groups"], src.name
        assert rules[name]["metadata"]["labels"]["release"] == "kube-prometheus-stack"


def test_dashboards_are_configmaps_for_the_sidecar() -> None:
    maps = [
        o for o in rendered("production") if o["kind"] == "ConfigMap" and "grafana_dashboard" in o["metadata"]["labels"]
    ]
    sources = sorted((SOURCE / "grafana" / "dashboards").glob("*.json"))
    assert len(maps) == len(sources) > 0
    by_file = {key: value for cm in maps for key, value in cm["data"].items()}
    for cm in maps:
        assert cm["metadata"]["labels"]["grafana_dashboard"] == "1"
    for src in sources:
        assert json.loads(by_file[src.name]) == json.loads(src.read_text())


def test_service_monitors_keep_the_job_names() -> None:
    monitors = [o for o in rendered("production") if o["kind"] == "ServiceMonitor"]
    jobs = {m["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] for m in monitors}
    assert jobs == {"api-service", "web-interface", "notifier"}
    services = {o["metadata"]["name"]: o for o in rendered("production") if o["kind"] == "Service"}
    for monitor in monitors:
        spec = monitor["spec"]
        assert spec["jobLabel"] == "app.kubernetes.io/name"
        assert spec["endpoints"][0]["port"] == "http" and spec["endpoints"][0]["path"] == "/metrics"
        assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"
        # the selector matches exactly one Service, whose name label is the job name
        matched = [
            s
            for s in services.values()
            if all(s["metadata"]["labels"].get(k) == v for k, v in spec["selector"]["matchLabels"].items())
        ]
        assert len(matched) == 1
        assert matched[0]["metadata"]["labels"]["app.kubernetes.io/name"] in {
            "api-service",
            "web-interface",
            "notifier",
        }
        assert any(p["name"] == "http" for p in matched[0]["spec"]["ports"])


def test_release_label_is_configurable() -> None:
    objs = template(
        CHARTS_DIR / "openpolicy-platform",
        "--set",
        "monitoring-stack.commonLabels.release=prom",
    )
    labelled = [o for o in objs if o["kind"] in {"ServiceMonitor", "PrometheusRule", "AlertmanagerConfig"}]
    assert labelled and all(o["metadata"]["labels"]["release"] == "prom" for o in labelled)
    readme = (CHART / "README.md").read_text()
    assert "serviceMonitorSelectorNilUsesHelmValues" in readme and "helm install kube-prometheus-stack" in readme


def test_alertmanager_config_translates_the_source() -> None:
    source = yaml.safe_load((SOURCE / "alertmanager" / "alertmanager.yml").read_text())
    (amc,) = [o for o in rendered("production") if o["kind"] == "AlertmanagerConfig"]
    spec = amc["spec"]
    assert spec["route"]["receiver"] == source["route"]["receiver"]
    assert spec["route"]["groupBy"] == source["route"]["group_by"]
    assert len(spec["route"]["routes"]) == len(source["route"]["routes"])
    assert [r["name"] for r in spec["receivers"]] == [r["name"] for r in source["receivers"]]
    assert len(spec["inhibitRules"]) == len(source.get("inhibit_rules", []))
    text = json.dumps(spec)
    assert "/etc/alertmanager/secrets" not in text  # files became Secret references
    assert "alertmanager-openpolicy" in text and "__SECRET_NAME__" not in text
    first = spec["route"]["routes"][0]["matchers"][0]
    assert first == {"name": "severity", "value": "critical", "matchType": "="}


def test_alertmanager_translation_refuses_what_it_cannot_translate() -> None:
    with pytest.raises(render.RenderError, match="pagerduty_configs"):
        render.alertmanager_config_spec(
            {"route": {"receiver": "p"}, "receivers": [{"name": "p", "pagerduty_configs": [{}]}]}
        )
    with pytest.raises(render.RenderError, match="outside"):
        render.alertmanager_config_spec(
            {
                "route": {"receiver": "w"},
                "receivers": [
                    {
                        "name": "w",
                        "webhook_configs": [
                            {"url": "http://x", "http_config": {"authorization": {"credentials_file": "/tmp/t"}}}
                        ],
                    }
                ],
            }
        )


def test_monitoring_chart_lints_without_files_missing() -> None:
    proc = helm("template", "m", CHART)
    assert "kind: PrometheusRule" in proc.stdout and "kind: AlertmanagerConfig" in proc.stdout
