#!/usr/bin/env bash
# Delivery crash test: SIGKILLs `irwell run` 20 times while it receives on 4 connections and
# delivers to two MLLP subscribers (FIFO and 4 lanes); checks that every acknowledged message
# was delivered in order (details in delivery_crash_test.py).
# Usage: tests/scripts/delivery_crash_test.sh BUILD_DIR [KILLS] [CONNECTIONS]
set -euo pipefail
command -v sqlite3 >/dev/null || { echo "delivery_crash_test: the sqlite3 CLI is needed"; exit 1; }
here="$(cd "$(dirname "$0")" && pwd)"
PYTHONPATH="$here" exec python3 "$here/delivery_crash_test.py" "${1:-build}" "${2:-20}" "${3:-4}"
