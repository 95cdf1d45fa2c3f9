#!/bin/sh
# bursts.sh - one ternd, RUNS bursts of MESSAGES messages (4 KiB) from Postfix's smtp-source
# over SESSIONS sessions, the Maildir emptied and the daemon left idle for GAP seconds
# between bursts, as the shared harness does. Prints, per burst, the files ready in the
# Maildir pool when it started, the accept rate (until smtp-source exits), the delivery rate
# (until all are in new/), the daemon's CPU seconds during the burst and during the idle gap
# before it (where the pool is filled). Shows how delivery behaves on a file system where
# thousands of files were just deleted, and what the pool costs.
# Usage: bursts.sh [MESSAGES] [SESSIONS] [RUNS] [GAP]   (default 1500 10 5 3)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-1500} sessions=${2:-10} runs=${3:-5} gap=${4:-3}
work=$(mktemp -d /tmp/tern-bursts.XXXXXX)
chmod 755 "$work"
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; [ -n "$pid" ] && wait "$pid" 2>/dev/null; rm -rf "$work"' EXIT
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
. "$root/scripts/benchconf.sh"
echo "listen = 127.0.0.1:$port" | bench_conf "$work"
md=$work/Maildir
"$root/build/ternd" -c "$work/ternd.conf" 2>"$work/log" &
pid=$!
sleep 0.5
now() { date +%s.%N; }
count() { find "$1" -maxdepth 1 -type f -name "${2:-*}" 2>/dev/null | wc -l; }
cpu() { awk '{printf "%.2f", ($14 + $15) / 100}' "/proc/$pid/stat"; }
run=1
cpu_end=$(cpu)
while [ "$run" -le "$runs" ]; do
	pool=$(count "$md/tmp" 'tern-pool.*')
	cpu_start=$(cpu)
	t0=$(now)
	/usr/sbin/smtp-source -d -s "$sessions" -m "$n" -l 4096 -f sender@bench.example \
		-t rcpt@bench.example "127.0.0.1:$port"
	t1=$(now)
	tries=0
	while [ "$(count "$md/new")" -lt "$n" ] && [ "$tries" -lt 6000 ]; do
		sleep 0.01
		tries=$((tries + 1))
	done
	t2=$(now)
	cpu_idle=$(awk -v a="$cpu_end" -v b="$cpu_start" 'BEGIN { printf "%.2f", b - a }')
	cpu_end=$(cpu)
	awk -v r="$run" -v n="$n" -v a="$t0" -v b="$t1" -v c="$t2" -v pool="$pool" -v ci="$cpu_idle" \
		-v cb="$(awk -v a="$cpu_start" -v b="$cpu_end" 'BEGIN { printf "%.2f", b - a }')" \
		'BEGIN { printf "burst %d: pool %4d  accept %5.0f/s  deliver %5.0f/s  cpu %ss (idle before: %ss)\n", r, pool, n / (b - a), n / (c - a), cb, ci }'
	find "$md/new" -maxdepth 1 -type f -delete
	sleep "$gap"
	run=$((run + 1))
done
