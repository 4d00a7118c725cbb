#!/usr/bin/env bash
# Restore a backup (checksum verified first) into DATABASE_URL's database, or --database NAME; refuses a
# non-empty database without --force; verifies every table's row count. See docs/disaster-recovery.md.
#   restore.sh /var/backups/openpolicy/openpolicy-20261126T020000Z --database openpolicy_restored
set -euo pipefail
# shellcheck source=SCRIPTDIR/../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
usage_if_missing 1 "restore.sh SRC [--database NAME] [--force] [--json]" "$@"
run_openpolicy restore "$@"
