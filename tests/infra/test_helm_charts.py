"""The Helm charts with the real helm v4: lint, render per environment, schema, docs, the seed's commands."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.support.helm import (
    APP_CHARTS,
    CHARTS,
    CHARTS_DIR,
    ENVIRONMENTS,
    HELM_DIR,
    UMBRELLA,
    all_rendered,
    helm,
    name_of,
    pod_spec,
    rendered,
    template,
    write_values,
)
from tools import helmdocs

from openpolicy.config import Settings


@pytest.mark.parametrize("chart", CHARTS)
def test_helm_lint_strict(chart: str) -> None:
    proc = helm("lint", "--strict", CHARTS_DIR / chart)
    assert "1 chart(s) linted, 0 chart(s) failed" in proc.stdout


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_helm_lint_strict_with_environment_values(env: str) -> None:
    helm("lint", "--strict", UMBRELLA, "-f", HELM_DIR / "values" / f"{env}.yaml")


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_environment_renders_both_services(env: str) -> None:
    objects = rendered(env)
    deployments = {o["metadata"]["name"] for o in objects if o["kind"] == "Deployment"}
    assert {"openpolicy-api-service", "openpolicy-web-interface"} <= deployments
    for obj in objects:
        labels = obj["metadata"].get("labels") or {}
        if obj["kind"] != "Namespace":
            assert labels.get("app.kubernetes.io/part-of") == "openpolicy-platform", name_of(env, obj)
            assert obj["metadata"]["namespace"] == "openpolicy", name_of(env, obj)
        for key in ("name", "instance", "component"):
            if obj["kind"] != "Namespace":
                assert f"app.kubernetes.io/{key}" in labels, name_of(env, obj)


def test_seed_install_command_works_as_written() -> None:
    """`helm install openpolicy ./infrastructure/helm/charts/openpolicy-platform -f .../production.yaml
    --namespace openpolicy --create-namespace`: as a client-side dry run (no API server can run here)."""
    args = ["openpolicy", "./infrastructure/helm/charts/openpolicy-platform"]
    args += ["-f", "infrastructure/helm/values/production.yaml", "--namespace", "openpolicy", "--create-namespace"]
    proc = helm("install", *args, "--dry-run=client")
    assert "STATUS: pending-install" in proc.stdout
    assert "kind: Deployment" in proc.stdout
    # the migration runs as a pre-install hook
    assert re.search(r"# Source: .*migration-job.yaml", proc.stdout)
    # `helm upgrade` needs a cluster even as a dry run: the template-level check of the same arguments
    same = helm("template", *args)
    assert len(re.findall(r"^kind: Deployment$", same.stdout, re.MULTILINE)) == 2


class _UniqueKeyLoader(yaml.SafeLoader):
    """Rejects a mapping with a key twice (YAML parsers disagree on which one wins)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[object, object]:
        keys = [self.construct_object(k, deep=deep) for k, _ in node.value]
        duplicates = {str(k) for k in keys if keys.count(k) > 1}
        if duplicates:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate keys {duplicates}", node.start_mark)
        return super().construct_mapping(node, deep=deep)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_rendered_yaml_has_no_duplicate_keys(env: str) -> None:
    out = helm("template", "openpolicy", UMBRELLA, "-f", HELM_DIR / "values" / f"{env}.yaml").stdout
    docs = [d for d in yaml.load_all(out, Loader=_UniqueKeyLoader) if d]
    assert len(docs) > 10
    with pytest.raises(yaml.constructor.ConstructorError, match="duplicate"):
        yaml.load("a: 1\na: 2\n", Loader=_UniqueKeyLoader)


def _deployment(env: str, name: str) -> dict[str, Any]:
    return next(o for o in rendered(env) if o["kind"] == "Deployment" and o["metadata"]["name"] == name)


@pytest.mark.parametrize("env", ENVIRONMENTS)
@pytest.mark.parametrize("service, port", [("api-service", 8000), ("web-interface", 8080)])
def test_deployment_contract(env: str, service: str, port: int) -> None:
    dep = _deployment(env, f"openpolicy-{service}")
    spec = dep["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    assert container["image"].startswith(f"openpolicy/{service}")
    assert container["command"] == ["openpolicy"]
    assert container["args"] == ["serve", service.split("-")[0]]
    assert container["ports"] == [{"name": "http", "containerPort": port, "protocol": "TCP"}]
    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    assert container["startupProbe"]["httpGet"]["path"] == "/health"
    assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert spec["automountServiceAccountToken"] is False
    assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]
    assert dep["spec"]["template"]["metadata"]["annotations"]["checksum/config"]
    config = next(
        o for o in rendered(env) if o["kind"] == "ConfigMap" and o["metadata"]["name"] == f"openpolicy-{service}"
    )
    # drain: SIGTERM comes after the preStop pause; the app then drains SHUTDOWN_GRACE_SECONDS
    grace = float(config["data"]["SHUTDOWN_GRACE_SECONDS"])
    pre_stop = int(container["lifecycle"]["preStop"]["sleep"]["seconds"])
    assert spec["terminationGracePeriodSeconds"] > grace + pre_stop
    if service == "web-interface":
        assert config["data"]["API_URL"] == "http://openpolicy-api-service:8000"
        assert any(s["metadata"]["name"] == "openpolicy-api-service" for s in rendered(env) if s["kind"] == "Service")
    else:
        env_vars = {e["name"]: e for e in container["env"]}
        assert "secretKeyRef" in env_vars["DATABASE_URL"]["valueFrom"]


def test_seed_resources_are_the_defaults() -> None:
    for chart in ("api-service", "web-interface"):
        values = yaml.safe_load((CHARTS_DIR / chart / "values.yaml").read_text())
        assert values["resources"] == {
            "requests": {"memory": "256Mi", "cpu": "250m"},
            "limits": {"memory": "512Mi", "cpu": "500m"},
        }


def test_replicas_omitted_when_autoscaling() -> None:
    prod = _deployment("production", "openpolicy-api-service")
    assert "replicas" not in prod["spec"]
    hpa = next(o for o in rendered("production") if o["kind"] == "HorizontalPodAutoscaler")
    assert {m["resource"]["name"] for m in hpa["spec"]["metrics"]} == {"cpu", "memory"}
    dev = _deployment("development", "openpolicy-api-service")
    assert dev["spec"]["replicas"] == 1
    assert not [o for o in rendered("development") if o["kind"] == "HorizontalPodAutoscaler"]


def test_config_change_rolls_the_pods_and_digest_wins() -> None:
    def checksum(*args: str) -> str:
        objs = template(UMBRELLA, "-f", HELM_DIR / "values" / "production.yaml", *args)
        dep = next(o for o in objs if o["kind"] == "Deployment" and o["metadata"]["name"].endswith("api-service"))
        return str(dep["spec"]["template"]["metadata"]["annotations"]["checksum/config"])

    assert checksum() == checksum()
    assert checksum() != checksum("--set", "api-service.config.LOG_LEVEL=DEBUG")
    digest = "sha256:" + "a" * 64
    prod = HELM_DIR / "values" / "production.yaml"
    objs = template(UMBRELLA, "-f", prod, "--set", f"api-service.image.digest={digest}")
    images = {c["image"] for o in objs if (s := pod_spec(o)) for c in s["containers"] if "api-service" in c["image"]}
    assert images == {f"openpolicy/api-service@{digest}"}


def test_configmap_keys_are_settings_of_the_app() -> None:
    """The ConfigMaps carry settings the app reads (config.py is the one list), and never a secret."""
    fields = {name.upper() for name in Settings.model_fields}
    for env, obj in all_rendered():
        if obj["kind"] != "ConfigMap" or "grafana_dashboard" in obj["metadata"].get("labels", {}):
            continue
        for key in obj["data"]:
            assert key.startswith("OTEL_") or key in fields, f"{name_of(env, obj)}: {key} is not a setting"
            assert key not in {"DATABASE_URL", "REDIS_URL"}, f"{name_of(env, obj)} carries a secret"


def test_jobs_and_cronjobs() -> None:
    objs = rendered("production")
    cron = {o["metadata"]["name"]: o for o in objs if o["kind"] == "CronJob"}
    assert set(cron) == {
        "openpolicy-api-service-import-popolo",
        "openpolicy-api-service-import-us-congress",
        "openpolicy-api-service-import-ourcommons",
        "openpolicy-api-service-import-boundaries",
        "openpolicy-api-service-backup",
    }
    for name, job in cron.items():
        spec = job["spec"]
        assert spec["concurrencyPolicy"] == "Forbid", name
        assert spec["startingDeadlineSeconds"] > 0 and spec["jobTemplate"]["spec"]["activeDeadlineSeconds"] > 0
        assert spec["successfulJobsHistoryLimit"] >= 1 and spec["failedJobsHistoryLimit"] >= 1
    args = cron["openpolicy-api-service-import-popolo"]["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert args["containers"][0]["args"][:2] == ["import", "popolo"]
    shapes = cron["openpolicy-api-service-import-boundaries"]["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert shapes["containers"][0]["args"][:2] == ["import", "boundaries"]
    backup = cron["openpolicy-api-service-backup"]["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert backup["containers"][0]["args"] == ["backup", "/backups"]
    migrate = next(o for o in objs if o["kind"] == "Job")
    assert migrate["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    # a pre-install hook runs before the release's ServiceAccount exists: it has its own, hooked earlier
    hook_sa = next(o for o in objs if o["kind"] == "ServiceAccount" and o["metadata"]["name"].endswith("-migrate"))
    assert migrate["spec"]["template"]["spec"]["serviceAccountName"] == hook_sa["metadata"]["name"]
    assert hook_sa["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert int(hook_sa["metadata"]["annotations"]["helm.sh/hook-weight"]) < int(
        migrate["metadata"]["annotations"]["helm.sh/hook-weight"]
    )
    assert migrate["spec"]["template"]["spec"]["containers"][0]["args"] == ["migrate"]
    tests = [o for o in objs if o["kind"] == "Pod"]
    assert all(o["metadata"]["annotations"]["helm.sh/hook"] == "test" for o in tests)
    api_test = next(o for o in tests if "api-service" in o["metadata"]["name"])
    checked = [c["args"][1] for c in api_test["spec"]["initContainers"] + api_test["spec"]["containers"]]
    assert checked == [
        "http://openpolicy-api-service:8000/health/ready",
        "http://openpolicy-api-service:8000/v1/people?limit=1",
    ]


def test_ingress_routes() -> None:
    paths = {}
    for obj in rendered("production"):
        if obj["kind"] == "Ingress":
            rule = obj["spec"]["rules"][0]
            assert rule["host"] == "openpolicy.example"
            assert obj["spec"]["ingressClassName"] == "nginx"
            assert obj["spec"]["tls"][0]["hosts"] == ["openpolicy.example"]
            for p in rule["http"]["paths"]:
                paths[p["path"]] = p["backend"]["service"]["name"]
    assert paths["/"] == "openpolicy-web-interface"
    assert paths["/v1"] == paths["/docs"] == "openpolicy-api-service"


def test_network_policies() -> None:
    objs = rendered("production")
    policies = {o["metadata"]["name"]: o["spec"] for o in objs if o["kind"] == "NetworkPolicy"}
    deny = policies["openpolicy-default-deny"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    api = policies["openpolicy-api-service"]
    froms = [peer for rule in api["ingress"] for peer in rule["from"]]
    assert {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "web-interface"}}} in froms
    egress_ports = {p["port"] for rule in api["egress"] for p in rule["ports"]}
    assert {53, 5432, 6379, 4318} <= egress_ports  # DNS, PostgreSQL, Redis, OTLP (traces on in production)
    web = policies["openpolicy-web-interface"]
    web_egress = [rule for rule in web["egress"] if rule["ports"][0]["port"] == 8000]
    assert web_egress[0]["to"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/name"] == "api-service"


def test_development_runs_everything_in_cluster() -> None:
    objs = rendered("development")
    kinds = {o["kind"] for o in objs}
    assert "Cluster" in kinds  # CloudNativePG
    dep = _deployment("development", "openpolicy-api-service")
    env = {e["name"]: e for e in dep["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["DATABASE_URL"]["valueFrom"]["secretKeyRef"] == {"name": "openpolicy-api-service-pg-app", "key": "uri"}
    assert env["REDIS_URL"]["value"] == "redis://openpolicy-api-service-redis:6379/0"
    job = next(o for o in objs if o["kind"] == "Job")
    assert "helm.sh/hook" not in (job["metadata"].get("annotations") or {})  # the Cluster must exist first


def test_optional_external_secret_and_cnpg_backup() -> None:
    objs = template(
        UMBRELLA,
        "-f",
        HELM_DIR / "values" / "production.yaml",
        "--set",
        "api-service.externalSecret.enabled=true,api-service.externalSecret.secretStoreRef.name=vault",
        "--set",
        "api-service.cnpg.enabled=true,api-service.cnpg.backup.enabled=true,api-service.migrations.asHook=false",
        "--set",
        "api-service.cnpg.backup.destinationPath=s3://backups/openpolicy,api-service.cnpg.backup.credentialsSecret=s3",
    )
    kinds = {o["kind"] for o in objs}
    assert {"ExternalSecret", "Cluster", "ScheduledBackup"} <= kinds


def test_hook_migration_refused_when_the_release_makes_the_database(tmp_path: Path) -> None:
    for flag in ("api-service.cnpg.enabled=true", "api-service.externalSecret.enabled=true"):
        proc = helm("template", "x", UMBRELLA, "--set", flag, check=False)
        assert proc.returncode != 0 and "migrations.asHook=false" in proc.stderr


# --- values.schema.json ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "values, key",
    [
        ("api-service:\n  replicaCout: 3\n", "replicaCout"),
        ("api-service:\n  image:\n    tagg: v1\n", "tagg"),
        ("web-interface:\n  autoscaling:\n    maxReplica: 4\n", "maxReplica"),
        ("api-service:\n  config:\n    LOG_LEVL: DEBUG\n", "LOG_LEVL"),
        ("monitoring-stack:\n  serviceMonitor:\n    enabled: true\n", "serviceMonitor"),
        ("networkPolicy:\n  defaultDenny: true\n", "defaultDenny"),
    ],
)
def test_schema_rejects_typod_keys(tmp_path: Path, values: str, key: str) -> None:
    path = write_values(tmp_path, values)
    prod = HELM_DIR / "values" / "production.yaml"
    proc = helm("template", "openpolicy", UMBRELLA, "-f", prod, "-f", path, check=False)
    assert proc.returncode != 0
    assert key in proc.stderr and "not allowed" in proc.stderr


@pytest.mark.parametrize(
    "values",
    [
        "api-service:\n  image:\n    pullPolicy: Sometimes\n",
        "api-service:\n  replicaCount: 0\n",
        "api-service:\n  config:\n    LOG_FORMAT: xml\n",
        "web-interface:\n  service:\n    port: 99999\n",
    ],
)
def test_schema_rejects_bad_values(tmp_path: Path, values: str) -> None:
    path = write_values(tmp_path, values)
    proc = helm("template", "openpolicy", UMBRELLA, "-f", path, check=False)
    assert proc.returncode != 0 and "schema" in proc.stderr


@pytest.mark.parametrize("chart", APP_CHARTS)
def test_schema_rejects_unknown_keys_at_every_level(chart: str) -> None:
    schema = json.loads((CHARTS_DIR / chart / "values.schema.json").read_text())
    open_objects: list[str] = []

    def walk(node: dict[str, Any], path: str) -> None:
        if node.get("type") == "object" and "properties" in node:
            if node.get("additionalProperties") is not False:
                open_objects.append(path or "<root>")
            for key, sub in node["properties"].items():
                walk(sub, f"{path}.{key}" if path else key)

    walk(schema, "")
    assert open_objects == []


# --- README tables and schema generated from ## @param ------------------------------------------------------


def test_readme_tables_and_schemas_match_the_param_comments() -> None:
    """Drift test: `make helm-docs` output equals what is committed."""
    for chart in APP_CHARTS:
        for path, text in helmdocs.expected_files(CHARTS_DIR / chart).items():
            assert path.read_text() == text, f"{path} is stale: run `make helm-docs`"


def test_helmdocs_check_mode_catches_drift_and_undocumented_values(tmp_path: Path) -> None:
    chart = tmp_path / "demo"
    chart.mkdir()
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: demo\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text("## @section S\n## @param a.b The b\na:\n  b: 1\n")
    (chart / "README.md").write_text(f"# demo\n{helmdocs.BEGIN}\n{helmdocs.END}\n")
    assert helmdocs.main(["--check", str(chart)]) == 1
    assert helmdocs.main(["--write", str(chart)]) == 0
    assert helmdocs.main(["--check", str(chart)]) == 0
    assert "| `a.b` | The b | `1` |" in (chart / "README.md").read_text()
    (chart / "values.yaml").write_text("## @param a.b The b\na:\n  b: 1\n  c: 2\n")
    with pytest.raises(helmdocs.HelmDocsError, match=r"a\.c"):
        helmdocs.expected_files(chart)
    (chart / "values.yaml").write_text("## @param a.b The b\n## @param a.z gone\na:\n  b: 1\n")
    with pytest.raises(helmdocs.HelmDocsError, match=r"a\.z"):
        helmdocs.expected_files(chart)


@pytest.mark.parametrize("chart", APP_CHARTS)
def test_every_chart_has_notes(chart: str) -> None:
    assert (CHARTS_DIR / chart / "templates" / "NOTES.txt").exists()


def test_helpers_live_in_the_library_chart_only() -> None:
    """Shared helpers are defined once (openpolicy-common), not copied between charts."""
    defined: dict[str, list[str]] = {}
    for tpl in CHARTS_DIR.glob("*/templates/**/*.tpl"):
        for name in re.findall(r'define "([^"]+)"', tpl.read_text()):
            defined.setdefault(name, []).append(str(tpl.relative_to(CHARTS_DIR)))
    assert {n: p for n, p in defined.items() if len(p) > 1} == {}
    for chart in ("api-service", "web-interface"):
        text = "".join(p.read_text() for p in (CHARTS_DIR / chart / "templates").glob("*.yaml"))
        assert 'include "openpolicy.deployment"' in text
        deps = yaml.safe_load((CHARTS_DIR / chart / "Chart.yaml").read_text())["dependencies"]
        assert deps[0]["name"] == "openpolicy-common"
