#!/bin/bash
# Pass-1 script cases.
#   ok/NAME.stp  must parse (status 0); its -p1 output must parse again to
#                the same text (the unparser round trip); if NAME.p1 exists
#                the -p1 output must equal it.
#   ko/NAME.stp  must fail with status 1 and print exactly NAME.err.
# Every ok case then goes through pass 2 too (NAME/p2), unless marked
# parse-only or known (testsuite/lib/nextpass.sh).
# Optional NAME.opts holds extra options, NAME.args script arguments (one
# per line); @KERNEL_M_N@ in NAME.opts is the installed M.N cloud release
# (testsuite/lib/kernels.sh), and the release in messages is shown as it.
# Cases run from their own directory so messages name NAME.stp.
# SONDE overrides the binary (the asan group uses that);
# `testsuite/parse/regen` rewrites .p1 and .err files for review.
set -u
sonde=${SONDE:-$SONDE_BUILDDIR/src/sonde}
label=${LABEL:-parse}
here=$SONDE_SRCDIR/testsuite/parse
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=../lib/nextpass.sh
. "$SONDE_SRCDIR/testsuite/lib/nextpass.sh"
# shellcheck source=../lib/kernels.sh
. "$SONDE_SRCDIR/testsuite/lib/kernels.sh"

run_case() { # DIR NAME -> runs sonde -p1, output in $tmp/out, $tmp/err
	local dir=$1 name=$2 opts=() args=()
	kernel_read_opts "$dir/$name.opts" || { kernel_missing_why >"$tmp/err"; return 125; }
	[ -f "$dir/$name.args" ] && mapfile -t args <"$dir/$name.args"
	(cd "$dir" && "$sonde" -p1 "${opts[@]}" "$name.stp" "${args[@]}") \
		>"$tmp/out" 2>"$tmp/raw"
	local st=$?
	kernel_normalise <"$tmp/raw" >"$tmp/err"
	return $st
}

check_ok() {
	local name=$1
	run_case "$here/ok" "$name"
	local st=$?
	if [ $st -ne 0 ]; then
		echo "FAIL $label/ok/$name"; echo "  status $st"; sed 's/^/  | /' "$tmp/err" | head -20
		return
	fi
	if [ -f "$here/ok/$name.p1" ] && ! diff -u "$here/ok/$name.p1" "$tmp/out" >"$tmp/diff"; then
		echo "FAIL $label/ok/$name"; echo "  -p1 output differs from $name.p1:"; sed 's/^/  /' "$tmp/diff" | head -30
		return
	fi
	# Round trip: the canonical form must be a fixed point.
	cp "$tmp/out" "$tmp/u1.stp"
	local opts=() args=()
	kernel_read_opts "$here/ok/$name.opts"
	[ -f "$here/ok/$name.args" ] && mapfile -t args <"$here/ok/$name.args"
	if ! "$sonde" -p1 "${opts[@]}" "$tmp/u1.stp" >"$tmp/u2" 2>"$tmp/err2" ||
	   ! cmp -s "$tmp/u1.stp" "$tmp/u2"; then
		echo "FAIL $label/ok/$name"; echo "  -p1 output does not re-parse to itself:"
		sed 's/^/  | /' "$tmp/err2" | head -10
		diff -u "$tmp/u1.stp" "$tmp/u2" | sed 's/^/  /' | head -30
		return
	fi
	echo "PASS $label/ok/$name"
	next_pass "$label" "$here/ok" "$name" 2 "${opts[@]}" "$name.stp" "${args[@]}"
}

check_ko() {
	local name=$1
	run_case "$here/ko" "$name"
	local st=$?
	if [ $st -ne 1 ]; then
		echo "FAIL $label/ko/$name"; echo "  status $st, expected 1"; sed 's/^/  | /' "$tmp/err" | head -20
		return
	fi
	if [ ! -f "$here/ko/$name.err" ]; then
		echo "FAIL $label/ko/$name"; echo "  no $name.err"; sed 's/^/  | /' "$tmp/err" | head -20
		return
	fi
	if ! diff -u "$here/ko/$name.err" "$tmp/err" >"$tmp/diff"; then
		echo "FAIL $label/ko/$name"; sed 's/^/  /' "$tmp/diff" | head -30
		return
	fi
	echo "PASS $label/ko/$name"
}

for f in "$here"/ok/*.stp; do [ -e "$f" ] && check_ok "$(basename "$f" .stp)"; done
for f in "$here"/ko/*.stp; do [ -e "$f" ] && check_ko "$(basename "$f" .stp)"; done
# The scanner must never back up: flex then leaves out the per-byte
# tracking of accepting states (see lexer.l).
if command -v flex >/dev/null; then
	(cd "$tmp" && flex -b -o lex.c "$SONDE_SRCDIR/src/parse/lexer.l" 2>/dev/null)
	if grep -qx "No backing up." "$tmp/lex.backup" 2>/dev/null; then
		echo "PASS $label/lexer-no-backing-up"
	else
		echo "FAIL $label/lexer-no-backing-up"; head -20 "$tmp/lex.backup" 2>/dev/null | sed 's/^/  /'
	fi
fi
# shellcheck source=library.sh
. "$SONDE_SRCDIR/testsuite/parse/library.sh"
# shellcheck source=long.sh
. "$SONDE_SRCDIR/testsuite/parse/long.sh"
