"""`openpolicy deploy|rollback|status` driven against FAKE helm/kubectl executables (tests/support/ops.py).

No Kubernetes API server can run here, so the FAKE tools only record the command lines the CLI issues and
answer like the real ones; the flags are also checked against the real helm v4 binary's --help.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import LiveStack
from tests.support import OPENPOLICY, ROOT
from tests.support.ops import FakeKube, deployed_history

API_DIGEST = "sha256:" + "1" * 64
WEB_DIGEST = "sha256:" + "2" * 64
HELM3 = "v3.16.2+g13654a5"
HELM4 = "v4.1.4+g05fa379"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The chart/values layout the command expects (the FAKE helm does not read the chart)."""
    chart = tmp_path / "repo" / "infrastructure" / "helm" / "charts" / "openpolicy-platform"
    chart.mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: openpolicy-platform\nversion: 0.1.0\n")
    values = tmp_path / "repo" / "infrastructure" / "helm" / "values"
    values.mkdir(parents=True)
    for env in ("development", "staging", "production"):
        (values / f"{env}.yaml").write_text(f"global:\n  environment: {env}\n")
    return tmp_path / "repo"


def run_cli(fake: FakeKube, cwd: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    proc = subprocess.run(
        [OPENPOLICY, *args, "--json"], cwd=cwd, env=fake.env(), capture_output=True, text=True, timeout=120
    )
    try:
        body = json.loads(proc.stdout)
    except json.JSONDecodeError:
        body = {}
    return proc.returncode, body, proc.stderr


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def upgrade_command(fake: FakeKube) -> list[str]:
    upgrades = [c for c in fake.commands() if c[:2] == ["helm", "upgrade"]]
    assert len(upgrades) == 1, fake.commands()
    return upgrades[0]


@pytest.mark.parametrize(
    ("version", "expected", "absent"),
    [
        (HELM3, ["--wait", "--atomic"], "--rollback-on-failure"),
        (HELM4, ["--wait=watcher", "--rollback-on-failure"], "--atomic"),
    ],
)
def test_deploy_picks_the_helm_major_versions_flags(
    tmp_path: Path, repo: Path, version: str, expected: list[str], absent: str
) -> None:
    fake = FakeKube(tmp_path, helm_version=version, history=deployed_history(2))
    code, body, err = run_cli(
        fake, repo, "deploy", "staging", "--image-digest", f"api={API_DIGEST}", "--image-digest",
        f"web={WEB_DIGEST}", "--no-smoke",
    )  # fmt: skip
    assert code == 0, err
    assert body["ok"] is True and body["revision"] == 3 and body["previous_revision"] == 2
    cmd = upgrade_command(fake)
    assert cmd[:5] == ["helm", "upgrade", "--install", "openpolicy", "infrastructure/helm/charts/openpolicy-platform"]
    assert cmd[cmd.index("--values") : cmd.index("--values") + 2] == [
        "--values",
        "infrastructure/helm/values/staging.yaml",
    ]
    assert f"api-service.image.digest={API_DIGEST}" in cmd and f"web-interface.image.digest={WEB_DIGEST}" in cmd
    assert cmd[cmd.index("--namespace") + 1] == "openpolicy"
    for flag in expected:
        assert flag in cmd
    assert absent not in cmd
    # every workload of the release was waited for with `kubectl rollout status`
    rollouts = [c for c in fake.commands() if c[0] == "kubectl" and "rollout" in c]
    assert {c[c.index("status") + 1] for c in rollouts} == {
        "deployment/openpolicy-api-service",
        "deployment/openpolicy-web-interface",
    }


def test_helm_rolled_back_the_upgrade_and_the_command_fails_loudly(tmp_path: Path, repo: Path) -> None:
    fake = FakeKube(tmp_path, helm_version=HELM4, history=deployed_history(4))
    fake.update(upgrade="fail-rolled-back")
    code, body, err = run_cli(fake, repo, "deploy", "production", "--image-digest", f"api={API_DIGEST}", "--no-smoke")
    assert code == 3, (code, body, err)
    assert body["rolled_back"] is True and body["stage"] == "upgrade"
    assert "ROLLED BACK" in body["error"] and "--rollback-on-failure" in body["error"]
    assert fake.state()["history"][-1]["description"] == "Rollback to 4"


def test_failed_smoke_test_rolls_back_to_the_previous_revision(tmp_path: Path, repo: Path) -> None:
    fake = FakeKube(tmp_path, helm_version=HELM3, history=deployed_history(6))
    url = closed_port_url()  # nothing listens: every smoke check fails
    code, body, err = run_cli(
        fake, repo, "deploy", "staging", "--image-digest", f"api={API_DIGEST}", "--smoke-url", url,
        "--smoke-attempts", "2", "--smoke-interval", "0.2",
    )  # fmt: skip
    assert code == 3, (code, body, err)
    assert body["rolled_back"] is True and body["rolled_back_to"] == 6 and body["stage"] == "smoke"
    assert "api /health" in body["error"] and "request failed" in body["error"]
    assert body["smoke"]["attempts"] == 2 and body["smoke"]["ok"] is False
    rollback = [c for c in fake.commands() if c[:2] == ["helm", "rollback"]]
    assert rollback and rollback[0][2:4] == ["openpolicy", "6"] and "--wait" in rollback[0]
    assert fake.state()["history"][-1]["status"] == "deployed"


def test_failed_rollout_rolls_back(tmp_path: Path, repo: Path) -> None:
    fake = FakeKube(tmp_path, helm_version=HELM4, history=deployed_history(2))
    fake.update(rollout="fail")
    code, body, _err = run_cli(fake, repo, "deploy", "development", "--no-smoke")
    assert code == 3 and body["stage"] == "rollout" and body["rolled_back_to"] == 2
    assert "progress deadline" in body["error"]
    rollback = next(c for c in fake.commands() if c[:2] == ["helm", "rollback"])
    assert "--wait=watcher" in rollback


def test_first_install_failure_has_nothing_to_roll_back_to(tmp_path: Path, repo: Path) -> None:
    fake = FakeKube(tmp_path, helm_version=HELM3, history=[])
    fake.update(upgrade="fail")
    code, body, _err = run_cli(fake, repo, "deploy", "staging", "--no-smoke")
    assert code == 1 and body["rolled_back"] is False
    assert "helm upgrade failed" in body["error"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["deploy", "qa", "--no-smoke"], "unknown environment 'qa'"),
        (["deploy", "staging", "--no-smoke", "--image-digest", "api=sha256:abc"], "is not a sha256:<64 hex> digest"),
        (["deploy", "staging", "--no-smoke", "--image-digest", f"db={API_DIGEST}"], "COMPONENT one of api, web"),
        (["deploy", "staging"], "--smoke-url"),
    ],
)
def test_bad_input_is_refused_before_helm_runs_an_upgrade(
    tmp_path: Path, repo: Path, args: list[str], message: str
) -> None:
    fake = FakeKube(tmp_path, helm_version=HELM4, history=deployed_history(1))
    code, body, _err = run_cli(fake, repo, *args)
    assert code == 2 and message in body["error"]
    assert not [c for c in fake.commands() if c[:2] == ["helm", "upgrade"]]


def test_rollback_and_status(tmp_path: Path, repo: Path) -> None:
    fake = FakeKube(tmp_path, helm_version=HELM4, history=deployed_history(5))
    code, body, err = run_cli(fake, repo, "rollback", "production", "3")
    assert code == 0, err
    assert body["from_revision"] == 5 and body["to_revision"] == 3 and body["revision"] == 6
    assert next(c for c in fake.commands() if c[:2] == ["helm", "rollback"])[2:4] == ["openpolicy", "3"]

    code, body, _ = run_cli(fake, repo, "rollback", "production", "42")
    assert code == 2 and "revision 42 is not in the release history" in body["error"]

    code, body, err = run_cli(fake, repo, "status", "production")
    assert code == 0, err
    assert body["revision"] == 6 and body["status"] == "deployed"
    assert body["pods_ready"] == 2 and body["pods_total"] == 2
    assert body["image_digests"] == ["sha256:" + "a" * 64, "sha256:" + "b" * 64]


def test_emitted_flags_exist_in_the_real_helm_4() -> None:
    """The real helm binary (unpacked by `make helm-tools`) accepts the flags deploy/rollback emit."""
    from openpolicy.ops.kube import rollback_wait_flags, upgrade_flags

    helm = ROOT / ".tools" / "bin" / "helm"
    version = subprocess.run([helm, "version", "--short"], capture_output=True, text=True, check=True).stdout
    assert version.startswith("v4.")
    upgrade_help = subprocess.run([helm, "upgrade", "--help"], capture_output=True, text=True, check=True).stdout
    rollback_help = subprocess.run([helm, "rollback", "--help"], capture_output=True, text=True, check=True).stdout
    for flag in upgrade_flags(4):
        assert f"{flag.split('=')[0]} " in upgrade_help
    for flag in ["--history-max", "--install", "--timeout", "--values", "--set", "--kube-context"]:
        assert f"{flag} " in upgrade_help
    for flag in rollback_wait_flags(4):
        assert f"{flag.split('=')[0]} " in rollback_help
    assert "--atomic " not in upgrade_help  # Helm 4 really renamed it: the Helm 3 spelling must not be used there


def test_defaults_are_the_repositorys_umbrella_chart_and_values(tmp_path: Path) -> None:
    fake = FakeKube(tmp_path, helm_version=HELM4, history=deployed_history(1))
    code, _body, err = run_cli(fake, ROOT, "deploy", "production", "--no-smoke")
    assert code == 0, err
    cmd = upgrade_command(fake)
    chart, values = ROOT / cmd[4], ROOT / cmd[cmd.index("--values") + 1]
    assert (chart / "Chart.yaml").is_file() and "name: openpolicy-platform" in (chart / "Chart.yaml").read_text()
    assert values == ROOT / "infrastructure" / "helm" / "values" / "production.yaml" and values.is_file()


def test_render_command_prints_the_charts_manifests() -> None:
    from tools.render import PLACEHOLDER_DIGEST, render

    env = {**os.environ, "PATH": f"{ROOT / '.tools' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
    base = [OPENPOLICY, "render", "production", "--json"]
    # production runs images by digest only: without them the render stops and says how to give them
    refused = subprocess.run(base, cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert refused.returncode != 0 and "image.digest is required" in refused.stdout
    pins = ["--image-digest", f"api={PLACEHOLDER_DIGEST}", "--image-digest", f"web={PLACEHOLDER_DIGEST}"]
    proc = subprocess.run([*base, *pins], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    files = json.loads(proc.stdout)["files"]
    assert "kustomization.yaml" in files and any(p.startswith("deployments/") for p in files)
    # the same code renders the committed infrastructure/k8s/ (the k8s drift test compares them)
    assert files == render("production")


@pytest.mark.slow
def test_deploy_passes_when_the_smoke_test_of_a_real_stack_passes(
    tmp_path: Path, repo: Path, live_stack: LiveStack
) -> None:
    """FAKE helm/kubectl for the cluster, but the smoke test runs against a real api + web."""
    fake = FakeKube(tmp_path, helm_version=HELM4, history=deployed_history(3))
    code, body, err = run_cli(
        fake, repo, "deploy", "staging", "--image-digest", f"web={WEB_DIGEST}",
        "--smoke-url", live_stack.api, "--web-url", live_stack.web, "--smoke-attempts", "3", "--smoke-interval", "2",
    )  # fmt: skip
    assert code == 0, (body, err)
    assert body["revision"] == 4 and body["rolled_back"] is False
    assert body["smoke"]["ok"] is True and body["smoke"]["failed"] == []
    assert not [c for c in fake.commands() if c[:2] == ["helm", "rollback"]]
