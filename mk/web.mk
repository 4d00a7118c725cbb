# web-interface: browser tests use Debian's Chromium (Playwright cannot download its own browser here).
APT_PACKAGES += chromium fonts-dejavu-core

.PHONY: screenshots
screenshots: install system-deps ## browser tests; screenshots of the main pages land in artifacts/screenshots
	$(BIN)/pytest -q tests/e2e/test_web_browser.py -k screenshots

BENCH_TARGETS += bench-web
.PHONY: bench-web
bench-web: install bench-deps ## web pages (person, bill, vote) req/s and p99 at 16 connections, api warm, vs raw ASGI
	$(BIN)/python bench/web_bench.py
