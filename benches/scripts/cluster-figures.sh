#!/usr/bin/env bash
# Cluster figures on this machine (loopback only, bounded): a redis-server and 3
# tickcast nodes, ROOMS rooms spread over them; then
#  - GET /api/rooms latency on one node (N sequential requests; p50/p99/max, ms),
#  - Redis commands per second per room while idle (INFO commandstats over SECS s,
#    top-level calls and all calls including those inside the Lua scripts).
# Usage: benches/scripts/cluster-figures.sh [ROOMS=300] [N=300] [SECS=10]
# Uses target/release/tickcast-server if it exists, else target/debug/.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOMS=${1:-300}; N=${2:-300}; SECS=${3:-10}
BIN=target/release/tickcast-server
[ -x "$BIN" ] || BIN=target/debug/tickcast-server
# shellcheck source=local-redis.sh
. benches/scripts/local-redis.sh
start_redis
# One address creates every room here: lift the per-address room budget.
printf '[lobby]\nmax_rooms_per_ip = 100000\n[limits]\nlobby_rate_per_sec = 100000\nlobby_burst = 100000\n' > "$WORK/tickcast.toml"
addrs=()
for i in 1 2 3; do
  "$BIN" --http 127.0.0.1:0 --no-quic --no-replays --empty-room-secs 3600 --config "$WORK/tickcast.toml" \
    --redis "redis://127.0.0.1:$RPORT" --node-id "n$i" >"$WORK/n$i.out" 2>"$WORK/n$i.err" &
  pids+=($!)
  until grep -qs "listening on" "$WORK/n$i.out"; do sleep 0.1; done
  addrs+=("$(sed -n 's/.*listening on http:\/\/\([^ ]*\).*/\1/p' "$WORK/n$i.out")")
done
for r in $(seq 1 "$ROOMS"); do
  a=${addrs[$(( r % 3 ))]}
  curl -fsS -o /dev/null -X POST -H 'content-type: application/json' -d '{}' "http://$a/api/rooms"
done
listed=$(curl -fsS "http://${addrs[1]}/api/rooms" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
echo "rooms listed by n2: $listed (bytes: $(curl -fsS "http://${addrs[1]}/api/rooms" | wc -c))"
for _ in $(seq 1 "$N"); do
  curl -fsS -o /dev/null -w '%{time_total}\n' "http://${addrs[1]}/api/rooms"
done | sort -n | awk -v n="$N" '{v[NR]=$1*1000} END {
  printf "GET /api/rooms over %d rooms on 3 nodes: p50 %.2f ms  p99 %.2f ms  max %.2f ms  (n=%d)\n",
    0, v[int(n*0.5)], v[int(n*0.99)], v[n], n }' | sed "s/over 0 rooms/over $listed rooms/"
stats() { redis-cli -p "$RPORT" info commandstats | tr -d '\r' | awk -F'[=,:]' '/^cmdstat_/ {
  c=$3; total+=c; if ($1 ~ /evalsha|eval$/) top+=c } END { print total, top }'; }
sleep 2
read -r t0 e0 < <(stats)
sleep "$SECS"
read -r t1 e1 < <(stats)
awk -v t="$((t1 - t0))" -v e="$((e1 - e0))" -v s="$SECS" -v r="$ROOMS" 'BEGIN {
  printf "redis while idle: %.1f script calls/s, %.1f commands/s incl. inside scripts = %.3f commands/s per room\n",
    e/s, t/s, t/s/r }'
