#!/usr/bin/env bash
# Crash test: "an AA from irwell is a promise". SIGKILLs `irwell run` 40 times under 4 busy
# connections and checks that every control ID that got an AA is in the store exactly once and
# that the last engine stops cleanly on SIGTERM (details in crash_test.py).
# Usage: tests/scripts/crash_test.sh BUILD_DIR [KILLS] [CONNECTIONS]  (CTest passes BUILD_DIR)
set -euo pipefail
command -v sqlite3 >/dev/null || { echo "crash_test: the sqlite3 CLI is needed"; exit 1; }
exec python3 "$(dirname "$0")/crash_test.py" "${1:-build}" "${2:-40}" "${3:-4}"
