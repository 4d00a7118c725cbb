"""The README's configuration table is generated from the one Settings class: it must not drift."""

from __future__ import annotations

from tests.support import ROOT
from tools.settings_doc import END, START, render_readme

from openpolicy.config import Settings


def test_readme_settings_table_is_current() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert render_readme(text) == text, "README.md configuration table is stale: run `make settings-doc`"


def test_every_setting_is_documented() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split(START, 1)[1].split(END, 1)[0]
    for name in Settings.model_fields:
        assert f"| `{name.upper()}` |" in table


def test_readme_names_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run" in text and "make test" in text
