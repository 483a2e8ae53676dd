# Shared helpers of the benchmark scripts (tools/bench-ingest, tools/bench-delivery); sourced,
# never run. Expects `die` and the variable `server_pid` ("" when no server runs).

# A TCP port nobody listens on now (the kernel's choice of ephemeral ports is not reachable from
# bash, so try random ones in a range the kernel does not hand out by default).
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 12000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  die "no free port found"
}

# Waits until something listens on the port, or the process $2 has died. 10 s at most.
wait_listening() {
  local port="$1" pid="$2"
  for _ in $(seq 1 200); do
    kill -0 "$pid" 2>/dev/null || return 1
    if command -v ss >/dev/null; then
      ss -Hltn "sport = :$port" 2>/dev/null | grep -q . && return 0
    elif (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      return 0
    fi
    sleep 0.05
  done
  return 1
}

start_server() {  # start_server LOG COMMAND...: runs it in the background as server_pid
  local log="$1"
  shift
  "$@" 2>"$log" &
  server_pid=$!
}

stop_server() {  # SIGTERM, then wait: irwell shuts down cleanly (SPEC: exits 0)
  kill -TERM "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

# json_num KEY JSON: a number field of a flat JSON object.
json_num() { sed -nE "s/.*\"$1\":(-?[0-9.eE+-]+).*/\1/p" <<<"$2"; }

# median of the arguments
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
