#!/usr/bin/env bash
# The "feels local on a bad network" figures (issue 10), loopback only, bounded: one
# server, then for each link (none, and the conditioner presets) RUNS runs of
# `tickcast-client bots --count BOTS --duration SECS --transport quic --seed N --json`
# (N = 1..RUNS; one JSON line each, prefixed by the link), then the medians per link.
# Usage: benches/scripts/netcode-figures.sh [RUNS=3] [SECS=30] [BOTS=4] [LINKS="none average poor"]
# Binaries: $SERVER (default target/release/tickcast-server) and $CLIENT (default
# target/release/tickcast-client).
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-3}; SECS=${2:-30}; BOTS=${3:-4}; LINKS=${4:-none average poor}
SERVER=${SERVER:-target/release/tickcast-server}
CLIENT=${CLIENT:-target/release/tickcast-client}
WORK=$(mktemp -d)
spid=""
cleanup() { [ -n "$spid" ] && kill "$spid" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
"$SERVER" --http 127.0.0.1:0 --no-replays >"$WORK/server.out" 2>"$WORK/server.err" &
spid=$!
until grep -qs "listening on" "$WORK/server.out"; do sleep 0.1; done
addr=$(sed -n 's/.*listening on http:\/\/\([^ ]*\).*/\1/p' "$WORK/server.out" | head -1)
echo "server $SERVER pid $spid on $addr; $BOTS bots over QUIC, $RUNS runs of ${SECS}s per link" >&2
for link in $LINKS; do
  for seed in $(seq 1 "$RUNS"); do
    args=(bots --server "http://$addr" --count "$BOTS" --duration "${SECS}s" --transport quic
      --seed "$seed" --json)
    [ "$link" != none ] && args+=(--link "$link")
    line=$("$CLIENT" "${args[@]}")
    echo "$link $line"
    echo "$link $line" >>"$WORK/lines"
  done
done
python3 - "$WORK/lines" <<'EOF'
import json, statistics, sys
keys = ["input_delay_ticks_p99", "input_delay_ticks_p50", "corrections_pct",
        "correction_p99", "extrapolated_pct", "snapshots_lost", "keyframes_resent",
        "disconnects", "reconnects"]
runs = {}
for line in open(sys.argv[1]):
    link, _, data = line.partition(" ")
    runs.setdefault(link, []).append(json.loads(data))
for link, rows in runs.items():
    med = {k: statistics.median(r[k] for r in rows) for k in keys if all(r.get(k) is not None for r in rows)}
    print(f"median of {len(rows)} {link} {json.dumps(med)}")
EOF
