#!/usr/bin/env bash
# Server CPU per delivered player snapshot (issue 21), loopback, bounded: for each
# scene "DRONES CLIENTS SENDS_PER_SEC" and each bot mode (idle: pings only on
# WebSocket; answering: an empty input per snapshot), RUNS runs of
# `loadtest --rooms 1 --bots-per-room CLIENTS --drones DRONES --idle` against each server
# (one JSON line each), and `socket-floor --server batched` at the same client count,
# rate and frame size (acks of 24 bytes for answering bots, none for idle ones);
# then the medians, each run's load average beside it.
# Usage: benches/scripts/player-fanout-figures.sh [RUNS=3] [SECS=15]
# Binaries: $SERVERS, "LABEL=PATH" pairs measured in turn, run by run, so that a
# shared machine's load falls on each alike (default
# "after=target/release/tickcast-server"), $BENCH (directory of
# loadtest and socket-floor, default target/release). Scenes: $SCENES (default
# "1000 8 20;100 200 20;1000 50 60"); FLOOR=0 skips the socket-floor runs (the floor does
# not depend on the server).
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-3}; SECS=${2:-15}
SERVERS=${SERVERS:-after=target/release/tickcast-server}
BENCH=${BENCH:-target/release}
SCENES=${SCENES:-1000 8 20;100 200 20;1000 50 60}
FLOOR=${FLOOR:-1}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
load() { cut -d' ' -f1 /proc/loadavg; }
IFS=';' read -ra scenes <<<"$SCENES"
for scene in "${scenes[@]}"; do
  read -r drones clients rate <<<"$scene"
  for mode in idle answering; do
    extra=(); [ "$mode" = answering ] && extra=(--ack-every-snapshot)
    for run in $(seq 1 "$RUNS"); do
      for server in $SERVERS; do
        line=$("$BENCH/loadtest" --rooms 1 --bots-per-room "$clients" --drones "$drones" \
          --duration "${SECS}s" --idle "${extra[@]}" --server-bin "${server#*=}" --json \
          --server-arg=--send-rate="$rate" \
          --server-arg=--max-players-limit="$(( clients > 64 ? clients : 64 ))" 2>/dev/null)
        echo "$drones/$clients/$rate $mode-${server%%=*} load $(load) $line" | tee -a "$WORK/lines"
      done
    done
    [ "$FLOOR" = 1 ] || continue
    # The floor at the same sizes: the frame is what a bot received per snapshot.
    bytes=$(jq -r 'select(.snapshots > 0) | (.bytes_per_bot_per_sec * .duration_s * .bots / .snapshots | floor)' \
      <<<"$line")
    ack=(--ack-bytes 24); [ "$mode" = idle ] && ack=(--no-ack)
    for run in $(seq 1 "$RUNS"); do
      floor=$("$BENCH/socket-floor" --server batched --clients "$clients" --rate "$rate" \
        --bytes "$bytes" "${ack[@]}" --duration "${SECS}s" --json)
      echo "$drones/$clients/$rate $mode-floor load $(load) $floor" | tee -a "$WORK/lines"
    done
  done
done
python3 - "$WORK/lines" <<'PY'
import json, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    scene, mode, _, load, data = line.split(" ", 4)
    rows.setdefault((scene, mode), []).append((float(load), json.loads(data)))
for (scene, mode), runs in rows.items():
    key = "server_cpu_us_per_frame" if mode.endswith("floor") else "server_cpu_us_per_snapshot"
    vals = [r[key] for _, r in runs if r.get(key) is not None]
    cpu = [r["server_cpu_percent"] for _, r in runs if r.get("server_cpu_percent") is not None]
    loads = [l for l, _ in runs]
    print(f"median of {len(vals)} {scene} {mode}: {key} {statistics.median(vals):.2f}"
          + (f", server cpu {statistics.median(cpu):.1f} %" if cpu else "")
          + f", load {min(loads):.2f}..{max(loads):.2f}")
PY
