#!/usr/bin/env bash
# Roll ENV back to REVISION (default: the previous revision) and wait for the rollout.
#   rollback.sh production [REVISION]
set -euo pipefail
# shellcheck source=SCRIPTDIR/../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
usage_if_missing 1 "rollback.sh ENV [REVISION] [openpolicy rollback options]" "$@"
run_openpolicy rollback "$@"
