#!/bin/sh
# latency.sh - per-message latency from MAIL to the 250 after the end-of-data dot, at 100
# concurrent sessions, with the shared harness's load generator (../shared/bench/smtpload.c).
# The 250 is only sent once the message is on stable storage, so this is the group commit's
# latency under load. Prints smtpload's line (client side, MAIL -> 250: p50_ms .. max_ms) and
# ternd's own commit-latency line (server side, end-of-data dot -> 250), logged at SIGTERM.
# Usage: latency.sh [SESSIONS] [MESSAGES]   (default 100 5000)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
bench=${BENCH_DIR:-$root/../shared/bench}
work=$(mktemp -d /tmp/tern-latency.XXXXXX)
chmod 755 "$work"
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$work"' EXIT
cc -O2 -o "$work/smtpload" "$bench/smtpload.c" -lm
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
. "$root/scripts/benchconf.sh"
echo "listen = 127.0.0.1:$port" | bench_conf "$work"
"$root/build/ternd" -c "$work/ternd.conf" 2>"$work/log" &
pid=$!
sleep 0.5
"$work/smtpload" -p "$port" -c "${1:-100}" -n "${2:-5000}" -k 0 -l 4096 \
	-f sender@bench.example -r rcpt@bench.example
kill -TERM "$pid"
wait "$pid" || true
grep -o 'commit-latency.*' "$work/log"
