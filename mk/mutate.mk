# Mutation testing (issue 21): mutmut over the modules whose mistakes users see first, each judged by the tests
# selected for it (tests/support/mutation.py), one worker. Prints the score per module and every survivor; fails
# under 80 % killed. Equivalent mutants are listed with why in tests/support/mutation_equivalents.toml.
# MUTATE_MODULES picks some of: pagination errors common (default: all).
MUTATE_MODULES ?=

.PHONY: mutate

mutate: install ## mutation testing: score per module (pagination, problem details, importers' file helpers), floor 80 %
	$(BIN)/python -m tests.support.mutation $(MUTATE_MODULES)
