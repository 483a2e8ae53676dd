#!/usr/bin/env bash
# Reload under load: SIGHUPs `irwell run` 20 times while 4 senders send and two MLLP subscribers
# receive, each reload changing the destinations and adding or removing a second source; checks
# that no sender was disconnected and every acknowledged message was delivered in order
# (details in reload_test.py).
# Usage: tests/scripts/reload_test.sh BUILD_DIR [RELOADS] [CONNECTIONS]
set -euo pipefail
command -v sqlite3 >/dev/null || { echo "reload_test: the sqlite3 CLI is needed"; exit 1; }
here="$(cd "$(dirname "$0")" && pwd)"
PYTHONPATH="$here" exec python3 "$here/reload_test.py" "${1:-build}" "${2:-20}" "${3:-4}"
