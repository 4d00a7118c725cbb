"""The compose stack: Compose specification schema, `docker compose config`, and the stack's promises."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from tests.support import ROOT

COMPOSE_DIR = ROOT / "infrastructure" / "docker" / "compose"
COMPOSE_FILE = COMPOSE_DIR / "docker-compose.yml"
ENV_EXAMPLE = COMPOSE_DIR / ".env.example"
SCHEMA = COMPOSE_DIR / "schema" / "compose-spec.json"
DOCKER_COMPOSE = ROOT / ".tools" / "bin" / "docker-compose"
APP_SERVICES = ("migrate", "api-service", "web-interface")
MONITORING = ("prometheus", "alertmanager", "grafana", "postgres-exporter", "redis-exporter", "node-exporter")


def _compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE_FILE.read_text())
    assert isinstance(data, dict)
    return data


def _env_example() -> dict[str, str]:
    pairs = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value.strip()
    return pairs


def _resolved(*profiles: str) -> dict[str, Any]:
    """`docker compose config` (the real docker compose v2 binary): interpolated, merged, validated."""
    assert DOCKER_COMPOSE.exists(), "docker compose is unpacked by `make compose-tool` (a TEST_PREREQS of make test)"
    args = [str(DOCKER_COMPOSE), "--project-directory", str(COMPOSE_DIR), "-f", str(COMPOSE_FILE)]
    args += ["--env-file", str(ENV_EXAMPLE)]
    for profile in profiles:
        args += ["--profile", profile]
    result = subprocess.run([*args, "config", "--format", "json"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert isinstance(data, dict)
    return data


def test_compose_file_validates_against_the_compose_specification_schema() -> None:
    schema = json.loads(SCHEMA.read_text())
    assert schema["$id"] == "compose_spec.json" and schema["title"] == "Compose Specification"
    jsonschema.Draft7Validator.check_schema(schema)
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(_compose()), key=str)
    assert errors == [], [f"{list(e.absolute_path)}: {e.message}" for e in errors]


def test_schema_rejects_a_misspelt_key() -> None:
    """The schema check can fail: a typo in a service key is an error."""
    schema = json.loads(SCHEMA.read_text())
    broken = _compose()
    broken["services"]["api-service"]["helthcheck"] = broken["services"]["api-service"].pop("healthcheck")
    errors = list(jsonschema.Draft7Validator(schema).iter_errors(broken))
    assert any("helthcheck" in e.message for e in errors)


@pytest.mark.parametrize("profiles", [(), ("monitoring",)], ids=["default", "monitoring"])
def test_docker_compose_config_accepts_the_stack(profiles: tuple[str, ...]) -> None:
    services = _resolved(*profiles)["services"]
    expected = {"postgres", "redis", *APP_SERVICES} | (set(MONITORING) if profiles else set())
    assert set(services) == expected


def test_docker_compose_refuses_to_start_without_a_database_password(tmp_path: Path) -> None:
    env = tmp_path / "empty.env"
    env.write_text("")
    result = subprocess.run(
        [
            *(str(DOCKER_COMPOSE), "--project-directory", str(COMPOSE_DIR), "-f", str(COMPOSE_FILE)),
            *("--env-file", str(env), "config", "--quiet"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert result.returncode != 0 and "POSTGRES_PASSWORD" in result.stderr


def test_start_order_and_healthchecks() -> None:
    services = _resolved()["services"]
    for name in ("postgres", "redis", "api-service", "web-interface"):
        assert services[name]["healthcheck"]["test"], name
    assert services["migrate"]["command"] == ["migrate"]
    assert services["migrate"]["restart"] == "no"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    api = services["api-service"]["depends_on"]
    assert api["postgres"]["condition"] == "service_healthy"
    assert api["redis"]["condition"] == "service_healthy"
    assert api["migrate"]["condition"] == "service_completed_successfully"
    assert services["web-interface"]["depends_on"]["api-service"]["condition"] == "service_healthy"
    assert services["web-interface"]["environment"]["API_URL"] == "http://api-service:8000"
    assert [p["target"] for p in services["api-service"]["ports"]] == [8000]
    assert [p["target"] for p in services["web-interface"]["ports"]] == [8080]


def test_app_services_are_hardened_and_limited() -> None:
    services = _resolved("monitoring")["services"]
    for name in APP_SERVICES:
        service = services[name]
        assert service["read_only"] is True, name
        assert service["user"] == "10001:10001", name
        assert service["cap_drop"] == ["ALL"], name
        assert "/tmp" in " ".join(service["tmpfs"]), name
    for name, service in services.items():
        assert service["deploy"]["resources"]["limits"]["memory"], name
    names = set(_resolved("monitoring")["volumes"])
    assert {"pgdata", "redisdata", "logs", "prometheus-data", "grafana-data"} <= {n.split("_", 1)[-1] for n in names}


def test_monitoring_profile_mounts_the_platform_configs() -> None:
    services = _compose()["services"]
    for name in MONITORING:
        assert services[name]["profiles"] == ["monitoring"], name
    mounts = {
        v.split(":")[0]
        for name in ("prometheus", "alertmanager", "grafana")
        for v in services[name]["volumes"]
        if v.startswith(".")
    }
    assert mounts == {
        "./prometheus/prometheus.yml",
        "../../monitoring/prometheus/rules",
        "../../monitoring/alertmanager/alertmanager.yml",
        "../../monitoring/grafana/provisioning",
        "../../monitoring/grafana/dashboards",
    }
    for mount in mounts:
        assert (COMPOSE_DIR / mount).exists(), mount
    assert list((COMPOSE_DIR / "../../monitoring/prometheus/rules").glob("*.rules.yml"))


def test_compose_prometheus_config_scrapes_the_platform_jobs() -> None:
    promtool = shutil.which("promtool")
    assert promtool, "promtool comes with the Debian package prometheus (APT_PACKAGES)"
    config = yaml.safe_load((COMPOSE_DIR / "prometheus" / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert jobs["api-service"]["static_configs"][0]["targets"] == ["api-service:8000"]
    assert jobs["web-interface"]["static_configs"][0]["targets"] == ["web-interface:8080"]
    assert {"node-exporter", "postgres-exporter", "redis-exporter"} <= set(jobs)
    # promtool resolves rule_files relative to the config: check it with the rules where compose mounts them.
    result = subprocess.run(
        [promtool, "check", "config", "--syntax-only", str(COMPOSE_DIR / "prometheus" / "prometheus.yml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_variable_is_documented_in_env_example() -> None:
    used = set(re.findall(r"\$\{([A-Z0-9_]+)", COMPOSE_FILE.read_text()))
    documented = set(_env_example())
    assert used - documented == set(), f"add to .env.example: {sorted(used - documented)}"
    assert documented - used == set(), f"not used by the compose file: {sorted(documented - used)}"


def test_no_credentials_are_hard_coded() -> None:
    text = COMPOSE_FILE.read_text()
    # Passwords only ever come from ${...} (required, no default) or *_FILE secrets.
    matches = list(re.finditer(r"(?m)^\s*([A-Z_]*(PASSWORD|PASS|SECRET|TOKEN)[A-Z_]*)\s*:\s*(.+)$", text))
    assert len(matches) >= 3  # POSTGRES_PASSWORD, DATA_SOURCE_PASS, GF_SECURITY_ADMIN_PASSWORD__FILE
    for match in matches:
        key, _, value = match.groups()
        assert value.startswith(("${", "/run/secrets/")), f"{key}: {value}"
        assert ":-" not in value, f"{key} has a default in the compose file"
    assert "${POSTGRES_PASSWORD:?" in text
    assert "openpolicy-dev-only" not in text
    secrets = _compose()["secrets"]
    for name, spec in secrets.items():
        assert spec["file"].startswith("${"), name
    ignored = (COMPOSE_DIR / "secrets" / ".gitignore").read_text().split()
    assert ignored[ignored.index("*") :] == ["*", "!.gitignore", "!README.md"]
