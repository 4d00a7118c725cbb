# Mutation testing (issue 21): mutmut over the modules whose mistakes users see first, each judged by the fast tests
# selected for it (tests/support/mutation.py), one mutant per core at a time. Prints the score per module and every
# survivor; fails under 80 % killed. `make test` runs it (after the suite), so CI holds the floor. Equivalent mutants
# are listed with why in tests/support/mutation_equivalents.toml.
# MUTATE_MODULES picks some of: pagination errors cache-key common identity person-join (default: all).
MUTATE_MODULES ?=
MUTATE_JOBS ?= $(shell nproc 2>/dev/null || echo 1)

.PHONY: mutate

mutate: install ## mutation testing: score per module (pagination, problem details, cache key, file helpers, identity), floor 80 %
	$(BIN)/python -m tests.support.mutation --jobs $(MUTATE_JOBS) $(MUTATE_MODULES)
