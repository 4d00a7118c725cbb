"""Helpers of the Helm/Kubernetes tests: run helm and kubectl (unpacked by `make helm-tools`), render charts."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from openpolicy.ops.kube import digest_set_args
from tests.support import ROOT

HELM_DIR = ROOT / "infrastructure" / "helm"
CHARTS_DIR = HELM_DIR / "charts"
CHARTS = (
    "openpolicy-common",
    "api-service",
    "web-interface",
    "notifier",
    "platform-jobs",
    "monitoring-stack",
    "openpolicy-platform",
)
APP_CHARTS = ("api-service", "web-interface", "notifier", "platform-jobs", "monitoring-stack", "openpolicy-platform")
UMBRELLA = CHARTS_DIR / "openpolicy-platform"
ENVIRONMENTS = ("development", "staging", "production")
K8S_DIR = ROOT / "infrastructure" / "k8s"
TOOLS_BIN = ROOT / ".tools" / "bin"
HELM = TOOLS_BIN / "helm"
KUBECTL = TOOLS_BIN / "kubectl"
CHECKOV = ROOT / ".tools" / "checkov" / "bin" / "checkov"
POD_KINDS = ("Deployment", "Job", "CronJob", "Pod")
# The digests a deploy would pin (staging and production refuse to render without them), as `openpolicy deploy`
# passes them: the api image's digest also pins the notifier and the jobs.
API_DIGEST = "sha256:" + "a" * 64
WEB_DIGEST = "sha256:" + "b" * 64
PINS = tuple(digest_set_args({"api": API_DIGEST, "web": WEB_DIGEST}))


def run(cmd: Sequence[str | Path], *, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=timeout, check=False, cwd=ROOT)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, cmd))} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc


def helm(*args: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    assert HELM.exists(), "helm missing: `make helm-tools` unpacks it (a TEST_PREREQS of `make test`)"
    return run([HELM, *args], check=check)


def template(chart: Path = UMBRELLA, *args: str | Path) -> list[dict[str, Any]]:
    proc = helm("template", "openpolicy", chart, "--namespace", "openpolicy", *args)
    return [d for d in yaml.safe_load_all(proc.stdout) if d]


@cache
def rendered(env: str) -> tuple[dict[str, Any], ...]:
    """The umbrella chart rendered with an environment's values and the digests (as `openpolicy deploy` applies it)."""
    return tuple(template(UMBRELLA, "-f", HELM_DIR / "values" / f"{env}.yaml", *PINS))


def all_rendered() -> Iterator[tuple[str, dict[str, Any]]]:
    for env in ENVIRONMENTS:
        for obj in rendered(env):
            yield env, obj


def pod_spec(obj: dict[str, Any]) -> dict[str, Any] | None:
    kind = obj["kind"]
    if kind == "Pod":
        return dict(obj["spec"])
    if kind in ("Deployment", "Job"):
        return dict(obj["spec"]["template"]["spec"])
    if kind == "CronJob":
        return dict(obj["spec"]["jobTemplate"]["spec"]["template"]["spec"])
    return None


def name_of(env: str, obj: dict[str, Any]) -> str:
    return f"{env}:{obj['kind']}/{obj['metadata']['name']}"


def write_values(tmp_path: Path, text: str, name: str = "values.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def podman(
    *args: str, check: bool = True, timeout: float = 120, input_text: str | None = None
) -> subprocess.CompletedProcess[str]:
    """podman with the project's containers.conf; a failure shows podman's output."""
    from tests.support.containers import podman_env

    proc = subprocess.run(
        ["podman", *args], env=podman_env(), text=True, capture_output=True, timeout=timeout, input=input_text
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"podman {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc
