# benchconf.sh - sourced by the measurement scripts (bench, idle, latency, callgrind): the
# ternd configuration they share, written to $1/ternd.conf with the spool and Maildir under
# $1; extra "key = value" lines come on stdin.
bench_conf() {
	{
		cat <<CONF
hostname = bench.example
domains = bench.example
spool = $1/spool
maildir = ${2:-$1/Maildir}
spool_min_free = 0
log_level = warn
CONF
		cat
	} >"$1/ternd.conf"
}
