#!/bin/bash
# Bounded libFuzzer run over pass 1, seeded with every test script.
# SONDE_FUZZ_SECONDS sets the budget (default 60).
set -u
secs=${SONDE_FUZZ_SECONDS:-60}
# shellcheck source=../lib/clang_target.sh
. "$SONDE_SRCDIR/testsuite/lib/clang_target.sh"
clang_target fuzz fuzz-parse || exit 0
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
cp "$SONDE_SRCDIR"/testsuite/parse/ok/*.stp "$SONDE_SRCDIR"/testsuite/parse/ko/*.stp "$corpus"/ 2>/dev/null
if ./fuzz-parse -max_total_time="$secs" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
	-print_final_stats=1 "$corpus" >fuzz.log 2>&1; then
	echo "PASS fuzz/parse-${secs}s ($(grep -o 'stat::number_of_executed_units: *[0-9]*' fuzz.log | grep -o '[0-9]*$') inputs)"
else
	echo "FAIL fuzz/parse-${secs}s"; grep -A30 'ERROR' fuzz.log | sed 's/^/  /' | head -40
	ls crash-* 2>/dev/null | sed 's/^/  reproducer: /'
fi
