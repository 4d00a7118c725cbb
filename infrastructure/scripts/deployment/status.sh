#!/usr/bin/env bash
# Release, revision, pods ready and image digests running in ENV.
#   status.sh production [--json]
set -euo pipefail
# shellcheck source=SCRIPTDIR/../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
usage_if_missing 1 "status.sh ENV [--json]" "$@"
run_openpolicy status "$@"
