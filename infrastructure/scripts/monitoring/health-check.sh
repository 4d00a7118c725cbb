#!/usr/bin/env bash
# Liveness of one service URL (exit 0 on 2xx, else 1 with the reason): the same check the container
# HEALTHCHECK runs.
#   health-check.sh http://127.0.0.1:8000/health/ready
set -euo pipefail
# shellcheck source=SCRIPTDIR/../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
usage_if_missing 1 "health-check.sh URL" "$@"
run_openpolicy health "$@"
