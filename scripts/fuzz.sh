#!/usr/bin/env bash
# fuzz.sh - build every libFuzzer target fuzz/fuzz_*.c and run each for SECONDS seconds.
# Usage: scripts/fuzz.sh SECONDS
#
# The library (every .c under src/lib/ src/conf/ src/explain/, by wildcard) is compiled
# with the fuzzer and sanitizers into build-fuzz/libtern-fuzz.a, and each target links
# against that archive (and c-ares, OpenSSL and libcrypt: outbound delivery, TLS, AUTH),
# so it pulls in only the objects it uses: a library file that does not compile yet only
# fails the targets that need it. Each target runs on a copy of
# fuzz/corpus/<name without fuzz_>/ (so the repository's corpus does not grow); crashes go
# to fuzz/crashes/ (gitignored). Prints "fuzz: NAME ok|FAILED" per target and ends with
# "fuzz: N passed, M failed"; exits non-zero when any target failed.
set -u

if [ $# -ne 1 ] || ! [[ $1 =~ ^[1-9][0-9]*$ ]]; then
	echo "usage: $0 SECONDS" >&2
	exit 2
fi
secs=$1

cd "$(dirname "$0")/.." || exit 2

CC=${FUZZ_CC:-clang-14}
CFLAGS=(-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
	-std=c11 -D_GNU_SOURCE -Isrc)
out=build-fuzz
crashes=fuzz/crashes

mkdir -p "$out/obj" "$out/corpus" "$crashes" || exit 2

shopt -s nullglob
# the session core too (not the daemon main), so the command-line parser is fuzzed whole
lib_src=(src/lib/*.c src/conf/*.c src/explain/*.c src/queue/*.c src/deliver/*.c)
for f in src/smtpd/*.c; do [ "$f" = src/smtpd/ternd.c ] || lib_src+=("$f"); done
targets=(fuzz/fuzz_*.c)

# The library, one object per source; a source that does not compile is left out with
# its errors in build-fuzz/<file>.log.
rm -f "$out/libtern-fuzz.a"
rm -rf "$out/obj"
objs=()
for src in "${lib_src[@]}"; do
	obj="$out/obj/${src%.c}.o"
	log="$out/obj/${src%.c}.log"
	mkdir -p "$(dirname "$obj")"
	if "$CC" "${CFLAGS[@]}" -c "$src" -o "$obj" >"$log" 2>&1; then
		objs+=("$obj")
	else
		echo "fuzz: warning: $src does not compile, left out of the library (see $log)" >&2
	fi
done
if [ ${#objs[@]} -gt 0 ]; then
	ar rcs "$out/libtern-fuzz.a" "${objs[@]}" || exit 2
fi

passed=0
failed=0
for target in "${targets[@]}"; do
	name=$(basename "$target" .c)
	corpus_name=${name#fuzz_}
	bin="$out/$name"
	build_log="$out/$name.build.log"
	run_log="$out/$name.log"

	libs=()
	[ -f "$out/libtern-fuzz.a" ] && libs=("$out/libtern-fuzz.a")
	if ! "$CC" "${CFLAGS[@]}" "$target" "${libs[@]}" -lcares -lssl -lcrypto -lcrypt -lpthread -o "$bin" >"$build_log" 2>&1; then
		echo "fuzz: $name: build failed:" >&2
		tail -n 20 "$build_log" >&2
		echo "fuzz: $name FAILED"
		failed=$((failed + 1))
		continue
	fi

	work="$out/corpus/$corpus_name"
	rm -rf "$work"
	mkdir -p "$work"
	if [ -d "fuzz/corpus/$corpus_name" ]; then
		cp -R "fuzz/corpus/$corpus_name/." "$work/"
	fi

	if "./$bin" -max_total_time="$secs" -timeout=5 -rss_limit_mb=2048 \
		-artifact_prefix="$crashes/$name-" "$work" >"$run_log" 2>&1; then
		runs=$(grep -o 'Done [0-9]* runs' "$run_log" | tail -n 1)
		echo "  $name: ${runs:-done} in ${secs}s, corpus $(find "$work" -type f | wc -l) inputs"
		echo "fuzz: $name ok"
		passed=$((passed + 1))
	else
		echo "fuzz: $name: failed, log $run_log:" >&2
		grep -E 'ERROR|invariant|SUMMARY|artifact|Test unit written' "$run_log" | head -n 20 >&2
		echo "fuzz: $name FAILED"
		failed=$((failed + 1))
	fi
done

echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
