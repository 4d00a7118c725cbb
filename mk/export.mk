# Bulk exports (openpolicy export, /v1/exports): the data dictionary generated from the export spec, and the
# export benchmark.
BENCH_TARGETS += bench-export

.PHONY: data-dictionary bench-export

data-dictionary: install ## regenerate docs/data-dictionary.md from src/openpolicy/export/spec.py (drift-tested)
	$(BIN)/python -m tools.data_dictionary docs/data-dictionary.md

docs: data-dictionary

bench-export: install ## openpolicy export of the demo data at scale 5 (1,025,000 ballots): time and peak RSS vs a raw COPY
	$(BIN)/python bench/export_bench.py --scale 5
