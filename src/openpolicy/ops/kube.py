"""Running `helm` and `kubectl`: the target (release, namespace, context), Helm 3/4 flag selection.

Helm 4 renamed `--atomic` to `--rollback-on-failure` and turned `--wait` into a strategy
(`--wait=watcher`); Helm 3 only knows the old spellings. :func:`helm_major` asks the binary
(`helm version --short`) and :func:`upgrade_flags` picks the matching flags.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpolicy.ops.output import ExitCode, OpsError

RELEASE = "openpolicy"
NAMESPACE = "openpolicy"
ENVIRONMENTS = ("development", "staging", "production")
CHART = Path("infrastructure/helm/charts/openpolicy-platform")
VALUES_DIR = Path("infrastructure/helm/values")
# Each service's image digest goes to `<subchart>.image.digest` of the umbrella chart. The api-service image also
# runs the notifier and the scheduled jobs: its digest pins those charts too (IMAGE_CHARTS). Staging and production
# values set global.imageDigestRequired, so a release without both digests fails to render instead of running a tag.
IMAGE_COMPONENTS = {"api": "api-service", "web": "web-interface"}
IMAGE_CHARTS = {"api": ("api-service", "notifier", "platform-jobs"), "web": ("web-interface",)}
DIGEST_RE = re.compile(r"^sha256:[0-9a-f]{64}$")


def digest_set_args(digests: dict[str, str]) -> list[str]:
    """``--set CHART.image.digest=...`` for every chart each component's image runs in."""
    args: list[str] = []
    for component, digest in sorted(digests.items()):
        for chart in IMAGE_CHARTS[component]:
            args += ["--set", f"{chart}.image.digest={digest}"]
    return args


_VERSION_RE = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")


@dataclass(frozen=True)
class Target:
    """Where a release lives and which binaries talk to it."""

    environment: str
    release: str = RELEASE
    namespace: str = NAMESPACE
    kube_context: str | None = None
    helm: str = "helm"
    kubectl: str = "kubectl"
    commands: list[list[str]] = field(default_factory=list, compare=False)

    def helm_args(self, *args: str) -> list[str]:
        extra = ["--kube-context", self.kube_context] if self.kube_context else []
        return [self.helm, *args, "--namespace", self.namespace, *extra]

    def kubectl_args(self, *args: str) -> list[str]:
        extra = ["--context", self.kube_context] if self.kube_context else []
        return [self.kubectl, *extra, "--namespace", self.namespace, *args]


def check_environment(environment: str, values_dir: Path = VALUES_DIR) -> Path:
    """Return ``values_dir/ENV.yaml``; refuse unknown environments and missing files."""
    if environment not in ENVIRONMENTS:
        raise OpsError(
            f"unknown environment {environment!r}: expected one of {', '.join(ENVIRONMENTS)}", ExitCode.USAGE
        )
    values = values_dir / f"{environment}.yaml"
    if not values.is_file():
        raise OpsError(
            f"values file {values} not found (run from the repository root or pass --values-dir)", ExitCode.USAGE
        )
    return values


def run(target: Target, argv: list[str], *, timeout: float = 1800.0) -> subprocess.CompletedProcess[str]:
    """Run one helm/kubectl command line, recording it on ``target.commands``; never raises on exit codes."""
    if shutil.which(argv[0]) is None:
        raise OpsError(f"{argv[0]} not found on PATH", ExitCode.USAGE)
    target.commands.append(list(argv))
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise OpsError(f"{' '.join(argv[:3])} did not finish within {timeout:.0f}s") from None


def helm_major(target: Target) -> int:
    """The major version of the helm binary (3 or 4), from `helm version --short`."""
    proc = run(target, [target.helm, "version", "--short"], timeout=30)
    match = _VERSION_RE.search(proc.stdout)
    if proc.returncode != 0 or not match:
        raise OpsError(
            f"cannot tell the helm version (`helm version --short` said {proc.stdout.strip()!r} "
            f"{proc.stderr.strip()!r})"
        )
    major = int(match.group(1))
    if major < 3:
        raise OpsError(f"helm {match.group(0)} is too old: Helm 3 or 4 is required", ExitCode.USAGE)
    return major


def upgrade_flags(major: int) -> list[str]:
    """Wait for readiness and roll back on failure, spelled for this Helm major version."""
    if major >= 4:
        return ["--wait=watcher", "--rollback-on-failure"]
    return ["--wait", "--atomic"]


def rollback_wait_flags(major: int) -> list[str]:
    return ["--wait=watcher"] if major >= 4 else ["--wait"]


def history(target: Target) -> list[dict[str, Any]]:
    """The release's revisions (oldest first); [] when the release does not exist yet."""
    proc = run(target, target.helm_args("history", target.release, "--output", "json", "--max", "20"), timeout=60)
    if proc.returncode != 0:
        if "not found" in proc.stderr.lower():
            return []
        raise OpsError(f"helm history {target.release} failed: {proc.stderr.strip()}")
    try:
        entries = json.loads(proc.stdout or "[]")
    except json.JSONDecodeError as exc:
        raise OpsError(f"helm history printed no JSON: {exc}") from None
    return sorted(entries, key=lambda e: int(e.get("revision", 0)))


def last_deployed_revision(entries: list[dict[str, Any]]) -> int | None:
    deployed = [int(e["revision"]) for e in entries if str(e.get("status")) == "deployed"]
    return deployed[-1] if deployed else None


def workloads(target: Target) -> list[str]:
    """``kind/name`` of the release's Deployments and StatefulSets."""
    selector = f"app.kubernetes.io/instance={target.release}"
    proc = run(target, target.kubectl_args("get", "deployments,statefulsets", "-l", selector, "-o", "json"), timeout=60)
    if proc.returncode != 0:
        raise OpsError(f"kubectl get deployments failed: {proc.stderr.strip()}")
    items = json.loads(proc.stdout or "{}").get("items", [])
    return [f"{item['kind'].lower()}/{item['metadata']['name']}" for item in items]


def rollout_status(target: Target, workload: str, timeout: str) -> None:
    proc = run(target, target.kubectl_args("rollout", "status", workload, f"--timeout={timeout}"))
    if proc.returncode != 0:
        raise OpsError(f"rollout of {workload} did not complete: {(proc.stderr or proc.stdout).strip()}")


def pods(target: Target) -> list[dict[str, Any]]:
    """Name, phase, ready containers and image digests of the release's pods."""
    selector = f"app.kubernetes.io/instance={target.release}"
    proc = run(target, target.kubectl_args("get", "pods", "-l", selector, "-o", "json"), timeout=60)
    if proc.returncode != 0:
        raise OpsError(f"kubectl get pods failed: {proc.stderr.strip()}")
    result = []
    for item in json.loads(proc.stdout or "{}").get("items", []):
        statuses = item.get("status", {}).get("containerStatuses", [])
        result.append(
            {
                "name": item["metadata"]["name"],
                "component": item["metadata"].get("labels", {}).get("app.kubernetes.io/component"),
                "phase": item.get("status", {}).get("phase"),
                "ready": sum(1 for s in statuses if s.get("ready")),
                "containers": len(item.get("spec", {}).get("containers", [])),
                "images": [
                    {"name": s.get("name"), "image": s.get("image"), "digest": _digest_of(s.get("imageID", ""))}
                    for s in statuses
                ],
            }
        )
    return result


def _digest_of(image_id: str) -> str | None:
    match = re.search(r"sha256:[0-9a-f]{64}", image_id)
    return match.group(0) if match else None
