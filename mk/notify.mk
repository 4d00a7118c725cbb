# Webhooks (notify area): the notifier benchmark. The notifier itself runs as `openpolicy serve notifier`.
.PHONY: bench-notifier
BENCH_TARGETS += bench-notifier

bench-notifier: install ## notifier: 10,000 events to 100 subscriptions at a local receiver — deliveries/s, p99 commit→delivery lag, ratio to plain POSTs
	$(BIN)/python bench/notifier_bench.py
