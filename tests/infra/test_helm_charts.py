"""The Helm charts with the real helm v4: lint, render per environment, schema, docs, the seed's commands."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.support.helm import (
    API_DIGEST,
    APP_CHARTS,
    CHARTS,
    CHARTS_DIR,
    ENVIRONMENTS,
    HELM_DIR,
    PINS,
    UMBRELLA,
    WEB_DIGEST,
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
from openpolicy.ops.kube import digest_set_args


@pytest.mark.parametrize("chart", CHARTS)
def test_helm_lint_strict(chart: str) -> None:
    proc = helm("lint", "--strict", CHARTS_DIR / chart)
    assert "1 chart(s) linted, 0 chart(s) failed" in proc.stdout


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_helm_lint_strict_with_environment_values(env: str) -> None:
    helm("lint", "--strict", UMBRELLA, "-f", HELM_DIR / "values" / f"{env}.yaml", *PINS)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_environment_renders_both_services(env: str) -> None:
    objects = rendered(env)
    deployments = {o["metadata"]["name"] for o in objects if o["kind"] == "Deployment"}
    assert {"openpolicy-api-service", "openpolicy-web-interface", "openpolicy-notifier"} <= deployments
    for obj in objects:
        labels = obj["metadata"].get("labels") or {}
        if obj["kind"] != "Namespace":
            assert labels.get("app.kubernetes.io/part-of") == "openpolicy-platform", name_of(env, obj)
            assert obj["metadata"]["namespace"] == "openpolicy", name_of(env, obj)
        for key in ("name", "instance", "component"):
            if obj["kind"] != "Namespace":
                assert f"app.kubernetes.io/{key}" in labels, name_of(env, obj)


def test_seed_install_command_works_with_digests_and_refuses_without() -> None:
    """`helm install openpolicy ./infrastructure/helm/charts/openpolicy-platform -f .../production.yaml
    --namespace openpolicy --create-namespace`: as a client-side dry run (no API server can run here). Without image
    digests production refuses (no fallback to a tag), saying how to deploy; with them (as `openpolicy deploy`
    passes them) it installs."""
    args = ["openpolicy", "./infrastructure/helm/charts/openpolicy-platform"]
    args += ["-f", "infrastructure/helm/values/production.yaml", "--namespace", "openpolicy", "--create-namespace"]
    refused = helm("install", *args, "--dry-run=client", check=False)
    assert refused.returncode != 0
    assert "image.digest is required" in refused.stderr and "--image-digest api=sha256:" in refused.stderr
    args += list(PINS)
    proc = helm("install", *args, "--dry-run=client")
    assert "STATUS: pending-install" in proc.stdout
    assert "kind: Deployment" in proc.stdout
    # the migration runs as a pre-install hook
    assert re.search(r"# Source: .*migration-job.yaml", proc.stdout)
    # `helm upgrade` needs a cluster even as a dry run: the template-level check of the same arguments
    same = helm("template", *args)
    assert len(re.findall(r"^kind: Deployment$", same.stdout, re.MULTILINE)) == 3  # api, web, notifier


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
    out = helm("template", "openpolicy", UMBRELLA, "-f", HELM_DIR / "values" / f"{env}.yaml", *PINS).stdout
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
        objs = template(UMBRELLA, "-f", HELM_DIR / "values" / "production.yaml", *PINS, *args)
        dep = next(o for o in objs if o["kind"] == "Deployment" and o["metadata"]["name"].endswith("api-service"))
        return str(dep["spec"]["template"]["metadata"]["annotations"]["checksum/config"])

    assert checksum() == checksum()
    assert checksum() != checksum("--set", "api-service.config.LOG_LEVEL=DEBUG")
    digest = "sha256:" + "c" * 64
    dev = HELM_DIR / "values" / "development.yaml"
    objs = template(UMBRELLA, "-f", dev, "--set", f"api-service.image.digest={digest}")
    specs = [s for o in objs if o["metadata"]["name"] == "openpolicy-api-service" and (s := pod_spec(o))]
    images = {c["image"] for s in specs for c in s["containers"]}
    assert images == {f"openpolicy/api-service@{digest}"}


@pytest.mark.parametrize("env", ["staging", "production"])
def test_staging_and_production_run_images_only_by_digest(env: str, tmp_path: Path) -> None:
    """No fallback to a tag: without a digest the render stops naming the chart and the way to deploy; with the
    two digests of a deploy every container of the platform runs one of them (the api image's digest also pins the
    notifier and the jobs)."""
    values = HELM_DIR / "values" / f"{env}.yaml"
    bare = helm("template", "openpolicy", UMBRELLA, "-f", values, check=False)
    assert bare.returncode != 0 and "image.digest is required" in bare.stderr
    assert "--image-digest api=sha256:" in bare.stderr  # says how to deploy
    only_api = digest_set_args({"api": API_DIGEST})
    half = helm("template", "openpolicy", UMBRELLA, "-f", values, *only_api, check=False)
    assert half.returncode != 0 and "web-interface: image.digest is required" in half.stderr
    images = {
        c["image"] for o in rendered(env) if (s := pod_spec(o)) for c in s["containers"] + s.get("initContainers", [])
    }
    assert images == {f"openpolicy/api-service@{API_DIGEST}", f"openpolicy/web-interface@{WEB_DIGEST}"}
    # no image tag is left in any environment file that a digest could lose to
    assert "tag:" not in values.read_text()


def test_configmap_keys_are_settings_of_the_app() -> None:
    """The ConfigMaps carry settings the app reads (config.py is the one list), and never a secret."""
    fields = {name.upper() for name in Settings.model_fields}
    for env, obj in all_rendered():
        if obj["kind"] != "ConfigMap" or "grafana_dashboard" in obj["metadata"].get("labels", {}):
            continue
        if obj["metadata"]["name"].endswith("-response-headers"):  # read by the ingress controller, not the app
            assert set(obj["data"]) == {"Strict-Transport-Security"}, name_of(env, obj)
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
        "openpolicy-api-service-export",
        "openpolicy-api-service-documents",
    }  # the names they had in the api-service chart: an upgrade keeps their Jobs' history
    for name, job in cron.items():
        spec = job["spec"]
        labels = job["metadata"]["labels"]
        assert labels["app.kubernetes.io/name"] == "platform-jobs", name  # moved out of the api-service chart
        pod = spec["jobTemplate"]["spec"]["template"]["spec"]
        assert pod["containers"][0]["image"] == f"openpolicy/api-service@{API_DIGEST}", name  # the api's image
        assert spec["concurrencyPolicy"] == "Forbid", name
        assert spec["startingDeadlineSeconds"] > 0 and spec["jobTemplate"]["spec"]["activeDeadlineSeconds"] > 0
        assert spec["successfulJobsHistoryLimit"] >= 1 and spec["failedJobsHistoryLimit"] >= 1
    args = cron["openpolicy-api-service-import-popolo"]["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert args["containers"][0]["args"][:2] == ["import", "popolo"]
    shapes = cron["openpolicy-api-service-import-boundaries"]["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert shapes["containers"][0]["args"][:2] == ["import", "boundaries"]
    # the read model's daily refresh of date-dependent documents, with Redis to invalidate the api's cached answers
    refresh = cron["openpolicy-api-service-documents"]["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert refresh["containers"][0]["args"] == ["documents", "rebuild", "--stale"]
    assert "REDIS_URL" in {e["name"] for e in refresh["containers"][0]["env"]}
    backup = cron["openpolicy-api-service-backup"]["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert backup["containers"][0]["args"] == ["backup", "/backups"]
    claims = {o["metadata"]["name"]: o["spec"] for o in objs if o["kind"] == "PersistentVolumeClaim"}
    assert {"name": "backups", "persistentVolumeClaim": {"claimName": "openpolicy-api-service-backups"}} in backup[
        "volumes"
    ]
    # the nightly export: the command docs/exports.md names, writing to the claim the api reads (ReadWriteMany)
    export = cron["openpolicy-api-service-export"]["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    (container,) = export["containers"]
    assert container["args"] == ["export"]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["EXPORT_DIR"] == "/exports" and int(env["EXPORT_KEEP"]) >= 1 and "REDIS_URL" not in env
    assert {"name": "exports", "mountPath": "/exports", "readOnly": False} in container["volumeMounts"]
    assert claims["openpolicy-api-service-exports"]["accessModes"] == ["ReadWriteMany"]
    api = _deployment("production", "openpolicy-api-service")["spec"]["template"]["spec"]
    assert {"name": "exports", "mountPath": "/exports", "readOnly": True} in api["containers"][0]["volumeMounts"]
    assert {"name": "exports", "persistentVolumeClaim": {"claimName": "openpolicy-api-service-exports"}} in api[
        "volumes"
    ]
    assert any(e == {"name": "EXPORT_DIR", "value": "/exports"} for e in api["containers"][0]["env"])
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


def _edge(env: str) -> dict[str, tuple[str, dict[str, str]]]:
    """Every Ingress path of ``env``: path -> (backend Service, the annotations of its Ingress)."""
    paths: dict[str, tuple[str, dict[str, str]]] = {}
    for obj in rendered(env):
        if obj["kind"] == "Ingress":
            for p in obj["spec"]["rules"][0]["http"]["paths"]:
                assert p["pathType"] == "Prefix"
                assert p["path"] not in paths, f"{p['path']} routed twice"
                paths[p["path"]] = (p["backend"]["service"]["name"], obj["metadata"].get("annotations") or {})
    return paths


def _route(paths: dict[str, tuple[str, dict[str, str]]], request: str) -> tuple[str, dict[str, str]]:
    """The Ingress path a request takes: the longest matching Prefix (by path elements), as ingress-nginx does."""
    matching = [p for p in paths if p == "/" or request == p or request.startswith(p.rstrip("/") + "/")]
    return paths[max(matching, key=len)]


def test_ingress_routes() -> None:
    for obj in rendered("production"):
        if obj["kind"] == "Ingress":
            rule = obj["spec"]["rules"][0]
            assert rule["host"] == "openpolicy.example"
            assert obj["spec"]["ingressClassName"] == "nginx"
            assert obj["spec"]["tls"][0]["hosts"] == ["openpolicy.example"]
    paths = _edge("production")
    assert paths["/"][0] == "openpolicy-web-interface"
    assert paths["/v1"][0] == paths["/docs"][0] == "openpolicy-api-service"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_metrics_and_health_details_are_refused_at_the_edge(env: str) -> None:
    """/metrics and readiness details (the web's names its API_URL) are for Prometheus and the kubelet, which use the
    Services and pods; through the public Ingress every client is refused (403), while public paths stay open."""
    paths = _edge(env)
    deny = "nginx.ingress.kubernetes.io/denylist-source-range"
    for request in ("/metrics", "/health", "/health/ready", "/health/live", "/metrics/extra"):
        _, annotations = _route(paths, request)
        assert annotations.get(deny) == "0.0.0.0/0,::/0", f"{env}: {request} reaches a pod through the Ingress"
    for request in ("/", "/people/ocd-person-1", "/v1/people", "/docs", "/openapi.json", "/healthy-democracy"):
        _, annotations = _route(paths, request)
        assert deny not in annotations, f"{env}: public path {request} is refused"


def test_hsts_at_the_ingress() -> None:
    """Every TLS Ingress names the ConfigMap whose Strict-Transport-Security ingress-nginx adds (custom-headers),
    and redirects plain http; without TLS (development) no HSTS is sent (it would pin a host to https)."""
    objs = rendered("production")
    configmaps = {o["metadata"]["name"]: o for o in objs if o["kind"] == "ConfigMap"}
    ingresses = [o for o in objs if o["kind"] == "Ingress"]
    assert {o["metadata"]["name"] for o in ingresses} >= {"openpolicy-api-service", "openpolicy-web-interface"}
    for ing in ingresses:
        annotations = ing["metadata"]["annotations"]
        assert annotations["nginx.ingress.kubernetes.io/force-ssl-redirect"] == "true"
        namespace, name = annotations["nginx.ingress.kubernetes.io/custom-headers"].split("/")
        assert namespace == "openpolicy"
        hsts = configmaps[name]["data"]["Strict-Transport-Security"]
        assert (
            re.fullmatch(r"max-age=(\d+); includeSubDomains", hsts)
            and int(hsts.split("=")[1].split(";")[0]) >= 31536000
        )
    for obj in rendered("development"):
        if obj["kind"] == "Ingress":
            assert "nginx.ingress.kubernetes.io/custom-headers" not in (obj["metadata"].get("annotations") or {})


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
    jobs = policies["openpolicy-api-service-jobs"]
    assert jobs["podSelector"]["matchExpressions"][0]["values"] == ["backup", "export"]
    assert {p["port"] for rule in jobs["egress"] for p in rule["ports"]} == {53, 5432}


def test_notifier_deployment_pdb_and_egress() -> None:
    """The notifier: `openpolicy serve notifier` on 8002 (probes /health/live and /health/ready), replicas from
    values (they share the work), a PDB, scraped as job `notifier`; egress to DNS, PostgreSQL and the public
    internet on 443 only - never to private, loopback, link-local (cloud metadata) or cluster ranges."""
    objs = rendered("production")
    dep = _deployment("production", "openpolicy-notifier")
    assert dep["spec"]["replicas"] == 2
    (container,) = dep["spec"]["template"]["spec"]["containers"]
    assert container["args"] == ["serve", "notifier"]
    assert container["ports"] == [{"name": "http", "containerPort": 8002, "protocol": "TCP"}]
    assert (
        container["livenessProbe"]["httpGet"]["path"] == container["startupProbe"]["httpGet"]["path"] == "/health/live"
    )
    assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    env = {e["name"]: e for e in container["env"]}
    assert set(env) == {"DATABASE_URL", "WEBHOOK_SECRETS_KEY"}
    assert all("secretKeyRef" in e["valueFrom"] for e in env.values())
    config = next(o for o in objs if o["kind"] == "ConfigMap" and o["metadata"]["name"] == "openpolicy-notifier")
    assert config["data"]["NOTIFIER_PORT"] == "8002"
    pdb = next(o for o in objs if o["kind"] == "PodDisruptionBudget" and o["metadata"]["name"] == "openpolicy-notifier")
    assert pdb["spec"]["selector"]["matchLabels"]["app.kubernetes.io/component"] == "notifier"
    monitor = next(o for o in objs if o["kind"] == "ServiceMonitor" and o["metadata"]["name"].endswith("-notifier"))
    assert monitor["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] == "notifier"
    policy = next(o for o in objs if o["kind"] == "NetworkPolicy" and o["metadata"]["name"] == "openpolicy-notifier")
    spec = policy["spec"]
    assert [peer["namespaceSelector"]["matchLabels"] for rule in spec["ingress"] for peer in rule["from"]] == [
        {"kubernetes.io/metadata.name": "monitoring"}
    ]
    internet = [r for r in spec["egress"] if any("except" in p.get("ipBlock", {}) for p in r["to"])]
    (rule,) = internet
    assert [p["port"] for p in rule["ports"]] == [443]
    blocks = {p["ipBlock"]["cidr"]: set(p["ipBlock"]["except"]) for p in rule["to"]}
    assert blocks["0.0.0.0/0"] >= {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16"}
    assert blocks["::/0"] >= {"fc00::/7", "fe80::/10", "::1/128"}
    ports = {p["port"] for r in spec["egress"] if r not in internet for p in r["ports"]}
    assert ports == {53, 5432, 4318}  # DNS, PostgreSQL, traces; no Redis


def test_development_runs_everything_in_cluster() -> None:
    objs = rendered("development")
    kinds = {o["kind"] for o in objs}
    assert "Cluster" in kinds  # CloudNativePG
    dep = _deployment("development", "openpolicy-api-service")
    env = {e["name"]: e for e in dep["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["DATABASE_URL"]["valueFrom"]["secretKeyRef"] == {"name": "openpolicy-api-service-pg-app", "key": "uri"}
    # the Valkey password is referenced, and spelled into the URL by the kubelet ($(VAR) after the variable)
    names = list(env)
    assert names.index("REDIS_PASSWORD") < names.index("REDIS_URL")
    assert env["REDIS_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
        "name": "openpolicy-api-service-redis-auth",
        "key": "password",
    }
    assert env["REDIS_URL"]["value"] == "redis://:$(REDIS_PASSWORD)@openpolicy-api-service-redis:6379/0"
    job = next(o for o in objs if o["kind"] == "Job")
    assert "helm.sh/hook" not in (job["metadata"].get("annotations") or {})  # the Cluster must exist first
    # the data stores are the umbrella's now, under the names the api-service chart gave them
    owners = {(o["kind"], o["metadata"]["name"]): o["metadata"]["labels"]["app.kubernetes.io/name"] for o in objs}
    assert owners[("Cluster", "openpolicy-api-service-pg")] == "openpolicy-platform"
    assert owners[("Deployment", "openpolicy-api-service-redis")] == "openpolicy-platform"


def test_in_cluster_valkey_has_a_password_and_a_memory_ceiling() -> None:
    objs = rendered("development")
    secret = next(
        o for o in objs if o["kind"] == "Secret" and o["metadata"]["name"] == "openpolicy-api-service-redis-auth"
    )
    password = base64.b64decode(secret["data"]["password"]).decode()
    assert len(password) >= 32 and password.isalnum()
    acl = base64.b64decode(secret["data"]["users.acl"]).decode()
    assert acl == f"user default on >{password} ~* &* +@all\n"  # no client gets in without it
    assert secret["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    dep = _deployment("development", "openpolicy-api-service-redis")
    (container,) = dep["spec"]["template"]["spec"]["containers"]
    args = container["args"]
    assert args[args.index("--maxmemory") + 1] == "96mb"
    assert args[args.index("--maxmemory-policy") + 1] == "allkeys-lru"
    assert args[args.index("--aclfile") + 1] == "/etc/valkey/users.acl"
    assert password not in json.dumps(dep)  # the pod spec names the Secret, never the password
    limit = container["resources"]["limits"]["memory"]
    assert limit == "128Mi"  # maxmemory (96 MB) stays below the container limit


def test_optional_external_secret_and_cnpg_backup() -> None:
    objs = template(
        UMBRELLA,
        "-f",
        HELM_DIR / "values" / "production.yaml",
        *PINS,
        "--set",
        "global.redis.source=externalSecret,externalSecret.secretStoreRef.name=vault",
        "--set",
        "global.database.source=cnpg,cnpg.backup.enabled=true,api-service.migrations.asHook=false",
        "--set",
        "cnpg.backup.destinationPath=s3://backups/openpolicy,cnpg.backup.credentialsSecret=s3",
    )
    kinds = {o["kind"] for o in objs}
    assert {"ExternalSecret", "Cluster", "ScheduledBackup"} <= kinds


def test_hook_migration_refused_when_the_release_makes_the_database(tmp_path: Path) -> None:
    for flag in ("global.database.source=cnpg", "global.database.source=externalSecret"):
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
    assert proc.returncode == 1, proc.stderr
    assert f"additional properties '{key}' not allowed" in proc.stderr, proc.stderr[-1500:]


@pytest.mark.parametrize(
    ("values", "error"),
    [
        (
            "api-service:\n  image:\n    pullPolicy: Sometimes\n",
            "api-service:\n- at '/image/pullPolicy': value must be one of 'Always', 'IfNotPresent', 'Never'",
        ),
        ("api-service:\n  replicaCount: 0\n", "api-service:\n- at '/replicaCount': minimum: got 0, want 1"),
        (
            "api-service:\n  config:\n    LOG_FORMAT: xml\n",
            "api-service:\n- at '/config/LOG_FORMAT': value must be one of 'json', 'console'",
        ),
        (
            "web-interface:\n  service:\n    port: 99999\n",
            "web-interface:\n- at '/service/port': maximum: got 99,999, want 65,535",
        ),
    ],
)
def test_schema_rejects_bad_values(tmp_path: Path, values: str, error: str) -> None:
    """helm names the chart, the value's path and what the schema wants."""
    path = write_values(tmp_path, values)
    proc = helm("template", "openpolicy", UMBRELLA, "-f", path, check=False)
    assert proc.returncode == 1, proc.stderr
    assert "Error: values don't meet the specifications of the schema(s)" in proc.stderr and error in proc.stderr, (
        proc.stderr[-1500:]
    )


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


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_api_and_notifier_read_the_same_webhook_secrets_key(env: str) -> None:
    """WEBHOOK_SECRETS_KEY seals the signing secrets the api stores and the notifier opens: one Secret for both,
    by reference; development's is made once by the chart and kept (a new key would make them unreadable)."""
    refs = {}
    for name in ("openpolicy-api-service", "openpolicy-notifier"):
        (container,) = _deployment(env, name)["spec"]["template"]["spec"]["containers"]
        (ref,) = [e["valueFrom"]["secretKeyRef"] for e in container["env"] if e["name"] == "WEBHOOK_SECRETS_KEY"]
        refs[name] = ref
    assert refs["openpolicy-api-service"] == refs["openpolicy-notifier"]
    if env == "development":
        secret = next(o for o in rendered(env) if o["kind"] == "Secret" and o["metadata"]["name"] == refs[name]["name"])
        assert len(base64.b64decode(secret["data"]["WEBHOOK_SECRETS_KEY"])) >= 32
        assert secret["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    else:
        assert refs[name] == {"name": "openpolicy-webhooks", "key": "WEBHOOK_SECRETS_KEY"}
