# Open Policy Platform — the two promises: `make run` (platform on a fresh machine) and `make test`.
# Areas add their own targets in mk/*.mk and append to APT_PACKAGES / TEST_PREREQS / BENCH_TARGETS.
SHELL := /bin/bash
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PYTHON ?= python3
VENV := .venv
TOOLS := .tools
UV := $(shell command -v uv 2>/dev/null || echo $(TOOLS)/uv/bin/uv)
BIN := $(VENV)/bin
export PATH := $(CURDIR)/$(TOOLS)/bin:$(CURDIR)/$(VENV)/bin:$(PATH)

APT_PACKAGES :=
TEST_PREREQS :=
BENCH_TARGETS :=
PYTEST_ARGS ?=

-include mk/*.mk

.PHONY: help run install test test-python lint format system-deps bench clean

help: ## list the targets
	@grep -hE '^[a-zA-Z0-9_.-]+:.*?## ' $(MAKEFILE_LIST) | sort | \
	  awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-22s\033[0m %s\n", $$1, $$2}'

$(TOOLS)/uv/bin/uv:
	$(PYTHON) -m venv $(TOOLS)/uv
	$(TOOLS)/uv/bin/pip install --quiet uv

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --all-groups
	@touch $@

install: $(VENV)/.installed ## create .venv from uv.lock (runtime + dev tools)

# The runtime alone (no dev or test group); --inexact leaves tools an earlier `make install` put there.
$(VENV)/.runtime: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --no-default-groups --inexact
	@touch $@

run: $(VENV)/.runtime ## start the whole platform locally: embedded PostgreSQL, demo data, api :8000, web :8080
	$(BIN)/openpolicy up

system-deps: ## install the Debian packages the tests need (podman, prometheus, chromium ...)
	@missing=""; for p in $(sort $(APT_PACKAGES)); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	else echo "Debian packages present"; fi

lint: install ## ruff and mypy
	$(BIN)/ruff check src tools tests bench
	$(BIN)/ruff format --check src tools tests bench
	$(BIN)/mypy

format: install ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix src tools tests bench
	$(BIN)/ruff format src tools tests bench

test-python: install system-deps $(TEST_PREREQS)
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint test-python test-lowest mutate ## everything: lint, unit, integration, e2e, infrastructure tests, lowest versions, mutation floor

bench: install $(BENCH_TARGETS) ## benchmarks (print figures and ratios against a baseline in the same run)

clean: ## remove the virtualenv, tools and caches (keeps .openpolicy data)
	rm -rf $(VENV) $(TOOLS) .mypy_cache .ruff_cache .pytest_cache
