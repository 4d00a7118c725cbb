# Operations (issue 8): deploy/smoke/backup CLI, workflows, Terraform, wrapper scripts.
# checkov and helm come from mk/helm.mk's targets (`checkov`, `helm-tools`); this file reuses them.

APT_PACKAGES += shellcheck prometheus-alertmanager
TEST_PREREQS += checkov helm-tools

OPS_SCRIPTS := $(wildcard infrastructure/scripts/*.sh infrastructure/scripts/*/*.sh)

.PHONY: ops-lint workflow-lint terraform-check shell-lint

workflow-lint: install ## actionlint and zizmor (offline, pedantic persona) on .github/workflows
	$(BIN)/actionlint .github/workflows/*.yml
	$(BIN)/zizmor --offline --persona pedantic .github/workflows/

terraform-check: install checkov ## Terraform: parse every .tf/.tfvars with python-hcl2, then checkov
	$(BIN)/python -c 'import glob, hcl2; [hcl2.load(open(f)) for f in sorted(glob.glob("infrastructure/terraform/**/*.tf*", recursive=True))]'
	$(TOOLS)/checkov/bin/checkov -d infrastructure/terraform --config-file infrastructure/terraform/.checkov.yaml

shell-lint: ## shellcheck on the wrapper scripts
	shellcheck -x $(OPS_SCRIPTS)

ops-lint: workflow-lint terraform-check shell-lint ## workflow-lint, terraform-check and shell-lint
