#!/bin/bash
# Pass 1 under ThreadSanitizer with every text scanned on a thread of its
# own (SONDE_LEX_THREAD_MIN=0): the parse cases, and generated scripts
# long enough to go round the scanner's ring many times, whole and cut
# off in the middle.  Any race report fails the case.
set -u
# shellcheck source=../lib/clang_target.sh
. "$SONDE_SRCDIR/testsuite/lib/clang_target.sh"
clang_target tsan tsan-parse || exit 0
export SONDE_LEX_THREAD_MIN=0 TSAN_OPTIONS="halt_on_error=1 exitcode=66"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# check NAME FILE...: one case over several inputs.
check() {
	local name=$1
	shift
	if ./tsan-parse "$@" >"$tmp/log" 2>&1; then
		echo "PASS tsan/$name"
	else
		echo "FAIL tsan/$name"; sed 's/^/  /' "$tmp/log" | head -40
	fi
}

check parse-cases "$SONDE_SRCDIR"/testsuite/parse/ok/*.stp \
	"$SONDE_SRCDIR"/testsuite/parse/ko/*.stp
python3 "$SONDE_SRCDIR/bench/p1/gen.py" 1 3 >"$tmp/long.stp"
check long-script "$tmp/long.stp"
# Cut inside a line, so that the end is a broken construct.
head -c $(($(stat -c %s "$tmp/long.stp") * 3 / 5 + 7)) "$tmp/long.stp" >"$tmp/cut.stp"
check long-script-cut "$tmp/cut.stp"
