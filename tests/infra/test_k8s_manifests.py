"""Every rendered object, checked with real tools: kubernetes-validate --strict (1.30 and the newest it knows),
the CRD schemas, Pod Security `restricted`, checkov, `kubectl kustomize`, and drift of infrastructure/k8s."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from tests.support.helm import (
    CHECKOV,
    ENVIRONMENTS,
    HELM_DIR,
    K8S_DIR,
    KUBECTL,
    PINS,
    all_rendered,
    name_of,
    pod_spec,
    rendered,
    run,
    template,
)
from tools import render

CRD_DIR = HELM_DIR / "crd-schemas"
CRD_KINDS = {
    ("monitoring.coreos.com/v1", "ServiceMonitor"): "monitoring.coreos.com_v1_servicemonitor.yaml",
    ("monitoring.coreos.com/v1", "PrometheusRule"): "monitoring.coreos.com_v1_prometheusrule.yaml",
    ("monitoring.coreos.com/v1alpha1", "AlertmanagerConfig"): "monitoring.coreos.com_v1alpha1_alertmanagerconfig.yaml",
    ("external-secrets.io/v1", "ExternalSecret"): "external-secrets.io_v1_externalsecret.yaml",
    ("postgresql.cnpg.io/v1", "Cluster"): "postgresql.cnpg.io_v1_cluster.yaml",
    ("postgresql.cnpg.io/v1", "ScheduledBackup"): "postgresql.cnpg.io_v1_scheduledbackup.yaml",
}
K8S_VERSIONS = ("1.30.0", kubernetes_validate.latest_version())


@cache
def everything() -> tuple[tuple[str, dict[str, Any]], ...]:
    """All environments, plus the optional objects (ExternalSecret, CNPG backups, exports on S3) switched on."""
    extra = template(
        HELM_DIR / "charts" / "openpolicy-platform",
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
    database_secret = template(
        HELM_DIR / "charts" / "openpolicy-platform",
        "-f",
        HELM_DIR / "values" / "production.yaml",
        *PINS,
        "--set",
        "global.database.source=externalSecret,externalSecret.secretStoreRef.name=vault",
        "--set",
        "api-service.migrations.asHook=false,global.exports.storage=s3,global.exports.s3.url=s3://exports/openpolicy",
        "--set",
        "global.exports.s3.credentialsSecret=exports-s3",
    )
    extra += [o for o in database_secret if o["kind"] in ("ExternalSecret", "CronJob", "Deployment", "NetworkPolicy")]
    return (*all_rendered(), *(("optional", o) for o in extra))


def test_every_kind_is_covered() -> None:
    kinds = {(o["apiVersion"], o["kind"]) for _, o in everything()}
    assert set(CRD_KINDS) <= kinds, "the optional objects must be rendered so their schemas are checked"


@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_builtin_objects_validate_strict(version: str) -> None:
    checked = 0
    for env, obj in everything():
        if (obj["apiVersion"], obj["kind"]) in CRD_KINDS:
            continue
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            raise AssertionError(f"{name_of(env, obj)} invalid for Kubernetes {version}: {exc.message}") from None
        checked += 1
    assert checked > 60


def _crd_registry() -> Registry:
    common = yaml.safe_load((CRD_DIR / "_common.yaml").read_text())
    return Registry().with_resource("_common.yaml", Resource.from_contents(common, default_specification=DRAFT202012))


def _crd_validator(filename: str) -> jsonschema.Draft202012Validator:
    schema = yaml.safe_load((CRD_DIR / filename).read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, registry=_crd_registry())


def test_custom_resources_match_their_crd_schemas() -> None:
    checked = 0
    for env, obj in everything():
        filename = CRD_KINDS.get((obj["apiVersion"], obj["kind"]))
        if filename is None:
            continue
        errors = sorted(_crd_validator(filename).iter_errors(obj), key=lambda e: list(e.path))
        assert not errors, f"{name_of(env, obj)}: " + "; ".join(f"{list(e.path)}: {e.message}" for e in errors)
        checked += 1
    assert checked >= 10


@pytest.mark.parametrize(
    "filename, bad, error",
    [
        (
            "monitoring.coreos.com_v1_servicemonitor.yaml",
            {"spec": {"selector": {}, "endpoint": []}},
            (["spec"], "Additional properties are not allowed ('endpoint' was unexpected)"),
        ),
        (
            "monitoring.coreos.com_v1_prometheusrule.yaml",
            {"spec": {"groups": [{"name": "g", "rules": [{}]}]}},
            (["spec", "groups", 0, "rules", 0], "'expr' is a required property"),
        ),
        (
            "postgresql.cnpg.io_v1_cluster.yaml",
            {"spec": {"instances": 0}},
            (["spec", "instances"], "0 is less than the minimum of 1"),
        ),
        (
            "postgresql.cnpg.io_v1_scheduledbackup.yaml",
            {"spec": {"cluster": {"name": "x"}}},
            (["spec"], "'schedule' is a required property"),
        ),
        (
            "external-secrets.io_v1_externalsecret.yaml",
            {"spec": {"secretStoreRef": {"kind": "Store"}}},
            (["spec", "secretStoreRef", "kind"], "'Store' is not one of ['SecretStore', 'ClusterSecretStore']"),
        ),
        (
            "monitoring.coreos.com_v1alpha1_alertmanagerconfig.yaml",
            {"spec": {"route": {"group_by": ["a"]}}},
            (["spec", "route"], "Additional properties are not allowed ('group_by' was unexpected)"),
        ),
    ],
)
def test_crd_schemas_reject_mistakes(filename: str, bad: dict[str, Any], error: tuple[list[Any], str]) -> None:
    """The vendored schemas can fail, each for the mistake made (a typo'd field, a missing required one, a value
    out of range), named where it is."""
    api_version, kind = next(k for k, v in CRD_KINDS.items() if v == filename)
    obj = {"apiVersion": api_version, "kind": kind, "metadata": {"name": "x"}, **bad}
    assert [(list(e.path), e.message) for e in _crd_validator(filename).iter_errors(obj)] == [error]


@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_kubernetes_validate_strict_names_a_typod_field(version: str) -> None:
    """The built-in objects' check can fail: ``replica`` for ``replicas`` in a Deployment is named."""
    labels = {"app": "x"}
    template = {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "c", "image": "i"}]}}
    obj = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "x"},
        "spec": {"replica": 1, "selector": {"matchLabels": labels}, "template": template},
    }
    with pytest.raises(kubernetes_validate.ValidationError) as info:
        kubernetes_validate.validate(obj, version, strict=True)
    assert info.value.message == "Additional properties are not allowed ('replica' was unexpected)"
    assert list(info.value.path) == ["spec"]


# --- Pod Security Standards: restricted --------------------------------------------------------------------

ALLOWED_VOLUMES = {
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
}


def restricted_violations(spec: dict[str, Any]) -> list[str]:
    """The checks of the Pod Security `restricted` profile (see kubernetes.io, pod-security-standards)."""
    problems: list[str] = []
    pod_sc = spec.get("securityContext") or {}
    for field in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(field):
            problems.append(f"{field} set")
    for volume in spec.get("volumes") or []:
        kinds = set(volume) - {"name"}
        if not kinds <= ALLOWED_VOLUMES:
            problems.append(f"volume {volume['name']} of type {kinds}")
    if pod_sc.get("sysctls"):
        problems.append("sysctls set")
    pod_seccomp = (pod_sc.get("seccompProfile") or {}).get("type")
    if pod_seccomp == "Unconfined":
        problems.append("pod seccomp Unconfined")
    if pod_sc.get("runAsUser") == 0:
        problems.append("pod runAsUser 0")
    containers = (spec.get("initContainers") or []) + spec["containers"] + (spec.get("ephemeralContainers") or [])
    for c in containers:
        sc = c.get("securityContext") or {}
        where = f"container {c['name']}"
        if sc.get("privileged"):
            problems.append(f"{where}: privileged")
        if sc.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{where}: allowPrivilegeEscalation not false")
        caps = sc.get("capabilities") or {}
        if "ALL" not in (caps.get("drop") or []):
            problems.append(f"{where}: capabilities not dropping ALL")
        if set(caps.get("add") or []) - {"NET_BIND_SERVICE"}:
            problems.append(f"{where}: adds capabilities {caps['add']}")
        if not (sc.get("runAsNonRoot") or pod_sc.get("runAsNonRoot")):
            problems.append(f"{where}: runAsNonRoot not true")
        if sc.get("runAsUser") == 0:
            problems.append(f"{where}: runAsUser 0")
        seccomp = (sc.get("seccompProfile") or {}).get("type") or pod_seccomp
        if seccomp not in ("RuntimeDefault", "Localhost"):
            problems.append(f"{where}: seccomp {seccomp}")
        if sc.get("procMount") not in (None, "Default"):
            problems.append(f"{where}: procMount")
        if any(p.get("hostPort") for p in c.get("ports") or []):
            problems.append(f"{where}: hostPort")
        # beyond `restricted`, this platform's own rules
        if sc.get("readOnlyRootFilesystem") is not True:
            problems.append(f"{where}: root filesystem writable")
    if spec.get("automountServiceAccountToken") is not False:
        problems.append("service-account token mounted")
    return problems


def test_every_pod_spec_meets_pod_security_restricted() -> None:
    checked = 0
    for env, obj in everything():
        spec = pod_spec(obj)
        if spec is None:
            continue
        assert restricted_violations(spec) == [], name_of(env, obj)
        if "openpolicy/" in spec["containers"][0]["image"]:
            assert spec["securityContext"]["runAsUser"] == 10001 and spec["securityContext"]["runAsGroup"] == 10001
        checked += 1
    assert checked >= 20


def test_restricted_check_catches_violations() -> None:
    good = pod_spec(next(o for o in rendered("production") if o["kind"] == "Deployment"))
    assert good is not None and restricted_violations(good) == []
    bad = json.loads(json.dumps(good))
    bad["hostNetwork"] = True
    bad["containers"][0]["securityContext"]["allowPrivilegeEscalation"] = True
    bad["containers"][0]["securityContext"]["capabilities"] = {"add": ["SYS_ADMIN"]}
    bad["volumes"].append({"name": "host", "hostPath": {"path": "/"}})
    problems = " ".join(restricted_violations(bad))
    for word in ("hostNetwork", "allowPrivilegeEscalation", "SYS_ADMIN", "ALL", "hostPath"):
        assert word in problems


def test_namespace_is_labelled_restricted() -> None:
    ns = yaml.safe_load((K8S_DIR / "namespace-openpolicy.yaml").read_text())
    assert ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


# --- checkov ------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_checkov_zero_failed_checks(tmp_path: Path) -> None:
    assert CHECKOV.exists(), "checkov missing: `make checkov` (a TEST_PREREQS of `make test`)"
    for env in ENVIRONMENTS:
        (tmp_path / f"{env}.yaml").write_text(yaml.safe_dump_all(rendered(env), sort_keys=False))
    (tmp_path / "optional.yaml").write_text(
        yaml.safe_dump_all([o for e, o in everything() if e == "optional"], sort_keys=False)
    )
    proc = run(
        [CHECKOV, "-d", tmp_path, "--config-file", HELM_DIR / "checkov.yaml", "-o", "json"], check=False, timeout=300
    )
    report = json.loads(proc.stdout)
    reports = report if isinstance(report, list) else [report]
    summary = reports[0]["summary"]
    failed = [(f["check_id"], f["resource"]) for r in reports for f in r["results"]["failed_checks"]]
    assert failed == [] and proc.returncode == 0, failed
    assert summary["passed"] > 1000
    # every skip is written down with its reason: the config file's comment above it, or the annotation's text
    config_text = (HELM_DIR / "checkov.yaml").read_text()
    for check_id in yaml.safe_load(config_text)["skip-check"]:
        assert f"# {check_id} " in config_text, f"{check_id} skipped without a reason"
    annotated = 0
    for env, obj in everything():
        for key, value in (obj["metadata"].get("annotations") or {}).items():
            if key.startswith("checkov.io/skip"):
                check_id, _, reason = value.partition("=")
                assert len(reason.split()) >= 5, f"{name_of(env, obj)}: {check_id} skipped without a reason"
                annotated += 1
    assert summary["skipped"] == annotated


# --- infrastructure/k8s --------------------------------------------------------------------------------------


class _GoYamlLoader(yaml.SafeLoader):
    """kustomize (Go yaml) writes a bare `=` (an AlertmanagerConfig matchType); YAML 1.1 calls it the value tag."""


_GoYamlLoader.add_constructor("tag:yaml.org,2002:value", yaml.SafeLoader.construct_yaml_str)


def test_kubectl_kustomize_builds() -> None:
    proc = run([KUBECTL, "kustomize", K8S_DIR])
    objects = [d for d in yaml.load_all(proc.stdout, Loader=_GoYamlLoader) if d]
    matchers = [m for o in objects if o["kind"] == "AlertmanagerConfig" for m in o["spec"]["route"]["routes"]]
    assert matchers and matchers[0]["matchers"][0]["matchType"] == "="
    kinds = {o["kind"] for o in objects}
    assert {"Namespace", "Deployment", "Service", "Ingress", "ConfigMap", "ServiceMonitor", "PrometheusRule"} <= kinds
    assert all(o["metadata"].get("namespace", "openpolicy") == "openpolicy" for o in objects)
    assert not [o for o in objects if o["kind"] == "Secret"], "secrets are references only, never objects"


def test_k8s_folders_match_a_fresh_render() -> None:
    """Drift test: infrastructure/k8s is exactly `make k8s-render` of the charts with production values."""
    fresh = render.render("production")
    on_disk = {str(p.relative_to(K8S_DIR)): p.read_text() for p in K8S_DIR.rglob("*") if p.is_file()}
    assert sorted(on_disk) == sorted(fresh), "run `make k8s-render`"
    stale = [path for path, text in fresh.items() if on_disk[path] != text]
    assert stale == [], f"stale (run `make k8s-render`): {stale}"
    for path, text in fresh.items():
        assert "Generated by `make k8s-render`" in text.splitlines()[0], path


def test_k8s_layout_uses_the_seed_folders() -> None:
    folders = {p.name for p in K8S_DIR.iterdir() if p.is_dir()}
    assert folders == {"deployments", "services", "ingress", "configmaps", "secrets", "monitoring"}
    secrets = [p.name for p in (K8S_DIR / "secrets").iterdir()]
    assert sorted(secrets) == ["README.md", "externalsecret.example.yaml"]
    for path in K8S_DIR.rglob("*.yaml"):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc and doc.get("kind") == "Secret":
                raise AssertionError(f"{path} holds a Secret")


def test_write_replaces_stale_generated_files_only(tmp_path: Path) -> None:
    out = tmp_path / "k8s"
    (out / "deployments").mkdir(parents=True)
    stale = out / "deployments" / "deployment-gone.yaml"
    stale.write_text("# Generated by `make k8s-render` (openpolicy render production) from infrastructure/helm\n")
    mine = out / "deployments" / "my-notes.yaml"
    mine.write_text("# not generated\n")
    written = render.write("production", out)
    assert not stale.exists() and mine.exists()
    assert {str(p.relative_to(out)) for p in written} == set(render.render("production"))
