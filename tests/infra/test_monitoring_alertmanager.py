"""Alertmanager config: amtool check-config, a routing case per severity and team through
`amtool config routes test`, inhibition of a down service's symptoms, and no credential inlined."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.support.monitoring import ALERTMANAGER_YML, ROUTE_CASES, RULES_DIR


def amtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["amtool", *args], capture_output=True, text=True, timeout=60)


def route_cases() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = yaml.safe_load(ROUTE_CASES.read_text())
    return cases


def test_amtool_check_config() -> None:
    result = amtool("check-config", str(ALERTMANAGER_YML))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout
    assert "2 inhibit rules" in result.stdout


@pytest.mark.parametrize("case", route_cases(), ids=lambda c: "-".join(f"{v}" for v in c["labels"].values()))
def test_route(case: dict[str, Any]) -> None:
    labels = [f"{k}={v}" for k, v in case["labels"].items()]
    result = amtool(
        "config",
        "routes",
        "test",
        f"--config.file={ALERTMANAGER_YML}",
        f"--verify.receivers={','.join(case['receivers'])}",
        *labels,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ",".join(case["receivers"])


def test_a_wrong_route_expectation_fails() -> None:
    result = amtool(
        "config",
        "routes",
        "test",
        f"--config.file={ALERTMANAGER_YML}",
        "--verify.receivers=platform-page",
        "severity=warning",
        "team=platform",
    )
    assert result.returncode == 1, result.stdout + result.stderr
    # amtool names the receiver the labels really reach, then why it fails
    assert result.stdout.splitlines()[0] == "platform-tickets", result.stdout
    assert "Expected receivers did not match resolved receivers" in result.stdout + result.stderr


def test_every_severity_and_team_of_the_rules_has_a_route_case() -> None:
    used = set()
    for path in RULES_DIR.glob("*.rules.yml"):
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                if "alert" in rule:
                    used.add((rule["labels"]["severity"], rule["labels"]["team"]))
    cases = {(c["labels"].get("severity"), c["labels"].get("team")) for c in route_cases()}
    assert used <= cases, used - cases
    assert {"critical", "warning", "info"} <= {s for s, _ in cases}


def test_receivers_cover_webhook_email_and_chat_and_read_secrets_from_files() -> None:
    config = yaml.safe_load(ALERTMANAGER_YML.read_text())
    kinds = {key for receiver in config["receivers"] for key in receiver if key.endswith("_configs")}
    assert {"webhook_configs", "email_configs", "slack_configs"} <= kinds
    # Every receiver reaches the incident webhook; pages also reach chat and mail.
    for receiver in config["receivers"]:
        assert receiver.get("webhook_configs"), receiver["name"]
    page = next(r for r in config["receivers"] if r["name"] == "platform-page")
    assert page.get("slack_configs") and page.get("email_configs")

    inlined: list[str] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in {"api_url", "auth_password", "smtp_auth_password", "credentials", "slack_api_url"}:
                    inlined.append(f"{path}.{key}")
                walk(value, f"{path}.{key}")
        elif isinstance(node, list):
            for i, item in enumerate(node):
                walk(item, f"{path}[{i}]")

    walk(config, "")
    assert inlined == []
    text = ALERTMANAGER_YML.read_text()
    assert "slack_api_url_file" in text and "smtp_auth_password_file" in text and "credentials_file" in text


def test_service_down_inhibits_that_services_symptoms() -> None:
    config = yaml.safe_load(ALERTMANAGER_YML.read_text())
    rule = next(r for r in config["inhibit_rules"] if 'alertname="ServiceDown"' in r["source_matchers"])
    assert rule["equal"] == ["job"]
    target = rule["target_matchers"][0]
    for name in ("HighErrorRate", "HighResponseTime"):
        assert name in target


def test_routing_groups_and_repeats() -> None:
    route = yaml.safe_load(ALERTMANAGER_YML.read_text())["route"]
    assert route["group_by"] == ["alertname", "job", "team"]
    critical = next(r for r in route["routes"] if r["matchers"] == ['severity="critical"'])
    assert critical["repeat_interval"] == "1h"
    assert any(r.get("repeat_interval") == "12h" for r in route["routes"])


def test_amtool_check_config_refuses_an_inlined_broken_config(tmp_path: Path) -> None:
    bad = tmp_path / "am.yml"
    bad.write_text("route: {receiver: nowhere}\nreceivers: [{name: somewhere}]\n")
    result = amtool("check-config", str(bad))
    assert result.returncode == 1, result.stdout + result.stderr
    output = result.stdout + result.stderr
    assert f"Checking '{bad}'  FAILED: undefined receiver \"nowhere\" used in route" in output, output
    assert "failed to validate 1 file(s)" in output
