# Generated documentation: the README's configuration table comes from openpolicy.config.Settings
# (tools/settings_doc.py; tests/unit/test_readme.py fails on drift).
.PHONY: docs settings-doc
settings-doc: install ## regenerate the README's configuration table from src/openpolicy/config.py
	$(BIN)/python -m tools.settings_doc README.md

docs: settings-doc ## every generated document of the repository (today: the README settings table)
