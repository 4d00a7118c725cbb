# Honest dependency ranges (issue 16): the lowest versions pyproject.toml allows must work. `make test-lowest`
# resolves a second environment with `uv sync --resolution lowest-direct` (every direct dependency at its lower
# bound, the runtime and the test group) and runs the unit tests and the api/ingest integration tests in it.
# The resolution happens in a scratch copy of the project (.tools/lowest/project, src linked) so uv.lock is
# left alone; its environment is .tools/lowest/venv.
LOWEST_DIR := $(TOOLS)/lowest
LOWEST_VENV := $(LOWEST_DIR)/venv
LOWEST_TESTS ?= tests/unit tests/integration/test_routers_endpoints.py tests/integration/test_problem_details.py \
  tests/integration/test_ingest_load.py::test_counts_equal_the_sources \
  tests/integration/test_ingest_load.py::test_reimport_changes_nothing

.PHONY: test-lowest

$(LOWEST_VENV)/.synced: pyproject.toml README.md | $(UV)
	@rm -rf $(LOWEST_DIR)/project && mkdir -p $(LOWEST_DIR)/project
	cp pyproject.toml README.md $(LOWEST_DIR)/project/
	ln -s $(CURDIR)/src $(LOWEST_DIR)/project/src
	cd $(LOWEST_DIR)/project && UV_PROJECT_ENVIRONMENT=$(CURDIR)/$(LOWEST_VENV) \
	  $(abspath $(UV)) sync --resolution lowest-direct --no-default-groups --group test
	@touch $@

test-lowest: $(LOWEST_VENV)/.synced ## unit and api/ingest tests against the lowest versions pyproject allows
	$(LOWEST_VENV)/bin/python -m pytest -q -p no:cacheprovider $(LOWEST_TESTS)
