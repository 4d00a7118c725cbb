"""The compose stack: Compose specification schema, `docker compose config`, and the stack's promises."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
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
APP_SERVICES = ("migrate", "api-service", "web-interface", "notifier")
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


def test_credentials_are_secret_files_never_environment_values() -> None:
    """#18.7: PostgreSQL, Redis, their exporters and the app get every credential from a mounted secret file; no
    resolved environment carries a password, a URL with one, or the webhook key."""
    services = _resolved("monitoring")["services"]
    for name, service in services.items():
        for key, value in (service.get("environment") or {}).items():
            assert key != "DATABASE_URL" and key != "REDIS_URL" and key != "WEBHOOK_SECRETS_KEY", (name, key)
            if key == "SECRETS_DIR":
                assert value == "/run/secrets", name
            elif re.search(r"PASSWORD|PASS$|SECRET|TOKEN", key):
                assert key.endswith(("_FILE", "__FILE")) and str(value).startswith("/run/secrets/"), (name, key)
            assert "@postgres:" not in str(value) and "redis://:" not in str(value), (name, key)

    def mounted(name: str) -> set[str]:
        """The file names under /run/secrets the service gets (compose resolves targets to absolute paths)."""
        return {
            (s.get("target") or s["source"]).removeprefix("/run/secrets/") for s in services[name].get("secrets") or []
        }

    assert services["postgres"]["environment"]["POSTGRES_PASSWORD_FILE"] == "/run/secrets/postgres_password"
    assert "postgres_password" in mounted("postgres") and "postgres_password" in mounted("postgres-exporter")
    assert services["postgres-exporter"]["environment"]["DATA_SOURCE_PASS_FILE"] == "/run/secrets/postgres_password"
    for app in ("migrate", "api-service"):
        assert {"DATABASE_URL", "REDIS_URL"} <= mounted(app), app
        assert services[app]["environment"]["SECRETS_DIR"] == "/run/secrets"
    assert "WEBHOOK_SECRETS_KEY" in mounted("api-service")
    assert mounted("notifier") == {"DATABASE_URL", "WEBHOOK_SECRETS_KEY"}
    # Redis: a password (read from the file at start, checked by the healthcheck) and a memory ceiling with LRU
    redis = services["redis"]
    assert "redis_password" in mounted("redis")
    command = " ".join(redis["command"]).replace("$$", "$")  # `config` prints compose's escaped `$$`
    assert '--requirepass "$(cat /run/secrets/redis_password)"' in command
    assert "--maxmemory 200mb --maxmemory-policy allkeys-lru" in command
    assert "redis-cli" in " ".join(redis["healthcheck"]["test"]) and "/run/secrets/redis_password" in " ".join(
        redis["healthcheck"]["test"]
    )
    assert services["redis-exporter"]["command"] == ["--redis.password-file=/run/secrets/redis_exporter_passwords"]
    # every secret is a file whose place .env.example names, none a literal in the compose file
    declared = _compose()["secrets"]
    for name, spec in declared.items():
        assert spec["file"].startswith("${") and spec["file"].endswith("}"), name


def test_the_readme_commands_make_secret_files_the_app_reads(tmp_path: Path) -> None:
    """The commands of secrets/README.md make consistent files, and the app reads its settings from them through
    SECRETS_DIR exactly as the containers get them (files named after the settings)."""
    readme = (COMPOSE_DIR / "secrets" / "README.md").read_text()
    commands = [line[4:] for line in readme.splitlines() if line.startswith("    ") and not line.startswith("    #")]
    assert any("database-url" in c for c in commands)
    subprocess.run(["sh", "-e", "-c", "\n".join(commands)], cwd=tmp_path, check=True, timeout=60)
    postgres_password = (tmp_path / "postgres-password").read_text().strip()
    redis_password = (tmp_path / "redis-password").read_text().strip()
    database_url = f"postgresql://openpolicy:{postgres_password}@postgres:5432/openpolicy"
    assert (tmp_path / "database-url").read_text() == database_url
    exporter = json.loads((tmp_path / "redis-exporter-passwords.json").read_text())
    assert exporter == {"redis://redis:6379": redis_password}
    # what compose mounts as /run/secrets/<target>
    secrets_dir = tmp_path / "run-secrets"
    secrets_dir.mkdir()
    for source, target in (
        ("database-url", "DATABASE_URL"),
        ("redis-url", "REDIS_URL"),
        ("webhook-secrets-key", "WEBHOOK_SECRETS_KEY"),
    ):
        shutil.copy(tmp_path / source, secrets_dir / target)
    code = (
        "from openpolicy.config import load_settings; s = load_settings(); "
        "print(s.database_url); print(s.redis_url); print(len(s.webhook_secrets_key.get_secret_value()))"
    )
    env = {"PATH": "/usr/bin:/bin", "SECRETS_DIR": str(secrets_dir)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, check=True)
    url, redis_url, key_length = out.stdout.split()
    assert url == database_url
    assert redis_url == f"redis://:{redis_password}@redis:6379/0"
    assert int(key_length) >= 32
    # an environment variable still wins over a file, and a SECRETS_DIR that is not a folder is refused by name
    env_wins = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "DATABASE_URL": "postgresql://other@db:5432/x"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert env_wins.stdout.split()[0] == "postgresql://other@db:5432/x"
    missing = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "SECRETS_DIR": str(tmp_path / "nowhere")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing.returncode != 0 and "SECRETS_DIR" in missing.stderr


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
    assert jobs["notifier"]["static_configs"][0]["targets"] == ["notifier:8002"]
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
    # Passwords only ever come from *_FILE secrets mounted under /run/secrets.
    matches = list(re.finditer(r"(?m)^\s*([A-Z_]*(PASSWORD|PASS|SECRET|TOKEN)[A-Z_]*)\s*:\s*(.+)$", text))
    assert len(matches) >= 3  # POSTGRES_PASSWORD_FILE, DATA_SOURCE_PASS_FILE, GF_SECURITY_ADMIN_PASSWORD__FILE
    for match in matches:
        key, _, value = match.groups()
        assert value.startswith("/run/secrets/") or (key, value) == ("SECRETS_DIR", "/run/secrets"), f"{key}: {value}"
    assert "openpolicy-dev-only" not in text and "openpolicy-dev-only" not in ENV_EXAMPLE.read_text()
    assert not [k for k in _env_example() if re.search(r"PASSWORD$|PASS$|SECRET$|TOKEN$|_URL$", k)]
    secrets = _compose()["secrets"]
    for name, spec in secrets.items():
        assert spec["file"].startswith("${"), name
    ignored = (COMPOSE_DIR / "secrets" / ".gitignore").read_text().split()
    assert ignored[ignored.index("*") :] == ["*", "!.gitignore", "!README.md"]
