# Ingest (issue 3): importers, import runs, change feed. Included by the Makefile.
BENCH_TARGETS += bench-import

.PHONY: bench-import test-ingest

bench-import: install ## import throughput: ballots/s of a 1,000,000-ballot Popolo import vs a raw COPY ceiling
	$(BIN)/python bench/bench_import.py

test-ingest: install ## only the ingest tests (parsers, loads, URL imports, change feed, status)
	$(BIN)/pytest tests/unit/test_ingest_parsers.py tests/unit/test_ingest_locations.py tests/integration/test_ingest_load.py \
	  tests/integration/test_ingest_fetch.py tests/integration/test_ingest_feed.py
