#!/usr/bin/env bash
# Smoke-test a running deployment (health, readiness, metrics, /v1 endpoints, web pages); exit 1 naming what
# failed. Called by the deploy pipeline after each rollout.
#   smoke-test.sh https://api.staging.example.org [--web-url https://staging.example.org] [--json]
set -euo pipefail
# shellcheck source=SCRIPTDIR/../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
usage_if_missing 1 "smoke-test.sh API_URL [--web-url WEB_URL] [--json]" "$@"
run_openpolicy smoke "$@"
