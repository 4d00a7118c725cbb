# The reference edge (infrastructure/edge/nginx.conf): nginx from Debian for tests/e2e/test_edge_rolling.py and
# tests/infra/test_edge_config.py, and the fault benchmark behind it.
APT_PACKAGES += nginx wrk redis-server
BENCH_TARGETS += bench-faults

.PHONY: bench-faults

bench-faults: install system-deps ## faults under load behind nginx: requests, non-2xx, 5xx, time to recover (Redis, PostgreSQL, restarts, slowloris, floods)
	$(BIN)/python bench/faults_bench.py
