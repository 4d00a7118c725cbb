#!/usr/bin/env bash
# Shared by the wrapper scripts: find the `openpolicy` command (PATH, then the repository's .venv) and run it.
# The scripts are thin: every decision lives in the CLI (src/openpolicy/ops), so the pipeline, cron jobs and
# people run the same code.

openpolicy_bin() {
  if [[ -n "${OPENPOLICY:-}" ]]; then
    printf '%s\n' "$OPENPOLICY"
  elif command -v openpolicy >/dev/null 2>&1; then
    command -v openpolicy
  else
    local root
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
    if [[ -x "$root/.venv/bin/openpolicy" ]]; then
      printf '%s\n' "$root/.venv/bin/openpolicy"
    else
      echo "openpolicy not found: install the project (make install) or set OPENPOLICY" >&2
      return 127
    fi
  fi
}

run_openpolicy() {
  local bin
  bin="$(openpolicy_bin)" || exit 127
  exec "$bin" "$@"
}

usage_if_missing() {
  # usage_if_missing COUNT "usage text" ARGS...
  local need="$1" text="$2"
  shift 2
  if (($# < need)); then
    echo "usage: $text" >&2
    exit 2
  fi
}
