# api benchmark: wrk against one api worker beside a raw-ASGI baseline; prints a table.
APT_PACKAGES += wrk redis-server
BENCH_TARGETS += bench-api

.PHONY: bench-deps bench-api

bench-deps: ## install wrk and redis-server for the benchmarks (Debian packages; no-op when present)
	@command -v wrk >/dev/null && command -v redis-server >/dev/null || { \
	  export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && \
	  apt-get install -y -qq --no-install-recommends wrk redis-server >/dev/null; }

bench-api: install bench-deps ## api req/s, p50, p99 (uncached and Redis-cached) and peak RSS vs a raw-ASGI baseline
	$(BIN)/python bench/api_bench.py

.PHONY: bench-represent
BENCH_TARGETS += bench-represent

bench-represent: install bench-deps ## /v1/represent at 32 connections with every boundary set loaded: p99, RSS, import time per set
	$(BIN)/python bench/represent_bench.py
