#!/bin/bash
# Pass-2 benchmark: `sonde -p2` against `stap -p2` (and -l) on the same
# kernel release in the same run, best of N runs each, wall time and peak
# RSS, for three workloads:
#   empty    probe begin {}
#   tapsets  one probe calling every function of sonde's first tapsets
#   list     -l 'kprobe.function("*")'
#
# Usage: bench/p2/run.sh [RUNS]                (default 3)
# Environment: SONDE (default build/src/sonde), STAP (default stap),
# SONDE_BENCH_KERNEL (default: the installed 6.1 cloud kernel).
# Goals: `probe begin {}` under 20 ms; at least 10x faster than stap on
# each workload.  sonde runs with a warm tapset index cache (one unmeasured
# run first), as a user's second run would.
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/kernel.sh
. "$src/bench/lib/kernel.sh"
release=$(bench_kernel) || exit 1
runs=${1:-3}
sonde=${SONDE:-$src/build/src/sonde}
stap=${STAP:-stap}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export XDG_CACHE_HOME=$tmp/cache
[ -x "$sonde" ] || { echo "bench/p2: no sonde at $sonde" >&2; exit 1; }
command -v /usr/bin/time >/dev/null || { echo "bench/p2: needs GNU time" >&2; exit 1; }

# A build tree stap can list kprobes in, so it times a listing rather
# than an error (bench/lib/stap-tree.sh).
. "$(dirname "$0")/../lib/stap-tree.sh"
stap_r=$(stap_tree "$release" "$tmp/kbuild")

echo 'probe begin {}' >"$tmp/empty.stp"
cat >"$tmp/tapsets.stp" <<'STP'
probe begin {
	printf("%d %d %d %d %d %d %s %d %s %s %d %d\n", pid(), tid(), ppid(),
	       uid(), gid(), euid(), execname(), cpu(), pp(), probefunc(),
	       target(), is_return())
	println(gettimeofday_s(), gettimeofday_ms(), gettimeofday_us(),
		gettimeofday_ns(), jiffies(), get_cycles(), ktime_get_ns())
	s = "a,b"
	println(strlen(s), substr(s, 0, 1), isinstr(s, ","), strtol("1", 10),
		str_replace(s, ",", ";"), text_str(s), tokenize(s, ","),
		stringat(s, 0), sprint(1))
	println(kernel_string(0), kernel_string_n(0, 2), kernel_long(0),
		kernel_int(0), user_string(0), user_long(0),
		kernel_string_quoted(0), user_string_quoted(0),
		kernel_string2(0, "x"), user_string2(0, "x"))
	log("x"); warn("x"); printk(6, "x"); if (0) error("x"); exit()
}
STP

# best_of CMD...: prints "SECONDS KB" of the fastest run, or "FAIL" when
# a run exits non-zero (its stderr is kept in $tmp/err): an error is
# not a time.
best_of() {
	local best=
	for _ in $(seq "$runs"); do
		local t0=$EPOCHREALTIME
		if ! /usr/bin/time -f '%M' -o "$tmp/t" "$@" >/dev/null 2>"$tmp/err"; then
			echo FAIL
			return
		fi
		local t1=$EPOCHREALTIME
		# time(1) counts in centiseconds: the wall time is taken here.
		secs=$(awk "BEGIN{printf \"%.4f\", ${t1/,/.} - ${t0/,/.}}")
		kb=$(tail -n 1 "$tmp/t")
		if [ -z "$best" ] || awk "BEGIN{exit !($secs < ${best% *})}"; then
			best="$secs $kb"
		fi
	done
	echo "$best"
}

row() { # NAME SONDE-ARGS... -- STAP-ARGS...
	local name=$1; shift
	local sargs=() targs=()
	while [ "$1" != -- ]; do sargs+=("$1"); shift; done; shift
	targs=("$@")
	"$sonde" "${sargs[@]}" >/dev/null 2>&1 || true
	read -r ss sk <<<"$(best_of "$sonde" "${sargs[@]}")"
	ts=0
	if [ "$ss" = FAIL ]; then
		printf "%-8s sonde FAILED: %s\n" "$name" "$(head -n 1 "$tmp/err")"
		ss=0
	elif ! command -v "$stap" >/dev/null; then
		printf "%-8s sonde %6.3f s %7d KB   (no stap)\n" "$name" "$ss" "$sk"
	elif read -r ts tk <<<"$(best_of "$stap" "${targs[@]}")" && [ "$ts" = FAIL ]; then
		printf "%-8s sonde %6.3f s %7d KB   stap FAILED, not timed: %s\n" \
			"$name" "$ss" "$sk" "$(head -n 1 "$tmp/err")"
		ts=0
	else
		printf "%-8s sonde %6.3f s %7d KB   stap %7.3f s %7d KB   %6.1fx\n" \
			"$name" "$ss" "$sk" "$ts" "$tk" \
			"$(awk "BEGIN{print $ts / ($ss > 0 ? $ss : 0.001)}")"
	fi
	eval "${name}_s=$ss; ${name}_t=$ts"
}

# stap elides an empty probe and then fails with "no probes found"; -u
# keeps it, so that both elaborate the same program.
row empty -p2 -r "$release" "$tmp/empty.stp" -- -p2 -u -r "$stap_r" "$tmp/empty.stp"
# stap's printk is guru-only.
row tapsets -p2 -g -r "$release" "$tmp/tapsets.stp" -- -p2 -g -r "$stap_r" "$tmp/tapsets.stp"
row list -r "$release" -l 'kprobe.function("*")' -- -r "$stap_r" -l 'kprobe.function("*")'
awk "BEGIN{ok = $empty_s < 0.020; print \"goal: probe begin {} under 20 ms: \" (ok ? \"met\" : \"NOT met\")}"
for n in empty tapsets list; do
	eval "s=\$${n}_s t=\$${n}_t"
	[ "$t" = 0 ] || [ "$s" = 0 ] && continue
	awk "BEGIN{ok = $t >= 10 * ($s > 0 ? $s : 0.001); print \"goal: $n 10x faster than stap: \" (ok ? \"met\" : \"NOT met\")}"
done
