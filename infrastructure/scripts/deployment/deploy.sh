#!/usr/bin/env bash
# Deploy the platform to ENV: helm upgrade --install by image digest, wait, rollout status, smoke test,
# rollback on failure (exit 3 when a rollback happened). All options go to `openpolicy deploy`.
#   deploy.sh staging --image-digest api=sha256:... --image-digest web=sha256:... --smoke-url https://...
set -euo pipefail
# shellcheck source=SCRIPTDIR/../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
usage_if_missing 1 "deploy.sh ENV [--image-digest api=sha256:...] [--smoke-url URL] [openpolicy deploy options]" "$@"
run_openpolicy deploy "$@"
