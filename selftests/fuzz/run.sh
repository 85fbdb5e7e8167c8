#!/bin/bash
# `make fuzz`: runs each libFuzzer harness for SECS seconds on its seeds and the corpus
# kept in build/fuzz/corpus-NAME. A crash input is copied into selftests/fuzz/regress/NAME/,
# where `make test` replays it from then on; exit status 1 if any harness crashed.
set -u
cd "$(dirname "$0")/../.."
SECS=$1; shift
rc=0
for name in "$@"; do
	corpus=build/fuzz/corpus-$name
	mkdir -p "$corpus" "selftests/fuzz/regress/$name"
	echo "== fuzz $name (${SECS}s)"
	rm -f "build/fuzz/$name-crash-"* "build/fuzz/$name-leak-"* "build/fuzz/$name-timeout-"*
	"build/fuzz/${name}_fuzz" -max_total_time="$SECS" -timeout=10 -max_len=1600 \
		-artifact_prefix="build/fuzz/$name-" -print_final_stats=1 \
		"$corpus" "selftests/fuzz/seeds/$name" 2>"build/fuzz/$name.log"
	r=$?
	grep -E "^stat::number_of_executed_units|^stat::peak_rss" "build/fuzz/$name.log"
	for f in "build/fuzz/$name-"{crash,leak,timeout}-*; do
		[ -e "$f" ] || continue
		cp "$f" "selftests/fuzz/regress/$name/"
		echo "FAIL fuzz_$name: $(basename "$f") saved to selftests/fuzz/regress/$name/"
		grep -m3 -E "fuzz:|fuzz_parse:|ERROR: " "build/fuzz/$name.log" | sed 's/^/    /'
		rc=1
	done
	[ $r = 0 ] && echo "ok fuzz_$name" || { [ $rc = 1 ] || echo "FAIL fuzz_$name: exit $r"; rc=1; }
done
exit $rc
