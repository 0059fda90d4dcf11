#!/bin/bash
# Pass-3 benchmark: `sonde -p3` against `stap -p3` on the same kernel
# release in the same run, best of N runs each, wall time, peak RSS and
# the size of the C written, for three workloads:
#   hello   probe begin { printf(...); exit() }
#   kprobe  a kprobe counting calls per process name into an array,
#           reported by an end probe with foreach
#   large   bench/p3/gen.py UNITS: per unit six globals (arrays of one
#           to three keys, statistics), two functions, a kprobe, a timer
#           and a begin probe, and its part of one big end probe
#
# Usage: bench/p3/run.sh [UNITS] [RUNS]        (defaults: 200 and 3)
# Environment: SONDE (default build/src/sonde), STAP (default stap),
# SONDE_BENCH_KERNEL (default: the installed 6.1 cloud kernel), BENCH_SEED (default 1).
# Goal: sonde at least 5x faster than stap on each workload.  sonde runs
# with warm caches (tapset index, kernel symbols: one unmeasured run
# first), as a user's second run would; stap has none for these passes.
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../lib/kernel.sh
. "$src/bench/lib/kernel.sh"
release=$(bench_kernel) || exit 1
units=${1:-200}
runs=${2:-3}
sonde=${SONDE:-$src/build/src/sonde}
stap=${STAP:-stap}
seed=${BENCH_SEED:-1}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export XDG_CACHE_HOME=$tmp/cache
[ -x "$sonde" ] || { echo "bench/p3: no sonde at $sonde (build first, or set SONDE=path)" >&2; exit 1; }
command -v /usr/bin/time >/dev/null || { echo "bench/p3: needs GNU time as /usr/bin/time" >&2; exit 1; }
have_stap=1
command -v "$stap" >/dev/null || have_stap=0

. "$(dirname "$0")/../lib/stap-tree.sh"
stap_r=$(stap_tree "$release" "$tmp/kbuild")

echo 'probe begin { printf("hello %s %d\n", "world", 42); exit() }' >"$tmp/hello.stp"
cat >"$tmp/kprobe.stp" <<'STP'
global calls
probe kprobe.function("vfs_read") { calls[execname()]++ }
probe end {
	foreach (name in calls- limit 10)
		printf("%-16s %d\n", name, calls[name])
}
STP
python3 "$src/bench/p3/gen.py" "$units" "$seed" >"$tmp/large.stp"

# best_of CMD...: prints "SECONDS KB BYTES" of the fastest run (BYTES:
# the C written to stdout), or "FAIL" when a run exits non-zero (its
# stderr is kept in $tmp/err): an error is not a time.
best_of() {
	local best= secs kb t0 t1
	for _ in $(seq "$runs"); do
		t0=$EPOCHREALTIME
		if ! /usr/bin/time -f '%M' -o "$tmp/t" "$@" >"$tmp/c" 2>"$tmp/err"; then
			echo FAIL
			return
		fi
		t1=$EPOCHREALTIME
		# time(1) counts in centiseconds: the wall time is taken here.
		secs=$(awk "BEGIN{printf \"%.4f\", ${t1/,/.} - ${t0/,/.}}")
		kb=$(tail -n 1 "$tmp/t")
		if [ -z "$best" ] || awk "BEGIN{exit !($secs < ${best%% *})}"; then
			best="$secs $kb $(stat -c %s "$tmp/c")"
		fi
	done
	echo "$best"
}

fail=0
row() { # NAME: times both tools on $tmp/NAME.stp, sets NAME_s and NAME_t
	local name=$1 ss sk sb ts=0 tk tb
	"$sonde" -p3 -r "$release" "$tmp/$name.stp" >/dev/null 2>&1 || true
	read -r ss sk sb <<<"$(best_of "$sonde" -p3 -r "$release" "$tmp/$name.stp")"
	if [ "$ss" = FAIL ]; then
		printf "%-7s sonde FAILED: %s\n" "$name" "$(head -n 1 "$tmp/err")"
		ss=0 fail=1
	elif [ $have_stap = 0 ]; then
		printf "%-7s sonde %6.3f s %7d KB %9d B C   (no stap)\n" "$name" "$ss" "$sk" "$sb"
	elif read -r ts tk tb <<<"$(best_of "$stap" -p3 -r "$stap_r" "$tmp/$name.stp")" &&
	     [ "$ts" = FAIL ]; then
		printf "%-7s sonde %6.3f s %7d KB %9d B C   stap FAILED, not timed: %s\n" \
			"$name" "$ss" "$sk" "$sb" "$(head -n 1 "$tmp/err")"
		ts=0
	else
		printf "%-7s sonde %6.3f s %7d KB %9d B C   stap %6.3f s %7d KB %9d B C   %6.1fx\n" \
			"$name" "$ss" "$sk" "$sb" "$ts" "$tk" "$tb" \
			"$(awk "BEGIN{print $ts / ($ss > 0 ? $ss : 0.001)}")"
	fi
	eval "${name}_s=$ss; ${name}_t=$ts"
}

echo "release $release, best of $runs runs; large: $units units ($(stat -c %s "$tmp/large.stp") bytes, seed $seed)"
row hello
row kprobe
row large
for n in hello kprobe large; do
	eval "s=\$${n}_s t=\$${n}_t"
	{ [ "$t" = 0 ] || [ "$s" = 0 ]; } && continue
	awk "BEGIN{ok = $t >= 5 * ($s > 0 ? $s : 0.001); print \"goal: $n 5x faster than stap: \" (ok ? \"met\" : \"NOT met\")}"
done
exit $fail
