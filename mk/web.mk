# web-interface: browser tests use Debian's Chromium (Playwright cannot download its own browser here).
APT_PACKAGES += chromium fonts-dejavu-core

.PHONY: screenshots
screenshots: install system-deps ## browser tests; screenshots of the main pages land in artifacts/screenshots
	$(BIN)/pytest -q tests/e2e/test_web_browser.py -k screenshots
