#!/bin/sh
# idle.sh - the shared harness's idle-session test (../shared/bench/idle.sh) against a fresh
# ternd: N connections that each send EHLO and then stay idle; prints held sessions and the
# resident memory of the whole ternd. Root (the harness requires it). Usage: idle.sh [N]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
bench=${BENCH_DIR:-$root/../shared/bench}
work=$(mktemp -d /tmp/tern-idle.XXXXXX)
chmod 755 "$work"
. "$root/scripts/benchconf.sh"
printf 'connection_limit = 20000\nconnection_limit_per_ip = 20000\n' | bench_conf "$work"
exec "$bench/idle.sh" --conns "${1:-10000}" --servers "" --target-name ternd \
	--target-cmd "exec $root/build/ternd -c $work/ternd.conf -o listen=127.0.0.1:\$PORT"
