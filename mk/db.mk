# Database area: demo-data load benchmark.
BENCH_TARGETS += bench-demo-load

.PHONY: bench-demo-load

bench-demo-load: install ## demo-data --scale 5 (1,025,000 ballots): per-table seconds, ballots/s vs a raw COPY ceiling
	$(BIN)/python bench/bench_demo_load.py --scale 5
