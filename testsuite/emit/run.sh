#!/bin/bash
# Pass-3 cases: salient lines of the generated C, not whole files.
#   ok/NAME.stp     must translate (-p3, status 0); every line of
#                   NAME.expect must occur in the C as a fixed string,
#                   except lines starting with "! " which must not.
#   ko/NAME.stp     must fail with status 1; stderr must contain each
#                   line of NAME.expect.
# Optional NAME.opts holds extra options; @KERNEL_M_N@ there is the
# installed M.N cloud release (testsuite/lib/kernels.sh), and a case whose
# kernel is not installed fails.  Cases run from their own directory so
# locations read NAME.stp:LINE:COL.
set -u
sonde=${SONDE:-$SONDE_BUILDDIR/src/sonde}
here=$SONDE_SRCDIR/testsuite/emit
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export XDG_CACHE_HOME=$tmp/cache SONDE_TAPSET_DIR=$SONDE_SRCDIR/tapsets
# shellcheck source=../lib/kernels.sh
. "$SONDE_SRCDIR/testsuite/lib/kernels.sh"

fail() { echo "FAIL emit/$1"; shift; for l in "$@"; do echo "  $l"; done; }

run_case() { # DIR NAME -> $tmp/out, $tmp/err; returns sonde's status
	local opts=()
	kernel_read_opts "$1/$2.opts" || { kernel_missing_why >"$tmp/err"; return 125; }
	(cd "$1" && "$sonde" -p3 "${opts[@]}" "$2.stp") >"$tmp/out" 2>"$tmp/err"
}

# Lines of $1 (expectations) checked against file $2.
check_lines() {
	local want=$1 file=$2 line missing=()
	while IFS= read -r line; do
		[ -z "$line" ] && continue
		if [[ $line == '! '* ]]; then
			grep -qF -- "${line#! }" "$file" && missing+=("unexpected: ${line#! }")
		else
			grep -qF -- "$line" "$file" || missing+=("missing: $line")
		fi
	done <"$want"
	printf '%s\n' "${missing[@]}"
}

for f in "$here"/ok/*.stp; do
	name=$(basename "$f" .stp)
	run_case "$here/ok" "$name"
	st=$?
	if [ $st -ne 0 ]; then
		fail "ok/$name" "status $st" "$(head -5 "$tmp/err")"
		continue
	fi
	bad=$(check_lines "$here/ok/$name.expect" "$tmp/out")
	if [ -n "$bad" ]; then fail "ok/$name" "$bad"; else echo "PASS emit/ok/$name"; fi
done

for f in "$here"/ko/*.stp; do
	name=$(basename "$f" .stp)
	run_case "$here/ko" "$name"
	st=$?
	if [ $st -ne 1 ]; then
		fail "ko/$name" "status $st, expected 1"
		continue
	fi
	bad=$(check_lines "$here/ko/$name.expect" "$tmp/err")
	if [ -n "$bad" ]; then fail "ko/$name" "$bad"; else echo "PASS emit/ko/$name"; fi
done
exit 0
