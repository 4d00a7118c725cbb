#!/usr/bin/env bash
# Print the alerts firing in Alertmanager and exit 1 when any has severity=critical (for a pre-deploy gate
# or a cron check). Needs amtool (Debian package prometheus-alertmanager).
#   check-alerts.sh [ALERTMANAGER_URL]   (default: $ALERTMANAGER_URL or http://127.0.0.1:9093)
set -euo pipefail
url="${1:-${ALERTMANAGER_URL:-http://127.0.0.1:9093}}"
if ! command -v amtool >/dev/null 2>&1; then
  echo "check-alerts.sh: amtool not found (apt-get install prometheus-alertmanager)" >&2
  exit 2
fi
echo "firing alerts at $url:"
amtool --alertmanager.url="$url" alert query --active
critical="$(amtool --alertmanager.url="$url" alert query --active --output=simple severity=critical | tail -n +2)"
if [[ -n "$critical" ]]; then
  echo "CRITICAL alerts are firing" >&2
  exit 1
fi
echo "no critical alerts firing"
