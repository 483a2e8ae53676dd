#!/usr/bin/env bash
# Crash test: "an AA from irwell is a promise". Runs `irwell run` while a client keeps several
# connections busy, SIGKILLs the engine at random moments and restarts it, many times; at the
# end every control ID that got an AA must be in the store exactly once (acknowledged means
# committed; a resend after a lost ACK is a duplicate, not a second row), and the last engine
# must stop cleanly on SIGTERM with exit code 0.
# Usage: tests/scripts/crash_test.sh BUILD_DIR [KILLS]   (CTest passes the build directory)
set -euo pipefail

build=$(cd "${1:-build}" && pwd)
kills=${2:-20}
here=$(cd "$(dirname "$0")" && pwd)
irwell="$build/irwell"
[ -x "$irwell" ] || { echo "crash_test: $irwell not built"; exit 1; }
command -v sqlite3 >/dev/null || { echo "crash_test: the sqlite3 CLI is needed"; exit 1; }

work=$(mktemp -d)
engine_pid=""
client_pid=""
cleanup() {
  [ -n "$engine_pid" ] && kill -9 "$engine_pid" 2>/dev/null || true
  [ -n "$client_pid" ] && kill -9 "$client_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$work/routes.yaml" <<YAML
storage:
  data_dir: $work/data
admin:
  enabled: false
logging:
  level: warn
sources:
  pas_in:
    type: mllp
    bind: 127.0.0.1
    port: $port
YAML

# Starts the engine and waits until it accepts connections (or gives up after ~20 s).
start_engine() {
  "$irwell" run -c "$work/routes.yaml" 2>>"$work/engine.log" &
  engine_pid=$!
  python3 - "$port" "$engine_pid" <<'PY'
import os, socket, sys, time
port, pid = int(sys.argv[1]), int(sys.argv[2])
for _ in range(2000):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        sys.exit(0)
    except OSError:
        try:
            os.kill(pid, 0)
        except OSError:
            sys.exit("engine exited during start-up")
        time.sleep(0.01)
sys.exit("engine did not start listening")
PY
}

start_engine
python3 "$here/crash_client.py" --port "$port" --connections 4 --acked "$work/acked.txt" \
  --stop "$work/stop" --give-up "$work/give-up" >"$work/client.out" &
client_pid=$!

for ((i = 1; i <= kills; i++)); do
  # A random moment: 50-650 ms of traffic, then SIGKILL (no chance to flush anything).
  sleep "$(printf '0.%03d' $((50 + RANDOM % 600)))"
  kill -9 "$engine_pid"
  wait "$engine_pid" 2>/dev/null || true
  start_engine
done

# Let the client finish its in-flight messages against the last engine, then stop cleanly.
touch "$work/stop"
wait "$client_pid" || { echo "crash_test: client failed"; exit 1; }
client_pid=""
kill -TERM "$engine_pid"
rc=0
wait "$engine_pid" || rc=$?
engine_pid=""
if [ "$rc" -ne 0 ]; then
  echo "crash_test: irwell run exited $rc after SIGTERM"
  tail -20 "$work/engine.log"
  exit 1
fi

sort "$work/acked.txt" >"$work/acked.sorted"
sqlite3 "$work/data/irwell.db" "SELECT control_id FROM messages;" | sort >"$work/stored.sorted"
acked=$(wc -l <"$work/acked.sorted")
stored=$(wc -l <"$work/stored.sorted")
missing=$(comm -23 "$work/acked.sorted" <(sort -u "$work/stored.sorted") | wc -l)
twice=$(uniq -d "$work/stored.sorted" | wc -l)
echo "crash_test: kills=$kills $(cat "$work/client.out") stored_rows=$stored acked_ids=$acked missing=$missing stored_twice=$twice"
if [ "$acked" -eq 0 ]; then
  echo "crash_test: no message was acknowledged"
  exit 1
fi
if [ "$missing" -ne 0 ] || [ "$twice" -ne 0 ]; then
  echo "crash_test: FAILED: acknowledged control IDs missing from the store or stored twice"
  comm -23 "$work/acked.sorted" <(sort -u "$work/stored.sorted") | head -5
  uniq -d "$work/stored.sorted" | head -5
  exit 1
fi
echo "crash_test: OK: every acknowledged message is in the store exactly once"
