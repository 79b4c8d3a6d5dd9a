#!/usr/bin/env python3
"""Spectator delivery across a cluster (loopback only, bounded in time).

Starts redis-server and 3 tickcast nodes, opens one room with drones on n1 and
VIEWERS SSE viewers of it, half on n1 (the owner) and half on n2 (through Redis),
reads for SECS seconds and reports, for viewers on each node, the delay of every
event after the first receipt of that event by any viewer on the owner (p50/p99,
ms). Only event ids seen by both groups count.

Usage: benches/scripts/cluster-spectate-delay.py [VIEWERS=1000] [SECS=10]
Uses target/release/tickcast-server if it exists, else target/debug/.
"""
import asyncio, json, os, re, socket, subprocess, sys, tempfile, time, urllib.request

VIEWERS = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
SECS = float(sys.argv[2]) if len(sys.argv) > 2 else 10
ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
BIN = os.path.join(ROOT, "target/release/tickcast-server")
if not os.path.exists(BIN):
    BIN = os.path.join(ROOT, "target/debug/tickcast-server")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


async def viewer(addr, path, group, seen, stop):
    host, port = addr.rsplit(":", 1)
    r, w = await asyncio.open_connection(host, int(port), limit=1 << 22)
    w.write(f"GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n".encode())
    await w.drain()
    ev_id = None
    while time.monotonic() < stop:
        try:
            line = await asyncio.wait_for(r.readline(), timeout=max(0.1, stop - time.monotonic()))
        except asyncio.TimeoutError:
            break
        if not line:
            break
        if line.startswith(b"id:"):
            ev_id = line[3:].strip()
        elif line in (b"\n", b"\r\n") and ev_id is not None:
            now = time.monotonic()
            seen.setdefault(ev_id, {}).setdefault(group, []).append(now)
            ev_id = None
    w.close()


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * q))] if values else float("nan")


async def main():
    work = tempfile.mkdtemp()
    conf = os.path.join(work, "tickcast.toml")
    with open(conf, "w") as f:
        f.write("[spectators]\nmax_per_room = 4096\nmax_total = 8192\n"
                "[limits]\nmax_connections_per_ip = 100000\n")
    rport = free_port()
    procs = [subprocess.Popen(["redis-server", "--port", str(rport), "--bind", "127.0.0.1",
                               "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)]
    try:
        for _ in range(100):
            if subprocess.run(["redis-cli", "-p", str(rport), "ping"], capture_output=True).returncode == 0:
                break
            time.sleep(0.1)
        addrs = []
        for i in (1, 2, 3):
            p = subprocess.Popen([BIN, "--http", "127.0.0.1:0", "--no-quic", "--no-replays",
                                  "--config", conf, "--redis", f"redis://127.0.0.1:{rport}",
                                  "--node-id", f"n{i}"], stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, text=True)
            procs.append(p)
            for line in p.stdout:
                m = re.search(r"listening on http://(\S+)", line)
                if m:
                    addrs.append(m.group(1))
                    break
        req = urllib.request.Request(f"http://{addrs[0]}/api/rooms", method="POST",
                                     data=b'{"drones":50}', headers={"content-type": "application/json"})
        room = json.load(urllib.request.urlopen(req))
        path = f"/api/rooms/{room['id']}/events"
        seen = {}
        stop = time.monotonic() + SECS + 2
        tasks = [viewer(addrs[0] if k % 2 == 0 else addrs[1], path,
                        "owner" if k % 2 == 0 else "other", seen, stop) for k in range(VIEWERS)]
        results = await asyncio.gather(*tasks, return_exceptions=True)
        errors = [r for r in results if isinstance(r, Exception)]
        if errors:
            print(f"{len(errors)} viewers failed, e.g. {errors[0]!r}")
        delays = {"owner": [], "other": []}
        for ev, groups in seen.items():
            if "owner" not in groups or "other" not in groups:
                continue
            first = min(groups["owner"])
            for g, times in groups.items():
                delays[g].extend((t - first) * 1000 for t in times)
        for g in ("owner", "other"):
            d = delays[g]
            print(f"{g:5} node: {len(d)} deliveries, delay after first owner-node receipt "
                  f"p50 {pct(d, 0.5):.2f} ms  p99 {pct(d, 0.99):.2f} ms")
    finally:
        for p in procs:
            p.kill()


asyncio.run(main())
