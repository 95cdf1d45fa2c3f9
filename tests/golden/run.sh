#!/bin/sh
# run.sh BUILD_DIR - golden tests of `tern explain` (tests/golden/explain/). A case NAME is
# NAME.args (shell-quoted arguments after "explain") and/or NAME.stdin (its standard input);
# expected: NAME.out (stdout), NAME.status (exit status, 0 when absent) and, when present,
# NAME.err (stderr). Cases run in tests/golden/explain/, so they name files there by their
# plain names. Prints "golden: NAME ok|FAILED" per case, then "golden: N passed, M failed";
# exits non-zero on any failure. GOLDEN_UPDATE=1 rewrites the expected files instead.
set -u
if [ $# -ne 1 ]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$1
case $build in
/*) ;;
*) build=$(pwd)/$build ;;
esac
tern=$build/tern
cases=$root/tests/golden/explain
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
seen=" "
cd "$cases" || exit 2
if [ ! -x "$tern" ]; then
	echo "golden: $tern is missing (build it first)"
	echo "golden: 0 passed, 1 failed"
	exit 1
fi
for f in *.args *.stdin; do
	[ -e "$f" ] || continue
	name=${f%.*}
	case $seen in *" $name "*) continue ;; esac
	seen="$seen$name "
	args=""
	[ -f "$name.args" ] && args=$(cat "$name.args")
	input=/dev/null
	[ -f "$name.stdin" ] && input=$name.stdin
	eval "set -- $args"
	LC_ALL=C NO_COLOR= "$tern" explain "$@" <"$input" >"$tmp/out" 2>"$tmp/err"
	status=$?
	if [ "${GOLDEN_UPDATE:-}" = 1 ]; then
		cp "$tmp/out" "$name.out"
		if [ "$status" -ne 0 ]; then echo "$status" >"$name.status"; else rm -f "$name.status"; fi
		if [ -s "$tmp/err" ]; then cp "$tmp/err" "$name.err"; else rm -f "$name.err"; fi
	fi
	want=0
	[ -f "$name.status" ] && want=$(cat "$name.status")
	why=""
	if [ "$status" != "$want" ]; then
		why="exit status $status, expected $want"
	elif [ ! -f "$name.out" ]; then
		why="no $name.out"
	elif ! diff -u "$name.out" "$tmp/out" >"$tmp/diff"; then
		why="stdout differs"
	elif [ -f "$name.err" ] && ! diff -u "$name.err" "$tmp/err" >"$tmp/diff"; then
		why="stderr differs"
	fi
	if [ -z "$why" ]; then
		echo "golden: $name ok"
		passed=$((passed + 1))
	else
		echo "golden: $name FAILED ($why)"
		[ -s "$tmp/diff" ] && head -n 40 "$tmp/diff"
		: >"$tmp/diff"
		failed=$((failed + 1))
	fi
done
echo "golden: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
