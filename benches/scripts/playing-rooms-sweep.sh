#!/usr/bin/env bash
# Rooms of playing bots (issue 21): for each room count R in $RS and each server,
# RUNS runs of `loadtest --rooms R --bots-per-room 8 --drones 32` (bots play: move
# and shoot at their input rate), each line giving the skipped ticks, the bots
# seated, the server's CPU and the load generator's own CPU (its rusage, children
# included, minus the server's, over the run's wall time): the load generator shares
# the machine, so the largest R with 0 skipped ticks and every bot seated is read
# with its CPU beside it. Loopback only, bounded by $SECS per run.
# Usage: benches/scripts/playing-rooms-sweep.sh [RUNS=1] [SECS=10]
# $SERVERS: "LABEL=PATH" pairs measured in turn (default
# "after=target/release/tickcast-server"); $RS (default "50 100 150"); $BENCH: the
# directory of loadtest (default target/release).
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-1}; SECS=${2:-10}
SERVERS=${SERVERS:-after=target/release/tickcast-server}
RS=${RS:-50 100 150}
BENCH=${BENCH:-target/release}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
for rooms in $RS; do
  for run in $(seq 1 "$RUNS"); do
    for server in $SERVERS; do
      times=$({ /usr/bin/time -f "TIME %U %S %e" "$BENCH/loadtest" --rooms "$rooms" \
        --bots-per-room 8 --drones 32 --duration "${SECS}s" --json \
        --server-bin "${server#*=}" 2>&1 1>"$WORK/run.json" | grep '^TIME'; } || true)
      python3 - "$rooms" "${server%%=*}" "$times" "$(cut -d' ' -f1 /proc/loadavg)" "$WORK/run.json" <<'PY'
import json, sys
rooms, label, times, load, path = sys.argv[1:6]
d = json.loads(open(path).read())
_, user, system, wall = times.split()
server_s = d["server_cpu_percent"] / 100 * d["duration_s"]
loadgen = (float(user) + float(system) - server_s) / float(wall) * 100
print(f"rooms {rooms} {label}: skipped {d['ticks_skipped']:.0f} of {d['ticks']:.0f} ticks, "
      f"bots seated {d['bots_connected']} of {d['bots']}, server cpu {d['server_cpu_percent']:.1f} %, "
      f"load generator cpu {loadgen:.1f} %, tick p99 {d['tick_ms_p99']:.2f} ms, load {load}")
PY
    done
  done
done
