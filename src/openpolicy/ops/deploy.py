"""`openpolicy deploy|rollback|status ENV`: Helm releases of the umbrella chart.

deploy = `helm upgrade --install` of infrastructure/helm/charts/openpolicy-platform with values/ENV.yaml,
images pinned by digest, waiting for readiness with Helm's own rollback on failure; then `kubectl rollout
status` of every workload and a smoke test of the environment's URL. When the smoke test fails the release
is rolled back to the revision that was live before, and the command fails loudly (exit 3).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from openpolicy.ops import kube
from openpolicy.ops.output import ExitCode, OpsError, Reporter
from openpolicy.ops.smoke import SmokeReport, run_smoke


def parse_digests(values: list[str]) -> dict[str, str]:
    """``COMPONENT=sha256:...`` (component api or web) → {component: digest}; refuse anything else."""
    digests: dict[str, str] = {}
    for value in values:
        component, sep, digest = value.partition("=")
        if not sep or component not in kube.IMAGE_COMPONENTS:
            raise OpsError(
                f"--image-digest {value!r}: expected COMPONENT=sha256:<64 hex> with COMPONENT one of "
                f"{', '.join(kube.IMAGE_COMPONENTS)}",
                ExitCode.USAGE,
            )
        if not kube.DIGEST_RE.match(digest):
            raise OpsError(f"--image-digest {value!r}: {digest!r} is not a sha256:<64 hex> digest", ExitCode.USAGE)
        digests[component] = digest
    return digests


def _rolled_back_by_helm(stderr: str) -> bool:
    text = stderr.lower()
    return "has been rolled back" in text or "has been uninstalled due to" in text


def deploy(
    target: kube.Target,
    *,
    chart: Path,
    values_dir: Path,
    digests: dict[str, str],
    sets: list[str],
    timeout: str,
    smoke_url: str | None,
    smoke_web_url: str | None,
    reporter: Reporter,
    smoke: Callable[[str, str | None], SmokeReport] = run_smoke,
    smoke_attempts: int = 3,
    smoke_interval: float = 10.0,
) -> dict[str, Any]:
    """Upgrade/install, wait, check, and roll back on failure (see the module docstring).

    The smoke test is tried up to ``smoke_attempts`` times ``smoke_interval`` seconds apart (a load balancer
    or DNS may lag the pods by a few seconds); only the last attempt's failure triggers the rollback.
    """
    if smoke_attempts < 1:
        raise OpsError("--smoke-attempts must be at least 1", ExitCode.USAGE)
    values = kube.check_environment(target.environment, values_dir)
    if not (chart / "Chart.yaml").is_file():
        raise OpsError(
            f"chart {chart} not found (no Chart.yaml); run from the repository root or pass --chart", ExitCode.USAGE
        )
    major = kube.helm_major(target)
    before = kube.history(target)
    previous = kube.last_deployed_revision(before)
    result: dict[str, Any] = {
        "environment": target.environment,
        "release": target.release,
        "namespace": target.namespace,
        "helm_major": major,
        "previous_revision": previous,
        "images": digests,
        "rolled_back": False,
    }
    argv = target.helm_args(
        "upgrade", "--install", target.release, str(chart),
        "--values", str(values),
        *upgrade_set_args(digests, sets),
        *kube.upgrade_flags(major),
        "--timeout", timeout,
        "--history-max", "20",
    )  # fmt: skip
    with reporter.status(f"helm upgrade --install {target.release} ({target.environment}, Helm {major})"):
        proc = kube.run(target, argv)
    if proc.returncode != 0:
        message = (proc.stderr or proc.stdout).strip()
        if _rolled_back_by_helm(message):
            raise OpsError(
                f"DEPLOY FAILED AND WAS ROLLED BACK by helm ({kube.upgrade_flags(major)[1]}): {message}",
                ExitCode.ROLLED_BACK,
                **result | {"rolled_back": True, "stage": "upgrade", "commands": target.commands},
            )
        raise OpsError(f"helm upgrade failed: {message}", **result | {"stage": "upgrade"})

    after = kube.history(target)
    result["revision"] = kube.last_deployed_revision(after)
    failure: str | None = None
    stage = ""
    try:
        for workload in kube.workloads(target):
            with reporter.status(f"kubectl rollout status {workload}"):
                kube.rollout_status(target, workload, timeout)
        if smoke_url:
            for attempt in range(1, smoke_attempts + 1):
                report = smoke(smoke_url, smoke_web_url)
                verdict = "passed" if report.ok else f"FAILED ({len(report.failed)} checks)"
                reporter.step(f"smoke test {smoke_url} {verdict} (attempt {attempt}/{smoke_attempts})")
                if report.ok or attempt == smoke_attempts:
                    break
                time.sleep(smoke_interval)
            result["smoke"] = report.to_dict() | {"attempts": attempt}
            if not report.ok:
                stage, failure = "smoke", f"smoke test failed: {report.summary()}"
    except OpsError as exc:
        stage, failure = "rollout", str(exc)
    if failure is None:
        result["commands"] = target.commands
        return result

    if previous is None:
        raise OpsError(
            f"{failure}; nothing to roll back to (first install of {target.release})",
            **result | {"stage": stage, "commands": target.commands},
        )
    with reporter.status(f"rolling back {target.release} to revision {previous}"):
        back = kube.run(
            target,
            target.helm_args(
                "rollback", target.release, str(previous), *kube.rollback_wait_flags(major), "--timeout", timeout
            ),
        )
    if back.returncode != 0:
        raise OpsError(
            f"{failure}; AND THE ROLLBACK TO REVISION {previous} FAILED: {back.stderr.strip()}",
            **result | {"stage": stage, "commands": target.commands},
        )
    raise OpsError(
        f"DEPLOY FAILED AND WAS ROLLED BACK to revision {previous}: {failure}",
        ExitCode.ROLLED_BACK,
        **result | {"stage": stage, "rolled_back": True, "rolled_back_to": previous, "commands": target.commands},
    )


def upgrade_set_args(digests: dict[str, str], sets: list[str]) -> list[str]:
    args = kube.digest_set_args(digests)
    for item in sets:
        if "=" not in item:
            raise OpsError(f"--set {item!r}: expected KEY=VALUE", ExitCode.USAGE)
        args += ["--set", item]
    return args


def rollback(target: kube.Target, revision: int | None, *, timeout: str, reporter: Reporter) -> dict[str, Any]:
    kube.check_environment(target.environment)
    major = kube.helm_major(target)
    entries = kube.history(target)
    if not entries:
        raise OpsError(f"release {target.release} not found in namespace {target.namespace}")
    current = int(entries[-1]["revision"])
    if revision is not None and revision not in {int(e["revision"]) for e in entries}:
        known = ", ".join(str(e["revision"]) for e in entries)
        raise OpsError(f"revision {revision} is not in the release history (known: {known})", ExitCode.USAGE)
    argv = target.helm_args(
        "rollback",
        target.release,
        *([str(revision)] if revision else []),
        *kube.rollback_wait_flags(major),
        "--timeout",
        timeout,
    )
    with reporter.status(f"helm rollback {target.release} {revision or '(previous)'}"):
        proc = kube.run(target, argv)
    if proc.returncode != 0:
        raise OpsError(f"helm rollback failed: {proc.stderr.strip()}")
    for workload in kube.workloads(target):
        with reporter.status(f"kubectl rollout status {workload}"):
            kube.rollout_status(target, workload, timeout)
    after = kube.history(target)
    return {
        "environment": target.environment,
        "release": target.release,
        "from_revision": current,
        "to_revision": revision,
        "revision": int(after[-1]["revision"]) if after else None,
        "commands": target.commands,
    }


def status(target: kube.Target) -> dict[str, Any]:
    kube.check_environment(target.environment)
    entries = kube.history(target)
    if not entries:
        raise OpsError(f"release {target.release} not found in namespace {target.namespace}")
    latest = entries[-1]
    pod_list = kube.pods(target)
    ready = sum(1 for p in pod_list if p["containers"] and p["ready"] == p["containers"])
    digests = sorted({i["digest"] for p in pod_list for i in p["images"] if i["digest"]})
    return {
        "environment": target.environment,
        "release": target.release,
        "namespace": target.namespace,
        "revision": int(latest["revision"]),
        "status": latest.get("status"),
        "chart": latest.get("chart"),
        "app_version": latest.get("app_version"),
        "updated": latest.get("updated"),
        "pods_ready": ready,
        "pods_total": len(pod_list),
        "image_digests": digests,
        "pods": pod_list,
    }
