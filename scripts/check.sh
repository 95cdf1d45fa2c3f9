#!/bin/sh
# check.sh - everything CI runs (the README's test command): build with warnings as
# errors, lint, unit + golden + end-to-end tests, the same under ASan+UBSan, and a short
# run of every fuzz target. The last line is the total: "total: N passed, N failed".
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
jobs=$(nproc 2>/dev/null || echo 2)
tp=0 tf=0
add() { # add the counts of a "label: N passed, M failed" line from file $1
	line=$(grep -E '^[a-z-]+: [0-9]+ passed, [0-9]+ failed' "$1" | tail -1)
	p=$(echo "$line" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed.*/\1/p')
	f=$(echo "$line" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed.*/\2/p')
	[ -z "$line" ] && f=1
	tp=$((tp + ${p:-0})); tf=$((tf + ${f:-0}))
}
log=$(mktemp -d)
step() { # step NAME COMMAND...: run, show output, count its summary line
	name=$1; shift
	echo "== $name"
	"$@" >"$log/$name" 2>&1; rc=$?
	cat "$log/$name"
	if ! grep -qE '^[a-z-]+: [0-9]+ passed, [0-9]+ failed' "$log/$name"; then
		if [ $rc -eq 0 ]; then echo "$name: 1 passed, 0 failed"; tp=$((tp + 1)); else echo "$name: 0 passed, 1 failed"; tf=$((tf + 1)); fi
	else
		add "$log/$name"
		[ $rc -ne 0 ] && ! grep -qE ': [0-9]+ passed, [1-9][0-9]* failed' "$log/$name" && tf=$((tf + 1))
	fi
}
step build make -j"$jobs" all unit
step lint scripts/lint.sh
step tests scripts/run-tests.sh build tests
step asan-build make -j"$jobs" asan
step asan env ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	scripts/run-tests.sh build-asan asan
step fuzz scripts/fuzz.sh "${FUZZ_SECONDS:-20}"
rm -rf "$log"
echo "total: $tp passed, $tf failed"
[ "$tf" -eq 0 ]
