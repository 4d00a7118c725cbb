"""The delivery files of issue 8: GitHub workflows, Terraform and the wrapper scripts, checked by real tools
(actionlint, zizmor, checkov, shellcheck, python-hcl2) and for the properties the issue asks for."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import hcl2
import pytest
import yaml
from tests.support import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
TERRAFORM = ROOT / "infrastructure" / "terraform"
SCRIPTS = ROOT / "infrastructure" / "scripts"
CHECKOV = ROOT / ".tools" / "checkov" / "bin" / "checkov"
BIN = ROOT / ".venv" / "bin"
SHA_PIN = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def run(*cmd: str | Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=timeout, cwd=ROOT, check=False)


def workflow(name: str) -> dict[Any, Any]:
    data = yaml.safe_load((WORKFLOWS / name).read_text())
    assert isinstance(data, dict)
    return data


def all_steps() -> list[tuple[str, dict[str, Any]]]:
    steps = []
    for path in sorted(WORKFLOWS.glob("*.yml")):
        for job in workflow(path.name)["jobs"].values():
            steps += [(path.name, step) for step in job.get("steps", [])]
    return steps


# --- workflows --------------------------------------------------------------------------------------------
def test_actionlint_is_clean() -> None:
    proc = run(BIN / "actionlint", *sorted(WORKFLOWS.glob("*.yml")))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_zizmor_is_clean_even_pedantic() -> None:
    proc = run(BIN / "zizmor", "--offline", "--persona", "pedantic", "--format", "json", WORKFLOWS)
    findings = json.loads(proc.stdout or "[]")
    assert proc.returncode == 0 and findings == [], json.dumps(findings, indent=1)[:3000]


def test_checkov_github_actions_checks_pass() -> None:
    assert CHECKOV.exists(), "checkov is installed by `make checkov` (a TEST_PREREQS of make test)"
    proc = run(CHECKOV, "-d", WORKFLOWS, "--framework", "github_actions", "--skip-download", "-o", "json")
    report = json.loads(proc.stdout)
    assert report["summary"]["failed"] == 0, [c["check_id"] for c in report["results"]["failed_checks"]]
    assert report["summary"]["passed"] > 50
    # the one skip, written down next to it: SLSA's "no workflow_dispatch inputs" rule, on the rollback workflow
    skipped = [(c["check_id"], c["resource"]) for c in report["results"]["skipped_checks"]]
    assert skipped == [("CKV_GHA_7", "on(rollback)")]


def test_every_action_is_pinned_by_commit_sha_with_its_tag_noted() -> None:
    uses_lines = [
        line.strip()
        for path in WORKFLOWS.glob("*.yml")
        for line in path.read_text().splitlines()
        if line.strip().startswith(("uses:", "- uses:"))
    ]
    assert uses_lines
    for line in uses_lines:
        ref = line.split("uses:", 1)[1].split("#")[0].strip()
        if ref.startswith(("$/", "./")):
            continue  # this repository's own reusable workflow
        assert SHA_PIN.match(ref), f"not pinned by a full commit SHA: {line}"
        assert re.search(r"# v\d+\.\d+\.\d+$", line), f"no `# vX.Y.Z` tag comment: {line}"


def test_least_privilege_permissions_and_concurrency() -> None:
    for path in WORKFLOWS.glob("*.yml"):
        data = workflow(path.name)
        assert data["permissions"] == {}, f"{path.name}: top-level permissions must be empty"
        for name, job in data["jobs"].items():
            assert "permissions" in job, f"{path.name}: job {name} declares no permissions"
            assert "write-all" not in str(job["permissions"])
        assert "concurrency" in data or all("concurrency" in j for j in data["jobs"].values()), path.name
        for _, step in [(p, s) for p, s in all_steps() if p == path.name]:
            if str(step.get("uses", "")).startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False


def test_ci_runs_lint_make_test_and_chart_validation_on_prs_and_pushes() -> None:
    data = workflow("ci.yml")
    assert set(data[True]) >= {"pull_request", "push"}  # PyYAML reads the `on:` key as True
    runs = " ".join(str(s.get("run", "")) for p, s in all_steps() if p == "ci.yml")
    for command in ("make lint", "make ops-lint", "make test", "helm lint", "make k8s-render", "git diff --exit-code"):
        assert command in runs


def test_deploy_pipeline_builds_scans_signs_and_deploys_staging_then_production() -> None:
    data = workflow("deploy.yml")
    jobs = data["jobs"]
    assert data["concurrency"]["cancel-in-progress"] is False
    builds = [s for s in jobs["build"]["steps"] if str(s.get("uses", "")).startswith("docker/build-push-action@")]
    assert {b["with"]["target"] for b in builds} == {"api-service", "web-interface"}
    for build in builds:
        assert build["with"]["sbom"] is True and build["with"]["provenance"] == "mode=max"
        assert build["with"]["cache-from"].startswith("type=gha") and build["with"]["push"] is True
    assert jobs["build"]["permissions"] == {"contents": "read", "packages": "write"}

    trivy = next(s for s in jobs["scan"]["steps"] if str(s.get("uses", "")).startswith("aquasecurity/trivy-action@"))
    assert trivy["with"]["severity"] == "CRITICAL" and trivy["with"]["exit-code"] == "1"
    assert "@${{" in trivy["with"]["image-ref"]  # scanned by digest

    sign_run = next(s["run"] for s in jobs["sign"]["steps"] if "run" in s)
    assert sign_run.count("cosign sign --yes") == 2 and "@${API_DIGEST}" in sign_run
    assert jobs["sign"]["permissions"]["id-token"] == "write"  # keyless: OIDC identity, no key

    assert jobs["staging"]["needs"] == ["build", "sign"] and "staging" in jobs["production"]["needs"]
    assert jobs["staging"]["with"]["environment"] == "staging"
    assert jobs["production"]["with"]["environment"] == "production"

    env_job = workflow("deploy-environment.yml")["jobs"]["deploy"]
    assert env_job["environment"]["name"] == "${{ inputs.environment }}"  # protection rules of that environment
    steps = env_job["steps"]
    uses = [str(s.get("uses", "")) for s in steps]
    assert any(u.startswith("aws-actions/configure-aws-credentials@") for u in uses)
    aws = next(s for s in steps if str(s.get("uses", "")).startswith("aws-actions/configure-aws-credentials@"))
    assert "role-to-assume" in aws["with"] and "aws-secret-access-key" not in aws["with"]  # OIDC, no stored keys
    runs = "\n".join(str(s.get("run", "")) for s in steps)
    assert "cosign verify" in runs
    assert "openpolicy deploy" in runs and "--image-digest" in runs and "--smoke-url" in runs


# --- scripts ---------------------------------------------------------------------------------------------
def test_shellcheck_is_clean() -> None:
    assert shutil.which("shellcheck"), "shellcheck is installed by `make system-deps` (APT_PACKAGES)"
    scripts = sorted(SCRIPTS.rglob("*.sh"))
    assert len(scripts) >= 9
    proc = run("shellcheck", "-x", *scripts)
    assert proc.returncode == 0, proc.stdout


@pytest.mark.parametrize(
    ("script", "command"),
    [
        ("deployment/deploy.sh", "deploy"),
        ("deployment/rollback.sh", "rollback"),
        ("deployment/status.sh", "status"),
        ("deployment/smoke-test.sh", "smoke"),
        ("maintenance/backup.sh", "backup"),
        ("maintenance/restore.sh", "restore"),
        ("monitoring/health-check.sh", "health"),
    ],
)
def test_wrappers_are_thin_and_refuse_missing_arguments(script: str, command: str) -> None:
    text = (SCRIPTS / script).read_text()
    assert f"run_openpolicy {command} " in text
    code_lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    assert len(code_lines) <= 8, "a wrapper holds no logic of its own"
    proc = run("bash", SCRIPTS / script)
    assert proc.returncode == 2 and "usage:" in proc.stderr


# --- terraform -------------------------------------------------------------------------------------------
def _clean(node: Any) -> Any:
    """python-hcl2 keeps string quotes and adds ``__is_block__``/``__comments__``: strip both."""
    if isinstance(node, dict):
        return {_clean(k): _clean(v) for k, v in node.items() if not (isinstance(k, str) and k.startswith("__"))}
    if isinstance(node, list):
        return [_clean(v) for v in node]
    if isinstance(node, str) and len(node) >= 2 and node[0] == node[-1] == '"':
        return node[1:-1]
    return node


def tf(name: str) -> dict[str, Any]:
    with (TERRAFORM / name).open() as fh:
        return dict(_clean(hcl2.load(fh)))


def test_every_terraform_file_parses() -> None:
    files = sorted(TERRAFORM.rglob("*.tf")) + sorted(TERRAFORM.rglob("*.tfvars"))
    assert len(files) >= 9
    for path in files:
        with path.open() as fh:
            hcl2.load(fh)


def test_providers_are_pinned_to_current_majors() -> None:
    required = tf("versions.tf")["terraform"][0]["required_providers"][0]
    assert required["kubernetes"]["source"] == "hashicorp/kubernetes" and required["kubernetes"]["version"].startswith(
        "~> 2."
    )
    assert required["helm"]["source"] == "hashicorp/helm" and required["helm"]["version"].startswith("~> 3.")
    helm_provider = next(p["helm"] for p in tf("providers.tf")["provider"] if "helm" in p)
    assert isinstance(helm_provider["kubernetes"], dict), "helm provider v3: `kubernetes = { ... }` attribute"


def test_namespace_secrets_and_operators_but_never_the_release() -> None:
    """One owner per deployed thing: Terraform makes the namespace, the Secrets and the operators; the release
    `openpolicy` belongs to `openpolicy deploy` alone (no helm_release of the platform's chart, no image digests)."""
    main = tf("main.tf")
    resources = {(k, n): v for block in main["resource"] for k, named in block.items() for n, v in named.items()}
    ns_labels = resources[("kubernetes_namespace_v1", "platform")]["metadata"][0]["labels"]
    assert "pod-security.kubernetes.io/enforce" in str(ns_labels) and "pod-security.kubernetes.io/warn" in str(
        ns_labels
    )
    assert resources[("kubernetes_secret_v1", "database")]["data"]["DATABASE_URL"] == "${var.database_url}"
    assert not [key for key in resources if key[0] == "helm_release"]
    addons = {n: v for block in tf("addons.tf")["resource"] for named in block.values() for n, v in named.items()}
    assert addons["kube_prometheus_stack"]["repository"] == "https://prometheus-community.github.io/helm-charts"
    assert addons["cloudnative_pg"]["repository"] == "https://cloudnative-pg.github.io/charts"
    assert addons["external_secrets"]["repository"] == "https://charts.external-secrets.io"
    assert all(a["version"].startswith("${var.") for a in addons.values())
    for path in TERRAFORM.rglob("*.tf"):
        text = path.read_text()
        assert "openpolicy-platform" not in text and "image_digest" not in text, f"{path} manages the release"
    readme = (TERRAFORM / "README.md").read_text()
    assert "**`openpolicy deploy ENV`**" in readme


def test_variables_validate_and_secrets_are_sensitive_and_never_in_tfvars() -> None:
    variables = {name: v for block in tf("variables.tf")["variable"] for name, v in block.items()}
    for secret in ("database_url", "redis_url", "webhook_secrets_key"):
        assert variables[secret]["sensitive"] is True
    assert sum(1 for v in variables.values() if "validation" in v) >= 8
    allowed_envs = re.findall(r'"(\w+)"', str(variables["environment"]["validation"]))
    assert set(allowed_envs) >= {"development", "staging", "production"}
    for env in ("development", "staging", "production"):
        values = tf(f"environments/{env}.tfvars")
        assert values["environment"] == env
        assert set(values) <= set(variables), set(values) - set(variables)
        assert not {"database_url", "redis_url", "webhook_secrets_key"} & set(values), "secrets: TF_VAR_*, not files"
        assert (ROOT / "infrastructure" / "helm" / "values" / f"{env}.yaml").is_file()
    outputs = {name for block in tf("outputs.tf")["output"] for name in block}
    assert {"namespace", "release_name", "deploy_command"} <= outputs


def test_checkov_terraform_zero_failed() -> None:
    assert CHECKOV.exists(), "checkov is installed by `make checkov` (a TEST_PREREQS of make test)"
    proc = run(CHECKOV, "-d", TERRAFORM, "--config-file", TERRAFORM / ".checkov.yaml", "-o", "json", "--quiet")
    report = json.loads(proc.stdout)
    assert report["summary"]["failed"] == 0, [c["check_id"] for c in report["results"]["failed_checks"]]
    assert report["summary"]["parsing_errors"] == 0
    assert report["summary"]["passed"] >= 2
