#!/usr/bin/env bash
# Spectator delivery across a cluster (issue 12's figure), loopback only, bounded:
# redis-server and 2 tickcast nodes, one room of DRONES drones on n1, then RUNS runs
# of VIEWERS viewers at once, half on n1 (the owner) and half on n2 (through Redis),
# each half one `spectate-load --format binary --json` for SECS seconds. Both are put
# on one scale: 0 ms is the quickest delivery on the owner (spectate-load's
# `delivery_origin_unix_ms`), so n2's figures include the hop through Redis.
# Prints one line per run and the medians.
# Usage: benches/scripts/cluster-spectate-scale.sh [VIEWERS=1000] [RUNS=3] [SECS=10] [DRONES=50]
# Binaries: $SERVER (default target/release/tickcast-server), $LOAD (default
# target/release/spectate-load).
set -euo pipefail
cd "$(dirname "$0")/../.."
VIEWERS=${1:-1000}; RUNS=${2:-3}; SECS=${3:-10}; DRONES=${4:-50}
SERVER=${SERVER:-target/release/tickcast-server}
LOAD=${LOAD:-target/release/spectate-load}
ulimit -n "$(ulimit -Hn)"
# shellcheck source=local-redis.sh
. benches/scripts/local-redis.sh
start_redis
printf '[limits]\nmax_connections_per_ip = 100000\nlobby_rate_per_sec = 100000\nlobby_burst = 100000\n' > "$WORK/tickcast.toml"
addrs=(); spids=()
for i in 1 2; do
  "$SERVER" --http 127.0.0.1:0 --no-quic --no-replays --empty-room-secs 3600 --config "$WORK/tickcast.toml" \
    --redis "redis://127.0.0.1:$RPORT" --node-id "n$i" >"$WORK/n$i.out" 2>"$WORK/n$i.err" &
  pids+=($!); spids+=($!)
  until grep -qs "listening on" "$WORK/n$i.out"; do sleep 0.1; done
  addrs+=("$(sed -n 's/.*listening on http:\/\/\([^ ]*\).*/\1/p' "$WORK/n$i.out")")
done
room=$(curl -fsS -X POST -H 'content-type: application/json' -d "{\"drones\": $DRONES}" \
  "http://${addrs[0]}/api/rooms" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
# n2 streams the room once the room's record reached Redis.
until curl -fsS "http://${addrs[1]}/api/rooms/$room" >/dev/null 2>&1; do sleep 0.1; done
half=$(( VIEWERS / 2 ))
echo "room $room ($DRONES drones) on n1 ${addrs[0]}; $half viewers on n1 and $half on n2 ${addrs[1]}; $RUNS runs of ${SECS}s" >&2
for _ in $(seq 1 "$RUNS"); do
  lpids=()
  for i in 0 1; do
    "$LOAD" --server "http://${addrs[$i]}" --room "$room" --viewers "$half" --duration "${SECS}s" \
      --format binary --server-pid "${spids[$i]}" --json >"$WORK/run$i" &
    lpids+=($!)
  done
  wait "${lpids[@]}"
  python3 - "$WORK/run0" "$WORK/run1" <<'EOF'
import json, sys
own, other = (json.load(open(p)) for p in sys.argv[1:3])
shift = other["delivery_origin_unix_ms"] - own["delivery_origin_unix_ms"]
row = {"owner_connected": own["connected"], "other_connected": other["connected"],
       "owner_missing_ids": own["viewers_missing_ids"], "other_missing_ids": other["viewers_missing_ids"],
       "owner_p50": own["delivery_ms_p50"], "owner_p99": own["delivery_ms_p99"],
       "other_p50": round(other["delivery_ms_p50"] + shift, 1),
       "other_p99": round(other["delivery_ms_p99"] + shift, 1),
       "owner_cpu": own["server_cpu_percent"], "other_cpu": other["server_cpu_percent"]}
print(json.dumps(row))
EOF
  sleep 2
done | tee "$WORK/all"
python3 - "$WORK/all" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print("median of", len(rows), json.dumps({k: statistics.median(r[k] for r in rows) for k in rows[0]}))
EOF
