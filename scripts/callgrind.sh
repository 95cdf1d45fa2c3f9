#!/bin/sh
# callgrind.sh - a deterministic cost figure for the receive path: CPU instructions per
# message, counted by valgrind's callgrind (not time, so it is stable on a noisy shared
# machine). ternd runs under callgrind; one smtplib client sends N fixed 4 KiB messages
# in one session; the figure is (instructions with N messages - instructions with none) / N.
#   receive = instructions inside session_input (parsing, DATA, the queue append),
#   total   = everything ternd does per message (receive, group commit, Maildir delivery).
# Usage: scripts/callgrind.sh [N]   (default 500). Needs valgrind; see docs/performance.md.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-500}
work=$(mktemp -d /tmp/tern-callgrind.XXXXXX)
trap 'rm -rf "$work"' EXIT
. "$root/scripts/benchconf.sh"
chmod 755 "$work"
# As root, run the whole measurement as the unprivileged tern user: a ternd started as root
# drops privileges, after which callgrind could no longer write its output file.
as=""
if [ "$(id -u)" = 0 ] && id tern >/dev/null 2>&1; then
	chown tern "$work"
	as="runuser -u tern --"
fi

run() { # $1 = messages, $2 = callgrind options; prints the instruction count
	port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	rm -rf "$work/spool" "$work/mail"
	echo "listen = 127.0.0.1:$port" | bench_conf "$work" "$work/mail/%u/Maildir"
	# shellcheck disable=SC2086
	$as valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" $2 \
		"$root/build/ternd" -c "$work/ternd.conf" 2>"$work/vg.log" &
	pid=$!
	/usr/bin/python3 - "$port" "$1" <<'PY'
import smtplib, socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
deadline = time.monotonic() + 60
while True:
    try:
        s = smtplib.SMTP("127.0.0.1", port, local_hostname="client.example", timeout=60)
        break
    except OSError:
        if time.monotonic() > deadline:
            raise
        time.sleep(0.2)
body = b"Subject: callgrind\r\n\r\n" + (b"x" * 78 + b"\r\n") * 51
for i in range(n):
    s.sendmail("sender@bench.example", ["rcpt@bench.example"], body)
s.quit()
PY
	# wait (bounded) until every message is in the Maildir, then stop ternd cleanly
	i=0
	while [ "$(ls "$work/mail/rcpt/Maildir/new" 2>/dev/null | wc -l)" -lt "$1" ] && [ $i -lt 600 ]; do
		sleep 0.1; i=$((i + 1))
	done
	kill -TERM "$pid"; wait "$pid" || true
	count=$(callgrind_annotate "$work/cg.out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1; exit}')
	echo "${count:-0}"
}

toggle="--toggle-collect=session_input --collect-atstart=no"
r0=$(run 0 "$toggle"); rn=$(run "$n" "$toggle")
t0=$(run 0 ""); tn=$(run "$n" "")
echo "receive path: $(( (rn - r0) / n )) instructions/message (inside session_input; $n messages of 4 KiB, one session)"
echo "whole daemon: $(( (tn - t0) / n )) instructions/message (receive, group commit, Maildir delivery)"
