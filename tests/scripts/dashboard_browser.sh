#!/usr/bin/env bash
# Browser test of the dashboard: starts `irwell run` on free ports with a temporary data dir,
# drives headless Chromium through chromedriver (WebDriver over plain HTTP, no Selenium): signs
# in with an operator token, watches a source's counter change after mllp-send, searches by
# control ID, opens the message, presses replay, and saves BUILD_DIR/dashboard.png
# (details in dashboard_browser.py).
# Usage: tests/scripts/dashboard_browser.sh BUILD_DIR   (CTest passes BUILD_DIR)
# Needs Debian's chromium and chromium-driver (tools/install-deps --test). Without them it
# prints SKIP and passes, except under CI=true, where it fails.
set -euo pipefail
build="${1:-build}"
chromium=$(command -v chromium || command -v chromium-browser || true)
driver=$(command -v chromedriver || true)
if [[ -z "$chromium" || -z "$driver" ]]; then
  if [[ "${CI:-}" == "true" ]]; then
    echo "dashboard_browser: FAIL: chromium and chromium-driver are needed under CI" >&2
    exit 1
  fi
  echo "dashboard_browser: SKIP: chromium or chromedriver is not installed" \
       "(tools/install-deps --test installs them)"
  exit 0
fi
exec python3 "$(dirname "$0")/dashboard_browser.py" "$build" "$chromium" "$driver"
