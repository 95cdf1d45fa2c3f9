#!/bin/sh
# bench.sh - run the shared side-by-side harness (../shared/bench/run.sh: smtp-sink,
# Postfix, ternd) against a fresh build. Root, because the harness starts Postfix.
# Extra arguments go to run.sh (e.g. --workloads c10-sess --reps 1).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
bench=${BENCH_DIR:-$root/../shared/bench}
work=$(mktemp -d /tmp/tern-bench.XXXXXX)
chmod 755 "$work" # ternd drops to its user after binding, and must reach its spool here
# The harness creates the Maildir's new/ cur/ tmp/ as root; made here first, they belong to
# the user ternd runs as, which must write them.
mkdir -p "$work/Maildir/new" "$work/Maildir/cur" "$work/Maildir/tmp"
if [ "$(id -u)" = 0 ] && id tern >/dev/null 2>&1; then
	chown -R tern: "$work/Maildir"
fi
printf 'rcpt@bench.example\nsender@bench.example\n' >"$work/users"
. "$root/scripts/benchconf.sh"
echo "users = $work/users" | bench_conf "$work"
exec "$bench/run.sh" --target-name ternd --maildir "$work/Maildir" \
	--target-cmd "exec $root/build/ternd -c $work/ternd.conf -o listen=127.0.0.1:\$PORT" "$@"
