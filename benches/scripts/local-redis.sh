# Sourced by the cluster figure scripts: a scratch directory ($WORK), a list of
# processes to stop on exit ($pids, killed with the directory removed by the EXIT
# trap), free_port, and start_redis, which starts a throwaway redis-server on a
# free loopback port (no persistence) and sets $RPORT once it answers.
WORK=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
start_redis() {
  RPORT=$(free_port)
  redis-server --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly no >/dev/null &
  pids+=($!)
  until redis-cli -p "$RPORT" ping >/dev/null 2>&1; do sleep 0.1; done
}
