#!/bin/bash
# Pass-2 cases.
#   ok/NAME.stp    must elaborate (status 0); if NAME.p2 exists the -p2
#                  output must equal it; if NAME.err exists stderr must
#                  equal it (warnings), else stderr must be empty.
#   ko/NAME.stp    must fail with status 1 and print exactly NAME.err.
#   list/NAME.opts options of a listing run (-l, -L, --dump-*) whose
#                  output must equal NAME.out; its status must be NAME.rc
#                  (default 0), its stderr NAME.err (default empty).
# Every ok case then goes through pass 3 too (NAME/p3), unless marked
# known (testsuite/lib/nextpass.sh); the build group compiles its C.
# Optional NAME.opts holds extra options; @KERNEL_M_N@ there is the
# installed M.N cloud release (testsuite/lib/kernels.sh), and the release
# in outputs and messages is shown as that placeholder.  Cases run from
# their own directory so messages name NAME.stp; the library is the source
# tree's (paths in messages are written relative to it, as tapsets/FILE),
# and the index cache goes to a scratch directory.  A case whose kernel or
# its symbol table is not installed fails: ./setup.sh installs both.
# `testsuite/elab/regen` rewrites the goldens.
set -u
sonde=${SONDE:-$SONDE_BUILDDIR/src/sonde}
label=${LABEL:-elab}
here=$SONDE_SRCDIR/testsuite/elab
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export XDG_CACHE_HOME=$tmp/cache SONDE_TAPSET_DIR=$SONDE_SRCDIR/tapsets
# shellcheck source=../lib/kernels.sh
. "$SONDE_SRCDIR/testsuite/lib/kernels.sh"
# shellcheck source=../lib/nextpass.sh
. "$SONDE_SRCDIR/testsuite/lib/nextpass.sh"

fail() { echo "FAIL $label/$1"; shift; for l in "$@"; do echo "  $l"; done; }

# case_opts CASE FILE: the options of FILE in `opts`; false, with a FAIL
# line, when the kernel they name or its symbol table is not installed.
case_opts() {
	local i
	if ! kernel_read_opts "$2"; then
		fail "$1" "$(kernel_missing_why)"; return 1
	fi
	[[ -f $2 && $(<"$2") == *@KERNEL_* ]] || return 0
	for ((i = 0; i + 1 < ${#opts[@]}; i++)); do
		[[ ${opts[i]} == -r ]] || continue
		[[ -r /usr/lib/debug/boot/System.map-${opts[i+1]} ]] && continue
		fail "$1" "no symbol table for kernel ${opts[i+1]}: install" \
			"linux-image-${opts[i+1]}-dbg (./setup.sh installs linux-image-cloud-amd64-dbg)"
		return 1
	done
}

run_case() { # DIR NAME -> $tmp/out, $tmp/err
	local dir=$1 name=$2
	(cd "$dir" && "$sonde" -p2 "${opts[@]}" "$name.stp") >"$tmp/raw.out" 2>"$tmp/raw"
	local st=$?
	kernel_normalise <"$tmp/raw.out" >"$tmp/out"
	sed "s|$SONDE_SRCDIR/tapsets/|tapsets/|g" "$tmp/raw" | kernel_normalise >"$tmp/err"
	return $st
}

check_ok() {
	local name=$1 opts
	case_opts "ok/$name" "$here/ok/$name.opts" || return
	run_case "$here/ok" "$name"
	local st=$?
	if [ $st -ne 0 ]; then
		fail "ok/$name" "status $st"; sed 's/^/  | /' "$tmp/err" | head -20; return
	fi
	if [ -f "$here/ok/$name.p2" ] && ! diff -u "$here/ok/$name.p2" "$tmp/out" >"$tmp/diff"; then
		fail "ok/$name" "-p2 output differs from $name.p2:"; sed 's/^/  /' "$tmp/diff" | head -30; return
	fi
	local want=/dev/null
	[ -f "$here/ok/$name.err" ] && want=$here/ok/$name.err
	if ! diff -u "$want" "$tmp/err" >"$tmp/diff"; then
		fail "ok/$name" "stderr differs:"; sed 's/^/  /' "$tmp/diff" | head -30; return
	fi
	echo "PASS $label/ok/$name"
	next_pass "$label" "$here/ok" "$name" 3 "${opts[@]}" "$name.stp"
}

check_ko() {
	local name=$1 opts
	case_opts "ko/$name" "$here/ko/$name.opts" || return
	run_case "$here/ko" "$name"
	local st=$?
	if [ $st -ne 1 ]; then
		fail "ko/$name" "status $st, expected 1"; sed 's/^/  | /' "$tmp/err" | head -20; return
	fi
	if [ ! -f "$here/ko/$name.err" ]; then
		fail "ko/$name" "no $name.err"; sed 's/^/  | /' "$tmp/err" | head -20; return
	fi
	if ! diff -u "$here/ko/$name.err" "$tmp/err" >"$tmp/diff"; then
		fail "ko/$name"; sed 's/^/  /' "$tmp/diff" | head -30; return
	fi
	echo "PASS $label/ko/$name"
}

check_list() {
	local name=$1 opts want_st=0
	case_opts "list/$name" "$here/list/$name.opts" || return
	[ -f "$here/list/$name.rc" ] && want_st=$(cat "$here/list/$name.rc")
	(cd "$here/list" && "$sonde" "${opts[@]}") 2>"$tmp/raw" | kernel_normalise >"$tmp/out"
	local st=${PIPESTATUS[0]}
	kernel_normalise <"$tmp/raw" >"$tmp/err"
	if [ $st -ne "$want_st" ]; then
		fail "list/$name" "status $st, expected $want_st"; sed 's/^/  | /' "$tmp/err" | head -20; return
	fi
	if ! diff -u "$here/list/$name.out" "$tmp/out" >"$tmp/diff"; then
		fail "list/$name"; sed 's/^/  /' "$tmp/diff" | head -30; return
	fi
	local want=/dev/null
	[ -f "$here/list/$name.err" ] && want=$here/list/$name.err
	if ! diff -u "$want" "$tmp/err" >"$tmp/diff"; then
		fail "list/$name" "stderr differs:"; sed 's/^/  /' "$tmp/diff" | head -30; return
	fi
	echo "PASS $label/list/$name"
}

# The index cache: a second run must reuse it, a touched file rebuild it.
check_cache() {
	local d=$tmp/lib
	mkdir -p "$d"
	echo 'function cached_f() { return 1 }' >"$d/a.stp"
	local s='probe begin { println(cached_f()) }'
	"$sonde" -p2 -I "$d" -e "$s" >/dev/null 2>&1 && ls "$XDG_CACHE_HOME"/sonde/tapset-index-* >/dev/null 2>&1 ||
		{ fail cache "no index written"; return; }
	printf 'function cached_g() { return 22 }\n' >"$d/a.stp"
	"$sonde" -p2 -I "$d" -e 'probe begin { println(cached_g()) }' >/dev/null 2>&1 ||
		{ fail cache "a changed file was not reindexed"; return; }
	echo "PASS $label/cache"
}

for f in "$here"/ok/*.stp; do [ -e "$f" ] && check_ok "$(basename "$f" .stp)"; done
for f in "$here"/ko/*.stp; do [ -e "$f" ] && check_ko "$(basename "$f" .stp)"; done
for f in "$here"/list/*.opts; do [ -e "$f" ] && check_list "$(basename "$f" .opts)"; done
check_cache
