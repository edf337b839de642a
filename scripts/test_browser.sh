#!/usr/bin/env bash
# The browser tests (pytest -m browser) with Debian's Chromium, for `make test-browser`.
# No Chromium: installed with apt-get when running as root; otherwise the step
# fails under CI=true and is skipped elsewhere. "No tests collected" (pytest's
# exit code 5) is not a failure here, and only here.
set -uo pipefail
cd "$(dirname "$0")/.."
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
PYTEST=${PYTEST:-.venv/bin/pytest -q}
REPORTS=${REPORTS:-var/test-reports}

if [ ! -x "$CHROMIUM" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing chromium with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq chromium >/dev/null 2>&1 \
    || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } \
    || true
fi
if [ ! -x "$CHROMIUM" ]; then
  if [ "${CI:-}" = true ]; then
    echo "FAILED: browser tests — $CHROMIUM not found and could not be installed"
    exit 1
  fi
  echo "SKIPPED: browser tests — $CHROMIUM not found"
  exit 0
fi

mkdir -p "$REPORTS"
# shellcheck disable=SC2086  # PYTEST is a command line
env -u DATABASE_URL $PYTEST -m browser --junitxml="$REPORTS/browser.xml" beatbook
status=$?
if [ "$status" -eq 5 ]; then
  echo "browser tests: none collected yet"
  status=0
fi
exit "$status"
