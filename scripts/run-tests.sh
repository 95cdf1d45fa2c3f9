#!/bin/sh
# run-tests.sh BUILD_DIR [LABEL] - unit tests (cmocka), golden CLI tests and end-to-end
# tests (pytest) against one build. Prints "LABEL: N passed, N failed" last.
set -u
build=${1:-build}
label=${2:-tests}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
passed=0 failed=0
count() { # count "passed failed" from a summary line
	passed=$((passed + $1)); failed=$((failed + $2))
}
# cmocka prints "[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s), listed below:"
for t in "$build"/tests/test_*; do
	[ -x "$t" ] || continue
	out=$("$t" 2>&1); rc=$?
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	if [ $rc -ne 0 ] && [ -z "$f" ]; then f=1; fi # crashed before its summary
	[ $rc -ne 0 ] && printf '%s\n' "$out" | tail -40
	echo "unit: $(basename "$t") passed=${p:-0} failed=${f:-0}"
	count "${p:-0}" "${f:-0}"
done
if [ -x tests/golden/run.sh ]; then
	out=$(tests/golden/run.sh "$build" 2>&1)
	printf '%s\n' "$out" | grep -v ' ok$' | tail -30
	line=$(printf '%s\n' "$out" | grep '^golden: [0-9]* passed' | tail -1)
	p=$(echo "$line" | sed -n 's/^golden: \([0-9]*\) passed, \([0-9]*\) failed.*/\1/p')
	f=$(echo "$line" | sed -n 's/^golden: \([0-9]*\) passed, \([0-9]*\) failed.*/\2/p')
	[ -z "$line" ] && f=1
	count "${p:-0}" "${f:-0}"
fi
# pytest: "N passed, M failed in Xs" (either part may be missing)
out=$(TERN_BUILD="$build" /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/e2e 2>&1)
rc=$?
printf '%s\n' "$out" | tail -30
line=$(printf '%s\n' "$out" | tail -1)
p=$(echo "$line" | grep -o '[0-9]* passed' | grep -o '[0-9]*')
f=$(echo "$line" | grep -o '[0-9]* failed' | grep -o '[0-9]*')
e=$(echo "$line" | grep -o '[0-9]* error' | grep -o '[0-9]*')
f=$(( ${f:-0} + ${e:-0} ))
[ $rc -ne 0 ] && [ $f -eq 0 ] && f=1
count "${p:-0}" "$f"
echo "$label: $passed passed, $failed failed"
[ $failed -eq 0 ] && [ $passed -gt 0 ]
