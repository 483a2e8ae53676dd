#!/usr/bin/env bash
# Interoperability with Debian's python3-hl7: its `mllp_send` command and its asyncio MLLP client
# send to the real engine (`irwell run`), and its asyncio MLLP server is the subscriber irwell
# delivers to (details in interop_python_hl7.py).
# Usage: tests/scripts/interop_python_hl7.sh BUILD_DIR  (CTest passes BUILD_DIR)
set -euo pipefail
build="${1:?usage: interop_python_hl7.sh BUILD_DIR}"
# python-hl7 is a Debian package: it lives with the system's python3, which may not be the first
# python3 on PATH (pyenv and the like).
py=""
for candidate in python3 /usr/bin/python3; do
  if command -v "$candidate" >/dev/null && "$candidate" -c 'import hl7.mllp' 2>/dev/null; then
    py="$candidate"
    break
  fi
done
if [[ -z "$py" ]] || ! command -v mllp_send >/dev/null; then
  echo "interop_python_hl7: python3-hl7 is not installed (tools/install-deps --test)" >&2
  exit 1
fi
[[ -x "$build/irwell" ]] || { echo "interop_python_hl7: no $build/irwell (build it first)" >&2; exit 1; }
exec "$py" "$(dirname "$0")/interop_python_hl7.py" "$build"
