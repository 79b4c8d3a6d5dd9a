#!/usr/bin/env bash
# The "10 000 viewers" figure (issue 9), loopback only, bounded: one server, one room
# of DRONES drones, then RUNS runs of `spectate-load --viewers VIEWERS --duration SECS
# --format binary --json` (one JSON line each, with the load generator's own CPU
# appended as `load_cpu_percent`), then the medians.
# Usage: benches/scripts/spectate-scale.sh [VIEWERS=10000] [RUNS=3] [SECS=10] [DRONES=50]
# Binaries: $SERVER (default target/release/tickcast-server) and $LOAD (default
# target/release/spectate-load). `ulimit -n` must allow VIEWERS sockets in each.
set -euo pipefail
cd "$(dirname "$0")/../.."
VIEWERS=${1:-10000}; RUNS=${2:-3}; SECS=${3:-10}; DRONES=${4:-50}
SERVER=${SERVER:-target/release/tickcast-server}
LOAD=${LOAD:-target/release/spectate-load}
ulimit -n "$(ulimit -Hn)"
WORK=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT
# One address opens every viewer: lift the per-address connection limit.
printf '[limits]\nmax_connections_per_ip = 100000\nlobby_rate_per_sec = 100000\nlobby_burst = 100000\n[spectators]\nmax_per_room = 20000\nmax_total = 20000\n' \
  > "$WORK/tickcast.toml"
"$SERVER" --http 127.0.0.1:0 --no-quic --no-replays --empty-room-secs 3600 \
  --config "$WORK/tickcast.toml" >"$WORK/server.out" 2>"$WORK/server.err" &
spid=$!
pids+=("$spid")
until grep -qs "listening on" "$WORK/server.out"; do sleep 0.1; done
addr=$(sed -n 's/.*listening on http:\/\/\([^ ]*\).*/\1/p' "$WORK/server.out")
room=$(curl -fsS -X POST -H 'content-type: application/json' -d "{\"drones\": $DRONES}" \
  "http://$addr/api/rooms" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
echo "server $SERVER pid $spid on $addr, room $room ($DRONES drones), $VIEWERS viewers x $RUNS runs of ${SECS}s" >&2
clk=$(getconf CLK_TCK)
sleep 1
base_kb=$(awk '/VmRSS/ {print $2}' "/proc/$spid/status")
echo "server RSS with the room and no viewers: $base_kb KB" >&2
for _ in $(seq 1 "$RUNS"); do
  "$LOAD" --server "http://$addr" --room "$room" --viewers "$VIEWERS" --duration "${SECS}s" \
    --format binary --server-pid "$spid" --json >"$WORK/line" &
  lpid=$!
  # The load generator's CPU over its whole life (connecting included) / its wall time.
  start=$(date +%s.%N)
  last=0
  while kill -0 "$lpid" 2>/dev/null; do
    t=$(awk '{print $14 + $15}' "/proc/$lpid/stat" 2>/dev/null || echo "$last")
    last=$t
    sleep 0.2
  done
  wait "$lpid"
  wall=$(echo "$(date +%s.%N) - $start" | bc)
  python3 - "$WORK/line" "$last" "$clk" "$wall" <<'EOF'
import json, sys
line = json.load(open(sys.argv[1]))
line["load_cpu_percent"] = round(float(sys.argv[2]) / float(sys.argv[3]) / float(sys.argv[4]) * 100, 1)
print(json.dumps(line))
EOF
  sleep 2
done | tee "$WORK/all"
python3 - "$WORK/all" "$base_kb" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
keys = ["connected", "viewers_missing_ids", "delivery_ms_p50", "delivery_ms_p99", "delivery_ms_max",
        "server_cpu_percent", "server_rss_mb", "load_cpu_percent", "events_per_viewer_per_sec"]
med = {k: statistics.median(r[k] for r in rows if r.get(k) is not None) for k in keys}
med["rss_kb_per_viewer"] = round((med["server_rss_mb"] * 1024 - int(sys.argv[2])) / max(1, med["connected"]), 1)
print("median of", len(rows), json.dumps(med))
EOF
