#!/usr/bin/env bash
# Back up DATABASE_URL (pg_dump custom format + sha256 + manifest of row counts) into DEST, a folder or
# s3://BUCKET/PREFIX (credentials from the standard AWS_* variables). Run by the backup CronJob and cron.
#   backup.sh /var/backups/openpolicy [--json]
set -euo pipefail
# shellcheck source=SCRIPTDIR/../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
usage_if_missing 1 "backup.sh DEST [--json]" "$@"
if [[ -z "${DATABASE_URL:-}" ]]; then
  echo "backup.sh: DATABASE_URL is not set; backing up the embedded PostgreSQL" >&2
fi
run_openpolicy backup "$@"
