#!/usr/bin/env bash
# Server memory per idle player (issue 21: at most 8 KiB), loopback, bounded: for
# each player count N in $COUNTS, RUNS runs of
# `loadtest --rooms $ROOMS --bots-per-room N/ROOMS --drones $DRONES --idle` against each
# server, each reporting the server's settled RSS (the median VmRSS sampled over
# the second half of the run, bots seated and idle: pings only); then per server the
# median settled RSS per count and the KiB per player: against the run without
# players ((RSS(N) - RSS(0)) / seated) and between the two largest counts (the
# slope, free of anything the first players pay once), counting the players
# seated (the median of bots_connected).
# Usage: benches/scripts/player-rss.sh [RUNS=3] [SECS=20]
# $SERVERS: "LABEL=PATH" pairs measured in turn, run by run (default
# "after=target/release/tickcast-server"); $BENCH: the directory of loadtest
# (default target/release); $COUNTS (default "0 200 1000", multiples of ROOMS);
# $ROOMS (default 5); $DRONES per room (default 32); $TRANSPORT ws or quic
# (default ws).
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-3}; SECS=${2:-20}
SERVERS=${SERVERS:-after=target/release/tickcast-server}
BENCH=${BENCH:-target/release}
COUNTS=${COUNTS:-0 200 1000}
ROOMS=${ROOMS:-5}
DRONES=${DRONES:-32}
TRANSPORT=${TRANSPORT:-ws}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
for run in $(seq 1 "$RUNS"); do
  for n in $COUNTS; do
    for server in $SERVERS; do
      per_room=$(( n / ROOMS ))
      line=$("$BENCH/loadtest" --rooms "$ROOMS" --bots-per-room "$per_room" --drones "$DRONES" \
        --duration "${SECS}s" --idle --transport "$TRANSPORT" --server-bin "${server#*=}" \
        --json 2>/dev/null)
      echo "${server%%=*} $n $line" | tee -a "$WORK/lines"
    done
  done
done
python3 - "$WORK/lines" <<'PY'
import json, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    label, n, data = line.split(" ", 2)
    r = json.loads(data)
    if r.get("server_settled_rss_mib") is None:
        continue
    rows.setdefault(label, {}).setdefault(int(n), []).append(r)
for label, by_n in rows.items():
    med, seated = {}, {}
    for n in sorted(by_n):
        runs = by_n[n]
        med[n] = statistics.median(r["server_settled_rss_mib"] for r in runs)
        seated[n] = statistics.median(r["bots_connected"] for r in runs)
        print(f"{label} {n} players: settled RSS median of {len(runs)} {med[n]:.1f} MiB"
              f" (seated median {seated[n]:.0f}, fewest {min(r['bots_connected'] for r in runs)})")
    counts = sorted(med)
    if 0 in med:
        for n in counts[1:]:
            if seated[n] > 0:
                print(f"{label} {n} players: {(med[n] - med[0]) * 1024 / seated[n]:.1f} KiB per player (vs 0)")
    if len(counts) >= 2 and seated[counts[-1]] > seated[counts[-2]]:
        a, b = counts[-2], counts[-1]
        per = (med[b] - med[a]) * 1024 / (seated[b] - seated[a])
        print(f"{label} {a}->{b} players: {per:.1f} KiB per player (slope)")
PY
