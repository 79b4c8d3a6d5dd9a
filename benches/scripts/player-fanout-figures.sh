#!/usr/bin/env bash
# Server CPU per delivered player snapshot (issue 21), loopback, bounded: for each
# scene "DRONES CLIENTS SENDS_PER_SEC" and each bot mode in $MODES (default "idle
# answering"; idle: pings only on WebSocket; answering: an empty input per
# snapshot; silent: nothing at all after the Hello), RUNS runs of
# `loadtest --rooms 1 --bots-per-room CLIENTS --drones DRONES --idle` against each server
# (one JSON line each), and `socket-floor --server batched` at the same client count,
# rate and frame size (acks of 24 bytes for answering bots, none for the others);
# then the medians, each run's load average beside it.
# Usage: benches/scripts/player-fanout-figures.sh [RUNS=3] [SECS=15]
# Binaries: $SERVERS, "LABEL=PATH" pairs measured in turn, run by run, so that a
# shared machine's load falls on each alike (default
# "after=target/release/tickcast-server"), $BENCH (directory of
# loadtest and socket-floor, default target/release). Scenes: $SCENES (default
# "1000 8 20;100 200 20;1000 50 60"); FLOOR=0 skips the socket-floor runs (the floor does
# not depend on the server).
# The simulation alone (SIM=1, the default; SIM=0 skips it): per scene and server,
# RUNS runs of the same room and drones with $SIM_PLAYERS idle bots, the room kept
# open (`--empty-room-secs`). The default is 1: the arena's drones idle in a room
# without players (measured: 1 000 drones cost 0.6 % of a core with none, 2.0 % with
# one), so one player makes the simulation what the scenes pay; 0 measures the room
# with nobody. Each player run's fan-out is then the CPU above the simulation's per
# snapshot above the simulation's: (cpu% - sim cpu%) / (snapshots/s - sim
# snapshots/s), the fan-out's own µs per delivered snapshot, set against the floor.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-3}; SECS=${2:-15}
SERVERS=${SERVERS:-after=target/release/tickcast-server}
BENCH=${BENCH:-target/release}
SCENES=${SCENES:-1000 8 20;100 200 20;1000 50 60}
FLOOR=${FLOOR:-1}
MODES=${MODES:-idle answering}
SIM=${SIM:-1}
SIM_PLAYERS=${SIM_PLAYERS:-1}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
load() { cut -d' ' -f1 /proc/loadavg; }
IFS=';' read -ra scenes <<<"$SCENES"
for scene in "${scenes[@]}"; do
  read -r drones clients rate <<<"$scene"
  if [ "$SIM" = 1 ]; then
    for run in $(seq 1 "$RUNS"); do
      for server in $SERVERS; do
        line=$("$BENCH/loadtest" --rooms 1 --bots-per-room "$SIM_PLAYERS" --drones "$drones" \
          --duration "${SECS}s" --idle --server-bin "${server#*=}" --json \
          --server-arg=--send-rate="$rate" --server-arg=--empty-room-secs=3600 2>/dev/null)
        echo "$drones/$clients/$rate sim-${server%%=*} load $(load) $line" | tee -a "$WORK/lines"
      done
    done
  fi
  for mode in $MODES; do
    extra=()
    case "$mode" in
      answering) extra=(--ack-every-snapshot) ;;
      silent) extra=(--silent) ;;
    esac
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
    ack=(--ack-bytes 24); [ "$mode" = answering ] || ack=(--no-ack)
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
floors = {}
for (scene, mode), runs in rows.items():
    if mode.endswith("floor"):
        vals = [r["server_cpu_us_per_frame"] for _, r in runs if r.get("server_cpu_us_per_frame") is not None]
        if vals:
            floors[(scene, mode.split("-")[0])] = statistics.median(vals)
for (scene, mode), runs in rows.items():
    loads = [l for l, _ in runs]
    cpu = [r["server_cpu_percent"] for _, r in runs if r.get("server_cpu_percent") is not None]
    kind, _, label = mode.partition("-")
    if kind == "sim":
        print(f"median of {len(cpu)} {scene} {mode}: server cpu {statistics.median(cpu):.1f} % (no fan-out)"
              f", load {min(loads):.2f}..{max(loads):.2f}")
        continue
    key = "server_cpu_us_per_frame" if label == "floor" else "server_cpu_us_per_snapshot"
    vals = [r[key] for _, r in runs if r.get(key) is not None]
    text = (f"median of {len(vals)} {scene} {mode}: {key} {statistics.median(vals):.2f}"
            + (f", server cpu {statistics.median(cpu):.1f} %" if cpu else ""))
    sim = rows.get((scene, f"sim-{label}"))
    if label != "floor" and sim:
        rate = lambda r: r["snapshots"] / r["duration_s"] if r["snapshots"] > 0 else 0.0
        sim_cpu = statistics.median(r["server_cpu_percent"] for _, r in sim)
        sim_rate = statistics.median(rate(r) for _, r in sim)
        fan = [(r["server_cpu_percent"] - sim_cpu) / 100 * 1e6 / (rate(r) - sim_rate)
               for _, r in runs if rate(r) > sim_rate]
        if fan:
            fan_us = statistics.median(fan)
            text += f", fan-out alone {fan_us:.2f} us/snapshot"
            floor = floors.get((scene, kind))
            if floor:
                text += f" = {fan_us / floor:.2f}x floor {floor:.2f}"
    print(text + f", load {min(loads):.2f}..{max(loads):.2f}")
PY
