#!/usr/bin/env bash
# The monthly restore drill of docs/disaster-recovery.md: back up DATABASE_URL, restore the backup into a
# scratch database on the same server, let `openpolicy restore` verify every table's row count, then drop the
# scratch database. Exit 0 only when the restore verified.
#   backup-drill.sh [WORKDIR]
set -euo pipefail
# shellcheck source=SCRIPTDIR/../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
bin="$(openpolicy_bin)"
workdir="${1:-$(mktemp -d)}"
scratch="openpolicy_drill_$(date -u +%Y%m%d%H%M%S)"
location="$("$bin" backup "$workdir" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["location"])')"
echo "backup: $location" >&2
status=0
"$bin" restore "$location" --database "$scratch" || status=$?
if command -v psql >/dev/null 2>&1 && [[ -n "${DATABASE_URL:-}" ]]; then
  admin_url="${DATABASE_URL/+asyncpg/}"
  admin_url="${admin_url%%\?*}"
  psql "${admin_url%/*}/postgres" -qc "DROP DATABASE IF EXISTS \"$scratch\" WITH (FORCE)" >/dev/null ||
    echo "could not drop scratch database $scratch: drop it by hand" >&2
fi
if ((status == 0)); then
  echo "drill passed: $location restored into $scratch and verified" >&2
else
  echo "DRILL FAILED (exit $status): see the output above" >&2
fi
exit "$status"
