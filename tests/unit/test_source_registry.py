"""One source registry (openpolicy.ingest.registry): every consumer lists exactly its sources."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from typer.testing import CliRunner

from openpolicy.config import Settings
from openpolicy.ingest import commands, registry
from openpolicy.ingest.records import Bundle, JurisdictionRec
from openpolicy.ingest.runs import ImportFailed, parse_files, run_import_async
from openpolicy.ingest.status import known_sources

ROOT = Path(__file__).resolve().parents[2]


def _cli() -> typer.Typer:
    app = typer.Typer()
    commands.register(app, typer.Typer())
    return app


def test_names_are_unique_and_rules_known() -> None:
    assert len(set(registry.NAMES)) == len(registry.NAMES) == len(registry.SOURCES)
    for source in registry.SOURCES:
        assert source.jurisdiction in registry.JURISDICTION_RULES, source.name
        assert (source.fixed is not None) == (source.jurisdiction == registry.FIXED), source.name
        assert source.expected_interval > 0 and source.description


def test_every_source_has_a_parser_whose_bundles_carry_its_name(tmp_path: Path) -> None:
    for source in registry.SOURCES:
        parser = source.parser()
        assert callable(parser.discover) and callable(parser.parse), source.name
        assert source.discover(tmp_path) == []
        bundle = parse_files(source.name, [], {}, None)
        assert isinstance(bundle, Bundle) and bundle.source == source.name
        if source.jurisdiction == registry.FIXED:
            assert isinstance(source.fixed_jurisdiction(), JurisdictionRec)


def test_jurisdiction_rules_are_enforced() -> None:
    for source in registry.SOURCES:
        if source.jurisdiction == registry.IN_DATA:
            with pytest.raises(Exception, match="names its legislature itself"):
                parse_files(source.name, [], {}, "ca")
        elif source.jurisdiction == registry.FIXED:
            own = source.fixed_jurisdiction()
            assert parse_files(source.name, [], {}, own.id).source == source.name
            other = "gb" if own.country != "gb" else "ca"
            with pytest.raises(Exception, match=f"data is always {own.id}"):
                parse_files(source.name, [], {}, other)


def test_cli_accepts_and_lists_every_source_and_refuses_others(monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    shown = runner.invoke(_cli(), ["import", "--help"], env={"COLUMNS": "400", "TERMINAL_WIDTH": "400"})
    assert shown.exit_code == 0
    for name in registry.NAMES:
        assert f"{name}:" in shown.output, name
    refused = runner.invoke(_cli(), ["import", "no-such-source", "x"])
    assert refused.exit_code == 2
    assert "unknown source 'no-such-source'" in refused.output and ", ".join(registry.NAMES) in refused.output


def test_runs_refuse_an_unknown_source() -> None:
    import asyncio

    with pytest.raises(ImportFailed, match="unknown source 'nope'; choose one of popolo"):
        asyncio.run(run_import_async(Settings(), "nope", "x"))


def test_freshness_lists_exactly_the_registry() -> None:
    assert known_sources() == sorted(registry.NAMES)


def test_expected_intervals_default_to_the_registry_and_settings_override_them() -> None:
    plain = Settings()
    for source in registry.SOURCES:
        assert registry.expected_interval(plain, source.name) == source.expected_interval
    first = registry.NAMES[0]
    tuned = Settings(import_expected_intervals={first: 60})
    assert registry.expected_interval(tuned, first) == 60
    assert registry.unknown_overrides(tuned) == []
    assert registry.unknown_overrides(Settings(import_expected_intervals={"popollo": 60})) == ["popollo"]


def test_cli_refuses_an_interval_for_no_source() -> None:
    runner = CliRunner()
    done = runner.invoke(
        _cli(), ["import", registry.NAMES[0], "x"], env={"IMPORT_EXPECTED_INTERVALS": '{"popollo": 60}'}
    )
    assert done.exit_code == 2
    assert "IMPORT_EXPECTED_INTERVALS names no import source: popollo" in done.output


def _import_sources(node: Any) -> list[set[str]]:
    """Every ``imports.sources`` mapping anywhere in a chart's values (whichever chart runs the import jobs)."""
    found: list[set[str]] = []
    if isinstance(node, dict):
        imports = node.get("imports")
        if isinstance(imports, dict) and isinstance(imports.get("sources"), dict):
            found.append(set(imports["sources"]))
        for value in node.values():
            found.extend(_import_sources(value))
    return found


def _chart_sources() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for values in sorted((ROOT / "infrastructure" / "helm" / "charts").glob("**/values.yaml")):
        for n, sources in enumerate(_import_sources(yaml.safe_load(values.read_text()))):
            found[f"{values.relative_to(ROOT)}#{n}"] = sources
    return found


def test_the_charts_schedule_exactly_the_scheduled_sources() -> None:
    charts = _chart_sources()
    assert charts, "no chart defines imports.sources: the import CronJobs are gone"
    scheduled = {source.name for source in registry.SOURCES if source.scheduled}
    for where, sources in charts.items():
        assert sources == scheduled, f"{where}: imports.sources {sorted(sources)} != scheduled {sorted(scheduled)}"
