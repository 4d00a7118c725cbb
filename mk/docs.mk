# Generated documentation: the README's configuration table comes from openpolicy.config.Settings.
.PHONY: docs
docs: install ## regenerate the README's configuration table from src/openpolicy/config.py
	$(BIN)/python -m openpolicy.configdoc README.md
